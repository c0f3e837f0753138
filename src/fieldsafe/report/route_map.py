"""The audit's route as a vector drawing: scored segments, numbered findings, scale, north."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reportlab.graphics.shapes import (  # type: ignore[import-untyped]
    Circle,
    Drawing,
    Image,
    Line,
    Path,
    Polygon,
    Rect,
    String,
)
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]

from fieldsafe.i18n import _, number
from fieldsafe.report.data import LatLon, Place, RouteMapData
from fieldsafe.report.fonts import BOLD, REGULAR, register_fonts
from fieldsafe.report.map_marks import draw_areas, draw_ends, draw_names
from fieldsafe.report.page import fitted

EARTH_RADIUS_M = 6_371_008.8
_LEGEND_H = 44.0
_PAD = 16.0
_PAD_TOP, _PAD_BOTTOM = 42.0, 30.0  # clear of the north arrow and of the scale bar
_NICE = (1, 2, 5)
_CASING_W = 9.5
_CASING = colors.HexColor("#262626")


def line_style(score_class: int | None, classes: int) -> tuple[float, list[float] | None]:
    """(width, dash) of a class, so classes differ in grey print too: the worse, the
    thicker; unrated segments thin and dashed."""
    if score_class is None:
        return 1.5, [3, 2]
    return 2.0 + 1.2 * (classes - 1 - score_class), None


class Projection:
    """Equirectangular metres around the middle of ``bounds``, fitted into a box."""

    def __init__(self, bounds: tuple[LatLon, LatLon], width: float, height: float) -> None:
        (south, west), (north, east) = bounds
        self.lat0, self.lon0 = (south + north) / 2, (west + east) / 2
        self.kx = math.cos(math.radians(self.lat0)) * math.radians(1) * EARTH_RADIUS_M
        self.ky = math.radians(1) * EARTH_RADIUS_M
        span_x = max((east - west) * self.kx, 50.0)
        span_y = max((north - south) * self.ky, 50.0)
        self.scale = min(width / span_x, height / span_y)  # points per metre
        self.cx, self.cy = width / 2, height / 2

    def __call__(self, where: LatLon) -> tuple[float, float]:
        lat, lon = where
        return (self.cx + (lon - self.lon0) * self.kx * self.scale,
                self.cy + (lat - self.lat0) * self.ky * self.scale)


def placer(bounds: tuple[LatLon, LatLon], width: float, height: float
           ) -> tuple[Projection, Callable[[LatLon], tuple[float, float]]]:
    """The projection of a map drawing ``width`` × ``height`` (its legend included), and
    where a point lands in the drawing. Room is kept clear above for the north arrow and
    below for the scale bar, so that neither covers a route or a marker."""
    project = Projection(bounds, width - 2 * _PAD,
                         height - _LEGEND_H - _PAD_TOP - _PAD_BOTTOM)

    def at(where: LatLon) -> tuple[float, float]:
        x, y = project(where)
        return x + _PAD, y + _PAD_BOTTOM + _LEGEND_H

    return project, at


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above ``metres``."""
    if metres <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(metres))
    return max(n * power for n in _NICE if n * power <= metres)


