"""Grouping points for the map at each zoom (the grouping itself has no Qt)."""

from __future__ import annotations

import numpy as np

from fieldsafe.geo.webmercator import to_world
from fieldsafe.ui.map.clusters import cluster_points


def world(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = zip(*(to_world(lat, lon) for lat, lon in points), strict=True)
    return np.asarray(xs), np.asarray(ys)


def test_points_within_the_radius_group_and_split_when_zoomed_in() -> None:
    lat, lon = -1.29, 36.82
    points = [(lat, lon), (lat, lon + 0.0005), (lat + 0.0004, lon), (lat + 0.05, lon + 0.05)]
    xs, ys = world(points)
    colours = np.array([0, 1, 1, 2])
    low = cluster_points(xs, ys, colours, 12)
    assert sorted(low.counts.tolist()) == [1, 3]
    group = int(np.argmax(low.counts))
    assert low.members(group).tolist() == [0, 1, 2]
    assert low.colours[group] == 1  # the most common colour of its members
    assert low.xs[group] == np.mean(xs[:3]) and low.ys[group] == np.mean(ys[:3])
    assert low.boxes[group].tolist() == [xs[:3].min(), ys[:3].min(), xs[:3].max(), ys[:3].max()]
    high = cluster_points(xs, ys, colours, 18)  # 55 m is about 90 px at zoom 18
    assert high.counts.tolist() == [1, 1, 1, 1]
    assert sorted(int(high.members(i)[0]) for i in range(len(high))) == [0, 1, 2, 3]


def test_every_point_is_in_exactly_one_group_and_groups_are_apart() -> None:
    rng = np.random.default_rng(3)
    lat = -1.29 + rng.uniform(-0.05, 0.05, 10_000)
    lon = 36.82 + rng.uniform(-0.05, 0.05, 10_000)
    xs, ys = world(list(zip(lat.tolist(), lon.tolist(), strict=True)))
    for zoom in (10, 13, 16):
        groups = cluster_points(xs, ys, np.zeros(10_000, dtype=np.intp), zoom)
        assert sorted(groups.order.tolist()) == list(range(10_000))
        assert int(groups.counts.sum()) == 10_000
        scale = 2.0**zoom
        # each member lies within two radii of its group's centre
        for i in range(0, len(groups), max(1, len(groups) // 50)):
            members = groups.members(i)
            spread = np.hypot(xs[members] - groups.xs[i], ys[members] - groups.ys[i]) * scale
            assert spread.max() <= 2 * 40 * 1.5


def test_no_points_no_groups() -> None:
    groups = cluster_points(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.intp), 5)
    assert len(groups) == 0
