"""Reading GPX tracks, routes and waypoints into shapely lines and points; simplifying lines."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import gpxpy
import gpxpy.gpx
import shapely
from shapely.geometry import LineString, Point

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.geodesy import length_m
from fieldsafe.geo.projection import LocalProjection
from fieldsafe.i18n import _, ngettext

#: The <fix> values gpxpy accepts; anything else makes it reject the whole file.
_FIXES = frozenset({"", "none", "2d", "3d", "dgps", "pps", "3"})
_FIX = re.compile(r"<fix>([^<]*)</fix>")
_GPX_ROOT = re.compile(r"<(?:[\w.-]+:)?gpx[\s>/]")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A point of a GPX file; ``name`` is "" if it has none; ``time`` is UTC if zoned."""

    name: str
    point: Point
    time: datetime | None = None


@dataclass(slots=True)
class GpxData:
    """What a GPX file holds, as WGS84 (lon, lat) geometries without altitude.

    ``tracks`` has one line per track segment of two points or more, in file order;
    ``times[i]``, ``track_names[i]`` and ``track_numbers[i]`` (its track's, from 1) go with
    ``tracks[i]`` (a time per point, None where the file has none). ``warnings`` says what
    was left out or changed, one sentence each.
    """

    tracks: list[LineString] = field(default_factory=list)
    routes: list[LineString] = field(default_factory=list)
    waypoints: list[Waypoint] = field(default_factory=list)
    times: list[list[datetime | None]] = field(default_factory=list)
    track_names: list[str] = field(default_factory=list)
    track_numbers: list[int] = field(default_factory=list)
    route_names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_gpx(path: Path) -> GpxData:
    """Read a GPX 1.0 or 1.1 file; GeometryError naming the file (and line) if it is not one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise GeometryError(_("{file}: no such file").format(file=path)) from None
    except OSError as err:
        raise GeometryError(_("{file}: cannot be read: {why}").format(
            file=path, why=err.strerror or err)) from None
    if not raw.strip():
        raise GeometryError(_("{file}: not a valid GPX file: the file is empty").format(file=path))
    text = _decode(path, raw)
    data = GpxData()
    text, unknown = _drop_unknown_fixes(text)
    if unknown:
        data.warnings.append(ngettext(
            "{n} point has a GPS fix type outside the GPX standard ({values}); it was ignored",
            "{n} points have a GPS fix type outside the GPX standard ({values}); it was ignored",
            len(unknown)).format(n=len(unknown), values=", ".join(sorted(set(unknown)))))
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException as err:
        raise GeometryError(_("{file}: not a valid GPX file: {why}").format(
            file=path, why=_xml_problem(err))) from None
    except (gpxpy.gpx.GPXException, ValueError) as err:
        raise GeometryError(_("{file}: not a valid GPX file: {why}").format(
            file=path, why=err)) from None
    if not _GPX_ROOT.search(text):
        raise GeometryError(_("{file}: not a GPX file: it has no <gpx> element").format(file=path))
    _collect(path, gpx, data)
    return data


def best_line(data: GpxData) -> LineString | None:
    """The line to import as the walked route: the longest track, its segments joined in
    order (a receiver starts a new segment when it loses the signal: one walk, with gaps),
    else the longest route. What that leaves out or joins is added to ``data.warnings``."""
    tracks: dict[int, list[LineString]] = {}
    for number, line in zip(data.track_numbers, data.tracks, strict=True):
        tracks.setdefault(number, []).append(line)
    joined = {n: LineString([c for part in parts for c in part.coords])
              for n, parts in tracks.items()}
    if joined:
        number = max(joined, key=lambda n: length_m(joined[n]))
        name = data.track_names[data.track_numbers.index(number)]
        if len(tracks[number]) > 1:
            name = name.rsplit(" (", 1)[0]  # "Walk (1)", its first segment: "Walk"
            data.warnings.append(_("track '{name}' has {n} segments (the recording paused); "
                                   "they were joined into one route").format(
                name=name, n=len(tracks[number])))
        if len(joined) > 1:
            data.warnings.append(_("the file has {n} tracks; the longest, '{name}', was "
                                   "used").format(n=len(joined), name=name))
        return joined[number]
    if data.routes:
        best = max(range(len(data.routes)), key=lambda i: length_m(data.routes[i]))
        if len(data.routes) > 1:
            data.warnings.append(_("the file has {n} routes; the longest, '{name}', was "
                                   "used").format(n=len(data.routes), name=data.route_names[best]))
        return data.routes[best]
    return None


def simplify_line(line: LineString, tolerance_m: float) -> LineString:
    """``line`` with the vertices that stray less than ``tolerance_m`` metres dropped.

    Douglas-Peucker in a local metric projection; the kept vertices are the original ones,
    unchanged, and the ends are always kept.
    """
    if tolerance_m <= 0 or len(line.coords) <= 2:
        return line
    projection = LocalProjection.around(line)
    local = projection.to_metres(line)
    kept = shapely.simplify(local, tolerance_m, preserve_topology=False)
    index = {xy: i for i, xy in enumerate(local.coords)}
    original = list(line.coords)
    return LineString([original[index[xy]] for xy in kept.coords])


def _decode(path: Path, raw: bytes) -> str:
    declared = _ENCODING.match(raw)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except LookupError:
        raise GeometryError(_("{file}: not a valid GPX file: unknown text encoding '{name}'")
                            .format(file=path, name=encoding)) from None
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise GeometryError(_("{file}: not a valid GPX file: the text is not {name} at line "
                              "{line}").format(file=path, name=encoding, line=line)) from None


def _drop_unknown_fixes(text: str) -> tuple[str, list[str]]:
    """Empty the <fix> elements gpxpy would reject (other readers, e.g. georust, accept them)."""
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value = match.group(1).strip()
        if value.lower() in _FIXES:
            return match.group(0)
        unknown.append(value)
        return "<fix></fix>"

    return _FIX.sub(replace, text), unknown


def _xml_problem(err: gpxpy.gpx.GPXXMLSyntaxException) -> str:
    """``mismatched tag at line 13``: the XML parser's complaint and where, for people."""
    original = err.__cause__
    if isinstance(original, ET.ParseError):
        message = str(original).split(":")[0]
        line, _column = original.position
        return _("{problem} at line {line}").format(problem=message, line=line)
    return str(err).removeprefix("Error parsing XML: ")


