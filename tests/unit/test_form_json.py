"""A parsed form written as JSON comes back the same: every corpus and built-in form."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldsafe.forms.form_json import FormJsonError, form_from_json, form_to_json
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from tests.conftest import CORPUS, FORMS

FORM_FILES = sorted((CORPUS / "xlsform").glob("*.xlsx")) + sorted(FORMS.glob("*.xlsx"))


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_round_trip_keeps_every_field(path: Path) -> None:
    form = load_form(path, xform=False)
    data = form_to_json(form)
    again = form_from_json(data)
    assert form_to_json(again) == data
    assert again.compiled is not None
    assert [e.path for e in again.elements()] == [e.path for e in form.elements()]
    for element in again.root.walk():
        for child in element.children:
            assert child.parent is element
    # Compiled alike: the same evaluation order and expressions.
    assert form.compiled is not None
    assert [e.path for e in again.compiled.order] == [e.path for e in form.compiled.order]
    assert again.compiled.exprs.keys() == form.compiled.exprs.keys()


def test_choices_are_kept_once_per_list(write_form) -> None:  # type: ignore[no-untyped-def]
    path = write_form("""
        | survey |
        | | type | name | label | choice_filter |
        | | select_one yn | a | A | |
        | | select_one yn | b | B | name != 'no' |
        | choices |
        | | list_name | name | label |
        | | yn | yes | Yes |
        | | yn | no | No |
    """)
    again = form_from_json(form_to_json(load_form(path, xform=False)))
    a, b = (again.compiled.by_path[(again.root.name, n)] for n in "ab")  # type: ignore[union-attr]
    assert a.choices is again.choice_lists["yn"] and b.choices is again.choice_lists["yn"]
    assert [c.labels for c in a.choices] == [{"default": "Yes"}, {"default": "No"}]
    session = FormSession(again)
    assert [c.name for c in session.options(session.node("b"))] == ["yes"]


def test_a_filled_session_behaves_the_same(write_form) -> None:  # type: ignore[no-untyped-def]
    path = write_form("""
        | survey |
        | | type | name | label | relevant | calculation |
        | | integer | n | N | | |
        | | calculate | twice | | | ${n} * 2 |
        | | text | why | Why | ${twice} > 10 | |
    """)
    form = load_form(path, xform=False)
    for candidate in (form, form_from_json(form_to_json(form))):
        session = FormSession(candidate)
        session.set_value(session.node("n"), "6")
        assert session.value("twice") == "12"
        assert session.node("why").is_relevant()
        session.set_value(session.node("n"), "2")
        assert not session.node("why").is_relevant()


@pytest.mark.parametrize("data", [
    b"", b"not json", b"[]", b'{"format": 999}', b'{"format": 1}',
    b'{"format": 1, "choice_lists": {}, "root": {"name": "x"}}',
])
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(FormJsonError):
        form_from_json(data)
