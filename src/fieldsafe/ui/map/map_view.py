"""The map view: an offline basemap with layers; pan, zoom, click and hover its features."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QHelpEvent, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from fieldsafe.ui.map.layer_base import Feature, Hit
from fieldsafe.ui.map.map_canvas import (
    KEY_PAN_PX,
    MAX_ZOOM,
    MIN_ZOOM,
    ZOOM_STEP,
    MapCanvas,
)

__all__ = ["KEY_PAN_PX", "ZOOM_STEP", "MapView"]

_ZOOM_IN_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
           Qt.Key.Key_Down: (0, 1)}


class MapView(MapCanvas):
    """A map of WGS84 data on an MBTiles basemap (or a graticule without one).

    Drag or use the arrow keys to pan; the wheel zooms about the cursor, + and - about the
    centre. A click (without a drag) emits ``clicked``; on a feature, ``feature_activated``
    first; on a group of points, the view zooms to it. Hovering a feature shows its label.
    """

    #: (lat, lon) of a click that was not a drag (also when it lands on a feature).
    clicked = Signal(float, float)
    #: The Feature under the cursor, or None when it leaves one.
    feature_hovered = Signal(object)
    #: A Feature was clicked (emitted before ``clicked``).
    feature_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, tile_cache_mb: int = 64) -> None:
        self._press: tuple[QPoint, tuple[float, float]] | None = None
        self._dragging = False
        self._hover: Hit | None = None
        super().__init__(parent, tile_cache_mb=tile_cache_mb)
        self.viewport().setMouseTracking(True)
        self.layers_changed.connect(self._forget_hover)

    # -- navigation ------------------------------------------------------------------------

    def zoom_by(self, levels: float, about: QPointF | None = None) -> None:
        """Zoom in (or out, negative) keeping the point at ``about`` (viewport) in place."""
        at = about if about is not None else QPointF(self.viewport().width() / 2,
                                                     self.viewport().height() / 2)
        inverse, _ = self.viewportTransform().inverted()
        world = inverse.map(at)
        self._zoom = max(MIN_ZOOM, min(MAX_ZOOM, self._zoom + levels))
        s = 2.0**self._zoom
        half = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        self._center = (world.x() - (at.x() - half.x()) / s, world.y() - (at.y() - half.y()) / s)
        self._fit_later = None
        self._apply()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view ``dx``, ``dy`` pixels right and down (the map moves the other way)."""
        s = 2.0**self._zoom
        self._center = (self._center[0] + dx / s, self._center[1] + dy / s)
        self._fit_later = None
        self._apply()

    # -- features under the cursor ---------------------------------------------------------

    def feature_at(self, pos: QPoint | QPointF) -> Feature | None:
        """The topmost feature at ``pos`` (viewport pixels), if any."""
        hit = self._hit(QPointF(pos))
        return hit.feature if hit else None

    def hovered_feature(self) -> Feature | None:
        return self._hover.feature if self._hover else None

    def _hit(self, pos: QPointF) -> Hit | None:
        inverse, _ = self.viewportTransform().inverted()
        world = inverse.map(pos)
        for layer in reversed(self._layers):
            if layer.visible:
                hit = layer.hit_test(world.x(), world.y(), self._zoom)
                if hit is not None:
                    return hit
        return None

    def _set_hover(self, hit: Hit | None) -> None:
        old = self._hover
        self._hover = hit
        self.viewport().setToolTip(hit.tooltip if hit else "")
        if hit is not None:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        if (old.feature if old else None) is not (hit.feature if hit else None):
            self.feature_hovered.emit(hit.feature if hit else None)

    def _forget_hover(self) -> None:
        if self._hover is not None:
            self._set_hover(None)

    # -- mouse, wheel, keys ----------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and \
                self.scene().mouseGrabberItem() is None:
            self._press = (event.position().toPoint(), self._center)
            self._dragging = False
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            start, center = self._press
            delta = event.position().toPoint() - start
            if not self._dragging and delta.manhattanLength() >= \
                    QApplication.startDragDistance():
                self._dragging = True
                self._set_hover(None)
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._dragging:
                s = 2.0**self._zoom
                self._center = (center[0] - delta.x() / s, center[1] - delta.y() / s)
                self._fit_later = None
                self._apply()
            event.accept()
            return
        super().mouseMoveEvent(event)
        self._set_hover(self._hit(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        dragged = self._dragging
        self._press, self._dragging = None, False
        self.viewport().unsetCursor()
        event.accept()
        if dragged:
            self._set_hover(self._hit(event.position()))
            return
        pos = event.position()
        lat, lon = self.lat_lon_at(pos)
        hit = self._hit(pos)
        if hit is not None and hit.feature is not None:
            self.feature_activated.emit(hit.feature)
        self.clicked.emit(lat, lon)
        if hit is not None and hit.feature is None and hit.zoom_to is not None:
            self.fit_world_rect(hit.zoom_to, padding_px=60)

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches:
            self.zoom_by(notches * ZOOM_STEP, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in _ARROWS:
            dx, dy = _ARROWS[Qt.Key(key)]
            self.pan_by(dx * KEY_PAN_PX, dy * KEY_PAN_PX)
        elif key in _ZOOM_IN_KEYS:
            self.zoom_by(ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(-ZOOM_STEP)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._set_hover(None)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self._hit(QPointF(event.pos()))
            if hit is not None and hit.tooltip:
                QToolTip.showText(event.globalPos(), hit.tooltip, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)
