"""Lengths, areas and distances on the WGS84 ellipsoid (pyproj Geod), in metres."""

from __future__ import annotations

import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")


def length_m(line: LineString | BaseGeometry) -> float:
    """The geodesic length of a line (or of all the lines in a multi-line), in metres."""
    return float(GEOD.geometry_length(line))


def area_m2(polygon: Polygon | MultiPolygon) -> float:
    """The geodesic area of a polygon (holes taken out), in square metres; always positive.

    pyproj adds up signed ring areas, so the rings are first wound the way it expects
    (outlines anticlockwise, holes clockwise); otherwise a hole wound like its outline would
    add to the area and two parts wound opposite ways would cancel out.
    """
    area, _perimeter = GEOD.geometry_area_perimeter(shapely.orient_polygons(polygon))
    return abs(float(area))


def distance_m(a: Point, b: Point) -> float:
    """The geodesic distance between two points, in metres."""
    _az, _back, distance = GEOD.inv(a.x, a.y, b.x, b.y)
    return float(distance)


def bearing_deg(a: Point, b: Point) -> float:
    """The initial bearing from ``a`` to ``b`` in degrees clockwise from north, 0 to 360."""
    azimuth, _back, _distance = GEOD.inv(a.x, a.y, b.x, b.y)
    return float(azimuth) % 360.0


def destination(start: Point, bearing: float, distance: float) -> Point:
    """The point ``distance`` metres from ``start`` along the geodesic at ``bearing`` degrees."""
    lon, lat, _back = GEOD.fwd(start.x, start.y, bearing, distance)
    return Point(float(lon), float(lat))
