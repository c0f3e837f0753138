"""Hostile sync bundles: each is refused whole with a one-line reason, and changes nothing."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import random
import shutil
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.forms.loader import load_form
from fieldsafe.media.photos import make_thumbnail
from fieldsafe.services import bundle_merge, bundle_merger, bundles
from fieldsafe.services.actions import add_action
from fieldsafe.services.audits import new_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import import_bundle
from fieldsafe.services.devices import device_key, private_key, trust_device
from fieldsafe.services.form_library import find_version
from fieldsafe.services.jobs import Cancelled, Progress
from fieldsafe.services.layers import add_layer
from fieldsafe.services.sync_records import media_record
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import check, digest
from fieldsafe.storage.models import Media
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader, Limits
from fieldsafe.sync.errors import BundleError
from fieldsafe.sync.signing import new_private_key, sign
from tests.conftest import CORPUS, ROOT

PHOTOS = (CORPUS / "photos" / "exifpy__DSCN0010.jpg", CORPUS / "photos" / "exifpy__DSCN0042.jpg")
PHOTO_SHA = hashlib.sha256(PHOTOS[0].read_bytes()).hexdigest()
WALK = ROOT / "tests" / "data" / "instruments" / "womens_safety_walk.answers.json"
NAME = "hostile bundle.fieldsafe"
MB = 1024 * 1024
Record = dict[str, Any]
Snapshot = tuple[str, frozenset[str]]

AREA = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "Ward 92"},
    "geometry": {"type": "Polygon", "coordinates": [
        [[77.600, 12.980], [77.612, 12.980], [77.612, 12.990], [77.600, 12.990],
         [77.600, 12.980]]]}}]}

FORM = """\
| survey |           |      |          |             |          |
|        | type      | name | label    | calculation | relevant |
|        | integer   | n    | Number   |             |          |
|        | calculate | c    |          | ${n} * 2    |          |
|        | text      | q    | Question |             | ${n} > 1 |
| settings |         |         |
|          | form_id | version |
|          | hostile | 1       |
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (2026, 11, 20, 19, 30, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    return info


def _deep_update(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value


@dataclass
class Parts:
    """A bundle taken apart: its entries (in zip order) and its manifest, to change and
    put back together with :meth:`build`."""

    entries: dict[str, bytes]
    manifest: dict[str, Any]

    @classmethod
    def read(cls, data: bytes) -> Parts:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            entries = {info.filename: z.read(info) for info in z.infolist()}
        manifest = json.loads(entries.pop("manifest.json"))
        entries.pop("manifest.sig", None)
        return cls(entries, manifest)

    def copy(self) -> Parts:
        return Parts(dict(self.entries), copy.deepcopy(self.manifest))

    def lines(self, kind: str) -> list[bytes]:
        return [x for x in self.entries[f"records/{kind}.jsonl"].split(b"\n") if x.strip()]

    def records(self, kind: str) -> list[Record]:
        return [json.loads(line) for line in self.lines(kind)]

    def set_records(self, kind: str, items: Sequence[Record | bytes]) -> None:
        """Records as dicts, or raw lines as bytes."""
        lines = [x if isinstance(x, bytes) else json.dumps(x).encode() for x in items]
        self.entries[f"records/{kind}.jsonl"] = b"".join(line + b"\n" for line in lines)

    def edit(self, kind: str, change: Callable[[Record], object], index: int = 0) -> None:
        """Change one record in place."""
        items = self.records(kind)
        change(items[index])
        self.set_records(kind, items)

    def media(self) -> list[str]:
        return [name for name in self.entries if name.startswith("media/")]

    def build(self, *, consistent: bool = True, manifest: dict[str, Any] | None = None,
              raw_manifest: bytes | None = None,
              extra: Sequence[tuple[str | zipfile.ZipInfo, bytes]] = (),
              sign_with: bytes | None = None, signature: bytes | None = None,
              tamper: Callable[[bytes], bytes] | None = None) -> bytes:
        """The zip's bytes. ``consistent``: the manifest's entries and counts are computed
        from the parts (then ``manifest`` is merged in); ``extra`` entries are added after
        the parts and never listed; ``tamper`` changes the manifest after it was signed."""
        m = copy.deepcopy(self.manifest)
        if consistent:
            m["entries"] = {name: {"sha256": sha(data), "size": len(data)}
                            for name, data in self.entries.items()}
            m["counts"] = {name[8:-6]: len(self.lines(name[8:-6])) for name in self.entries
                           if name.startswith("records/")}
        _deep_update(m, manifest or {})
        data = raw_manifest if raw_manifest is not None else \
            json.dumps(m, indent=2, sort_keys=True).encode()
        if sign_with is not None:
            signature = sign(sign_with, data)
        if tamper is not None:
            data = tamper(data)
        buffer = io.BytesIO()
        with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as z:
            warnings.simplefilter("ignore")  # "Duplicate name", on purpose
            for name, content in self.entries.items():
                z.writestr(_info(name), content)
            for info, content in extra:
                z.writestr(info if isinstance(info, zipfile.ZipInfo) else _info(info), content)
            z.writestr(_info("manifest.json"), data)
            if signature is not None:
                z.writestr(_info("manifest.sig"), signature)
        return buffer.getvalue()


@dataclass
class Source:
    """A field laptop's good bundle, taken apart, with what the laptop holds."""

    good: bytes
    parts: Parts
    key: bytes  # the laptop's private key
    public_key: str
    digest: str
    media: frozenset[str]


@dataclass
class Kit:
    """What a case builds its bundle from: a fresh copy of the good parts each time."""

    source: Source
    parts: Parts
    folder: Path


def files(ws: Workspace) -> frozenset[str]:
    return frozenset(str(p.relative_to(ws.root)) for p in ws.root.rglob("*") if p.is_file())


def snapshot(ws: Workspace) -> Snapshot:
    return digest(ws), files(ws)


def tick(start: str) -> Callable[[], datetime]:
    moment = [datetime.fromisoformat(start)]

    def now() -> datetime:
        moment[0] = moment[0].replace(second=(moment[0].second + 1) % 60)
        return moment[0]

    return now


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory,
           template_database: Path) -> Iterator[Source]:
    """Once per module: a laptop (copied from the template database) with one finalized
    audit holding two photos, an action item and an area layer, and its exported bundle."""
    folder = tmp_path_factory.mktemp("hostile")
    root = folder / "laptop"
    root.mkdir()
    shutil.copyfile(template_database, root / template_database.name)
    ws = Workspace(root)
    try:
        ws.set_identity(device_name="laptop-a", team="north", user="asha")
        answers = json.loads(WALK.read_text(encoding="utf-8"))
        result = new_audit(ws, "womens_safety_walk", answers, finalize=True,
                           photos={"finding[1]/f_photo1": PHOTOS[0],
                                   "finding[2]/f_photo1": PHOTOS[1]},
                           now=tick("2026-11-20T19:30:00"))
        add_action(ws, result.id, 1, agency="utilities", target=date(2027, 1, 31),
                   now=tick("2026-11-20T20:00:00"))
        area = folder / "ward.geojson"
        area.write_text(json.dumps(AREA), encoding="utf-8")
        add_layer(ws, area, name="Ward 92")
        good = export_bundle(ws, folder / "good.fieldsafe").path.read_bytes()
        with ws.transaction() as db:
            key = private_key(db)
        yield Source(good, Parts.read(good), key, device_key(ws), digest(ws),
                     frozenset(ws.media.iter_hashes()))
    finally:
        ws.close()


@pytest.fixture
def office(make_device: Callable[..., Workspace], source: Source) -> Workspace:
    """The coordinator's workspace, trusting the laptop's key."""
    ws = make_device("office")
    trust_device(ws, source.public_key, "Laptop A")
    return ws


@pytest.fixture
def kit(source: Source, tmp_path: Path) -> Kit:
    return Kit(source, source.parts.copy(), tmp_path)


def refused(ws: Workspace, path: Path, phrase: str, *, required: bool = False,
            seconds: float = 5.0) -> str:
    """Import ``path``: it must be refused with one line naming it and saying ``phrase``,
    quickly, and leave ``ws`` as it was."""
    before = snapshot(ws)
    start = time.perf_counter()
    with pytest.raises(BundleError) as caught:
        import_bundle(ws, path, require_signature=required)
    elapsed = time.perf_counter() - start
    message = str(caught.value)
    assert message.isprintable(), f"not one printable line: {message!r}"
    assert message.startswith(f"{path.name}: "), message
    assert phrase in message, message
    assert len(message) < 1000, message[:300]
    assert elapsed < seconds, f"refused after {elapsed:.1f} s"
    assert snapshot(ws) == before, "the refused bundle changed the workspace"
    return message


# The cases: each builds a hostile bundle's bytes from a Kit ------------------------------

Builder = Callable[[Kit], bytes]
CASES: list[Any] = []


def case(phrase: str, *, required: bool = False) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        CASES.append(pytest.param(build, phrase, required,
                                  id=build.__name__.strip("_").replace("_", "-")))
        return build

    return register


def _symlink(name: str) -> zipfile.ZipInfo:
    info = _info(name)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o120777 << 16
    return info


@case("unsafe entry name '../evil' (path outside the bundle)")
def zip_slip_parent(k: Kit) -> bytes:
    return k.parts.build(extra=[("../evil", b"owned")])


@case("unsafe entry name 'media/../../evil'")
def zip_slip_inside(k: Kit) -> bytes:
    return k.parts.build(extra=[("media/../../evil", b"owned")])


@case("unsafe entry name '/tmp/evil' (path outside the bundle)")
def zip_slip_absolute(k: Kit) -> bytes:
    return k.parts.build(extra=[("/tmp/evil", b"owned")])


@case("unsafe entry name")
def zip_slip_windows(k: Kit) -> bytes:
    return k.parts.build(extra=[("..\\..\\evil", b"owned")])


@case("entry 'media/link' is a symbolic link")
def symlink(k: Kit) -> bytes:
    return k.parts.build(extra=[(_symlink("media/link"), b"/etc/passwd")])


@case("entry 'records/forms.jsonl' appears twice")
def duplicate_entry(k: Kit) -> bytes:
    return k.parts.build(extra=[("records/forms.jsonl", b"")])


@case("refused as a zip bomb")
def zip_bomb(k: Kit) -> bytes:
    zeros = bytes(50 * MB)
    k.parts.entries[f"media/{sha(zeros)}"] = zeros  # listed in the manifest, and consistent
    return k.parts.build()


@case("not a FieldSafe bundle (not a zip file)")
def not_a_zip(k: Kit) -> bytes:
    return b"This is a text file, renamed.\n" * 100


@case("the file is empty")
def empty_file(k: Kit) -> bytes:
    return b""


@case("no manifest.json: not a FieldSafe bundle")
def no_manifest(k: Kit) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in k.parts.entries.items():
            z.writestr(_info(name), content)
    return buffer.getvalue()


@case("' does not match its SHA-256 in the manifest (damaged or altered)")
def media_bytes_changed(k: Kit) -> bytes:
    # The last photo: the first is copied into the workspace before the mismatch shows.
    name = k.parts.media()[-1]
    data = bytearray(k.parts.entries[name])
    data[len(data) // 2] ^= 0xFF
    k.parts.entries[name] = bytes(data)
    return k.parts.build(consistent=False)


@case("entry 'records/audits.jsonl' does not match its SHA-256 in the manifest")
def records_changed(k: Kit) -> bytes:
    name = "records/audits.jsonl"
    k.parts.entries[name] = k.parts.entries[name].replace(b"Shivajinagar", b"Shivajinagor")
    return k.parts.build(consistent=False)


@case("entry 'records/actions.jsonl' holds")
def records_longer_than_listed(k: Kit) -> bytes:
    size = len(k.parts.entries["records/actions.jsonl"])
    k.parts.entries["records/actions.jsonl"] += b"\n\n"
    return k.parts.build(manifest={"entries": {"records/actions.jsonl": {"size": size}}})


@case("manifest was changed after it was signed", required=True)
def tampered_manifest_signature_required(k: Kit) -> bytes:
    return k.parts.build(sign_with=k.source.key,
                         tamper=lambda m: m.replace(b'"team": "north"', b'"team": "evil"'))


@case("manifest was changed after it was signed")
def tampered_manifest_signed(k: Kit) -> bytes:
    return k.parts.build(sign_with=k.source.key,
                         tamper=lambda m: m.replace(b'"team": "north"', b'"team": "evil"'))


@case("its signature does not match its manifest")
def signature_garbage(k: Kit) -> bytes:
    return k.parts.build(signature=b"\x00\xffnot json at all")


@case("its signature does not match its manifest")
def signature_of_other_data(k: Kit) -> bytes:
    return k.parts.build(signature=sign(k.source.key, b"some other manifest"))


@case("which is not a trusted device", required=True)
def signed_by_a_stranger(k: Kit) -> bytes:
    return k.parts.build(sign_with=new_private_key())


@case("it is not signed, and only signed bundles", required=True)
def unsigned_when_required(k: Kit) -> bytes:
    return k.parts.build()


@case("bundle format 2 was made by a newer FieldSafe")
def format_version_2(k: Kit) -> bytes:
    return k.parts.build(manifest={"format_version": 2})


@case('manifest.json has a format version that is not a whole number: "1"')
def format_version_text(k: Kit) -> bytes:
    return k.parts.build(manifest={"format_version": "1"})


@case("manifest.json has a format version that is not a whole number: 1.0")
def format_version_float(k: Kit) -> bytes:
    return k.parts.build(manifest={"format_version": 1.0})


@case("manifest.json has no format version")
def format_version_missing(k: Kit) -> bytes:
    del k.parts.manifest["format_version"]
    return k.parts.build()


@case("unknown bundle format version 0")
def format_version_0(k: Kit) -> bytes:
    return k.parts.build(manifest={"format_version": 0})


@case("manifest.json does not describe a FieldSafe bundle")
def other_format(k: Kit) -> bytes:
    return k.parts.build(manifest={"format": "something-else"})


@case("manifest.json is not valid JSON")
def manifest_malformed(k: Kit) -> bytes:
    return k.parts.build(raw_manifest=b'{"format": "fieldsafe-bundle", "format_version": 1,')


@case("manifest.json is not valid JSON")
def manifest_not_utf8(k: Kit) -> bytes:
    return k.parts.build(raw_manifest=b'{"format": "\xff\xfe"}')


@case("manifest.json breaks the bundle schema")
def manifest_schema(k: Kit) -> bytes:
    return k.parts.build(manifest={"bundle_uuid": "not-a-uuid"})


@case("records/audits.jsonl line 1: JSON is malformed: invalid character")
def records_malformed(k: Kit) -> bytes:
    k.parts.set_records("audits", [b'{"uuid": nope}', *k.parts.lines("audits")])
    return k.parts.build(manifest={"counts": {"audits": 1}})


@case("records/actions.jsonl line 2: Input data was truncated")
def records_line_cut(k: Kit) -> bytes:
    line = k.parts.lines("actions")[0]
    k.parts.set_records("actions", [line, line[: len(line) // 2]])
    return k.parts.build()


@case("records/audits.jsonl line 1: Object missing required field `uuid`")
def audit_without_uuid(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a.pop("uuid"))
    return k.parts.build()


@case("records/audits.jsonl line 1: Expected `str`, got `int` - at `$.revisions[0].instance_name`")
def number_where_text(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0].update(instance_name=42))
    return k.parts.build()


@case("records/actions.jsonl line 1: Expected `str` matching regex")
def action_bad_uuid(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a.update(audit_uuid="../../etc/passwd"))
    return k.parts.build()


def text(size: int) -> str:
    """``size`` characters of text that deflate does not shrink much (no zip bomb)."""
    return base64.b64encode(random.Random(size).randbytes(size * 3 // 4)).decode()[:size]


@case("records/audits.jsonl line 1: revision ")
def ten_megabyte_answer(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0]["answers"].update(
        route_desc=text(10 * MB)))
    return k.parts.build()


@case("records/audits.jsonl line 1: Expected `str` of length <= 500")
def ten_megabyte_name(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0].update(instance_name=text(10 * MB)))
    return k.parts.build()


@case("entry 'records/audits.jsonl' line 1 is longer than 16 MB")
def twenty_megabyte_line(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0]["answers"].update(
        route_desc=text(20 * MB)))
    return k.parts.build()


@case("entry 'records/audits.jsonl' expands ")
def ten_megabytes_of_one_letter(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0]["answers"].update(
        route_desc="x" * (10 * MB)))
    return k.parts.build()


@case("records/audits.jsonl line 1: revision ")
def answers_nested_too_deep(k: Kit) -> bytes:
    deep: Any = "bottom"
    for _ in range(40):
        deep = {"g": deep}
    k.parts.edit("audits", lambda a: a["revisions"][0]["answers"].update(route_desc=deep))
    return k.parts.build()


def _add_geometry(k: Kit, geojson: dict[str, Any], **box: float) -> bytes:
    geometry = {"question_path": "route", "kind": "area", "role": "", "geojson":
                json.dumps(geojson), "min_lon": 77.0, "min_lat": 12.0, "max_lon": 78.0,
                "max_lat": 13.0, **box}
    k.parts.edit("audits", lambda a: a["revisions"][0]["geometries"].append(geometry))
    return k.parts.build()


@case("route: invalid geometry: the outline crosses itself near")
def self_intersecting_polygon(k: Kit) -> bytes:
    return _add_geometry(k, {"type": "Polygon", "coordinates": [
        [[77.60, 12.98], [77.61, 12.99], [77.61, 12.98], [77.60, 12.99], [77.60, 12.98]]]})


@case("invalid geometry: point 2 is not on the map (longitude 200, latitude 95)")
def coordinates_out_of_range(k: Kit) -> bytes:
    return _add_geometry(k, {"type": "LineString", "coordinates": [[77.6, 12.9], [200, 95]]})


@case("invalid geometry: not GeoJSON")
def geometry_not_geojson(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0]["geometries"][0].update(geojson="{x"))
    return k.parts.build()


@case("records/audits.jsonl line 1: Expected `float` <= 90")
def bounding_box_out_of_range(k: Kit) -> bytes:
    return _add_geometry(k, {"type": "Point", "coordinates": [77.6, 12.9]}, max_lat=95.0)


@case("its parent 9b0e4a8e-0000-4000-8000-000000000000 is in neither the bundle nor this "
      "workspace")
def unknown_parent(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0].update(
        parent_uuid="9b0e4a8e-0000-4000-8000-000000000000"))
    return k.parts.build()


