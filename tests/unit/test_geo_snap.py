"""Snapping a location onto the nearest segment of a route, within the tolerance and not beyond."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point

from fieldsafe.geo.geodesy import destination, distance_m
from fieldsafe.geo.snap import snap_to_route

START = Point(77.5946, 12.9716)  # Bengaluru (lon, lat)
EAST = destination(START, 90.0, 200.0)
ROUTE = [(START.y, START.x), (EAST.y, EAST.x)]  # (lat, lon): 200 m due east


def _off_route(along_m: float, north_m: float) -> Point:
    return destination(destination(START, 90.0, along_m), 0.0, north_m)


def test_a_point_near_the_route_moves_onto_its_segment() -> None:
    near = _off_route(120.0, 10.0)
    lat, lon, index = snap_to_route(near.y, near.x, ROUTE, 25.0)
    assert index == 2  # 100 to 150 m, in segments of 50 m
    snapped = Point(lon, lat)
    assert distance_m(snapped, near) == pytest.approx(10.0, abs=0.05)
    assert distance_m(snapped, START) == pytest.approx(120.0, abs=0.05)
    assert LineString([(c[1], c[0]) for c in ROUTE]).distance(snapped) < 1e-7


def test_a_point_beyond_the_tolerance_stays_where_it_is() -> None:
    far = _off_route(120.0, 30.0)
    assert snap_to_route(far.y, far.x, ROUTE, 25.0) == (far.y, far.x, None)
    lat, lon, index = snap_to_route(far.y, far.x, ROUTE, 40.0)
    assert index == 2 and (lat, lon) != (far.y, far.x)


def test_segment_length_and_a_point_past_the_end() -> None:
    near = _off_route(120.0, 5.0)
    assert snap_to_route(near.y, near.x, ROUTE, 25.0, segment_m=100.0)[2] == 1
    past = _off_route(210.0, 0.0)
    lat, lon, index = snap_to_route(past.y, past.x, ROUTE, 25.0)
    assert index == 3
    assert distance_m(Point(lon, lat), EAST) == pytest.approx(0.0, abs=0.01)


def test_a_route_without_length_snaps_nothing() -> None:
    near = _off_route(0.0, 1.0)
    assert snap_to_route(near.y, near.x, [ROUTE[0], ROUTE[0]], 25.0) == (near.y, near.x, None)
    assert snap_to_route(near.y, near.x, [], 25.0) == (near.y, near.x, None)


def test_distance_to_the_route() -> None:
    from fieldsafe.geo.snap import distance_to_route_m

    far = _off_route(120.0, 30.0)
    assert distance_to_route_m(far.y, far.x, ROUTE) == pytest.approx(30.0, abs=0.05)
    assert distance_to_route_m(far.y, far.x, ROUTE[:1]) is None
