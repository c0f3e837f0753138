"""Reading a photo's EXIF with Pillow: orientation, time taken, GPS position and camera.

Every reader here is defensive: EXIF in the wild is often broken (bad offsets, empty IFDs,
zero-length strings, 0/0 rationals, out-of-range values), and a broken tag only loses that
tag, never the photo.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from PIL import Image

ORIENTATION = 0x0112
MAKE = 0x010F
MODEL = 0x0110
DATETIME = 0x0132
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
DATETIME_DIGITIZED = 0x9004
GPS_LATITUDE_REF, GPS_LATITUDE = 1, 2
GPS_LONGITUDE_REF, GPS_LONGITUDE = 3, 4
GPS_ALTITUDE_REF, GPS_ALTITUDE = 5, 6

_DATETIME_RE = re.compile(
    r"\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ExifSummary:
    """The EXIF facts FieldSafe uses; defaults are what a photo without EXIF has."""

    orientation: int = 1
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    camera: str = ""


def summarise(image: Image.Image) -> ExifSummary:
    """What can be read of the image's EXIF; broken parts are left at their defaults."""
    with warnings.catch_warnings():
        # Pillow warns about corrupt EXIF ("Possibly corrupt EXIF data", "Tag offset too large")
        # and then skips what it cannot read; that is exactly the tolerance wanted here.
        warnings.simplefilter("ignore")
        base: Mapping[int, Any] = _safe(image.getexif, {})
        if not base:
            return ExifSummary()
        exif_ifd = _ifd(base, EXIF_IFD)
        gps = _ifd(base, GPS_IFD)
        unknown: tuple[float | None, float | None] = (None, None)
        latitude, longitude = _safe(lambda: position(gps), unknown)
        return ExifSummary(
            orientation=_safe(lambda: orientation(base), 1),
            taken_at=_safe(lambda: taken_at(base, exif_ifd), None),
            latitude=latitude,
            longitude=longitude,
            altitude=_safe(lambda: altitude(gps), None),
            camera=_safe(lambda: camera(base), ""),
        )


def _safe(read: Callable[[], T], default: T) -> T:
    # Any exception here comes from malformed EXIF (struct errors, bad types, offsets past the
    # end, ...): give up on this one value rather than on the photo.
    try:
        return read()
    except Exception:
        return default


def _ifd(base: Mapping[int, Any], tag: int) -> Mapping[int, Any]:
    get_ifd = getattr(base, "get_ifd", None)
    if get_ifd is None:
        return {}
    found: object = _safe(lambda: get_ifd(tag), {})
    return found if isinstance(found, Mapping) else {}


def orientation(base: Mapping[int, Any]) -> int:
    """EXIF orientation 1..8; 1 when absent or out of range (0 is common in the wild)."""
    value = base.get(ORIENTATION)
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = int.from_bytes(value[:2], "big") if value else None
    try:
        number = int(value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= 8 else 1


def parse_datetime(value: object) -> datetime | None:
    """An EXIF date-time ("YYYY:MM:DD HH:MM:SS", also with - or / and no seconds), naive."""
    text = text_of(value)
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # "0000:00:00 00:00:00", month 13, ...
        return None


def taken_at(base: Mapping[int, Any], exif_ifd: Mapping[int, Any]) -> datetime | None:
    """DateTimeOriginal, else DateTimeDigitized, else DateTime (the file's last change)."""
    for value in (exif_ifd.get(DATETIME_ORIGINAL), base.get(DATETIME_ORIGINAL),
                  exif_ifd.get(DATETIME_DIGITIZED), base.get(DATETIME)):
        if value is not None and (parsed := parse_datetime(value)) is not None:
            return parsed
    return None


def text_of(value: object) -> str:
    """An EXIF ASCII value as text, without the NULs and spaces that pad it."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, tuple | list):
        value = " ".join(text_of(part) for part in value)
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", " ").strip()


def camera(base: Mapping[int, Any]) -> str:
    """"Make Model", stripped; the make is not repeated when the model already starts with it."""
    make, model = text_of(base.get(MAKE)), text_of(base.get(MODEL))
    if make and model.lower().startswith(make.lower()):
        return model
    return " ".join(part for part in (make, model) if part)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _ref(value: object) -> str:
    return text_of(value)[:1].upper()


def to_degrees(value: object) -> float | None:
    """Degrees from EXIF (degrees, minutes, seconds) rationals; minutes may carry the decimals.

    Fewer than three parts are accepted (degrees only, or degrees and decimal minutes).
    A 0/0 or otherwise unreadable part makes the whole value unknown.
    """
    parts = list(value) if isinstance(value, tuple | list) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    degrees, minutes, seconds = ([*numbers, 0.0, 0.0][:3])
    assert degrees is not None and minutes is not None and seconds is not None
    total = abs(degrees) + abs(minutes) / 60 + abs(seconds) / 3600
    return -total if degrees < 0 else total


def position(gps: Mapping[int, Any]) -> tuple[float | None, float | None]:
    """(latitude, longitude) in decimal degrees, S and W negative; (None, None) unless both."""
    latitude = to_degrees(gps.get(GPS_LATITUDE)) if GPS_LATITUDE in gps else None
    longitude = to_degrees(gps.get(GPS_LONGITUDE)) if GPS_LONGITUDE in gps else None
    if latitude is None or longitude is None:
        return None, None
    if _ref(gps.get(GPS_LATITUDE_REF)) == "S":
        latitude = -abs(latitude)
    if _ref(gps.get(GPS_LONGITUDE_REF)) == "W":
        longitude = -abs(longitude)
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def altitude(gps: Mapping[int, Any]) -> float | None:
    """Metres above sea level; negative when the reference says below sea level (1)."""
    if GPS_ALTITUDE not in gps:
        return None
    value = gps.get(GPS_ALTITUDE)
    if isinstance(value, tuple | list):
        value = value[0] if len(value) == 1 else None
    metres = _number(value)
    if metres is None:
        return None
    ref = gps.get(GPS_ALTITUDE_REF)
    if isinstance(ref, bytes):
        below = ref[:1] == b"\x01"
    elif isinstance(ref, tuple | list):
        below = bool(ref) and ref[0] == 1
    else:
        below = ref == 1
    return -abs(metres) if below else metres