def route_drawing(data: RouteMapData, width: float, height: float,
                  casing: Sequence[Sequence[LatLon]] = ()) -> Drawing:
    """The route map (``width`` × ``height`` points), legend underneath. Lines in
    ``casing`` (the campaign's dark spots) are cased in black under the routes, above the
    basemap."""
    register_fonts()
    drawing = Drawing(width, height)
    map_h = height - _LEGEND_H
    drawing.add(Rect(0, _LEGEND_H, width, map_h, fillColor=colors.HexColor("#F7F7F2"),
                     strokeColor=colors.HexColor("#888888"), strokeWidth=0.5))
    if data.bounds is None:
        drawing.add(String(width / 2, _LEGEND_H + map_h / 2, _("no route recorded"),
                           fontName=REGULAR, fontSize=10, textAnchor="middle"))
        _legend(drawing, data, width)
        return drawing
    project, at = placer(data.bounds, width, height)

    if data.backdrop is not None:
        _backdrop(drawing, data, project, width, map_h)
    names = draw_areas(drawing, data.areas, at, (0.0, _LEGEND_H, width, height))

    if casing:
        drawing.add(lines_path([[at(c) for c in line] for line in casing], colors.black,
                          _CASING_W, None))
    for outline in data.outlines:
        drawing.add(Polygon([v for c in outline for v in at(c)],
                            fillColor=colors.Color(0.2, 0.2, 0.2, alpha=0.12),
                            strokeColor=colors.black, strokeWidth=1.2,
                            strokeDashArray=[4, 2]))
    for shape in _route_paths(data, at):
        drawing.add(shape)
    for (x, y), place, label in _gathered(data.places, at):
        drawing.add(Rect(x - 4, y - 4, 8, 8, fillColor=colors.HexColor(place.colour),
                         strokeColor=_CASING if place.label == "" else colors.white,
                         strokeWidth=1.2))
        text = fitted(label, REGULAR, 150, 6.5) if label else ""
        if not text:
            continue
        right = x + 6 + stringWidth(text, REGULAR, 6.5) <= width - 4  # else on its left
        drawing.add(String(x + 6 if right else x - 6, y + 4, text, fontName=REGULAR,
                           fontSize=6.5, fillColor=colors.black,
                           textAnchor="start" if right else "end"))
    draw_names(drawing, names)
    if data.ends is not None:
        draw_ends(drawing, data.ends, at)
    for finding, where in data.markers:
        x, y = at(where)
        drawing.add(Circle(x, y, 7, fillColor=colors.white, strokeColor=colors.black,
                           strokeWidth=1))
        drawing.add(String(x, y - 3, str(finding), fontName=BOLD, fontSize=8,
                           textAnchor="middle"))
    _scale_bar(drawing, project.scale, width)
    _north(drawing, width - 18, height - 38)
    if data.attribution:
        drawing.add(String(width - 4, _LEGEND_H + 3, data.attribution[:120],
                           fontName=REGULAR, fontSize=6, textAnchor="end",
                           fillColor=colors.HexColor("#333333")))
    _legend(drawing, data, width)
    return drawing


def _gathered(places: Sequence[Place], at: Callable[[LatLon], tuple[float, float]]
              ) -> list[tuple[tuple[float, float], Place, str]]:
    """The places where each is drawn, those within a label's height of an earlier one
    drawn as that one, their labels joined ("2, 4": two audit points at one spot), so that
    no label prints over another."""
    out: list[tuple[tuple[float, float], Place, list[str]]] = []
    for place in places:
        x, y = at(place.where)
        near = next((o for o in out if abs(o[0][0] - x) < 6 and abs(o[0][1] - y) < 6), None)
        if near is None:
            out.append(((x, y), place, [place.label] if place.label else []))
        elif place.label and place.label not in near[2]:
            near[2].append(place.label)
    return [(xy, place, ", ".join(labels)) for xy, place, labels in out]


def _route_paths(data: RouteMapData, at: Callable[[LatLon], tuple[float, float]]
                 ) -> list[Path]:
    """The scored lines as one path per style (hundreds of segments draw as a handful of
    shapes): every dark casing first, so that no casing nicks a neighbouring line and a
    light line stands out from a light basemap (in grey print too), then the lines by
    class: unrated, then best to worst, so that the worst lie on top."""
    classes = max(1, len(data.legend))
    styles: dict[tuple[int, str], list[list[tuple[float, float]]]] = {}
    for line in data.lines:
        rank = -1 if line.score_class is None else classes - line.score_class
        styles.setdefault((rank, line.colour), []).append([at(c) for c in line.coords])
    halos: dict[float, list[list[tuple[float, float]]]] = {}
    lines: list[Path] = []
    for (rank, hex_colour), drawn in sorted(styles.items()):
        width_pt, dash = line_style(None if rank < 0 else classes - rank, classes)
        halos.setdefault(width_pt + 1.6, []).extend(drawn)
        lines.append(lines_path(drawn, colors.HexColor(hex_colour), width_pt, dash))
    return [lines_path(drawn, _CASING, halo_w, None)
            for halo_w, drawn in sorted(halos.items(), reverse=True)] + lines


def lines_path(lines: list[list[tuple[float, float]]], colour: object, width: float,
          dash: list[float] | None) -> Path:
    """One stroked path of many polylines (round caps and joins, no fill)."""
    path = Path(strokeColor=colour, strokeWidth=width, strokeDashArray=dash, fillColor=None,
                strokeLineCap=1, strokeLineJoin=1)
    for points in lines:
        if len(points) < 2:
            continue
        path.moveTo(*points[0])
        for x, y in points[1:]:
            path.lineTo(x, y)
    return path


