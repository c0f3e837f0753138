"""Screen squares painted once per zoom and reused to pan, painted progressively when busy."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, QRect, QRectF, QTimer, Signal
from PySide6.QtGui import QPainter, QPixmap

from fieldsafe.geo.webmercator import TILE_SIZE, WorldRect
from fieldsafe.ui.map.cell_painter import PLAIN, CellPainter
from fieldsafe.ui.map.layer_base import MapLayer, TileView
from fieldsafe.ui.map.tiles import TileStore

#: How long (ms) one paint of the view may spend painting squares; the rest follow.
FRAME_BUDGET_MS = 20.0
#: How long (ms) one idle step may spend painting squares.
IDLE_BUDGET_MS = 8.0
#: The previous zoom's squares stand in (scaled) for at most this many zoom levels.
STAND_IN_LEVELS = 2.0

Cell = tuple[int, int]


class TileComposer(QObject):
    """Paints the view in 256-pixel squares aligned to the zoom's pixel grid and keeps them,
    so panning only copies pixmaps. Squares on screen are painted first, nearest the centre
    first, then those around the screen, in idle steps of a few milliseconds; until a square
    is painted, its old picture (or the previous zoom's, scaled) stands in.

    A change of zoom, layers or grid makes every square out of date; a basemap tile
    arriving, those it covers.
    """

    #: Squares on screen were painted in an idle step: repaint the view.
    updated = Signal()

    def __init__(self, parent: QObject, store: TileStore, layers: Callable[[], list[MapLayer]],
                 grid: Callable[[], bool]) -> None:
        super().__init__(parent)
        self._painter = CellPainter(store, layers, grid)
        self._cells: OrderedDict[Cell, QPixmap] = OrderedDict()
        self._stale: dict[Cell, QPixmap] = {}
        self._old: dict[Cell, QPixmap] = {}
        self._old_zoom = math.nan
        self._zoom = math.nan
        self._dpr = 1.0
        self._limit = 64
        self._visible: list[Cell] = []
        self._around: list[Cell] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._idle_step)
        self.painted = 0  # how many squares were painted (for tests and benchmarks)

    @property
    def busy(self) -> bool:
        """Whether squares on screen are still to be painted."""
        return any(cell not in self._cells for cell in self._visible)

    def __len__(self) -> int:
        return len(self._cells)

    def set_view(self, zoom: float, dpr: float) -> None:
        if dpr != self._dpr:
            self._old.clear()
            self._stale.clear()
            self._cells.clear()
        elif zoom != self._zoom:
            self._old = {**self._stale, **self._cells} if self._cells or self._stale \
                else self._old
            self._old_zoom = self._zoom if self._cells or self._stale else self._old_zoom
            self._stale.clear()
            self._cells.clear()
        self._zoom, self._dpr = zoom, dpr

    def clear(self) -> None:
        """Everything is out of date (the layers or the grid changed)."""
        self._stale.update(self._cells)
        self._cells.clear()
        self._start()

    def invalidate(self, rect: WorldRect) -> None:
        """The squares overlapping ``rect`` (world pixels at zoom 0) are out of date."""
        s = 2.0**self._zoom
        x0, y0, x1, y1 = (v * s / TILE_SIZE for v in rect)
        for cell in [c for c in self._cells if x0 < c[0] + 1 and c[0] < x1
                     and y0 < c[1] + 1 and c[1] < y1]:
            self._stale[cell] = self._cells.pop(cell)
        self._start()

    def request(self, viewport: QRect, origin: QPoint) -> None:
        """The view now shows ``viewport`` with ``origin`` the level pixel at its top-left:
        plan its squares (and those around it) and start reading their basemap tiles."""
        first, last = _span(viewport, origin)
        centre = QPoint((first.x() + last.x()) // 2, (first.y() + last.y()) // 2)
        cells = [(i, j) for j in range(first.y(), last.y() + 1)
                 for i in range(first.x(), last.x() + 1)]
        cells.sort(key=lambda c: abs(c[0] - centre.x()) + abs(c[1] - centre.y()))
        self._visible = cells
        shown = set(cells)
        self._around = [(i, j) for j in range(first.y() - 1, last.y() + 2)
                        for i in range(first.x() - 1, last.x() + 2) if (i, j) not in shown]
        self._limit = max(64, 2 * (len(cells) + len(self._around)))
        for i, j in cells:
            if (i, j) not in self._cells:
                self._painter.request(self._tile(i, j))
        self._start()

    def paint(self, painter: QPainter, exposed: QRect, origin: QPoint) -> None:
        """Draw the squares meeting ``exposed`` (viewport pixels)."""
        first, last = _span(exposed, origin)
        deadline = time.perf_counter() + FRAME_BUDGET_MS / 1000
        for j in range(first.y(), last.y() + 1):
            for i in range(first.x(), last.x() + 1):
                at = QPoint(i * TILE_SIZE - origin.x(), j * TILE_SIZE - origin.y())
                found = self._cells.get((i, j))
                if found is None and time.perf_counter() < deadline:
                    found = self._make((i, j))
                if found is None:
                    self._stand_in(painter, (i, j), at)
                    self._start()
                else:
                    self._cells.move_to_end((i, j))
                    painter.drawPixmap(at, found)

    def _tile(self, i: int, j: int) -> TileView:
        return TileView(self._zoom, float(i * TILE_SIZE), float(j * TILE_SIZE))

    def _make(self, cell: Cell) -> QPixmap:
        self.painted += 1
        pixmap = self._cells[cell] = self._painter.paint(self._tile(*cell), self._dpr)
        self._stale.pop(cell, None)
        while len(self._cells) > self._limit:
            old, _ = self._cells.popitem(last=False)
            self._stale.pop(old, None)
        return pixmap

    def _start(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _idle_step(self) -> None:
        deadline = time.perf_counter() + IDLE_BUDGET_MS / 1000
        shown = False
        for group in (self._visible, self._around):
            for cell in group:
                if time.perf_counter() >= deadline:
                    break
                if cell not in self._cells:
                    self._make(cell)
                    shown = shown or group is self._visible
        missing = [c for c in (*self._visible, *self._around) if c not in self._cells]
        if missing:
            self._timer.start()
        else:
            self._old.clear()
            self._stale.clear()
        if shown:
            self.updated.emit()

    def _stand_in(self, painter: QPainter, cell: Cell, at: QPoint) -> None:
        """Draw what is known of a square not painted yet: its old picture, or the previous
        zoom's squares scaled, or the plain ground."""
        stale = self._stale.get(cell)
        if stale is not None:
            painter.drawPixmap(at, stale)
            return
        target = QRect(at.x(), at.y(), TILE_SIZE, TILE_SIZE)
        painter.fillRect(target, PLAIN)
        if not self._old or abs(self._old_zoom - self._zoom) > STAND_IN_LEVELS:
            return
        k = 2.0 ** (self._old_zoom - self._zoom)  # old pixels per new pixel
        left, top = cell[0] * TILE_SIZE * k, cell[1] * TILE_SIZE * k
        side = TILE_SIZE * k
        painter.save()
        painter.setClipRect(target)
        for b in range(math.floor(top / TILE_SIZE), math.ceil((top + side) / TILE_SIZE)):
            for a in range(math.floor(left / TILE_SIZE), math.ceil((left + side) / TILE_SIZE)):
                old = self._old.get((a, b))
                if old is not None:
                    painter.drawPixmap(QRectF(at.x() + (a * TILE_SIZE - left) / k,
                                              at.y() + (b * TILE_SIZE - top) / k,
                                              TILE_SIZE / k, TILE_SIZE / k),
                                       old, QRectF(old.rect()))
        painter.restore()


def _span(rect: QRect, origin: QPoint) -> tuple[QPoint, QPoint]:
    """The first and last squares (column, row) meeting ``rect`` (viewport pixels)."""
    return (QPoint((rect.left() + origin.x()) // TILE_SIZE,
                   (rect.top() + origin.y()) // TILE_SIZE),
            QPoint((rect.right() + origin.x()) // TILE_SIZE,
                   (rect.bottom() + origin.y()) // TILE_SIZE))
