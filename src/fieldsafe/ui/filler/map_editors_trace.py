"""Drawing a route or an area on the map: add, drag and delete points, undo, GPX and GPS."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QFileDialog, QWidget
from shapely.geometry import LineString, Polygon

from fieldsafe.errors import UserError
from fieldsafe.geo.coords import LatLon
from fieldsafe.geo.geodesy import length_m
from fieldsafe.geo.gpx import best_line, read_gpx, simplify_line
from fieldsafe.geo.validate import check_geometry
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.map_editors_base import (
    LatLonPair,
    MapDialog,
    PointDragger,
    format_distance,
    point_key,
    points_of,
)
from fieldsafe.ui.map.layers import (
    AreaLayer,
    Feature,
    LineFeature,
    LineLayer,
    PointFeature,
    PointLayer,
)

LINE_COLOUR = QColor("#1a5fb4")
VERTEX_COLOUR = QColor("#1a5fb4")  # the outline of the white square
PROBLEM_COLOUR = QColor("#c01c28")
SELECTED_COLOUR = QColor("#e66100")
#: GPX tracks are simplified to this (m) on import, as the text entry's import does.
GPX_SIMPLIFY_M = 2.0
_RECORDING = 1  # undo command id: consecutive GPS points of one run merge


class _Change(QUndoCommand):
    """The points before and after one edit."""

    def __init__(self, editor: TraceEditorDialog, before: list[LatLon], after: list[LatLon],
                 text: str, run: int = 0) -> None:
        super().__init__(text)
        self.editor, self.before, self.after, self.run = editor, before, after, run

    def redo(self) -> None:
        self._show(self.after)

    def undo(self) -> None:
        self._show(self.before)

    def _show(self, points: list[LatLon]) -> None:
        try:
            self.editor.setpoints_of(points)
        except Exception as err:  # PySide 6.11 crashes on an exception out of redo()/undo()
            sys.excepthook(type(err), err, err.__traceback__)

    def id(self) -> int:
        return _RECORDING if self.run else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Change) or other.run != self.run:
            return False
        self.after = other.after
        return True


class TraceEditorDialog(MapDialog):
    """A route (geotrace): click the map to add a point at the end, drag a point to move it,
    Delete or Backspace removes the selected (else the last) point; Ctrl+Z undoes and
    Ctrl+Shift+Z redoes. Also "Import GPX…" and "Record from GPS"."""

    closed = False

    def __init__(self, value: str, context: FillerContext, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, title, parent)
        self.points: list[LatLon] = points_of(value, self.closed)
        self.selected: int | None = None
        self.recording = False
        self.paused = False
        self._run = 0
        self.undo_stack = QUndoStack(self)
        self.fill_layer = AreaLayer("fill", title, [], LINE_COLOUR)  # a valid area, filled
        self.map.add_layer(self.fill_layer)
        self.line_layer = LineLayer("trace", title, [])
        self.vertex_layer = PointLayer("vertices", self.tr("Points"), [])
        self.map.add_layer(self.line_layer)
        self.map.add_layer(self.vertex_layer)
        self.problem_layer = PointLayer("problem", self.tr("Problem"), [])
        self.map.add_layer(self.problem_layer)
        self.dragger = PointDragger(self.map)
        self.dragger.pressed.connect(self._select)
        self.dragger.moving.connect(self._dragging)
        self.dragger.dropped.connect(self.move_point)
        self.map.clicked.connect(self.add_point)
        self._build_tools()
        self._refresh()
        self.show_area([(p.lat, p.lon) for p in self.points])

    def _build_tools(self) -> None:
        undo = self.undo_stack.createUndoAction(self, self.tr("Undo"))
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        redo = self.undo_stack.createRedoAction(self, self.tr("Redo"))
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        delete = QAction(self.tr("Delete point"), self)
        delete.setShortcuts([QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)])
        delete.triggered.connect(self.delete_point)
        self.undo_action, self.redo_action, self.delete_action = undo, redo, delete
        for action in (undo, redo, delete):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.undo_button = self.button(self.tr("Undo"), self.tr("Undo (Ctrl+Z)"))
        self.undo_button.clicked.connect(undo.trigger)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.redo_button = self.button(self.tr("Redo"), self.tr("Redo (Ctrl+Shift+Z)"))
        self.redo_button.clicked.connect(redo.trigger)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.delete_button = self.button(self.tr("Delete point"), self.tr(
            "Remove the selected point, else the last one (Delete)"))
        self.delete_button.clicked.connect(self.delete_point)
        self.tools.addStretch(1)
        self.gpx_button = self.button(self.tr("Import GPX…"), self.tr(
            "Take the longest track of a GPX file, simplified to 2 m"))
        self.gpx_button.clicked.connect(self.import_gpx)
        self.gpx_button.setVisible(not self.closed)
        tip = self.tr("Add the positions of the GPS as you walk") if self.gps_available() \
            else self.tr("No GPS is set up in Settings")
        self.record_button = self.button(self.tr("Record from GPS"), tip)
        self.record_button.clicked.connect(self.record)
        self.record_button.setEnabled(self.gps_available())
        self.pause_button = self.button(self.tr("Pause"))
        self.pause_button.clicked.connect(self.pause)
        self.stop_button = self.button(self.tr("Stop"))
        self.stop_button.clicked.connect(self.stop)

    # -- the answer -------------------------------------------------------------------------
    def value(self) -> str:
        """The ODK text of the points ("" when there are none); an area is closed."""
        points = list(self.points)
        if self.closed and len(points) >= 3 and point_key(points[0]) != point_key(points[-1]):
            points.append(points[0])
        return ";".join(p.to_odk() for p in points)

    def setpoints_of(self, points: list[LatLon]) -> None:
        """Show ``points`` (undo and redo come through here)."""
        self.points = list(points)
        if self.selected is not None and self.selected >= len(self.points):
            self.selected = None
        self._refresh()

    # -- editing (each edit is one undo step) -----------------------------------------------
    def _change(self, after: list[LatLon], text: str, run: int = 0) -> None:
        self.undo_stack.push(_Change(self, list(self.points), after, text, run))

    def add_point(self, lat: float, lon: float) -> None:
        self.selected = None
        self._change([*self.points, LatLon(lat, lon)], self.tr("Add point"))

    def move_point(self, index: int, lat: float, lon: float) -> None:
        after = list(self.points)
        after[index] = LatLon(lat, lon)
        self._change(after, self.tr("Move point"))

    def delete_point(self) -> None:
        if not self.points:
            return
        index = self.selected if self.selected is not None else len(self.points) - 1
        self.selected = None
        self._change(self.points[:index] + self.points[index + 1:], self.tr("Delete point"))

    def import_gpx(self) -> None:
        chooser = self.context.choose_gpx
        if chooser is not None:
            path = chooser()
        else:
            name, _filter = QFileDialog.getOpenFileName(self, self.tr("Import a GPX route"), "",
                                                        self.tr("GPX files (*.gpx)"))
            path = Path(name) if name else None
        if path is not None:
            self.import_gpx_file(path)

    def import_gpx_file(self, path: Path) -> bool:
        """Replace the points with the longest track of ``path``, simplified to 2 m."""
        try:
            data = read_gpx(path)
            line = best_line(data)
        except UserError as err:
            self.set_problem(str(err))
            return False
        if line is None:
            self.set_problem(self.tr("{file} has no track or route.").replace(
                "{file}", path.name))
            return False
        simple = simplify_line(line, GPX_SIMPLIFY_M)
        self.selected = None
        self._change([LatLon(y, x) for x, y, *_z in simple.coords], self.tr("Import GPX"))
        self.set_problem("")
        self.note.setText(" ".join([self.tr("Imported {file}: {n} points, {length}.").replace(
            "{file}", path.name).replace("{n}", str(len(simple.coords))).replace(
            "{length}", format_distance(length_m(simple))),
            *(w[:1].upper() + w[1:] + "." for w in data.warnings)]))
        self.show_area([(p.lat, p.lon) for p in self.points])
        return True

    # -- recording --------------------------------------------------------------------------
    def record(self) -> None:
        """Start adding the GPS positions at the end of the points."""
        self.recording, self.paused = True, False  # a log's first fix comes at once
        self._run += 1
        self._refresh()
        source = self.start_gps()
        if source is None:
            self.recording = False
            self._refresh()
        elif not source.property("fieldsafe_watched"):
            source.setProperty("fieldsafe_watched", True)
            source.error.connect(self._gps_lost)

    def _gps_lost(self, why: str) -> None:
        """The receiver stopped (unplugged): so does the recording; what was recorded stays
        and the problem line says why (a silent receiver only warns: it may come back)."""
        if self.recording and (self.gps is None or not self.gps.is_running()):
            self.recording = self.paused = False
            self._refresh()
            self.note.setText(self._recording_text())  # no longer "Recording from the GPS…"
            self.set_problem(why)  # over what the refresh says of the points

    def pause(self) -> None:
        """Pause the recording, or resume it."""
        if not self.recording:
            return
        self.paused = not self.paused
        self._run += 1  # a new undo step after a pause
        self._refresh()

    def stop(self) -> None:
        self.recording = self.paused = False
        self._stop_gps()
        self._refresh()

    def _gps_position(self, lat: float, lon: float, accuracy: float) -> None:
        if not self.recording or self.paused:
            return
        point = LatLon(lat, lon, None, accuracy or None)
        if self.points and point_key(self.points[-1]) == point_key(point):
            return
        first = not self.points
        self._change([*self.points, point], self.tr("Record from GPS"), self._run)
        if first:
            self.show_area([(lat, lon)])

    # -- showing ----------------------------------------------------------------------------
    def _select(self, index: int) -> None:
        self.selected = index
        self._show_layers(self.points)

    def _dragging(self, index: int, lat: float, lon: float) -> None:
        shown = list(self.points)
        shown[index] = LatLon(lat, lon)
        self._show_layers(shown)

    def _show_layers(self, points: list[LatLon]) -> None:
        coords = [(p.lat, p.lon) for p in points]
        if self.closed and len(coords) >= 3:
            coords.append(coords[0])
        lines = [LineFeature(coords, LINE_COLOUR, 4)]  # no Feature: clicks add points
        self.line_layer.set_features(lines if len(coords) >= 2 else [])
        polygon = Polygon([(p.lon, p.lat) for p in points]) if self.closed and \
            len(points) >= 3 else None
        self.fill_layer.set_features([(polygon, "")] if polygon is not None and
                                     polygon.is_valid else [])
        self.vertex_layer.set_features([PointFeature(
            p.lat, p.lon, Feature("vertex", i, self.tr("Point {n}").replace("{n}", str(i + 1))),
            SELECTED_COLOUR if i == self.selected else VERTEX_COLOUR, "", "vertex")
            for i, p in enumerate(points)])
        self.dragger.points = [(p.lat, p.lon) for p in points]
        where = self._problem_at(points)
        self.problem_layer.set_features([] if where is None else [PointFeature(
            where[0], where[1], Feature("problem", None, self.problem.text()), PROBLEM_COLOUR,
            "!", "circle")])

    def _problem_at(self, points: list[LatLon]) -> LatLonPair | None:
        """Where the drawing is wrong (an area's outline crossing itself), if it is."""
        return None

    def _refresh(self) -> None:
        problem = self._problem()
        self.set_problem(problem)
        self._show_layers(self.points)
        self.readout.setText(self._summary())
        if not self.note.text() or self.recording:
            self.note.setText(self._recording_text())
        self.ok.setEnabled(not problem)
        self.delete_button.setEnabled(bool(self.points))
        self.record_button.setEnabled(self.gps_available() and not self.recording)
        self.pause_button.setEnabled(self.recording)
        self.pause_button.setText(self.tr("Resume") if self.paused else self.tr("Pause"))
        self.pause_button.setAccessibleName(self.pause_button.text())
        self.stop_button.setEnabled(self.recording)

    def _recording_text(self) -> str:
        if self.recording:
            return self.tr("Recording paused.") if self.paused else self.tr(
                "Recording from the GPS…")
        return self.tr("Click the map to add a point; drag a point to move it; Delete removes "
                       "the selected (or last) point; Ctrl+Z undoes.")

    def _summary(self) -> str:
        count = self.tr("%n point(s)", "", len(self.points))
        if len(self.points) < 2:
            return count
        line = LineString([(p.lon, p.lat) for p in self.points])
        return self.tr("{points} · length {length}").replace("{points}", count).replace(
            "{length}", format_distance(length_m(line)))

    def _problem(self) -> str:
        if len(self.points) == 1 or (self.points and len({point_key(p) for p in self.points}) < 2):
            return self.tr("A route needs at least two different points.")
        if len(self.points) >= 2:
            problems = check_geometry(LineString([(p.lon, p.lat) for p in self.points]))
            return "; ".join(problems)
        return ""
