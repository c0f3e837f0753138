"""Point symbols (circle, square, photo, vertex, cluster) drawn once and reused as pixmaps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap

SYMBOLS = ("circle", "square", "photo", "vertex")
OUTLINE = QColor(40, 40, 40, 200)


def symbol_radius(symbol: str, text: str = "") -> float:
    """Half the width of a symbol in pixels (what a click or hover within it hits)."""
    if symbol == "vertex":
        return 5.0
    if text:
        return 11.0 + max(0, len(text) - 2) * 3.0
    return 10.0 if symbol == "photo" else 8.0


def cluster_radius(count: int) -> float:
    """Half the width of the circle standing for ``count`` points."""
    return 13.0 if count < 10 else 16.0 if count < 100 else 19.0 if count < 1000 else 22.0


def cluster_radii(counts: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """:func:`cluster_radius` of many counts at once."""
    return np.select([counts < 10, counts < 100, counts < 1000], [13.0, 16.0, 19.0], 22.0)


def count_text(count: int) -> str:
    return str(count) if count < 10_000 else f"{count // 1000}k"


def _text_colour(fill: QColor) -> QColor:
    light = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()
    return QColor(20, 20, 20) if light > 0.62 else QColor(255, 255, 255)


class SymbolCache:
    """Pixmaps of symbols by look, made on first use (a layer keeps one)."""

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._pixmaps: dict[tuple[object, ...], QPixmap] = {}

    def symbol(self, symbol: str, colour: QColor, text: str, dpr: float) -> QPixmap:
        key = ("s", symbol, colour.rgba(), text, dpr)
        found = self._pixmaps.get(key)
        if found is None:
            found = self._store(key, _draw_symbol(symbol, colour, text, dpr))
        return found

    def cluster(self, count: int, colour: QColor, dpr: float) -> QPixmap:
        text = count_text(count)
        key = ("c", text, cluster_radius(count), colour.rgba(), dpr)
        found = self._pixmaps.get(key)
        if found is None:
            found = self._store(key, _draw_cluster(count, colour, dpr))
        return found

    def _store(self, key: tuple[object, ...], pixmap: QPixmap) -> QPixmap:
        if len(self._pixmaps) >= self._limit:
            self._pixmaps.clear()
        self._pixmaps[key] = pixmap
        return pixmap


def _canvas(radius: float, dpr: float) -> tuple[QPixmap, QPainter, QPointF]:
    side = int(2 * radius + 4)
    pixmap = QPixmap(round(side * dpr), round(side * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    return pixmap, painter, QPointF(side / 2, side / 2)


def _label(painter: QPainter, centre: QPointF, radius: float, text: str, fill: QColor) -> None:
    if not text:
        return
    font = QFont()
    font.setBold(True)
    font.setPixelSize(12 if len(text) < 3 else 11)
    painter.setFont(font)
    painter.setPen(_text_colour(fill))
    box = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _draw_symbol(symbol: str, colour: QColor, text: str, dpr: float) -> QPixmap:
    radius = symbol_radius(symbol, text)
    pixmap, painter, c = _canvas(radius, dpr)
    box = QRectF(c.x() - radius, c.y() - radius, 2 * radius, 2 * radius)
    if symbol == "vertex":
        painter.setPen(QPen(colour, 2.0))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawRect(box.adjusted(1, 1, -1, -1))
    elif symbol in ("square", "photo"):
        painter.setPen(QPen(OUTLINE, 1.0))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(box.adjusted(2.5, 2.5, -2.5, -2.5), 2, 2)
        if symbol == "photo" and not text:
            _camera(painter, c, radius, _text_colour(colour))
    else:
        painter.setPen(QPen(OUTLINE, 1.0))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawEllipse(c, radius - 0.5, radius - 0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(c, radius - 2.5, radius - 2.5)
    _label(painter, c, radius, text, colour)
    painter.end()
    return pixmap


def _camera(painter: QPainter, c: QPointF, radius: float, ink: QColor) -> None:
    w, h = radius * 1.1, radius * 0.75
    painter.setBrush(ink)
    painter.drawRoundedRect(QRectF(c.x() - w / 2, c.y() - h / 2 + 1, w, h), 1.5, 1.5)
    painter.drawRect(QRectF(c.x() - w / 5, c.y() - h / 2 - 1, w / 2.5, 2.5))
    painter.setBrush(QColor(90, 90, 90) if ink.lightness() > 128 else QColor(220, 220, 220))
    painter.drawEllipse(QPointF(c.x(), c.y() + 1), h * 0.28, h * 0.28)


def _draw_cluster(count: int, colour: QColor, dpr: float) -> QPixmap:
    radius = cluster_radius(count)
    pixmap, painter, c = _canvas(radius, dpr)
    halo = QColor(colour)
    halo.setAlpha(90)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(halo)
    painter.drawEllipse(c, radius, radius)
    painter.setPen(QPen(QColor(255, 255, 255), 1.5))
    painter.setBrush(colour)
    painter.drawEllipse(c, radius - 4, radius - 4)
    _label(painter, c, radius, count_text(count), colour)
    painter.end()
    return pixmap
