"""Splitting routes into segments, locating findings on them, and pairing day and night audits."""

from __future__ import annotations

from itertools import pairwise

import pytest
from shapely.geometry import LineString, Point

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.geodesy import destination, distance_m, length_m
from fieldsafe.geo.segments import Segment, locate, locate_all, match_segments, split_route

START = Point(36.8219, -1.2921)  # Nairobi


def _walk(start: Point, *legs: tuple[float, float]) -> LineString:
    """A route from ``start`` along legs of (bearing in degrees, metres)."""
    points = [start]
    for bearing, metres in legs:
        points.append(destination(points[-1], bearing, metres))
    return LineString(points)


def _shift(line: LineString, bearing: float, metres: float) -> LineString:
    return LineString([destination(Point(c), bearing, metres) for c in line.coords])


KM = _walk(START, (60.0, 1000.0))


def test_one_km_in_twenty_segments_of_fifty_metres() -> None:
    segments = split_route(KM, 50.0)
    assert [s.index for s in segments] == list(range(20))
    for k, segment in enumerate(segments):
        assert segment.start_m == pytest.approx(50.0 * k)
        assert segment.end_m == pytest.approx(50.0 * (k + 1))
        assert length_m(segment.geometry) == pytest.approx(50.0, abs=1e-6)
        assert segment.length_m == pytest.approx(50.0)
    assert segments[0].geometry.coords[0] == KM.coords[0]
    assert segments[-1].geometry.coords[-1] == KM.coords[-1]
    for before, after in pairwise(segments):
        assert before.geometry.coords[-1] == after.geometry.coords[0]


def test_cut_points_follow_bends_and_keep_the_vertices() -> None:
    route = _walk(START, (90.0, 70.0), (0.0, 130.0), (300.0, 45.0))
    segments = split_route(route, 50.0)
    assert [round(s.length_m, 6) for s in segments] == [50, 50, 50, 50, 45]
    assert sum(length_m(s.geometry) for s in segments) == pytest.approx(length_m(route))
    for segment in segments:
        assert length_m(segment.geometry) == pytest.approx(segment.length_m, abs=1e-6)
    kept = {c for s in segments for c in s.geometry.coords}
    assert set(route.coords) <= kept
    # The corner 70 m along lies inside segment 1, 20 m after its start.
    assert segments[1].geometry.coords[1] == route.coords[1]
    assert distance_m(Point(segments[1].geometry.coords[0]), Point(route.coords[1])) == (
        pytest.approx(20.0))


def test_a_cut_on_a_vertex_adds_no_duplicate_point() -> None:
    segments = split_route(_walk(START, (0.0, 50.0), (90.0, 50.0)), 50.0)
    assert [len(s.geometry.coords) for s in segments] == [2, 2]


def test_last_segment_may_be_shorter_but_is_never_a_crumb() -> None:
    assert split_route(_walk(START, (10.0, 1020.0)))[-1].length_m == pytest.approx(20.0)
    assert len(split_route(_walk(START, (10.0, 1000.0000004)))) == 20
    assert len(split_route(_walk(START, (10.0, 30.0)))) == 1


def test_altitude_and_repeated_points_are_ignored() -> None:
    a, b = KM.coords
    segments = split_route(LineString([(*a, 1600.0), (*a, 1600.0), (*b, 1650.0)]), 100.0)
    assert len(segments) == 10
    assert not segments[0].geometry.has_z


def test_zero_length_route_and_bad_segment_length() -> None:
    with pytest.raises(GeometryError, match="the route has zero length"):
        split_route(LineString([START, START]))
    with pytest.raises(ValueError, match="positive"):
        split_route(KM, 0.0)


def test_locate_a_finding_beside_segment_seven() -> None:
    segments = split_route(KM, 50.0)
    middle = segments[7].geometry.interpolate(0.5, normalized=True)
    assert locate(destination(middle, 150.0, 10.0), segments) == (7, pytest.approx(10.0, abs=0.01))
    off_40 = destination(middle, 330.0, 40.0)
    assert locate(off_40, segments) is None
    assert locate(off_40, segments, tolerance_m=50.0) == (7, pytest.approx(40.0, abs=0.05))
    assert locate(middle, []) is None


def test_locate_at_a_joint_picks_the_earlier_segment() -> None:
    segments = split_route(KM, 50.0)
    joint = Point(segments[3].geometry.coords[-1])
    assert locate(joint, segments) == (3, pytest.approx(0.0, abs=1e-6))


def test_locate_all_agrees_with_locate() -> None:
    segments = split_route(_walk(START, (90.0, 240.0), (0.0, 310.0), (45.0, 200.0)))
    points = [destination(Point(c), bearing, metres) for c in segments[4].geometry.coords
              for bearing, metres in ((0.0, 3.0), (135.0, 24.0), (180.0, 60.0))]
    found = locate_all(points, segments)
    assert found == [locate(p, segments) for p in points]
    assert found[2] is None and found[0] is not None
    assert locate_all([], segments) == []


