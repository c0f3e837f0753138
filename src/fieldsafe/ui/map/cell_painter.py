"""Painting one 256-pixel square of the view: ground, basemap tiles, graticule and layers."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPixmap

from fieldsafe.geo.webmercator import TILE_SIZE, tile_bounds, tile_range
from fieldsafe.ui.map.decorations import paint_grid_lines
from fieldsafe.ui.map.layer_base import MapLayer, TileView
from fieldsafe.ui.map.tiles import TileKey, TileStore

#: Beyond the edges of the world (far north and south, or zoomed right out).
OUTSIDE = QColor(196, 201, 207)
#: The ground when there is no basemap, or before its tiles arrive.
PLAIN = QColor(241, 239, 234)
#: Basemap tiles are used down to this many zoom levels below the file's lowest zoom.
UNDERZOOM_LEVELS = 2


class CellPainter:
    """Paints squares of the view from the basemap, the graticule and the layers."""

    def __init__(self, store: TileStore, layers: Callable[[], list[MapLayer]],
                 grid: Callable[[], bool]) -> None:
        self._store, self._layers, self._grid = store, layers, grid

    def basemap_tiles(self, tile: TileView) -> list[TileKey]:
        """The basemap tiles (zoom, x, y) under ``tile``, at the nearest zoom the file has
        (over-zoomed past its highest: those tiles are cropped and scaled up)."""
        source = self._store.source
        if source is None or self._store.error:
            return []
        level = min(max(math.floor(tile.zoom + 0.5), source.minzoom), source.maxzoom)
        if level - tile.zoom > UNDERZOOM_LEVELS:
            return []
        return [(level, x, y) for x, y in tile_range(tile.world_rect(), level)]

    def request(self, tile: TileView) -> None:
        """Start reading the basemap tiles ``tile`` needs."""
        for level, x, y in self.basemap_tiles(tile):
            self._store.best(level, x, y)

    def paint(self, tile: TileView, dpr: float) -> QPixmap:
        side = round(TILE_SIZE * dpr)
        pixmap = QPixmap(side, side)
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(OUTSIDE)
        world = TILE_SIZE * tile.scale
        inside = QRectF(-tile.left, -tile.top, world, world).intersected(
            QRectF(0, 0, TILE_SIZE, TILE_SIZE))
        if inside.isEmpty():
            return pixmap
        painter = QPainter(pixmap)
        painter.fillRect(inside, PLAIN)
        self._paint_basemap(painter, tile)
        if self._grid():
            paint_grid_lines(painter, tile)
        for layer in self._layers():
            if layer.visible:
                painter.save()
                layer.paint(painter, tile)
                painter.restore()
        painter.end()
        return pixmap

    def _paint_basemap(self, painter: QPainter, tile: TileView) -> None:
        s = tile.scale
        for level, x, y in self.basemap_tiles(tile):
            found = self._store.best(level, x, y)
            if found is None:
                continue
            image, (z, ax, ay) = found
            up = level - z
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                                  up > 0 or abs(level - tile.zoom) > 1e-9)
            w, h = image.width() / 2**up, image.height() / 2**up
            source_rect = QRectF((x - (ax << up)) * w, (y - (ay << up)) * h, w, h)
            x0, y0, x1, y1 = tile_bounds(level, x, y)
            target = QRectF(x0 * s - tile.left, y0 * s - tile.top, (x1 - x0) * s, (y1 - y0) * s)
            painter.drawImage(target, image, source_rect)
