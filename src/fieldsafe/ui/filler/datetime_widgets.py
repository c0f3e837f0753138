"""Date, time and date-time questions: editors with a calendar, and blank allowed (Clear)."""

from __future__ import annotations

import re

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit, QHBoxLayout, QTimeEdit, QWidget

from fieldsafe.ui.filler.base import QuestionWidget

_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
#: The editors' minimum value stands for "not answered"; no real answer uses it.
BLANK_DATE = QDate(1900, 1, 1)
BLANK_TIME = QTime(0, 0, 0, 0)
BLANK = QDateTime(BLANK_DATE, BLANK_TIME)


def local_offset() -> str:
    """This computer's UTC offset now, as ODK writes it ("+05:30")."""
    seconds = QDateTime.currentDateTime().offsetFromUtc()
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def parse_time(text: str) -> tuple[QTime, str] | None:
    """An ODK time ("19:30", "19:30:00.000+05:30") as a QTime and its offset ("" if none)."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    time = QTime(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    return (time, match.group(4) or "") if time.isValid() else None


def parse_date(text: str) -> QDate | None:
    date = QDate.fromString(text.strip()[:10], "yyyy-MM-dd")
    return date if date.isValid() else None


class DateTimeQuestion(QuestionWidget):
    """A date and a time of day (the base of the date and the time questions).

    A blank answer shows "Not answered". Entering a blank editor puts today (or now) in it
    to type over or step from; leaving it without typing leaves the answer blank.
    """

    kind = "datetime"
    display = "yyyy-MM-dd HH:mm"

    def _build(self) -> None:
        self._offset = ""
        self._placeholder = False  # the editor shows "now" for a blank answer
        self._typed = False
        self.edit = self._make_editor()
        self.edit.setDisplayFormat(self.display)
        if self.kind == "time":
            self.edit.setMinimumTime(BLANK_TIME)
        else:
            self.edit.setMinimumDateTime(BLANK)
        self.edit.setSpecialValueText(self.tr("Not answered"))
        self.edit.setMinimumWidth(180)
        if self.kind != "time":
            self.edit.setCalendarPopup(True)
            self.edit.calendarWidget().clicked.connect(self._picked)
        self._name(self.edit)
        self._watch_enter(self.edit)
        self.edit.dateTimeChanged.connect(self._changed)
        self.now = self._small_button(self.tr("Today") if self.kind == "date" else self.tr("Now"))
        self.now.clicked.connect(self.set_now)
        self.clear = self._small_button(self.tr("Clear"), link=True)
        self.clear.clicked.connect(lambda: self._write(""))
        row = QHBoxLayout()
        for widget in (self.edit, self.now, self.clear):
            row.addWidget(widget)
        row.addStretch(1)
        self.input_layout.addLayout(row)

    def _make_editor(self) -> QDateTimeEdit:
        return QDateTimeEdit(self.input_area)

    def _now(self) -> QDateTime:
        now = QDateTime.currentDateTime()
        return QDateTime(now.date(), QTime(now.time().hour(), now.time().minute()))

    def _get(self) -> QDateTime:
        """What the editor shows (a time is put on the blank day)."""
        if self.kind == "time":
            return QDateTime(BLANK_DATE, self.edit.time())
        return self.edit.dateTime()

    def _set(self, value: QDateTime) -> None:
        if self.kind == "time":
            self.edit.setTime(value.time())
        else:
            self.edit.setDateTime(value)

    def is_blank(self) -> bool:
        return self._get() == BLANK

    def current(self) -> str:
        """The ODK text of what the editor shows ("" when blank)."""
        if self.is_blank():
            return ""
        text = self._get().toString("yyyy-MM-ddTHH:mm:ss")
        return text if self.kind == "date" else text + ".000" + (self._offset or local_offset())

    def _wanted(self) -> QDateTime | None:
        """The node's value as the editor shows it (None when blank or unreadable)."""
        value = self.node.value
        date = parse_date(value)
        time = parse_time(value[11:]) if len(value) > 11 else None
        if date is None:
            return None
        self._offset = time[1] if time else ""
        return QDateTime(date, time[0] if time else QTime(0, 0))

    def set_now(self) -> None:
        """Answer with today's date (or the time now)."""
        self._placeholder = False
        self._set(self._now())
        self._write(self.current())

    def _changed(self) -> None:
        if not self._updating:
            self._placeholder = False
            self._write(self.current())

    def _picked(self, date: QDate) -> None:
        """A day clicked in the calendar is an answer, even the day already shown."""
        self.edit.setDate(date)
        self._placeholder = False
        self._write(self.current())

    def _commit(self) -> None:
        if self._placeholder:
            self._placeholder = False
            if self._typed:
                self._write(self.current())
            else:
                self._show_blank()

    def _show_blank(self) -> None:
        self._updating = True
        try:
            self._set(BLANK)
        finally:
            self._updating = False

    def _show_value(self) -> None:
        wanted = self._wanted()
        if wanted is None:
            if not self.is_blank() and not self._placeholder:
                self._set(BLANK)
        else:
            if wanted == BLANK:  # midnight on the blank day: one millisecond on
                wanted = wanted.addMSecs(1)
            if self._get().toString(self.display) != wanted.toString(self.display) \
                    or self.is_blank():
                self._set(wanted)
        self.clear.setVisible(bool(self.node.value))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit:
            kind = event.type()
            if kind == QEvent.Type.FocusIn and self.is_blank():
                self._placeholder, self._typed = True, False
                self._updating = True
                try:
                    self._set(self._now())
                finally:
                    self._updating = False
            elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                    self._placeholder and event.text().isdigit():
                self._typed = True
            elif kind == QEvent.Type.FocusOut and isinstance(event, QFocusEvent) and \
                    event.reason() != Qt.FocusReason.PopupFocusReason:
                self._commit()
        return super().eventFilter(watched, event)

    def _focus_target(self) -> QWidget | None:
        return self.edit


class DateQuestion(DateTimeQuestion):
    """A calendar date, stored as YYYY-MM-DD."""

    kind = "date"
    display = "yyyy-MM-dd"

    def _make_editor(self) -> QDateTimeEdit:
        return QDateEdit(self.input_area)

    def _now(self) -> QDateTime:
        return QDateTime(QDate.currentDate(), QTime(0, 0))

    def current(self) -> str:
        return "" if self.is_blank() else self.edit.date().toString("yyyy-MM-dd")

    def _wanted(self) -> QDateTime | None:
        date = parse_date(self.node.value)
        return QDateTime(date, QTime(0, 0)) if date is not None else None


class TimeQuestion(DateTimeQuestion):
    """A time of day, stored as HH:MM:SS.000 with the UTC offset, as ODK Collect does."""

    kind = "time"
    display = "HH:mm"

    def _make_editor(self) -> QDateTimeEdit:
        return QTimeEdit(self.input_area)

    def _wanted(self) -> QDateTime | None:
        parsed = parse_time(self.node.value)
        if parsed is None:
            return None
        self._offset = parsed[1]
        return QDateTime(BLANK_DATE, parsed[0])

    def _now(self) -> QDateTime:
        now = QTime.currentTime()
        return QDateTime(BLANK_DATE, QTime(now.hour(), now.minute())).addMSecs(
            1 if (now.hour(), now.minute()) == (0, 0) else 0)

    def current(self) -> str:
        if self.is_blank():
            return ""
        return self.edit.time().toString("HH:mm:ss") + ".000" + (self._offset or local_offset())