def _backdrop(drawing: Drawing, data: RouteMapData, project: Projection, width: float,
              map_h: float) -> None:
    """The basemap picture, cut to exactly the map's box, under everything else."""
    assert data.backdrop is not None

    def lon_at(x: float) -> float:
        return project.lon0 + (x - _PAD - project.cx) / (project.kx * project.scale)

    def lat_at(y: float) -> float:
        return project.lat0 + (y - _PAD_BOTTOM - project.cy) / (project.ky * project.scale)

    picture = data.backdrop.crop(lon_at(0), lat_at(0), lon_at(width), lat_at(map_h))
    if picture.width > 1 and picture.height > 1:
        drawing.add(Image(0, _LEGEND_H, width, map_h, picture))


def _scale_bar(drawing: Drawing, points_per_m: float, width: float) -> None:
    metres = nice_length(width / 4 / points_per_m)
    length = metres * points_per_m
    x, y = 10.0, _LEGEND_H + 10
    drawing.add(Rect(x, y, length, 4, fillColor=colors.black, strokeColor=colors.black,
                     strokeWidth=0.5))
    drawing.add(Rect(x + length / 2, y, length / 2, 4, fillColor=colors.white,
                     strokeColor=colors.black, strokeWidth=0.5))
    label = f"{number(metres / 1000, 'g')} km" if metres >= 1000 else f"{number(metres, 'g')} m"
    drawing.add(String(x + length + 4, y, label, fontName=REGULAR, fontSize=7))


def _north(drawing: Drawing, x: float, y: float) -> None:
    drawing.add(Polygon([x, y + 18, x - 6, y, x, y + 5, x + 6, y], fillColor=colors.black,
                        strokeColor=colors.black, strokeWidth=0.5))
    drawing.add(String(x, y + 21, _("N"), fontName=BOLD, fontSize=8, textAnchor="middle"))


def _legend(drawing: Drawing, data: RouteMapData, width: float) -> None:
    if not data.lines:  # nothing is coloured by score: a site, a set of points
        return
    title = data.parameter or _("Score")
    drawing.add(String(0, _LEGEND_H - 12, title, fontName=BOLD, fontSize=7.5))
    entries = [(c, label[:30], k) for k, (c, label) in enumerate(data.legend)]
    entries.append((data.no_data_colour, _("no rating"), -1))
    classes = max(1, len(data.legend))
    size, labels = _legend_fit([label for _c, label, _k in entries], width)
    x = 0.0
    for (hex_colour, _label, k), label in zip(entries, labels, strict=True):
        line_w, dash = line_style(k if k >= 0 else None, classes)
        drawing.add(Line(x, _LEGEND_H - 24, x + _SAMPLE, _LEGEND_H - 24,
                         strokeColor=_CASING, strokeWidth=line_w + 1.6))
        drawing.add(Line(x, _LEGEND_H - 24, x + _SAMPLE, _LEGEND_H - 24,
                         strokeColor=colors.HexColor(hex_colour), strokeWidth=line_w,
                         strokeDashArray=dash))
        drawing.add(String(x + _SAMPLE + 4, _LEGEND_H - 27, label, fontName=REGULAR,
                           fontSize=size))
        text_w = stringWidth(label, REGULAR, size)
        if k >= 0:
            name = _("class {n}").format(n=k + 1)
            drawing.add(String(x + _SAMPLE + 4, _LEGEND_H - 37, name, fontName=REGULAR,
                               fontSize=size - 0.5, fillColor=colors.HexColor("#444444")))
            text_w = max(text_w, stringWidth(name, REGULAR, size - 0.5))
        x += _SAMPLE + 4 + text_w + _GAP


_SAMPLE, _GAP = 20.0, 8.0


def _legend_fit(labels: list[str], width: float) -> tuple[float, list[str]]:
    """A font size (6.5 down to 5) at which the legend's entries fit side by side in
    ``width``, and the labels, shortened with "…" if even the smallest size is too wide:
    translated labels are longer, and must not run into the next entry."""
    def needed(size: float, texts: list[str]) -> float:
        return sum(_SAMPLE + 4 + max(float(stringWidth(t, REGULAR, size)),
                                     float(stringWidth("class 10", REGULAR, size))) + _GAP
                   for t in texts)

    for size in (6.5, 6.0, 5.5, 5.0):
        if needed(size, labels) <= width:
            return size, labels
    room = width / max(1, len(labels)) - _SAMPLE - 4 - _GAP
    short = []
    for text in labels:
        while len(text) > 1 and stringWidth(text, REGULAR, 5.0) > room:
            text = text[:-2] + "…"
        short.append(text)
    return 5.0, short
