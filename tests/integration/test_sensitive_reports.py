"""Reports for officials leave out what a form marks sensitive: findings, places, photos."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

from fieldsafe.services.audits import new_audit
from fieldsafe.services.campaign_reports import campaign_report
from fieldsafe.services.campaigns import new_campaign
from fieldsafe.services.form_library import import_form
from fieldsafe.services.map_data import audit_map, campaign_findings
from fieldsafe.services.reports import audit_report, audit_report_data
from fieldsafe.services.workspace import Workspace
from tests.conftest import CORPUS

PHOTO = CORPUS / "photos" / "exifpy__DSCN0042.jpg"
FORM = """
| survey |
| | type | name | label | sensitive | role |
| | geotrace | route | Route | | route |
| | begin_repeat | finding | Finding | {repeat} | finding |
| | geopoint | f_loc | Where | {place} | location |
| | text | f_note | What happened | yes | note |
| | text | f_fix | What to do | | recommendation |
| | image | f_photo | Photo | yes | photo |
| | end_repeat | | | | |
| settings |
| | form_id | version |
| | {form_id} | 1 |
"""
ROUTE = "12.97 77.59 0 0;12.97 77.592 0 0;12.972 77.592 0 0"
FINDING = {"f_loc": "12.97 77.591 0 0", "f_note": "She was followed home to no. 4",
           "f_fix": "Light the lane"}


def _audit(ws: Workspace, folder: Path, form_id: str, **marks: str) -> str:
    path = folder / f"{form_id}.md"
    text = FORM.format(form_id=form_id, repeat=marks.get("repeat", ""),
                       place=marks.get("place", ""))
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    import_form(ws, path)
    result = new_audit(ws, form_id, {"route": ROUTE, "finding": [FINDING]}, finalize=True,
                       campaign="Safe lanes", photos={"finding[1]/f_photo": PHOTO})
    assert result.status == "finalized", result.problems
    return result.id


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    new_campaign(workspace, "Safe lanes")
    return workspace


def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(path).pages))


def test_a_sensitive_note_and_photo_stay_out_of_the_audit_report(
        ws: Workspace, tmp_path: Path) -> None:
    audit = _audit(ws, tmp_path, "lanes")
    [plain] = audit_report_data(ws, audit).findings
    assert (plain.note, plain.recommendation, plain.thumbnails) == ("", "Light the lane", [])
    assert plain.location == pytest.approx((12.97, 77.591))
    [full] = audit_report_data(ws, audit, include_sensitive=True).findings
    assert full.note == FINDING["f_note"] and len(full.thumbnails) == 1
    pdf = _text(audit_report(ws, audit, tmp_path / "a.pdf"))
    assert "Light the lane" in pdf and "followed home" not in pdf
    # the desktop map (the team's own view) still shows everything
    assert audit_map(ws, audit).findings[0].note == FINDING["f_note"]


def test_a_sensitive_finding_repeat_or_place_leaves_no_trace(
        ws: Workspace, tmp_path: Path) -> None:
    hidden = _audit(ws, tmp_path, "hidden", repeat="yes")
    assert audit_report_data(ws, hidden).findings == []
    assert audit_report_data(ws, hidden).route_map is not None  # the route is not sensitive
    unplaced = _audit(ws, tmp_path, "unplaced", place="yes")
    [finding] = audit_report_data(ws, unplaced).findings
    assert finding.location is None and finding.recommendation == "Light the lane"
    data = audit_report_data(ws, unplaced)
    assert data.route_map is not None and data.route_map.markers == []


def test_the_campaign_report_never_shows_sensitive_answers(ws: Workspace, tmp_path: Path,
                                                           ) -> None:
    _audit(ws, tmp_path, "lanes")
    _audit(ws, tmp_path, "hidden", repeat="yes")
    everything = campaign_findings(ws, "Safe lanes")
    assert sum(f.note == FINDING["f_note"] for f in everything) == 2  # the app's own view
    shown = campaign_findings(ws, "Safe lanes", include_sensitive=False)
    assert [(f.note, f.recommendation, f.photos) for f in shown] == [("", "Light the lane",
                                                                      [])]
    pdf = _text(campaign_report(ws, "Safe lanes", tmp_path / "c.pdf"))
    assert "followed home" not in pdf
    assert "Findings 1 " in pdf  # the finding of the sensitive repeat is not counted
    assert "marked sensitive in the forms are left out" in pdf


