"""The answers check of received records: its quick walk agrees with the walk that names
the first problem, and the decoder's typed answers refuse exactly what it refuses, on good
answers and on every kind of bad one that JSON can carry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec
import pytest

from fieldsafe.sync import records as rec


def nested(levels: int, inner: Any) -> Any:
    """``inner`` inside ``levels`` lists."""
    for _ in range(levels):
        inner = [inner]
    return inner


GOOD: list[Any] = [
    {},
    {"a": "x", "n": 3, "f": 1.5, "b": True, "none": None, "empty": [], "obj": {}},
    {"finding": [{"note": "y" * rec.MAX_ANSWER_CHARS, "sev": "4"}, {"list": [1, "2", None]}]},
    {"k" * 200: 1},
    {"a": nested(11, "deep")},  # the deepest allowed: answers (depth 0) and 11 lists
    {"a": nested(10, {"b": "x"})},
]

BAD: list[tuple[Any, str]] = [
    ({"a": "y" * (rec.MAX_ANSWER_CHARS + 1)}, "a: a text of 200001 characters"),
    ({"f": [{"n": "z" * (rec.MAX_ANSWER_CHARS + 1)}]}, "f[1]/n: a text of"),
    ({"a": nested(12, "deep")}, "a" + "[1]" * 11 + ": nested too deep"),
    ({"a": nested(11, {})}, "a" + "[1]" * 11 + ": nested too deep"),
    ({"k" * 201: 1}, "answers: a question name is too long"),
    ({"g": [{"k" * 201: 1}]}, "g[1]: a question name is too long"),
    ({1: "x"}, "answers: a question name is too long"),
    ({"a": {1, 2}}, "a: not an answer value"),
    ({"a": [1, b"bytes"]}, "a[2]: not an answer value"),
    ({"a": ("tuple",)}, "a: not an answer value"),
    ({"ok": "x", "bad": object()}, "bad: not an answer value"),
]


@pytest.mark.parametrize("answers", GOOD)
def test_good_answers_have_no_problem(answers: Any) -> None:
    assert rec.answers_problem(answers) is None
    assert rec._plain_answers(answers)


@pytest.mark.parametrize(("answers", "said"), BAD)
def test_bad_answers_are_named_where_they_are_wrong(answers: Any, said: str) -> None:
    assert not rec._plain_answers(answers)
    problem = rec.answers_problem(answers)
    assert problem is not None and said in problem
    assert problem == rec._first_problem(answers)


def _audit_line(answers: Any) -> bytes:
    revision = {"uuid": "1b1b1b1b-0000-4000-8000-000000000001", "number": 1, "form_id": "f",
                "form_version": "1", "status": "finalized", "answers": answers,
                "created_at": datetime(2026, 1, 1).isoformat(), "device_id": "d",
                "saved_at": datetime(2026, 1, 1).isoformat()}
    return json.dumps({"uuid": "0a0a0a0a-0000-4000-8000-000000000001", "form_id": "f",
                       "created_at": datetime(2026, 1, 1).isoformat(),
                       "revisions": [revision]}).encode()


@pytest.mark.parametrize("answers", GOOD)
def test_the_decoder_takes_good_answers(answers: Any) -> None:
    audit = rec.decoder("audits").decode(_audit_line(answers))
    assert audit.revisions[0].answers == answers


JSON_BAD = [(answers, said) for answers, said in BAD
            if not any(isinstance(k, int) for k in answers) and "answer value" not in said]


@pytest.mark.parametrize(("answers", "said"), JSON_BAD)
def test_the_decoder_refuses_bad_answers_and_says_where(answers: Any, said: str) -> None:
    line = _audit_line(answers)
    with pytest.raises(msgspec.ValidationError, match="answers"):
        rec.decoder("audits").decode(line)
    assert rec.answers_refusal(line) == (
        f"revision 1b1b1b1b-0000-4000-8000-000000000001: {rec.answers_problem(answers)}")
    assert said in str(rec.answers_refusal(line))


def test_a_refusal_for_another_reason_is_not_put_on_the_answers() -> None:
    line = _audit_line({"a": "x"}).replace(b'"number": 1', b'"number": 0')
    with pytest.raises(msgspec.ValidationError, match="number"):
        rec.decoder("audits").decode(line)
    assert rec.answers_refusal(line) is None