@case("revision ")
def revision_twice(k: Kit) -> bytes:
    [audit] = k.parts.records("audits")
    twin = copy.deepcopy(audit)
    twin["uuid"] = "3c3c3c3c-0000-4000-8000-000000000000"
    k.parts.set_records("audits", [audit, twin])
    return k.parts.build()


@case("records/audits.jsonl line 2: record 5e5e5e5e-0000-4000-8000-000000000000 appears "
      "twice (also on line 1)")
def audit_twice(k: Kit) -> bytes:
    [audit] = k.parts.records("audits")
    audit["uuid"] = "5e5e5e5e-0000-4000-8000-000000000000"
    twin = copy.deepcopy(audit)
    twin["revisions"][0]["uuid"] = "3c3c3c3c-0000-4000-8000-000000000000"
    k.parts.set_records("audits", [audit, twin])
    k.parts.set_records("actions", [])
    return k.parts.build()


@case("records/media.jsonl line 3: record ")
def media_record_twice(k: Kit) -> bytes:
    media = k.parts.records("media")
    k.parts.set_records("media", [*media, media[0]])
    return k.parts.build()


@case("photo or file")
def attachment_unknown(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0]["attachments"][0].update(
        sha256="ab" * 32))
    return k.parts.build()


def _form_record(source: str, form_id: str = "hostile", version: str = "1") -> Record:
    data = source.encode()
    return {"form_id": form_id, "version": version, "title": "Hostile",
            "content_hash": sha(data), "source_name": "hostile.md",
            "source": base64.b64encode(data).decode()}


