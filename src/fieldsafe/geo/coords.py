"""Typed-in coordinates: decimal degrees or degrees-minutes-seconds to ODK point values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from fieldsafe.geo.errors import GeometryError
from fieldsafe.i18n import _

EXAMPLE_DECIMAL = "12.9716, 77.5946"
EXAMPLE_DMS = "12°58'17.8\"N 77°35'40.6\"E"

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>°|º|˚|''|'|′|’|"|″|”)?
  | (?P<hemi>[NSEW])
  | (?P<sep>[,;/])
)\s*""", re.VERBOSE)
_DEGREE, _MINUTE, _SECOND = "°º˚", "'′’", ("\"", "″", "”", "''")


@dataclass(frozen=True, slots=True)
class LatLon:
    """A position in WGS84 degrees; altitude and accuracy (metres) when they were given."""

    lat: float
    lon: float
    altitude: float | None = None
    accuracy: float | None = None

    def to_odk(self) -> str:
        """The ODK geopoint text, ``"lat lon altitude accuracy"`` (0 for what is unknown)."""
        return " ".join(_number(v) for v in (self.lat, self.lon, self.altitude or 0.0,
                                             self.accuracy or 0.0))


@dataclass(slots=True)
class _Part:
    values: list[tuple[float, str]]
    hemisphere: str = ""
    text: str = ""


def parse_point(text: str) -> LatLon:
    """One position typed as ``"12.9716, 77.5946"`` (optionally followed by altitude and
    accuracy, as ODK writes it) or in degrees, minutes and seconds with hemisphere letters,
    like ``12°58'17.8"N 77°35'40.6"E`` or ``N 12 58.3 E 77 35.7``.

    Raises :class:`GeometryError` with a message saying what to write instead.
    """
    cleaned = text.strip()
    if not cleaned:
        raise GeometryError(_("The location is empty."))
    tokens = _tokens(cleaned)
    if not any(t.group("unit") or t.group("hemi") for t in tokens):
        numbers = [float(t.group("num")) for t in tokens if t.group("num")]
        if not 2 <= len(numbers) <= 4:
            raise _not_a_location(cleaned)
        point = LatLon(numbers[0], numbers[1], *numbers[2:])
    else:
        parts = _dms_parts(tokens, cleaned)
        point = _from_parts(parts, cleaned)
    return _checked(point, cleaned)


def parse_points(text: str) -> list[LatLon]:
    """Several positions, one a line (or separated by ``;`` as in ODK's values)."""
    pieces = [p.strip() for p in re.split(r"[\n;]", text) if p.strip()]
    points: list[LatLon] = []
    for number, piece in enumerate(pieces, start=1):
        try:
            points.append(parse_point(piece))
        except GeometryError as err:
            raise GeometryError(_("Point {n}: {problem}").format(n=number, problem=err)) from None
    return points


def format_point(point: LatLon) -> str:
    """The position as typed back to the user: ``"12.9716, 77.5946"``."""
    return f"{_number(point.lat)}, {_number(point.lon)}"


def format_dms(point: LatLon) -> str:
    """The position in degrees, minutes and seconds: ``12°58'17.8"N 77°35'40.6"E``."""
    return f"{_dms(point.lat, 'NS')} {_dms(point.lon, 'EW')}"


def to_odk_trace(points: list[LatLon]) -> str:
    """An ODK geotrace or geoshape value: the points' texts joined by ``;``."""
    return ";".join(p.to_odk() for p in points)


def _tokens(text: str) -> list[re.Match[str]]:
    tokens: list[re.Match[str]] = []
    position = 0
    upper = text.upper()
    while position < len(upper):
        match = _TOKEN.match(upper, position)
        if match is None or match.end() == position:
            raise _not_a_location(text)
        tokens.append(match)
        position = match.end()
    return tokens


