"""GeoJSON and CSV exports of a real workspace: features, keys, columns, media without EXIF."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageSequence, ImageStat
from shapely.geometry import shape

from fieldsafe.errors import UserError
from fieldsafe.media.clean import without_metadata
from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
from fieldsafe.services.exports import export_geojson, utc_text
from fieldsafe.services.exports_csv import export_csv, safe_name
from fieldsafe.services.form_library import ensure_builtin_forms, import_form
from fieldsafe.services.workspace import Workspace
from tests.conftest import CORPUS, ROOT

PHOTOS = CORPUS / "photos"
PORTRAIT = PHOTOS / "recurser__Portrait_6.jpg"  # EXIF orientation 6: stored on its side
GPS_PHOTO = PHOTOS / "exifpy__DSCN0010.jpg"  # EXIF with a GPS position and the camera
WALK = "womens_safety_walk"
UTC_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"  # as ODK Central writes it

SITE_FORM = """
| survey |
| | type | name | label | sensitive | calculation |
| | begin_group | site | Site | | |
| | text | ward | Ward | | |
{extra}| | geopoint | home | Where the respondent lives | yes | |
| | geopoint | loc | Site location | | |
| | end_group | | | | |
| | geoshape | area | Outline | | |
| | note | hello | Thank you | | |
| | select_multiple fix | fixes | Fixes needed | | |
| | file | doc | A document | | |
| | image | portrait | Photo of the respondent | yes | |
| | begin_repeat | finding | Finding | | |
| | geopoint | f_loc | Where | | |
| | begin_group | g_w | Witnesses | | |
| | begin_repeat | witness | Witness | | |
| | text | w_name | Name | yes | |
| | integer | w_age | Age | | |
| | end_repeat | | | | |
| | end_group | | | | |
| | end_repeat | | | | |
| | calculate | n_findings | | | count(${{finding}}) |
| choices |
| | list_name | name | label |
| | fix | light | Light |
| | fix | bench | Bench |
| settings |
| | form_id | version |
| | site_check | {version} |
"""

SITE_ANSWERS: dict[str, Any] = {
    "ward": "Ward 7", "home": "10.9 20.9", "loc": "10.5 20.5 3 4",
    "area": "10 20;11 20;11 21;10 20",  # clockwise in [lon, lat]
    "fixes": "light bench",
    "finding": [
        {"f_loc": "10.1 20.1", "witness": [{"w_name": "Ann", "w_age": 30},
                                           {"w_name": "Bo", "w_age": 41}]},
        {"witness": [{"w_name": "Cy", "w_age": 52}]},  # no location: no feature
    ],
}


@dataclass
class World:
    ws: Workspace
    walk_a: str  # finalized, two photos
    walk_b: str  # finalized, edited once; two different photos both named photo.jpg
    draft: str
    retired: str
    site_v1: str
    site_v2: str
    walk_answers: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("exports")
    ws = Workspace(root / "ws")
    ensure_builtin_forms(ws)
    answers = json.loads((ROOT / "tests/data/instruments/womens_safety_walk.answers.json")
                         .read_text(encoding="utf-8"))
    walk_a = new_audit(ws, WALK, answers, finalize=True, photos={
        "finding[1]/f_photo1": PORTRAIT, "finding[2]/f_photo1": GPS_PHOTO})
    same_name = []
    for folder, source in (("a", PHOTOS / "recurser__Portrait_3.jpg"),
                           ("b", PHOTOS / "exifpy__DSCN0042.jpg")):
        (root / folder).mkdir()
        same_name.append(shutil.copyfile(source, root / folder / "photo.jpg"))
    walk_b = new_audit(ws, WALK, answers, finalize=True, photos={
        "finding[1]/f_photo1": same_name[0], "finding[2]/f_photo1": same_name[1]})
    edit_audit(ws, walk_b.id, {"priorities": "Light the lane first."}, finalize=True)
    draft = new_audit(ws, WALK, answers)
    retired = new_audit(ws, WALK, answers, finalize=True)
    retire_audit(ws, retired.id)
    for version, extra in (("1", ""), ("2", "| | text | comment | Comment | | |\n")):
        form = root / f"site_v{version}.md"
        form.write_text(textwrap.dedent(SITE_FORM.format(version=version, extra=extra))
                        .strip() + "\n", encoding="utf-8")
        import_form(ws, form)
    doc = root / "notes.txt"
    doc.write_text("not a photo\n", encoding="utf-8")
    site_v1 = new_audit(ws, "site_check", SITE_ANSWERS, form_version="1", finalize=True,
                        photos={"doc": doc, "portrait": PHOTOS / "recurser__Portrait_0.jpg"})
    site_v2 = new_audit(ws, "site_check", {**SITE_ANSWERS, "comment": "v2 only"},
                        form_version="2", finalize=True)
    for result in (walk_a, walk_b, retired, site_v1, site_v2):
        assert result.status == "finalized", result.problems
    yield World(ws, walk_a.id, walk_b.id, draft.id, retired.id, site_v1.id, site_v2.id,
                answers)
    ws.close()


def _geojson(world: World, tmp_path: Path, **options: Any) -> list[dict[str, Any]]:
    out = tmp_path / "out.geojson"
    export_geojson(world.ws, out, **options)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        if feature["geometry"] is not None:
            assert shape(feature["geometry"]).is_valid
    return list(data["features"])


def _table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as ODK Central writes it
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_geojson_a_feature_per_audit_and_per_located_finding(world: World,
                                                             tmp_path: Path) -> None:
    features = _geojson(world, tmp_path, form_id=WALK)
    audits = [f for f in features if "__audit" not in f["properties"]]
    findings = [f for f in features if "__audit" in f["properties"]]
    assert {f["id"] for f in audits} == {world.walk_a, world.walk_b}  # no draft, no retired
    assert len(findings) == 2 * 3
    walk = next(f for f in audits if f["id"] == world.walk_a)
    assert walk["geometry"]["type"] == "LineString"
    assert walk["geometry"]["coordinates"][0] == [77.6057, 12.9857]  # [lon, lat]
    props = walk["properties"]
    assert props["__id"] == world.walk_a and props["form_id"] == WALK
    assert props["instanceID"].startswith("uuid:") and props["status"] == "finalized"
    assert props["form_version"] == "2026112601" and re.fullmatch(UTC_TIME, props["saved_at"])
    assert {"submitterName", "team", "device_name"} <= props.keys()
    assert props["g_context/area"] == world.walk_answers["area"]
    assert props["g_people/participants"] == 8 and props["g_ratings/safety_score"] == "2.67"
    assert "finding" not in props and not any(k.startswith("finding") for k in props)
    assert "g_ratings/ratings_note" not in props  # notes hold no answer
    first = next(f for f in findings if f["id"] == f"{world.walk_a}/finding[1]")
    assert first["geometry"] == {"type": "Point", "coordinates": [77.6071, 12.9849]}
    assert first["properties"].items() >= {"__audit": world.walk_a, "__repeat": "finding",
                                           "__index": 1, "f_cat": "lighting",
                                           "f_photo1": PORTRAIT.name}.items()
    by_audit = {f["properties"]["__audit"] for f in findings}
    assert by_audit == {world.walk_a, world.walk_b}
    assert sorted(f["properties"]["__index"] for f in findings) == [1, 1, 2, 2, 3, 3]


def test_geojson_leaves_sensitive_answers_out_unless_asked(world: World,
                                                           tmp_path: Path) -> None:
    hidden = _geojson(world, tmp_path)
    walk = next(f for f in hidden if f["id"] == world.walk_a)["properties"]
    assert not {"g_people/gender_bands", "g_people/age_bands", "g_people/mobility_aid"} \
        & walk.keys()
    site = next(f for f in hidden if f["id"] == world.site_v1)
    assert "site/home" not in site["properties"]
    assert site["geometry"]["coordinates"] == [20.5, 10.5]  # not the sensitive first point
    witness_names = [f for f in hidden if "w_name" in f["properties"]]
    assert witness_names == []
    shown = _geojson(world, tmp_path, include_sensitive=True)
    walk = next(f for f in shown if f["id"] == world.walk_a)["properties"]
    assert walk["g_people/gender_bands"] == "women men"
    site = next(f for f in shown if f["id"] == world.site_v1)
    assert site["properties"]["site/home"] == "10.9 20.9"
    assert site["geometry"]["coordinates"] == [20.9, 10.9]


def test_geojson_of_each_form_version(world: World, tmp_path: Path) -> None:
    features = _geojson(world, tmp_path, form_id="site_check")
    ids = [f["id"] for f in features]
    assert ids == [world.site_v1, f"{world.site_v1}/finding[1]",
                   world.site_v2, f"{world.site_v2}/finding[1]"]  # finding 2 has no place
    v1, v2 = (next(f["properties"] for f in features if f["id"] == i)
              for i in (world.site_v1, world.site_v2))
    assert "site/comment" not in v1 and v2["site/comment"] == "v2 only"
    assert (v1["form_version"], v2["form_version"]) == ("1", "2")
    assert v1["area"] == SITE_ANSWERS["area"] and v1["n_findings"] == "2"
    assert v1["doc"] == "notes.txt"
    finding = features[1]["properties"]
    assert finding["__repeat"] == "finding" and "witness" not in finding
    assert shape(features[1]["geometry"]).coords[0] == (20.1, 10.1)


def test_geojson_writes_whole_files_only(world: World, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        export_geojson(world.ws, tmp_path / "missing" / "out.geojson")
    (tmp_path / "folder.geojson").mkdir()
    with pytest.raises(UserError, match="folder"):
        export_geojson(world.ws, tmp_path / "folder.geojson")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.geojson"]


def test_exports_read_in_batches_write_the_same_bytes(world: World, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = []
    for batch in (500, 1, 2):
        monkeypatch.setattr("fieldsafe.services.exports_read.BATCH", batch)
        geojson = export_geojson(world.ws, tmp_path / f"{batch}.geojson", include_sensitive=True)
        tables = export_csv(world.ws, tmp_path / f"csv{batch}")
        assert geojson.audits == tables.audits == 4
        outputs.append((geojson.path.read_bytes(),
                        [(p.name, p.read_bytes()) for p in sorted(tables.folder.rglob("*"))
                         if p.is_file()]))
    assert outputs[0] == outputs[1] == outputs[2]
    text = outputs[0][0].decode()
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1)


def test_csv_tables_in_odk_central_layout(world: World, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "csv"
    result = export_csv(world.ws, out, form_id=WALK)
    assert result.audits == 2 and result.rows == 2 + 6 and result.media == 4
    assert result.files == [out / f"{WALK}.csv", out / f"{WALK}-finding.csv"]
    header, rows = _table(out / f"{WALK}.csv")
    assert header[0] == "SubmissionDate"
    assert header[1:6] == ["start", "end", "today", "deviceid", "username"]
    assert header[6:9] == ["g_context-area", "g_context-audit_date", "g_context-start_time"]
    assert "g_route-route" in header and "n_findings" in header  # calculates are columns
    assert "g_ratings-safety_score" in header
    assert "g_ratings-ratings_note" not in header and "g_people-gender_bands" not in header
    assert header[-15:] == [
        "meta-instanceID", "meta-instanceName", "KEY", "SubmitterID", "SubmitterName",
        "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
        "Edits", "FormVersion", "AuditID", "Team", "DeviceName"]
    by_audit = {r["AuditID"]: r for r in rows}
    a, b = by_audit[world.walk_a], by_audit[world.walk_b]
    assert a["KEY"] == a["meta-instanceID"] and a["KEY"].startswith("uuid:")
    assert (a["Edits"], a["ReviewState"], b["Edits"], b["ReviewState"]) == ("0", "", "1",
                                                                           "edited")
    assert b["g_wrapup-priorities"] == "Light the lane first."
    assert (a["AttachmentsPresent"], a["AttachmentsExpected"]) == ("2", "3")
    assert a["g_people-participants"] == "8"
    assert (a["SubmitterID"], a["Status"]) == ("", "")  # no Central account; not encrypted
    assert re.fullmatch(UTC_TIME, a["SubmissionDate"])
    geojson = {f["id"]: f["properties"] for f in _geojson(world, tmp_path, form_id=WALK)}
    assert a["SubmissionDate"] == geojson[world.walk_a]["saved_at"]
    finding_header, findings = _table(out / f"{WALK}-finding.csv")
    assert finding_header[:4] == ["f_loc-Latitude", "f_loc-Longitude", "f_loc-Altitude",
                                  "f_loc-Accuracy"]
    assert finding_header[-2:] == ["PARENT_KEY", "KEY"]
    keys = {r["KEY"] for r in rows}
    assert all(f["PARENT_KEY"] in keys for f in findings) and len(findings) == 6
    first = next(f for f in findings if f["KEY"] == f"{a['KEY']}/finding[1]")
    assert (first["f_loc-Latitude"], first["f_loc-Longitude"], first["f_loc-Altitude"],
            first["f_loc-Accuracy"]) == ("12.9849", "77.6071", "904", "4")
    assert first["f_photo1"] == PORTRAIT.name and first["f_photo2"] == "finding1b.jpg"
    media = out / "media"
    named = {f["f_photo1"] for f in findings if f["f_photo1"]}
    assert named == {p.name for p in media.iterdir()}
    # The two different photos.jpg of walk B were named apart when they were attached.
    assert {"photo.jpg", "photo-2.jpg"} <= named


def test_csv_media_of_one_name_in_two_audits_are_told_apart(
        workspace: Workspace, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    """One export folder holds the media of every audit: two different files of one name
    (from two audits) are both kept, under names that say which is which."""
    for folder, source in (("a", PHOTOS / "recurser__Portrait_3.jpg"),
                           ("b", PHOTOS / "exifpy__DSCN0042.jpg")):
        (tmp_path / folder).mkdir()
        photo = shutil.copyfile(source, tmp_path / folder / "photo.jpg")
        new_audit(workspace, WALK, walk_answers, finalize=True,
                  photos={"finding[1]/f_photo1": photo})
    export_csv(workspace, tmp_path / "csv", form_id=WALK)
    _header, findings = _table(tmp_path / "csv" / f"{WALK}-finding.csv")
    named = sorted(f["f_photo1"] for f in findings if f["f_photo1"].endswith("photo.jpg"))
    assert len(named) == 2 and all(len(n) == len("12345678-photo.jpg") for n in named)
    assert set(named) <= {p.name for p in (tmp_path / "csv" / "media").iterdir()}


def test_csv_media_carry_no_exif_and_stand_upright(world: World, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    export_csv(world.ws, out, form_id=WALK)
    photos = sorted((out / "media").iterdir())
    assert len(photos) == 4
    for photo in photos:
        with Image.open(photo) as image:
            assert len(image.getexif()) == 0, photo
            assert "exif" not in image.info and "xmp" not in image.info
        assert b"Exif\x00\x00" not in photo.read_bytes()
    with Image.open(out / "media" / PORTRAIT.name) as turned, \
            Image.open(PHOTOS / "recurser__Portrait_0.jpg") as upright:
        assert turned.size == upright.size == (1200, 1800)  # portrait, as it is seen
        small = (60, 90)
        difference = ImageChops.difference(turned.convert("L").resize(small),
                                           upright.convert("L").resize(small))
        assert ImageStat.Stat(difference).mean[0] < 5
    with Image.open(out / "media" / GPS_PHOTO.name) as image, Image.open(GPS_PHOTO) as source:
        assert image.size == source.size


def test_csv_nested_repeats_versions_and_other_files(world: World, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = export_csv(world.ws, out, form_id="site_check", include_sensitive=True)
    assert result.withheld == 0  # notes.txt is copied as it is
    assert [p.name for p in result.files] == [
        "site_check.csv", "site_check-finding.csv", "site_check-witness.csv"]
    header, rows = _table(out / "site_check.csv")
    assert header[:4] == ["SubmissionDate", "site-ward", "site-comment",
                          "site-home-Latitude"]  # the newest version's order first
    assert "area" in header and "fixes" in header and "hello" not in header
    v1, v2 = rows
    assert (v1["FormVersion"], v1["site-comment"], v2["site-comment"]) == ("1", "", "v2 only")
    assert (v1["site-loc-Latitude"], v1["site-loc-Longitude"], v1["site-loc-Altitude"],
            v1["site-loc-Accuracy"]) == ("10.5", "20.5", "3", "4")
    assert v1["fixes"] == "light bench" and v1["doc"] == "notes.txt"
    assert (out / "media" / "notes.txt").read_text(encoding="utf-8") == "not a photo\n"
    assert v1["portrait"] == "recurser__Portrait_0.jpg"
    assert (v1["AttachmentsPresent"], v1["AttachmentsExpected"]) == ("2", "2")
    assert sorted(p.name for p in (out / "media").iterdir()) == [
        "notes.txt", "recurser__Portrait_0.jpg"]
    f_header, findings = _table(out / "site_check-finding.csv")
    assert f_header == ["f_loc-Latitude", "f_loc-Longitude", "f_loc-Altitude",
                        "f_loc-Accuracy", "PARENT_KEY", "KEY"]
    assert findings[0]["f_loc-Altitude"] == "" and findings[1]["f_loc-Latitude"] == ""
    w_header, witnesses = _table(out / "site_check-witness.csv")
    assert w_header == ["w_name", "w_age", "PARENT_KEY", "KEY"]
    assert len(witnesses) == 2 * 3
    first = v1["KEY"]
    assert [(w["w_name"], w["PARENT_KEY"], w["KEY"]) for w in witnesses[:3]] == [
        ("Ann", f"{first}/finding[1]", f"{first}/finding[1]/g_w/witness[1]"),
        ("Bo", f"{first}/finding[1]", f"{first}/finding[1]/g_w/witness[2]"),
        ("Cy", f"{first}/finding[2]", f"{first}/finding[2]/g_w/witness[1]")]
    hidden = export_csv(world.ws, tmp_path / "hidden", form_id="site_check")
    w_header, _rows = _table(hidden.folder / "site_check-witness.csv")
    assert w_header == ["w_age", "PARENT_KEY", "KEY"]
    header, rows = _table(hidden.folder / "site_check.csv")
    assert not any(h.startswith("site-home") for h in header) and "portrait" not in header
    # A file that is not a photo may carry metadata that cannot be removed: left out.
    assert rows[0]["doc"] == "notes.txt" and hidden.withheld == 1 and hidden.media == 0
    assert (rows[0]["AttachmentsPresent"], rows[0]["AttachmentsExpected"]) == ("0", "1")
    assert not (hidden.folder / "media").exists()


def test_csv_every_form_and_its_refusals(world: World, tmp_path: Path) -> None:
    out = tmp_path / "all"
    result = export_csv(world.ws, out)
    assert result.audits == 4 and {p.name for p in result.files} == {
        f"{WALK}.csv", f"{WALK}-finding.csv", "site_check.csv", "site_check-finding.csv",
        "site_check-witness.csv"}
    assert len(list((out / "media").iterdir())) == 4 and result.withheld == 1  # notes.txt
    with pytest.raises(UserError, match=r"all: the folder already exists and is not empty"):
        export_csv(world.ws, out)
    with pytest.raises(UserError, match=r"no form with form_id 'nope' \(known: .*site_check"):
        export_csv(world.ws, tmp_path / "nope", form_id="nope")
    assert not (tmp_path / "nope").exists()
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match=r"file\.txt"):
        export_csv(world.ws, blocker / "sub", form_id=WALK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all", "file.txt"]  # no leftovers


def test_csv_failure_leaves_nothing_behind(world: World, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import fieldsafe.services.exports_csv as exports_csv

    def broken(source: Path, target: Path, label: str) -> None:
        raise UserError(f"{label}: cannot export the photo")

    monkeypatch.setattr(exports_csv, "clean_copy", broken)
    with pytest.raises(UserError, match="cannot export the photo"):
        export_csv(world.ws, tmp_path / "out", form_id=WALK)
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_export_still_makes_the_folder(workspace: Workspace,
                                                  walk_answers: dict[str, Any],
                                                  tmp_path: Path) -> None:
    new_audit(workspace, WALK, walk_answers)  # a draft only
    (tmp_path / "empty").mkdir()
    result = export_csv(workspace, tmp_path / "empty")
    assert (result.audits, result.rows, result.media, result.files) == (0, 0, 0, [])
    assert list((tmp_path / "empty").iterdir()) == []
    geo = export_geojson(workspace, tmp_path / "none.geojson", form_id=WALK)
    assert (geo.audits, geo.features) == (0, 0)
    assert json.loads(geo.path.read_text(encoding="utf-8"))["features"] == []


def test_photo_cleaning_of_other_formats(tmp_path: Path) -> None:
    source = tmp_path / "turned.png"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn a quarter clockwise to view
    exif[0x010F] = "Camera maker"
    Image.new("RGB", (40, 20), "red").save(source, exif=exif.tobytes())
    data = without_metadata(source)
    assert data is not None
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (20, 40)
        assert len(image.getexif()) == 0
    text = tmp_path / "notes.txt"
    text.write_text("plain", encoding="utf-8")
    assert without_metadata(text) is None


def test_safe_media_names() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\photos\\a:b?.jpg") == "a_b_.jpg"
    assert safe_name("..") == "file" and safe_name(".hidden.jpg") == "hidden.jpg"
    assert safe_name("NUL.jpg") == "_NUL.jpg"


ODD_FORM = """
| survey |
| | type | name | label |
| | text | remark | Remark |
| | text | phone | Phone |
| | text | Status | Status of the site |
| | text | KEY | Key number |
| | integer | count | Count |
| | decimal | level | Level |
| | geopoint | spot | Spot |
| | begin_repeat | item | Item |
| | text | PARENT_KEY | Parent |
| | text | KEY | Key |
| | end_repeat | | |
| settings |
| | form_id | version |
| | odd | 1 |
"""

ODD_ANSWERS: dict[str, Any] = {
    "remark": '=HYPERLINK("http://evil.example","x")', "phone": "+1 555 0100",
    "Status": "lights broken", "KEY": "K-17", "count": -3, "level": -2.5,
    "spot": "-10.5 -20.5 0 5", "item": [{"PARENT_KEY": "@SUM(A1)", "KEY": "-3"}]}


def _odd_workspace(workspace: Workspace, tmp_path: Path) -> str:
    form = tmp_path / "odd.md"
    form.write_text(textwrap.dedent(ODD_FORM).strip() + "\n", encoding="utf-8")
    import_form(workspace, form)
    result = new_audit(workspace, "odd", ODD_ANSWERS, finalize=True)
    assert result.status == "finalized", result.problems
    return result.id


def test_csv_cells_that_would_run_as_formulas_are_defused(workspace: Workspace,
                                                          tmp_path: Path) -> None:
    _odd_workspace(workspace, tmp_path)
    export_csv(workspace, tmp_path / "safe")
    _header, (row,) = _table(tmp_path / "safe" / "odd.csv")
    assert row["remark"] == "'" + ODD_ANSWERS["remark"]
    assert row["phone"] == "'+1 555 0100"
    # Numbers, negative ones too, are shown as numbers by spreadsheets and run nothing.
    assert (row["count"], row["level"]) == ("-3", "-2.5")
    assert (row["spot-Latitude"], row["spot-Longitude"]) == ("-10.5", "-20.5")
    _header, (item,) = _table(tmp_path / "safe" / "odd-item.csv")
    assert (item["item-PARENT_KEY"], item["item-KEY"]) == ("'@SUM(A1)", "-3")
    export_csv(workspace, tmp_path / "raw", raw=True)  # --raw: as ODK Central writes them
    _header, (row,) = _table(tmp_path / "raw" / "odd.csv")
    assert (row["remark"], row["phone"]) == (ODD_ANSWERS["remark"], "+1 555 0100")
    _header, (item,) = _table(tmp_path / "raw" / "odd-item.csv")
    assert item["item-PARENT_KEY"] == "@SUM(A1)"


def test_csv_question_named_like_a_column_keeps_its_answer(workspace: Workspace,
                                                           tmp_path: Path) -> None:
    audit = _odd_workspace(workspace, tmp_path)
    export_csv(workspace, tmp_path / "out")
    header, (row,) = _table(tmp_path / "out" / "odd.csv")
    assert header[:5] == ["SubmissionDate", "remark", "phone", "data-Status", "data-KEY"]
    assert header.count("KEY") == header.count("Status") == 1
    assert (row["data-Status"], row["data-KEY"]) == ("lights broken", "K-17")
    assert row["KEY"].startswith("uuid:") and row["Status"] == "" and row["AuditID"] == audit
    item_header, (item,) = _table(tmp_path / "out" / "odd-item.csv")
    assert item_header == ["item-PARENT_KEY", "item-KEY", "PARENT_KEY", "KEY"]
    assert (item["PARENT_KEY"], item["KEY"]) == (row["KEY"], f"{row['KEY']}/item[1]")


def _mpo(path: Path, orientation: int) -> Path:
    """A JPEG with a second image (MPF), as phones write them: Pillow reads it as MPO."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Camera maker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (10.0, 0.0, 0.0)
    stored = Image.new("RGB", (80, 40), "blue")
    stored.paste("red", (0, 0, 40, 40))  # the left half, the top once turned (orientation 6)
    stored.save(path, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 20), "lime")],
                exif=exif.tobytes())
    with Image.open(path) as check:
        assert check.format == "MPO" and getattr(check, "n_frames", 1) == 2
    return path


