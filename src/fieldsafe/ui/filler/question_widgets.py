"""Question widgets for text, numbers, notes, acknowledgements and calculations; the factory."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QDoubleValidator, QIntValidator, QValidator
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import format_number
from fieldsafe.ui.filler.base import QuestionWidget
from fieldsafe.ui.filler.choice_widgets import SelectMultipleQuestion, SelectOneQuestion
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.datetime_widgets import DateQuestion, DateTimeQuestion, TimeQuestion
from fieldsafe.ui.filler.file_widgets import MediaQuestion
from fieldsafe.ui.filler.geo_widgets import GeopointQuestion, GeotraceQuestion
from fieldsafe.ui.filler.rank_range import RangeQuestion, RankQuestion

#: Question types that are never shown.
HIDDEN_TYPES = frozenset({"hidden", "metadata"})


class TextQuestion(QuestionWidget):
    """Free text (and barcodes, typed on a desktop); ``multiline`` gives a text box."""

    def _build(self) -> None:
        self.edit: QLineEdit | QPlainTextEdit
        if "multiline" in self.appearances():
            box = QPlainTextEdit(self.input_area)
            box.setTabChangesFocus(True)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 5 + 12)
            box.textChanged.connect(lambda: self._write(box.toPlainText()))
            self.edit = box
        else:
            line = QLineEdit(self.input_area)
            line.textEdited.connect(self._write)
            self._watch_enter(line)
            self.edit = line
        self._name(self.edit)
        self.input_layout.addWidget(self.edit)

    def _show_value(self) -> None:
        value = self.node.value
        if isinstance(self.edit, QPlainTextEdit):
            if self.edit.toPlainText() != value:
                self.edit.setPlainText(value)
        elif self.edit.text() != value:
            self.edit.setText(value)

    def _focus_target(self) -> QWidget | None:
        return self.edit


class NumberQuestion(QuestionWidget):
    """A whole or decimal number, typed and shown the user's way, stored the ODK way."""

    def _build(self) -> None:
        self.numbers = self.context.number_locale()
        self.edit = QLineEdit(self.input_area)
        validator: QValidator
        if self.element.qtype == "integer":
            validator = QIntValidator(self.edit)
        else:
            double = QDoubleValidator(self.edit)
            double.setNotation(QDoubleValidator.Notation.StandardNotation)
            validator = double
        validator.setLocale(self.numbers)
        self.edit.setValidator(validator)
        self.edit.setMaximumWidth(240)
        self.edit.textEdited.connect(lambda text: self._write(self.parse(text)))
        self._watch_enter(self.edit)
        self._name(self.edit)
        self.input_layout.addWidget(self.edit)

    def parse(self, text: str) -> str:
        """The ODK text for what was typed ("" when it is not a number yet)."""
        text = text.strip()
        if not text:
            return ""
        if self.element.qtype == "integer":
            whole, ok = self.numbers.toLongLong(text)
            return str(whole) if ok else ""
        number, ok = self.numbers.toDouble(text)
        return format_number(number) if ok else ""

    def display(self, value: str) -> str:
        """How the stored ``value`` is shown in the user's locale."""
        try:
            number = float(value)
        except ValueError:
            return value
        if self.element.qtype == "integer" and number.is_integer():
            return self.numbers.toString(int(number))
        return self.numbers.toString(
            number, "f", QLocale.FloatingPointPrecisionOption.FloatingPointShortest)

    def _show_value(self) -> None:
        value = self.node.value
        if self.parse(self.edit.text()) != value:
            self.edit.setText(self.display(value) if value else "")

    def _focus_target(self) -> QWidget | None:
        return self.edit


class NoteQuestion(QuestionWidget):
    """Text to read: the label (with its ``${}`` references filled in) and the hint."""

    def _build(self) -> None:
        self.label.setStyleSheet("")
        self.input_area.hide()


class CalculateQuestion(QuestionWidget):
    """A calculation with a label: its current value, read-only."""

    def _build(self) -> None:
        self.edit = QLineEdit(self.input_area)
        self.edit.setReadOnly(True)
        self.edit.setMaximumWidth(360)
        self._name(self.edit)
        self.input_layout.addWidget(self.edit)

    def _show_value(self) -> None:
        if self.edit.text() != self.node.value:
            self.edit.setText(self.node.value)

    def takes_focus(self) -> bool:
        return False


class AcknowledgeQuestion(QuestionWidget):
    """A box to tick, which answers "OK"."""

    def _build(self) -> None:
        self.box = QCheckBox(self.tr("OK"), self.input_area)
        self.box.clicked.connect(lambda checked: self._write("OK" if checked else ""))
        self._name(self.box)
        self.input_layout.addWidget(self.box, 0, Qt.AlignmentFlag.AlignLeft)

    def _show_value(self) -> None:
        self.box.setChecked(self.node.value == "OK")

    def _focus_target(self) -> QWidget | None:
        return self.box


class TriggerQuestion(QuestionWidget):
    """A button to press, which answers "OK"."""

    def _build(self) -> None:
        row = QHBoxLayout()
        self.button = self._small_button(self.tr("OK"))
        self._name(self.button)
        self.button.clicked.connect(lambda: self._write("OK"))
        self.done = QLabel(self.tr("✓ Done"), self.input_area)
        row.addWidget(self.button)
        row.addWidget(self.done)
        row.addStretch(1)
        self.input_layout.addLayout(row)

    def _show_value(self) -> None:
        self.done.setVisible(self.node.value == "OK")

    def _focus_target(self) -> QWidget | None:
        return self.button


def create_question_widget(session: FormSession, node: XNode, context: FillerContext,
                           parent: QWidget | None = None) -> QuestionWidget | None:
    """The widget for the question at ``node``, or None for what is never shown (hidden and
    metadata questions, calculations without a label)."""
    element = session.element_of(node)
    qtype = element.qtype
    if qtype in HIDDEN_TYPES or (qtype == "calculate" and not element.labels):
        return None
    kinds: dict[str, type[QuestionWidget]] = {
        "text": TextQuestion, "barcode": TextQuestion, "integer": NumberQuestion,
        "decimal": NumberQuestion, "note": NoteQuestion, "calculate": CalculateQuestion,
        "acknowledge": AcknowledgeQuestion, "trigger": TriggerQuestion,
        "select_one": SelectOneQuestion, "select_multiple": SelectMultipleQuestion,
        "rank": RankQuestion, "range": RangeQuestion, "date": DateQuestion,
        "time": TimeQuestion, "datetime": DateTimeQuestion, "geopoint": GeopointQuestion,
        "geotrace": GeotraceQuestion, "geoshape": GeotraceQuestion, "image": MediaQuestion,
        "audio": MediaQuestion, "video": MediaQuestion, "file": MediaQuestion,
        "osm": MediaQuestion,
    }
    return kinds.get(qtype, TextQuestion)(session, node, context, parent)


__all__ = [
    "AcknowledgeQuestion", "CalculateQuestion", "NoteQuestion", "NumberQuestion",
    "QuestionWidget", "TextQuestion", "TriggerQuestion", "create_question_widget",
]
