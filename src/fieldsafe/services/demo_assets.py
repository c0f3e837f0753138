"""What the demo draws for itself: a street grid, wards, a basemap and photos with EXIF GPS."""

from __future__ import annotations

import io
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

# A compact street grid in Bengaluru: BLOCKS x BLOCKS blocks of BLOCK_M metres.
CENTRE_LAT, CENTRE_LON = 12.9716, 77.5946
BLOCKS = 10
BLOCK_M = 120.0
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTRE_LAT))


@dataclass(frozen=True)
class Grid:
    """Street intersections (i, j) in 0..BLOCKS, with a lighting quality for each street."""

    lighting: dict[tuple[tuple[int, int], tuple[int, int]], int]

    @staticmethod
    def point(i: int, j: int) -> tuple[float, float]:
        """(lat, lon) of intersection (i, j)."""
        half = BLOCKS * BLOCK_M / 2
        return (CENTRE_LAT + (j * BLOCK_M - half) / _M_PER_DEG_LAT,
                CENTRE_LON + (i * BLOCK_M - half) / _M_PER_DEG_LON)

    def street_light(self, a: tuple[int, int], b: tuple[int, int]) -> int:
        return self.lighting.get((min(a, b), max(a, b)), 2)

    def walk(self, rng: random.Random, steps: int) -> list[tuple[int, int]]:
        """A walk along streets that does not turn straight back."""
        here = (rng.randint(0, BLOCKS), rng.randint(0, BLOCKS))
        path = [here]
        while len(path) <= steps:
            moves = [(here[0] + dx, here[1] + dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))]
            moves = [m for m in moves if 0 <= m[0] <= BLOCKS and 0 <= m[1] <= BLOCKS
                     and (len(path) < 2 or m != path[-2])]
            here = rng.choice(moves)
            path.append(here)
        return path


def make_grid(rng: random.Random) -> Grid:
    lighting: dict[tuple[tuple[int, int], tuple[int, int]], int] = {}
    for i in range(BLOCKS + 1):
        for j in range(BLOCKS + 1):
            for nxt in ((i + 1, j), (i, j + 1)):
                if nxt[0] <= BLOCKS and nxt[1] <= BLOCKS:
                    lighting[((i, j), nxt)] = rng.choices([0, 1, 2, 3], [1, 2, 4, 3])[0]
    return Grid(lighting)


def ward_geojson(path: Path) -> Path:
    """Four wards, the quadrants of the grid, as a GeoJSON FeatureCollection."""
    south, west = Grid.point(0, 0)
    north, east = Grid.point(BLOCKS, BLOCKS)
    mid_lat, mid_lon = (south + north) / 2, (west + east) / 2
    pad = 0.0005
    quads = {"Ward 1 (north-west)": (west - pad, mid_lat, mid_lon, north + pad),
             "Ward 2 (north-east)": (mid_lon, mid_lat, east + pad, north + pad),
             "Ward 3 (south-west)": (west - pad, south - pad, mid_lon, mid_lat),
             "Ward 4 (south-east)": (mid_lon, south - pad, east + pad, mid_lat)}
    features = []
    for name, (w, s, e, n) in quads.items():
        ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def _tile_xy(lat: float, lon: float, z: int) -> tuple[float, float]:
    n = 2 ** z
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def basemap_tiles(grid: Grid, zooms: range = range(13, 18)) -> list[tuple[int, int, int, bytes]]:
    """PNG tiles (XYZ) of the street grid, streets drawn by their lighting."""
    south, west = Grid.point(0, 0)
    north, east = Grid.point(BLOCKS, BLOCKS)
    tiles = []
    for z in zooms:
        x0, y0 = (int(v) for v in _tile_xy(north + 0.002, west - 0.002, z))
        x1, y1 = (int(v) for v in _tile_xy(south - 0.002, east + 0.002, z))
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles.append((z, x, y, _draw_tile(grid, z, x, y)))
    return tiles


def _draw_tile(grid: Grid, z: int, x: int, y: int) -> bytes:
    image = Image.new("RGB", (256, 256), (242, 239, 233))
    draw = ImageDraw.Draw(image)
    width = max(1, 2 ** (z - 13))
    for (a, b) in grid.lighting:
        (la, loa), (lb, lob) = Grid.point(*a), Grid.point(*b)
        ax, ay = _tile_xy(la, loa, z)
        bx, by = _tile_xy(lb, lob, z)
        draw.line([((ax - x) * 256, (ay - y) * 256), ((bx - x) * 256, (by - y) * 256)],
                  fill=(255, 255, 255), width=width * 3)
        draw.line([((ax - x) * 256, (ay - y) * 256), ((bx - x) * 256, (by - y) * 256)],
                  fill=(200, 196, 188), width=max(1, width))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def _rational_dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def photo_jpeg(rng: random.Random, lat: float, lon: float, taken: datetime,
               megapixels: float, caption: str) -> bytes:
    """A street-scene stand-in of ``megapixels`` with EXIF GPS, time and camera."""
    width = int(math.sqrt(megapixels * 1_000_000 * 4 / 3))
    height = int(width * 3 / 4)
    sky = (rng.randint(90, 140), rng.randint(110, 160), rng.randint(160, 210))
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.6, width, height], fill=(90, 90, 95))
    for _i in range(6):
        left = rng.randint(0, width)
        top = rng.randint(int(height * 0.15), int(height * 0.5))
        draw.rectangle([left, top, left + rng.randint(width // 10, width // 4),
                        int(height * 0.6)], fill=tuple(rng.randint(120, 220) for _c in range(3)))
    pole = rng.randint(width // 5, width * 4 // 5)
    draw.rectangle([pole, height // 5, pole + max(4, width // 120), int(height * 0.62)],
                   fill=(40, 40, 40))
    draw.text((width // 40, height // 40), caption, fill=(255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "FieldSafe demo"
    exif[0x0110] = "Generated"
    exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = _rational_dms(lat)
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = _rational_dms(lon)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()