@case("form 'hostile' does not load: hostile.md: sheet 'survey' row 4")
def form_reference_missing(k: Kit) -> bytes:
    bad = FORM.replace("${n} > 1", "${missing} > 1")
    k.parts.set_records("forms", [*k.parts.records("forms"), _form_record(bad)])
    return k.parts.build()


@case("calculation '1 +' of 'c'")
def form_calculation_broken(k: Kit) -> bytes:
    bad = FORM.replace("${n} * 2", "1 +   ")
    k.parts.set_records("forms", [*k.parts.records("forms"), _form_record(bad)])
    return k.parts.build()


@case("the form file is not form 'other' version '1' as its record says")
def form_record_lies(k: Kit) -> bytes:
    k.parts.set_records("forms", [*k.parts.records("forms"), _form_record(FORM, "other")])
    return k.parts.build()


@case("form file name '../hostile.md' is not allowed")
def form_file_name(k: Kit) -> bytes:
    record = {**_form_record(FORM), "source_name": "../hostile.md"}
    k.parts.set_records("forms", [*k.parts.records("forms"), record])
    return k.parts.build()


@case("the form file is not base64")
def form_not_base64(k: Kit) -> bytes:
    record = {**_form_record(FORM), "source": "!!not base64!!"}
    k.parts.set_records("forms", [*k.parts.records("forms"), record])
    return k.parts.build()


