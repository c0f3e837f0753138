"""Reading named areas (wards, neighbourhoods, audit zones) from GeoJSON files."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.validate import explain, repair
from fieldsafe.i18n import _

#: Property keys tried, in order and ignoring case, for an area's name.
NAME_KEYS = ("name", "ward", "title")
_AREA_TYPES = ("Polygon", "MultiPolygon")


@dataclass(slots=True)
class Area:
    """One named area: a WGS84 (lon, lat) Polygon or MultiPolygon and the feature's properties."""

    name: str
    properties: dict[str, object]
    geometry: Polygon | MultiPolygon


def read_areas(path: Path) -> list[Area]:
    """The areas in a GeoJSON file (see :func:`read_areas_with_warnings`), warnings dropped."""
    return read_areas_with_warnings(path)[0]


def read_areas_with_warnings(path: Path) -> tuple[list[Area], list[str]]:
    """The areas in a GeoJSON FeatureCollection, Feature or bare (Multi)Polygon, and warnings.

    Features are numbered from 1 in messages. A feature that is not an area, or whose
    coordinates are not longitude/latitude, is a GeometryError naming the file and feature;
    a feature without geometry is skipped and an invalid area repaired, each with a warning.
    """
    document = _load(path)
    warnings: list[str] = []
    areas: list[Area] = []
    for number, feature in enumerate(_features(path, document), start=1):
        props = feature.get("properties")
        properties: dict[str, object] = dict(props) if isinstance(props, dict) else {}
        name = _name(properties) or _("Area {n}").format(n=number)
        label = _("{file}: feature {n} ('{name}')").format(file=path, n=number, name=name)
        raw = feature.get("geometry")
        if raw is None:
            warnings.append(_("{label} has no geometry; skipped").format(label=label))
            continue
        geometry = _geometry(label, raw)
        fixed, notes = repair(geometry)
        if fixed.geom_type not in _AREA_TYPES or not shapely.is_valid(fixed):
            problem = notes[-1] if notes else explain(fixed)
            raise GeometryError(_("{label}: {problem}").format(label=label, problem=problem))
        warnings.extend(_("{label}: {note}").format(label=label, note=note) for note in notes)
        areas.append(Area(name=name, properties=properties, geometry=fixed))
    if not areas:
        warnings.append(_("{file}: there are no areas in this file").format(file=path))
    return areas, warnings


def _load(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GeometryError(_("{file}: no such file").format(file=path)) from None
    except UnicodeDecodeError:
        raise GeometryError(_("{file}: not a GeoJSON file: the text is not UTF-8")
                            .format(file=path)) from None
    except OSError as err:
        raise GeometryError(_("{file}: cannot be read: {why}").format(
            file=path, why=err.strerror or err)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise GeometryError(_("{file}: not valid JSON: {why} (line {line}, column {col})").format(
            file=path, why=err.msg, line=err.lineno, col=err.colno)) from None
    except RecursionError:
        raise GeometryError(_("{file}: not GeoJSON: its lists nest far too deeply").format(
            file=path)) from None
    except ValueError:  # a number of thousands of digits (Python's own limit)
        raise GeometryError(_("{file}: not valid JSON: a number has thousands of digits")
                            .format(file=path)) from None


def area_of(text: str) -> Polygon | MultiPolygon | None:
    """The area a campaign keeps as GeoJSON text (a geometry, a Feature or a
    FeatureCollection, as a sync bundle may carry it): its areas as one, or None where
    there is none (no text, no area among the features, or text that is not GeoJSON)."""
    if not text:
        return None
    try:
        document = json.loads(text)
        found = [_geometry("", feature["geometry"])
                 for feature in _features(Path("area"), document)
                 if feature.get("geometry") is not None]
    except (ValueError, RecursionError, GeometryError):
        return None
    merged = shapely.union_all([repair(g)[0] for g in found]) if found else None
    return merged if isinstance(merged, Polygon | MultiPolygon) else None


def _features(path: Path, document: object) -> list[dict[str, object]]:
    """The features of a GeoJSON document; a bare geometry counts as one feature."""
    kind = document.get("type") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(kind, str):
        raise GeometryError(_("{file}: not GeoJSON: there is no \"type\" at the top")
                            .format(file=path))
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise GeometryError(_("{file}: the FeatureCollection has no \"features\" list")
                                .format(file=path))
        for number, feature in enumerate(features, start=1):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise GeometryError(_("{file}: feature {n} is not a GeoJSON Feature")
                                    .format(file=path, n=number))
        return features
    if kind == "Feature":
        return [document]
    return [{"type": "Feature", "properties": {}, "geometry": document}]


def _geometry(label: str, raw: object) -> Polygon | MultiPolygon:
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in _AREA_TYPES:
        raise GeometryError(_("{label} is a {kind}, not an area (Polygon or MultiPolygon)")
                            .format(label=label, kind=kind or _("geometry of no known type")))
    if not isinstance(raw, dict) or raw.get("coordinates") is None:
        raise GeometryError(_("{label}: the {kind} has no coordinates").format(label=label,
                                                                              kind=kind))
    try:
        with warnings.catch_warnings():  # NaN coordinates: told below, not as a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            geometry = shapely.force_2d(shape(raw))
    except (ValueError, TypeError, IndexError, RecursionError,
            shapely.errors.ShapelyError) as err:
        # shapely says what is wrong ("at least 4 coordinates"); numpy's words on lists of
        # uneven lengths ("inhomogeneous shape") would mean nothing to the user
        why = str(err) if isinstance(err, ValueError | shapely.errors.ShapelyError) and not \
            any(word in str(err) for word in ("inhomogeneous", "sequence")) else _(
                "each point must be a [longitude, latitude] pair, in rings of points")
        raise GeometryError(_("{label}: the {kind} coordinates are not valid: {why}").format(
            label=label, kind=kind, why=why)) from None
    if geometry.is_empty:
        raise GeometryError(_("{label}: the {kind} has no coordinates").format(label=label,
                                                                              kind=kind))
    for x, y in shapely.get_coordinates(geometry).tolist():
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise GeometryError(_("{label}: the coordinates are not longitude and latitude (e.g. "
                                  "{x}, {y}); save the file in WGS84 (EPSG:4326)").format(
                label=label, x=_plain(x), y=_plain(y)))
    return geometry


def _plain(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _name(properties: dict[str, object]) -> str:
    lowered = {key.lower(): value for key, value in reversed(properties.items())}
    for key in NAME_KEYS:
        value = lowered.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""
