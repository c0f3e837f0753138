"""Every workspace command of the ``fieldsafe`` CLI, run in a subprocess as a user would."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

WALK = ROOT / "tests" / "data" / "instruments" / "womens_safety_walk.answers.json"
FORM = ROOT / "forms" / "walkability.md"
PHOTO = CORPUS / "photos" / "exifpy__DSCN0042.jpg"


class Cli:
    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def __call__(self, *args: str, ok: bool = True,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "fieldsafe.cli.main", "--workspace", str(self.workspace),
             *args], capture_output=True, text=True, timeout=300, cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})
        if ok:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args).stdout)

    def fails(self, *args: str, fragment: str, env: dict[str, str] | None = None) -> None:
        result = self(*args, ok=False, env=env)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("fieldsafe: ") and fragment in lines[0], lines[0]
        assert "Traceback" not in result.stderr


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "ws")


def test_workspace_commands(cli: Cli, tmp_path: Path) -> None:
    # A command that only reads makes no workspace where there is none (a mistyped path).
    cli.fails("workspace", "info", fragment="there is no workspace in")
    cli.fails("report", "campaign", "-o", str(tmp_path / "x.pdf"),
              fragment="there is no workspace in")
    assert not cli.workspace.exists() and not (tmp_path / "x.pdf").exists()
    cli("workspace", "set", "--device-name", "laptop")  # one that records something makes it
    info = cli.json("workspace", "info")
    assert isinstance(info, dict) and info["team"] == "default" and info["counts"]["forms"] == 5
    cli("workspace", "set", "--user", "asha", "--team", "Lotus", "--device-name", "field-1")
    info = cli.json("workspace", "info")
    assert isinstance(info, dict)
    assert (info["user"], info["team"], info["device_name"]) == ("asha", "Lotus", "field-1")
    assert "workspace is sound" in cli("workspace", "check").stdout
    digest = cli("workspace", "digest").stdout.strip()
    assert len(digest) == 64 and int(digest, 16) >= 0
    cli("workspace", "backup", str(tmp_path / "copy"))
    assert (tmp_path / "copy" / "fieldsafe.sqlite").is_file()
    copy = Cli(tmp_path / "copy")
    assert copy("workspace", "digest").stdout.strip() == digest
    cli.fails("workspace", "backup", str(tmp_path / "copy"), fragment="must be new or empty")


def test_env_variable_names_the_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "from-env"
    Cli(folder)("workspace", "set", "--team", "North")  # makes it
    result = subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", "workspace", "info"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env={**os.environ, "FIELDSAFE_WORKSPACE": str(folder)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["path"] == str(folder)


def test_forms_campaigns_layers(cli: Cli, tmp_path: Path) -> None:
    form = CORPUS / "xlsform" / "pyodk__fav_color.xlsx"
    assert "imported" in cli("forms", "import", str(form)).stdout
    assert "already present" in cli("forms", "import", str(form)).stdout
    # Import tells what validate warns of; a form with no version leaves no trailing space.
    pulls = CORPUS / "xlsform" / "pyxform__example_xls__pull_data.xlsx"
    lines = cli("forms", "import", str(pulls)).stdout.splitlines()
    assert lines == [f"{pulls}: warning: the form needs the attachment 'fruits.csv', which "
                     "is not next to it; questions that use it will have no choices or data",
                     f"{pulls}: imported: pyxform__example_xls__pull_data"]
    forms = cli.json("forms", "list", "--json")
    assert isinstance(forms, list) and len(forms) == 7
    cli.fails("forms", "import", str(CORPUS / "xlsform-invalid" / "pyxformhttp__pyxform-error"
                                                                  ".xlsx"), fragment="row 2")
    wards = tmp_path / "wards.geojson"
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "Ward 7"}, "geometry": {
            "type": "Polygon", "coordinates": [[[77.59, 12.97], [77.60, 12.97], [77.60, 12.98],
                                                [77.59, 12.98], [77.59, 12.97]]]}}]}))
    campaign = cli("campaigns", "new", "Night walks", "--area", str(wards)).stdout.strip()
    listed = cli.json("campaigns", "list", "--json")
    assert isinstance(listed, list) and listed[0]["id"] == campaign and listed[0]["has_area"]
    cli.fails("campaigns", "new", "Night walks", fragment="already exists")
    cli("layers", "add", str(wards))
    cli("layers", "add", str(CORPUS / "mbtiles" / "nodembtiles__plain_1.mbtiles"))
    layers = cli.json("layers", "list", "--json")
    assert isinstance(layers, list)
    assert sorted(layer["kind"] for layer in layers) == ["areas", "basemap"]
    cli.fails("layers", "add", str(CORPUS / "mbtiles" / "nodembtiles__corrupt.mbtiles"),
              fragment="corrupt.mbtiles")
    assert len(list((cli.workspace / "layers").iterdir())) == 2  # nothing half-written


def test_audits_and_actions(cli: Cli, tmp_path: Path) -> None:
    made = cli("audits", "new", "womens_safety_walk", "--answers", str(WALK),
               "--photo", f"finding[1]/f_photo1={PHOTO}", "--finalize").stdout
    audit_id = made.split()[1]
    listed = cli.json("audits", "list", "--json")
    assert isinstance(listed, list) and listed[0]["id"] == audit_id
    assert listed[0]["photos"] == 1 and listed[0]["status"] == "finalized"
    edit = tmp_path / "edit.json"
    edit.write_text(json.dumps({"good_points": "Better now"}))
    assert "revision 2: finalized" in cli("audits", "edit", audit_id, "--answers", str(edit),
                                          "--finalize").stdout
    shown = cli.json("audits", "show", audit_id, "--json")
    assert isinstance(shown, dict) and len(shown["history"]) == 2
    assert "revision 2 finalized" in cli("audits", "show", audit_id[:8]).stdout
    action = cli("actions", "add", audit_id, "--finding", "1", "--target", "2020-01-31").stdout
    action_id = action.strip()
    overdue = cli.json("actions", "list", "--json", "--overdue")
    assert isinstance(overdue, list) and [a["id"] for a in overdue] == [action_id]
    cli("actions", "update", action_id, "--status", "done")
    done = cli.json("actions", "list", "--json", "--status", "done")
    assert isinstance(done, list) and done[0]["history"][0]["changes"]["status"] == [
        "open", "done"]
    assert cli.json("actions", "list", "--json", "--overdue") == []
    cli.fails("actions", "add", audit_id, "--finding", "9", fragment="no finding 9")
    cli.fails("actions", "add", audit_id, "--finding", "1", "--target", "0206-12-01",
              fragment="is the year mistyped")
    assert "retired" in cli("audits", "retire", audit_id).stdout
    cli.fails("audits", "edit", audit_id, "--answers", str(edit), fragment="retired")
    cli.fails("actions", "add", audit_id, "--finding", "1", fragment="is retired")


def test_bad_input_is_one_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"no_such_question": 1}))
    cli.fails("audits", "new", "walkability", "--answers", str(bad), fragment="do not fit")
    cli.fails("audits", "new", "walkability", "--answers", str(tmp_path / "none.json"),
              fragment="no such file")
    cli.fails("audits", "show", "deadbeef", fragment="no audit with ID 'deadbeef'")
    cli.fails("audits", "show", "Market Lane", fragment="no audit with ID 'Market Lane'")
    cli.fails("audits", "show", "62", fragment="'62': give the ID, or at least its first 4")
    cli.fails("audits", "new", "womens_safety_walk", "--answers", str(WALK), "--photo",
              f"finding[1]/f_photo1={tmp_path / 'missing.jpg'}", fragment="missing.jpg")
    (tmp_path / "folder.jpg").mkdir()
    cli.fails("audits", "new", "womens_safety_walk", "--answers", str(WALK), "--photo",
              f"finding[1]/f_photo1={tmp_path / 'folder.jpg'}",
              fragment="folder.jpg: is a folder, not a file")
    cli.fails("audits", "new", "walkability", "--answers", str(WALK), "--finalize",
              fragment="do not fit")
    cli.fails("actions", "update", "abcdef12", "--status", "done", fragment="no action item")
    hostile = {"deep.json": '{"area": ' + "[" * 100_000 + "]" * 100_000 + "}",
               "digits.json": '{"participants": ' + "9" * 5000 + "}",
               "surrogate.json": '{"area": "\\ud800"}'}
    for name, text in hostile.items():
        (tmp_path / name).write_text(text)
    for command in (("audits", "new", "walkability"), ("forms", "fill", str(FORM))):
        cli.fails(*command, "--answers", str(tmp_path / "deep.json"),
                  fragment="nested more than 32 levels")
        cli.fails(*command, "--answers", str(tmp_path / "digits.json"),
                  fragment="not valid JSON")
        cli.fails(*command, "--answers", str(tmp_path / "surrogate.json"),
                  fragment="not Unicode")
    walk = ROOT / "tests" / "data" / "instruments" / "walkability.answers.json"
    cli.fails("forms", "fill", str(FORM), "--answers", str(walk), "--language", "Klingon",
              fragment="has no language 'Klingon' (known: English (en), French (fr))")
    late = json.loads(walk.read_text(encoding="utf-8")) | {"audit_date": "2031-01-05"}
    (tmp_path / "late.json").write_text(json.dumps(late))
    french = cli("forms", "fill", str(FORM), "--answers", str(tmp_path / "late.json"),
                 "--language", "fr", ok=False)
    assert "La date ne peut pas être dans le futur." in french.stdout
    cli("workspace", "info")
    (cli.workspace / "fieldsafe.sqlite").write_bytes(b"garbage" * 100)
    cli.fails("workspace", "info", fragment="not SQLite")


def test_locked_and_newer_workspaces(cli: Cli) -> None:
    cli("workspace", "set", "--device-name", "laptop")
    db = cli.workspace / "fieldsafe.sqlite"
    other = sqlite3.connect(db)
    other.execute("BEGIN EXCLUSIVE")
    try:
        cli.fails("workspace", "set", "--team", "x", fragment="in use by another FieldSafe",
                  env={"FIELDSAFE_BUSY_TIMEOUT_MS": "100"})
    finally:
        other.rollback()
        other.close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 42")
    con.close()
    cli.fails("workspace", "info", fragment="newer FieldSafe")


def test_demo_is_reproducible_and_sound(tmp_path: Path) -> None:
    first, second = Cli(tmp_path / "a"), Cli(tmp_path / "b")
    for cli in (first, second):
        out = cli("demo", "--audits", "12", "--photos", "3", "--photo-megapixels", "0.3",
                  "--seed", "5").stdout
        assert "12 audits" in out and "3 photos" in out
        assert "workspace is sound" in cli("workspace", "check").stdout
    assert first("workspace", "digest").stdout == second("workspace", "digest").stdout
    first.fails("demo", "--audits", "12", "--seed", "5", fragment="already has the demo")
    assert "workspace is sound" in first("workspace", "check").stdout
    audits = first.json("audits", "list", "--json")
    assert isinstance(audits, list) and len(audits) == 12
    assert {a["form_id"] for a in audits} == {"womens_safety_walk", "safetipin_rating",
                                              "walkability", "cpted_site",
                                              "community_safety_survey"}
    assert len({a["team"] for a in audits}) >= 3
    layers = first.json("layers", "list", "--json")
    assert isinstance(layers, list) and {x["kind"] for x in layers} == {"areas", "basemap"}
    other_seed = Cli(tmp_path / "c")
    other_seed("demo", "--audits", "12", "--photos", "0", "--seed", "6")
    assert other_seed("workspace", "digest").stdout != first("workspace", "digest").stdout


def test_a_damaged_database_is_told_by_check_and_by_backup(cli: Cli, tmp_path: Path) -> None:
    """A damaged page of audit revisions: check lists SQLite's findings (not 'damaged' and
    exit 2), and a backup, made as it is, says it holds the same damage and exits 1."""
    import sqlite3

    cli("demo", "--audits", "40", "--photos", "0")
    db_file = cli.workspace / "fieldsafe.sqlite"
    with sqlite3.connect(db_file) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db.execute("PRAGMA page_size").fetchone()[0]
        [(page,)] = db.execute("SELECT pageno FROM dbstat WHERE name = 'audit_revisions' "
                               "AND pagetype = 'leaf' LIMIT 1").fetchall()
    with db_file.open("r+b") as raw:
        raw.seek(page * size + size // 2)
        raw.write(b"\xff" * 3000)
    checked = cli("workspace", "check", ok=False)
    assert checked.returncode == 1, checked.stderr
    assert "database: *** in database main ***" in checked.stdout
    assert "the other checks were not made" in checked.stdout
    backed = cli("workspace", "backup", str(tmp_path / "bk"), ok=False)
    assert backed.returncode == 1 and "backed up to" in backed.stdout
    assert "and so is this backup of it" in backed.stderr
