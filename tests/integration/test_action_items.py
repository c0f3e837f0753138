"""Action items as a coordinator makes them and officials read them: what they copy, what
they refuse, and how the reports group, order and mark them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from fieldsafe.errors import UserError
from fieldsafe.services.actions import add_action, list_actions, update_action
from fieldsafe.services.audits import edit_audit, new_audit, retire_audit
from fieldsafe.services.campaign_reports import campaign_report_data, pick_campaign
from fieldsafe.services.campaigns import new_campaign
from fieldsafe.services.form_library import import_form
from fieldsafe.services.reports import audit_report, audit_report_data
from fieldsafe.services.workspace import Workspace
from tests.conftest import FORMS

SECRET = "Repair the three lights and add one more at the lane entrance."


def _flat(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(path).pages))


@pytest.fixture
def sensitive_walk(workspace: Workspace, tmp_path: Path) -> str:
    """The women's safety walk with its findings' recommendation and agency marked
    sensitive (as a form may, where they would name a person or a house)."""
    text = (FORMS / "womens_safety_walk.md").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if re.match(r"\| \| (text \| f_rec|select_one agency \| f_agency) ", line):
            line = line.rstrip().removesuffix("|  |") + "| yes |"
        lines.append(line)
    text = "\n".join(lines).replace("| womens_safety_walk |", "| sensitive_walk |", 1)
    path = tmp_path / "sensitive_walk.md"
    path.write_text(text, encoding="utf-8")
    import_form(workspace, path)
    return "sensitive_walk"


def test_sensitive_answers_are_not_copied_into_action_items(
        workspace: Workspace, walk_answers: dict[str, object], sensitive_walk: str,
        tmp_path: Path) -> None:
    audit = new_audit(workspace, sensitive_walk, walk_answers, finalize=True)
    item = add_action(workspace, audit.id, 1)
    assert (item["recommendation"], item["agency"]) == ("", "")
    assert item["title"] == "Poor or broken lighting"  # the category is not sensitive
    audit_report(workspace, audit.id, tmp_path / "a.pdf")
    assert "three lights" not in _flat(tmp_path / "a.pdf")
    # What the coordinator types is theirs to send.
    typed = add_action(workspace, audit.id, 1, recommendation="Relamp", agency="BESCOM")
    assert (typed["recommendation"], typed["agency"]) == ("Relamp", "BESCOM")


def test_a_plain_form_still_fills_the_item_from_its_finding(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    item = add_action(workspace, audit.id, 1)
    assert item["recommendation"] == SECRET and item["agency"].startswith("Utilities")


def test_what_an_item_refuses(workspace: Workspace, walk_answers: dict[str, object]) -> None:
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    with pytest.raises(UserError, match="0206-12-01 is not between"):
        add_action(workspace, audit.id, 1, target=date(206, 12, 1))
    with pytest.raises(UserError, match="at most 200000 characters"):
        add_action(workspace, audit.id, 1, recommendation="x" * 200_001)
    item = add_action(workspace, audit.id, 1)
    with pytest.raises(UserError, match="is not between"):
        update_action(workspace, item["id"], target=date(3026, 1, 1))
    with pytest.raises(UserError, match="at most 200000"):
        update_action(workspace, item["id"], recommendation="y" * 200_001)
    retire_audit(workspace, audit.id)
    with pytest.raises(UserError, match="is retired"):
        add_action(workspace, audit.id, 2)


def test_agencies_are_tidied_and_undated_items_come_last(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    undated = add_action(workspace, audit.id, 1, agency="  Police \t dept ")
    later = add_action(workspace, audit.id, 2, agency="Police dept", target=date(2031, 1, 1))
    sooner = add_action(workspace, audit.id, 3, agency="x", target=date(2030, 1, 1))
    assert undated["agency"] == "Police dept"
    assert update_action(workspace, sooner["id"], agency=" Police  dept")["agency"] == \
        "Police dept"
    assert [a["id"] for a in list_actions(workspace)] == [sooner["id"], later["id"],
                                                         undated["id"]]
    assert len(list_actions(workspace, agency="Police  dept ")) == 3


def test_campaign_plan_counts_finalized_audits_and_groups_agencies_as_one(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    new_campaign(workspace, "Lanes")
    sent = new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Lanes",
                     finalize=True)
    draft = new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Lanes")
    add_action(workspace, draft.id, 1, agency="Draft-only agency")
    add_action(workspace, sent.id, 1, agency="Police")
    add_action(workspace, sent.id, 2, agency="police ")
    add_action(workspace, sent.id, 2, agency="Police")
    add_action(workspace, sent.id, 3, agency="bbmp", target=date(2030, 1, 1))
    blank = add_action(workspace, sent.id, 1, agency="x")
    update_action(workspace, blank["id"], agency="   ")
    data = campaign_report_data(workspace, pick_campaign(workspace, "Lanes"))
    assert [(p.agency, len(p.rows)) for p in data.plans] == [
        ("bbmp", 1), ("Police", 3), ("(no agency given)", 1)]
    assert data.drafts == 1 and data.audits == 1


def test_an_item_whose_finding_was_removed_is_marked(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    new_campaign(workspace, "Lanes")
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Lanes",
                      finalize=True)
    kept = add_action(workspace, audit.id, 1, agency="Police")
    gone = add_action(workspace, audit.id, 3, agency="Police")
    findings = walk_answers["finding"]
    assert isinstance(findings, list)
    edit_audit(workspace, audit.id, {"finding": findings[:2]}, finalize=True)
    rows = {r.finding: r for r in audit_report_data(workspace, audit.id).actions}
    assert not rows[1].finding_missing and rows[3].finding_missing
    plan = campaign_report_data(workspace, pick_campaign(workspace, "Lanes")).plans[0]
    assert {(r.finding, r.finding_missing) for r in plan.rows} == {(1, False), (3, True)}
    audit_report(workspace, audit.id, tmp_path / "a.pdf")
    flat = _flat(tmp_path / "a.pdf")
    assert "(Open drain or uncovered manhole: a finding removed from the audit) Cover" in flat
    assert kept["id"] != gone["id"]


def _findings(walk_answers: dict[str, object]) -> list[dict[str, object]]:
    found = walk_answers["finding"]
    assert isinstance(found, list) and len(found) == 3
    return [dict(f) for f in found]


def test_items_follow_their_findings_when_findings_are_removed_or_moved(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    """A correction removes the first finding and swaps the other two: each item still
    names its own finding (by what it said), and the first one's item is marked."""
    new_campaign(workspace, "Lanes")
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, campaign="Lanes",
                      finalize=True)
    first, second, third = (add_action(workspace, audit.id, n, agency="Ward office")["id"]
                            for n in (1, 2, 3))
    _one, two, three = _findings(walk_answers)
    two["f_note"] = "Noted again, in other words."  # corrected in place: the same finding
    edit_audit(workspace, audit.id, {"finding": [three, two]}, finalize=True)
    listed = {a["id"]: (a["finding"], a["finding_missing"]) for a in list_actions(workspace)}
    assert listed == {first: (1, True), second: (2, False), third: (1, False)}
    rows = audit_report_data(workspace, audit.id).actions
    assert [(r.finding, r.finding_missing) for r in rows] == [(1, True), (1, False),
                                                              (2, False)]
    assert {r.recommendation for r in rows if r.finding == 1 and not r.finding_missing} == {
        str(three["f_rec"])}
    plan = campaign_report_data(workspace, pick_campaign(workspace, "Lanes")).plans[0]
    assert sorted((r.finding, r.finding_missing, r.finding_title) for r in plan.rows) == [
        (1, False, "Open drain or uncovered manhole"), (1, True, "Poor or broken lighting"),
        (2, False, "Autorickshaw stand blocks the footpath")]


