"""Receiving, step one: read a bundle and check all of it before anything is written."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.forms.loader import load_form
from fieldsafe.geo.validate import check_geometry
from fieldsafe.i18n import _
from fieldsafe.services.devices import trusted_name
from fieldsafe.storage.models import (
    ActionItem,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Media,
)
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader, Entry
from fieldsafe.sync.errors import BundleError, shown
from fieldsafe.sync.manifest import Manifest, decode_manifest
from fieldsafe.sync.signing import signer, verify

_MEDIA_NAME = re.compile(r"^(media|layers|thumbs)/([0-9a-f]{64})$")
MAX_THUMBNAIL_BYTES = 1024 * 1024
FORM_SUFFIXES = (".xlsx", ".xls", ".md", ".csv")
LAYER_SUFFIXES = (".geojson", ".json", ".mbtiles")


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


def check_all(reader: BundleReader, db: Session, checked: Checked) -> Checked:
    """Every entry and record: names, hashes, schemas, references, forms and geometry."""
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
    for kind in rec.KINDS:
        checked.records[kind] = _decode(reader, checked, kind)
        expected = checked.manifest.counts.get(kind, 0)
        if len(checked.records[kind]) != expected:
            raise BundleError(path, _("{file} holds {n} records, its manifest says {m}")
                              .format(file=rec.record_file(kind),
                                      n=len(checked.records[kind]), m=expected))
    _check_forms(db, checked)
    _check_media(db, checked, names)
    _check_audits(db, checked)
    _check_actions(db, checked)
    _check_campaigns(checked)
    return checked


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
        except (msgspec.ValidationError, msgspec.DecodeError) as err:
            raise BundleError(reader.path, _("{file} line {n}: {why}").format(
                file=name, n=number, why=str(err)[:200])) from None
        first = lines.setdefault(_key(kind, record), number)
        if first != number:
            raise BundleError(reader.path, _("{file} line {n}: record {id} appears twice (also "
                                             "on line {first})").format(
                file=name, n=number, id=shown(_key(kind, record)), first=first))
        out.append(record)
    return out


def _fail(checked: Checked, kind: str, number: int, why: str) -> BundleError:
    return BundleError(checked.path, _("{file} line {n}: {why}").format(
        file=rec.record_file(kind), n=number, why=why))


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
        name = PurePosixPath(form.source_name).name
        if name != form.source_name or not name.lower().endswith(FORM_SUFFIXES):
            raise _fail(checked, "forms", number, _("form file name '{name}' is not allowed")
                        .format(name=form.source_name[:80]))
        try:
            data = base64.b64decode(form.source, validate=True)
        except (binascii.Error, ValueError):
            raise _fail(checked, "forms", number, _("the form file is not base64")) from None
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / name
            target.write_bytes(data)
            try:
                loaded = load_form(target)
            except UserError as err:
                why = str(err).replace(str(target), name)  # not the temporary folder
                raise BundleError(checked.path, _("form '{form_id}' does not load: {why}")
                                  .format(form_id=shown(form.form_id),
                                          why=" ".join(why.split())[:300])) from None
        if (loaded.form_id, loaded.version, loaded.content_hash) != (
                form.form_id, form.version, form.content_hash):
            raise _fail(checked, "forms", number, _("the form file is not form '{form_id}' "
                                                    "version '{version}' as its record says")
                        .format(form_id=form.form_id, version=form.version))


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
            raise _fail(checked, "media", number, _("its file {name} is not in the bundle")
                        .format(name=name))
        if checked.manifest.entries[name].size != media.size:
            raise _fail(checked, "media", number, _("its size does not match its file"))
    for number, layer in enumerate(checked.records["layers"], start=1):
        if f"layers/{layer.sha256}" not in names:
            raise _fail(checked, "layers", number, _("its file is not in the bundle"))
        if not layer.filename.lower().endswith(LAYER_SUFFIXES):
            raise _fail(checked, "layers", number, _("layer file name '{name}' is not allowed")
                        .format(name=layer.filename[:80]))


def _check_audits(db: Session, checked: Checked) -> None:
    forms = {(f.form_id, f.version) for f in checked.records["forms"]}
    forms.update((f, v) for f, v in db.execute(select(FormVersion.form_id, FormVersion.version)))
    media = {m.sha256 for m in checked.records["media"]}
    seen: set[str] = set()
    ids = [r.uuid for a in checked.records["audits"] for r in a.revisions]
    ids += [p for a in checked.records["audits"] for r in a.revisions
            for p in [r.parent_uuid, *r.merges] if p]
    stored: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        stored.update((u, a) for u, a in db.execute(select(
            AuditRevision.uuid, AuditRevision.audit_uuid).where(
            AuditRevision.uuid.in_(ids[start:start + 500]))))
    uuids = [a.uuid for a in checked.records["audits"]]
    forms_here: dict[str, str] = {}
    for start in range(0, len(uuids), 500):
        forms_here.update((u, f) for u, f in db.execute(select(Audit.uuid, Audit.form_id).where(
            Audit.uuid.in_(uuids[start:start + 500]))))
    campaigns = {c.uuid for c in checked.records["campaigns"]}
    checked_shapes: dict[str, str | None] = {}
    for number, audit in enumerate(checked.records["audits"], start=1):
        def fail(why: str, n: int = number) -> BundleError:
            return _fail(checked, "audits", n, why)

        if forms_here.get(audit.uuid, audit.form_id) != audit.form_id:
            raise fail(_("audit {id} is of form '{form}' here, not '{other}'").format(
                id=audit.uuid, form=forms_here[audit.uuid], other=shown(audit.form_id)))
        if audit.campaign_uuid and audit.campaign_uuid not in campaigns and \
                db.get(Campaign, audit.campaign_uuid) is None:
            raise fail(_("its campaign {id} is in neither the bundle nor this workspace")
                       .format(id=audit.campaign_uuid))
        own = {r.uuid for r in audit.revisions}
        for revision in audit.revisions:
            if revision.uuid in seen:
                raise fail(_("revision {id} appears twice").format(id=revision.uuid))
            seen.add(revision.uuid)
            if stored.get(revision.uuid, audit.uuid) != audit.uuid:
                raise fail(_("revision {id} belongs to another audit here").format(
                    id=revision.uuid))
            if revision.form_id != audit.form_id:
                raise fail(_("revision {id} is of form '{form}', its audit of '{audit_form}'")
                           .format(id=revision.uuid, form=revision.form_id,
                                   audit_form=audit.form_id))
            if (revision.form_id, revision.form_version) not in forms:
                raise fail(_("form '{form_id}' version '{version}' is unknown: not in the "
                             "bundle and not in this workspace").format(
                    form_id=revision.form_id, version=revision.form_version))
            problem = rec.answers_problem(revision.answers)
            if problem:
                raise fail(_("revision {id}: {why}").format(id=revision.uuid, why=problem))
            for parent in [revision.parent_uuid, *revision.merges]:
                if parent and parent not in own and stored.get(parent) != audit.uuid:
                    raise fail(_("revision {id}: its parent {parent} is in neither the bundle "
                                 "nor this workspace").format(id=revision.uuid,
                                                             parent=parent))
            for attachment in revision.attachments:
                if attachment.sha256 not in media and db.get(Media, attachment.sha256) is None:
                    raise fail(_("photo or file {name} ({sha}) is in neither the bundle nor "
                                 "this workspace").format(name=attachment.filename[:80],
                                                          sha=attachment.sha256[:12]))
            for geometry in revision.geometries:
                if geometry.geojson not in checked_shapes:  # a chain repeats its geometry
                    checked_shapes[geometry.geojson] = _geometry_problem(geometry.geojson)
                problem = checked_shapes[geometry.geojson]
                if problem:
                    raise fail(_("revision {id}, {question}: invalid geometry: {why}").format(
                        id=revision.uuid, question=geometry.question_path[:80], why=problem))


def _geometry_problem(text: str) -> str | None:
    try:
        geometry = shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        try:
            json.loads(text)
        except ValueError:
            return _("not GeoJSON")
        return _("not a GeoJSON geometry")
    found = check_geometry(geometry)
    return found[0] if found else None


def _check_actions(db: Session, checked: Checked) -> None:
    audits = {a.uuid for a in checked.records["audits"]}
    for number, action in enumerate(checked.records["actions"], start=1):
        if action.audit_uuid not in audits and db.get(Audit, action.audit_uuid) is None:
            raise _fail(checked, "actions", number, _("its audit {id} is in neither the bundle "
                                                      "nor this workspace").format(
                id=action.audit_uuid))
        here = db.get(ActionItem, action.uuid)
        if here is not None and (here.audit_uuid, here.finding_index) != (
                action.audit_uuid, action.finding_index):
            raise _fail(checked, "actions", number, _("action item {id} is about another "
                                                      "finding here").format(id=action.uuid))
        for change in action.changes:
            for field_name, pair in change.fields.items():
                problem = _change_problem(field_name, pair[1])
                if problem:
                    raise _fail(checked, "actions", number, _(
                        "change {id}: {field} cannot be '{value}': {why}").format(
                        id=change.uuid, field=field_name, value=shown(str(pair[1])),
                        why=problem))


_CHANGE_VALUES = {"status": ("open", "in-progress", "done"),
                  "priority": ("low", "medium", "high", "urgent")}


def _change_problem(field_name: str, value: str | None) -> str | None:
    """Why the value an action item's change sets is impossible, or None."""
    if field_name in _CHANGE_VALUES:
        allowed = _CHANGE_VALUES[field_name]
        return None if value in allowed else _("one of {known}").format(
            known=", ".join(allowed))
    if field_name == "target_date" and value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            return _("not a date")
    if field_name in ("agency", "recommendation") and value is None:
        return _("empty")
    if field_name == "agency" and value is not None and len(value) > 200:
        return _("longer than 200 characters")
    return None


def _check_campaigns(checked: Checked) -> None:
    for number, campaign in enumerate(checked.records["campaigns"], start=1):
        if campaign.area_geojson:
            problem = _area_problem(campaign.area_geojson)
            if problem:
                raise _fail(checked, "campaigns", number, _("its area: {why}").format(
                    why=problem))


def _area_problem(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return _("not GeoJSON")
    if isinstance(data, dict) and data.get("type") in ("FeatureCollection", "Feature"):
        return None  # stored as it was given; read again by the map
    return _geometry_problem(text)
