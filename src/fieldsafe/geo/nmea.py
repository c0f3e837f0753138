"""NMEA 0183 helpers: checksums, RMC/GGA sentences, and the ``gps/source`` setting read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from fieldsafe.i18n import _

#: The baud rate of a serial receiver when the setting names none (NMEA 0183 says 4800, but
#: most USB receivers sold today start at 9600).
DEFAULT_BAUD = 9600
_SENTENCE = re.compile(r"^\$(?P<body>[^*$]+)\*(?P<sum>[0-9A-Fa-f]{2})\s*$")


@dataclass(frozen=True, slots=True)
class GpsSetting:
    """Where positions come from: ``kind`` is "none", "file" (a log replayed) or "serial"."""

    kind: str
    path: str = ""
    baud: int = DEFAULT_BAUD


def parse_gps_setting(text: str) -> GpsSetting:
    """Read ``""``, ``"file:/path/to/log.nmea"`` or ``"serial:/dev/ttyUSB0[@4800]"``.

    Raises ValueError with a message for people when the text is none of these.
    """
    text = text.strip()
    if not text:
        return GpsSetting("none")
    kind, sep, rest = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in ("file", "serial") or not rest.strip():
        raise ValueError(_("GPS source '{text}' is not understood; write file:PATH for an NMEA "
                           "log or serial:PORT for a receiver").format(text=text))
    rest = rest.strip()
    if kind == "file":
        return GpsSetting("file", rest)
    port, at, baud = rest.rpartition("@")
    if not at:
        return GpsSetting("serial", rest)
    if not baud.isdigit() or int(baud) <= 0 or not port:
        raise ValueError(_("GPS source '{text}': the baud rate after @ must be a number, "
                           "e.g. serial:/dev/ttyUSB0@4800").format(text=text))
    return GpsSetting("serial", port, int(baud))


def checksum(body: str) -> str:
    """The two hex digits of a sentence's checksum: XOR of the characters between $ and *."""
    value = 0
    for char in body.encode("ascii"):
        value ^= char
    return f"{value:02X}"


def is_valid(sentence: str) -> bool:
    """Whether ``sentence`` is ``$...*HH`` with the right checksum."""
    match = _SENTENCE.match(sentence)
    return match is not None and match["sum"].upper() == checksum(match["body"])


def sentence(body: str) -> str:
    """``$body*HH``: a body with its checksum."""
    return f"${body}*{checksum(body)}"


def _angle(value: float, width: int, letters: str) -> tuple[str, str]:
    """``ddmm.mmmm`` (or ``dddmm.mmmm``) and a hemisphere letter."""
    magnitude = abs(value)
    degrees = int(magnitude)
    minutes = (magnitude - degrees) * 60.0
    if round(minutes, 4) >= 60.0:
        degrees, minutes = degrees + 1, 0.0
    return f"{degrees:0{width}d}{minutes:07.4f}", letters[0] if value >= 0 else letters[1]


def rmc(when: datetime, lat: float, lon: float, speed_knots: float = 0.0,
        course: float = 0.0) -> str:
    """A ``$GPRMC`` sentence (a valid fix) at ``when`` (UTC)."""
    la, ns = _angle(lat, 2, "NS")
    lo, ew = _angle(lon, 3, "EW")
    body = (f"GPRMC,{when:%H%M%S}.00,A,{la},{ns},{lo},{ew},{speed_knots:.2f},{course:.1f},"
            f"{when:%d%m%y},,,A")
    return sentence(body)


def gga(when: datetime, lat: float, lon: float, *, satellites: int = 8, hdop: float = 0.9,
        altitude: float = 0.0) -> str:
    """A ``$GPGGA`` sentence (a GPS fix) at ``when`` (UTC)."""
    la, ns = _angle(lat, 2, "NS")
    lo, ew = _angle(lon, 3, "EW")
    body = (f"GPGGA,{when:%H%M%S}.00,{la},{ns},{lo},{ew},1,{satellites:02d},{hdop:.1f},"
            f"{altitude:.1f},M,-86.5,M,,")
    return sentence(body)
