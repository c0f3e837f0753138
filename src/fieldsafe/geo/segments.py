"""Cutting a walked route into numbered segments, placing findings on them, pairing two audits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.geodesy import GEOD
from fieldsafe.geo.projection import LocalProjection
from fieldsafe.geo.validate import where
from fieldsafe.i18n import _

#: A cut closer than this (m) to the end of the route is not made: no crumb of a last segment.
_CRUMB_M = 0.001
#: Half the stretch (m) over which a segment's direction is measured when pairing audits.
_TANGENT_M = 10.0
# A point this close to the nearest segment's distance from it is as near: projections
# differ in the last digits, and a point on a street walked twice must land on the same
# (the earlier) segment however the route was projected.
TIE_M = 0.01


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a route: WGS84 (lon, lat) geometry and geodesic distances from the start."""

    index: int  # 0-based along the route
    geometry: LineString
    start_m: float
    end_m: float

    @property
    def length_m(self) -> float:
        return self.end_m - self.start_m


def split_route(line: LineString, segment_m: float = 50.0) -> list[Segment]:
    """``line`` cut every ``segment_m`` metres (geodesic) into segments; the last may be shorter.

    Cut points are interpolated exactly along the geodesic between the two vertices around them.
    Repeated points are ignored; a route of zero length is a GeometryError.
    """
    if not segment_m > 0:
        raise ValueError(f"segment length must be positive, not {segment_m!r}")
    points: list[tuple[float, float]] = []
    for x, y, *_z in line.coords:
        if not points or points[-1] != (x, y):
            points.append((x, y))
    if len(points) < 2:
        at = where(*points[0]) if points else "?"
        raise GeometryError(_("the route has zero length: all its points are at the same place "
                              "({where})").format(where=at))
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    azimuths, _back, lengths = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    ends = list(accumulate(lengths))  # ends[k]: distance from the start to points[k + 1]
    total = ends[-1]
    segments: list[Segment] = []
    current = [points[0]]
    start = 0.0
    edge = 0  # the edge from points[edge] to points[edge + 1] holds the next cut
    cut = segment_m
    while cut < total - _CRUMB_M:
        while edge < len(ends) - 1 and ends[edge] <= cut:
            edge += 1
            current.append(points[edge])
        offset = cut - (ends[edge - 1] if edge else 0.0)
        if offset <= 0.0:
            here = points[edge]
        else:
            lon, lat, _az = GEOD.fwd(lons[edge], lats[edge], azimuths[edge], offset)
            here = (float(lon), float(lat))
        if here != current[-1]:
            current.append(here)
        segments.append(Segment(len(segments), LineString(current), start, cut))
        current, start = [here], cut
        cut = segment_m * (len(segments) + 1)
    current.extend(points[edge + 1:])
    segments.append(Segment(len(segments), LineString(current), start, float(total)))
    return segments


def locate(point: Point, segments: list[Segment],
           tolerance_m: float = 25.0) -> tuple[int, float] | None:
    """``(segment index, distance in m)`` of the segment nearest ``point``, if within tolerance.

    On a tie the earlier segment wins (a point at a joint belongs to the segment it ends);
    segments no more than :data:`TIE_M` farther than the nearest are a tie (a street walked
    out and back).
    """
    return locate_all([point], segments, tolerance_m)[0]


def locate_all(points: list[Point], segments: list[Segment],
               tolerance_m: float = 25.0) -> list[tuple[int, float] | None]:
    """:func:`locate` for many points at once (the route is projected and indexed once)."""
    found: list[tuple[int, float] | None] = [None] * len(points)
    if not segments or not points:
        return found
    projection = LocalProjection.around(*(s.geometry for s in segments))
    lines = projection.to_metres([s.geometry for s in segments])
    spots = projection.to_metres(points)
    which, near = shapely.STRtree(lines).query(spots, predicate="dwithin",
                                               distance=tolerance_m)
    distances = shapely.distance(spots[which], lines[near]) if len(which) else []
    candidates: dict[int, list[tuple[float, int]]] = {}
    for p, k, distance in zip(which.tolist(), near.tolist(), list(distances), strict=True):
        candidates.setdefault(p, []).append((float(distance), k))
    for p, found_near in candidates.items():
        nearest = min(d for d, _k in found_near)
        k = min(k for d, k in found_near if d <= nearest + TIE_M)  # the earlier on a tie
        found[p] = (k, next(d for d, j in found_near if j == k))
    return [None if f is None else (segments[f[0]].index, f[1]) for f in found]


