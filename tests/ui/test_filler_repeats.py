"""Repeats in the form filler: add, type, move, remove (with confirmation) and repeat_count."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from fieldsafe.ui.filler import FormFillerWidget
from fieldsafe.ui.filler.sections import RepeatSection
from tests.ui.conftest import shown_filler

FORM = """
| survey |
| | type | name | label | repeat_count | calculation |
| | begin_repeat | stop | Stop | | |
| | text | stop_name | Stop name | | |
| | integer | stop_rating | Rating | | |
| | end_repeat | | | | |
| | begin_group | visits | Visits | | |
| | integer | n | How many visits? | | |
| | begin_repeat | visit | Visit | ${n} | |
| | text | visit_note | What did you see? | | |
| | end_repeat | | | | |
| | end_group | | | | |
| | calculate | n_stops | Stops recorded | | count(${stop}) |
"""

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def filler(qtbot, write_form) -> FormFillerWidget:  # type: ignore[no-untyped-def]
    return shown_filler(qtbot, write_form, FORM)


def section(filler: FormFillerWidget, name: str) -> RepeatSection:
    found = filler.findChild(RepeatSection, f"repeat_{name}")
    assert found is not None
    return found


def button(section: RepeatSection, number: int, name: str) -> QPushButton:
    found = section.frames[number - 1].findChild(QPushButton, name)
    assert found is not None
    return found


def test_add_type_move_and_remove(qtbot, filler: FormFillerWidget, monkeypatch) -> None:
    session = filler.session
    stops = section(filler, "stop")
    assert filler.page_titles()[0] == "Stop" and stops.empty.isVisibleTo(filler)
    assert stops.add_button.text() == "Add Stop"
    qtbot.mouseClick(stops.add_button, LEFT)
    qtbot.mouseClick(stops.add_button, LEFT)
    assert len(stops.frames) == 2 and not stops.empty.isVisibleTo(filler)
    second = filler.widget_for("stop_name", 2)
    qtbot.waitUntil(second.edit.hasFocus)  # a new instance gets the focus
    qtbot.keyClicks(second.edit, "Bus stand")
    assert session.value("stop_name", 2) == "Bus stand"
    assert [f.findChild(type(stops.title), "instance_title").text() for f in stops.frames] \
        == ["Stop 1", "Stop 2"]
    assert not button(stops, 1, "move_up").isEnabled()
    assert not button(stops, 2, "move_down").isEnabled()
    qtbot.mouseClick(button(stops, 2, "move_up"), LEFT)
    assert session.value("stop_name", 1) == "Bus stand" and session.value("stop_name", 2) == ""
    assert filler.widget_for("stop_name", 1).edit.text() == "Bus stand"
    asked: list[str] = []
    monkeypatch.setattr(filler, "confirm_remove", lambda text: asked.append(text) or False)
    qtbot.mouseClick(button(stops, 1, "remove"), LEFT)
    assert asked == ["Remove Stop 1 and all its answers?"] and len(stops.frames) == 2
    monkeypatch.setattr(filler, "confirm_remove", lambda text: True)
    with qtbot.waitSignal(filler.changed):
        qtbot.mouseClick(button(stops, 2, "remove"), LEFT)
    assert len(stops.frames) == 1 and session.value("stop_name", 1) == "Bus stand"
    assert len(session.nodes_of(session.compiled.by_path[("data", "stop")])) == 1


def test_remove_asks_with_a_message_box(qtbot, filler: FormFillerWidget, monkeypatch) -> None:
    stops = section(filler, "stop")
    qtbot.mouseClick(stops.add_button, LEFT)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(button(stops, 1, "remove"), LEFT)
    assert stops.frames == []


def test_calculation_counts_instances_live(qtbot, filler: FormFillerWidget) -> None:
    stops = section(filler, "stop")
    filler.go_to_page(2)
    count = filler.widget_for("n_stops")
    assert count.edit.text() == "0"
    filler.go_to_page(0)
    qtbot.mouseClick(stops.add_button, LEFT)
    qtbot.mouseClick(stops.add_button, LEFT)
    filler.go_to_page(2)
    assert count.edit.text() == "2"


def test_repeat_count_drives_the_instances(qtbot, filler: FormFillerWidget) -> None:
    filler.go_to_page(1)
    visits = section(filler, "visit")
    assert not visits.add_button.isVisibleTo(filler) and visits.frames == []
    n = filler.widget_for("n")
    n.focus_input()
    qtbot.waitUntil(n.edit.hasFocus)
    qtbot.keyClicks(n.edit, "3")
    assert len(visits.frames) == 3
    assert not button(visits, 1, "remove").isVisibleTo(filler)
    note = filler.widget_for("visit_note", 3)
    note.focus_input()
    qtbot.keyClicks(note.edit, "Lamp out")
    assert filler.session.value("visit_note", 3) == "Lamp out"
    n.edit.selectAll()
    n.focus_input()
    qtbot.keyClicks(n.edit, "1")
    assert len(visits.frames) == 1


def test_tab_goes_through_new_instances_in_order(qtbot, filler: FormFillerWidget) -> None:
    stops = section(filler, "stop")
    qtbot.mouseClick(stops.add_button, LEFT)
    qtbot.mouseClick(stops.add_button, LEFT)
    rating = filler.widget_for("stop_rating", 1)
    rating.focus_input()
    qtbot.waitUntil(rating.edit.hasFocus)
    qtbot.keyClick(rating.edit, Qt.Key.Key_Tab)
    # Next come the second instance's buttons (Move up is the first enabled), then its
    # questions: Tab order is form order even for instances added later.
    assert QApplication.focusWidget() is button(stops, 2, "move_up")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is filler.widget_for("stop_name", 2).edit
