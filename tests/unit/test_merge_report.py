"""The merge report's files: bundles named so they can be told apart, no formula cells."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from fieldsafe.services.merge_report import MergeReport, Outcome, display_names, write_reports


def _reports() -> list[MergeReport]:
    one = MergeReport("usb1/week.fieldsafe", "b1", device_name="laptop-a",
                      outcomes=[Outcome("audit", "a1", "new", detail="=HYPERLINK(x)")])
    two = MergeReport("usb2/week.fieldsafe", "b2", device_name="laptop-b",
                      already_imported=True, present_unlisted=12)
    other = MergeReport("usb2/other.fieldsafe", "b3", refused="not a zip file")
    return [one, two, other]


def test_bundles_of_one_file_name_are_named_by_their_paths(tmp_path: Path) -> None:
    reports = _reports()
    assert display_names(reports) == ["usb1/week.fieldsafe", "usb2/week.fieldsafe",
                                      "other.fieldsafe"]
    write_reports(reports, tmp_path / "r.csv")
    rows = list(csv.DictReader((tmp_path / "r.csv").read_text(encoding="utf-8")
                               .splitlines()))
    assert [(r["bundle"], r["kind"], r["status"]) for r in rows] == [
        ("usb1/week.fieldsafe", "audit", "new"),
        ("usb2/week.fieldsafe", "bundle", "present"),
        ("other.fieldsafe", "bundle", "rejected")]
    assert rows[0]["detail"] == "'=HYPERLINK(x)"  # not run as a formula
    assert rows[1]["detail"] == "imported before: its 12 records changed nothing"
    write_reports(reports, tmp_path / "r.json")
    summaries = [r["summary"] for r in json.loads((tmp_path / "r.json").read_text("utf-8"))]
    assert summaries[0].startswith("usb1/week.fieldsafe: 1 new")
    assert summaries[2] == "other.fieldsafe: refused: not a zip file"
