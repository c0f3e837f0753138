"""Web Mercator: world pixels, tiles, ground scale, scale-bar lengths and graticule steps."""

from __future__ import annotations

import math

import pytest
from pyproj import Transformer

from fieldsafe.geo.webmercator import (
    MAX_LAT,
    clamp_lat,
    format_degrees,
    grid_lines,
    grid_step,
    metres_per_pixel,
    nice_length,
    scale_bar,
    tile_bounds,
    tile_range,
    to_lat_lon,
    to_world,
)

HALF_WORLD_M = math.pi * 6_378_137.0


def test_corners_and_centre_of_the_world() -> None:
    assert to_world(0.0, 0.0) == pytest.approx((128.0, 128.0))
    assert to_world(MAX_LAT, -180.0) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert to_world(-MAX_LAT, 180.0) == pytest.approx((256.0, 256.0), abs=1e-9)
    assert to_world(90.0, 0.0) == to_world(MAX_LAT, 0.0)  # clamped, not infinite


@pytest.mark.parametrize("lat, lon", [(0.0, 0.0), (-1.2864, 36.8172), (51.5, -0.12),
                                      (-33.87, 151.21), (84.9, -179.9), (-70.0, 10.0)])
def test_round_trip_and_agreement_with_pyproj(lat: float, lon: float) -> None:
    x, y = to_world(lat, lon)
    assert to_lat_lon(x, y) == pytest.approx((lat, lon), abs=1e-9)
    east, north = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    assert (x / 256 * 2 - 1) * HALF_WORLD_M == pytest.approx(east, abs=1e-3)
    assert (1 - y / 256 * 2) * HALF_WORLD_M == pytest.approx(north, abs=1e-3)


def test_clamp_lat() -> None:
    assert clamp_lat(89.0) == MAX_LAT and clamp_lat(-91.0) == -MAX_LAT
    assert clamp_lat(12.5) == 12.5


def test_tile_range_covers_the_box_and_stays_in_the_world() -> None:
    assert list(tile_range((0.0, 0.0, 256.0, 256.0), 1)) == [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert list(tile_range((10.0, 10.0, 20.0, 20.0), 0)) == [(0, 0)]
    assert list(tile_range((-50.0, -50.0, 300.0, 10.0), 2)) == [(0, 0), (1, 0), (2, 0), (3, 0)]
    # a box ending exactly on a tile edge does not take the next tile
    assert list(tile_range((64.0, 64.0, 128.0, 128.0), 2)) == [(1, 1)]
    assert list(tile_range((300.0, 0.0, 400.0, 10.0), 3)) == []
    x, y = to_world(-1.2864, 36.8172)
    assert list(tile_range((x, y, x, y), 15)) == [(19735, 16501)]  # a point: its tile


def test_tile_bounds_match_tile_range() -> None:
    for z, x, y in ((0, 0, 0), (3, 5, 2), (12, 2456, 2063)):
        x0, y0, x1, y1 = tile_bounds(z, x, y)
        assert list(tile_range((x0 + 1e-9, y0 + 1e-9, x1 - 1e-9, y1 - 1e-9), z)) == [(x, y)]


def test_metres_per_pixel() -> None:
    assert metres_per_pixel(0.0, 0) == pytest.approx(156_543.034, abs=1e-3)
    assert metres_per_pixel(0.0, 18) == pytest.approx(0.597164, abs=1e-6)
    assert metres_per_pixel(60.0, 10) == pytest.approx(metres_per_pixel(0.0, 10) / 2)


def test_nice_lengths_are_one_two_five() -> None:
    assert [nice_length(v) for v in (1.0, 1.9, 2.0, 4.99, 5.0, 9.9, 10.0, 730.0, 0.03)] == \
        pytest.approx([1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 10.0, 500.0, 0.02])
    with pytest.raises(ValueError):
        nice_length(0.0)


def test_scale_bar_fits_its_room() -> None:
    metres, pixels = scale_bar(0.0, 0, 120.0)  # 120 px is 18,785 km at zoom 0
    assert metres == 10_000_000 and pixels == pytest.approx(63.88, abs=0.01)
    for zoom in (3, 9.5, 14, 19):
        metres, pixels = scale_bar(-1.29, zoom, 120.0)
        assert 48 <= pixels <= 120
        assert f"{metres:g}"[0] in "125"


def test_grid_steps_follow_the_zoom() -> None:
    assert grid_step(0) == 90.0
    assert grid_step(2) == 45.0
    assert grid_step(7) == 2.0
    assert grid_step(18) == pytest.approx(0.001)
    steps = [grid_step(z / 2) for z in range(0, 44)]
    assert steps == sorted(steps, reverse=True)
    for z in range(0, 22):  # lines at least 100 px apart, and not wastefully far
        pixels = grid_step(z) / 360 * 256 * 2**z
        assert grid_step(z) == 90 or 100 <= pixels < 400


def test_grid_lines_and_labels() -> None:
    assert grid_lines(-10.0, 10.0, 5.0) == [-10.0, -5.0, 0.0, 5.0, 10.0]
    assert grid_lines(0.21, 0.65, 0.2) == [0.4, 0.6]
    assert grid_lines(36.8013, 36.8032, 0.001) == [36.802, 36.803]
    assert format_degrees(45.0, 45.0, "NS") == "45°N"
    assert format_degrees(-0.5, 0.5, "EW") == "0.5°W"
    assert format_degrees(0.0, 10.0, "EW") == "0°"
    assert format_degrees(36.802, 0.002, "EW") == "36.802°E"
