"""Layer use cases: GeoJSON area layers and MBTiles basemaps, checked and copied in."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.geo.geojson import read_areas_with_warnings
from fieldsafe.geo.mbtiles import MBTiles
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Layer


def add_layer(workspace: Workspace, source: Path, *, name: str | None = None,
              now: Callable[[], datetime] = datetime.now) -> dict[str, Any]:
    """Check ``source`` (a .geojson area layer or an .mbtiles basemap), copy it into the
    workspace and register it. The layer's dict has ``warnings``: what was skipped or
    repaired in an area file, one sentence each, naming the file and feature."""
    if source.is_dir():
        raise UserError(_("{file}: is a folder, not a file").format(file=source))
    if not source.is_file():
        raise UserError(_("{file}: no such file").format(file=source))
    suffix = source.suffix.lower()
    info: dict[str, object]
    warnings: list[str] = []
    if suffix in (".geojson", ".json"):
        areas, warnings = read_areas_with_warnings(source)
        if not areas:
            raise UserError(_("{file}: has no area (polygon) in it, so no layer was added{why}")
                            .format(file=source, why="".join(
                                f"; {w.split(': ', 1)[-1]}" for w in warnings[:3])))
        kind = "areas"
        info = {"areas": [a.name for a in areas], "count": len(areas)}
    elif suffix == ".mbtiles":
        with MBTiles(source) as tiles:
            kind = "basemap"
            info = {"format": tiles.format, "minzoom": tiles.minzoom, "maxzoom": tiles.maxzoom,
                    "bounds": list(tiles.bounds) if tiles.bounds else None,
                    "attribution": tiles.attribution, "name": tiles.name}
    else:
        raise UserError(_("{file}: a layer is a .geojson area file or an .mbtiles basemap")
                        .format(file=source))
    digest = _sha256(source)
    layer_uuid = new_id()
    filename = f"{layer_uuid}{suffix}"
    workspace.layers_dir.mkdir(parents=True, exist_ok=True)
    target = workspace.layers_dir / filename
    with workspace.transaction() as db:
        if target.exists() or db.get(Layer, layer_uuid) is not None:
            raise UserError(_("{file}: a layer with the same ID is already in this "
                              "workspace").format(file=source))
    temp = target.with_suffix(suffix + ".part")
    try:
        shutil.copyfile(source, temp)
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        temp.replace(target)
        with workspace.transaction() as db:
            layer = Layer(uuid=layer_uuid, kind=kind, name=name or source.stem,
                          filename=filename, sha256=digest, info=info, added_at=now())
            db.add(layer)
            return {**layer_dict(layer), "warnings": warnings}
    except OSError as err:
        raise UserError(_("{file}: cannot copy it into the workspace: {why}").format(
            file=source, why=err.strerror or err)) from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        temp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def layer_dict(layer: Layer) -> dict[str, Any]:
    return {"id": layer.uuid, "kind": layer.kind, "name": layer.name,
            "file": layer.filename, "sha256": layer.sha256, "info": layer.info}


def list_layers(workspace: Workspace) -> list[dict[str, Any]]:
    with workspace.transaction() as db:
        return [layer_dict(layer) for layer in db.scalars(select(Layer).order_by(Layer.name))]


def remove_layer(workspace: Workspace, layer_id: str) -> None:
    """Remove a layer and its file from the workspace (campaigns stop showing it)."""
    with workspace.transaction() as db:
        layer = db.get(Layer, layer_id)
        if layer is None:
            raise UserError(_("no layer with ID '{id}'").format(id=layer_id))
        filename = layer.filename
        db.delete(layer)
    (workspace.layers_dir / filename).unlink(missing_ok=True)


def basemap_layer(workspace: Workspace, preferred: list[object] | None = None
                  ) -> tuple[dict[str, Any], Path] | None:
    """The MBTiles basemap to show, as (its layer, its file): the first of ``preferred``
    layers (a campaign's), else the workspace's first basemap whose file is there."""
    wanted = list(preferred or [])
    basemaps = [layer for layer in list_layers(workspace) if layer["kind"] == "basemap"]
    basemaps.sort(key=lambda layer: layer["id"] not in wanted)
    found = ((layer, workspace.layers_dir / str(layer["file"])) for layer in basemaps)
    return next(((layer, path) for layer, path in found if path.is_file()), None)


def basemap_file(workspace: Workspace, preferred: list[object] | None = None) -> Path | None:
    """The file of :func:`basemap_layer`."""
    found = basemap_layer(workspace, preferred)
    return found[1] if found is not None else None


def attribution(layer: dict[str, Any]) -> str:
    """The credit a basemap layer asks for: its own attribution, else its name."""
    info = layer.get("info") or {}
    return str(info.get("attribution") or layer["name"]) if isinstance(info, dict) else \
        str(layer["name"])