def test_csv_exports_mpo_photos_upright_without_exif(workspace: Workspace,
                                                     walk_answers: dict[str, Any],
                                                     tmp_path: Path) -> None:
    (tmp_path / "turned").mkdir()
    turned = _mpo(tmp_path / "turned" / "PXL_turned.jpg", 6)
    upright = _mpo(tmp_path / "PXL_upright.jpg", 1)
    new_audit(workspace, WALK, walk_answers, finalize=True, photos={
        "finding[1]/f_photo1": turned, "finding[2]/f_photo1": upright})
    result = export_csv(workspace, tmp_path / "out")
    assert result.media == 2
    for name, size in ((turned.name, (40, 80)), (upright.name, (80, 40))):
        data = (tmp_path / "out" / "media" / name).read_bytes()
        assert b"Exif\x00\x00" not in data and b"Camera maker" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == size
            assert len(image.getexif()) == 0 and "exif" not in image.info
            pixel = image.convert("RGB").getpixel((10, 10))
            assert isinstance(pixel, tuple)
            assert pixel[0] > 200 and pixel[2] < 60  # the red half on the top (or the left)


def test_csv_missing_media_file_is_a_clear_error(workspace: Workspace,
                                                 walk_answers: dict[str, Any],
                                                 tmp_path: Path) -> None:
    new_audit(workspace, WALK, walk_answers, finalize=True,
              photos={"finding[1]/f_photo1": GPS_PHOTO})
    sha = next(iter(workspace.media.iter_hashes()))
    workspace.media.path(sha).unlink()
    (tmp_path / "out").mkdir()
    with pytest.raises(UserError, match=rf"{GPS_PHOTO.name}: media {sha} is missing from the "
                                         r"workspace; run 'fieldsafe workspace check'"):
        export_csv(workspace, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "ws"]  # no leftovers
    assert list((tmp_path / "out").iterdir()) == []


