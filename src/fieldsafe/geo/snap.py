"""Snapping a finding's location onto the nearest segment of the walked route, within tolerance."""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.projection import LocalProjection
from fieldsafe.geo.segments import locate, split_route


def snap_to_route(lat: float, lon: float, route_coords: Sequence[tuple[float, float]],
                  tolerance_m: float = 25.0, *,
                  segment_m: float = 50.0) -> tuple[float, float, int | None]:
    """``(lat, lon, segment index)``: the point moved onto the nearest segment of the route
    when it lies within ``tolerance_m`` metres of it, else the point unchanged and None.

    ``route_coords`` are (lat, lon) pairs; the route is cut into segments of ``segment_m``
    metres as :func:`fieldsafe.geo.segments.split_route` cuts it, and the index is 0-based.
    The nearest point is found in a local metric projection. A route of fewer than two
    distinct points snaps nothing.
    """
    if len({(a, b) for a, b in route_coords}) < 2:
        return lat, lon, None
    line = LineString([(b, a) for a, b in route_coords])
    try:
        segments = split_route(line, segment_m)
    except GeometryError:
        return lat, lon, None
    point = Point(lon, lat)
    found = locate(point, segments, tolerance_m)
    if found is None:
        return lat, lon, None
    index, _distance = found
    projection = LocalProjection.around(line, point)
    local_line = projection.to_metres(segments[index].geometry)
    _on_point, on_line = nearest_points(projection.to_metres(point), local_line)
    snapped = projection.to_lonlat(on_line)
    return float(snapped.y), float(snapped.x), index


def distance_to_route_m(lat: float, lon: float,
                        route_coords: Sequence[tuple[float, float]]) -> float | None:
    """How far (m) the point is from the route of (lat, lon) pairs; None without a route."""
    if len({(a, b) for a, b in route_coords}) < 2:
        return None
    line = LineString([(b, a) for a, b in route_coords])
    point = Point(lon, lat)
    projection = LocalProjection.around(line, point)
    return float(projection.to_metres(line).distance(projection.to_metres(point)))
