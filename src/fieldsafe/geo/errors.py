"""Errors for geometry and map files the user gave us: bad coordinates, GPX, GeoJSON, MBTiles."""

from __future__ import annotations

from fieldsafe.errors import UserError


class GeometryError(UserError):
    """A point, route, area or geometry file that cannot be used; the message says which and why."""


class MBTilesError(UserError):
    """An offline basemap (.mbtiles) that cannot be opened or read; the message names the file."""