def _audit_of(form_id: str) -> Callable[[Record], None]:
    def change(audit: Record) -> None:
        audit["form_id"] = form_id
        for revision in audit["revisions"]:
            revision["form_id"] = form_id

    return change


@case("form 'nope' version '")
def audit_of_unknown_form(k: Kit) -> bytes:
    k.parts.edit("audits", _audit_of("nope"))
    return k.parts.build()


@case(r"form 'nope\n\x1b[31mFAKE: all good' version")
def form_id_with_control_characters(k: Kit) -> bytes:
    k.parts.edit("audits", _audit_of("nope\n\x1b[31mFAKE: all good"))
    return k.parts.build()


@case("records/audits.jsonl holds 1 records, its manifest says 2")
def counts_mismatch(k: Kit) -> bytes:
    return k.parts.build(manifest={"counts": {"audits": 2}})


@case("records/actions.jsonl holds 1 records, its manifest says 0")
def counts_missing(k: Kit) -> bytes:
    return k.parts.build(manifest={"counts": {"actions": 0}})


@case("is not listed in the manifest")
def entry_not_listed(k: Kit) -> bytes:
    extra = b"a photo nobody listed"
    return k.parts.build(extra=[(f"media/{sha(extra)}", extra)])


@case("listed in the manifest is missing")
def listed_entry_missing(k: Kit) -> bytes:
    name = k.parts.media()[0]
    listed = {"sha256": sha(k.parts.entries.pop(name)), "size": 0}
    return k.parts.build(manifest={"entries": {name: listed}})


@case("has no record in records/media.jsonl")
def media_without_record(k: Kit) -> bytes:
    k.parts.entries[f"media/{sha(b'stowaway')}"] = b"stowaway"
    return k.parts.build()


@case("has no record in records/layers.jsonl")
def layer_without_record(k: Kit) -> bytes:
    k.parts.set_records("layers", [])
    return k.parts.build()


@case("unexpected entry 'notes.txt'")
def unexpected_entry(k: Kit) -> bytes:
    k.parts.entries["notes.txt"] = b"hello"
    return k.parts.build()


@case("is not named by its SHA-256")
def media_named_by_another_hash(k: Kit) -> bytes:
    name = k.parts.media()[0]
    k.parts.entries[f"media/{'ab' * 32}"] = k.parts.entries.pop(name)
    return k.parts.build()


@case(f"entry 'media/{'cd' * 32}' does not match its SHA-256")
def media_content_not_its_name(k: Kit) -> bytes:
    # Name, manifest and records all say cd…cd; the bytes are another photo's.
    old = k.parts.media()[-1]
    new = "cd" * 32
    k.parts.entries[f"media/{new}"] = content = k.parts.entries.pop(old)
    if (thumb := f"thumbs/{old[6:]}") in k.parts.entries:
        k.parts.entries[f"thumbs/{new}"] = k.parts.entries.pop(thumb)
    k.parts.set_records("media", [{**m, "sha256": new} if m["sha256"] == old[6:] else m
                                  for m in k.parts.records("media")])
    k.parts.edit("audits", lambda a: [x.update(sha256=new) for x in
                                      a["revisions"][0]["attachments"] if x["sha256"] == old[6:]])
    return k.parts.build(manifest={"entries": {f"media/{new}": {"sha256": new,
                                                                "size": len(content)}}})


