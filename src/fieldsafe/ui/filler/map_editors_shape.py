"""Drawing an area on the map: a route editor whose outline closes itself and must not cross."""

from __future__ import annotations

import re

import shapely
from shapely.geometry import LineString, Polygon

from fieldsafe.geo.coords import LatLon
from fieldsafe.geo.geodesy import area_m2, length_m
from fieldsafe.geo.validate import check_geometry
from fieldsafe.ui.filler.map_editors_base import (
    LatLonPair,
    format_area,
    format_distance,
    point_key,
)
from fieldsafe.ui.filler.map_editors_trace import TraceEditorDialog


class ShapeEditorDialog(TraceEditorDialog):
    """An area (geoshape): drawn like a route and closed automatically; an outline that
    crosses itself is explained and OK stays disabled until it is fixed."""

    closed = True

    def _summary(self) -> str:
        count = self.tr("%n point(s)", "", len(self.points))
        if len(self.points) < 3:
            return count
        polygon = Polygon([(p.lon, p.lat) for p in self.points])
        ring = LineString(list(polygon.exterior.coords))
        text = self.tr("{points} · perimeter {length}").replace("{points}", count).replace(
            "{length}", format_distance(length_m(ring)))
        if polygon.is_valid:
            text += " · " + self.tr("area {area}").replace("{area}", format_area(area_m2(polygon)))
        return text

    def _problem_at(self, points: list[LatLon]) -> LatLonPair | None:
        if len({point_key(p) for p in points}) < 3:
            return None
        reason = shapely.is_valid_reason(Polygon([(p.lon, p.lat) for p in points])) or ""
        match = re.search(r"\[([-+.\deE]+) ([-+.\deE]+)", reason)
        return (float(match[2]), float(match[1])) if match else None

    def _problem(self) -> str:
        if self.points and len({point_key(p) for p in self.points}) < 3:
            return self.tr("An area needs at least three different points.")
        if not self.points:
            return ""
        problems = check_geometry(Polygon([(p.lon, p.lat) for p in self.points]))
        if not problems:
            return ""
        return self.tr("This area cannot be used: {why}. Move or delete a point to fix it.") \
            .replace("{why}", "; ".join(problems))
