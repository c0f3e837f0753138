"""ODK geopoint/geotrace/geoshape answers: parsing, clear errors, and writing them back."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point, Polygon

from fieldsafe.errors import UserError
from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.odk import (
    parse_coordinates,
    parse_geopoint,
    parse_geoshape,
    parse_geotrace,
    parse_odk,
    to_odk,
)

TRACE = "-1.2921 36.8219 1650.5 4.9;-1.2925 36.8224 1651 5;-1.2930 36.8230 1652 3.2"


def test_geopoint_is_lon_lat() -> None:
    point = parse_geopoint("-1.2921 36.8219 1650.5 4.9")
    assert isinstance(point, Point)
    assert (point.x, point.y) == (36.8219, -1.2921)
    assert not point.has_z


def test_geopoint_with_only_lat_lon() -> None:
    assert parse_geopoint("  51.5  -0.12 ").coords[0] == (-0.12, 51.5)


def test_coordinates_keep_altitude_and_accuracy() -> None:
    coords = parse_coordinates("geotrace", TRACE)
    assert [(c.altitude, c.accuracy) for c in coords] == [(1650.5, 4.9), (1651, 5), (1652, 3.2)]
    assert parse_coordinates("geopoint", "1 2")[0].accuracy == 0.0


def test_geotrace() -> None:
    line = parse_geotrace(TRACE)
    assert isinstance(line, LineString)
    assert list(line.coords) == [(36.8219, -1.2921), (36.8224, -1.2925), (36.8230, -1.2930)]


def test_geotrace_tolerates_spaces_and_a_trailing_semicolon() -> None:
    line = parse_geotrace("-1.2921 36.8219 0 0; -1.2925 36.8224 0 0;")
    assert len(line.coords) == 2


def test_geoshape_closed_or_not() -> None:
    open_ring = "0 0 0 0;0 1 0 0;1 1 0 0"
    closed = open_ring + ";0 0 0 0"
    for text in (open_ring, closed):
        shape = parse_geoshape(text)
        assert isinstance(shape, Polygon)
        assert list(shape.exterior.coords) == [(0, 0), (1, 0), (1, 1), (0, 0)]


def test_parse_odk_dispatches() -> None:
    assert parse_odk("geopoint", "1 2").geom_type == "Point"
    assert parse_odk("geotrace", "1 2;3 4").geom_type == "LineString"
    assert parse_odk("geoshape", "1 2;3 4;5 2").geom_type == "Polygon"
    with pytest.raises(ValueError, match="geofence"):
        parse_odk("geofence", "1 2")


@pytest.mark.parametrize(("qtype", "text", "message"), [
    ("geopoint", "", "geopoint: the value is empty"),
    ("geopoint", "1.5 abc 0 0", "geopoint '1.5 abc 0 0': 'abc' is not a number"),
    ("geopoint", "nan 3", "'nan' is not a number"),
    ("geopoint", "95 10", "latitude 95 is outside -90 to 90"),
    ("geopoint", "10 -190", "longitude -190 is outside -180 to 180"),
    ("geopoint", "10", "expected 'latitude longitude [altitude [accuracy]]'"),
    ("geopoint", "1 2 3 -4", "accuracy -4 is negative"),
    ("geopoint", "1 2;3 4", "holds 2 points; a geopoint is one point"),
    ("geotrace", "1 2 0 0", "has 1 distinct point; at least 2 are needed"),
    ("geotrace", "1 2 0 0;1 2 0 0", "has 1 distinct point; at least 2 are needed"),
    ("geotrace", "1 2 0 0;3 x 0 0", "geotrace point 2 '3 x 0 0': 'x' is not a number"),
    ("geoshape", "1 1;2 2;1 1", "has 2 distinct points; at least 3 are needed"),
])
def test_bad_values_are_explained_in_one_line(qtype: str, text: str, message: str) -> None:
    with pytest.raises(GeometryError) as caught:
        parse_odk(qtype, text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, UserError)


def test_to_odk_round_trips() -> None:
    assert to_odk(parse_geopoint("-1.2921 36.8219 1650.5 4.9")) == "-1.2921 36.8219 0 0"
    assert to_odk(parse_geotrace(TRACE)) == (
        "-1.2921 36.8219 0 0;-1.2925 36.8224 0 0;-1.293 36.823 0 0")
    shape = parse_geoshape("0 0;0 1;1 1")
    assert to_odk(shape) == "0 0 0 0;0 1 0 0;1 1 0 0;0 0 0 0"
    assert parse_geoshape(to_odk(shape)).equals(shape)


def test_to_odk_writes_z_as_altitude() -> None:
    assert to_odk(Point(36.8, -1.3, 1650.25)) == "-1.3 36.8 1650.25 0"


def test_to_odk_refuses_what_odk_cannot_hold() -> None:
    with_hole = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4)]])
    with pytest.raises(GeometryError, match="holes"):
        to_odk(with_hole)
    with pytest.raises(GeometryError, match="MultiPoint"):
        to_odk(Point(0, 0).union(Point(1, 1)))
    with pytest.raises(GeometryError, match="empty"):
        to_odk(Point())