@case(f"entry 'thumbs/{PHOTO_SHA}' does not match its SHA-256")
def thumbnail_bytes_changed(k: Kit) -> bytes:
    name = f"thumbs/{PHOTO_SHA}"
    data = bytearray(k.parts.entries[name])
    data[len(data) // 2] ^= 0xFF
    k.parts.entries[name] = bytes(data)
    return k.parts.build(consistent=False)


@case("is too large for a thumbnail")
def thumbnail_too_large(k: Kit) -> bytes:
    name = f"thumbs/{k.parts.media()[0][6:]}"
    k.parts.entries[name] = random.Random(3).randbytes(2 * MB)
    return k.parts.build()


@case("has no record in records/media.jsonl")
def thumbnail_without_record(k: Kit) -> bytes:
    k.parts.entries[f"thumbs/{'ef' * 32}"] = k.parts.entries[f"thumbs/{k.parts.media()[0][6:]}"]
    return k.parts.build()


@case("does not match its SHA-256 in the manifest")
def layer_bytes_changed(k: Kit) -> bytes:
    [name] = [n for n in k.parts.entries if n.startswith("layers/")]
    k.parts.entries[name] = k.parts.entries[name].replace(b"Ward", b"Wxrd")
    return k.parts.build(consistent=False)


@case("layer file name 'ward.exe' is not allowed")
def layer_file_name(k: Kit) -> bytes:
    k.parts.edit("layers", lambda x: x.update(filename="ward.exe"))
    return k.parts.build()


@case("records/actions.jsonl line 1: its audit ")
def action_of_unknown_audit(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a.update(audit_uuid="7a7a7a7a-0000-4000-8000-000000000000"))
    return k.parts.build()


@case("records/audits.jsonl line 1: its campaign 1a1a1a1a-0000-4000-8000-000000000000 is in "
      "neither the bundle nor this workspace")
def audit_of_unknown_campaign(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a.update(campaign_uuid="1a1a1a1a-0000-4000-8000-000000000000"))
    return k.parts.build()


# Names a form file may not have: folders, drives and streams on Windows, devices.
for _bad_name in ("..\\..\\Desktop\\hostile.md", "C:\\hostile.md", "C:hostile.md",
                  "hostile.md:stream.md", "forms/hostile.md", "NUL.md", "con.x.md", "hostile?.md",
                  ".md"):
    def _form_named(k: Kit, bad: str = _bad_name) -> bytes:
        record = {**_form_record(FORM), "source_name": bad}
        k.parts.set_records("forms", [*k.parts.records("forms"), record])
        return k.parts.build()

    _form_named.__name__ = f"form_file_named_{_bad_name}"
    case("form file name '")(_form_named)


def _deep(depth: int) -> str:
    """JSON text nested ``depth`` lists deep."""
    return "[" * depth + "1" + "]" * depth


def _times_with_offset(path: str, offset: str) -> Builder:
    """A builder that adds ``offset`` to the time at ``path`` (kind/key/key…) of record 1."""
    kind, *keys = path.split("/")

    def build(k: Kit) -> bytes:
        def change(record: Record) -> None:
            target: Any = record
            for key in keys[:-1]:
                target = target[int(key)] if isinstance(target, list) else target[key]
            target[keys[-1]] += offset

        k.parts.edit(kind, change)
        return k.parts.build()

    build.__name__ = f"time_with_offset_{kind}_{keys[-1]}"
    return build


for _path, _offset in (("audits/revisions/0/saved_at", "Z"),
                       ("audits/created_at", "+05:30"),
                       ("actions/created_at", "+00:00")):
    case("has a UTC offset; times are local wall-clock times without an offset")(
        _times_with_offset(_path, _offset))


def _change(fields: dict[str, list[str | None]], uuid: str = "5d5d5d5d-0000-4000-8000-000000000000",
            at: str = "2026-11-21T09:00:00") -> Record:
    return {"uuid": uuid, "changed_at": at, "fields": fields, "device_id": "laptop-b"}


@case("has a UTC offset")
def action_change_time_with_offset(k: Kit) -> bytes:
    change = _change({"status": ["open", "done"]}, at="2026-11-21T09:00:00+05:30")
    k.parts.edit("actions", lambda a: a.update(changes=[change]))
    return k.parts.build()


@case("manifest.json is not valid JSON (nested too deep)")
def manifest_nested_too_deep(k: Kit) -> bytes:
    return k.parts.build(raw_manifest=_deep(30_000).encode())


@case("its signature does not match its manifest")
def signature_nested_too_deep(k: Kit) -> bytes:
    return k.parts.build(signature=_deep(30_000).encode())


@case("records/audits.jsonl line 1: JSON is nested too deep")
def answers_nested_thousands_deep(k: Kit) -> bytes:
    [line] = k.parts.lines("audits")
    k.parts.set_records("audits", [line.replace(b'"answers":{', b'"answers":{"x":'
                                                + _deep(30_000).encode() + b",", 1)])
    return k.parts.build()


@case("records/media.jsonl line 1: its info: x")
def media_info_nested_too_deep(k: Kit) -> bytes:
    k.parts.edit("media", lambda m: m.update(info={"x": json.loads(_deep(500))}))
    return k.parts.build()


@case("Expected `int` <= 1000000 - at `$.revisions[0].number`")
def revision_number_too_large(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0].update(number=2**70))
    return k.parts.build()


@case("Expected `int` <= 1000000 - at `$.finding_index`")
def finding_index_too_large(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a.update(finding_index=2**70))
    return k.parts.build()


@case("records/actions.jsonl line 1: its initial target_date cannot be '2026-02-30': not a date")
def initial_target_date_not_a_date(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a["initial"].update(target_date="2026-02-30"))
    return k.parts.build()


@case("cannot be 'nope': one of open, in-progress, done")
def change_from_an_impossible_value(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a.update(changes=[_change({"status": ["nope", "done"]})]))
    return k.parts.build()


@case("priority cannot be 'None'")
def change_from_no_priority(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a.update(changes=[_change({"priority": [None, "high"]})]))
    return k.parts.build()


@case("form 'deep' does not load: deep.md: sheet 'survey': its groups and repeats nest too deeply")
def form_nested_too_deep(k: Kit) -> bytes:
    rows = ["| survey | | | |", "| | type | name | label |"]
    rows += [f"| | begin_group | g{i} | G |" for i in range(1200)]
    rows += ["| | text | q | Q |"] + ["| | end_group | | |"] * 1200
    rows += ["| settings | | |", "| | form_id | version |", "| | deep | 1 |"]
    record = {**_form_record("\n".join(rows) + "\n", "deep"), "source_name": "deep.md"}
    k.parts.set_records("forms", [*k.parts.records("forms"), record])
    return k.parts.build()


@case("continues itself (its parents lead back to it)")
def revision_is_its_own_parent(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0].update(parent_uuid=a["revisions"][0]["uuid"]))
    return k.parts.build()


@case("continues itself (its parents lead back to it)")
def revision_merges_itself(k: Kit) -> bytes:
    k.parts.edit("audits", lambda a: a["revisions"][0].update(merges=[a["revisions"][0]["uuid"]]))
    return k.parts.build()


@case("continues itself (its parents lead back to it)")
def revisions_in_a_loop(k: Kit) -> bytes:
    [audit] = k.parts.records("audits")
    first = audit["revisions"][0]
    second = {**copy.deepcopy(first), "uuid": "4b4b4b4b-0000-4000-8000-000000000000",
              "parent_uuid": first["uuid"], "number": 2}
    first["parent_uuid"] = second["uuid"]
    k.parts.set_records("audits", [{**audit, "revisions": [first, second]}])
    return k.parts.build()


@case("records/actions.jsonl line 1: change 5d5d5d5d-0000-4000-8000-000000000000 appears twice")
def change_twice_in_one_item(k: Kit) -> bytes:
    change = _change({"status": ["open", "done"]})
    k.parts.edit("actions", lambda a: a.update(changes=[change, change]))
    return k.parts.build()


@case("records/actions.jsonl line 2: change 5d5d5d5d-0000-4000-8000-000000000000 appears twice "
      "(also on line 1)")
