"""The map's drawing surface: basemap, layers, view geometry and decorations (no input)."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QPainter,
    QResizeEvent,
    QShowEvent,
    QTransform,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from fieldsafe.geo.errors import MBTilesError
from fieldsafe.geo.webmercator import TILE_SIZE, WorldRect, scale_bar, to_lat_lon, to_world
from fieldsafe.ui.map.composer import TileComposer
from fieldsafe.ui.map.decorations import (
    draw_attribution,
    draw_grid_labels,
    draw_north_arrow,
    draw_scale_bar,
    grid_labels,
    plain_text,
)
from fieldsafe.ui.map.layer_base import MapLayer
from fieldsafe.ui.map.tiles import MIB, TileStore

MIN_ZOOM = 0.0
MAX_ZOOM = 21.0
#: The zoom ``fit_bounds`` uses for a single point.
POINT_ZOOM = 17.0
#: How far (pixels) an arrow key pans.
KEY_PAN_PX = 64
#: Zoom levels per wheel notch (and per + or - key press).
ZOOM_STEP = 1.0
#: The longest the scale bar gets (pixels).
SCALE_BAR_PX = 120.0


class MapCanvas(QGraphicsView):
    """Draws WGS84 layers on an MBTiles basemap (or a graticule without one); MapView adds
    the mouse and keys.

    Positions are (lat, lon) in the API. Inside, the scene is in Web Mercator world pixels at
    zoom 0 (see :mod:`fieldsafe.geo.webmercator`), so items added to ``scene()`` use those.
    """

    #: The centre or zoom changed.
    view_changed = Signal()
    #: A layer was added, removed, moved, shown, hidden or changed.
    layers_changed = Signal()
    #: Every basemap tile asked for has been read.
    tiles_loaded = Signal()
    #: Reading the basemap failed after it was opened (the message names the file).
    basemap_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, tile_cache_mb: int = 64) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._scrolled)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAccessibleName(self.tr("Map"))
        self.setAccessibleDescription(self.tr(
            "Drag or use the arrow keys to move the map; the wheel or + and - to zoom"))
        self._store = TileStore(self, tile_cache_mb * MIB)
        self._store.tile_ready.connect(self._tile_ready)
        self._store.failed.connect(self._tiles_failed)
        self._store.idle.connect(self.tiles_loaded)
        self._layers: list[MapLayer] = []
        self._composer = TileComposer(self, self._store, self.layers, self.graticule_visible)
        self._composer.updated.connect(self.viewport().update)
        self._center = to_world(0.0, 0.0)
        self._zoom = 2.0
        self._fit_later: tuple[tuple[float, float, float, float], int] | None = None
        self._applying = False
        self._north_arrow = False
        self.basemap_error = ""
        self._attribution = ""
        self._apply()

    # -- basemap ---------------------------------------------------------------------------

    def set_basemap(self, path: Path | None) -> None:
        """Show the MBTiles file at ``path``, or a plain background with a graticule (None).

        A file that cannot be used raises its MBTilesError (a UserError naming the file),
        which is also kept in ``basemap_error``; the view then shows the graticule.
        """
        self.basemap_error, self._attribution = "", ""
        try:
            self._store.open(path)
        except MBTilesError as err:
            self.basemap_error = str(err)
            raise
        finally:
            self._refresh()
        if self._store.source is not None:
            self._attribution = plain_text(self._store.source.attribution)

    def basemap_bounds(self) -> tuple[float, float, float, float] | None:
        """The basemap's extent as (south, west, north, east), when its file says."""
        source = self._store.source
        if source is None or source.bounds is None:
            return None
        west, south, east, north = source.bounds
        return south, west, north, east

    @property
    def tile_store(self) -> TileStore:
        """The basemap's reader and decoded-tile cache."""
        return self._store

    def graticule_visible(self) -> bool:
        return self._store.source is None or bool(self._store.error)

    def attribution(self) -> str:
        return self._attribution

    def is_loading(self) -> bool:
        """Whether basemap tiles are still being read or parts of the view painted."""
        return self._store.loading or self._composer.busy

    def set_tile_cache_mb(self, megabytes: int) -> None:
        """Bound the decoded basemap tiles kept in memory (least recently used go first)."""
        self._store.cache.set_limit(int(megabytes) * MIB)

    def tile_cache_bytes(self) -> int:
        return self._store.cache.bytes

    def tile_cache_limit(self) -> int:
        return self._store.cache.limit

    @property
    def show_north_arrow(self) -> bool:
        return self._north_arrow

    @show_north_arrow.setter
    def show_north_arrow(self, show: bool) -> None:
        self.set_show_north_arrow(show)

    def set_show_north_arrow(self, show: bool) -> None:
        self._north_arrow = bool(show)
        self.viewport().update()

    # -- layers ----------------------------------------------------------------------------

    def add_layer(self, layer: MapLayer) -> None:
        """Draw ``layer`` above the others; its name must be new to this view."""
        if self.layer(layer.name) is not None:
            raise ValueError(f"the map already has a layer named {layer.name!r}")
        self._layers.append(layer)
        layer.changed.connect(self._layer_changed)
        self._layer_changed()

    def remove_layer(self, name: str) -> MapLayer | None:
        """Take the layer ``name`` off the map (and return it); None if there is none."""
        layer = self.layer(name)
        if layer is not None:
            self._layers.remove(layer)
            layer.changed.disconnect(self._layer_changed)
            self._layer_changed()
        return layer

    def replace_layer(self, layer: MapLayer) -> None:
        """Put ``layer`` in place of the layer of its name, at its place in the drawing
        order and shown or hidden as it was (what the user set in the layer list stays
        when a filter rebuilds the content); above the others if there was none."""
        old = self.layer(layer.name)
        if old is None:
            self.add_layer(layer)
            return
        layer.set_visible(old.visible)
        index = self._layers.index(old)
        old.changed.disconnect(self._layer_changed)
        self._layers[index] = layer
        layer.changed.connect(self._layer_changed)
        self._layer_changed()

    def layer(self, name: str) -> MapLayer | None:
        return next((layer for layer in self._layers if layer.name == name), None)

    def layers(self) -> list[MapLayer]:
        """The layers in drawing order (the last is on top)."""
        return list(self._layers)

    def move_layer(self, name: str, index: int) -> None:
        """Put layer ``name`` at ``index`` in the drawing order (clamped to the list)."""
        layer = self.layer(name)
        if layer is None:
            raise KeyError(name)
        self._layers.remove(layer)
        self._layers.insert(max(0, min(index, len(self._layers))), layer)
        self._layer_changed()

    def _layer_changed(self) -> None:
        self._refresh()
        self.layers_changed.emit()

    # -- view ------------------------------------------------------------------------------

    def set_view(self, lat: float, lon: float, zoom: float) -> None:
        self._fit_later = None
        self._center = to_world(lat, lon)
        self._zoom = zoom
        self._apply()

    def fit_bounds(self, south: float, west: float, north: float, east: float,
                   padding_px: int = 40) -> None:
        """Show the box, ``padding_px`` in from the edges (again once shown, if hidden)."""
        self._fit_later = ((south, west, north, east), padding_px) if not self.isVisible() \
            else None
        x0, y0 = to_world(north, west)
        x1, y1 = to_world(south, east)
        room_x = max(1.0, self.viewport().width() - 2.0 * padding_px)
        room_y = max(1.0, self.viewport().height() - 2.0 * padding_px)
        fits = [room for room, size in ((room_x, x1 - x0), (room_y, y1 - y0)) if size > 1e-12]
        widths = [room / size for room, size in ((room_x, x1 - x0), (room_y, y1 - y0))
                  if size > 1e-12]
        self._zoom = math.log2(min(widths)) if fits else POINT_ZOOM
        self._center = ((x0 + x1) / 2, (y0 + y1) / 2)
        self._apply()

    def fit_world_rect(self, rect: WorldRect, padding_px: int = 40) -> None:
        north, west = to_lat_lon(rect[0], rect[1])
        south, east = to_lat_lon(rect[2], rect[3])
        self.fit_bounds(south, west, north, east, padding_px)

    def zoom(self) -> float:
        return self._zoom

    def center(self) -> tuple[float, float]:
        return to_lat_lon(*self._center)

    def lat_lon_at(self, pos: QPoint | QPointF) -> tuple[float, float]:
        """The (lat, lon) at ``pos`` in viewport pixels."""
        inverse, _ = self.viewportTransform().inverted()
        world = inverse.map(QPointF(pos))
        return to_lat_lon(world.x(), world.y())

    def view_point(self, lat: float, lon: float) -> QPoint:
        """Where (lat, lon) is in viewport pixels (possibly outside the viewport)."""
        return self.viewportTransform().map(QPointF(*to_world(lat, lon))).toPoint()

    def _apply(self) -> None:
        self._zoom = max(MIN_ZOOM, min(MAX_ZOOM, self._zoom))
        self._center = (max(0.0, min(TILE_SIZE, self._center[0])),
                        max(0.0, min(TILE_SIZE, self._center[1])))
        s = 2.0**self._zoom
        width, height = self.viewport().width(), self.viewport().height()
        self._applying = True
        try:
            self.setTransform(QTransform.fromScale(s, s))
            mx, my = width / s, height / s
            self.setSceneRect(QRectF(-mx, -my, TILE_SIZE + 2 * mx, TILE_SIZE + 2 * my))
            self.horizontalScrollBar().setValue(round(self._center[0] * s - width / 2))
            self.verticalScrollBar().setValue(round(self._center[1] * s - height / 2))
        finally:
            self._applying = False
        self._composer.set_view(self._zoom, self.viewport().devicePixelRatioF())
        self._store.forget_requests()
        transform = self.viewportTransform()
        self._composer.request(self.viewport().rect(),
                               QPoint(round(-transform.dx()), round(-transform.dy())))
        self.viewport().update()
        self.view_changed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._applying = True  # Qt moves the scroll bars first; keep the centre
        try:
            super().resizeEvent(event)
        finally:
            self._applying = False
        self._refit_or_apply()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refit_or_apply()

    def _refit_or_apply(self) -> None:
        if self._fit_later is not None and self.isVisible():
            bounds, padding = self._fit_later
            self.fit_bounds(*bounds, padding_px=padding)
        else:
            self._apply()

    def _scrolled(self) -> None:
        if not self._applying:  # scrolled by Qt itself (e.g. ensureVisible)
            s = 2.0**self._zoom
            self._center = ((self.horizontalScrollBar().value() + self.viewport().width() / 2)
                            / s, (self.verticalScrollBar().value()
                                  + self.viewport().height() / 2) / s)
            self.viewport().update()
            self.view_changed.emit()

    def _refresh(self) -> None:
        self._composer.clear()
        self.viewport().update()

    def _tile_ready(self, z: int, x: int, y: int) -> None:
        size = TILE_SIZE / 2**z
        self._composer.invalidate((x * size, y * size, (x + 1) * size, (y + 1) * size))
        self.viewport().update()

    def _tiles_failed(self, message: str) -> None:
        self.basemap_error = message
        self._refresh()
        self.basemap_failed.emit(message)

    # -- painting --------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        transform = self.viewportTransform()
        origin = QPoint(round(-transform.dx()), round(-transform.dy()))
        exposed = transform.mapRect(QRectF(rect)).toAlignedRect() & self.viewport().rect()
        painter.save()
        painter.resetTransform()
        self._composer.paint(painter, exposed, origin)
        painter.restore()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        view = self.viewport().rect()
        painter.save()
        painter.resetTransform()
        if self.graticule_visible():
            inverse, _ = self.viewportTransform().inverted()
            tops, lefts = grid_labels(self._zoom, inverse.map(QPointF(0, 0)), 2.0**self._zoom,
                                      view, self.tr("NS", "north, south"),
                                      self.tr("EW", "east, west"))
            draw_grid_labels(painter, view, tops, lefts)
        lat = self.center()[0]
        metres, pixels = scale_bar(lat, self._zoom, SCALE_BAR_PX)
        text = (self.tr("{n} km").format(n=f"{metres / 1000:g}") if metres >= 1000
                else self.tr("{n} m").format(n=f"{metres:g}"))
        draw_scale_bar(painter, view, pixels, text)
        draw_attribution(painter, view, self._attribution)
        if self._north_arrow:
            draw_north_arrow(painter, view, self.tr("N", "north"))
        painter.restore()
