"""Layers of lines (routes, tracks) and of named areas (wards, zones) drawn from WGS84 data."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)
from shapely.geometry.base import BaseGeometry

from fieldsafe.geo.webmercator import WorldRect
from fieldsafe.ui.map.layer_base import (
    Feature,
    FloatArray,
    Hit,
    MapLayer,
    TileView,
    boxes_hit,
    union_box,
    world_arrays,
)

#: Lines with more vertices than this are simplified for each zoom level (to half a pixel).
SIMPLIFY_OVER = 64
#: How far (pixels) beyond a line's half-width a hover or click still hits it.
LINE_SLOP_PX = 3.0
_NO_BOX = (math.inf, math.inf, -math.inf, -math.inf)


@dataclass
class LineFeature:
    """A line through ``coords`` ((lat, lon) pairs) in ``color``, ``width`` pixels wide."""

    coords: list[tuple[float, float]]
    color: QColor
    width: float = 4
    feature: Feature | None = None
    dashed: bool = False


def _polygon(points: FloatArray) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points.tolist()])


class LineLayer(MapLayer):
    """Lines drawn in list order, the same width in pixels at every zoom."""

    def __init__(self, name: str, title: str, lines: list[LineFeature],
                 parent: QObject | None = None) -> None:
        super().__init__(name, title, parent)
        self._lines: list[LineFeature] = []
        self._world: list[FloatArray] = []
        self._boxes: FloatArray = np.zeros((0, 4))
        self._pens: list[QPen] = []
        self._polygons: dict[int, dict[int, QPolygonF]] = {}
        self._load(lines)

    def lines(self) -> list[LineFeature]:
        return list(self._lines)

    def set_features(self, lines: list[LineFeature]) -> None:
        """Replace all the lines (then the view redraws the layer)."""
        self._load(lines)
        self.changed.emit()

    set_lines = set_features

    def _load(self, lines: list[LineFeature]) -> None:
        self._lines = list(lines)
        self._world, boxes, self._pens = [], [], []
        for line in lines:
            lat = [c[0] for c in line.coords]
            lon = [c[1] for c in line.coords]
            xs, ys = world_arrays(lat, lon)
            points = np.column_stack((xs, ys)) if len(xs) else np.zeros((0, 2))
            self._world.append(points)
            boxes.append((xs.min(), ys.min(), xs.max(), ys.max()) if len(xs) else _NO_BOX)
            pen = QPen(QColor(line.color), float(line.width))
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)  # a third faster than round joins
            if line.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            self._pens.append(pen)
        self._boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        self._polygons = {}
        self._scaled_pens: dict[float, list[QPen]] = {}
        self._max_width = max((line.width for line in lines), default=0.0)

    def bounds_world(self) -> WorldRect | None:
        return union_box(self._boxes[np.isfinite(self._boxes[:, 0])])

    def _polygon_at(self, i: int, level: int) -> QPolygonF:
        points = self._world[i]
        if len(points) <= SIMPLIFY_OVER:
            level = -1  # one polygon serves every zoom
        cache = self._polygons.setdefault(level, {})
        found = cache.get(i)
        if found is None:
            if level >= 0:
                tolerance = 0.5 / 2.0**level
                points = shapely.get_coordinates(
                    shapely.simplify(shapely.linestrings(points), tolerance))
            found = cache[i] = _polygon(points)
            if len(self._polygons) > 4:  # keep the shared one and a few zoom levels
                for other in [k for k in self._polygons if k not in (-1, level)][:1]:
                    del self._polygons[other]
        return found

    def paint(self, painter: QPainter, tile: TileView) -> None:
        hits = boxes_hit(self._boxes, tile.world_rect(self._max_width / 2 + 1))
        if len(hits) == 0:
            return
        level = math.floor(tile.zoom + 1e-9)
        pens = self._pens_for(painter.device().devicePixelRatioF())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(tile.transform(), True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i in hits.tolist():
            painter.setPen(pens[i])
            painter.drawPolyline(self._polygon_at(i, level))

    def _pens_for(self, dpr: float) -> list[QPen]:
        """The pens at ``dpr`` (cosmetic widths are device pixels, so they are scaled)."""
        if dpr == 1.0:
            return self._pens
        found = self._scaled_pens.get(dpr)
        if found is None:
            found = self._scaled_pens[dpr] = [_scaled(pen, dpr) for pen in self._pens]
        return found

    def hit_test(self, x: float, y: float, zoom: float) -> Hit | None:
        scale = 2.0**zoom
        slop = (self._max_width / 2 + LINE_SLOP_PX) / scale
        best: tuple[float, int] | None = None
        for i in boxes_hit(self._boxes, (x - slop, y - slop, x + slop, y + slop)).tolist():
            line = self._lines[i]
            if line.feature is None:
                continue
            distance = _distance(self._world[i], x, y) * scale
            if distance <= line.width / 2 + LINE_SLOP_PX and (best is None or
                                                               distance <= best[0]):
                best = (distance, i)
        if best is None:
            return None
        feature = self._lines[best[1]].feature
        assert feature is not None
        return Hit(feature, feature.label)


def _scaled(pen: QPen, dpr: float) -> QPen:
    wider = QPen(pen)
    wider.setWidthF(pen.widthF() * dpr)
    return wider


def _distance(points: FloatArray, x: float, y: float) -> float:
    """The distance from (x, y) to the polyline through ``points``."""
    if len(points) == 1:
        return float(math.hypot(points[0, 0] - x, points[0, 1] - y))
    a, b = points[:-1], points[1:]
    ab = b - a
    ap = np.array([x, y]) - a
    length2 = (ab**2).sum(axis=1)
    t = np.clip((ap * ab).sum(axis=1) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    nearest = a + ab * t[:, None]
    return float(np.sqrt(((nearest - np.array([x, y])) ** 2).sum(axis=1)).min())


def _to_world(geometry: BaseGeometry) -> BaseGeometry:
    def project(coords: FloatArray) -> FloatArray:
        xs, ys = world_arrays(coords[:, 1], coords[:, 0])
        return np.column_stack((xs, ys))

    return shapely.transform(geometry, project)


def _path(geometry: BaseGeometry) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    parts = list(getattr(geometry, "geoms", [geometry]))
    for part in parts:
        if part.geom_type == "Polygon":
            for ring in [part.exterior, *part.interiors]:
                path.addPolygon(_polygon(shapely.get_coordinates(ring)))
                path.closeSubpath()
        elif hasattr(part, "geoms"):
            path.addPath(_path(part))
        elif not part.is_empty:
            path.addPolygon(_polygon(shapely.get_coordinates(part)))
    return path


class AreaLayer(MapLayer):
    """Named areas (WGS84 lon/lat shapely geometries) filled lightly in ``color`` with an
    outline, their names written inside when they are big enough on screen."""

    def __init__(self, name: str, title: str, areas: list[tuple[BaseGeometry, str]],
                 color: QColor, parent: QObject | None = None) -> None:
        super().__init__(name, title, parent)
        self._color = QColor(color)
        self._areas: list[tuple[BaseGeometry, str]] = []
        self._load(areas)

    def areas(self) -> list[tuple[BaseGeometry, str]]:
        return list(self._areas)

    def features(self) -> list[Feature]:
        """The feature of each area (kind "area", data the geometry, label its name)."""
        return list(self._features)

    def set_features(self, areas: list[tuple[BaseGeometry, str]]) -> None:
        """Replace all the areas (then the view redraws the layer)."""
        self._load(areas)
        self.changed.emit()

    set_areas = set_features

    def set_color(self, color: QColor) -> None:
        self._color = QColor(color)
        self.changed.emit()

    def _load(self, areas: list[tuple[BaseGeometry, str]]) -> None:
        self._areas = list(areas)
        self._world = [_to_world(geometry) for geometry, _ in areas]
        self._paths = [_path(geometry) for geometry in self._world]
        self._features = [Feature("area", geometry, label) for geometry, label in areas]
        bounds = [g.bounds if not g.is_empty else _NO_BOX for g in self._world]
        self._boxes = np.asarray(bounds, dtype=np.float64).reshape(-1, 4)
        anchors = [shapely.point_on_surface(g) if not g.is_empty else None for g in self._world]
        self._anchors = [(a.x, a.y) if a is not None else (math.nan, math.nan) for a in anchors]
        for geometry in self._world:
            shapely.prepare(geometry)

    def bounds_world(self) -> WorldRect | None:
        return union_box(self._boxes[np.isfinite(self._boxes[:, 0])])

    def paint(self, painter: QPainter, tile: TileView) -> None:
        hits = boxes_hit(self._boxes, tile.world_rect(2.0))
        if len(hits) == 0:
            return
        fill = QColor(self._color)
        fill.setAlphaF(min(fill.alphaF(), 0.18))
        pen = QPen(self._color, 2.0 * painter.device().devicePixelRatioF())
        pen.setCosmetic(True)
        base = painter.transform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(tile.transform(), True)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        for i in hits.tolist():
            painter.drawPath(self._paths[i])
        painter.setTransform(base)
        self._paint_labels(painter, tile)

    def _paint_labels(self, painter: QPainter, tile: TileView) -> None:
        font = QFont()
        font.setPixelSize(13)
        font.setBold(True)
        ink, halo = self._color.darker(170), QPen(QColor(255, 255, 255, 230), 3.5)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        scale = tile.scale
        for i in boxes_hit(self._boxes, tile.world_rect(150.0)).tolist():
            label = self._areas[i][1]
            x0, y0, x1, y1 = self._boxes[i]
            if not label or (x1 - x0) * scale < 60 or (y1 - y0) * scale < 24:
                continue
            text = QPainterPath()
            text.addText(QPointF(0, 0), font, label)
            box = text.boundingRect()
            if box.width() > (x1 - x0) * scale * 0.9:
                continue
            ax, ay = self._anchors[i]
            dx = round(ax * scale - tile.left - box.center().x())
            dy = round(ay * scale - tile.top - box.center().y())
            placed = QTransform.fromTranslate(dx, dy).map(text)
            painter.strokePath(placed, halo)
            painter.fillPath(placed, ink)

    def hit_test(self, x: float, y: float, zoom: float) -> Hit | None:
        for i in reversed(boxes_hit(self._boxes, (x, y, x, y)).tolist()):
            if shapely.intersects_xy(self._world[i], x, y):
                feature = self._features[i]
                return Hit(feature, feature.label)
        return None
