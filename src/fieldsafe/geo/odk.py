"""ODK geopoint, geotrace and geoshape answers ("lat lon alt acc;...") to and from shapely."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from fieldsafe.geo.errors import GeometryError
from fieldsafe.i18n import _, ngettext

#: The ODK question types holding a geometry, and the fewest points each needs.
MIN_POINTS = {"geopoint": 1, "geotrace": 2, "geoshape": 3}


@dataclass(frozen=True, slots=True)
class OdkCoordinate:
    """One ODK position. ``altitude`` (m) and ``accuracy`` (m) are 0 when the device gave none."""

    lat: float
    lon: float
    altitude: float = 0.0
    accuracy: float = 0.0


def parse_coordinates(qtype: str, text: str) -> list[OdkCoordinate]:
    """Every position in an ODK value, with altitude and accuracy; at least the minimum count.

    For a geoshape an unclosed ring is closed (the first point is repeated at the end).
    """
    if qtype not in MIN_POINTS:
        raise ValueError(f"not an ODK geometry type: {qtype!r}")
    pieces = [p.strip() for p in text.split(";")]
    if pieces and not pieces[-1]:
        pieces.pop()  # Enketo and some exports end a trace with ";"
    if not pieces:
        raise GeometryError(_("{qtype}: the value is empty").format(qtype=qtype))
    if qtype == "geopoint" and len(pieces) > 1:
        raise GeometryError(_("geopoint: '{text}' holds {n} points; a geopoint is one point")
                            .format(text=_short(text), n=len(pieces)))
    coords = [_coordinate(qtype, piece, number, len(pieces) > 1)
              for number, piece in enumerate(pieces, start=1)]
    if qtype == "geoshape" and (coords[0].lat, coords[0].lon) != (coords[-1].lat, coords[-1].lon):
        coords.append(coords[0])
    distinct = len({(c.lat, c.lon) for c in coords})
    if distinct < MIN_POINTS[qtype]:
        raise GeometryError(ngettext(
            "{qtype}: '{text}' has {n} distinct point; at least {least} are needed",
            "{qtype}: '{text}' has {n} distinct points; at least {least} are needed",
            distinct).format(qtype=qtype, text=_short(text), n=distinct, least=MIN_POINTS[qtype]))
    return coords


def parse_geopoint(text: str) -> Point:
    """``"lat lon [alt [acc]]"`` as a 2D Point(lon, lat)."""
    c = parse_coordinates("geopoint", text)[0]
    return Point(c.lon, c.lat)


def parse_geotrace(text: str) -> LineString:
    """``"lat lon alt acc;lat lon alt acc;..."`` (two points or more) as a 2D LineString."""
    return LineString([(c.lon, c.lat) for c in parse_coordinates("geotrace", text)])


def parse_geoshape(text: str) -> Polygon:
    """A ring of three points or more (closed here if the value leaves it open) as a Polygon."""
    return Polygon([(c.lon, c.lat) for c in parse_coordinates("geoshape", text)])


def parse_odk(qtype: str, text: str) -> BaseGeometry:
    """Parse the answer ``text`` of a ``geopoint``, ``geotrace`` or ``geoshape`` question."""
    if qtype == "geopoint":
        return parse_geopoint(text)
    if qtype == "geotrace":
        return parse_geotrace(text)
    if qtype == "geoshape":
        return parse_geoshape(text)
    raise ValueError(f"not an ODK geometry type: {qtype!r}")


def to_odk(geom: BaseGeometry) -> str:
    """The ODK answer text for a Point, LineString or Polygon (its outline).

    Altitude is the Z coordinate when there is one, else 0; accuracy is always 0 (unknown).
    """
    if geom.is_empty:
        raise GeometryError(_("an empty geometry cannot be written as an ODK value"))
    if geom.geom_type == "Point" or geom.geom_type == "LineString":
        coords = list(geom.coords)
    elif geom.geom_type == "Polygon":
        if len(geom.interiors):
            raise GeometryError(_("an area with holes cannot be written as an ODK geoshape"))
        coords = list(geom.exterior.coords)
    else:
        raise GeometryError(_("a {kind} cannot be written as an ODK value; only a point, a line "
                              "or a single area can").format(kind=geom.geom_type))
    return ";".join(_format(c) for c in coords)


def _coordinate(qtype: str, piece: str, number: int, many: bool) -> OdkCoordinate:
    where = (_("{qtype} point {n} '{text}'").format(qtype=qtype, n=number, text=_short(piece))
             if many else _("{qtype} '{text}'").format(qtype=qtype, text=_short(piece)))
    parts = piece.split()
    if not 2 <= len(parts) <= 4:
        raise GeometryError(_("{where}: expected 'latitude longitude [altitude [accuracy]]'")
                            .format(where=where))
    values: list[float] = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise GeometryError(_("{where}: '{part}' is not a number").format(where=where,
                                                                             part=_short(part)))
        values.append(value)
    lat, lon = values[0], values[1]
    if not -90.0 <= lat <= 90.0:
        raise GeometryError(_("{where}: latitude {lat} is outside -90 to 90").format(where=where,
                                                                                    lat=parts[0]))
    if not -180.0 <= lon <= 180.0:
        raise GeometryError(_("{where}: longitude {lon} is outside -180 to 180")
                            .format(where=where, lon=parts[1]))
    altitude = values[2] if len(values) > 2 else 0.0
    accuracy = values[3] if len(values) > 3 else 0.0
    if accuracy < 0:
        raise GeometryError(_("{where}: accuracy {acc} is negative").format(where=where,
                                                                           acc=parts[3]))
    return OdkCoordinate(lat, lon, altitude, accuracy)


def _format(coord: tuple[float, ...]) -> str:
    lon, lat = coord[0], coord[1]
    altitude = coord[2] if len(coord) > 2 and math.isfinite(coord[2]) else 0.0
    return f"{_number(lat)} {_number(lon)} {_number(altitude)} 0"


def _number(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _short(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
