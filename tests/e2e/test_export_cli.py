"""``fieldsafe export geojson|csv``, run in a subprocess as a user would."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from shapely.geometry import shape

from tests.conftest import CORPUS, ROOT

WALK = ROOT / "tests" / "data" / "instruments" / "womens_safety_walk.answers.json"
PHOTO = CORPUS / "photos" / "exifpy__DSCN0042.jpg"


def fieldsafe(workspace: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldsafe.cli.main", "--workspace", str(workspace), *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})


def ok(workspace: Path, *args: str) -> str:
    result = fieldsafe(workspace, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fieldsafe: "), result.stderr
    assert fragment in lines[0] and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("cli") / "ws"
    ok(ws, "audits", "new", "womens_safety_walk", "--answers", str(WALK), "--photo",
       f"finding[1]/f_photo1={PHOTO}", "--finalize")
    ok(ws, "audits", "new", "womens_safety_walk", "--answers", str(WALK))  # a draft
    return ws


def test_export_geojson(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "walks.geojson"
    printed = ok(workspace, "export", "geojson", "-o", str(out), "--form",
                 "womens_safety_walk")
    assert printed.strip().splitlines() == [
        f"{out}: 4 features from 1 audit, 3 of them from repeats (findings)"]
    data = json.loads(out.read_text(encoding="utf-8"))
    kinds = [shape(f["geometry"]).geom_type for f in data["features"]]
    assert kinds == ["LineString", "Point", "Point", "Point"]
    audit = data["features"][0]["properties"]
    assert audit["g_context/area"] and "g_people/gender_bands" not in audit
    ok(workspace, "export", "geojson", "-o", str(out), "--include-sensitive")
    audit = json.loads(out.read_text(encoding="utf-8"))["features"][0]["properties"]
    assert audit["g_people/gender_bands"] == "women men"


def test_export_csv(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    printed = ok(workspace, "export", "csv", "-o", str(out)).strip().splitlines()
    assert printed == [f"{out}: 2 CSV files, 4 rows from 1 audit",
                       f"{out / 'media'}: 1 media file (photos without EXIF)"]
    with (out / "womens_safety_walk.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with (out / "womens_safety_walk-finding.csv").open(encoding="utf-8-sig",
                                                       newline="") as stream:
        findings = list(csv.DictReader(stream))
    assert len(rows) == 1 and len(findings) == 3
    assert {f["PARENT_KEY"] for f in findings} == {rows[0]["KEY"]}
    with Image.open(out / "media" / PHOTO.name) as photo:
        assert len(photo.getexif()) == 0
    one_line_error(fieldsafe(workspace, "export", "csv", "-o", str(out)),
                   "already exists and is not empty")


def test_export_errors_are_one_line(workspace: Path, tmp_path: Path) -> None:
    for command in ("geojson", "csv"):
        result = fieldsafe(workspace, "export", command, "-o", str(tmp_path / "x"), "--form",
                           "nope")
        one_line_error(result, "no form with form_id 'nope' (known: ")
        assert "womens_safety_walk" in result.stderr
    one_line_error(fieldsafe(workspace, "export", "geojson", "-o",
                             str(tmp_path / "no" / "such" / "out.geojson")), "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_export(tmp_path: Path) -> None:
    ws = tmp_path / "empty-ws"
    ok(ws, "workspace", "set", "--device-name", "laptop")  # makes it: exports make none
    printed = ok(ws, "export", "csv", "-o", str(tmp_path / "out"))
    assert "No finalized audits found" in printed and (tmp_path / "out").is_dir()
    printed = ok(ws, "export", "geojson", "-o", str(tmp_path / "out.geojson"))
    assert "No finalized audits found" in printed
    assert json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8")) == {
        "type": "FeatureCollection", "features": []}


NOTES_FORM = """| survey |
| | type | name | label |
| | text | remark | Remark |
| | integer | change | Change |
| | file | doc | A document |
| settings |
| | form_id | version |
| | notes | 1 |
"""


def test_export_csv_defuses_formulas_and_leaves_out_files_with_metadata(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    form = tmp_path / "notes.md"
    form.write_text(NOTES_FORM, encoding="utf-8")
    ok(ws, "forms", "import", str(form))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"remark": "=1+1", "change": -3}), encoding="utf-8")
    doc = tmp_path / "minutes.txt"
    doc.write_text("minutes of the walk\n", encoding="utf-8")
    ok(ws, "audits", "new", "notes", "--answers", str(answers), "--photo", f"doc={doc}",
       "--finalize")

    def exported(name: str, *options: str) -> tuple[list[str], dict[str, str]]:
        printed = ok(ws, "export", "csv", "-o", str(tmp_path / name), *options)
        with (tmp_path / name / "notes.csv").open(encoding="utf-8-sig", newline="") as stream:
            (row,) = list(csv.DictReader(stream))
        return printed.strip().splitlines(), row

    printed, row = exported("safe")
    assert printed[1:] == ["1 file not exported: its metadata cannot be removed; use "
                           "--include-sensitive to copy it as it is"]
    assert (row["remark"], row["change"], row["doc"]) == ("'=1+1", "-3", "minutes.txt")
    assert not (tmp_path / "safe" / "media").exists()
    printed, row = exported("raw", "--raw", "--include-sensitive")
    assert printed[1:] == [f"{tmp_path / 'raw' / 'media'}: 1 media file (photos without EXIF, "
                           "other files as they are)"]
    assert (row["remark"], row["change"]) == ("=1+1", "-3")
    assert (tmp_path / "raw" / "media" / "minutes.txt").read_text(encoding="utf-8") == \
        "minutes of the walk\n"
    assert "--raw" in ok(ws, "export", "csv", "--help")
