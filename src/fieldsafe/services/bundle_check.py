"""Receiving: read a bundle and check all of it before anything is merged."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.services.bundle_check_records import (
    check_actions,
    check_audits,
    check_campaigns,
    fail,
)
from fieldsafe.services.devices import trusted_name
from fieldsafe.services.form_library import load_form_bytes
from fieldsafe.storage.models import (
    FormVersion,
)
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader, Entry
from fieldsafe.sync.errors import BundleError, is_safe_name, shown
from fieldsafe.sync.manifest import Manifest, decode_manifest
from fieldsafe.sync.signing import signer, verify

_MEDIA_NAME = re.compile(r"^(media|layers|thumbs)/([0-9a-f]{64})$")
MAX_THUMBNAIL_BYTES = 1024 * 1024
FORM_SUFFIXES = (".xlsx", ".xls", ".md", ".csv")
LAYER_SUFFIXES = {"areas": (".geojson", ".json"), "basemap": (".mbtiles",)}


@dataclass
class Checked:
    """A bundle that passed every check, with its records decoded."""

    path: Path
    manifest: Manifest
    manifest_sha256: str
    signed_by: str | None  # the public key whose signature matched, if any
    trusted_as: str | None  # that key's name among trusted devices
    records: dict[str, list[Any]] = field(default_factory=dict)

    def entry(self, name: str) -> Entry:
        e = self.manifest.entries[name]
        return Entry(sha256=e.sha256, size=e.size)


def open_bundle(path: Path) -> BundleReader:
    return BundleReader(path)


def check_header(reader: BundleReader, db: Session, require_signature: bool) -> Checked:
    """The manifest, its hash and its signature: cheap, done before anything heavy."""
    path = reader.path
    manifest = decode_manifest(reader.manifest_bytes)
    if isinstance(manifest, str):
        raise BundleError(path, manifest)
    key: str | None = None
    if reader.signature is not None:
        key = verify(reader.signature, reader.manifest_bytes)
        if key is None:
            named = signer(reader.signature)
            raise BundleError(path, _("its signature does not match its manifest: the "
                                      "manifest was changed after it was signed{by}").format(
                by=_(" (signed by {key})").format(key=named) if named else ""))
    trusted = trusted_name(db, key) if key else None
    if require_signature:
        if key is None:
            raise BundleError(path, _("it is not signed, and only signed bundles from "
                                      "trusted devices are accepted"))
        if trusted is None:
            raise BundleError(path, _("it is signed by {key}, which is not a trusted device "
                                      "('fieldsafe devices trust KEY --name NAME')").format(
                key=key))
    return Checked(path, manifest, hashlib.sha256(reader.manifest_bytes).hexdigest(), key,
                   trusted)


# The records read first: those naming the bundle's files (with the forms before them).
FILE_KINDS = ("forms", "layers", "campaigns", "media")


def check_files(reader: BundleReader, db: Session, checked: Checked) -> None:
    """The entries (each listed, named and sized as it should be) and the records of
    FILE_KINDS: enough to start copying the bundle's files in."""
    path, entries = reader.path, checked.manifest.entries
    names = set(reader.names())
    for name in sorted(set(entries) - names):
        raise BundleError(path, _("entry '{name}' listed in the manifest is missing").format(
            name=name))
    for name in sorted(names - set(entries)):
        raise BundleError(path, _("entry '{name}' is not listed in the manifest").format(
            name=name))
    known_records = {rec.record_file(kind) for kind in rec.KINDS}
    for name in sorted(names):
        m = _MEDIA_NAME.match(name)
        if name not in known_records and m is None:
            raise BundleError(path, _("unexpected entry '{name}'").format(name=name[:80]))
        if m is not None and m.group(1) != "thumbs" and entries[name].sha256 != m.group(2):
            raise BundleError(path, _("entry '{name}' is not named by its SHA-256").format(
                name=name))
        if m is not None and m.group(1) == "thumbs" and \
                entries[name].size > MAX_THUMBNAIL_BYTES:
            raise BundleError(path, _("entry '{name}' is too large for a thumbnail").format(
                name=name))
    for kind in FILE_KINDS:
        _decode_all(reader, checked, kind)
    _check_media(db, checked, names)


