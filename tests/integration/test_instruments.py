"""The five built-in instruments: they load cleanly, declare roles and sensitive fields, name
their method, pass ODK Validate, and their answer fixtures fill in as valid instances."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from fieldsafe.forms.loader import load_form
from fieldsafe.forms.model import ROLES
from fieldsafe.forms.session import FormSession
from fieldsafe.services.form_library import ensure_builtin_forms, find_version, import_form
from fieldsafe.services.forms import fill_form
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import FormVersion
from tests.conftest import FORMS, ROOT

INSTRUMENTS = {
    "womens_safety_walk": {"route", "finding", "location", "category", "severity", "photo",
                           "note", "recommendation", "agency", "rating", "score", "period",
                           "participants"},
    "safetipin_rating": {"location", "rating", "score", "period", "route"},
    "cpted_site": {"location", "rating", "score", "finding", "category", "severity"},
    "walkability": {"route", "finding", "location", "rating", "period"},
    "community_safety_survey": {"rating", "score"},
}
FIXTURES = ROOT / "tests" / "data" / "instruments"


def test_the_five_instruments_are_there() -> None:
    assert {p.stem for p in FORMS.glob("*.md")} == set(INSTRUMENTS)


@pytest.mark.parametrize("stem", sorted(INSTRUMENTS))
def test_instrument_loads_without_warnings_and_declares_roles(stem: str) -> None:
    form = load_form(FORMS / f"{stem}.md")
    assert form.warnings == []
    assert form.method, "each instrument names the published method it follows"
    roles = {e.role for e in form.elements() if e.role}
    assert roles <= ROLES
    assert INSTRUMENTS[stem] <= roles
    assert set(form.languages) >= {"English (en)", "French (fr)"}
    for element in form.with_role("finding"):
        assert element.kind == "repeat"
    for element in form.with_role("route"):
        assert element.qtype == "geotrace"
    for element in form.with_role("period"):
        assert {c.name for c in element.choices} == {"day", "night"}


def test_people_are_protected_by_sensitive_fields() -> None:
    survey = load_form(FORMS / "community_safety_survey.md")
    sensitive = {e.name for e in survey.questions() if e.sensitive}
    assert {"resp_name", "resp_phone", "resp_email", "resp_address"} <= sensitive
    walk = load_form(FORMS / "womens_safety_walk.md")
    assert any(e.sensitive for e in walk.questions())


@pytest.mark.parametrize("stem", sorted(INSTRUMENTS))
def test_fixture_fills_as_a_valid_instance(stem: str) -> None:
    answers = json.loads((FIXTURES / f"{stem}.answers.json").read_text(encoding="utf-8"))
    result = fill_form(str(FORMS / f"{stem}.md"), answers)
    assert result.problems == []
    assert result.expression_errors == []
    scores = [e.name for e in load_form(FORMS / f"{stem}.md").with_role("score")
              if e.name in result.instance]
    assert scores, "the overall score is computed"
    for name in scores:
        assert float(result.instance[name]) > 0


def test_a_survey_without_an_area_is_named_without_an_empty_part() -> None:
    form = load_form(FORMS / "community_safety_survey.md")
    session = FormSession(form)
    today = session.value("today")
    assert session.value("instanceName") == f"Safety survey - {today}"  # nothing answered
    session.set_value(session.node("consent"), "no")
    assert session.value("instanceName") == f"Safety survey - no consent - {today}"
    session.set_value(session.node("consent"), "yes")
    session.set_value(session.node("area"), "Ward 3")
    assert session.value("instanceName") == f"Safety survey - Ward 3 - {today}"


def test_a_workspace_gets_the_new_version_of_a_changed_instrument(tmp_path: Path) -> None:
    """A workspace made by an earlier release, whose survey had another version: opening it
    adds this release's version beside it (its audits keep theirs), once."""
    shipped = FORMS / "community_safety_survey.md"
    older = tmp_path / "earlier" / shipped.name
    older.parent.mkdir()
    text = shipped.read_text(encoding="utf-8")
    current = load_form(shipped).version
    older.write_text(text.replace(f"| {current} |", "| 2026010101 |"), encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    try:
        import_form(ws, older, builtin=True)
        ensure_builtin_forms(ws)
        ensure_builtin_forms(ws)  # nothing more the second time
        with ws.transaction() as db:
            versions = sorted(db.scalars(select(FormVersion.version).where(
                FormVersion.form_id == "community_safety_survey")))
            assert versions == ["2026010101", current]
            assert find_version(db, "community_safety_survey").version == current
            assert db.scalar(select(func.count()).select_from(FormVersion)) == \
                len(INSTRUMENTS) + 1
    finally:
        ws.close()


def test_a_broken_answer_is_reported_with_the_forms_message() -> None:
    answers = json.loads((FIXTURES / "walkability.answers.json").read_text(encoding="utf-8"))
    answers["overall_rating"] = "9"
    result = fill_form(str(FORMS / "walkability.md"), answers)
    assert [p.name for p in result.problems] == ["overall_rating"]
    assert result.problems[0].kind == "type"


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate runs on Java")
@pytest.mark.parametrize("stem", sorted(INSTRUMENTS))
def test_odk_validate_accepts_the_instrument(stem: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = convert(xlsform=str(FORMS / f"{stem}.md"), validate=True)
    assert "<h:html" in result.xform
    assert not [w for w in result.warnings if "ODK Validate" in w and "error" in w.lower()]


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate runs on Java")
def test_odk_validate_harness_does_reject_a_bad_form() -> None:
    from pyxform.validators.odk_validate import ODKValidateError

    from tests.conftest import CORPUS

    with pytest.raises(ODKValidateError, match="concatx"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert(xlsform=str(CORPUS / "xlsform-invalid" / "pyxformhttp__validate-error.xlsx"),
                validate=True)
