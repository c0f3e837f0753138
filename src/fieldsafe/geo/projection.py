"""Local metric projections (azimuthal equidistant, metres) centred on the data being measured."""

from __future__ import annotations

import math
import threading

import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry


class LocalProjection:
    """Projects WGS84 (lon, lat) geometries to metres around a centre and back.

    Distances measured from the centre are exact geodesic distances; elsewhere the error grows
    with the square of the distance from the centre (about 1 part in 10 million at 5 km), so
    centre it on the data: :meth:`around` does.
    """

    __slots__ = ("_forward", "_inverse", "lat", "lon")

    def __init__(self, lon: float, lat: float) -> None:
        self.lon = lon
        self.lat = lat
        self._forward, self._inverse = _transformers(round(lon, 5), round(lat, 5))

    @classmethod
    def around(cls, *geoms: BaseGeometry) -> LocalProjection:
        """A projection centred on the middle of the bounding box of ``geoms``."""
        west, south, east, north = shapely.total_bounds(list(geoms))
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise ValueError("cannot centre a projection on empty geometries")
        return cls((west + east) / 2.0, (south + north) / 2.0)

    def to_metres(self, geom: BaseGeometry) -> BaseGeometry:
        """``geom`` (lon, lat) in local metres (x east, y north); Z is dropped."""
        return shapely.transform(geom, self._forward.transform, interleaved=False)

    def to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """The inverse of :meth:`to_metres`."""
        return shapely.transform(geom, self._inverse.transform, interleaved=False)


_PER_THREAD = threading.local()
_CACHE_SIZE = 64


def _transformers(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """The two transformers for a centre, cached per thread: pyproj's CRS and Transformer
    objects must not be shared between threads (reports are built on a worker thread)."""
    cache: dict[tuple[float, float], tuple[Transformer, Transformer]] | None = getattr(
        _PER_THREAD, "cache", None)
    if cache is None:
        cache = _PER_THREAD.cache = {}
    found = cache.get((lon, lat))
    if found is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        wgs84 = CRS.from_epsg(4326)
        local = CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
        found = (Transformer.from_crs(wgs84, local, always_xy=True),
                 Transformer.from_crs(local, wgs84, always_xy=True))
        cache[(lon, lat)] = found
    return found
