"""What a report map draws besides its scored lines: area outlines, and a route's two ends."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shapely
from reportlab.graphics.shapes import Drawing, Polygon, PolyLine, Rect, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from shapely.geometry.base import BaseGeometry

from fieldsafe.i18n import _
from fieldsafe.report.data import LatLon
from fieldsafe.report.fonts import BOLD, REGULAR
from fieldsafe.report.page import fitted

_AREA_LINE = colors.HexColor("#4D4D4D")
_NAME = colors.HexColor("#333333")

Project = Callable[[LatLon], tuple[float, float]]  # (lat, lon) -> (x, y) on the map


def draw_areas(drawing: Drawing,
               areas: Sequence[tuple[str, Sequence[Sequence[Sequence[LatLon]]]]],
               at: Project, box: tuple[float, float, float, float]
               ) -> list[tuple[float, float, str]]:
    """Each area's outline (the rings of its polygons: the edge of each, and of each hole
    in it) as a dashed grey line, cut to ``box`` (x0, y0, x1, y1 in points: the map's
    frame, which a ward reaching far beyond the routes must not run out of); and where to
    write each name, inside its area and not in a hole of it (an enclave ward has its own
    name), for :func:`draw_names` once the routes are drawn."""
    frame = shapely.box(*box)
    names: list[tuple[float, float, str]] = []
    for name, polygons in areas:
        parts: list[BaseGeometry] = []
        for rings in polygons:
            drawn = [points for ring in rings if len(points := [at(c) for c in ring]) >= 3]
            if not drawn:
                continue
            for points in drawn:
                for line in _lines(shapely.intersection(shapely.LineString(points), frame)):
                    drawing.add(PolyLine([v for xy in line.coords for v in xy],
                                         strokeColor=_AREA_LINE, strokeWidth=0.9,
                                         strokeDashArray=[6, 3]))
            shape = shapely.make_valid(shapely.Polygon(drawn[0], drawn[1:]))
            parts.append(shapely.intersection(shape, frame))
        inside = shapely.union_all(parts) if parts else None
        if inside is None or inside.is_empty or inside.area < 400 or not name.strip():
            continue  # too little of it on the map for a name (20 × 20 points)
        spot = inside.point_on_surface()
        names.append((spot.x, spot.y, fitted(name, BOLD, 140, 7)))
    return names


def draw_names(drawing: Drawing, names: Sequence[tuple[float, float, str]]) -> None:
    """The areas' names on a pale ground, over the routes, so that a line never hides one."""
    for x, y, name in names:
        half = stringWidth(name, BOLD, 7) / 2 + 2
        drawing.add(Rect(x - half, y - 2.5, 2 * half, 9.5, strokeColor=None,
                         fillColor=colors.Color(1, 1, 1, alpha=0.75)))
        drawing.add(String(x, y, name, fontName=BOLD, fontSize=7, fillColor=_NAME,
                           textAnchor="middle"))


def _lines(geometry: BaseGeometry) -> list[BaseGeometry]:
    """The lines of a clipped outline (one, several, or none)."""
    if geometry.is_empty:
        return []
    if geometry.geom_type == "LineString":
        return [geometry]
    return [g for g in getattr(geometry, "geoms", []) if g.geom_type == "LineString"]


def draw_ends(drawing: Drawing, ends: tuple[LatLon, LatLon], at: Project) -> None:
    """Where the route starts (a white square with a black triangle) and ends (a black
    square), each named beside it: the findings table says how far along the route each
    finding lies, counted from the start."""
    (x0, y0), (x1, y1) = at(ends[0]), at(ends[1])
    if abs(x1 - x0) < 12 and abs(y1 - y0) < 12:  # a loop, back where it began: one mark
        marks = [(ends[0], False, _("start and end"))]
    else:
        marks = [(ends[0], False, _("start")), (ends[1], True, _("end"))]
    for where, filled, label in marks:
        x, y = at(where)
        drawing.add(Rect(x - 5, y - 5, 10, 10, strokeColor=colors.black, strokeWidth=1,
                         fillColor=colors.black if filled else colors.white))
        if not filled:
            drawing.add(Polygon([x - 2, y - 3, x - 2, y + 3, x + 3, y], fillColor=colors.black,
                                strokeColor=None))
        drawing.add(String(x + 7, y - 9, label, fontName=REGULAR, fontSize=6.5,
                           fillColor=colors.black))
