"""The form engine against ODK's semantics where an acceptance pass found it wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fieldsafe.forms.answers import instance_json, load_answers
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession

Write = Callable[[str], Path]


def _session(write_form: Write, text: str) -> FormSession:
    return FormSession(load_form(write_form(text)))


@pytest.mark.parametrize("count_first", [True, False])
def test_saved_answers_of_a_counted_repeat_come_back_whole(write_form: Write,
                                                           count_first: bool) -> None:
    count = "|        | integer | n | How many stops? | |"
    form = "\n".join([
        "| survey |", "|        | type | name | label | repeat_count |",
        *([count] if count_first else []),
        "|        | begin_repeat | stop | Stop | ${n} |",
        "|        | integer | rating | Rating | |",
        "|        | end_repeat | | | |",
        *([] if count_first else [count])])
    session = _session(write_form, form)
    answers = {"n": 3, "stop": [{"rating": 1}, {"rating": 2}, {"rating": 3}]}
    assert load_answers(session, answers) == []
    assert instance_json(session)["stop"] == answers["stop"]
