"""An audit's route cut into segments, its findings placed on them, and two audits matched."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from fieldsafe.geo.segments import Segment, locate_all, match_segments, split_route
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.records import resolve_audit
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Audit, AuditRevision, Campaign

DEFAULT_SEGMENT_M = 50.0
DEFAULT_TOLERANCE_M = 25.0


def _rules(db: Session, audit: Audit) -> tuple[float, float]:
    campaign = db.get(Campaign, audit.campaign_uuid) if audit.campaign_uuid else None
    if campaign is None:
        return DEFAULT_SEGMENT_M, DEFAULT_TOLERANCE_M
    return campaign.segment_m, campaign.tolerance_m


def _segments(db: Session, audit: Audit) -> tuple[list[Segment], AuditRevision, float]:
    head = db.get(AuditRevision, audit.head_uuid)
    assert head is not None
    segment_m, tolerance_m = _rules(db, audit)
    routes = [g for g in head.geometries if g.kind == "route" and g.role == "route"] or \
        [g for g in head.geometries if g.kind == "route"]
    if not routes:
        return [], head, tolerance_m
    line = shape(_load(routes[0].geojson))
    return split_route(line, segment_m), head, tolerance_m


def _load(text: str) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(text)
    return data


def route_segments(workspace: Workspace, audit_id: str) -> dict[str, Any]:
    """The audit's walked route in segments of the campaign's length, and each finding's
    segment (within the campaign's tolerance), as the map and the reports use them."""
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        segments, head, tolerance_m = _segments(db, audit)
        form = form_definition(find_version(db, head.form_id, head.form_version))
        location_names = {e.name for e in form.with_role("location")}
        points = [g for g in head.geometries
                  if g.kind == "point" and g.question_path.rsplit("/", 1)[-1] in location_names]
        placed = locate_all([shape(_load(g.geojson)) for g in points], segments, tolerance_m)
        findings = []
        for geometry, where in zip(points, placed, strict=True):
            findings.append({"question": geometry.question_path,
                             "segment": where[0] if where else None,
                             "distance_m": round(where[1], 1) if where else None})
        return {"audit": audit.uuid, "tolerance_m": tolerance_m,
                "segments": [{"index": s.index, "start_m": round(s.start_m, 1),
                              "end_m": round(s.end_m, 1), "geometry": mapping(s.geometry)}
                             for s in segments],
                "findings": findings}


def matched_segments(workspace: Workspace, first_id: str, second_id: str) -> list[
        tuple[int, int]]:
    """Pairs (segment of the first audit, segment of the second) that cover the same street
    within the tolerance: day against night, or an audit against its follow-up."""
    with workspace.transaction() as db:
        first = resolve_audit(db, first_id)
        second = resolve_audit(db, second_id)
        a, _head, tolerance_m = _segments(db, first)
        b, _other, _tol = _segments(db, second)
        return [(a[i].index, b[j].index) for i, j in match_segments(a, b, tolerance_m)]
