"""One audit in conflict: its sides as columns, a row per field differing, a choice per row."""

from __future__ import annotations

import html
from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.forms.model import FormDef, FormElement
from fieldsafe.services.conflicts import BOTH, Conflict, compose, item_differences
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.background import Background
from fieldsafe.ui.photo_widget import load_image
from fieldsafe.ui.sync.conflict_values import Shown, can_keep_both, shown
from fieldsafe.ui.sync.side_maps import SideMap, bounds, side_colour

THUMBNAIL = 60
THUMBNAILS_SHOWN = 3  # (with the "Keep both" column, three sides fit a 1200-pixel window)
MAP_HEIGHT = 260
DIFFERENCES_SHOWN = 6  # where a repeat's items differ, at most this many listed


class _Cell(QFrame):
    """One value with its radio button; a click anywhere on it chooses it."""

    def __init__(self, radio: QRadioButton, value: Shown, colour: QColor,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("cell")
        self.radio, self.value, self._colour = radio, value, colour
        self.label = QLabel(value.text, self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.label.setToolTip(value.tooltip)
        self.label.setMinimumWidth(160)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        radio.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.thumbnails = QHBoxLayout()
        self.slots: list[QLabel] = []
        self.thumbnails.setSpacing(4)
        self.thumbnails.setAlignment(Qt.AlignmentFlag.AlignLeft)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(self.label)
        if value.details:
            self.details = QLabel("\n".join(value.details), self)
            self.details.setWordWrap(True)
            self.details.setTextFormat(Qt.TextFormat.PlainText)
            self.details.setStyleSheet("color: #3c4043;")
            self.details.hide()
            self.expand = QToolButton(self)
            self.expand.setText(self.tr("Show all items"))
            self.expand.setAccessibleName(self.tr("Show every item of this answer"))
            self.expand.setCheckable(True)
            self.expand.toggled.connect(self._expand)
            column.addWidget(self.expand, 0, Qt.AlignmentFlag.AlignLeft)
            column.addWidget(self.details)
        column.addLayout(self.thumbnails)
        column.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(radio, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(column, 1)
        radio.toggled.connect(self._chosen)
        self._chosen(radio.isChecked())

    def _expand(self, on: bool) -> None:
        self.details.setVisible(on)
        self.expand.setText(self.tr("Hide the items") if on else self.tr("Show all items"))

    def _chosen(self, on: bool) -> None:
        tint = QColor(self._colour)
        tint.setAlpha(40 if on else 0)
        border = self._colour.name() if on else "palette(mid)"
        self.setStyleSheet(f"#cell {{ background: rgba({tint.red()}, {tint.green()}, "
                           f"{tint.blue()}, {tint.alpha()}); border: 1px solid {border}; "
                           "border-radius: 4px; }")

    def add_thumbnail_slots(self, count: int) -> None:
        """Places for ``count`` photos, in answer order (they are read in the background)."""
        for _ in range(count):
            label = QLabel(self)
            label.setFixedSize(QSize(THUMBNAIL, THUMBNAIL))
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.hide()
            self.thumbnails.addWidget(label)
            self.slots.append(label)

    def set_thumbnail(self, slot: int, image: object) -> None:
        if isinstance(image, QImage) and not image.isNull():
            self.slots[slot].setPixmap(QPixmap.fromImage(image))
            self.slots[slot].show()

    def thumbnails_shown(self) -> int:
        return len([label for label in self.slots if not label.isHidden()])

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.radio.setChecked(True)
            event.accept()
            return
        super().mousePressEvent(event)


class ConflictView(QWidget):
    """The sides of ``conflict`` side by side (the head first, chosen by default) with a
    radio button per value, "Keep both" for lists and texts, and a map per side."""

    def __init__(self, workspace: Workspace, conflict: Conflict, form: FormDef | None,
                 parent: QWidget | None = None, *, language: str | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.conflict = workspace, conflict
        self.background = Background(self)
        self.groups: dict[str, QButtonGroup] = {}
        self.cells: dict[tuple[str, int], _Cell] = {}
        self.take_buttons: list[QPushButton] = []
        self.maps: list[SideMap] = []
        elements = {**form.by_name(), **form.by_key()} if form is not None else {}
        sides = conflict.sides
        self.both_column = len(sides) + 1
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        for index in range(len(sides)):
            grid.addWidget(self._header(index), 0, index + 1)
            take = QPushButton(self.tr("Take all from this side"), self)
            take.setAccessibleName(self.tr("Take every answer from {device}").replace(
                "{device}", self._device(index)))
            take.clicked.connect(lambda _c=False, i=index: self.take_all(i))
            self.take_buttons.append(take)
            grid.addWidget(take, 1, index + 1)
            grid.setColumnStretch(index + 1, 1)
        any_both = False
        for row, name in enumerate(conflict.fields, start=2):
            element = elements.get(name)
            any_both |= self._row(grid, row, name, element, language)
        if any_both:
            heading = QLabel(self.tr("<b>Keep both</b>"), self)
            grid.addWidget(heading, 0, self.both_column, Qt.AlignmentFlag.AlignBottom)
            grid.setColumnStretch(self.both_column, 1)
        grid.setColumnMinimumWidth(0, 130)
        self._maps(grid, len(conflict.fields) + 2)
        inner = QWidget(self)
        inner_layout = QVBoxLayout(inner)
        inner_layout.addLayout(grid)
        inner_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        title = QLabel(self._title(form), self)
        title.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(scroll, 1)

    def _title(self, form: FormDef | None) -> str:
        name = self.conflict.instance_name or self.conflict.audit[:8]
        text = self.tr("<b>{name}</b> — {form} · one answer differs between {sides} "
                       "versions. Choose the one to keep, then Resolve.") \
            if len(self.conflict.fields) == 1 else \
            self.tr("<b>{name}</b> — {form} · {fields} answers differ between {sides} "
                    "versions. Choose the one to keep in each row, then Resolve.")
        return text \
            .replace("{name}", html.escape(name)) \
            .replace("{form}", html.escape(form.title if form is not None and form.title
                                           else self.conflict.form_id)) \
            .replace("{fields}", str(len(self.conflict.fields))) \
            .replace("{sides}", str(len(self.conflict.sides)))

    def _device(self, index: int) -> str:
        side = self.conflict.sides[index]
        return side.device_name or side.device_id[:8]

    def _header(self, index: int) -> QWidget:
        side = self.conflict.sides[index]
        status = {"draft": self.tr("Draft"), "finalized": self.tr("Finalized"),
                  "retired": self.tr("Retired")}.get(side.status, side.status)
        head = self.tr(" (current)") if index == 0 else ""
        text = (f"<b>{html.escape(self._device(index))}</b>{head}<br>"
                + self.tr("{author}, team {team}").replace("{author}", html.escape(side.author))
                .replace("{team}", html.escape(side.team))
                + f"<br>{status} · {side.saved_at:%Y-%m-%d %H:%M}")
        label = QLabel(text, self)
        label.setWordWrap(True)
        colour = side_colour(index).name()
        label.setStyleSheet(f"QLabel {{ border-top: 5px solid {colour}; padding-top: 4px; }}")
        return label

    def _row(self, grid: QGridLayout, row: int, name: str, element: FormElement | None,
             language: str | None) -> bool:
        sides = self.conflict.sides
        text = f"<b>{html.escape(self.conflict.labels.get(name, name))}</b>"
        differ = item_differences([side.answers.get(name) for side in sides])
        if differ:  # "3 items | 3 items" would hide what differs: say where
            where = [self.tr("{n}: {field}").replace("{n}", str(number)).replace(
                "{field}", self.conflict.labels.get(key, key)) for number, key in differ]
            more = len(where) - DIFFERENCES_SHOWN
            text += "<br><small>" + html.escape(
                self.tr("Differs in: {where}").replace("{where}", "; ".join(
                    where[:DIFFERENCES_SHOWN]) + (" …" if more > 0 else ""))) + "</small>"
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setToolTip(name)
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        group = QButtonGroup(self)
        self.groups[name] = group
        title = self.conflict.labels.get(name, name)
        for index, side in enumerate(sides):
            radio = QRadioButton(self)
            radio.setAccessibleName(self.tr("Keep {device}'s answer to {field}")
                                    .replace("{device}", self._device(index))
                                    .replace("{field}", title))
            group.addButton(radio, index)
            radio.setChecked(index == 0)
            value = shown(element, name, side.answers.get(name), side.files, language)
            cell = _Cell(radio, value, side_colour(index), self)
            self.cells[(name, index)] = cell
            grid.addWidget(cell, row, index + 1)
            self._thumbnails(cell, value.photos)
        values = [side.answers.get(name) for side in sides]
        if not can_keep_both(element, values):
            return False
        radio = QRadioButton(self)
        radio.setAccessibleName(self.tr("Keep every side's answer to {field}")
                                .replace("{field}", title))
        group.addButton(radio, len(sides))
        answers, files, _base = compose(self.conflict, {name: BOTH})
        both = shown(element, name, answers.get(name), files, language)
        cell = _Cell(radio, both, QColor("#555555"), self)
        self.cells[(name, len(sides))] = cell
        grid.addWidget(cell, row, self.both_column)
        return True

    def _thumbnails(self, cell: _Cell, photos: list[str]) -> None:
        media = self.workspace.media
        wanted = list(dict.fromkeys(photos))[:THUMBNAILS_SHOWN]
        cell.add_thumbnail_slots(len(wanted))
        for slot, sha in enumerate(wanted):
            path = media.thumbnail_path(sha)  # cached thumbnails only: no photo is decoded

            def work(path: Any = path) -> QImage:
                return load_image(path, longest=THUMBNAIL) if path.exists() else QImage()

            self.background.run(work, partial(cell.set_thumbnail, slot))

    def _maps(self, grid: QGridLayout, row: int) -> None:
        sides = self.conflict.sides
        if not any(side.geometries for side in sides):
            return
        label = QLabel(self.tr("<b>On the map</b>"), self)
        label.setWordWrap(True)
        label.setToolTip(self.tr("Each side in its colour; the other sides dashed grey"))
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        box = bounds(sides)
        for index in range(len(sides)):
            view = SideMap(self.workspace, sides, index, self.conflict.labels, box, self)
            view.setFixedHeight(MAP_HEIGHT)
            view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            self.maps.append(view)
            grid.addWidget(view, row, index + 1)

    # -- the choice ---------------------------------------------------------------------------
    def radio(self, name: str, side: int | str) -> QRadioButton:
        """The radio button of ``name`` for side number ``side`` (0: the head) or BOTH."""
        number = len(self.conflict.sides) if side == BOTH else int(side)
        button = self.groups[name].button(number)
        assert isinstance(button, QRadioButton)
        return button

    def take_all(self, index: int) -> None:
        """Choose side ``index`` in every row."""
        for group in self.groups.values():
            button = group.button(index)
            if button is not None:
                button.setChecked(True)

    def restore(self, choices: dict[str, str]) -> None:
        """Choose again what ``choices`` (from ``choices()``) chose, where it still can."""
        revisions = [side.revision for side in self.conflict.sides]
        for name, choice in choices.items():
            group = self.groups.get(name)
            number = len(revisions) if choice == BOTH else (
                revisions.index(choice) if choice in revisions else -1)
            button = group.button(number) if group is not None and number >= 0 else None
            if button is not None:
                button.setChecked(True)

    def choices(self) -> dict[str, str]:
        """What resolve_conflict takes: for each field, a side's revision or BOTH."""
        out: dict[str, str] = {}
        sides = self.conflict.sides
        for name, group in self.groups.items():
            number = group.checkedId()
            out[name] = BOTH if number == len(sides) else sides[max(number, 0)].revision
        return out
