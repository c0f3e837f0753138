"""A layer of point symbols (findings, photos, vertices), optionally grouped at low zoom."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QPointF
from PySide6.QtGui import QColor, QPainter, QPixmap

from fieldsafe.geo.webmercator import WorldRect
from fieldsafe.ui.map.clusters import CLUSTER_MAX_ZOOM, Clusters, IntArray, cluster_points
from fieldsafe.ui.map.layer_base import (
    Feature,
    FloatArray,
    Hit,
    MapLayer,
    TileView,
    world_arrays,
)
from fieldsafe.ui.map.symbols import (
    SYMBOLS,
    SymbolCache,
    cluster_radii,
    cluster_radius,
    symbol_radius,
)

#: How many member labels a group's tooltip lists.
TOOLTIP_LABELS = 5


@dataclass
class PointFeature:
    """A point at ``lat``, ``lon`` drawn as ``symbol`` ("circle", "square", "photo" or
    "vertex") in ``color``, with ``text`` (e.g. a number) inside."""

    lat: float
    lon: float
    feature: Feature
    color: QColor
    text: str = ""
    symbol: str = "circle"


class PointLayer(MapLayer):
    """Points drawn in list order (later ones on top). With ``cluster``, points within about
    40 pixels of each other are drawn as one circle with their count below zoom 17; zooming
    in splits them, and clicking a group zooms to it."""

    def __init__(self, name: str, title: str, points: list[PointFeature],
                 cluster: bool = False, parent: QObject | None = None) -> None:
        super().__init__(name, title, parent)
        self._cluster = cluster
        self._symbols = SymbolCache()
        self._points: list[PointFeature] = []
        self._xs: FloatArray = np.zeros(0)
        self._ys: FloatArray = np.zeros(0)
        self._looks: IntArray = np.zeros(0, dtype=np.intp)
        self._look_keys: list[tuple[str, QColor, str]] = []
        self._palette: list[QColor] = []
        self._colour_ids: IntArray = np.zeros(0, dtype=np.intp)
        self._radii: FloatArray = np.zeros(0)
        self._clusters: dict[int, Clusters] = {}
        self._look_pixmaps: _Looks | None = None
        self._load(points)

    @property
    def cluster(self) -> bool:
        return self._cluster

    def set_cluster(self, cluster: bool) -> None:
        if cluster != self._cluster:
            self._cluster = cluster
            self.changed.emit()

    def points(self) -> list[PointFeature]:
        return list(self._points)

    def set_features(self, points: list[PointFeature]) -> None:
        """Replace all the points (then the view redraws the layer)."""
        self._load(points)
        self.changed.emit()

    set_points = set_features

    def _load(self, points: list[PointFeature]) -> None:
        for point in points:
            if point.symbol not in SYMBOLS:
                raise ValueError(f"unknown point symbol {point.symbol!r}; one of {SYMBOLS}")
        self._points = list(points)
        self._xs, self._ys = world_arrays([p.lat for p in points], [p.lon for p in points])
        looks: dict[tuple[str, int, str], int] = {}
        colours: dict[int, int] = {}
        self._look_keys, self._palette = [], []
        look_ids, colour_ids = [], []
        for p in points:
            rgba = p.color.rgba()
            look = looks.setdefault((p.symbol, rgba, p.text), len(looks))
            if look == len(self._look_keys):
                self._look_keys.append((p.symbol, QColor(p.color), p.text))
            colour = colours.setdefault(rgba, len(colours))
            if colour == len(self._palette):
                self._palette.append(QColor(p.color))
            look_ids.append(look)
            colour_ids.append(colour)
        self._looks = np.asarray(look_ids, dtype=np.intp)
        self._colour_ids = np.asarray(colour_ids, dtype=np.intp)
        self._radii = np.asarray([symbol_radius(p.symbol, p.text) for p in points])
        self._clusters = {}
        self._look_pixmaps = None

    def bounds_world(self) -> WorldRect | None:
        if not self._points:
            return None
        return (float(self._xs.min()), float(self._ys.min()),
                float(self._xs.max()), float(self._ys.max()))

    def clusters_at(self, zoom: float) -> Clusters | None:
        """The groups drawn at ``zoom``, or None when every point is drawn on its own."""
        level = math.floor(zoom + 1e-9)
        if not self._cluster or level >= CLUSTER_MAX_ZOOM or not self._points:
            return None
        found = self._clusters.get(level)
        if found is None:
            found = cluster_points(self._xs, self._ys, self._colour_ids, level)
            self._clusters[level] = found
        return found

    def paint(self, painter: QPainter, tile: TileView) -> None:
        dpr = painter.device().devicePixelRatioF()
        pixmaps = self._pixmaps(dpr)
        clusters = self.clusters_at(tile.zoom)
        if clusters is None:
            margin = float(self._radii.max()) + 2 if len(self._radii) else 0.0
            inside = _within(self._xs, self._ys, tile.world_rect(margin))
            xs, ys = tile.to_tile(self._xs[inside], self._ys[inside])
            for i, x, y in zip(inside.tolist(), xs.tolist(), ys.tolist(), strict=True):
                _stamp(painter, pixmaps.get(int(self._looks[i])), x, y)
            return
        inside = _within(clusters.xs, clusters.ys, tile.world_rect(cluster_radius(10_000) + 2))
        xs, ys = tile.to_tile(clusters.xs[inside], clusters.ys[inside])
        for c, x, y in zip(inside.tolist(), xs.tolist(), ys.tolist(), strict=True):
            count = int(clusters.counts[c])
            if count == 1:
                pixmap = pixmaps.get(int(self._looks[clusters.order[clusters.starts[c]]]))
            else:
                colour = self._palette[clusters.colours[c]]
                pixmap = self._symbols.cluster(count, colour, dpr)
            _stamp(painter, pixmap, x, y)

    def _pixmaps(self, dpr: float) -> _Looks:
        if self._look_pixmaps is None or self._look_pixmaps.dpr != dpr:
            self._look_pixmaps = _Looks(self._symbols, self._look_keys, dpr)
        return self._look_pixmaps

    def hit_test(self, x: float, y: float, zoom: float) -> Hit | None:
        if not self._points:
            return None
        scale = 2.0**zoom
        clusters = self.clusters_at(zoom)
        if clusters is None:
            found = _nearest_within(self._xs, self._ys, self._radii + 2, x, y, scale)
            if found is None:
                return None
            feature = self._points[found].feature
            return Hit(feature, feature.label)
        radii = cluster_radii(clusters.counts)
        singles = clusters.counts == 1
        radii[singles] = self._radii[clusters.order[clusters.starts[:-1][singles]]]
        found = _nearest_within(clusters.xs, clusters.ys, radii + 2, x, y, scale)
        if found is None:
            return None
        members = clusters.members(found)
        if len(members) == 1:
            feature = self._points[int(members[0])].feature
            return Hit(feature, feature.label)
        labels = [self._points[int(i)].feature.label for i in members[:TOOLTIP_LABELS]]
        more = ["…"] if len(members) > TOOLTIP_LABELS else []
        heading = self.tr("{n} points (click to zoom in)").format(n=len(members))
        box = clusters.boxes[found]
        return Hit(None, "\n".join([heading, *labels, *more]),
                   (float(box[0]), float(box[1]), float(box[2]), float(box[3])))


class _Looks:
    """The pixmap of each distinct look of a layer's points, made when first drawn."""

    def __init__(self, symbols: SymbolCache, keys: list[tuple[str, QColor, str]],
                 dpr: float) -> None:
        self.dpr = dpr
        self._symbols, self._keys = symbols, keys
        self._made: dict[int, QPixmap] = {}

    def get(self, look: int) -> QPixmap:
        found = self._made.get(look)
        if found is None:
            symbol, colour, text = self._keys[look]
            found = self._made[look] = self._symbols.symbol(symbol, colour, text, self.dpr)
        return found


def _within(xs: FloatArray, ys: FloatArray, rect: WorldRect) -> IntArray:
    x0, y0, x1, y1 = rect
    return np.flatnonzero((xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1))


def _stamp(painter: QPainter, pixmap: QPixmap, x: float, y: float) -> None:
    size = pixmap.deviceIndependentSize()
    painter.drawPixmap(QPointF(round(x - size.width() / 2), round(y - size.height() / 2)),
                       pixmap)


def _nearest_within(xs: FloatArray, ys: FloatArray, radii: FloatArray, x: float, y: float,
                    scale: float) -> int | None:
    """The index of the point nearest (x, y) among those within their radius (pixels)."""
    d2 = ((xs - x) * scale) ** 2 + ((ys - y) * scale) ** 2
    hits = np.flatnonzero(d2 <= radii**2)
    if len(hits) == 0:
        return None
    best = d2[hits]
    # the nearest; of equals, the last drawn (on top)
    return int(hits[len(best) - 1 - int(np.argmin(best[::-1]))])