def check_records(reader: BundleReader, db: Session, checked: Checked) -> Checked:
    """After :func:`check_files`: the other records, the forms, and every reference."""
    for kind in rec.KINDS:
        if kind not in FILE_KINDS:
            _decode_all(reader, checked, kind)
    _check_forms(db, checked)
    check_audits(db, checked)
    check_actions(db, checked)
    check_campaigns(checked)
    return checked


def decode_records(reader: BundleReader, checked: Checked) -> None:
    """Every kind's records into ``checked.records``, as the checks below would decode
    them (a bundle read ahead of its import: bundle_read_ahead)."""
    for kind in rec.KINDS:
        _decode_all(reader, checked, kind)


def _decode_all(reader: BundleReader, checked: Checked, kind: str) -> None:
    if kind in checked.records:  # decoded ahead, from the same manifest
        return
    checked.records[kind] = _decode(reader, checked, kind)
    expected = checked.manifest.counts.get(kind, 0)
    if len(checked.records[kind]) != expected:
        raise BundleError(reader.path, _("{file} holds {n} records, its manifest says {m}")
                          .format(file=rec.record_file(kind),
                                  n=len(checked.records[kind]), m=expected))


def _key(kind: str, record: Any) -> str:
    """What identifies a record of ``kind``: two records with one key would clash on merge."""
    if kind == "forms":
        return f"{record.form_id}@{record.version}"
    return str(record.sha256 if kind == "media" else record.uuid)


def _decode(reader: BundleReader, checked: Checked, kind: str) -> list[Any]:
    name = rec.record_file(kind)
    if name not in checked.manifest.entries:
        return []
    decoder = rec.decoder(kind)
    out = []
    lines: dict[str, int] = {}
    for number, line in enumerate(reader.read_lines(name, checked.entry(name)), start=1):
        try:
            record = decoder.decode(line)
        except msgspec.ValidationError as err:
            raise fail(checked, kind, number, _refusal(kind, line, err)) from None
        except msgspec.DecodeError as err:
            raise fail(checked, kind, number, _schema_reason(str(err))) from None
        except RecursionError:  # [[[[… thousands deep in answers or info
            raise fail(checked, kind, number, _("JSON is nested too deep")) from None
        first = lines.setdefault(_key(kind, record), number)
        if first != number:
            raise BundleError(reader.path, _("{file} line {n}: record {id} appears twice (also "
                                             "on line {first})").format(
                file=name, n=number, id=shown(_key(kind, record)), first=first))
        out.append(record)
    return out


def _refusal(kind: str, line: bytes, err: msgspec.ValidationError) -> str:
    """Why a record that breaks the schema is refused: for answers, answers_problem's words
    (which revision, which answer, what is wrong), else msgspec's."""
    try:
        answers = rec.answers_refusal(line) if kind == "audits" else None
    except RecursionError:
        return _("JSON is nested too deep")
    return answers or _schema_reason(str(err))


_WITH_OFFSET = re.compile(r"^Expected `datetime` with no timezone component - at `(.*)`$")


def _schema_reason(why: str) -> str:
    """msgspec's words for a record that breaks the schema; a time with an offset said so."""
    found = _WITH_OFFSET.match(why)
    if found:
        return _("the time at {where} has a UTC offset; times are local wall-clock times "
                 "without an offset, as FieldSafe writes them").format(
            where=shown(found.group(1)))
    return why[:200]