def match_segments(a: list[Segment], b: list[Segment], tolerance_m: float = 25.0,
                   max_angle_deg: float = 30.0) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of positions in ``a`` and ``b`` where ``b[j]`` runs along ``a[i]``.

    ``b[j]`` runs along ``a[i]`` when the middle of ``b[j]`` is within ``tolerance_m`` metres of
    ``a[i]`` and the two run within ``max_angle_deg`` of parallel there, in either direction
    (the night team may walk the street the other way). Pairs are one-to-one, the closest
    first; they come sorted by ``i``.
    """
    if not a or not b:
        return []
    projection = LocalProjection.around(*(s.geometry for s in a), *(s.geometry for s in b))
    return match_lines(projection.to_metres([s.geometry for s in a]),
                       projection.to_metres([s.geometry for s in b]), tolerance_m,
                       max_angle_deg)


def match_lines(lines_a: list[BaseGeometry], lines_b: list[BaseGeometry],
                tolerance_m: float = 25.0, max_angle_deg: float = 30.0) -> list[tuple[int, int]]:
    """:func:`match_segments` for lines already in one metric projection (so that many
    routes can be matched without projecting them again for every pair)."""
    if not len(lines_a) or not len(lines_b):
        return []
    array_a = np.asarray(lines_a, dtype=object)
    array_b = np.asarray(lines_b, dtype=object)
    middles = shapely.line_interpolate_point(array_b, 0.5, normalized=True)
    js, is_ = shapely.STRtree(array_a).query(middles, predicate="dwithin",
                                              distance=tolerance_m)
    if not len(js):
        return []
    # Every candidate pair at once (shapely's vectorised functions, not a Python loop).
    line_a, line_b, middle = array_a[is_], array_b[js], middles[js]
    along_a = shapely.line_locate_point(line_a, middle)
    angles = _angles(_tangents(line_a, along_a),
                     _tangents(line_b, shapely.length(line_b) / 2.0))
    distances = shapely.distance(line_a, middle)
    keep = angles <= max_angle_deg
    candidates = sorted(zip(distances[keep].tolist(), is_[keep].tolist(), js[keep].tolist(),
                            strict=True))
    pairs: list[tuple[int, int]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _distance, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _tangents(lines: Any, at: Any) -> Any:
    """:func:`_tangent` of many lines at once: an (n, 2) array of directions."""
    low = shapely.get_coordinates(shapely.line_interpolate_point(
        lines, np.maximum(0.0, at - _TANGENT_M)))
    high = shapely.get_coordinates(shapely.line_interpolate_point(
        lines, np.minimum(shapely.length(lines), at + _TANGENT_M)))
    return high - low


def _tangents_at(lines: Any, at_middle: Any, which: Any, at: Any) -> Any:
    """:func:`_tangents` of ``lines[which]`` at ``at``. A straight line (two points) runs
    the same way everywhere, so its direction at the middle (``at_middle``, one row per
    line) serves; only bent lines are measured at ``at``."""
    bent = shapely.get_num_coordinates(lines[which]) > 2
    out = at_middle[which]
    if bent.any():
        out[bent] = _tangents(lines[which[bent]], at[bent])
    return out


def _angles(u: Any, v: Any) -> Any:
    """:func:`_angle` of many pairs of directions ((n, 2) arrays) at once, in degrees."""
    norm = np.hypot(u[:, 0], u[:, 1]) * np.hypot(v[:, 0], v[:, 1])
    dot = np.abs(u[:, 0] * v[:, 0] + u[:, 1] * v[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(norm > 0.0, dot / np.where(norm > 0.0, norm, 1.0), 1.0)
    return np.degrees(np.arccos(np.minimum(1.0, cosine)))




def match_line_groups(groups: list[list[BaseGeometry]], wanted: Callable[[int, int], bool],
                      tolerance_m: float = 25.0, max_angle_deg: float = 30.0, *,
                      wanted_many: Callable[[Any, Any], Any] | None = None,
                      ) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """:func:`match_lines` for every pair of groups (say, the routes of many audits, in one
    metric projection) at once: ``{(a, b): match_lines(groups[a], groups[b])}`` for each
    pair with ``wanted(a, b)`` and at least one match. One tree and one vectorised pass over
    all lines, instead of a tree and a pass for every pair. ``wanted_many`` (arrays of
    ``a`` and of ``b`` -> an array of booleans) answers for many pairs at once instead."""
    lines = np.asarray([line for group in groups for line in group], dtype=object)
    if not len(lines):
        return {}
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    first = np.concatenate([[0], np.cumsum([len(g) for g in groups])[:-1]])
    middles = shapely.line_interpolate_point(lines, 0.5, normalized=True)
    js, is_ = shapely.STRtree(lines).query(middles, predicate="dwithin", distance=tolerance_m)
    group_a, group_b = owner[is_], owner[js]
    # ``wanted`` once per pair of groups, not once per candidate pair of lines.
    codes = group_a.astype(np.int64) * len(groups) + group_b
    unique, inverse = np.unique(codes, return_inverse=True)
    firsts, seconds = unique // len(groups), unique % len(groups)
    if wanted_many is not None:
        asked = (firsts != seconds) & np.asarray(wanted_many(firsts, seconds), dtype=bool)
    else:
        asked = np.fromiter((a != b and wanted(a, b) for a, b in zip(
            firsts.tolist(), seconds.tolist(), strict=True)), dtype=bool, count=len(unique))
    keep = asked[inverse]
    is_, js, group_a, group_b = is_[keep], js[keep], group_a[keep], group_b[keep]
    if not len(js):
        return {}
    line_a, middle = lines[is_], middles[js]
    at_middle = _tangents(lines, shapely.length(lines) / 2.0)  # once per line, not per pair
    angles = _angles(_tangents_at(lines, at_middle, is_,
                                  shapely.line_locate_point(line_a, middle)), at_middle[js])
    ok = angles <= max_angle_deg
    distances = shapely.distance(line_a, middle)[ok]
    local_i = (is_ - first[group_a])[ok]
    local_j = (js - first[group_b])[ok]
    codes = (group_a.astype(np.int64) * len(groups) + group_b)[ok]
    # One sort for all pairs of groups: by pair, then closest first (ties by position).
    order = np.lexsort((local_j, local_i, distances, codes))
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    current = -1
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for code, i, j in zip(codes[order].tolist(), local_i[order].tolist(),
                          local_j[order].tolist(), strict=True):
        if code != current:
            current, used_a, used_b = code, set(), set()
            pairs = out[(code // len(groups), code % len(groups))] = []
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    for found in out.values():
        found.sort()
    return out