def test_locate_returns_the_segment_index() -> None:
    segments = split_route(KM, 50.0)[10:]
    near_start = destination(Point(KM.coords[0]), 150.0, 5.0)
    assert locate(near_start, segments, tolerance_m=1000.0)[0] == 10  # type: ignore[index]


def test_same_route_walked_8_m_aside_matches_every_segment_to_its_twin() -> None:
    day = split_route(KM)
    night = split_route(_shift(KM, 150.0, 8.0))
    assert match_segments(day, night) == [(i, i) for i in range(20)]


def test_routes_100_m_apart_do_not_match() -> None:
    assert match_segments(split_route(KM), split_route(_shift(KM, 150.0, 100.0))) == []


def test_walked_the_other_way_still_matches() -> None:
    back = LineString(list(_shift(KM, 330.0, 8.0).coords)[::-1])
    assert match_segments(split_route(KM), split_route(back)) == [(i, 19 - i) for i in range(20)]


def test_a_street_crossing_the_route_does_not_match() -> None:
    day = split_route(KM)
    middle = day[10].geometry.interpolate(0.5, normalized=True)
    crossing = LineString([destination(middle, 330.0, 200.0), destination(middle, 150.0, 200.0)])
    assert match_segments(day, split_route(crossing)) == []


def test_a_route_with_turns_shifted_8_m() -> None:
    route = _walk(START, (90.0, 240.0), (0.0, 310.0), (45.0, 200.0), (270.0, 180.0))
    day = split_route(route)
    night = split_route(_shift(route, 200.0, 8.0))
    assert len(day) == len(night) == 19
    assert match_segments(day, night) == [(i, i) for i in range(19)]


def test_pairs_are_one_to_one_and_closest_first() -> None:
    day = split_route(KM, 50.0)
    fine = split_route(_shift(KM, 150.0, 3.0), 25.0)  # two night segments beside each day one
    pairs = match_segments(day, fine)
    assert len(pairs) == 20
    assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == 20
    assert all(j in (2 * i, 2 * i + 1) for i, j in pairs)
    assert match_segments([], fine) == match_segments(day, []) == []


def test_segment_is_a_frozen_value() -> None:
    segment = split_route(KM)[0]
    assert isinstance(segment, Segment)
    with pytest.raises(AttributeError):
        segment.index = 3  # type: ignore[misc]


def test_matching_many_groups_at_once_gives_the_pairs_of_matching_each_pair() -> None:
    import random

    from shapely.geometry import LineString as Line

    from fieldsafe.geo.segments import match_line_groups, match_lines

    rng = random.Random(5)

    def route() -> list[Line]:
        x, y, out = rng.uniform(0, 300), rng.uniform(0, 300), []
        for _ in range(rng.randint(1, 8)):
            dx, dy = rng.choice([(50, 0), (0, 50), (-50, 0), (0, -50), (35, 35)])
            out.append(Line([(x, y), (x + dx + rng.uniform(-3, 3), y + dy)]))
            x, y = x + dx, y + dy
        return out

    groups = [route() for _ in range(12)]
    wanted = {(a, b) for a in range(12) for b in range(12) if a != b and (a + b) % 3}
    found = match_line_groups(groups, lambda a, b: (a, b) in wanted, 25.0)
    expected = {(a, b): match_lines(groups[a], groups[b], 25.0) for a, b in wanted}
    assert found == {k: v for k, v in expected.items() if v}
    assert found, "the random routes do cross"


def test_a_street_walked_twice_puts_a_point_on_it_on_the_earlier_walk_of_it() -> None:
    """Out along a street and back along it, 5 mm to the north: a finding on the street is
    as near to the way out as to the way back (what differs is below any GPS, and below
    the last digits of two projections). Every way of locating it (one route, or many
    routes in one projection) must say the way out, the earlier segment."""
    from fieldsafe.services.map_load import Locator

    segments = split_route(_walk(START, (90.0, 300.0), (0.0, 0.005), (270.0, 300.0)), 50.0)
    spot = destination(destination(START, 90.0, 125.0), 0.0, 0.003)  # 2 mm from the way back
    found = locate_all([spot], segments)[0]
    assert found is not None and found[0] == 2
    assert found[1] == pytest.approx(0.003, abs=0.001)
    west, south, east, north = segments[0].geometry.bounds
    for shift in (0.0, 0.01, 0.5):  # a projection centred elsewhere: other last digits
        locator = Locator([(west - shift, south - shift, east + shift, north + shift)], 25.0)
        [[placed]] = locator.locate([(segments, [spot])])
        assert placed is not None and placed[0] == 2
