"""Checking and repairing geometries, with explanations people can act on."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from fieldsafe.geo.geodesy import area_m2
from fieldsafe.geo.validate import check_geometry, explain, repair

# A bow-tie over Nairobi: the outline crosses itself at its middle (lat -1.275, lon 36.805).
BOW_TIE = Polygon([(36.80, -1.28), (36.81, -1.27), (36.81, -1.28), (36.80, -1.27)])
SQUARE = Polygon([(36.80, -1.28), (36.81, -1.28), (36.81, -1.27), (36.80, -1.27)])


def test_good_geometries_have_no_problems() -> None:
    assert check_geometry(Point(36.8, -1.28)) == []
    assert check_geometry(LineString([(36.8, -1.28), (36.81, -1.28)])) == []
    assert check_geometry(SQUARE) == []


def test_bow_tie_says_where_the_outline_crosses_itself() -> None:
    assert check_geometry(BOW_TIE) == [
        "the outline crosses itself near lat -1.27500, lon 36.80500"]


def test_bow_tie_is_repaired_into_its_two_triangles() -> None:
    fixed, notes = repair(BOW_TIE)
    assert isinstance(fixed, MultiPolygon)
    assert len(fixed.geoms) == 2
    assert fixed.is_valid
    assert area_m2(fixed) == pytest.approx(area_m2(SQUARE) / 2, rel=1e-3)
    assert notes == ["the outline crosses itself near lat -1.27500, lon 36.80500; "
                     "repaired as 2 separate parts"]


def test_pinched_outline_is_explained_and_repaired() -> None:
    pinched = Polygon([(0, 0), (2, 0), (1, 1), (2, 2), (0, 2), (1, 1), (0, 0)])
    assert check_geometry(pinched) == [
        "the outline touches itself at lat 1.00000, lon 1.00000, pinching the area into a loop"]
    fixed, notes = repair(pinched)
    assert fixed.is_valid and fixed.area == pytest.approx(pinched.area)
    assert notes[-1].endswith("repaired as 2 separate parts")


def test_hole_outside_the_outline() -> None:
    bad = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(5, 5), (6, 5), (6, 6)]])
    assert check_geometry(bad) == ["a hole lies outside the outline, near lat 5.00000, lon 5.00000"]


def test_flat_area_cannot_be_repaired() -> None:
    flat = Polygon([(0, 0), (1, 0), (2, 0), (0, 0)])
    assert check_geometry(flat)[0].startswith("the outline crosses itself near")
    fixed, notes = repair(flat)
    assert notes[-1].endswith("it could not be repaired")
    assert not fixed.is_valid


def test_zero_length_route_is_explained_not_repaired() -> None:
    still = LineString([(36.8, -1.28), (36.8, -1.28), (36.8, -1.28)])
    message = ("the route has zero length: all its points are at the same place "
               "(lat -1.28000, lon 36.80000)")
    assert check_geometry(still) == [message]
    fixed, notes = repair(still)
    assert fixed is still
    assert notes == [message]


def test_repeated_points_are_removed_but_are_not_a_fault() -> None:
    line = LineString([(0, 0), (0, 0), (1, 1), (1, 1), (1, 1), (2, 1)])
    assert check_geometry(line) == []
    fixed, notes = repair(line)
    assert list(fixed.coords) == [(0, 0), (1, 1), (2, 1)]
    assert notes == ["removed 3 repeated points"]
    ring = Polygon([(0, 0), (1, 0), (1, 0), (1, 1), (0, 0)])
    fixed, notes = repair(ring)
    assert len(fixed.exterior.coords) == 4
    assert notes == ["removed 1 repeated point"]


def test_valid_geometry_is_unchanged_by_repair() -> None:
    fixed, notes = repair(SQUARE)
    assert fixed.equals(SQUARE)
    assert notes == []


def test_swapped_or_projected_coordinates_are_caught() -> None:
    swapped = LineString([(-1.28, 36.8), (-1.29, 136.8)])
    problems = check_geometry(swapped)
    assert problems == ["point 2 is not on the map (longitude -1.29, latitude 136.8); are the "
                        "coordinates in another projection, or latitude and longitude swapped?"]
    assert repair(swapped) == (swapped, problems)


def test_empty_geometry() -> None:
    assert check_geometry(Polygon()) == ["the geometry is empty"]
    assert explain(SQUARE) == ""


def test_a_campaign_area_in_a_bundle_is_checked_however_it_is_wrapped() -> None:
    """A self-crossing outline is refused as a bare Polygon, and inside a Feature or a
    FeatureCollection too (it was let through wrapped); a feature with no geometry is not
    a problem (the report leaves it out)."""
    import json

    from fieldsafe.services.bundle_check_records import _area_problem

    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    feature = {"type": "Feature", "properties": {}, "geometry": bowtie}
    for wrapped in (bowtie, feature, {"type": "FeatureCollection", "features": [feature]}):
        problem = _area_problem(json.dumps(wrapped))
        assert problem is not None and "crosses itself" in problem
    fine = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": square},
        {"type": "Feature", "properties": {}, "geometry": None}]}
    assert _area_problem(json.dumps(fine)) is None
    assert _area_problem(json.dumps({"type": "FeatureCollection"})) == "not GeoJSON"