def _dms_parts(tokens: list[re.Match[str]], text: str) -> list[_Part]:
    leading = tokens[0].group("hemi") is not None
    parts: list[_Part] = []
    current = _Part([])

    def close() -> None:
        nonlocal current
        if current.values or current.hemisphere:
            parts.append(current)
        current = _Part([])

    for token in tokens:
        if token.group("sep"):
            close()
        elif token.group("hemi"):
            if leading:
                if current.values or current.hemisphere:
                    close()
                current.hemisphere = token.group("hemi")
            else:
                if current.hemisphere or not current.values:
                    raise _not_a_location(text)
                current.hemisphere = token.group("hemi")
                close()
        else:
            unit = token.group("unit") or ""
            degree_mark = bool(unit) and unit in _DEGREE
            if current.values and (degree_mark or len(current.values) == 3):
                close()
            current.values.append((float(token.group("num")), unit))
    close()
    if len(parts) != 2 or not all(p.values for p in parts):
        raise _not_a_location(text)
    return parts


def _from_parts(parts: list[_Part], text: str) -> LatLon:
    first, second = parts
    if first.hemisphere in ("E", "W") or second.hemisphere in ("N", "S"):
        first, second = second, first
    if first.hemisphere in ("E", "W") or second.hemisphere in ("N", "S"):
        raise GeometryError(_("'{text}' gives two latitudes or two longitudes; write one of "
                              "each (N or S, then E or W).").format(text=text))
    return LatLon(_degrees(first, text), _degrees(second, text))


def _degrees(part: _Part, text: str) -> float:
    units = [unit for _value, unit in part.values]
    order: list[str | tuple[str, ...]] = [_DEGREE, _MINUTE, _SECOND]
    for position, unit in enumerate(units):
        if unit and unit not in order[position]:
            raise _not_a_location(text)
    values: list[float] = [value for value, _unit in part.values]
    if any(v < 0 for v in values[1:]) or any(v != int(v) for v in values[:-1]):
        raise GeometryError(_("'{text}': only the last of degrees, minutes and seconds may have "
                              "decimals, and only degrees a sign.").format(text=text))
    if any(v >= 60 for v in values[1:]):
        raise GeometryError(_("'{text}': minutes and seconds must be below 60.").format(
            text=text))
    magnitude = abs(values[0]) + sum(v / 60.0 ** i for i, v in enumerate(values[1:], start=1))
    negative = values[0] < 0 or str(part.values[0][0]).startswith("-")
    if negative and part.hemisphere in ("S", "W"):
        raise GeometryError(_("'{text}': use either a minus sign or S/W, not both.").format(
            text=text))
    return -magnitude if negative or part.hemisphere in ("S", "W") else magnitude


def _checked(point: LatLon, text: str) -> LatLon:
    if not all(math.isfinite(v) for v in (point.lat, point.lon)):
        raise _not_a_location(text)
    if not -90 <= point.lat <= 90:
        raise GeometryError(_("Latitude {lat} is outside -90 to 90 (in '{text}'; latitude comes "
                              "first).").format(lat=_number(point.lat), text=text))
    if not -180 <= point.lon <= 180:
        raise GeometryError(_("Longitude {lon} is outside -180 to 180 (in '{text}').").format(
            lon=_number(point.lon), text=text))
    if point.accuracy is not None and point.accuracy < 0:
        raise GeometryError(_("The accuracy in '{text}' is negative.").format(text=text))
    return point


def _not_a_location(text: str) -> GeometryError:
    return GeometryError(_("'{text}' is not a location. Write latitude, longitude in degrees "
                           "(for example {decimal}) or with minutes and seconds ({dms}).")
                         .format(text=text, decimal=EXAMPLE_DECIMAL, dms=EXAMPLE_DMS))


def _dms(value: float, letters: str) -> str:
    total = round(abs(value) * 36000)  # tenths of a second
    degrees, rest = divmod(total, 36000)
    minutes, tenths = divmod(rest, 600)
    letter = letters[0] if value >= 0 else letters[1]
    return f"{degrees}°{minutes}'{tenths / 10:.1f}\"{letter}"


def _number(value: float) -> str:
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