def test_an_item_from_before_references_keeps_its_number(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    from fieldsafe.storage.models import ActionItem

    audit = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    made = add_action(workspace, audit.id, 2)
    with workspace.transaction() as db:
        item = db.get(ActionItem, made["id"])
        assert item is not None and set(item.finding_ref or {}) == {"category", "location",
                                                                     "note"}
        item.finding_ref = None  # as an item made by an earlier release
    _one, two, three = _findings(walk_answers)
    edit_audit(workspace, audit.id, {"finding": [two, three]}, finalize=True)
    assert [(a["finding"], a["finding_missing"]) for a in list_actions(workspace)] == [
        (2, False)]


def test_a_sensitive_note_is_not_part_of_the_reference(
        workspace: Workspace, walk_answers: dict[str, object], tmp_path: Path) -> None:
    from fieldsafe.storage.models import ActionItem

    text = (FORMS / "womens_safety_walk.md").read_text(encoding="utf-8")
    lines = [line.rstrip().removesuffix("|  |") + "| yes |"
             if re.match(r"\| \| text \| f_note ", line) else line
             for line in text.splitlines()]
    path = tmp_path / "private_notes.md"
    path.write_text("\n".join(lines).replace("| womens_safety_walk |", "| private_notes |", 1),
                    encoding="utf-8")
    import_form(workspace, path)
    plain = add_action(workspace, new_audit(workspace, "womens_safety_walk", walk_answers,
                                            finalize=True).id, 1)
    hidden = add_action(workspace, new_audit(workspace, "private_notes", walk_answers,
                                             finalize=True).id, 1)
    with workspace.transaction() as db:
        refs = {i.uuid: i.finding_ref for i in (db.get(ActionItem, plain["id"]),
                                                 db.get(ActionItem, hidden["id"])) if i}
    assert set(refs[plain["id"]] or {}) == {"category", "location", "note"}
    assert set(refs[hidden["id"]] or {}) == {"category", "location"}


def test_the_audit_report_lists_a_findings_items_by_target_date(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    for target in (None, date(2027, 1, 1), date(2026, 10, 1)):
        add_action(workspace, audit.id, 1, target=target)
    add_action(workspace, audit.id, 2, target=date(2020, 1, 1))
    rows = audit_report_data(workspace, audit.id).actions
    assert [(r.finding, r.target) for r in rows] == [
        (1, "2026-10-01"), (1, "2027-01-01"), (1, ""), (2, "2020-01-01")]


def test_a_corrected_finding_keeps_its_items(
        workspace: Workspace, walk_answers: dict[str, object]) -> None:
    """A correction of one of a finding's category, place or note (a wrong category, a
    point picked again, a better GPS fix) leaves it the same finding; changing two of
    them at once makes it another."""
    audit = new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True)
    ids = [add_action(workspace, audit.id, n)["id"] for n in (1, 2, 3)]
    one, two, three = _findings(walk_answers)
    two["f_cat"] = "lighting"
    lat, lon, _alt, _acc = str(three["f_loc"]).split()
    three["f_loc"] = f"{lat} {lon} 912 3"  # the same place, another altitude and accuracy
    one["f_note"] = "Rewritten entirely."
    edit_audit(workspace, audit.id, {"finding": [one, two, three]}, finalize=True)
    found = {a["id"]: (a["finding"], a["finding_missing"]) for a in list_actions(workspace)}
    assert [found[i] for i in ids] == [(1, False), (2, False), (3, False)]
    lat2, lon2, alt, acc = str(three["f_loc"]).split()
    three["f_loc"] = f"{float(lat2) + 0.001} {lon2} {alt} {acc}"
    three["f_note"] = "Another place, another note."
    edit_audit(workspace, audit.id, {"finding": [one, two, three]}, finalize=True)
    found = {a["id"]: (a["finding"], a["finding_missing"]) for a in list_actions(workspace)}
    assert found[ids[2]] == (3, True)
