"""A sensitive group or repeat keeps everything in it out of redacted bundles and reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fieldsafe.forms.loader import load_form
from fieldsafe.services.report_answers import answer_rows
from fieldsafe.services.sync_records import redact

FORM = """
| survey |               |           |              |           |
|        | type          | name      | label        | sensitive |
|        | text          | area      | Area         | yes       |
|        | begin group   | who       | Who answered | yes       |
|        | text          | full_name | Name         |           |
|        | end group     |           |              |           |
|        | begin repeat  | people    | People       | yes       |
|        | integer       | age       | Age          |           |
|        | end repeat    |           |              |           |
|        | text          | street    | Street       |           |
"""
ANSWERS = {"area": "Flat 4, my address", "full_name": "Asha Rao",
           "people": [{"age": 34}], "street": "Market Road"}


def test_redacted_answers_leave_out_a_sensitive_groups_questions(
        write_form: Callable[[str], Path]) -> None:
    kept, dropped = redact(load_form(write_form(FORM)), ANSWERS)
    assert kept == {"street": "Market Road"}
    assert {"area", "full_name", "people"} <= dropped


def test_the_report_appendix_and_cover_leave_them_out(write_form: Callable[[str], Path]) -> None:
    from fieldsafe.services.reports import _area

    form = load_form(write_form(FORM))
    shown = [(r.label, r.value) for r in answer_rows(form, ANSWERS, "default", False)]
    assert shown == [("Street", "Market Road")]
    assert _area(form, ANSWERS, include_sensitive=False) == "Market Road"
    assert _area(form, ANSWERS, include_sensitive=True) == "Flat 4, my address"
    everything = answer_rows(form, ANSWERS, "default", True)
    assert any(r.value == "Asha Rao" for r in everything)
