"""The basemap under a report's map: MBTiles tiles stitched and cut to the map's extent."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from fieldsafe.errors import UserError
from fieldsafe.geo.mbtiles import MBTiles
from fieldsafe.geo.webmercator import to_world

TILE = 256
TARGET_PX = 1400  # pixels across the extent: sharp when printed at about 200 dpi
MAX_TILES = 64


@dataclass(frozen=True, slots=True)
class Backdrop:
    """A picture of the basemap and the Web Mercator world-pixel box (zoom 0) it covers."""

    png: bytes
    x0: float
    y0: float
    x1: float
    y1: float

    def crop(self, west: float, south: float, east: float, north: float) -> Image.Image:
        """The part of the picture between those longitudes and latitudes (outside the
        picture stays blank)."""
        image = Image.open(io.BytesIO(self.png)).convert("RGB")
        (ax, ay), (bx, by) = to_world(north, west), to_world(south, east)
        sx = image.width / (self.x1 - self.x0)
        sy = image.height / (self.y1 - self.y0)
        box = (round((ax - self.x0) * sx), round((ay - self.y0) * sy),
               round((bx - self.x0) * sx), round((by - self.y0) * sy))
        return image.crop(box)


def make_backdrop(mbtiles: Path, south: float, west: float, north: float,
                  east: float) -> Backdrop | None:
    """The basemap covering the box, or None when the file has nothing there or is damaged
    (a report is still made without it)."""
    try:
        with MBTiles(mbtiles) as tiles:
            return _stitch(tiles, south, west, north, east)
    except (UserError, OSError, ValueError):
        return None


def _stitch(tiles: MBTiles, south: float, west: float, north: float,
            east: float) -> Backdrop | None:
    (wx0, wy0), (wx1, wy1) = to_world(north, west), to_world(south, east)
    span = max(wx1 - wx0, wy1 - wy0, 1e-9)
    zoom = math.floor(math.log2(TARGET_PX / span))
    zoom = max(tiles.minzoom, min(tiles.maxzoom, zoom))
    scale = 2 ** zoom
    tx0, ty0 = int(wx0 * scale // TILE), int(wy0 * scale // TILE)
    tx1, ty1 = int(wx1 * scale // TILE), int(wy1 * scale // TILE)
    if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) > MAX_TILES:
        return None
    mosaic = Image.new("RGB", ((tx1 - tx0 + 1) * TILE, (ty1 - ty0 + 1) * TILE), "#F7F7F2")
    found = False
    for tx in range(tx0, tx1 + 1):
        for ty in range(ty0, ty1 + 1):
            data = tiles.tile(zoom, tx, ty)
            if not data:
                continue
            try:
                tile = Image.open(io.BytesIO(data)).convert("RGB")
            except OSError:
                continue
            mosaic.paste(tile.resize((TILE, TILE)), ((tx - tx0) * TILE, (ty - ty0) * TILE))
            found = True
    if not found:
        return None
    out = io.BytesIO()
    mosaic.save(out, "PNG")
    return Backdrop(out.getvalue(), tx0 * TILE / scale, ty0 * TILE / scale,
                    (tx1 + 1) * TILE / scale, (ty1 + 1) * TILE / scale)
