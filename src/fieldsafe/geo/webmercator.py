"""Web Mercator (EPSG:3857) for map display: world pixels, XYZ tiles, scale and grid steps."""

from __future__ import annotations

import math
from collections.abc import Iterator

#: A tile's side in pixels; the whole world is one tile at zoom 0.
TILE_SIZE = 256
#: The latitude where Web Mercator makes the world square (north and south edges of the map).
MAX_LAT = 85.0511287798066
#: Equatorial radius of WGS84 in metres, the sphere Web Mercator projects.
EARTH_RADIUS_M = 6_378_137.0

#: Graticule spacings in degrees, coarse to fine.
GRID_STEPS = (90.0, 45.0, 30.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01,
              0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.00005, 0.00002, 0.00001)

WorldRect = tuple[float, float, float, float]


def clamp_lat(lat: float) -> float:
    """``lat`` limited to the latitudes Web Mercator can show (about ±85.05°)."""
    return max(-MAX_LAT, min(MAX_LAT, lat))


def to_world(lat: float, lon: float) -> tuple[float, float]:
    """World pixel ``(x, y)`` at zoom 0 (256 pixels around the world, y down from the north)."""
    phi = math.radians(clamp_lat(lat))
    x = (lon + 180.0) / 360.0 * TILE_SIZE
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * TILE_SIZE
    return x, y


def to_lat_lon(x: float, y: float) -> tuple[float, float]:
    """The ``(lat, lon)`` of world pixel ``(x, y)`` at zoom 0; the inverse of :func:`to_world`."""
    lon = x / TILE_SIZE * 360.0 - 180.0
    n = math.pi * (1.0 - 2.0 * y / TILE_SIZE)
    lat = math.degrees(math.atan(math.sinh(n)))
    return lat, lon


def tile_range(bounds_world: WorldRect, zoom: int) -> Iterator[tuple[int, int]]:
    """The XYZ tiles ``(x, y)`` at ``zoom`` that overlap ``bounds_world`` (min x, min y, max x,
    max y in zoom-0 world pixels; a point gives its tile), row by row; tiles outside the world
    are left out."""
    min_x, min_y, max_x, max_y = bounds_world
    count = 2**zoom
    scale = count / TILE_SIZE

    def span(low: float, high: float) -> range:
        if high < low:
            return range(0)
        first = math.floor(low * scale)
        last = max(first, math.ceil(high * scale) - 1)  # a box ending on an edge stops there
        return range(max(0, first), min(count - 1, last) + 1)

    columns = span(min_x, max_x)
    for y in span(min_y, max_y):
        for x in columns:
            yield x, y


def tile_bounds(zoom: int, x: int, y: int) -> WorldRect:
    """The world-pixel rectangle (min x, min y, max x, max y) of XYZ tile ``zoom/x/y``."""
    size = TILE_SIZE / 2**zoom
    return x * size, y * size, (x + 1) * size, (y + 1) * size


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground metres one screen pixel covers at latitude ``lat`` and ``zoom`` (east-west)."""
    circumference = 2.0 * math.pi * EARTH_RADIUS_M * math.cos(math.radians(clamp_lat(lat)))
    return circumference / (TILE_SIZE * math.pow(2.0, zoom))


def nice_length(metres: float) -> float:
    """The largest 1-2-5 length (…, 10, 20, 50, 100, …) not above ``metres`` (> 0)."""
    if metres <= 0 or not math.isfinite(metres):
        raise ValueError(f"not a positive length: {metres}")
    power = 10.0 ** math.floor(math.log10(metres))
    for factor in (5.0, 2.0, 1.0):
        if factor * power <= metres * (1 + 1e-12):
            return factor * power
    return power  # pragma: no cover - factor 1 always fits


def scale_bar(lat: float, zoom: float, max_px: float) -> tuple[float, float]:
    """A scale bar no longer than ``max_px`` pixels: its ``(metres, pixels)``."""
    per_px = metres_per_pixel(lat, zoom)
    metres = nice_length(per_px * max_px)
    return metres, metres / per_px


def grid_step(zoom: float, min_px: float = 100.0) -> float:
    """The graticule spacing in degrees for ``zoom``: lines at least ``min_px`` pixels apart
    along the equator (the coarsest step, 90°, when the world is small)."""
    degrees_per_px = 360.0 / (TILE_SIZE * math.pow(2.0, zoom))
    wanted = degrees_per_px * min_px
    step = GRID_STEPS[0]
    for candidate in GRID_STEPS:
        if candidate < wanted:
            break
        step = candidate
    return step


def grid_lines(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high`` (degrees), rounded to the step."""
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return [round(i * step, digits) for i in range(first, last + 1)]


def format_degrees(value: float, step: float, letters: str) -> str:
    """A graticule label: ``value`` to the precision of ``step`` with a hemisphere letter from
    ``letters`` ("NS" or "EW"), e.g. ``45°N``, ``0.5°W``, ``0°``."""
    digits = 0
    while digits < 6 and abs(round(step, digits) - step) > 1e-9:
        digits += 1
    text = f"{abs(value):.{digits}f}°"
    if round(value, digits) == 0:
        return text
    return text + (letters[0] if value > 0 else letters[1])