def _check_forms(db: Session, checked: Checked) -> None:
    for number, form in enumerate(checked.records["forms"], start=1):
        stored = db.scalar(select(FormVersion).where(FormVersion.form_id == form.form_id,
                                                     FormVersion.version == form.version))
        if stored is not None:
            if stored.content_hash != form.content_hash:
                raise BundleError(checked.path, _(
                    "form '{form_id}' version '{version}' is in this workspace with different "
                    "content; a form version never changes, so the bundle is refused whole "
                    "(give the changed form a new version)").format(
                    form_id=form.form_id, version=form.version))
            continue
        name = form.source_name
        if not _plain_file_name(name):
            raise fail(checked, "forms", number, _("form file name '{name}' is not allowed")
                       .format(name=shown(name)))
        try:
            data = base64.b64decode(form.source, validate=True)
        except (binascii.Error, ValueError):
            raise fail(checked, "forms", number, _("the form file is not base64")) from None
        try:  # under its own stem: a form whose settings give no form_id is named by it
            loaded = load_form_bytes(f"{Path(name).stem}{Path(name).suffix.lower()}", data)
        except Exception as err:  # a crafted form can break pyxform in any way
            why = str(err) if isinstance(err, UserError) else \
                f"{name}: {type(err).__name__}: {err}"
            raise BundleError(checked.path, _("form '{form_id}' does not load: {why}")
                              .format(form_id=shown(form.form_id),
                                      why=" ".join(why.split())[:300])) from None
        if (loaded.form_id, loaded.version, loaded.content_hash) != (
                form.form_id, form.version, form.content_hash):
            raise fail(checked, "forms", number, _("the form file is not form '{form_id}' "
                                                   "version '{version}' as its record says")
                       .format(form_id=form.form_id, version=form.version))


# Names Windows keeps for devices, whatever follows the first dot: "NUL.md" is no file there.
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(COM|LPT)[0-9¹²³]) *", re.I)


def _plain_file_name(name: str) -> bool:
    """Whether a form's file name is one plain file name on every system, with a form's
    suffix: no folder, drive or stream (``..\\x.md``, ``C:x.md``, ``x.md:y``), no character
    Windows refuses, not a device."""
    stem = name.split(".")[0]
    return (is_safe_name(name) and not any(c in name for c in '/*?"<>|')
            and stem.strip(" ") != "" and _DEVICE.fullmatch(stem) is None
            and name.lower().endswith(FORM_SUFFIXES))


def _check_media(db: Session, checked: Checked, names: set[str]) -> None:
    # Every file has a record: one that has none would be neither checked nor used.
    used = {f"media/{m.sha256}" for m in checked.records["media"]}
    used.update(f"layers/{layer.sha256}" for layer in checked.records["layers"])
    used.update(f"thumbs/{m.sha256}" for m in checked.records["media"])  # optional caches
    for name in sorted(names):
        if _MEDIA_NAME.match(name) and name not in used:
            raise BundleError(checked.path, _("entry '{name}' has no record in {file}").format(
                name=name, file=rec.record_file(
                    "layers" if name.startswith("layers/") else "media")))
    for number, media in enumerate(checked.records["media"], start=1):
        name = f"media/{media.sha256}"
        if name not in names:
            raise fail(checked, "media", number, _("its file {name} is not in the bundle")
                       .format(name=name))
        if checked.manifest.entries[name].size != media.size:
            raise fail(checked, "media", number, _("its size does not match its file"))
    for kind in ("media", "layers"):  # stored as JSON: a depth the database can write
        for number, record in enumerate(checked.records[kind], start=1):
            problem = rec.answers_problem(record.info)
            if problem:
                raise fail(checked, kind, number, _("its info: {why}").format(why=problem))
    for number, layer in enumerate(checked.records["layers"], start=1):
        if f"layers/{layer.sha256}" not in names:
            raise fail(checked, "layers", number, _("its file is not in the bundle"))
        if not layer.filename.lower().endswith(LAYER_SUFFIXES[layer.kind]):
            raise fail(checked, "layers", number, _("layer file name '{name}' is not allowed "
                                                    "for {kind} (only {suffixes})").format(
                name=shown(layer.filename), kind=layer.kind,
                suffixes=", ".join(LAYER_SUFFIXES[layer.kind])))
