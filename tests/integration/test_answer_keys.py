"""A form where two groups have a question of the same name, through the services: both
answers are saved, read back, edited, exported, redacted, mapped and merged separately."""

from __future__ import annotations

import csv
import json
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fieldsafe.forms.answers import instance_json
from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.audits import edit_audit, new_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import import_bundle, import_bundles
from fieldsafe.services.conflicts import compose, get_conflict, resolve_conflict
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.exports import export_geojson
from fieldsafe.services.exports_csv import export_csv
from fieldsafe.services.form_library import find_version, form_definition, import_form
from fieldsafe.services.map_data import audit_map
from fieldsafe.services.report_answers import answer_rows
from fieldsafe.services.workspace import Workspace
from tests.conftest import CORPUS

PHOTO_A = CORPUS / "photos" / "exifpy__DSCN0042.jpg"
PHOTO_B = CORPUS / "photos" / "recurser__Portrait_3.jpg"
Device = Callable[..., Workspace]

FORM = """
| survey |
| | type | name | label | sensitive | role |
| | begin_group | a | Section A | | |
| | text | comments | Comments A | yes | |
| | image | photo | Photo A | yes | |
| | end_group | | | | |
| | begin_group | b | Section B | | |
| | text | comments | Comments B | | |
| | image | photo | Photo B | | |
| | end_group | | | | |
| | begin_repeat | finding | Finding | | finding |
| | geopoint | f_loc | Where | | location |
| | begin_group | before | Before | | |
| | text | note | Note before | | note |
| | end_group | | | | |
| | begin_group | after | After | | |
| | text | note | Note after | | |
| | end_group | | | | |
| | end_repeat | | | | |
| settings |
| | form_id | version |
| | dup_walk | 1 |
"""

ANSWERS: dict[str, Any] = {
    "a/comments": "private: my neighbour's name", "b/comments": "the lane is dark",
    "finding": [{"f_loc": "10.5 20.5", "before/note": "no light", "after/note": "lit now"}],
}


def _with_form(ws: Workspace, folder: Path) -> None:
    path = folder / "dup_walk.md"
    path.write_text(textwrap.dedent(FORM).strip() + "\n", encoding="utf-8")
    import_form(ws, path)


def _audit(ws: Workspace, folder: Path) -> str:
    _with_form(ws, folder)
    result = new_audit(ws, "dup_walk", ANSWERS, finalize=True,
                       photos={"a/photo": PHOTO_A, "b/photo": PHOTO_B})
    assert result.status == "finalized", result.problems
    return result.id


def test_both_answers_are_saved_read_back_and_edited(workspace: Workspace,
                                                      tmp_path: Path) -> None:
    audit = _audit(workspace, tmp_path)
    shown = show_audit(workspace, audit)
    answers = shown["answers"]
    assert {k: answers[k] for k in ("a/comments", "b/comments", "a/photo", "b/photo")} == {
        "a/comments": ANSWERS["a/comments"], "b/comments": ANSWERS["b/comments"],
        "a/photo": PHOTO_A.name, "b/photo": PHOTO_B.name}
    assert answers["finding"] == [{"f_loc": "10.5 20.5", "before/note": "no light",
                                   "after/note": "lit now"}]
    assert sorted(a["question"] for a in shown["attachments"]) == ["a/photo", "b/photo"]
    edit_audit(workspace, audit, {"b/comments": "now lit"}, finalize=True)
    editor = AuditEditor.open(workspace, audit)
    again = instance_json(editor.session)
    assert (again["a/comments"], again["b/comments"]) == (ANSWERS["a/comments"], "now lit")
    assert sorted(editor.files) == ["a/photo", "b/photo"]
    with workspace.transaction() as db:
        form = form_definition(find_version(db, "dup_walk"))
    rows = [(r.label, r.value) for r in answer_rows(form, again, "default", True)
            if not r.heading]
    assert ("Comments A", ANSWERS["a/comments"]) in rows and ("Comments B", "now lit") in rows
    assert ("Note before", "no light") in rows and ("Note after", "lit now") in rows
    finding = audit_map(workspace, audit).findings[0]
    assert finding.note == "no light"  # the note role is on before/note


