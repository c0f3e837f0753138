"""Turns the map data of the services into map layers: scored routes, findings, photos."""

from __future__ import annotations

import json

from PySide6.QtGui import QColor
from shapely.geometry import shape

from fieldsafe.services.layers import list_layers
from fieldsafe.services.map_data import (
    MapFinding,
    MapPhoto,
    ScoredSegment,
    colour,
)
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.map.layers import (
    AreaLayer,
    Feature,
    LineFeature,
    LineLayer,
    PointFeature,
    PointLayer,
)

FINDING_COLOUR = QColor("#b2182b")
PHOTO_COLOUR = QColor("#2166ac")
DARK_COLOUR = QColor("#111111")


def segment_layer(name: str, title: str, segments: list[ScoredSegment],
                  width: float = 6) -> LineLayer:
    """Route segments coloured by their score (a colour-blind-safe scale; grey: no rating)."""
    lines = []
    for s in segments:
        label = s.label if s.raw is None else f"{s.label} — {s.raw:g} ({s.scale[0]:g}–" \
                                               f"{s.scale[1]:g})"
        lines.append(LineFeature(coords=list(s.coords), color=QColor(colour(s.score)),
                                 width=width, feature=Feature("segment", s, label)))
    return LineLayer(name, title, lines)


def dark_spot_layer(title: str, segments: list[ScoredSegment]) -> LineLayer:
    lines = [LineFeature(coords=list(s.coords), color=DARK_COLOUR, width=13,
                         feature=Feature("dark", s, s.label)) for s in segments]
    return LineLayer("dark-spots", title, lines)


def finding_layer(title: str, findings: list[MapFinding], cluster: bool) -> PointLayer:
    points = []
    for f in findings:
        if f.location is None:
            continue
        label = f"{f.number}. {f.category_label}" + (f" — {f.note}" if f.note else "")
        points.append(PointFeature(f.location[0], f.location[1],
                                   Feature("finding", f, label), FINDING_COLOUR,
                                   text=str(f.number)))
    return PointLayer("findings", title, points, cluster=cluster)


def photo_layer(title: str, photos: list[MapPhoto]) -> PointLayer:
    points = [PointFeature(p.location[0], p.location[1],
                           Feature("photo", p, p.caption or p.question), PHOTO_COLOUR,
                           symbol="photo")
              for p in photos if p.location is not None]
    return PointLayer("photos", title, points)


def area_layers(workspace: Workspace, layer_ids: list[object] | None = None) -> list[AreaLayer]:
    """The workspace's GeoJSON area layers (a campaign's, when ``layer_ids`` is given)."""
    from fieldsafe.geo.geojson import read_areas

    out = []
    for layer in list_layers(workspace):
        if layer["kind"] != "areas" or (layer_ids and layer["id"] not in layer_ids):
            continue
        areas = read_areas(workspace.layers_dir / layer["file"])
        out.append(AreaLayer(f"areas-{layer['id']}", layer["name"],
                             [(a.geometry, a.name) for a in areas], QColor("#5e3c99")))
    return out


def area_geometry(geojson: str) -> object:
    return shape(json.loads(geojson))
