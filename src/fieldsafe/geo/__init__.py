"""Geometry: routes, segments and areas (coming with the workspace core)."""
