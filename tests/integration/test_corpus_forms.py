"""Every form in the shared corpus behaves as ODK tooling does: valid ones load, invalid ones
fail at a sheet and row, unreadable ones fail with one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldsafe.forms.errors import FormLoadError, UnreadableFormError
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.validation import problems
from tests.conftest import CORPUS

VALID = sorted((CORPUS / "xlsform").glob("*.xlsx"))
INVALID = sorted((CORPUS / "xlsform-invalid").glob("*.xlsx"))
UNREADABLE = sorted((CORPUS / "xlsform-unreadable").glob("*.xlsx"))
WHERE = re.compile(r": sheet '(survey|choices|settings)' row (\d+)(, column '\w+')?: \S")

# What ODK rejects in each invalid form, at which row: the sheet, row and a phrase of the cause.
EXPECTED_INVALID = {
    "fmtm__simple_building_survey_wildfires.xlsx": ("survey", 23, "Could not find the name"),
    "jxlsform__earlyendrepeat.xlsx": ("survey", 3, "Unmatched 'end_repeat'"),
    "jxlsform__unclosedgroup.xlsx": ("survey", 2, "Unmatched 'begin_group'"),
    "pyxform__bug_example_xls__duplicate_columns.xlsx": ("survey", 1, "'label' appears twice"),
    "pyxform__bug_example_xls__xl_date_ambiguous.xlsx": ("survey", 5, "unknown axis 'label::'"),
    "pyxform__example_xls__bad_calc.xlsx": ("survey", 2, "unterminated string"),
    "pyxform__example_xls__include.xlsx": ("survey", 3, "'include' is not supported"),
    "pyxformhttp__pyxform-error.xlsx": ("survey", 2, "Unknown question type 'textX'"),
    "pyxformhttp__validate-error.xlsx": ("survey", 4, "unknown function concatx()"),
    "xlsform2qgis__service_rating.xlsx": ("survey", 35, "Unknown question type 'country'"),
}


def test_the_corpus_is_all_covered() -> None:
    assert len(VALID) >= 30
    assert {p.name for p in INVALID} == set(EXPECTED_INVALID)
    assert len(UNREADABLE) == 3


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_form_loads_and_can_be_filled(path: Path) -> None:
    form = load_form(path)
    questions = list(form.questions())
    assert questions, "a valid form has questions"
    assert form.form_id and form.compiled is not None
    assert form.xform.lstrip().startswith("<?xml") or "<h:html" in form.xform
    # A fresh, empty instance evaluates without expression errors.
    session = FormSession(form)
    assert session.errors == []
    defaults = {q.name for q in questions if q.default}
    for problem in problems(session):
        # Unanswered questions are only missing answers, except where the form's own
        # default is not one of its choices (osm-fieldwork's "Fixme: I need this list").
        assert problem.kind == "required" or problem.name in defaults, problem


def test_missing_attachment_is_a_warning_naming_the_file() -> None:
    form = load_form(CORPUS / "xlsform" / "pyxform__example_xls__pull_data.xlsx")
    assert any("'fruits.csv'" in w for w in form.warnings)
    biomass = load_form(CORPUS / "xlsform" / "pyxform__bug_example_xls__UCL_Biomass_Plot_Form.xlsx")
    assert any("'species_names.csv'" in w for w in biomass.warnings)


def test_warnings_never_fail_a_form() -> None:
    form = load_form(CORPUS / "xlsform" / "pyxformhttp__pyxform-warning.xlsx")
    assert any("Repeat has no label" in w for w in form.warnings)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_form_fails_at_its_sheet_and_row(path: Path) -> None:
    with pytest.raises(FormLoadError) as info:
        load_form(path)
    assert not isinstance(info.value, UnreadableFormError)
    sheet, row, phrase = EXPECTED_INVALID[path.name]
    lines = info.value.lines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(str(path) + ": ")
    match = WHERE.search(line)
    assert match, line
    assert (match.group(1), int(match.group(2))) == (sheet, row), line
    assert phrase in line


@pytest.mark.parametrize("path", UNREADABLE, ids=lambda p: p.name)
def test_unreadable_file_fails_with_one_clear_line(path: Path) -> None:
    with pytest.raises(UnreadableFormError) as info:
        load_form(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(path) + ": ")
    assert "sheet '" not in text and "Traceback" not in text
    assert len(text) < 300


def test_unreadable_messages_say_what_the_file_is() -> None:
    messages = {}
    for path in UNREADABLE:
        with pytest.raises(UnreadableFormError) as info:
            load_form(path)
        messages[path.name] = str(info.value)
    assert "empty" in messages["centralbackend__empty.xlsx"]
    assert "no 'type' column" in messages["kobocat__transportation_export.xlsx"]
    assert "97-2003" in messages["webforms__ifrc-distribution-site-assessment-v1.xlsx"]


def test_missing_file_and_wrong_kind(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFormError, match="no such file"):
        load_form(tmp_path / "absent.xlsx")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnreadableFormError, match=r"expected a \.xlsx"):
        load_form(text)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("this is not a zip")
    with pytest.raises(UnreadableFormError, match="not a zip"):
        load_form(fake)
