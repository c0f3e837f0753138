"""The built-in women's safety walk in the form filler: every page, a full audit, pictures."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from fieldsafe.forms.answers import load_answers
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.validation import problems
from fieldsafe.ui.filler import FillerContext, FormFillerWidget
from fieldsafe.ui.filler.sections import RepeatSection
from tests.conftest import FORMS

TITLES = ["About this walk", "Participants", "Route", "Finding", "The route as a whole",
          "Summary"]


@pytest.fixture
def session() -> FormSession:
    return FormSession(load_form(FORMS / "womens_safety_walk.md"))


def show(qtbot, session: FormSession) -> FormFillerWidget:  # type: ignore[no-untyped-def]
    filler = FormFillerWidget(session, FillerContext(import_gpx=lambda: None))
    qtbot.addWidget(filler)
    filler.resize(1100, 820)
    filler.show()
    qtbot.waitExposed(filler)
    return filler


def test_every_page_renders(qtbot, session: FormSession, tmp_path: Path) -> None:
    filler = show(qtbot, session)
    assert filler.page_titles() == TITLES
    for index in range(len(TITLES)):
        filler.go_to_page(index)
        path = tmp_path / f"page{index}.png"
        assert filler.grab().save(str(path)) and path.stat().st_size > 5000
    assert session.errors == []
    likert = filler.widget_for("r_lighting")
    assert len(likert.buttons) == 5 and likert.mode == "likert"
    assert not filler.widget_for("route").gpx.isHidden()


def test_a_complete_audit_shows_its_answers_and_can_be_finalized(
        qtbot, session: FormSession, walk_answers: dict[str, object]) -> None:
    assert load_answers(session, walk_answers) == []
    filler = show(qtbot, session)
    assert filler.widget_for("area").edit.text() == "Shivajinagar ward 92, Bengaluru"
    assert filler.widget_for("audit_date").edit.text() == "2026-11-20"
    assert filler.widget_for("start_time").edit.text() == "19:30"
    assert filler.widget_for("participants").edit.text() == "8"
    assert [b.isChecked() for b in filler.widget_for("gender_bands").buttons] == \
        [True, True, False, False]
    findings = filler.findChild(RepeatSection, "repeat_finding")
    assert findings is not None and len(findings.frames) == 3
    assert filler.widget_for("f_loc", 2).edit.text() == "12.9838, 77.6083"
    assert filler.widget_for("f_photo1", 1).file_label.text() == "finding1.jpg"
    filler.go_to_page(4)
    score = filler.widget_for("score_note")
    assert score.label_text().startswith("Overall route score: 2.67 out of 5")
    assert filler.validate_for_finalize() == []
    # All is answered but two optional photos (finding 2's second, finding 3's first).
    assert filler.progress.maximum() - filler.progress.value() == 2


def test_finding_page_in_french(qtbot, session: FormSession,
                                walk_answers: dict[str, object]) -> None:
    load_answers(session, walk_answers)
    filler = show(qtbot, session)
    filler.go_to_page(3)
    filler.set_language("French (fr)")
    assert filler.page_titles()[3] == "Constat"
    assert filler.widget_for("f_cat", 1).label_text().startswith("De quel type de problème")
    findings = filler.findChild(RepeatSection, "repeat_finding")
    assert findings is not None and findings.add_button.text() == "Add Constat"


def test_finalize_on_an_empty_walk_lists_the_required_questions(
        qtbot, session: FormSession) -> None:
    filler = show(qtbot, session)
    filler.activateWindow()
    qtbot.waitUntil(filler.isActiveWindow)
    filler.go_to_page(5)
    found = filler.validate_for_finalize()
    assert [p.name for p in found] == [p.name for p in problems(session)]
    assert found[0].name == "area" and filler.current_page() == 0
    qtbot.waitUntil(lambda: QApplication.focusWidget() is filler.widget_for("area").edit)
