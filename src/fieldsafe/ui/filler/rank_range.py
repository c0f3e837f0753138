"""Rank questions (a list to reorder) and range questions (a slider between two numbers)."""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QWidget,
)

from fieldsafe.forms.model import pick_translation
from fieldsafe.forms.xpath.values import format_number
from fieldsafe.ui.filler.base import QuestionWidget

_NAME = Qt.ItemDataRole.UserRole


class RankQuestion(QuestionWidget):
    """Put every choice in order, by dragging or with the move buttons (Alt+Up/Down)."""

    def _build(self) -> None:
        self.list = QListWidget(self.input_area)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setAlternatingRowColors(True)
        self._name(self.list)
        self.list.model().rowsMoved.connect(self._moved)
        self.status = QLabel(self.input_area)
        self.status.setStyleSheet("font-style: italic;")
        buttons = QHBoxLayout()
        self.up = self._small_button(self.tr("Move up"))
        self.down = self._small_button(self.tr("Move down"))
        self.accept = self._small_button(self.tr("Use this order"))
        self.clear = self._small_button(self.tr("Clear answer"), link=True)
        self.up.clicked.connect(lambda: self.move_current(-1))
        self.down.clicked.connect(lambda: self.move_current(1))
        self.accept.clicked.connect(self._write_order)
        self.clear.clicked.connect(lambda: self._write(""))
        for button in (self.up, self.down, self.accept, self.clear):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for keys, step in (("Alt+Up", -1), ("Alt+Down", 1)):
            shortcut = QShortcut(QKeySequence(keys), self.list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda step=step: self.move_current(step))
        self.input_layout.addWidget(self.list)
        self.input_layout.addWidget(self.status)
        self.input_layout.addLayout(buttons)

    def order(self) -> list[str]:
        """The choice names as the list shows them now."""
        items = (self.list.item(row) for row in range(self.list.count()))
        return [str(item.data(_NAME)) for item in items if item is not None]

    def move_current(self, step: int) -> None:
        """Move the selected choice up (-1) or down (+1) and record the order."""
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._write_order()

    def _moved(self, _parent: QModelIndex, _start: int, _end: int, _dest: QModelIndex,
               _row: int) -> None:
        self._write_order()

    def _write_order(self) -> None:
        self._write(" ".join(self.order()))

    def _more_state(self) -> tuple[object, ...]:
        language = self.session.language
        return tuple((c.name, self.session.render(pick_translation(c.labels, language),
                                                   self.node)) for c in
                     self.session.options(self.node))

    def _show_value(self) -> None:
        language = self.session.language
        options = {c.name: self.session.render(pick_translation(c.labels, language), self.node)
                   or c.name for c in self.session.options(self.node)}
        ranked = [n for n in self.node.value.split() if n in options]
        wanted = ranked + [n for n in options if n not in ranked]
        shown = [(self.list.item(r).data(_NAME), self.list.item(r).text())
                 for r in range(self.list.count())]
        if shown != [(n, options[n]) for n in wanted]:
            current = self.list.currentRow()
            self.list.clear()
            for name in wanted:
                item = QListWidgetItem(options[name])
                item.setData(_NAME, name)
                self.list.addItem(item)
            self.list.setCurrentRow(min(max(current, 0), self.list.count() - 1))
        rows = max(1, self.list.count())
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth()
                                 + 4 if self.list.count() else 40)
        answered = bool(self.node.value)
        self.status.setText(self.tr("Ranked.") if answered else self.tr(
            "Not ranked yet: put the choices in order, or accept this order."))
        self.clear.setVisible(answered)
        self.accept.setVisible(not answered)

    def _focus_target(self) -> QWidget | None:
        return self.list


class RangeQuestion(QuestionWidget):
    """A number between ``start`` and ``end`` in steps of ``step`` (the question's
    parameters), picked on a slider."""

    def _build(self) -> None:
        params = self.element.parameters
        try:
            self.start = float(params.get("start", "1"))
            self.end = float(params.get("end", "10"))
            self.step = abs(float(params.get("step", "1"))) or 1.0
        except ValueError:
            self.start, self.end, self.step = 1.0, 10.0, 1.0
        self.steps = max(1, round(abs(self.end - self.start) / self.step))
        vertical = "vertical" in self.appearances()
        self.slider = QSlider(Qt.Orientation.Vertical if vertical else
                              Qt.Orientation.Horizontal, self.input_area)
        self.slider.setRange(0, self.steps)
        self.slider.setPageStep(max(1, self.steps // 10))
        if self.steps <= 20:
            self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
            self.slider.setTickInterval(1)
        self.slider.setMinimumWidth(240)
        self._name(self.slider)
        self.slider.valueChanged.connect(self._slid)
        self.slider.sliderReleased.connect(lambda: self._slid(self.slider.value()))
        self.value_label = QLabel(self.input_area)
        self.value_label.setMinimumWidth(80)
        self.clear = self._small_button(self.tr("Clear answer"), link=True)
        self.clear.clicked.connect(lambda: self._write(""))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.format(self.start), self.input_area))
        row.addWidget(self.slider, 1)
        row.addWidget(QLabel(self.format(self.end), self.input_area))
        row.addSpacing(12)
        row.addWidget(self.value_label)
        row.addWidget(self.clear)
        self.input_layout.addLayout(row)

    def format(self, number: float) -> str:
        if self.element.datatype == "int":
            return str(round(number))
        return format_number(round(number, 10))

    def value_at(self, position: int) -> str:
        """The answer for a slider position."""
        direction = 1.0 if self.end >= self.start else -1.0
        return self.format(self.start + direction * position * self.step)

    def _slid(self, position: int) -> None:
        self._write(self.value_at(position))

    def _show_value(self) -> None:
        value = self.node.value
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            position = round(abs(number - self.start) / self.step)
            self.slider.setValue(min(max(position, 0), self.steps))
            self.value_label.setText(self.tr("Value: {value}").format(value=value))
        else:
            self.slider.setValue(0)
            self.value_label.setText(self.tr("Not answered"))
        self.clear.setVisible(bool(value))

    def _focus_target(self) -> QWidget | None:
        return self.slider