def change_twice_in_two_items(k: Kit) -> bytes:
    [action] = k.parts.records("actions")
    action["changes"] = [_change({"status": ["open", "done"]})]
    other = {**copy.deepcopy(action), "uuid": "3e3e3e3e-0000-4000-8000-000000000000",
             "finding_index": 2}
    k.parts.set_records("actions", [action, other])
    return k.parts.build()


@case("two photos or files answer finding[1]/f_photo1")
def attachment_path_twice(k: Kit) -> bytes:
    def change(audit: Record) -> None:
        attachments = audit["revisions"][0]["attachments"]
        attachments.append({**attachments[0], "sha256": attachments[-1]["sha256"]})

    k.parts.edit("audits", change)
    return k.parts.build()


def _layer_file(k: Kit, data: bytes, **changes: str) -> None:  # refused as it is copied in
    """The layer's file replaced by ``data`` (its record and name following), and its
    record changed."""
    [old] = [n for n in k.parts.entries if n.startswith("layers/")]
    del k.parts.entries[old]
    k.parts.entries[f"layers/{sha(data)}"] = data
    k.parts.edit("layers", lambda x: x.update(sha256=sha(data), **changes))


@case("layer 'Ward 92' cannot be used: ward.geojson: not a GeoJSON file: the text is not UTF-8")
def layer_not_geojson(k: Kit) -> bytes:
    _layer_file(k, b"MZ\x90\x00 not GeoJSON at all", filename="ward.geojson")
    return k.parts.build()


@case("layer 'Ward 92' cannot be used: ward.geojson: feature 1 ('Ward 92') is a Point, not an area")
def layer_of_points(k: Kit) -> bytes:
    points = {**AREA, "features": [{**AREA["features"][0], "geometry": {
        "type": "Point", "coordinates": [77.6, 12.98]}}]}
    _layer_file(k, json.dumps(points).encode(), filename="ward.geojson")
    return k.parts.build()


@case("layer 'Ward 92' cannot be used: ward.mbtiles is not an MBTiles map")
def basemap_not_mbtiles(k: Kit) -> bytes:
    _layer_file(k, json.dumps(AREA).encode() + b" ", kind="basemap", filename="ward.mbtiles")
    return k.parts.build()


@case("layer file name 'ward.geojson' is not allowed for basemap (only .mbtiles)")
def basemap_named_geojson(k: Kit) -> bytes:
    k.parts.edit("layers", lambda x: x.update(kind="basemap", filename="ward.geojson"))
    return k.parts.build()


# Cases that clash with what the workspace holds: the good bundle is imported first.
CLASHES: list[Any] = []


