"""What the map editors share: the map in a dialog, dragging points on it, and the GPS."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.geo.coords import LatLon, parse_point
from fieldsafe.geo.errors import GeometryError
from fieldsafe.ui.filler.base import HINT_COLOUR, PROBLEM_COLOUR
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.gps import GpsSource
from fieldsafe.ui.map.map_view import MapView

#: How near (px) a press must be to a point to grab it rather than the map.
GRAB_PX = 10
#: How far (px) the mouse must move with a point grabbed before it is a drag.
DRAG_PX = 3
LatLonPair = tuple[float, float]


class PointDragger(QObject):
    """Lets the user grab the points shown on ``view`` and drag them (the map pans when a
    press misses every point). ``pressed(i)`` on a press on point i, ``moving(i, lat, lon)``
    while it is dragged, ``dropped(i, lat, lon)`` when it is let go somewhere else."""

    pressed = Signal(int)
    moving = Signal(int, float, float)
    dropped = Signal(int, float, float)

    def __init__(self, view: MapView) -> None:
        super().__init__(view)
        self.view = view
        self.points: Sequence[LatLonPair] = []
        self._grabbed: int | None = None
        self._start = QPoint()
        self._dragging = False
        view.viewport().installEventFilter(self)

    def hit(self, at: QPoint) -> int | None:
        """The point under ``at`` (view pixels), the nearest if several; None if none."""
        best: tuple[int, int] | None = None
        for index, (lat, lon) in enumerate(self.points):
            where = self.view.view_point(lat, lon)
            distance = (where - at).manhattanLength()
            if distance <= GRAB_PX * 1.5 and (best is None or distance <= best[0]):
                best = (distance, index)
        return None if best is None else best[1]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QMouseEvent):
            return False
        at = event.position().toPoint()
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            index = self.hit(at)
            if index is None:
                return False
            self._grabbed, self._start, self._dragging = index, at, False
            self.pressed.emit(index)
            return True
        if self._grabbed is None:
            return False
        if kind == QEvent.Type.MouseMove:
            if not self._dragging and (at - self._start).manhattanLength() < DRAG_PX:
                return True
            self._dragging = True
            lat, lon = self.view.lat_lon_at(at)
            self.moving.emit(self._grabbed, lat, lon)
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            index, dragged = self._grabbed, self._dragging
            self._grabbed, self._dragging = None, False
            if dragged:
                lat, lon = self.view.lat_lon_at(at)
                self.dropped.emit(index, lat, lon)
            return True
        return kind == QEvent.Type.MouseButtonDblClick


class MapDialog(QDialog):
    """A dialog with the map on top, a readout, a problem line, tools and OK/Cancel.

    Subclasses fill ``self.tools`` (a row of buttons) and set the readout and problem.
    """

    def __init__(self, context: FillerContext, title: str, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        self.map = MapView(self)
        self.map.setAccessibleName(self.tr("Map"))
        self.map.setMinimumSize(480, 360)
        layout.addWidget(self.map, 1)
        self.readout = QLabel(self)
        self.readout.setObjectName("readout")
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.readout)
        self.note = QLabel(self)
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {HINT_COLOUR};")
        layout.addWidget(self.note)
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {PROBLEM_COLOUR};")
        # Its line is kept when it is hidden: the map must not jump under the mouse (by
        # a line's height) when a problem appears after a click, and back after the next.
        policy = self.problem.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.problem.setSizePolicy(policy)
        self.problem.setMinimumHeight(self.problem.fontMetrics().lineSpacing())
        self.problem.hide()
        layout.addWidget(self.problem)
        self.tools = QHBoxLayout()
        layout.addLayout(self.tools)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        if context.basemap is not None:
            try:
                self.map.set_basemap(context.basemap)
            except UserError as err:  # drawn on the grid instead
                self.map_problem = QLabel(str(err), self)
                self.map_problem.setWordWrap(True)
                self.map_problem.setStyleSheet(f"color: {HINT_COLOUR};")
                layout.insertWidget(1, self.map_problem)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.gps: GpsSource | None = None
        self.finished.connect(self._stop_gps)

    def button(self, text: str, tip: str = "") -> QPushButton:
        """A button in the tools row, named for screen readers."""
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        if tip:
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)
        self.tools.addWidget(button)
        return button

    def set_problem(self, text: str) -> None:
        """Show ``text`` in red under the readout ("" hides it)."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def show_area(self, points: Sequence[LatLonPair]) -> None:
        """Fit the map to ``points``; without any, to the basemap (or the whole world)."""
        if not points:
            bounds = self.map.basemap_bounds()
            if bounds is not None:
                self.map.fit_bounds(*bounds)
            else:
                self.map.set_view(0.0, 0.0, 2)
            return
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        # one point: zoomed in; the padding keeps points clear of the grid's labels
        self.map.fit_bounds(min(lats), min(lons), max(lats), max(lons), padding_px=60)

    def gps_available(self) -> bool:
        return self.context.gps_source_factory is not None

    def start_gps(self) -> GpsSource | None:
        """The running GPS source, started now if needed; None (and a problem) if none."""
        if self.gps is not None and self.gps.is_running():
            return self.gps
        factory = self.context.gps_source_factory
        source = factory(self) if factory is not None else None
        if source is None:
            self.set_problem(self.tr("No GPS is set up. Choose an NMEA log or a receiver's "
                                     "port in Settings."))
            return None
        self.gps = source
        source.position.connect(self._gps_position)
        source.error.connect(self.set_problem)
        if not source.start():
            return None
        return source

    def _gps_position(self, lat: float, lon: float, accuracy: float) -> None:
        """A fix from the GPS (subclasses use it)."""

    def _stop_gps(self) -> None:
        if self.gps is not None:
            self.gps.stop()


def points_of(value: str, closed: bool) -> list[LatLon]:
    """The points of an ODK trace or shape value (an area without its closing point)."""
    try:
        points = [parse_point(p) for p in value.split(";") if p.strip()]
    except GeometryError:
        return []
    if closed and len(points) >= 4 and point_key(points[0]) == point_key(points[-1]):
        points.pop()  # an area's closing point is added back when written
    return points


def point_key(point: LatLon) -> tuple[float, float]:
    """A point as stored (7 decimals): two points with the same key are the same place."""
    return round(point.lat, 7), round(point.lon, 7)


def format_distance(metres: float) -> str:
    """``850 m`` or ``1.25 km``."""
    return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"


def format_area(square_metres: float) -> str:
    """``640 m²`` or ``1.25 ha``."""
    return f"{square_metres / 10000:.2f} ha" if square_metres >= 10000 else \
        f"{square_metres:.0f} m²"