def _checked(path: Path, name: str, points: list[tuple[float, float]]
             ) -> list[tuple[float, float]]:
    """``points`` (longitude, latitude), if each is a place on Earth; else a GeometryError
    naming the file, the track (route, waypoint) and the position."""
    for lon, lat in points:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
                and -90 <= lat <= 90):
            raise GeometryError(_("{file}: '{name}' has a position that is not a latitude "
                                  "and longitude: lat={lat}, lon={lon}").format(
                file=path, name=name, lat=lat, lon=lon))
    return points


def _collect(path: Path, gpx: gpxpy.gpx.GPX, data: GpxData) -> None:
    for t_number, track in enumerate(gpx.tracks, start=1):
        name = track.name or _("Track {n}").format(n=t_number)
        usable = []
        for s_number, segment in enumerate(track.segments, start=1):
            points = _checked(path, name, [(p.longitude, p.latitude) for p in segment.points])
            if len(set(points)) >= 2:
                usable.append((points, segment))
            elif points:
                data.warnings.append(_("track '{name}' segment {n} has only one position; "
                                       "skipped").format(name=name, n=s_number))
        for number, (points, segment) in enumerate(usable, start=1):
            data.tracks.append(LineString(points))
            data.times.append([_utc(p.time) for p in segment.points])
            data.track_names.append(name if len(usable) == 1 else f"{name} ({number})")
            data.track_numbers.append(t_number)
    for r_number, route in enumerate(gpx.routes, start=1):
        name = route.name or _("Route {n}").format(n=r_number)
        points = _checked(path, name, [(p.longitude, p.latitude) for p in route.points])
        if len(set(points)) < 2:
            if points:
                data.warnings.append(_("route '{name}' has only one position; skipped")
                                     .format(name=name))
            continue
        data.routes.append(LineString(points))
        data.route_names.append(name)
    for wpt in gpx.waypoints:
        _checked(path, wpt.name or _("waypoint"), [(wpt.longitude, wpt.latitude)])
        data.waypoints.append(Waypoint(
            name=(wpt.name or "").strip(),
            point=Point(wpt.longitude, wpt.latitude), time=_utc(wpt.time)))


def _utc(time: datetime | None) -> datetime | None:
    if time is None or time.tzinfo is None:
        return time
    return time.astimezone(UTC)
