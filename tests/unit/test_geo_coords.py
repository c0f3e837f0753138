"""Typed-in coordinates: decimal degrees and degrees-minutes-seconds to ODK point values."""

from __future__ import annotations

import pytest

from fieldsafe.geo.coords import (
    LatLon,
    format_dms,
    format_point,
    parse_point,
    parse_points,
    to_odk_trace,
)
from fieldsafe.geo.errors import GeometryError

BANGALORE = (12.9716111, 77.5946111)


@pytest.mark.parametrize("text", [
    "12.9716, 77.5946", "12.9716 77.5946", "12.9716,77.5946", " 12.9716 ;77.5946 ",
])
def test_decimal_degrees(text: str) -> None:
    assert parse_point(text) == LatLon(12.9716, 77.5946)


def test_decimal_with_altitude_and_accuracy_as_odk_writes_it() -> None:
    point = parse_point("12.9849 77.6071 904 4")
    assert point == LatLon(12.9849, 77.6071, 904.0, 4.0)
    assert point.to_odk() == "12.9849 77.6071 904 4"
    assert LatLon(-1.5, 2).to_odk() == "-1.5 2 0 0"


@pytest.mark.parametrize("text", [
    "12°58'17.8\"N 77°35'40.6\"E",
    "12°58′17.8″N, 77°35′40.6″E",  # typographic primes
    "12 58 17.8 N 77 35 40.6 E",  # no unit marks
    "N 12°58'17.8\" E 77°35'40.6\"",  # hemisphere first
    "77°35'40.6\"E 12°58'17.8\"N",  # longitude first
    "n12°58'17.8\" e77°35'40.6\"",  # lower case
])
def test_degrees_minutes_seconds(text: str) -> None:
    point = parse_point(text)
    assert point.lat == pytest.approx(BANGALORE[0], abs=1e-6)
    assert point.lon == pytest.approx(BANGALORE[1], abs=1e-6)


def test_degrees_and_decimal_minutes_and_hemispheres() -> None:
    point = parse_point("N 12 58.296 E 77 35.677")
    assert (point.lat, point.lon) == pytest.approx((12.9716, 77.5946167), abs=1e-6)
    south_west = parse_point("33°52'S 151°12'W")
    assert (south_west.lat, south_west.lon) == pytest.approx((-33.866667, -151.2), abs=1e-6)
    assert parse_point("-12.5°, 77°").lat == -12.5
    assert parse_point("12.5° S, 77.25° E") == LatLon(-12.5, 77.25)


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("north of the bridge", "is not a location"),
    ("12.5", "is not a location"),
    ("1 2 3 4 5", "is not a location"),
    ("95, 10", "Latitude 95 is outside -90 to 90"),
    ("10, 200", "Longitude 200 is outside -180 to 180"),
    ("12 N 77 N", "two latitudes or two longitudes"),
    ("12°61'N 77°E", "minutes and seconds must be below 60"),
    ("12.5°30'N 77°E", "only the last of degrees, minutes and seconds may have decimals"),
    ("-12°S 77°E", "either a minus sign or S/W"),
    ("12'N 77°E", "is not a location"),  # minutes without degrees
    ("1 2 3 -4", "accuracy in '1 2 3 -4' is negative"),
])
def test_what_is_not_a_location_says_why(text: str, message: str) -> None:
    with pytest.raises(GeometryError, match=message):
        parse_point(text)


def test_several_points_one_a_line_or_separated_by_semicolons() -> None:
    points = parse_points("12.98 77.60\n\n12°59'N 77°36'E;13 78")
    assert [(round(p.lat, 4), round(p.lon, 4)) for p in points] == [
        (12.98, 77.6), (12.9833, 77.6), (13.0, 78.0)]
    assert to_odk_trace(points[:1] + points[2:]) == "12.98 77.6 0 0;13 78 0 0"
    with pytest.raises(GeometryError, match=r"^Point 2: 'x' is not a location"):
        parse_points("1 2\nx")


def test_formatting_for_display() -> None:
    point = LatLon(12.9716111, 77.5946111)
    assert format_point(point) == "12.9716111, 77.5946111"
    assert format_dms(point) == "12°58'17.8\"N 77°35'40.6\"E"
    assert format_dms(LatLon(-33.5, -151.25)) == "33°30'0.0\"S 151°15'0.0\"W"
    assert parse_point(format_dms(point)).lat == pytest.approx(point.lat, abs=1e-5)
