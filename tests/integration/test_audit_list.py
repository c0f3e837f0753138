"""The desktop's audit list query: filters, sorting and pages, in SQL."""

from __future__ import annotations

from datetime import date, datetime

from fieldsafe.services.audit_list import AuditFilter, audit_page, count_audits, filter_choices
from fieldsafe.services.audits import new_audit, retire_audit
from fieldsafe.services.workspace import Workspace


def test_filters_sort_and_pages(workspace: Workspace, walk_answers: dict[str, object]) -> None:
    made = []
    for day, period in ((1, "day"), (2, "night"), (3, "day")):
        answers = dict(walk_answers, period=period)
        made.append(new_audit(workspace, "womens_safety_walk", answers,
                              now=lambda d=day: datetime(2026, 11, d + 20, 10)).id)
    new_audit(workspace, "walkability", {}, now=lambda: datetime(2026, 11, 22, 12))
    retire_audit(workspace, made[0], now=lambda: datetime(2026, 11, 24, 9))
    assert count_audits(workspace, AuditFilter()) == 4
    assert count_audits(workspace, AuditFilter(period="night")) == 1
    assert count_audits(workspace, AuditFilter(status="retired")) == 1
    assert count_audits(workspace, AuditFilter(form_id="walkability")) == 1
    assert count_audits(workspace, AuditFilter(since=date(2026, 11, 23))) == 2
    assert count_audits(workspace, AuditFilter(until=date(2026, 11, 21))) == 0
    assert count_audits(workspace, AuditFilter(text=made[1][:8])) == 1
    newest = audit_page(workspace, AuditFilter(), limit=2)
    assert [r.id for r in newest] == [made[0], made[2]]  # the retirement is the newest change
    rest = audit_page(workspace, AuditFilter(), offset=2, limit=2)
    assert len(rest) == 2 and {r.id for r in newest} & {r.id for r in rest} == set()
    by_form = audit_page(workspace, AuditFilter(), sort="form", descending=False)
    assert by_form[-1].form_id == "womens_safety_walk" and by_form[0].form_id == "walkability"
    choices = filter_choices(workspace)
    assert choices.forms == ["walkability", "womens_safety_walk"]
    assert set(choices.statuses) == {"draft", "retired"}
