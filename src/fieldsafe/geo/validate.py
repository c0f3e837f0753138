"""Checking points, routes and areas, explaining what is wrong in words, and repairing them."""

from __future__ import annotations

import re

import shapely
from shapely.geometry import GeometryCollection, MultiPolygon
from shapely.geometry.base import BaseGeometry

from fieldsafe.i18n import _, ngettext

_REASON = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)(?: \S+)?\]$")
_POLYGONAL = ("Polygon", "MultiPolygon")
_LINEAR = ("LineString", "MultiLineString", "LinearRing")


def where(lon: float, lat: float) -> str:
    """``lat 51.12345, lon 3.77964``: a position as people read it (latitude first)."""
    return _("lat {lat}, lon {lon}").format(lat=f"{lat:.5f}", lon=f"{lon:.5f}")


def check_geometry(geom: BaseGeometry) -> list[str]:
    """What is wrong with ``geom``, one sentence each; empty when it is fine to use.

    Repeated points are not a fault (a GPS logs them while the walker stands still);
    :func:`repair` removes them.
    """
    if geom is None or geom.is_empty:
        return [_("the geometry is empty")]
    problems = _outside_the_world(geom)
    if problems:
        return problems
    if geom.geom_type in _LINEAR and shapely.length(geom) == 0.0:
        x, y = shapely.get_coordinates(geom)[0]
        return [_("the route has zero length: all its points are at the same place ({where})")
                .format(where=where(x, y))]
    if not shapely.is_valid(geom):
        problems.append(explain(geom))
    return problems


def explain(geom: BaseGeometry) -> str:
    """Why GEOS finds ``geom`` invalid, in words and at a position (``""`` if it is valid)."""
    reason = shapely.is_valid_reason(geom)
    if reason in (None, "Valid Geometry"):
        return ""
    match = _REASON.match(reason)
    if not match:
        return _("the shape is not valid: {reason}").format(reason=reason)
    what = match["what"].strip()
    try:
        at = where(float(match["x"]), float(match["y"]))
    except ValueError:
        at = "?"
    messages = {
        "Self-intersection": _("the outline crosses itself near {where}"),
        "Ring Self-intersection": _("the outline touches itself at {where}, pinching the area "
                                    "into a loop"),
        "Too few points in geometry component": _("a part has too few distinct points, near "
                                                  "{where}"),
        "Hole lies outside shell": _("a hole lies outside the outline, near {where}"),
        "Nested holes": _("a hole lies inside another hole, near {where}"),
        "Interior is disconnected": _("the holes cut the area into separate pieces near {where}"),
        "Nested shells": _("one part of the area lies inside another, near {where}"),
        "Duplicate Rings": _("the same outline is there twice, near {where}"),
        "Ring not closed": _("the outline does not end where it starts, near {where}"),
        "Invalid Coordinate": _("a point has an invalid coordinate, near {where}"),
    }
    if what in messages:
        return messages[what].format(where=at)
    return _("the shape is not valid ({reason}) near {where}").format(reason=what, where=at)


def repair(geom: BaseGeometry) -> tuple[BaseGeometry, list[str]]:
    """``geom`` made usable, with one sentence per change made or problem left.

    Repeated consecutive points are removed; an invalid area is rebuilt with shapely's
    ``make_valid`` (keeping only its areas, so a bow-tie becomes two triangles). A route of
    zero length cannot be repaired: it comes back unchanged, with the explanation.
    """
    if geom is None or geom.is_empty:
        return geom, [_("the geometry is empty")]
    notes = _outside_the_world(geom)
    if notes:
        return geom, notes
    if geom.geom_type in _LINEAR and shapely.length(geom) == 0.0:
        return geom, check_geometry(geom)
    before = shapely.get_num_coordinates(geom)
    fixed = shapely.remove_repeated_points(geom, 0.0)
    removed = before - shapely.get_num_coordinates(fixed)
    if removed:
        notes.append(ngettext("removed {n} repeated point", "removed {n} repeated points",
                              removed).format(n=removed))
    if fixed.geom_type in _POLYGONAL and not shapely.is_valid(fixed):
        reason = explain(fixed)
        rebuilt = _polygonal_part(shapely.make_valid(fixed, method="structure",
                                                     keep_collapsed=False))
        if rebuilt is None:
            notes.append(_("{reason}; it could not be repaired").format(reason=reason))
            return fixed, notes
        parts = len(getattr(rebuilt, "geoms", [rebuilt]))
        notes.append(ngettext("{reason}; repaired", "{reason}; repaired as {n} separate parts",
                              parts).format(reason=reason, n=parts))
        fixed = rebuilt
    elif not shapely.is_valid(fixed):
        notes.append(explain(fixed))
    return fixed, notes


def _polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    """The areas in what ``make_valid`` returned (it may add lines and points); None if none."""
    if geom.geom_type in _POLYGONAL:
        return None if geom.is_empty else geom
    if isinstance(geom, GeometryCollection):
        polygons = [p for g in geom.geoms if g.geom_type in _POLYGONAL
                    for p in getattr(g, "geoms", [g])]
        if polygons:
            return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return None


def _outside_the_world(geom: BaseGeometry) -> list[str]:
    coords = shapely.get_coordinates(geom)
    for number, (x, y) in enumerate(coords, start=1):
        if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
            return [_("point {n} is not on the map (longitude {lon}, latitude {lat}); are the "
                      "coordinates in another projection, or latitude and longitude swapped?")
                    .format(n=number, lon=f"{x:g}", lat=f"{y:g}")]
    return []
