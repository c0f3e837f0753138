"""Geodesic lengths, areas and distances on the WGS84 ellipsoid, against known values."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from fieldsafe.geo.geodesy import area_m2, bearing_deg, destination, distance_m, length_m
from fieldsafe.geo.projection import LocalProjection


def test_one_degree_of_meridian_at_the_equator() -> None:
    assert length_m(LineString([(0, 0), (0, 1)])) == pytest.approx(110_574, abs=200)


def test_one_degree_of_equator() -> None:
    assert length_m(LineString([(0, 0), (1, 0)])) == pytest.approx(111_320, abs=200)


def test_a_degree_of_longitude_shrinks_with_latitude() -> None:
    at_60 = length_m(LineString([(0, 60), (1, 60)]))
    assert at_60 == pytest.approx(55_800, abs=200)


def test_length_adds_up_along_the_line() -> None:
    line = LineString([(0, 0), (0, 0.5), (0, 1)])
    assert length_m(line) == pytest.approx(length_m(LineString([(0, 0), (0, 1)])), abs=0.01)


def test_distance_matches_the_length_of_the_line_between() -> None:
    a, b = Point(36.8, -1.28), Point(36.81, -1.29)
    assert distance_m(a, b) == pytest.approx(length_m(LineString([a, b])))
    assert distance_m(a, a) == 0.0


def test_area_of_a_one_degree_cell_on_the_equator_is_positive_either_way_round() -> None:
    cell = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    # 1° x 1° at the equator: about 110.57 km x 111.32 km.
    assert area_m2(cell) == pytest.approx(12_308e6, rel=0.002)
    assert area_m2(Polygon(list(cell.exterior.coords)[::-1])) == pytest.approx(area_m2(cell))


def test_area_takes_out_holes_and_adds_parts() -> None:
    outer = [(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01)]
    hole = [(0.0025, 0.0025), (0.0075, 0.0025), (0.0075, 0.0075), (0.0025, 0.0075)]
    whole = area_m2(Polygon(outer))
    assert area_m2(Polygon(outer, [hole])) == pytest.approx(whole * 0.75, rel=1e-3)
    far = Polygon([(x + 1, y) for x, y in outer])
    assert area_m2(MultiPolygon([Polygon(outer), far])) == pytest.approx(2 * whole, rel=1e-3)


def test_area_does_not_depend_on_how_the_rings_are_wound() -> None:
    # pyproj sums signed ring areas: unoriented, this hole would add and these parts cancel.
    outer = [(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01)]
    hole = [(0.0025, 0.0025), (0.0075, 0.0025), (0.0075, 0.0075), (0.0025, 0.0075)]
    whole = area_m2(Polygon(outer))
    for ring in (hole, hole[::-1]):
        assert area_m2(Polygon(outer[::-1], [ring])) == pytest.approx(whole * 0.75, rel=1e-3)
    twins = MultiPolygon([Polygon(outer), Polygon([(x, y + 1) for x, y in outer[::-1]])])
    assert area_m2(twins) == pytest.approx(2 * whole, rel=1e-3)


def test_destination_and_bearing_are_inverse() -> None:
    start = Point(-0.1276, 51.5072)
    end = destination(start, 45.0, 1000.0)
    assert distance_m(start, end) == pytest.approx(1000.0, abs=1e-6)
    assert bearing_deg(start, end) == pytest.approx(45.0)
    assert bearing_deg(end, start) == pytest.approx(225.0, abs=0.05)


def test_local_projection_measures_in_metres() -> None:
    start = Point(36.8, -1.28)
    end = destination(start, 60.0, 1000.0)
    line = LineString([start, end])
    projection = LocalProjection.around(line)
    assert projection.to_metres(line).length == pytest.approx(1000.0, abs=0.01)
    back = projection.to_lonlat(projection.to_metres(line))
    assert back.equals_exact(line, 1e-9)
    with pytest.raises(ValueError, match="empty"):
        LocalProjection.around(LineString())
