"""Select-one (radio buttons, a drop-down list or a rating row) and select-multiple questions."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.forms.model import pick_translation
from fieldsafe.ui.filler.base import QuestionWidget, discard, set_visible

Option = tuple[str, str]  # (choice name, label in the current language)


class ClickableLabel(QLabel):
    """A label that acts on a click (the caption under a rating button)."""

    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class _ChoiceQuestion(QuestionWidget):
    """What select questions share: the current options (after the choice filter)."""

    def _build(self) -> None:
        self.options: list[Option] = []
        self.buttons: list[QAbstractButton] = []
        self._refocus = False
        self.choices_area = QWidget(self.input_area)
        self._name(self.choices_area)
        self.input_layout.addWidget(self.choices_area)

    def _more_state(self) -> tuple[object, ...]:
        return tuple(self.current_options())

    def current_options(self) -> list[Option]:
        language = self.session.language
        return [(c.name, self.session.render(pick_translation(c.labels, language), self.node)
                 or c.name) for c in self.session.options(self.node)]

    def _columns(self) -> int:
        """How many columns the options are laid out in (``columns-N``, ``horizontal``)."""
        words = self.appearances()
        for word in words:
            match = re.fullmatch(r"columns-(\d+)", word)
            if match:
                return max(1, int(match.group(1)))
        if words & {"columns", "horizontal", "columns-pack", "horizontal-compact"}:
            return 3
        return 1

    def _clear_choices(self) -> None:
        """Remove the option controls (before showing a new set of options)."""
        focus = QApplication.focusWidget()
        self._refocus = focus is not None and self.choices_area.isAncestorOf(focus)
        for child in self.choices_area.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            discard(child)
        self.buttons = []
        self.controls_rebuilt = True

    def _rebuild_buttons(self, make: type[QRadioButton] | type[QCheckBox]) -> None:
        self._clear_choices()
        grid = self.choices_area.layout()
        if grid is None:
            grid = QGridLayout(self.choices_area)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setHorizontalSpacing(16)
            grid.setVerticalSpacing(2)
        assert isinstance(grid, QGridLayout)
        columns = self._columns()
        for index, (name, label) in enumerate(self.options):
            button = make(label, self.choices_area)
            button.setObjectName(f"choice_{name}")
            self._name(button, label)
            grid.addWidget(button, index // columns, index % columns, Qt.AlignmentFlag.AlignLeft)
            button.show()  # a layout shows new children only on a later event-loop turn
            self.buttons.append(button)
        if not self.options:
            none = QLabel(self.tr("No choices are available for the answers given so far."),
                          self.choices_area)
            none.setStyleSheet("font-style: italic;")
            grid.addWidget(none, 0, 0)
        self._restore_focus()

    def _restore_focus(self) -> None:
        """Keep the focus in the question when the options it was on were replaced."""
        if self._refocus and self.buttons:
            self.buttons[0].setFocus()

    def _focus_target(self) -> QWidget | None:
        checked = [b for b in self.buttons if b.isChecked()]
        buttons = checked or self.buttons
        return buttons[0] if buttons else None


class SelectOneQuestion(_ChoiceQuestion):
    """One choice: radio buttons; ``minimal`` gives a drop-down list and ``likert`` a row."""

    def _build(self) -> None:
        super()._build()
        words = self.appearances()
        self.mode = "minimal" if "minimal" in words else "likert" if "likert" in words \
            else "radio"
        self.group = QButtonGroup(self)
        self.group.idClicked.connect(self._clicked)
        self.combo: QComboBox | None = None
        if self.mode == "minimal":
            self.combo = QComboBox(self.choices_area)
            self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            self.combo.activated.connect(self._picked)
            self._name(self.combo)
            layout = QHBoxLayout(self.choices_area)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.combo)
            layout.addStretch(1)
        self.clear = self._small_button(self.tr("Clear answer"), link=True)
        self.clear.clicked.connect(lambda: self._write(""))
        self.input_layout.addWidget(self.clear)

    def _show_value(self) -> None:
        options = self.current_options()
        if options != self.options:
            self.options = options
            self._fill()
        value = self.node.value
        names = [name for name, _label in self.options]
        if self.combo is not None:
            index = names.index(value) + 1 if value in names else 0
            if self.combo.currentIndex() != index:
                self.combo.setCurrentIndex(index)
        elif [b.isChecked() for b in self.buttons] != [n == value for n in names]:
            self.group.setExclusive(False)  # an exclusive group cannot uncheck its last
            for button, name in zip(self.buttons, names, strict=True):
                button.setChecked(name == value)
            self.group.setExclusive(True)
        set_visible(self.clear, bool(value) and self.combo is None)

    def _fill(self) -> None:
        if self.combo is not None:
            self.combo.clear()
            self.combo.addItem(self.tr("— choose —"), "")
            for name, label in self.options:
                self.combo.addItem(label, name)
            return
        for button in self.buttons:
            self.group.removeButton(button)
        if self.mode == "likert":
            self._fill_likert()
        else:
            self._rebuild_buttons(QRadioButton)
        for index, button in enumerate(self.buttons):
            self.group.addButton(button, index)

    def _fill_likert(self) -> None:
        self._clear_choices()
        row = self.choices_area.layout()
        if row is None:
            row = QHBoxLayout(self.choices_area)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(6)
        assert isinstance(row, QHBoxLayout)
        for name, label in self.options:
            cell = QWidget(self.choices_area)
            column = QVBoxLayout(cell)
            column.setContentsMargins(2, 0, 2, 0)
            column.setSpacing(2)
            button = QRadioButton(cell)
            button.setObjectName(f"choice_{name}")
            self._name(button, label)
            button.setToolTip(label)
            caption = ClickableLabel(label, cell)
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            caption.clicked.connect(button.click)
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(caption, 1)
            row.addWidget(cell, 1)
            self.buttons.append(button)
        self._restore_focus()

    def _clicked(self, index: int) -> None:
        if 0 <= index < len(self.options):
            self._write(self.options[index][0])

    def _picked(self, index: int) -> None:
        if self.combo is not None:
            self._write(str(self.combo.itemData(index) or ""))

    def _focus_target(self) -> QWidget | None:
        return self.combo if self.combo is not None else super()._focus_target()


class SelectMultipleQuestion(_ChoiceQuestion):
    """Any number of choices, as check boxes; the answer lists their names in form order."""

    def _show_value(self) -> None:
        options = self.current_options()
        if options != self.options:
            self.options = options
            self._rebuild_buttons(QCheckBox)
            for button in self.buttons:
                button.clicked.connect(self._toggled)
        chosen = set(self.node.value.split())
        for button, (name, _label) in zip(self.buttons, self.options, strict=True):
            if button.isChecked() != (name in chosen):
                button.setChecked(name in chosen)

    def _toggled(self) -> None:
        self._write(" ".join(name for button, (name, _label) in zip(
            self.buttons, self.options, strict=True) if button.isChecked()))
