"""The map's layer types: areas, lines and points, with the features they carry."""

from __future__ import annotations

from fieldsafe.ui.map.layer_base import Feature, Hit, MapLayer, TileView
from fieldsafe.ui.map.point_layer import PointFeature, PointLayer
from fieldsafe.ui.map.vector_layers import AreaLayer, LineFeature, LineLayer

__all__ = [
    "AreaLayer",
    "Feature",
    "Hit",
    "LineFeature",
    "LineLayer",
    "MapLayer",
    "PointFeature",
    "PointLayer",
    "TileView",
]
