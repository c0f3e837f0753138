"""The campaign report's wards: each route segment falls in the ward that holds its middle."""

from __future__ import annotations

from shapely import STRtree, box

from fieldsafe.services.campaign_reports import _ward_of
from fieldsafe.services.map_types import ScoredSegment


def _segment(audit: str, index: int, coords: list[tuple[float, float]]) -> ScoredSegment:
    return ScoredSegment(audit, index, coords, 0.5, 0.5, (0.0, 1.0), "day", "form", audit)


def test_a_segment_falls_in_the_ward_that_holds_its_middle_the_first_where_they_overlap(
) -> None:
    west, overlap, east = box(0, 0, 1, 1), box(0.5, 0, 1.5, 1), box(1, 0, 2, 1)
    tree = STRtree([west, overlap, east])
    routes = [
        # lat, lon: its middle (lon 0.8) lies in the west ward and in the overlapping one
        _segment("a", 0, [(0.5, 0.6), (0.5, 0.8), (0.5, 1.0)]),
        # starts in the west ward, but its middle (lon 1.7) lies in the east ward only
        _segment("a", 1, [(0.5, 0.9), (0.5, 2.5)]),
        _segment("b", 0, [(0.5, 1.8)]),  # a single point is no line: no ward
        _segment("b", 1, [(5.0, 5.0), (5.0, 6.0)]),  # outside every ward
    ]
    assert _ward_of(routes, tree) == {("a", 0): 0, ("a", 1): 2}
    assert _ward_of([], tree) == {}
