"""Grouping points closer than a radius at one zoom level into clusters (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: From this zoom on, points are never grouped (a street is on screen; show every point).
CLUSTER_MAX_ZOOM = 17
#: Points closer than this many pixels are grouped.
CLUSTER_RADIUS_PX = 40.0


@dataclass(frozen=True, slots=True)
class Clusters:
    """The groups at one zoom: centre (world pixels), size, colour and members of each.

    Group ``i``'s members are ``order[starts[i]:starts[i + 1]]`` (point indices, ascending);
    ``boxes[i]`` is their extent (min x, min y, max x, max y).
    """

    xs: FloatArray
    ys: FloatArray
    counts: IntArray
    colours: IntArray
    order: IntArray
    starts: IntArray
    boxes: FloatArray

    def __len__(self) -> int:
        return len(self.counts)

    def members(self, i: int) -> IntArray:
        return self.order[self.starts[i]:self.starts[i + 1]]


def cluster_points(xs: FloatArray, ys: FloatArray, colours: IntArray, zoom: int,
                   radius_px: float = CLUSTER_RADIUS_PX) -> Clusters:
    """Group the points (world pixels) that lie within ``radius_px`` of a group's centre at
    ``zoom``; each group takes the most common of its members' ``colours``."""
    n = len(xs)
    if n == 0:
        empty = np.zeros(0, dtype=np.intp)
        return Clusters(np.zeros(0), np.zeros(0), empty, empty, empty,
                        np.zeros(1, dtype=np.intp), np.zeros((0, 4)))
    scale = 2.0**zoom
    px, py = xs * scale, ys * scale
    cx = np.floor(px / radius_px).astype(np.int64)
    cy = np.floor(py / radius_px).astype(np.int64)
    keys = cx * (1 << 31) + cy
    unique, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True,
                                               return_counts=True)
    gx = np.bincount(inverse, weights=px) / counts
    gy = np.bincount(inverse, weights=py) / counts
    cell_x, cell_y = cx[first], cy[first]
    by_cell = {(int(a), int(b)): g for g, (a, b) in enumerate(zip(cell_x, cell_y, strict=True))}
    assigned = np.full(len(unique), -1, dtype=np.intp)
    limit = radius_px * radius_px
    made = 0
    for g in np.lexsort((first, -counts)).tolist():
        if assigned[g] >= 0:
            continue
        assigned[g] = made
        ox, oy, gcx, gcy = gx[g], gy[g], int(cell_x[g]), int(cell_y[g])
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                h = by_cell.get((gcx + dx, gcy + dy))
                if h is not None and assigned[h] < 0 and \
                        (gx[h] - ox) ** 2 + (gy[h] - oy) ** 2 <= limit:
                    assigned[h] = made
        made += 1
    of_point = assigned[inverse]
    sizes = np.bincount(of_point, minlength=made).astype(np.intp)
    order = np.argsort(of_point, kind="stable").astype(np.intp)
    starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.intp)
    centre_x = np.bincount(of_point, weights=xs, minlength=made) / sizes
    centre_y = np.bincount(of_point, weights=ys, minlength=made) / sizes
    boxes = np.empty((made, 4))
    sorted_x, sorted_y = xs[order], ys[order]
    bounds = starts[:-1]
    boxes[:, 0] = np.minimum.reduceat(sorted_x, bounds)
    boxes[:, 1] = np.minimum.reduceat(sorted_y, bounds)
    boxes[:, 2] = np.maximum.reduceat(sorted_x, bounds)
    boxes[:, 3] = np.maximum.reduceat(sorted_y, bounds)
    group_colours = colours[order[bounds]].astype(np.intp)
    for i in np.flatnonzero(sizes > 1).tolist():
        member_colours = colours[order[starts[i]:starts[i + 1]]]
        group_colours[i] = int(np.bincount(member_colours).argmax())
    return Clusters(centre_x, centre_y, sizes, group_colours, order, starts, boxes)
