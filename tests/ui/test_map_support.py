"""Helpers for the map tests: a generated basemap whose tiles are known colours, and waiting
for the view to finish reading and painting (no tests here)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from pytestqt.qtbot import QtBot

from fieldsafe.geo.mbtiles import write_mbtiles
from fieldsafe.geo.webmercator import TILE_SIZE, to_lat_lon
from fieldsafe.ui.map.map_view import MapView


def tile_colour(z: int, x: int, y: int) -> QColor:
    """The colour of test tile z/x/y: neighbours differ, and so do a tile and its parent."""
    return QColor.fromHsv((z * 97 + x * 37 + y * 151) % 360, 170, 225)


def tile_png(z: int, x: int, y: int) -> bytes:
    """A PNG tile filled with its colour, a 1-pixel black edge and "z/x/y" at the top left."""
    image = QImage(TILE_SIZE, TILE_SIZE, QImage.Format.Format_RGB32)
    image.fill(tile_colour(z, x, y))
    painter = QPainter(image)
    painter.setPen(QColor(0, 0, 0))
    painter.drawRect(0, 0, TILE_SIZE - 1, TILE_SIZE - 1)
    font = QFont()
    font.setPixelSize(12)
    painter.setFont(font)
    painter.drawText(QRectF(4, 4, 80, 16), Qt.AlignmentFlag.AlignLeft, f"{z}/{x}/{y}")
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def write_test_basemap(path: Path, zooms: range = range(4), **metadata: str) -> Path:
    tiles = [(z, x, y, tile_png(z, x, y)) for z in zooms for x in range(2**z)
             for y in range(2**z)]
    write_mbtiles(path, tiles, {"name": "test", "format": "png", **metadata})
    return path


def tile_centre(z: int, x: int, y: int, fx: float = 0.5, fy: float = 0.5) -> tuple[float, float]:
    """The (lat, lon) at fraction (fx, fy) across XYZ tile z/x/y."""
    size = TILE_SIZE / 2**z
    return to_lat_lon((x + fx) * size, (y + fy) * size)


def settle(qtbot: QtBot, view: MapView) -> QImage:
    """Wait until the view has read its tiles and painted; what the viewport shows."""
    view.viewport().repaint()
    qtbot.waitUntil(lambda: not view.is_loading(), timeout=10_000)
    return view.viewport().grab().toImage()


def near(image: QImage, at: QPoint, colour: QColor, tolerance: int = 8) -> bool:
    found = image.pixelColor(at)
    return all(abs(a - b) <= tolerance for a, b in (
        (found.red(), colour.red()), (found.green(), colour.green()),
        (found.blue(), colour.blue())))


def shown_view(qtbot: QtBot, width: int = 512, height: int = 512, **kwargs: int) -> MapView:
    view = MapView(**kwargs)
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view