def clash(phrase: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        CLASHES.append(pytest.param(build, phrase, id=build.__name__.replace("_", "-")))
        return build

    return register


def _next_revision(k: Kit, **changes: Any) -> Record:
    """The good audit with one new revision only (a child of the good one), changed."""
    [audit] = k.parts.records("audits")
    first = audit["revisions"][0]
    revision = {**copy.deepcopy(first), "uuid": "4b4b4b4b-0000-4000-8000-000000000000",
                "parent_uuid": first["uuid"], "number": 2, **changes}
    return {**audit, "revisions": [revision]}


@clash("records/audits.jsonl line 1: audit ")
def audit_of_another_form_here(k: Kit) -> bytes:
    audit = _next_revision(k, form_id="walkability")
    audit["form_id"] = "walkability"
    forms = [f for f in k.parts.records("forms") if f["form_id"] == "walkability"]
    audit["revisions"][0]["form_version"] = forms[0]["version"]
    k.parts.set_records("audits", [audit])
    return k.parts.build()


@clash("records/audits.jsonl line 1: revision ")
def revision_of_another_audit_here(k: Kit) -> bytes:
    [audit] = k.parts.records("audits")
    audit["uuid"] = "6c6c6c6c-0000-4000-8000-000000000000"
    k.parts.set_records("audits", [audit])
    k.parts.set_records("actions", [])
    return k.parts.build()


@clash("records/actions.jsonl line 1: action item ")
def action_of_another_finding_here(k: Kit) -> bytes:
    k.parts.edit("actions", lambda a: a.update(finding_index=2))
    return k.parts.build()


@clash("records/actions.jsonl line 1: action item ")
def action_of_another_audit_here(k: Kit) -> bytes:
    audit = _next_revision(k, parent_uuid=None, number=1)
    audit["uuid"] = "6c6c6c6c-0000-4000-8000-000000000000"
    k.parts.set_records("audits", [audit])
    k.parts.edit("actions", lambda a: a.update(audit_uuid=audit["uuid"]))
    return k.parts.build()


@clash("records/audits.jsonl line 1: revision ")
def revision_with_other_parents_here(k: Kit) -> bytes:
    [audit] = k.parts.records("audits")
    first = audit["revisions"][0]
    other = {**copy.deepcopy(first), "uuid": "4b4b4b4b-0000-4000-8000-000000000000",
             "parent_uuid": None, "number": 2}
    first["parent_uuid"] = other["uuid"]  # here it has none
    k.parts.set_records("audits", [{**audit, "revisions": [other, first]}])
    return k.parts.build()


@pytest.mark.parametrize(("build", "phrase", "required"), CASES)
def test_hostile_bundle_is_refused_whole(build: Builder, phrase: str, required: bool,
                                         kit: Kit, office: Workspace) -> None:
    path = kit.folder / NAME
    path.write_bytes(build(kit))
    refused(office, path, phrase, required=required)


@pytest.mark.parametrize(("build", "phrase"), CLASHES)
def test_records_that_clash_with_the_workspace_are_refused(
        build: Builder, phrase: str, kit: Kit, office: Workspace) -> None:
    good = kit.folder / "good.fieldsafe"
    good.write_bytes(kit.source.good)
    import_bundle(office, good)
    path = kit.folder / NAME
    path.write_bytes(build(kit))
    message = refused(office, path, phrase)
    assert "here" in message, message


@pytest.mark.parametrize("cut", ["10 bytes", "half", "all but 10 bytes", "all but 1 byte"])
def test_truncated_bundle_is_refused(cut: str, source: Source, office: Workspace,
                                     tmp_path: Path) -> None:
    size = len(source.good)
    at = {"10 bytes": 10, "half": size // 2, "all but 10 bytes": size - 10,
          "all but 1 byte": size - 1}[cut]
    path = tmp_path / NAME
    path.write_bytes(source.good[:at])
    refused(office, path, "not a complete FieldSafe bundle (the file is truncated or damaged)")


def test_ten_megabyte_answer_is_refused_quickly_naming_file_and_line(
        kit: Kit, office: Workspace) -> None:
    path = kit.folder / NAME
    path.write_bytes(ten_megabyte_answer(kit))
    message = refused(office, path, "records/audits.jsonl line 1: revision ", seconds=2.0)
    assert "route_desc: a text of 10485760 characters (at most 200000)" in message


def _limited(path: Path, **limits: int) -> BundleReader:
    return BundleReader(path, Limits(**limits))


@pytest.mark.parametrize(("limits", "phrase"), [
    ({"max_entry_bytes": 100_000}, "more than the 97.7 KB one entry may be"),
    ({"max_total_bytes": 200_000}, "entries add up to more than the 195.3 KB a bundle may hold"),
    ({"max_entries": 5}, "entries, more than the 5 a bundle may have"),
    ({"max_manifest_bytes": 100}, "more than the 100 bytes allowed"),
    ({"max_ratio": 2.0, "ratio_floor_bytes": 1000}, "refused as a zip bomb"),
])
def test_reader_limits(limits: dict[str, int], phrase: str, source: Source,
                       tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(source.good)
    with BundleReader(path):
        pass  # within the default limits
    with pytest.raises(BundleError) as caught:
        _limited(path, **limits)
    message = str(caught.value)
    assert message.isprintable() and message.startswith(f"{NAME}: ") and phrase in message, \
        message


def test_the_import_refuses_what_its_reader_limits_refuse(
        source: Source, office: Workspace, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / NAME
    path.write_bytes(source.good)
    monkeypatch.setattr(bundle_merger, "BundleReader", partial(
        BundleReader, limits=Limits(max_entry_bytes=100_000, max_total_bytes=200_000)))
    refused(office, path, "one entry may be")
    monkeypatch.setattr(bundle_merger, "BundleReader", partial(
        BundleReader, limits=Limits(max_total_bytes=200_000)))
    refused(office, path, "entries add up to more than the 195.3 KB")
    monkeypatch.setattr(bundle_merger, "BundleReader", partial(
        BundleReader, limits=Limits(max_line_bytes=1000)))
    refused(office, path, "entry 'records/forms.jsonl' line 1 is longer than 1000 bytes")


def test_a_good_bundle_merges_after_refused_ones(kit: Kit, source: Source,
                                                 office: Workspace) -> None:
    # Refused late: one photo was already copied in when the other's bytes did not match.
    late = kit.folder / "late.fieldsafe"
    late.write_bytes(media_bytes_changed(Kit(source, source.parts.copy(), kit.folder)))
    refused(office, late, "does not match its SHA-256")
    early = kit.folder / "early.fieldsafe"
    early.write_bytes(audit_of_unknown_form(Kit(source, source.parts.copy(), kit.folder)))
    refused(office, early, "is unknown")
    good = kit.folder / "good.fieldsafe"
    good.write_bytes(source.good)
    report = import_bundle(office, good)
    assert not report.already_imported and report.counts()["new"] > 0
    assert digest(office) == source.digest
    assert frozenset(office.media.iter_hashes()) == source.media
    assert all(office.media.verify(s) for s in source.media)
    assert all(office.media.thumbnail_path(s).is_file() for s in source.media)
    assert not [p for p in office.root.rglob("*") if p.name.endswith((".part", ".tmp"))
                or p.name.startswith(".tmp-")]
    assert check(office) == []
    assert import_bundle(office, good).already_imported


def test_what_a_bundle_says_of_its_sender_is_shown_on_one_line(kit: Kit,
                                                                office: Workspace) -> None:
    path = kit.folder / "names.fieldsafe"
    path.write_bytes(kit.parts.build(manifest={
        "device": {"name": "laptop\n\x1b[2Kother.fieldsafe: 99 new"}, "team": "north\r"}))
    summary = import_bundle(office, path).summary()
    assert summary.isprintable(), repr(summary)
    assert "from laptop\\n\\x1b[2Kother.fieldsafe: 99 new, team north\\r" in summary
    info = bundles.inspect_bundle(path)
    assert info["device_name"].isprintable() and info["team"] == "north\\r"



def test_a_form_named_by_its_file_is_loaded_under_its_name(kit: Kit, office: Workspace) -> None:
    # Without a form_id in its settings, a form takes its name (and content hash) from its
    # file: the check must load it under that name, or FieldSafe would refuse its own bundles.
    source = kit.folder / "ward_walk.md"
    source.write_text(FORM.split("| settings")[0], encoding="utf-8")
    form = load_form(source)
    assert form.form_id == "ward_walk"
    record = {**_form_record(source.read_text(encoding="utf-8"), "ward_walk", form.version),
              "content_hash": form.content_hash, "source_name": "ward_walk.md"}
    kit.parts.set_records("forms", [*kit.parts.records("forms"), record])
    path = kit.folder / NAME
    path.write_bytes(kit.parts.build())
    import_bundle(office, path)
    with office.transaction() as db:
        assert find_version(db, "ward_walk").content_hash == form.content_hash


def _jpeg(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), "red").save(out, "JPEG")
    return out.getvalue()


def _noisy_jpeg(side: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((side, side), 60).convert("RGB").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("thumbnail", [b"not an image at all", b"GIF89a" + bytes(100),
                                       _jpeg(2000)[:-200], _noisy_jpeg(200)[:-2000],
                                       _jpeg(1000)],
                         ids=["garbage", "gif", "cut-jpeg", "cut-small-jpeg", "too-large"])
def test_a_thumbnail_that_is_not_one_is_made_again(thumbnail: bytes, kit: Kit,
                                                   office: Workspace) -> None:
    kit.parts.entries[f"thumbs/{PHOTO_SHA}"] = thumbnail
    path = kit.folder / NAME
    path.write_bytes(kit.parts.build())
    import_bundle(office, path)
    made = office.media.thumbnail_path(PHOTO_SHA).read_bytes()
    assert made == make_thumbnail(PHOTOS[0])  # from the photo, not the bundle's
    with Image.open(io.BytesIO(made)) as image:
        assert image.format == "JPEG" and max(image.size) <= 256


def test_a_sent_thumbnail_that_is_one_is_kept(kit: Kit, office: Workspace) -> None:
    kit.parts.entries[f"thumbs/{PHOTO_SHA}"] = small = _jpeg(100)
    path = kit.folder / NAME
    path.write_bytes(kit.parts.build())
    import_bundle(office, path)
    assert office.media.thumbnail_path(PHOTO_SHA).read_bytes() == small


def _with_change(parts: Parts, item: int, change: Record) -> Parts:
    """``parts`` with action item ``item`` (0: the good one; else a new one about finding
    ``item + 1``) holding only ``change``."""
    [action] = parts.records("actions")
    if item:
        action = {**action, "uuid": f"3e3e3e3e-0000-4000-8000-00000000000{item}",
                  "finding_index": item + 1}
    parts.set_records("actions", [{**action, "changes": [change]}])
    return parts


def test_a_change_of_another_item_here_is_refused(kit: Kit, office: Workspace) -> None:
    change = _change({"status": ["open", "done"]})
    first = kit.folder / "first.fieldsafe"
    first.write_bytes(_with_change(kit.parts.copy(), 0, change).build())
    import_bundle(office, first)
    path = kit.folder / NAME
    path.write_bytes(_with_change(kit.parts.copy(), 1, change).build())
    refused(office, path, "records/actions.jsonl line 1: change 5d5d5d5d-0000-4000-8000-"
                          "000000000000 belongs to another action item here")


def test_two_copies_of_a_media_record_merge_alike_in_either_order(
        kit: Kit, make_device: Callable[..., Workspace]) -> None:
    good = kit.folder / "good.fieldsafe"
    good.write_bytes(kit.source.good)
    other = kit.folder / "other.fieldsafe"
    kit.parts.edit("media", lambda m: m.update(mime="application/octet-stream", info={}))
    other.write_bytes(kit.parts.build())
    rows = []
    for name, order in (("one", [good, other]), ("two", [other, good])):
        ws = make_device(name)
        for path in order:
            import_bundle(ws, path)
        with ws.transaction() as db:
            rows.append((digest(ws), [media_record(m) for m in db.scalars(
                select(Media).order_by(Media.sha256))]))
    assert rows[0] == rows[1]
    sent = [rec.MediaRecord(**m) for m in [*kit.source.parts.records("media"),
                                           *kit.parts.records("media")]]
    for kept in rows[0][1]:  # each file's row is the copy whose record hashes higher
        copies = [m for m in sent if m.sha256 == kept.sha256]
        assert kept == max(copies, key=lambda m: sha(rec.encode(m)))


# -- photos copied on worker threads while the records merge --------------------------------

def _damaged(parts: Parts, name: str) -> None:
    data = bytearray(parts.entries[name])
    data[len(data) // 2] ^= 0xFF
    parts.entries[name] = bytes(data)


def test_of_two_damaged_photos_the_first_in_the_bundle_is_named(kit: Kit,
                                                                office: Workspace) -> None:
    # Copied at once, the second may fail first: the refusal still names the first.
    first, second = (f"media/{m['sha256']}" for m in kit.parts.records("media"))
    _damaged(kit.parts, first)
    _damaged(kit.parts, second)
    path = kit.folder / NAME
    path.write_bytes(kit.parts.build(consistent=False))
    message = refused(office, path, "does not match its SHA-256")
    assert f"entry '{first}'" in message and second not in message


def test_a_cancel_while_photos_are_copied_undoes_the_merge(kit: Kit, office: Workspace) -> None:
    path = kit.folder / NAME
    path.write_bytes(kit.source.good)
    before = snapshot(office)
    steps: list[str] = []

    def step(done: int, total: int, what: str) -> None:
        steps.append(what)
        if what == "photos and files":
            progress.cancel()  # while the other photo may still be copied

    progress = Progress(step)
    with pytest.raises(Cancelled):
        import_bundle(office, path, progress=progress)
    assert snapshot(office) == before
    assert not [p for p in office.root.rglob("*") if p.name.startswith(".tmp-")]
    assert steps.count("photos and files") >= 1
    assert import_bundle(office, path).counts()["new"] > 0  # and it merges afterwards
    assert frozenset(office.media.iter_hashes()) == kit.source.media


def test_a_failed_record_merge_stops_and_undoes_the_photo_copy(
        kit: Kit, office: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kit.folder / NAME
    path.write_bytes(kit.source.good)
    before = snapshot(office)

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_merge, "_merge_audits", broken)
    with pytest.raises(OSError, match="No space left"):
        import_bundle(office, path)
    assert snapshot(office) == before
    monkeypatch.undo()
    import_bundle(office, path)
    assert digest(office) == kit.source.digest


def _refused_once_the_photos_are_in(office: Workspace, kit: Kit, path: Path,
                                    meanwhile: Callable[[], None] = lambda: None
                                    ) -> Callable[..., Any]:
    """check_records that waits until the bundle's photos have been copied in (they are
    copied while the records are checked), runs ``meanwhile``, then refuses the bundle."""

    def refusing(*_args: object) -> Any:
        deadline = time.monotonic() + 30
        while not all(office.media.has(sha) for sha in kit.source.media):
            assert time.monotonic() < deadline, "the photos were never copied in"
            time.sleep(0.01)
        meanwhile()
        raise BundleError(path, "refused by its records")

    return refusing


def test_a_refusal_in_the_record_checks_removes_the_photos_copied_meanwhile(
        kit: Kit, office: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kit.folder / NAME
    path.write_bytes(kit.source.good)
    before = snapshot(office)
    monkeypatch.setattr(bundle_merger, "check_records",
                        _refused_once_the_photos_are_in(office, kit, path))
    with pytest.raises(BundleError, match="refused by its records"):
        import_bundle(office, path)
    assert snapshot(office) == before
    assert not [p for p in office.media.root.iterdir() if p.name != "thumbs"], "no folder left"
    monkeypatch.undo()
    import_bundle(office, path)
    assert digest(office) == kit.source.digest


def test_another_import_waits_while_a_bundle_is_merged(
        kit: Kit, office: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second window (another Workspace on the same folder) cannot merge while this one
    checks and merges a bundle: the merge holds the write lock from its start, so the two
    never interleave (this one's photos are in, its records not yet). The other gives up
    after its busy timeout with a clear message; this one is then refused and leaves the
    workspace as it was, and the other's next try merges the bundle."""
    path = kit.folder / NAME
    path.write_bytes(kit.source.good)
    before = snapshot(office)
    monkeypatch.setenv("FIELDSAFE_BUSY_TIMEOUT_MS", "200")
    other = Workspace(office.root)
    tried: list[str] = []

    def the_other_tries() -> None:
        with pytest.raises(UserError, match="in use by another FieldSafe") as caught:
            import_bundle(other, path)
        tried.append(str(caught.value))

    check_records = bundle_merger.check_records
    monkeypatch.setattr(bundle_merger, "check_records", _refused_once_the_photos_are_in(
        office, kit, path, the_other_tries))
    try:
        with pytest.raises(BundleError, match="refused by its records"):
            import_bundle(office, path)
        assert tried == [f"{office.db_path}: the workspace is in use by another FieldSafe; "
                         "close it and try again"]
        assert snapshot(office) == before
        monkeypatch.setattr(bundle_merger, "check_records", check_records)
        import_bundle(other, path)
    finally:
        other.close()
    assert check(office) == []
    assert frozenset(office.media.iter_hashes()) == kit.source.media
    assert digest(office) == kit.source.digest
