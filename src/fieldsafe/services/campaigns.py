"""Campaign use cases: a named effort over an area, with its forms, layers and segment rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from shapely.geometry import mapping
from shapely.ops import unary_union
from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.geo.geojson import read_areas
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Campaign, FormVersion, Layer

MIN_SEGMENT_M = 1.0  # shorter segments say nothing a map can show, and cost much
MAX_METRES = 100_000  # a campaign's segment length and tolerance: as a sync bundle allows


def new_campaign(workspace: Workspace, name: str, *, area: Path | None = None,
                 segment_m: float = 50.0, tolerance_m: float = 25.0,
                 form_ids: list[str] | None = None, layer_uuids: list[str] | None = None,
                 now: Callable[[], datetime] = datetime.now) -> dict[str, Any]:
    """Create a campaign; ``area`` is a GeoJSON file whose polygons make its area."""
    if not name.strip():
        raise UserError(_("a campaign needs a name"))
    if not name.isprintable():  # a line break would split every list and table it is in
        raise UserError(_("a campaign's name is one line of text, without line breaks or "
                          "control characters"))
    if not (MIN_SEGMENT_M <= segment_m <= MAX_METRES):  # NaN fails both
        raise UserError(_("the segment length must be {low} to {high} m, not {value}").format(
            low=f"{MIN_SEGMENT_M:g}", high=f"{MAX_METRES:,}", value=f"{segment_m:g}"))
    if not (0 < tolerance_m <= MAX_METRES):
        raise UserError(_("the matching tolerance must be more than 0 and at most {high} m, "
                          "not {value}").format(high=f"{MAX_METRES:,}",
                                                value=f"{tolerance_m:g}"))
    area_geojson = ""
    if area is not None:
        shapes = [a.geometry for a in read_areas(area)]
        if not shapes:
            raise UserError(_("{file}: has no area (polygon) in it").format(file=area))
        area_geojson = json.dumps(mapping(unary_union(shapes)))
    ident = workspace.identity
    stamp = now()
    with workspace.transaction() as db:
        known = set(db.scalars(select(FormVersion.form_id)))
        unknown = [f for f in form_ids or [] if f not in known]
        if unknown:
            raise UserError(_("no form with form_id '{form_id}' in this workspace").format(
                form_id=unknown[0]))
        layers = set(db.scalars(select(Layer.uuid)))
        if missing := [u for u in layer_uuids or [] if u not in layers]:
            raise UserError(_("no layer with ID '{id}' in this workspace (see 'layers list')")
                            .format(id=missing[0]))
        if db.scalar(select(Campaign).where(Campaign.name == name.strip())) is not None:
            raise UserError(_("a campaign named '{name}' already exists").format(name=name))
        campaign = Campaign(uuid=new_id(), name=name.strip(),
                            area_geojson=area_geojson, segment_m=segment_m,
                            tolerance_m=tolerance_m, form_ids=list(dict.fromkeys(form_ids or [])),
                            layer_uuids=list(dict.fromkeys(layer_uuids or [])), created_at=stamp,
                            modified_at=stamp, device_id=ident.device_id,
                            device_name=ident.device_name, author=ident.user, team=ident.team)
        db.add(campaign)
        return campaign_dict(campaign)


def campaign_dict(c: Campaign) -> dict[str, Any]:
    return {"id": c.uuid, "name": c.name, "segment_m": c.segment_m,
            "tolerance_m": c.tolerance_m, "forms": c.form_ids, "layers": c.layer_uuids,
            "has_area": bool(c.area_geojson), "created": c.created_at.isoformat(),
            "team": c.team, "author": c.author}


def list_campaigns(workspace: Workspace) -> list[dict[str, Any]]:
    with workspace.transaction() as db:
        return [campaign_dict(c) for c in db.scalars(select(Campaign).order_by(Campaign.name))]
