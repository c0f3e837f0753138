"""What is drawn over the map: graticule, scale bar, attribution and north arrow."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from fieldsafe.geo.webmercator import (
    MAX_LAT,
    format_degrees,
    grid_lines,
    grid_step,
    to_lat_lon,
    to_world,
)
from fieldsafe.ui.map.layer_base import TileView

GRID = QColor(150, 160, 176)
GRID_MAIN = QColor(110, 122, 140)
INK = QColor(33, 37, 41)
PANEL = QColor(255, 255, 255, 205)
MARGIN = 8


def plain_text(markup: str) -> str:
    """An attribution as plain text: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", markup)).split())


def paint_grid_lines(painter: QPainter, tile: TileView) -> None:
    """The graticule lines crossing ``tile`` (labels are drawn over the whole view)."""
    step = grid_step(tile.zoom)
    x0, y0, x1, y1 = tile.world_rect()
    north, west = to_lat_lon(x0, y0)
    south, east = to_lat_lon(x1, y1)
    s = tile.scale
    painter.save()
    for lon in grid_lines(west, east, step):
        x = round(to_world(0.0, lon)[0] * s - tile.left) + 0.5
        painter.setPen(QPen(GRID_MAIN if lon == 0 else GRID, 1.0))
        painter.drawLine(QPointF(x, 0), QPointF(x, tile.size))
    for lat in grid_lines(max(south, -MAX_LAT), min(north, MAX_LAT), step):
        y = round(to_world(lat, 0.0)[1] * s - tile.top) + 0.5
        painter.setPen(QPen(GRID_MAIN if lat == 0 else GRID, 1.0))
        painter.drawLine(QPointF(0, y), QPointF(tile.size, y))
    painter.restore()


def grid_labels(zoom: float, world_at: QPointF, scale: float, viewport: QRect,
                north_south: str = "NS", east_west: str = "EW",
                ) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """The graticule's labels along the top (x, text) and left edge (y, text) of the view;
    ``world_at`` is the world pixel at the viewport's top-left corner; the letters are the
    hemispheres' (translated)."""
    step = grid_step(zoom)
    x0, y0 = world_at.x(), world_at.y()
    x1, y1 = x0 + viewport.width() / scale, y0 + viewport.height() / scale
    north, west = to_lat_lon(x0, y0)
    south, east = to_lat_lon(x1, y1)
    tops = [((to_world(0.0, lon)[0] - x0) * scale, format_degrees(lon, step, east_west))
            for lon in grid_lines(max(west, -180.0), min(east, 180.0), step)]
    lefts = [((to_world(lat, 0.0)[1] - y0) * scale, format_degrees(lat, step, north_south))
             for lat in grid_lines(max(south, -MAX_LAT), min(north, MAX_LAT), step)]
    return tops, lefts


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def draw_grid_labels(painter: QPainter, viewport: QRect, tops: list[tuple[float, str]],
                     lefts: list[tuple[float, str]]) -> None:
    font = _font(11)
    metrics = QFontMetricsF(font)
    painter.setFont(font)
    for x, text in tops:
        width = metrics.horizontalAdvance(text)
        box = QRectF(x + 3, 2, width + 4, metrics.height())
        if box.right() > viewport.width():
            box.moveRight(x - 3)  # left of the line at the right edge
        painter.fillRect(box, PANEL)
        painter.setPen(INK)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    for y, text in lefts:
        width = metrics.horizontalAdvance(text)
        box = QRectF(2, y - metrics.height() - 1, width + 4, metrics.height())
        if box.top() < metrics.height() + 4:
            continue  # would cover the labels along the top
        painter.fillRect(box, PANEL)
        painter.setPen(INK)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def draw_scale_bar(painter: QPainter, viewport: QRect, pixels: float, text: str) -> QRectF:
    """A scale bar ``pixels`` long labelled ``text`` at the bottom left; its box."""
    font = _font(11)
    metrics = QFontMetricsF(font)
    width = max(pixels, metrics.horizontalAdvance(text)) + 12
    box = QRectF(MARGIN, viewport.height() - MARGIN - 30, width, 30)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(box, PANEL)
    left, base = box.left() + 6, box.bottom() - 6
    bar = QPolygonF([QPointF(left, base - 5), QPointF(left, base),
                     QPointF(left + pixels, base), QPointF(left + pixels, base - 5)])
    painter.setPen(QPen(QColor(255, 255, 255), 4))
    painter.drawPolyline(bar)
    painter.setPen(QPen(INK, 2))
    painter.drawPolyline(bar)
    painter.setFont(font)
    painter.drawText(QRectF(left, box.top() + 2, width, 14),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    return box


def draw_attribution(painter: QPainter, viewport: QRect, text: str) -> None:
    """The basemap's credit at the bottom right, shortened with … when it does not fit."""
    if not text:
        return
    font = _font(10)
    metrics = QFontMetricsF(font)
    room = max(40.0, viewport.width() * 0.6)
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
    width = metrics.horizontalAdvance(shown) + 8
    box = QRectF(viewport.width() - width, viewport.height() - metrics.height() - 2,
                 width, metrics.height() + 2)
    painter.fillRect(box, PANEL)
    painter.setFont(font)
    painter.setPen(INK)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shown)


def draw_north_arrow(painter: QPainter, viewport: QRect, letter: str) -> None:
    """An arrow pointing up with ``letter`` (N) under it, at the top right."""
    cx, top = viewport.width() - MARGIN - 16, MARGIN + 16.0
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(QRectF(cx - 16, top - 12, 32, 52), 6, 6)
    left = QPainterPath()
    left.addPolygon(QPolygonF([QPointF(cx, top - 6), QPointF(cx - 8, top + 18),
                               QPointF(cx, top + 13)]))
    right = QPainterPath()
    right.addPolygon(QPolygonF([QPointF(cx, top - 6), QPointF(cx + 8, top + 18),
                                QPointF(cx, top + 13)]))
    painter.fillPath(left, INK)
    painter.fillPath(right, QColor(120, 120, 120))
    painter.setFont(_font(12, bold=True))
    painter.setPen(INK)
    painter.drawText(QRectF(cx - 14, top + 19, 28, 18), Qt.AlignmentFlag.AlignCenter, letter)
