"""A small map of one side of a conflict: its route, points and areas, the others faint."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QWidget
from shapely.geometry import shape

from fieldsafe.errors import UserError
from fieldsafe.forms.keys import split_path
from fieldsafe.services.conflicts import Side
from fieldsafe.services.layers import basemap_file
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.map.layers import (
    AreaLayer,
    Feature,
    LineFeature,
    LineLayer,
    PointFeature,
    PointLayer,
)
from fieldsafe.ui.map.map_view import MapView

#: One colour per side, in the order of the columns (colour-blind-safe, Dark2).
SIDE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")
OTHER_COLOUR = QColor(110, 110, 110, 150)

Bounds = tuple[float, float, float, float]  # south, west, north, east


def side_colour(index: int) -> QColor:
    return QColor(SIDE_COLOURS[index % len(SIDE_COLOURS)])


def _parsed(geometry: dict[str, Any]) -> dict[str, Any] | None:
    try:
        value = json.loads(str(geometry.get("geojson") or ""))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def bounds(sides: list[Side]) -> Bounds | None:
    """The box around every side's geometries (all the maps show the same place)."""
    lats: list[float] = []
    lons: list[float] = []
    for side in sides:
        for geometry in side.geometries:
            parsed = _parsed(geometry)
            if parsed is None:
                continue
            try:
                west, south, east, north = shape(parsed).bounds
            except (ValueError, TypeError, AttributeError):
                continue
            lats += [south, north]
            lons += [west, east]
    return (min(lats), min(lons), max(lats), max(lons)) if lats else None


def place_label(path: str, labels: dict[str, str]) -> str:
    """``finding[2]/f_loc`` → "Finding 2"; ``route`` → its label."""
    steps = split_path(path)
    key, number = steps[0] if steps else ("", None)
    label = labels.get(key, key)
    return f"{label} {number}" if number is not None else label


def side_layers(side: Side, prefix: str, colour: QColor, labels: dict[str, str], *,
                faint: bool = False) -> list[AreaLayer | LineLayer | PointLayer]:
    """The side's areas, routes and points as map layers named ``prefix``-…."""
    areas, lines, points = [], [], []
    for geometry in side.geometries:
        parsed = _parsed(geometry)
        if parsed is None:
            continue
        label = place_label(str(geometry.get("question_path", "")), labels)
        kind, coords = parsed.get("type"), parsed.get("coordinates")
        if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
            number = label.rsplit(" ", 1)[-1] if label[-1:].isdigit() else ""
            points.append(PointFeature(float(coords[1]), float(coords[0]),
                                       Feature("place", side.revision, label), colour,
                                       text=number, symbol="square" if faint else "circle"))
        elif kind == "LineString" and isinstance(coords, list):
            lines.append(LineFeature([(float(c[1]), float(c[0])) for c in coords], colour,
                                     width=3 if faint else 5,
                                     feature=Feature("route", side.revision, label),
                                     dashed=faint))
        elif kind in ("Polygon", "MultiPolygon"):
            try:
                areas.append((shape(parsed), label))
            except (ValueError, TypeError, AttributeError):
                continue
    out: list[AreaLayer | LineLayer | PointLayer] = []
    if areas:
        out.append(AreaLayer(f"{prefix}-areas", prefix, areas, colour))
    if lines:
        out.append(LineLayer(f"{prefix}-routes", prefix, lines))
    if points and not faint:  # the other sides' points would hide this side's
        out.append(PointLayer(f"{prefix}-points", prefix, points))
    return out


class SideMap(MapView):
    """Side ``index`` of ``sides`` in its colour over the other sides, dashed grey."""

    def __init__(self, workspace: Workspace, sides: list[Side], index: int,
                 labels: dict[str, str], box: Bounds | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, tile_cache_mb=16)
        side = sides[index]
        self.setAccessibleName(self.tr("Map of the side from {device}").replace(
            "{device}", side.device_name or side.device_id))
        with contextlib.suppress(UserError):  # then a graticule; the audit map says why
            self.set_basemap(basemap_file(workspace))
        for number, other in enumerate(sides):
            if number != index:
                for layer in side_layers(other, f"other-{number}", OTHER_COLOUR, labels,
                                         faint=True):
                    self.add_layer(layer)
        for layer in side_layers(side, "side", side_colour(index), labels):
            self.add_layer(layer)
        self.empty = not side.geometries
        self._box, self._touched = box, False
        if box is not None:
            self.fit_bounds(*box, padding_px=24)

    # The box stays fitted as the column is laid out, until the user moves the map.
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._box is not None and not self._touched:
            self.fit_bounds(*self._box, padding_px=24)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._touched = True
        super().mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self._touched = True
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._touched = True
        super().keyPressEvent(event)