def test_photo_cleaning_of_tiff_and_gif(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = Image.new("RGB", (40, 20), "blue")
    stored.paste("red", (0, 0, 20, 20))
    stored.save(tmp_path / "turned.tif", exif=exif.tobytes())
    data = without_metadata(tmp_path / "turned.tif")
    assert data is not None
    with Image.open(io.BytesIO(data)) as image:  # Pillow turns a TIFF as it loads it: once
        assert image.format == "TIFF" and image.size == (20, 40)
        assert image.convert("RGB").getpixel((10, 5)) == (255, 0, 0)  # red on top
        tags = image.getexif()  # a TIFF's own tags (size, strips...) are its EXIF
        assert not {0x0112, 0x010F, 0x8769, 0x8825} & tags.keys()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPSLatitude="10,0.0N"</x:xmpmeta>'
    see_through = Image.new("RGBA", (30, 20), (255, 0, 0, 255))
    see_through.paste((0, 0, 0, 0), (0, 0, 10, 20))
    see_through.save(tmp_path / "one.gif", comment=b"home address", xmp=xmp)
    data = without_metadata(tmp_path / "one.gif")
    assert data is not None and b"home address" not in data and b"xmpmeta" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF" and "comment" not in image.info
        rgba = image.convert("RGBA")
        assert rgba.getpixel((2, 2)) == (0, 0, 0, 0) and rgba.getpixel((20, 2)) == (255, 0, 0, 255)
    frames = [Image.new("RGBA", (30, 20), colour) for colour in ("red", "blue", "lime")]
    frames[1].paste((0, 0, 0, 0), (0, 0, 10, 20))
    frames[0].save(tmp_path / "moving.gif", save_all=True, append_images=frames[1:],
                   duration=[100, 200, 300], loop=0, comment=b"home address")
    data = without_metadata(tmp_path / "moving.gif")
    assert data is not None and b"home address" not in data
    with Image.open(tmp_path / "moving.gif") as before, Image.open(io.BytesIO(data)) as after:
        assert after.info.get("loop") == 0 and getattr(after, "n_frames", 1) == 3
        for old, new in zip(ImageSequence.Iterator(before), ImageSequence.Iterator(after),
                            strict=True):
            assert new.info.get("duration") == old.info.get("duration")
            difference = ImageChops.difference(old.convert("RGBA"), new.convert("RGBA"))
            assert difference.getbbox() is None


def test_files_whose_metadata_cannot_be_removed(tmp_path: Path) -> None:
    from fieldsafe.media.clean import can_clean

    heic = tmp_path / "IMG_0001.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"Exif\x00\x00MM")
    notes = tmp_path / "notes.txt"
    notes.write_text("plain", encoding="utf-8")
    Image.new("RGB", (4, 4), "red").save(tmp_path / "plain.bmp")
    Image.new("RGB", (4, 4), "red").save(tmp_path / "photo.jpg")
    assert not can_clean(heic) and not can_clean(notes)
    assert can_clean(tmp_path / "plain.bmp") and can_clean(tmp_path / "photo.jpg")
    assert without_metadata(tmp_path / "plain.bmp") is None  # no room for metadata: copied


def test_times_are_written_in_utc_as_central_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30, no daylight saving
    time.tzset()
    try:
        assert utc_text(datetime(2026, 11, 20, 13, 45, 2, 123456)) == "2026-11-20T08:15:02.123Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_audit_being_corrected_is_exported_as_last_finalized(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    """As ODK keeps the last submission while an edit is not sent: a draft over a
    finalized revision leaves that revision in the exports; a draft never finalized, or a
    retired audit, is not in them."""
    made = new_audit(workspace, WALK, dict(walk_answers, good_points="as finalized"),
                     finalize=True)
    edit_audit(workspace, made.id, {"good_points": "half-way through a correction"})
    new_audit(workspace, WALK, walk_answers)  # a draft, never finalized
    gone = new_audit(workspace, WALK, walk_answers, finalize=True)
    retire_audit(workspace, gone.id)
    export_csv(workspace, tmp_path / "csv")
    header, rows = _table(tmp_path / "csv" / f"{WALK}.csv")
    column = next(c for c in header if c.endswith("good_points"))
    assert [r[column] for r in rows] == ["as finalized"]
    export_geojson(workspace, tmp_path / "walks.geojson", form_id=WALK)
    features = json.loads((tmp_path / "walks.geojson").read_text())["features"]
    assert {f["id"] for f in features if "__audit" not in f["properties"]} == {made.id}


def test_exports_write_an_impossible_time_as_given() -> None:
    """A bundle may carry a time of year 1, which no time zone can shift: an export
    writes it as it came, instead of stopping on it."""
    from datetime import datetime

    from fieldsafe.services.exports import utc_text

    assert utc_text(datetime(1, 1, 1)) == "0001-01-01T00:00:00.000Z"


def test_a_damaged_photo_is_named_by_its_audit_and_question(
        workspace: Workspace, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    from fieldsafe.services.audits import new_audit

    photo = CORPUS / "photos" / "exifpy__DSCN0010.jpg"
    audit = new_audit(workspace, "womens_safety_walk", walk_answers,
                      photos={"finding[1]/f_photo1": photo}, finalize=True)
    [sha] = list(workspace.media.iter_hashes())
    stored = workspace.media.path(sha)
    stored.write_bytes(stored.read_bytes()[:2000])  # damaged on disk (or as received)
    with pytest.raises(UserError, match=(
            rf"exifpy__DSCN0010\.jpg \(audit {audit.id[:8]}, finding\[1\]/f_photo1\): "
            r"cannot export the photo: .*; it is damaged in this workspace")):
        export_csv(workspace, tmp_path / "out")
    assert not (tmp_path / "out").exists()
