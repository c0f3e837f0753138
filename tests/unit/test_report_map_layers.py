"""The report maps' drawing order: basemap, dark-spot casing, line casings, lines worst on
top; and a legend that fits its width."""

from __future__ import annotations

import io

import arabic_reshaper  # type: ignore[import-untyped]
from PIL import Image as PILImage
from reportlab.graphics.shapes import Image, Path, PolyLine, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]

from fieldsafe.geo.webmercator import to_world
from fieldsafe.report.backdrop import Backdrop
from fieldsafe.report.campaign_map import campaign_drawing
from fieldsafe.report.data import RouteLine, RouteMapData
from fieldsafe.report.route_map import _CASING as CASING
from fieldsafe.report.route_map import _legend_fit, line_style, route_drawing

LEGEND = [("#00204D", "very poor"), ("#414D6B", "poor"), ("#7C7B78", "fair"),
          ("#BCAF6F", "good"), ("#FFEA46", "very good")]


def _backdrop() -> Backdrop:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 64), (200, 220, 200)).save(buffer, "PNG")
    (x0, y0), (x1, y1) = to_world(51.52, -0.14), to_world(51.50, -0.10)
    return Backdrop(buffer.getvalue(), x0, y0, x1, y1)


def _data(lines: list[RouteLine], backdrop: Backdrop | None = None) -> RouteMapData:
    return RouteMapData(lines, [(1, (51.51, -0.12))], ((51.505, -0.13), (51.515, -0.11)),
                        LEGEND, "Overall", backdrop=backdrop)


def _street(k: int) -> list[tuple[float, float]]:
    return [(51.505 + 0.0005 * k, -0.13), (51.505 + 0.0005 * k, -0.11)]


def test_lines_draw_as_one_path_per_style_halos_first_worst_on_top() -> None:
    # 300 segments of three classes and some unrated, interleaved as audits would be
    lines = [RouteLine(_street(k % 20), LEGEND[c][0] if c is not None else "#D9D9D9", c)
             for k in range(300) for c in [(None, 0, 2, 4)[k % 4]]]
    paths = [s for s in route_drawing(_data(lines), 400, 300).contents if isinstance(s, Path)]
    halos = [p for p in paths if p.strokeColor == CASING]
    coloured = [p for p in paths if p.strokeColor != CASING]
    assert len(coloured) == 4 and len(halos) == 4  # one per style, not one per segment
    assert paths.index(halos[-1]) < paths.index(coloured[0])  # no casing over a line
    assert all(h.strokeWidth > c.strokeWidth for h, c in zip(halos, coloured[::-1],
                                                              strict=True))
    # unrated first, then best to worst: the worst (class 0, the thickest) lies on top
    assert [p.strokeWidth for p in coloured] == [line_style(c, 5)[0] for c in (None, 4, 2, 0)]
    assert coloured[-1].strokeColor == colors.HexColor(LEGEND[0][0])
    # every segment is in its path: a move and a line per two-point segment
    assert sum(p.operators.count(0) for p in coloured) == 300


def test_dark_spots_lie_above_the_basemap_and_under_the_routes() -> None:
    lines = [RouteLine(_street(k), LEGEND[2][0], 2) for k in range(5)]
    drawing = campaign_drawing(_data(lines, _backdrop()), [_street(1), _street(3)], [], 400,
                               320)
    group = drawing.contents[0]
    kinds = list(group.contents)
    image = next(k for k, s in enumerate(kinds) if isinstance(s, Image))
    casing = next(k for k, s in enumerate(kinds) if isinstance(s, Path)
                  and s.strokeColor == colors.black)
    first_halo = next(k for k, s in enumerate(kinds) if isinstance(s, Path)
                      and s.strokeColor == CASING)
    assert image < casing < first_halo
    assert kinds[casing].operators.count(0) == 2  # both dark spots


def test_the_legend_fits_its_width_in_any_language() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]

    from fieldsafe.report.fonts import REGULAR, register_fonts

    register_fonts()
    english = ["0–20 % worst", "20–40 % poor", "40–60 % fair", "60–80 % good",
               "80–100 % best", "no rating"]
    assert _legend_fit(english, 480) == (6.5, english)  # room enough: as it is
    french = ["0–20 % très mauvais", "20–40 % mauvais", "40–60 % moyen", "60–80 % bon",
              "80–100 % meilleur", "non noté"]
    size, labels = _legend_fit(french, 470)  # a page less its margins
    assert 5.0 <= size < 6.5 and labels == french  # smaller, every word kept
    size, labels = _legend_fit([label * 3 for label in french], 400)
    assert size == 5.0 and all(label.endswith("…") for label in labels)
    room = 400 / len(labels) - 32
    assert all(stringWidth(label, REGULAR, size) <= room for label in labels)


def test_dark_spots_are_dotted_over_the_lines_so_they_show_on_the_darkest_class() -> None:
    lines = [RouteLine(_street(k), LEGEND[0][0], 0) for k in range(5)]  # all worst, near black
    group = campaign_drawing(_data(lines), [_street(1), _street(3)], [], 400, 320).contents[0]
    kinds = list(group.contents)
    dots = [k for k, s in enumerate(kinds) if isinstance(s, Path)
            and s.strokeColor == colors.white and s.strokeDashArray == [0.1, 3.4]]
    last_line = max(k for k, s in enumerate(kinds) if isinstance(s, Path) and k not in dots)
    assert len(dots) == 1 and dots[0] > last_line  # on top of every scored line
    assert kinds[dots[0]].operators.count(0) == 2  # both dark spots, in one path


