"""The form filler as a whole: pages, relevance, calculations, checks, filters, languages, keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.ui.filler import FillerContext, FormFillerWidget
from fieldsafe.ui.filler.sections import GroupSection
from tests.ui.conftest import shown_filler

FORM = """
| survey |
| | type | name | label::English (en) | label::French (fr) | relevant | calculation | constraint | constraint_message::English (en) | constraint_message::French (fr) | required | appearance | choice_filter |
| | integer | age | Age | Âge | | | . >= 0 and . < 120 | Age must be 0 to 119 | L'âge doit être entre 0 et 119 | yes | | |
| | select_one yn | adult_ok | Are you happy to answer night questions? | Acceptez-vous les questions de nuit ? | ${age} >= 18 | | | | | | | |
| | calculate | double | Double the age | Double de l'âge | | ${age} * 2 | | | | | | |
| | begin_group | place | Place | Lieu | | | | | | | field-list | |
| | select_one city | city | City | Ville | | | | | | | | |
| | select_one area | area | Area | Quartier | | | | | | | | city = ${city} |
| | begin_group | details | Details | Détails | | | | | | | | |
| | text | street | Street | Rue | | | | | | yes | | |
| | end_group | | | | | | | | | | | |
| | end_group | | | | | | | | | | | |
| | begin_group | night | Night questions | Questions de nuit | ${age} >= 18 | | | | | | field-list | |
| | text | lights | Lights | Lumières | | | | | | | | |
| | end_group | | | | | | | | | | | |
| | text | last | Anything else | Autre chose | | | | | | | | |
| choices |
| | list_name | name | label::English (en) | label::French (fr) | city |
| | yn | yes | Yes | Oui | |
| | yn | no | No | Non | |
| | city | del | Delhi | Delhi | |
| | city | blr | Bengaluru | Bangalore | |
| | area | saket | Saket | Saket | del |
| | area | rohini | Rohini | Rohini | del |
| | area | jayanagar | Jayanagar | Jayanagar | blr |
| settings |
| | form_id | default_language |
| | logic | English (en) |
"""

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def filler(qtbot, write_form) -> FormFillerWidget:  # type: ignore[no-untyped-def]
    return shown_filler(qtbot, write_form, FORM)


def type_age(qtbot, filler: FormFillerWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    edit = filler.widget_for("age").edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def shown(filler: FormFillerWidget, name: str) -> bool:
    return filler.widget_for(name).isVisibleTo(filler.stack.currentWidget())


def outline_visible(filler: FormFillerWidget) -> list[str]:
    items = (filler.outline.item(i) for i in range(filler.outline.count()))
    return [item.text() for item in items if item is not None and not item.isHidden()]


def test_pages_outline_and_navigation(qtbot, filler: FormFillerWidget) -> None:
    assert filler.page_titles() == ["Age", "Place", "Night questions", "Anything else"]
    assert outline_visible(filler) == ["Age", "Place", "Anything else"]  # night: not relevant
    assert filler.current_page() == 0 and not filler.previous_button.isEnabled()
    with qtbot.waitSignal(filler.page_changed) as blocker:
        qtbot.mouseClick(filler.next_button, LEFT)
    assert blocker.args == [1]
    qtbot.mouseClick(filler.next_button, LEFT)
    assert filler.current_page() == 3  # skips the night page
    assert not filler.next_button.isEnabled()
    qtbot.mouseClick(filler.previous_button, LEFT)
    assert filler.current_page() == 1
    rect = filler.outline.visualItemRect(filler.outline.item(0))
    qtbot.mouseClick(filler.outline.viewport(), LEFT, pos=rect.center())
    assert filler.current_page() == 0
    sections = filler.pages[1].content.findChildren(GroupSection)
    assert [s.title.text() for s in sections] == ["Details"]  # a nested group: a section
    assert sections[0].isAncestorOf(filler.widget_for("street"))


def test_relevance_shows_and_hides_questions_and_pages(qtbot, filler: FormFillerWidget) -> None:
    assert not shown(filler, "adult_ok")
    type_age(qtbot, filler, "30")
    assert shown(filler, "adult_ok")
    assert "Night questions" in outline_visible(filler)
    type_age(qtbot, filler, "12")
    assert not shown(filler, "adult_ok")
    assert "Night questions" not in outline_visible(filler)


def test_calculation_with_a_label_updates_live(qtbot, filler: FormFillerWidget) -> None:
    double = filler.widget_for("double")
    assert double.edit.text() == ""
    type_age(qtbot, filler, "21")
    assert double.edit.text() == "42"
    assert double.label_text() == "Double the age"


def test_constraint_message_appears_and_goes(qtbot, filler: FormFillerWidget) -> None:
    age = filler.widget_for("age")
    assert age.problem_text() == ""  # untouched: nothing shown yet
    type_age(qtbot, filler, "130")
    assert age.problem_text() == "Age must be 0 to 119"
    assert age.problem_label.isVisibleTo(filler)
    qtbot.keyClick(age.edit, Qt.Key.Key_Backspace)
    assert age.problem_text() == ""
    assert not age.problem_label.isVisibleTo(filler)


def test_required_marks_and_finalize_jumps_to_the_first_problem(
        qtbot, filler: FormFillerWidget) -> None:
    assert filler.widget_for("age").is_required() and not filler.widget_for("last").is_required()
    type_age(qtbot, filler, "30")
    filler.go_to_page(3)
    found = filler.validate_for_finalize()
    assert [p.name for p in found] == ["street"]
    assert filler.current_page() == 1
    street = filler.widget_for("street")
    qtbot.waitUntil(street.edit.hasFocus)
    assert street.problem_text() == "This question is required."
    assert outline_visible(filler)[1] == "⚠ Place"
    street.edit.setFocus()
    qtbot.keyClicks(street.edit, "MG Road")
    assert street.problem_text() == "" and filler.validate_for_finalize() == []
    assert outline_visible(filler)[1] == "Place"


def test_finalize_with_nothing_answered_goes_to_the_first_page(
        qtbot, filler: FormFillerWidget) -> None:
    filler.go_to_page(3)
    found = filler.validate_for_finalize()
    assert [p.name for p in found] == ["age", "street"]
    assert filler.current_page() == 0
    qtbot.waitUntil(filler.widget_for("age").edit.hasFocus)
    assert filler.widget_for("age").problem_text() == "This question is required."


def test_choice_filter_changes_the_options(qtbot, filler: FormFillerWidget) -> None:
    filler.go_to_page(1)
    city, area = filler.widget_for("city"), filler.widget_for("area")
    assert area.buttons == []
    qtbot.mouseClick(city.buttons[0], LEFT)
    assert [b.text() for b in area.buttons] == ["Saket", "Rohini"]
    qtbot.mouseClick(area.buttons[1], LEFT)
    assert filler.session.value("area") == "rohini"
    qtbot.mouseClick(city.buttons[1], LEFT)
    assert [b.text() for b in area.buttons] == ["Jayanagar"]
    assert "not one of the choices" in area.problem_text()
    # Tab still follows the form through the new options (it stops at the checked one).
    qtbot.waitUntil(area.buttons[0].isVisible)  # new children are shown by the event loop
    qtbot.mouseClick(area.buttons[0], LEFT)
    city.clear.setFocus()
    qtbot.waitUntil(city.clear.hasFocus)
    qtbot.keyClick(city.clear, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is area.buttons[0]


def test_language_switch(qtbot, filler: FormFillerWidget) -> None:
    box = filler.language_box
    assert box is not None and box.currentText() == "English (en)"
    type_age(qtbot, filler, "130")
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert filler.session.language == "French (fr)"
    assert filler.widget_for("age").label_text() == "Âge"
    assert filler.widget_for("age").problem_text() == "L'âge doit être entre 0 et 119"
    assert filler.page_titles()[:2] == ["Âge", "Lieu"]
    assert filler.widget_for("city").buttons[1].text() == "Bangalore"
    filler.set_language("English (en)")
    assert box.currentText() == "English (en)"
    assert filler.widget_for("city").buttons[1].text() == "Bengaluru"


def test_enter_moves_to_the_next_question_then_the_next_page(
        qtbot, filler: FormFillerWidget) -> None:
    type_age(qtbot, filler, "30")
    qtbot.keyClick(filler.widget_for("age").edit, Qt.Key.Key_Return)
    adult = filler.widget_for("adult_ok")
    qtbot.waitUntil(lambda: adult.isAncestorOf(QApplication.focusWidget()))
    filler.go_to_page(1)
    street = filler.widget_for("street")
    street.focus_input()
    qtbot.waitUntil(street.edit.hasFocus)
    with qtbot.waitSignal(filler.page_changed):
        qtbot.keyClick(street.edit, Qt.Key.Key_Return)
    assert filler.current_page() == 2  # the night page is relevant now
    qtbot.waitUntil(filler.widget_for("lights").edit.hasFocus)


def test_progress_and_changed_signal(qtbot, filler: FormFillerWidget) -> None:
    assert (filler.progress.value(), filler.progress.maximum()) == (0, 5)
    with qtbot.waitSignal(filler.changed):
        type_age(qtbot, filler, "30")
    # age answered; adult_ok and lights became relevant
    assert (filler.progress.value(), filler.progress.maximum()) == (1, 7)
    assert filler.progress.text() == "1 of 7 questions answered"


def test_accessible_names_are_the_question_labels(filler: FormFillerWidget) -> None:
    assert filler.widget_for("age").edit.accessibleName() == "Age"
    assert filler.widget_for("street").edit.accessibleName() == "Street"
    city = filler.widget_for("city")
    assert city.choices_area.accessibleName() == "City"
    assert city.buttons[0].accessibleDescription() == "City"
    filler.set_language("French (fr)")
    assert filler.widget_for("street").edit.accessibleName() == "Rue"


def test_a_form_in_one_language_has_no_language_switch(qtbot, write_form) -> None:
    form = """
    | survey |
    | | type | name | label |
    | | text | a | A |
    """
    widget = FormFillerWidget(FormSession(load_form(write_form(form))), FillerContext())
    qtbot.addWidget(widget)
    assert widget.language_box is None
    assert widget.page_titles() == ["A"]


def test_a_page_grabs_to_an_image(qtbot, filler: FormFillerWidget, tmp_path) -> None:
    path = tmp_path / "page.png"
    assert filler.grab().save(str(path))
    assert path.stat().st_size > 1000


def test_labels_and_hints_show_odk_markdown_and_nothing_else(qtbot, write_form) -> None:  # type: ignore[no-untyped-def]
    filler = shown_filler(qtbot, write_form, """
| survey |
|        | type | name | label | hint |
|        | text | lamp | Is the **street light** working? | See [the guide](https://docs.getodk.org/) |
|        | text | odd | <b>not bold</b> & *kept* | |
""")
    lamp = filler.widget_for("lamp")
    assert "<b>street light</b>" in lamp.label.text()
    assert '<a href="https://docs.getodk.org/">the guide</a>' in lamp.hint.text()
    assert lamp.label_text() == "Is the **street light** working?"
    assert lamp.accessibleName() == "Is the street light working?"  # read out without marks
    assert filler.page_titles()[0] == "Is the street light working?"
    odd = filler.widget_for("odd")
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; <i>kept</i>" in odd.label.text()
