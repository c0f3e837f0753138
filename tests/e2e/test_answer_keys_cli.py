"""A question name two groups share, through ``fieldsafe forms`` and ``fieldsafe audit``, in a
subprocess: both answers are kept, each under its group path."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from tests.conftest import CORPUS
from tests.e2e.test_cli import run

PHOTO_A = CORPUS / "photos" / "exifpy__DSCN0042.jpg"
PHOTO_B = CORPUS / "photos" / "recurser__Portrait_3.jpg"

FORM = """\
| survey |         |          |          |
|        | type    | name     | label    |
|        | begin group | a    | Section A |
|        | text    | comments | Comments A |
|        | end group |        |          |
|        | begin group | b    | Section B |
|        | text    | comments | Comments B |
|        | end group |        |          |
| settings |       |          |          |
|        | form_id | version  |          |
|        | dup     | 1        |          |
"""


def _files(tmp_path: Path, answers: dict[str, object]) -> tuple[Path, Path]:
    form = tmp_path / "dup.md"
    form.write_text(FORM, encoding="utf-8")
    given = tmp_path / "answers.json"
    given.write_text(json.dumps(answers), encoding="utf-8")
    return form, given


def test_fill_keeps_both_answers_of_a_shared_name(tmp_path: Path) -> None:
    form, given = _files(tmp_path, {"a/comments": "The lane is dark",
                                    "b/comments": "No bench at the stop"})
    checked = run("forms", "validate", str(form))
    assert checked.returncode == 0 and "valid (3 questions)" in checked.stdout
    result = run("forms", "fill", str(form), "--answers", str(given), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    output = json.loads(result.stdout)
    assert output["problems"] == []
    instance = output["instance"]
    assert (instance["a/comments"], instance["b/comments"]) == (
        "The lane is dark", "No bench at the stop")
    assert "comments" not in instance
    # What fill prints is what it reads: a second run gives the same answers back.
    again = tmp_path / "again.json"
    again.write_text(json.dumps(instance), encoding="utf-8")
    second = json.loads(run("forms", "fill", str(form), "--answers", str(again),
                            "--json").stdout)
    assert second["instance"] == instance


def test_an_unknown_group_path_is_a_problem(tmp_path: Path) -> None:
    form, given = _files(tmp_path, {"c/comments": "lost?"})
    result = run("forms", "fill", str(form), "--answers", str(given), "--json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["name"], p["kind"]) for p in problems] == [("c/comments", "type")]


def test_an_audit_saved_and_exported_from_the_command_line_keeps_both(
        tmp_path: Path) -> None:
    form = tmp_path / "dup.md"
    form.write_text(FORM.replace(
        "|        | end group |        |          |\n",
        "|        | image   | photo    | Photo    |\n|        | end group |        |          |\n"),
        encoding="utf-8")
    given = tmp_path / "answers.json"
    given.write_text(json.dumps({"a/comments": "left", "b/comments": "right"}),
                     encoding="utf-8")
    ws = str(tmp_path / "ws")
    imported = run("--workspace", ws, "forms", "import", str(form))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    made = run("--workspace", ws, "audits", "new", "dup", "--answers", str(given),
               "--photo", f"a/photo={PHOTO_A}", "--photo", f"b/photo={PHOTO_B}", "--finalize")
    assert made.returncode == 0, made.stdout + made.stderr
    found = re.search(r"audit (\S+) revision 1: finalized", made.stdout)
    assert found, made.stdout
    shown = json.loads(run("--workspace", ws, "audits", "show", found.group(1),
                           "--json").stdout)
    answers = shown["answers"]
    assert (answers["a/comments"], answers["b/comments"]) == ("left", "right")
    assert (answers["a/photo"], answers["b/photo"]) == (PHOTO_A.name, PHOTO_B.name)
    assert sorted((a["question"], a["filename"]) for a in shown["attachments"]) == [
        ("a/photo", PHOTO_A.name), ("b/photo", PHOTO_B.name)]
    ambiguous = run("--workspace", ws, "audits", "new", "dup", "--answers", str(given),
                    "--photo", f"photo={PHOTO_A}")
    assert ambiguous.returncode == 2
    assert "give its path: a/photo, b/photo" in ambiguous.stderr
    out = tmp_path / "csv"
    exported = run("--workspace", ws, "export", "csv", "-o", str(out))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    with (out / "dup.csv").open(encoding="utf-8-sig", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert (row["a-comments"], row["b-comments"]) == ("left", "right")
    assert (row["a-photo"], row["b-photo"]) == (PHOTO_A.name, PHOTO_B.name)
    assert sorted(p.name for p in (out / "media").iterdir()) == sorted(
        [PHOTO_A.name, PHOTO_B.name])
