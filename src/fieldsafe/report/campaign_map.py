"""The campaign's routes on one map: the audit map's drawing plus dark spots and hotspots."""

from __future__ import annotations

from reportlab.graphics.shapes import (  # type: ignore[import-untyped]
    Circle,
    Drawing,
    Group,
    PolyLine,
    String,
)
from reportlab.lib import colors  # type: ignore[import-untyped]

from fieldsafe.i18n import _
from fieldsafe.report.data import LatLon, RouteMapData
from fieldsafe.report.fonts import BOLD, REGULAR
from fieldsafe.report.route_map import lines_path, placer, route_drawing

_KEY_H = 16.0
_HOT = colors.HexColor("#C0392B")


def campaign_drawing(data: RouteMapData, dark: list[list[LatLon]],
                     spots: list[tuple[LatLon, int]], width: float, height: float) -> Drawing:
    """The routes map (``width`` × ``height`` points) with dark spots cased in black
    under the coloured lines and dotted in white over them, and hotspots as circles
    holding their finding counts."""
    routes = Group(*route_drawing(data, width, height - _KEY_H, casing=dark).contents,
                   transform=(1, 0, 0, 1, 0, _KEY_H))
    if data.bounds is not None:
        _project, at = placer(data.bounds, width, height - _KEY_H)
        # Dark spots: cased in black (which shows on a light line) and dotted in white on
        # top (which shows on a dark one, where the casing does not), in grey print too;
        # dots, not dashes, which mark unrated lines.
        routes.add(lines_path([[at(c) for c in line] for line in dark], colors.white, 2.2,
                              [0.1, 3.4]))  # all in one path: a big campaign has thousands
        for (lat, lon), count in spots:
            x, y = at((lat, lon))
            radius = 8 + min(count, 12)
            routes.add(Circle(x, y, radius, fillColor=colors.Color(1, 1, 1, alpha=0.6),
                               strokeColor=_HOT, strokeWidth=1.8, strokeDashArray=[4, 2]))
            routes.add(String(x, y - 4, str(count), fontName=BOLD, fontSize=10,
                               textAnchor="middle", fillColor=_HOT))
    drawing = Drawing(width, height)
    drawing.add(routes)
    _key(drawing, width)
    return drawing


def _key(drawing: Drawing, width: float) -> None:
    drawing.add(PolyLine([0, 6, 22, 6], strokeColor=colors.black, strokeWidth=9))
    drawing.add(PolyLine([0, 6, 22, 6], strokeColor=colors.HexColor("#7C7B78"),
                         strokeWidth=3))
    drawing.add(lines_path([[(2, 6), (22, 6)]], colors.white, 2.2, [0.1, 3.4]))
    drawing.add(String(28, 3, _("dark spot (lighting very poor or poor)"), fontName=REGULAR,
                       fontSize=6.5))
    x = width / 2
    drawing.add(Circle(x + 8, 6, 7, fillColor=colors.white, strokeColor=_HOT,
                       strokeWidth=1.5, strokeDashArray=[4, 2]))
    drawing.add(String(x + 8, 3, "n", fontName=BOLD, fontSize=7, textAnchor="middle",
                       fillColor=_HOT))
    drawing.add(String(x + 20, 3, _("hotspot: n findings close together"), fontName=REGULAR,
                       fontSize=6.5))
