"""Question widgets of the form filler, driven like a user would: one test per kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QLocale, QModelIndex, Qt
from PySide6.QtWidgets import QWidget

from fieldsafe.forms.answers import load_answers
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.ui.filler import FillerContext, FormFillerWidget
from fieldsafe.ui.filler.choice_widgets import ClickableLabel

ALL_TYPES = """
| survey |
| | type | name | label | hint | appearance | parameters | calculation |
| | start | start | | | | | |
| | text | name | Your name | First name only | | | |
| | text | story | What happened | | multiline | | |
| | barcode | code | Code on the pole | | | | |
| | integer | count | How many lamps | | | | |
| | decimal | width | Pavement width (m) | | | | |
| | select_one yn | lit | Is it lit? | | | | |
| | select_one colour | colour | Colour | | minimal | | |
| | select_one rate | rating | Rating | | likert | | |
| | select_multiple colour | colours | Colours | | | | |
| | rank colour | order | Rank the colours | | | | |
| | range | level | Level | | | start=0 end=10 step=2 | |
| | date | day | Day | | | | |
| | time | at | At | | | | |
| | datetime | when | When | | | | |
| | note | info | You counted ${count} lamps | | | | |
| | acknowledge | ack | I have read the guide | | | | |
| | trigger | ready | Press when ready | | | | |
| | calculate | double | Twice the lamps | | | | ${count} * 2 |
| | calculate | secret | | | | | ${count} + 1 |
| | hidden | h | | | | | |
| | geopoint | spot | Where | | | | |
| | geotrace | route | Route | | | | |
| | geoshape | area | Area | | | | |
| | image | photo | Photo | | | | |
| | audio | sound | Sound | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | colour | red | Red |
| | colour | green | Green |
| | colour | blue | Blue |
| | rate | 1 | Bad |
| | rate | 2 | So-so |
| | rate | 3 | Good |
"""

Make = Callable[..., tuple[FormFillerWidget, FormSession]]
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def make(qtbot, write_form) -> Make:  # type: ignore[no-untyped-def]
    def build(text: str = ALL_TYPES, context: FillerContext | None = None,
              ) -> tuple[FormFillerWidget, FormSession]:
        session = FormSession(load_form(write_form(text)))
        filler = FormFillerWidget(session, context or FillerContext())
        qtbot.addWidget(filler)
        filler.resize(1000, 800)
        filler.show()
        qtbot.waitExposed(filler)
        filler.activateWindow()
        qtbot.waitUntil(filler.isActiveWindow)
        return filler, session
    return build


def type_into(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClicks(widget, text)


def test_text_multiline_and_barcode(qtbot, make: Make) -> None:
    filler, session = make()
    name = filler.widget_for("name")
    with qtbot.waitSignal(name.answered):
        type_into(qtbot, name.edit, "Asha")
    assert session.value("name") == "Asha"
    assert name.hint.text() == "First name only" and name.label_text() == "Your name"
    assert name.edit.accessibleName() == "Your name"
    story = filler.widget_for("story")
    assert type(story.edit).__name__ == "QPlainTextEdit"
    type_into(qtbot, story.edit, "Dark lane")
    assert session.value("story") == "Dark lane"
    type_into(qtbot, filler.widget_for("code").edit, "PL-123")
    assert session.value("code") == "PL-123"


def test_numbers_are_validated_and_stored_the_odk_way(qtbot, make: Make) -> None:
    filler, session = make()
    count = filler.widget_for("count").edit
    type_into(qtbot, count, "1x2")  # the letter is refused by the validator
    assert count.text() == "12" and session.value("count") == "12"
    width = filler.widget_for("width").edit
    type_into(qtbot, width, "2.75")
    assert session.value("width") == "2.75"
    qtbot.keyClick(width, Qt.Key.Key_Backspace)
    qtbot.keyClick(width, Qt.Key.Key_Backspace)
    qtbot.keyClick(width, Qt.Key.Key_Backspace)
    assert session.value("width") == "2"


def test_decimals_follow_the_users_locale(qtbot, make: Make) -> None:
    german = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    filler, session = make(context=FillerContext(locale=german))
    width = filler.widget_for("width")
    type_into(qtbot, width.edit, "1234,5")
    assert session.value("width") == "1234.5"
    load_answers(session, {"width": 3.25})
    width.refresh()
    assert width.edit.text() == "3,25"


def test_select_one_radio_buttons_and_clear(qtbot, make: Make) -> None:
    filler, session = make()
    lit = filler.widget_for("lit")
    assert [b.text() for b in lit.buttons] == ["Yes", "No"]
    assert lit.buttons[1].accessibleName() == "No"
    with qtbot.waitSignal(lit.answered):
        qtbot.mouseClick(lit.buttons[1], LEFT)
    assert session.value("lit") == "no"
    assert lit.clear.isVisibleTo(filler)
    qtbot.mouseClick(lit.clear, LEFT)
    assert session.value("lit") == "" and not any(b.isChecked() for b in lit.buttons)


def test_select_one_minimal_is_a_drop_down(qtbot, make: Make) -> None:
    filler, session = make()
    combo = filler.widget_for("colour").combo
    assert combo is not None
    assert [combo.itemText(i) for i in range(1, combo.count())] == ["Red", "Green", "Blue"]
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert session.value("colour") == "green"
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.model().index(3, 0))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    assert session.value("colour") == "blue"


def test_likert_is_a_row_of_ratings(qtbot, make: Make) -> None:
    filler, session = make()
    rating = filler.widget_for("rating")
    first, last = rating.buttons[0], rating.buttons[-1]
    assert first.geometry().top() == last.geometry().top() or \
        first.parentWidget().y() == last.parentWidget().y()
    assert first.parentWidget().x() < last.parentWidget().x()
    caption = last.parentWidget().findChild(ClickableLabel)
    qtbot.mouseClick(caption, LEFT)
    assert session.value("rating") == "3"
    qtbot.mouseClick(first, LEFT)
    assert session.value("rating") == "1"


def test_select_multiple_check_boxes(qtbot, make: Make) -> None:
    filler, session = make()
    colours = filler.widget_for("colours")
    red, _green, blue = colours.buttons
    qtbot.mouseClick(blue, LEFT)
    qtbot.mouseClick(red, LEFT)
    assert session.value("colours") == "red blue"  # in the order of the choices
    qtbot.mouseClick(blue, LEFT)
    assert session.value("colours") == "red"


def test_rank_by_buttons_keyboard_and_drag(qtbot, make: Make) -> None:
    filler, session = make()
    rank = filler.widget_for("order")
    assert rank.order() == ["red", "green", "blue"] and session.value("order") == ""
    assert "Not ranked yet" in rank.status.text()
    qtbot.mouseClick(rank.accept, LEFT)
    assert session.value("order") == "red green blue"
    rank.list.setCurrentRow(2)
    qtbot.mouseClick(rank.up, LEFT)
    assert session.value("order") == "red blue green"
    rank.list.setFocus()
    qtbot.waitUntil(rank.list.hasFocus)
    qtbot.keyClick(rank.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert session.value("order") == "blue red green"
    # A drop inside the list moves the row in its model, as this does:
    assert rank.list.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    assert session.value("order") == "green blue red"
    assert rank.order() == ["green", "blue", "red"]


def test_range_slider(qtbot, make: Make) -> None:
    filler, session = make()
    level = filler.widget_for("level")
    assert level.slider.maximum() == 5  # 0 to 10 in steps of 2
    level.slider.setFocus()
    qtbot.waitUntil(level.slider.hasFocus)
    qtbot.keyClick(level.slider, Qt.Key.Key_Right)
    assert session.value("level") == "2" and level.value_label.text() == "Value: 2"
    qtbot.keyClick(level.slider, Qt.Key.Key_End)
    assert session.value("level") == "10"
    qtbot.mouseClick(level.clear, LEFT)
    assert session.value("level") == "" and level.value_label.text() == "Not answered"


def test_date_time_and_datetime_typed_cleared_and_now(qtbot, make: Make) -> None:
    filler, session = make()
    day = filler.widget_for("day")
    assert day.edit.text() == "Not answered" and day.edit.calendarPopup()
    day.focus_input()
    qtbot.waitUntil(day.edit.hasFocus)
    qtbot.keyClicks(day.edit, "20261120")
    assert session.value("day") == "2026-11-20"
    qtbot.mouseClick(day.clear, LEFT)
    assert session.value("day") == "" and day.edit.text() == "Not answered"
    qtbot.mouseClick(day.now, LEFT)
    assert session.value("day") == QDate.currentDate().toString("yyyy-MM-dd")
    at = filler.widget_for("at")
    at.focus_input()
    qtbot.waitUntil(at.edit.hasFocus)
    qtbot.keyClicks(at.edit, "1930")
    assert session.value("at").startswith("19:30:00.000")
    when = filler.widget_for("when")
    when.focus_input()
    qtbot.waitUntil(when.edit.hasFocus)
    qtbot.keyClicks(when.edit, "202611200745")
    assert session.value("when").startswith("2026-11-20T07:45:00.000")
    # Passing through a blank date without typing leaves it blank.
    qtbot.mouseClick(day.clear, LEFT)
    day.focus_input()
    qtbot.waitUntil(day.edit.hasFocus)
    filler.widget_for("name").focus_input()
    qtbot.waitUntil(lambda: not day.edit.hasFocus())
    assert session.value("day") == "" and day.edit.text() == "Not answered"


def test_calendar_click_answers(qtbot, make: Make) -> None:
    filler, session = make()
    day = filler.widget_for("day")
    calendar = day.edit.calendarWidget()
    calendar.clicked.emit(QDate(2026, 3, 8))  # what a click on a day in the popup sends
    assert session.value("day") == "2026-03-08"


def test_note_acknowledge_trigger_and_calculations(qtbot, make: Make) -> None:
    filler, session = make()
    type_into(qtbot, filler.widget_for("count").edit, "12")
    info = filler.widget_for("info")
    assert info.label_text() == "You counted 12 lamps" and not info.takes_focus()
    ack = filler.widget_for("ack")
    qtbot.mouseClick(ack.box, LEFT)
    assert session.value("ack") == "OK"
    qtbot.mouseClick(ack.box, LEFT)
    assert session.value("ack") == ""
    ready = filler.widget_for("ready")
    assert not ready.done.isVisibleTo(filler)
    qtbot.mouseClick(ready.button, LEFT)
    assert session.value("ready") == "OK" and ready.done.isVisibleTo(filler)
    double = filler.widget_for("double")
    assert double.edit.isReadOnly() and double.edit.text() == "24"
    for never_shown in ("secret", "h", "start"):
        with pytest.raises(KeyError):
            filler.widget_for(never_shown)


def test_geopoint_decimal_dms_and_invalid(qtbot, make: Make) -> None:
    filler, session = make()
    spot = filler.widget_for("spot")
    type_into(qtbot, spot.edit, "12.9716, 77.5946")
    qtbot.keyClick(spot.edit, Qt.Key.Key_Return)
    assert session.value("spot") == "12.9716 77.5946 0 0"
    assert spot.detail.text().startswith("12°58'17.8\"N 77°35'40.6\"E")
    spot.edit.clear()
    type_into(qtbot, spot.edit, "12°58'17.8\"S 77°35'40.6\"W")
    qtbot.keyClick(spot.edit, Qt.Key.Key_Return)
    lat, lon, *_rest = (float(v) for v in session.value("spot").split())
    assert lat == pytest.approx(-12.971611, abs=1e-6) and lon == pytest.approx(-77.594611,
                                                                              abs=1e-6)
    spot.edit.clear()
    type_into(qtbot, spot.edit, "north of the bridge")
    assert spot.problem_text() == ""  # not while typing
    qtbot.keyClick(spot.edit, Qt.Key.Key_Return)
    assert "is not a location" in spot.problem_text()
    assert session.value("spot") == "north of the bridge"  # kept (saved), never lost
    spot.edit.clear()
    type_into(qtbot, spot.edit, "95, 10")
    qtbot.keyClick(spot.edit, Qt.Key.Key_Return)
    assert "Latitude 95 is outside -90 to 90" in spot.problem_text()
    spot.edit.selectAll()
    qtbot.keyClicks(spot.edit, "45, 10")
    assert spot.problem_text() == "" and session.value("spot") == "45 10 0 0"


def test_geotrace_geoshape_and_gpx_import(qtbot, make: Make) -> None:
    traces = iter(["1 2 0 0;3 4 0 0", None])
    filler, session = make(context=FillerContext(import_gpx=lambda: next(traces)))
    route = filler.widget_for("route")
    route.edit.setFocus()
    qtbot.waitUntil(route.edit.hasFocus)
    qtbot.keyClicks(route.edit, "12.98 77.60")
    qtbot.keyClick(route.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(route.edit, "12.99 77.61")
    assert session.value("route") == "12.98 77.6 0 0;12.99 77.61 0 0"
    assert route.problem_text() == ""
    qtbot.mouseClick(route.gpx, LEFT)
    assert session.value("route") == "1 2 0 0;3 4 0 0"
    assert route.edit.toPlainText() == "1 2\n3 4" and route.summary.text() == "2 point(s)"
    qtbot.mouseClick(route.gpx, LEFT)  # cancelled: nothing changes
    assert session.value("route") == "1 2 0 0;3 4 0 0"
    area = filler.widget_for("area")
    assert not area.gpx.isVisibleTo(filler)
    area.edit.setPlainText("0 0\n0 1\n1 1")
    assert session.value("area") == "0 0 0 0;0 1 0 0;1 1 0 0;0 0 0 0"  # closed
    area.edit.setPlainText("0 0\nsomewhere")
    area.focus_input()
    filler.widget_for("name").focus_input()
    qtbot.waitUntil(lambda: area.problem_text() != "")
    assert area.problem_text().startswith("Point 2:")
    assert session.value("area") == "0 0\nsomewhere"  # a typo loses nothing typed
    from fieldsafe.forms.validation import problems

    assert "area" in {p.name for p in problems(session)}  # and cannot be finalized


def test_attach_file_without_a_photo_widget(qtbot, make: Make, tmp_path: Path) -> None:
    from fieldsafe.errors import UserError

    chosen = tmp_path / "lamp.jpg"
    chosen.write_bytes(b"x")
    stored: list[tuple[str, Path]] = []

    def attach(node, path: Path) -> str:  # type: ignore[no-untyped-def]
        if path.name == "bad.jpg":
            raise UserError("bad.jpg is not a photo")
        stored.append((node.name, path))
        return "stored-lamp.jpg"

    picks = iter([chosen, tmp_path / "bad.jpg", None])
    filler, session = make(context=FillerContext(choose_file=lambda element: next(picks),
                                                 attach_file=attach))
    photo = filler.widget_for("photo")
    assert photo.file_label.text() == "No file attached"
    qtbot.mouseClick(photo.attach, LEFT)
    assert stored == [("photo", chosen)]
    assert session.value("photo") == "stored-lamp.jpg"
    assert photo.file_label.text() == "stored-lamp.jpg"
    qtbot.mouseClick(photo.attach, LEFT)
    assert photo.problem_text() == "bad.jpg is not a photo"
    assert session.value("photo") == "stored-lamp.jpg"
    qtbot.mouseClick(photo.attach, LEFT)  # cancelled
    qtbot.mouseClick(photo.remove, LEFT)
    assert session.value("photo") == ""


def test_photo_widget_factory_is_used_for_images(qtbot, make: Make) -> None:
    from PySide6.QtCore import Signal

    class FakePhoto(QWidget):
        changed = Signal()

        def __init__(self, session, node, parent) -> None:  # type: ignore[no-untyped-def]
            super().__init__(parent)
            self.session, self.node, self.refreshed = session, node, 0

        def refresh(self) -> None:
            self.refreshed += 1

    made: list[FakePhoto] = []

    def factory(session, node, parent):  # type: ignore[no-untyped-def]
        made.append(FakePhoto(session, node, parent))
        return made[-1]

    filler, session = make(context=FillerContext(photo_widget_factory=factory))
    assert [w.node.name for w in made] == ["photo"]  # not for the audio question
    photo = filler.widget_for("photo")
    before = made[0].refreshed
    with qtbot.waitSignal(filler.changed):
        session.set_value(made[0].node, "p1.jpg")
        made[0].changed.emit()
    assert made[0].refreshed > before
    assert filler.widget_for("sound").attach.text() == "Attach file…"
    assert photo.custom is made[0]


def test_every_control_has_an_accessible_name(make: Make) -> None:
    filler, _session = make()
    page = filler.pages[0]
    controls = [w for w in page.content.findChildren(QWidget)
                if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.window() is filler
                and w.focusProxy() is None and w.parentWidget().__class__.__name__ not in (
                    "QComboBox", "QDateEdit", "QTimeEdit", "QDateTimeEdit")]
    assert len(controls) > 40
    assert [type(w).__name__ for w in controls if not w.accessibleName()] == []
