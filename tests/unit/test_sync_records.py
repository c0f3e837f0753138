"""The answers check of received records: its quick walk agrees with the walk that names
the first problem, on good answers and on every kind of bad one."""

from __future__ import annotations

from typing import Any

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
