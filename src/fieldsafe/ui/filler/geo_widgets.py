"""Location questions typed in (decimal or DMS, one point a line) or drawn with "Map…"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from fieldsafe.errors import UserError
from fieldsafe.geo.coords import (
    EXAMPLE_DECIMAL,
    EXAMPLE_DMS,
    LatLon,
    format_dms,
    format_point,
    parse_point,
    parse_points,
    to_odk_trace,
)
from fieldsafe.geo.errors import GeometryError
from fieldsafe.ui.filler.base import HINT_COLOUR, QuestionWidget


def _odk_points(value: str) -> list[LatLon] | None:
    """The points of a stored ODK value, or None when it cannot be read."""
    try:
        return [parse_point(p) for p in value.split(";") if p.strip()]
    except GeometryError:
        return None


class GeopointQuestion(QuestionWidget):
    """One location typed as latitude, longitude: decimal degrees or degrees-minutes-seconds.

    What is typed is written when it reads as a location; a message explains what is wrong
    when the user leaves the field (or presses Enter) with something that does not.
    """

    def _build(self) -> None:
        self.edit = QLineEdit(self.input_area)
        self.edit.setPlaceholderText(self.tr("Latitude, longitude, e.g. {decimal} or {dms}")
                                     .format(decimal=EXAMPLE_DECIMAL, dms=EXAMPLE_DMS))
        self._name(self.edit)
        self._watch_enter(self.edit)
        self.edit.textEdited.connect(self._edited)
        self.edit.editingFinished.connect(self._commit)
        self.detail = QLabel(self.input_area)
        self.detail.setStyleSheet(f"color: {HINT_COLOUR};")
        self.map_button = self._small_button(self.tr("Map…"))
        self.map_button.setToolTip(self.tr("Place the point on a map, or take it from the GPS"))
        self.map_button.setAccessibleDescription(self.map_button.toolTip())
        self.map_button.clicked.connect(self.open_map)
        self.map_dialog: QDialog | None = None
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.map_button)
        self.input_layout.addLayout(row)
        self.input_layout.addWidget(self.detail)
        self._pending = ""

    def open_map(self) -> None:
        """Open the point picker on the current answer; OK writes what was placed."""
        from fieldsafe.ui.filler.map_editors import PointPickerDialog

        dialog = PointPickerDialog(self.session, self.node, self.context, self)
        _open(self, dialog, dialog.value)

    def _read(self, text: str) -> LatLon | None:
        """The typed point; remembers why not when it is not one."""
        try:
            point = parse_point(text)
        except GeometryError as err:
            self._pending = str(err)
            return None
        self._pending = ""
        stored = _odk_points(self.node.value)
        if stored and len(stored) == 1 and point.altitude is None and \
                stored[0].to_odk().split()[:2] == point.to_odk().split()[:2]:
            return stored[0]  # keep the altitude and accuracy recorded with it
        return point

    def _edited(self, text: str) -> None:
        if self._local_error:
            self._set_local_error("")
        if text.strip():
            point = self._read(text)
            if point is not None:
                self._write(point.to_odk())
        else:
            self._pending = ""
            self._write("")

    def _commit(self) -> None:
        text = self.edit.text()
        if not text.strip():
            self._set_local_error("")
            return
        point = self._read(text)
        if point is None:
            # What was typed is kept as the answer (a draft saves it, the question shows
            # why it is not a location, finalizing refuses it): never lost to a typo.
            self._write(text.strip())
            self._set_local_error(self._pending)
        else:
            self._write(point.to_odk())
            self._set_local_error("")

    def _show_value(self) -> None:
        value = self.node.value
        stored = _odk_points(value)
        point = stored[0] if stored and len(stored) == 1 else None
        typed = self._read(self.edit.text()) if self.edit.text().strip() else None
        if not value:
            if typed is not None:
                self.edit.clear()
        elif point is None:
            if self.edit.text() != value:
                self.edit.setText(value)
        elif typed is None or typed.to_odk().split()[:2] != point.to_odk().split()[:2]:
            self.edit.setText(format_point(point))
        self.detail.setText(self._describe(point) if point else "")
        self.detail.setVisible(point is not None)

    def _describe(self, point: LatLon) -> str:
        text = format_dms(point)
        if point.accuracy:
            text += " · " + self.tr("accuracy {metres} m").format(metres=f"{point.accuracy:g}")
        if point.altitude:
            text += " · " + self.tr("altitude {metres} m").format(metres=f"{point.altitude:g}")
        return text

    def _focus_target(self) -> QWidget | None:
        return self.edit


class GeotraceQuestion(QuestionWidget):
    """A route (geotrace) or an area (geoshape): one "latitude longitude" a line; a route can
    also come from a GPX file. An area is closed on its first point when written."""

    def _build(self) -> None:
        self.edit = QPlainTextEdit(self.input_area)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText(self.tr("One point a line: latitude longitude, e.g.\n"
                                             "12.9857 77.6057\n12.9849 77.6071"))
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 6 + 12)
        self._name(self.edit)
        self.edit.textChanged.connect(self._edited)
        self.edit.installEventFilter(self)
        self.summary = QLabel(self.input_area)
        self.summary.setStyleSheet(f"color: {HINT_COLOUR};")
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        self.gpx = self._small_button(self.tr("Import GPX…"))
        self.gpx.clicked.connect(self._import_gpx)
        self.gpx.setVisible(self.element.qtype == "geotrace" and
                            self.context.import_gpx is not None)
        row.addWidget(self.gpx)
        self.map_button = self._small_button(self.tr("Map…"))
        self.map_button.setToolTip(self.tr("Draw the route on a map") if
                                   self.element.qtype == "geotrace" else
                                   self.tr("Draw the area on a map"))
        self.map_button.setAccessibleDescription(self.map_button.toolTip())
        self.map_button.clicked.connect(self.open_map)
        self.map_dialog: QDialog | None = None
        row.addWidget(self.map_button)
        self.input_layout.addWidget(self.edit)
        self.input_layout.addLayout(row)
        self._pending = ""

    def _read(self, text: str) -> list[LatLon] | None:
        try:
            points = parse_points(text)
        except GeometryError as err:
            self._pending = str(err)
            return None
        self._pending = ""
        closed = len(points) >= 3 and (points[0].lat, points[0].lon) != (
            points[-1].lat, points[-1].lon)
        if self.element.qtype == "geoshape" and closed:
            points.append(points[0])
        return points

    def _edited(self) -> None:
        if self._updating:
            return
        if self._local_error:
            self._set_local_error("")
        points = self._read(self.edit.toPlainText())
        if points is not None:
            self._write(to_odk_trace(points))

    def _commit(self) -> None:
        text = self.edit.toPlainText()
        points = self._read(text)
        if points is None:
            # Kept as typed (as a point is): a draft saves it, closing loses nothing, and
            # the question says which line is not a location until it is put right.
            self._write(text.strip())
        self._set_local_error(self._pending)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.FocusOut:
            self._commit()
        return super().eventFilter(watched, event)

    def open_map(self) -> None:
        """Open the route (or area) editor on the current answer; OK writes the drawing."""
        from fieldsafe.ui.filler.map_editors import ShapeEditorDialog, TraceEditorDialog

        kind = ShapeEditorDialog if self.element.qtype == "geoshape" else TraceEditorDialog
        title = self.label_text().splitlines()[0] if self.label_text() else self.element.name
        dialog = kind(self.node.value, self.context, title, self)
        _open(self, dialog, dialog.value)

    def _import_gpx(self) -> None:
        if self.context.import_gpx is None:
            return
        try:
            trace = self.context.import_gpx()
        except UserError as err:
            self._set_local_error(str(err))
            return
        if trace is not None:
            self._set_local_error("")
            self._write(trace)
            self.refresh()

    def _show_value(self) -> None:
        value = self.node.value
        stored = _odk_points(value)
        typed = self._read(self.edit.toPlainText())
        same = typed is not None and stored is not None and to_odk_trace(typed) == \
            to_odk_trace(stored)
        if not same and not (not value and typed is None):
            if stored is None:
                text = value
            else:
                text = "\n".join(" ".join(p.to_odk().split()[:2] if not (
                    p.altitude or p.accuracy) else p.to_odk().split()) for p in stored)
            if text != self.edit.toPlainText():
                self.edit.setPlainText(text)
        count = len(stored or [])
        self.summary.setText(self.tr("%n point(s)", "", count) if count else "")

    def _focus_target(self) -> QWidget | None:
        return self.edit


def _open(question: GeopointQuestion | GeotraceQuestion, dialog: QDialog,
          value: Callable[[], str]) -> None:
    """Show a map editor over ``question``; its value is written when the user presses OK."""

    def accepted() -> None:
        question._set_local_error("")
        question._write(value())
        question.refresh()

    def finished() -> None:
        question.map_dialog = None
        dialog.deleteLater()

    question.map_dialog = dialog
    dialog.accepted.connect(accepted)
    dialog.finished.connect(finished)
    dialog.open()