def test_exports_name_each_answer_by_its_group_path(workspace: Workspace,
                                                    tmp_path: Path) -> None:
    _audit(workspace, tmp_path)
    out = tmp_path / "csv"
    export_csv(workspace, out, include_sensitive=True)
    with (out / "dup_walk.csv").open(encoding="utf-8-sig", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert (row["a-comments"], row["b-comments"]) == (ANSWERS["a/comments"],
                                                      ANSWERS["b/comments"])
    assert (row["a-photo"], row["b-photo"]) == (PHOTO_A.name, PHOTO_B.name)
    assert row["AttachmentsPresent"] == row["AttachmentsExpected"] == "2"
    with (out / "dup_walk-finding.csv").open(encoding="utf-8-sig", newline="") as stream:
        (item,) = list(csv.DictReader(stream))
    assert (item["before-note"], item["after-note"]) == ("no light", "lit now")
    hidden = tmp_path / "hidden"
    export_csv(workspace, hidden)  # without the sensitive answers and files
    with (hidden / "dup_walk.csv").open(encoding="utf-8-sig", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert "a-comments" not in row and "a-photo" not in row
    assert (row["b-comments"], row["b-photo"]) == (ANSWERS["b/comments"], PHOTO_B.name)
    assert [p.name for p in (hidden / "media").iterdir()] == [PHOTO_B.name]
    geojson = tmp_path / "out.geojson"
    export_geojson(workspace, geojson, include_sensitive=True)
    audit, found = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert (audit["properties"]["a/comments"], audit["properties"]["b/comments"]) == (
        ANSWERS["a/comments"], ANSWERS["b/comments"])
    assert (found["properties"]["before/note"], found["properties"]["after/note"]) == (
        "no light", "lit now")
    assert found["geometry"] == {"type": "Point", "coordinates": [20.5, 10.5]}


def test_a_bundle_without_sensitive_answers_leaves_out_only_the_sensitive_one(
        workspace: Workspace, tmp_path: Path) -> None:
    _audit(workspace, tmp_path)
    bundle = export_bundle(workspace, tmp_path / "r.fieldsafe", exclude_sensitive=True).path
    with zipfile.ZipFile(bundle) as z:
        [record] = [json.loads(line) for line in
                    z.read("records/audits.jsonl").decode().splitlines()]
    [revision] = record["revisions"]
    assert "a/comments" not in revision["answers"] and "a/photo" not in revision["answers"]
    assert revision["answers"]["b/comments"] == ANSWERS["b/comments"]
    assert [a["question_path"] for a in revision["attachments"]] == ["b/photo"]
    assert revision["redacted"] is True


@pytest.mark.parametrize("keep", ["each side's", "both"])
def test_a_conflict_lists_and_merges_the_two_answers_apart(
        make_device: Device, tmp_path: Path, keep: str) -> None:
    a = make_device("laptop-a")
    audit = _audit(a, tmp_path)
    b = make_device("laptop-b")
    import_bundle(b, export_bundle(a, tmp_path / "base.fieldsafe").path)
    edit_audit(a, audit, {"a/comments": "A wrote this"}, finalize=True)
    edit_audit(b, audit, {"b/comments": "B wrote this"}, finalize=True)
    office = make_device("office")
    import_bundles(office, [export_bundle(a, tmp_path / "a.fieldsafe").path,
                            export_bundle(b, tmp_path / "b.fieldsafe").path])
    conflict = get_conflict(office, audit)
    assert conflict.fields == ["a/comments", "b/comments"]
    assert (conflict.labels["a/comments"], conflict.labels["b/comments"]) == (
        "Comments A", "Comments B")
    side = {s.device_name: s.revision for s in conflict.sides}
    if keep == "both":
        choices = {"a/comments": "both", "b/comments": "both"}
    else:
        choices = {"a/comments": side["laptop-a"], "b/comments": side["laptop-b"]}
    answers, files, _base = compose(conflict, choices)
    assert sorted(files) == ["a/photo", "b/photo"]
    if keep == "both":  # each side's text, one per line
        assert sorted(answers["a/comments"].split("\n")) == sorted(
            [ANSWERS["a/comments"], "A wrote this"])
        assert sorted(answers["b/comments"].split("\n")) == sorted(
            [ANSWERS["b/comments"], "B wrote this"])
    else:
        assert (answers["a/comments"], answers["b/comments"]) == ("A wrote this",
                                                                  "B wrote this")
    resolve_conflict(office, audit, choices=choices)
    head = show_audit(office, audit)
    assert {head["answers"]["a/comments"], head["answers"]["b/comments"]} == {
        answers["a/comments"], answers["b/comments"]}
    assert sorted(x["question"] for x in head["attachments"]) == ["a/photo", "b/photo"]
