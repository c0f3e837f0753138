"""Gathering points for the map and the reports: grid clusters for markers at low zoom, and
hotspots where findings crowd together."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely

from fieldsafe.geo.projection import LocalProjection
from fieldsafe.services.map_types import Cluster, Hotspot, LatLon, MapFinding


def _projected(points: Sequence[LatLon]) -> tuple[LocalProjection, np.ndarray]:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    projection = LocalProjection((min(lons) + max(lons)) / 2.0, (min(lats) + max(lats)) / 2.0)
    return projection, projection.to_metres(shapely.points(lons, lats))


def cluster_points(points: Sequence[LatLon], cell_m: float) -> list[Cluster]:
    """Points gathered by a square grid of ``cell_m`` metres (in a local projection centred
    on them, the grid starting at their south-west corner): one cluster per occupied cell,
    at the mean of its points, listing their indexes. Clusters come in the order of their
    first point. Two close points on either side of a cell edge fall in different
    clusters, as with any grid."""
    if not cell_m > 0:
        raise ValueError(f"cell size must be positive, not {cell_m!r}")
    if not points:
        return []
    _projection, metres = _projected(points)
    x, y = shapely.get_x(metres), shapely.get_y(metres)
    xs = np.floor((x - x.min()) / cell_m).astype(np.int64).tolist()
    ys = np.floor((y - y.min()) / cell_m).astype(np.int64).tolist()
    cells: dict[tuple[int, int], list[int]] = {}
    for index, cell in enumerate(zip(xs, ys, strict=True)):
        cells.setdefault(cell, []).append(index)
    return [Cluster(sum(points[i][0] for i in members) / len(members),
                    sum(points[i][1] for i in members) / len(members), members)
            for members in cells.values()]


def hotspots(findings: Sequence[MapFinding], radius_m: float = 50.0,
             min_count: int = 3) -> list[Hotspot]:
    """Places where at least ``min_count`` located findings (of any audits) lie within
    ``radius_m`` of one finding, densest first.

    Taken greedily: the finding with the most others within ``radius_m`` (neighbours found
    with a shapely STRtree, in metres) makes a hotspot with them; they are set aside and
    the next densest is taken, until none has ``min_count`` (itself included). So a finding
    is in one hotspot at most and a hotspot never grows beyond ``radius_m`` from its
    centre finding, however dense the campaign (a chain of findings along a street is
    several hotspots, not one).
    """
    located = [(i, f.location) for i, f in enumerate(findings) if f.location is not None]
    if min_count < 1 or len(located) < min_count:
        return []
    projection, metres = _projected([p for _i, p in located])
    tree = shapely.STRtree(metres)
    sources, targets = tree.query(metres, predicate="dwithin", distance=radius_m)
    near: list[list[int]] = [[] for _p in located]
    for a, b in zip(sources.tolist(), targets.tolist(), strict=True):
        near[a].append(b)
    counts = np.array([len(n) for n in near])  # neighbours not yet taken, itself included
    alive = np.ones(len(located), dtype=bool)
    spots: list[Hotspot] = []
    while True:
        densest = int(np.argmax(np.where(alive, counts, -1)))
        if not alive[densest] or counts[densest] < min_count:
            break
        members = sorted(j for j in near[densest] if alive[j])
        alive[members] = False
        for member in members:
            counts[near[member]] -= 1
        spots.append(_hotspot(members, located, metres, projection, findings))
    return spots


def _hotspot(members: list[int], located: list[tuple[int, LatLon]], metres: np.ndarray,
             projection: LocalProjection, findings: Sequence[MapFinding]) -> Hotspot:
    xs = shapely.get_x(metres[members])
    ys = shapely.get_y(metres[members])
    cx, cy = float(xs.mean()), float(ys.mean())
    centre = projection.to_lonlat(shapely.Point(cx, cy))
    radius = max(math.hypot(float(x) - cx, float(y) - cy) for x, y in zip(xs, ys, strict=True))
    indexes = [located[m][0] for m in members]
    severities = [s for s in (findings[i].severity for i in indexes) if s is not None]
    return Hotspot(float(centre.y), float(centre.x), indexes, radius,
                   sum(severities) / len(severities) if severities else None)