def test_areas_are_outlined_within_the_map_and_named_over_the_routes() -> None:
    from fieldsafe.report.route_map import _LEGEND_H

    # A ward reaching far beyond the map, its east edge across the middle of it; and one
    # wholly outside the map.
    huge = [(51.0, -1.0), (52.0, -1.0), (52.0, -0.12), (51.0, -0.12), (51.0, -1.0)]
    away = [(10.0, 10.0), (10.1, 10.0), (10.1, 10.1), (10.0, 10.0)]
    data = RouteMapData([RouteLine(_street(1), LEGEND[2][0], 2)], [],
                        ((51.505, -0.13), (51.515, -0.11)), LEGEND, "Overall",
                        areas=[("Ward 92", [[huge]]), ("Elsewhere", [[away]])])
    width, height = 400.0, 300.0
    contents = route_drawing(data, width, height).contents
    outlines = [s for s in contents if isinstance(s, PolyLine) and s.strokeDashArray == [6, 3]]
    assert len(outlines) == 1  # the east edge, cut to the map's frame
    for line in outlines:
        xs, ys = line.points[0::2], line.points[1::2]
        assert all(-0.01 <= x <= width + 0.01 for x in xs)
        assert all(_LEGEND_H - 0.01 <= y <= height + 0.01 for y in ys)
    names = [s.text for s in contents if isinstance(s, String)]
    assert "Ward 92" in names and "Elsewhere" not in names
    last_path = max(k for k, s in enumerate(contents) if isinstance(s, Path))
    assert next(k for k, s in enumerate(contents)
                if isinstance(s, String) and s.text == "Ward 92") > last_path


def test_one_routes_start_and_end_are_marked() -> None:
    data = RouteMapData([RouteLine(_street(1), LEGEND[2][0], 2)], [],
                        ((51.505, -0.13), (51.515, -0.11)), LEGEND, "Overall",
                        ends=(_street(1)[0], _street(1)[-1]))
    names = [s.text for s in route_drawing(data, 400, 300).contents if isinstance(s, String)]
    assert "start" in names and "end" in names
    plain = RouteMapData([RouteLine(_street(1), LEGEND[2][0], 2)], [],
                         ((51.505, -0.13), (51.515, -0.11)), LEGEND, "Overall")
    assert "start" not in [s.text for s in route_drawing(plain, 400, 300).contents
                           if isinstance(s, String)]


def test_points_at_one_spot_share_one_label() -> None:
    from fieldsafe.report.data import Place

    spot, other = (51.51, -0.12), (51.506, -0.125)
    data = RouteMapData([RouteLine(_street(1), LEGEND[2][0], 2)], [],
                        ((51.505, -0.13), (51.515, -0.11)), LEGEND, "Overall",
                        places=[Place("2", spot, "#7C7B78"), Place("3", other, "#7C7B78"),
                                Place("4", spot, "#00204D")])
    texts = [s.text for s in route_drawing(data, 400, 300).contents if isinstance(s, String)]
    assert "2, 4" in texts and "3" in texts  # not "2" and "4" printed over each other
    assert "2" not in texts and "4" not in texts


def test_an_enclave_is_a_hole_in_its_ward_and_each_is_named_in_its_own_place() -> None:
    outer = [(51.505, -0.13), (51.515, -0.13), (51.515, -0.11), (51.505, -0.11),
             (51.505, -0.13)]
    hole = [(51.508, -0.124), (51.512, -0.124), (51.512, -0.116), (51.508, -0.116),
            (51.508, -0.124)]
    name = "حي المحطة الرئيسي"  # an Arabic ward name: joined, in reading order
    data = RouteMapData([RouteLine(_street(1), LEGEND[2][0], 2)], [],
                        ((51.505, -0.13), (51.515, -0.11)), LEGEND, "Overall",
                        areas=[("Outer ward", [[outer, hole]]), (name, [[hole]])])
    contents = route_drawing(data, 400, 300).contents
    outlines = [s for s in contents if isinstance(s, PolyLine) and s.strokeDashArray == [6, 3]]
    assert len(outlines) == 3  # the outer edge, the hole's edge, the enclave's edge
    labels = {s.text: (s.x, s.y) for s in contents if isinstance(s, String)}
    shown = arabic_reshaper.reshape(name)[::-1]
    assert "Outer ward" in labels and shown in labels
    assert labels["Outer ward"] != labels[shown]  # not one over the other


def test_a_loop_is_marked_once_where_it_starts_and_ends() -> None:
    loop = [(51.508, -0.125), (51.512, -0.125), (51.512, -0.115), (51.508, -0.125)]
    data = RouteMapData([RouteLine(loop, LEGEND[2][0], 2)], [],
                        ((51.505, -0.13), (51.515, -0.11)), LEGEND, "Overall",
                        ends=(loop[0], loop[-1]))
    names = [s.text for s in route_drawing(data, 400, 300).contents if isinstance(s, String)]
    assert "start and end" in names and "start" not in names and "end" not in names
