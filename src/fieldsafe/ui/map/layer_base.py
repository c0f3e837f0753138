"""What every map layer shares: features, visibility, change notices, tile painting, hit tests."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPainter, QTransform

from fieldsafe.geo.webmercator import MAX_LAT, TILE_SIZE, WorldRect, to_lat_lon

FloatArray = npt.NDArray[np.float64]


@dataclass
class Feature:
    """Something drawn on the map that the user can hover and click (a finding, a route, …).

    ``kind`` and ``data`` are the caller's (e.g. ``"finding"`` and its id); ``label`` is the
    tooltip. The view's signals give back the very object the layer was given.
    """

    kind: str
    data: object
    label: str


@dataclass(frozen=True, slots=True)
class TileView:
    """One square of the screen being painted, in device pixels at ``zoom``.

    ``left``/``top`` are the square's corner in level pixels (world pixels × 2**zoom).
    """

    zoom: float
    left: float
    top: float
    size: int = TILE_SIZE

    @property
    def scale(self) -> float:
        return float(2.0**self.zoom)

    def world_rect(self, margin_px: float = 0.0) -> WorldRect:
        """This square in zoom-0 world pixels, grown by ``margin_px`` screen pixels each side."""
        s = self.scale
        return ((self.left - margin_px) / s, (self.top - margin_px) / s,
                (self.left + self.size + margin_px) / s, (self.top + self.size + margin_px) / s)

    def transform(self) -> QTransform:
        """World pixels (zoom 0) to this square's pixels."""
        s = self.scale
        return QTransform(s, 0.0, 0.0, s, -self.left, -self.top)

    def to_tile(self, xs: FloatArray, ys: FloatArray) -> tuple[FloatArray, FloatArray]:
        """World pixel arrays to this square's pixels."""
        s = self.scale
        return xs * s - self.left, ys * s - self.top


@dataclass(frozen=True, slots=True)
class Hit:
    """What is under the cursor: a feature, or a group of them (``zoom_to`` is their extent)."""

    feature: Feature | None
    tooltip: str
    zoom_to: WorldRect | None = None


def world_arrays(lat: Sequence[float] | FloatArray,
                 lon: Sequence[float] | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`fieldsafe.geo.webmercator.to_world` for many points."""
    lat_arr = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    lon_arr = np.asarray(lon, dtype=np.float64)
    xs = (lon_arr + 180.0) / 360.0 * TILE_SIZE
    phi = np.radians(lat_arr)
    ys = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0 * TILE_SIZE
    return xs, ys


def boxes_hit(boxes: FloatArray, rect: WorldRect) -> npt.NDArray[np.intp]:
    """Indices of the ``(n, 4)`` bounding boxes (min x, min y, max x, max y) meeting ``rect``,
    in order."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.intp)
    x0, y0, x1, y1 = rect
    mask = (boxes[:, 0] <= x1) & (boxes[:, 2] >= x0) & (boxes[:, 1] <= y1) & (boxes[:, 3] >= y0)
    return np.flatnonzero(mask)


def union_box(boxes: FloatArray) -> WorldRect | None:
    """The box around all ``boxes``, or None if there are none."""
    if len(boxes) == 0:
        return None
    return (float(boxes[:, 0].min()), float(boxes[:, 1].min()),
            float(boxes[:, 2].max()), float(boxes[:, 3].max()))


class MapLayer(QObject):
    """A named, titled set of features drawn in order with the other layers of a MapView.

    Subclasses paint the part of their content inside one screen square (:meth:`paint`) and
    say what is under a point (:meth:`hit_test`); they emit ``changed`` when they change.
    """

    #: The layer's content, look or visibility changed (the view repaints it).
    changed = Signal()

    def __init__(self, name: str, title: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.title = title
        self._visible = True

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, visible: bool) -> None:
        self.set_visible(visible)

    def set_visible(self, visible: bool) -> None:
        if bool(visible) != self._visible:
            self._visible = bool(visible)
            self.changed.emit()

    def set_title(self, title: str) -> None:
        if title != self.title:
            self.title = title
            self.changed.emit()

    def bounds_world(self) -> WorldRect | None:
        """The extent of the content in zoom-0 world pixels, or None when empty."""
        return None

    def bounds(self) -> tuple[float, float, float, float] | None:
        """The extent as ``(south, west, north, east)`` degrees (for ``fit_bounds``)."""
        box = self.bounds_world()
        if box is None:
            return None
        north, west = to_lat_lon(box[0], box[1])
        south, east = to_lat_lon(box[2], box[3])
        return south, west, north, east

    def paint(self, painter: QPainter, tile: TileView) -> None:
        """Draw the content inside ``tile`` (the painter is in the tile's pixels)."""

    def hit_test(self, x: float, y: float, zoom: float) -> Hit | None:
        """What of this layer is at world pixel ``(x, y)`` when shown at ``zoom``."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
