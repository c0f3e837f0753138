"""Reading audits for the map in bulk (one query per table, never one per audit), cutting
their routes into segments (cached) and placing points on segments with one projection."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, shape
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fieldsafe.forms.keys import path_in, without_keys
from fieldsafe.geo.errors import GeometryError
from fieldsafe.geo.projection import LocalProjection
from fieldsafe.geo.segments import TIE_M, Segment, split_route
from fieldsafe.services.form_library import form_definition, version_key
from fieldsafe.services.map_forms import FormInfo, form_info
from fieldsafe.services.map_types import LatLon
from fieldsafe.services.submitted import join_submitted
from fieldsafe.storage.models import (
    Attachment,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Geometry,
    Media,
)


@dataclass(frozen=True, slots=True)
class Shape:
    kind: str
    role: str
    geojson: str
    bounds: tuple[float, float, float, float]  # west, south, east, north

    def point(self) -> Point | None:
        geometry = shape(json.loads(self.geojson))
        return geometry if geometry.geom_type == "Point" and not geometry.is_empty else None


@dataclass(frozen=True, slots=True)
class Photo:
    path: str
    sha256: str
    caption: str
    info: dict[str, Any]


@dataclass
class AuditData:
    """An audit's head revision as the map needs it."""

    audit_id: str
    campaign_id: str | None
    form_id: str
    period: str
    label: str
    answers: dict[str, Any]
    info: FormInfo
    shapes: dict[str, Shape] = field(default_factory=dict)  # question path -> geometry
    photos: list[Photo] = field(default_factory=list)

    def route(self) -> str | None:
        """The GeoJSON of the walked route: the route-role trace, else the first trace."""
        traces = sorted((path, s) for path, s in self.shapes.items() if s.kind == "route")
        chosen = [s for _p, s in traces if s.role == "route"] or [s for _p, s in traces]
        return chosen[0].geojson if chosen else None


def load_audits(db: Session, *, campaign: str | None = None, audit: str | None = None,
                period: str | None = None, form_id: str | None = None,
                finalized: bool = True, photos: bool = False,
                language: str | None = None,
                include_sensitive: bool = True) -> list[AuditData]:
    """Audits, oldest first: with ``finalized`` (campaign maps and reports) the revision each
    sent in (:func:`join_submitted`: an audit being corrected shows its last finalized
    revision; drafts never finalized and retired audits are left out), else the current
    revision; their forms read with labels in ``language`` where a form has it (see
    :func:`form_infos`). Without ``include_sensitive``, what the forms mark sensitive is
    left out: answers, geometries and photos (for what officials are given)."""
    where: list[ColumnElement[bool]] = []
    if campaign is not None:
        where.append(Audit.campaign_uuid == campaign)
    if audit is not None:
        where.append(Audit.uuid == audit)
    if period:
        where.append(Audit.period == period)
    if form_id:
        where.append(AuditRevision.form_id == form_id)
    infos = form_infos(db, language=language)

    def shown_of(query: Any) -> Any:
        """``query`` (from Audit) joined to the revision shown, as ``AuditRevision``."""
        return join_submitted(query) if finalized else query.join(
            AuditRevision, AuditRevision.uuid == Audit.head_uuid)

    rows = db.execute(shown_of(
        select(Audit.uuid, Audit.campaign_uuid, Audit.period, Audit.instance_name,
               AuditRevision.uuid, AuditRevision.form_id, AuditRevision.form_version,
               AuditRevision.answers).select_from(Audit))
        .where(*where).order_by(Audit.created_at, Audit.uuid)).all()
    audits: dict[str, AuditData] = {}
    for audit_id, campaign_id, audit_period, name, head, form, version, answers in rows:
        info = infos.get((form, version))
        if info is None:
            continue  # a form version this workspace lacks: nothing to read it with
        kept = dict(answers or {}) if include_sensitive else without_keys(
            dict(answers or {}), info.sensitive)
        audits[head] = AuditData(audit_id, campaign_id, form, audit_period or "",
                                 name or info.title, kept, info)
    for revision, path, kind, role, text, west, south, east, north in db.execute(shown_of(
            select(Geometry.revision_uuid, Geometry.question_path, Geometry.kind,
                   Geometry.role, Geometry.geojson, Geometry.min_lon, Geometry.min_lat,
                   Geometry.max_lon, Geometry.max_lat).select_from(Audit))
            .join(Geometry, Geometry.revision_uuid == AuditRevision.uuid).where(*where)):
        if revision in audits and (include_sensitive or not path_in(
                path, audits[revision].info.sensitive)):
            audits[revision].shapes[path] = Shape(kind, role, text, (west, south, east, north))
    if photos:
        for revision, path, sha, caption, media_info in db.execute(shown_of(
                select(Attachment.revision_uuid, Attachment.question_path, Attachment.sha256,
                       Attachment.caption, Media.info).select_from(Audit))
                .join(Attachment, Attachment.revision_uuid == AuditRevision.uuid)
                .join(Media, Media.sha256 == Attachment.sha256).where(*where)
                .order_by(Attachment.question_path)):
            if revision in audits and (include_sensitive or not path_in(
                    path, audits[revision].info.sensitive)):
                audits[revision].photos.append(Photo(path, sha, caption or "",
                                                       dict(media_info or {})))
    return list(audits.values())


@dataclass
class CampaignAudits:
    """A campaign's finalized audits as :func:`load_audits` reads them, read once for
    everything a report shows of them; ``known`` is every parameter key its forms rate."""

    audits: list[AuditData]
    known: set[str]
    segment_m: float
    tolerance_m: float


def campaign_audits(db: Session, campaign: Campaign, *, period: str | None = None,
                    form_id: str | None = None, language: str | None = None,
                    include_sensitive: bool = True, photos: bool = False) -> CampaignAudits:
    """The campaign's finalized audits (oldest first), see :class:`CampaignAudits`; the
    options are :func:`load_audits`'s."""
    audits = load_audits(db, campaign=campaign.uuid, period=period, form_id=form_id,
                         photos=photos, language=language, include_sensitive=include_sensitive)
    known = {k for i in form_infos(db, campaign).values() for k in i.parameter_keys()}
    return CampaignAudits(audits, known, campaign.segment_m, campaign.tolerance_m)


def form_infos(db: Session, campaign: Campaign | None = None, form_id: str | None = None,
               language: str | None = None) -> dict[tuple[str, str], FormInfo]:
    """The map's reading of every stored form version, by (form_id, version). With
    ``campaign``: only the latest version of each of its forms and the versions its audits
    were filled with; with ``form_id``, only that form's. Labels are in ``language`` (a
    code, "fr", or a name) where a form has it, else in the form's default language."""
    records = list(db.scalars(select(FormVersion)))
    if campaign is not None:
        used = {(form, version) for form, version in db.execute(
            select(AuditRevision.form_id, AuditRevision.form_version).distinct()
            .join(Audit, Audit.head_uuid == AuditRevision.uuid)
            .where(Audit.campaign_uuid == campaign.uuid))}
        wanted = {str(f) for f in campaign.form_ids} | {f for f, _v in used}
        latest: dict[str, FormVersion] = {}
        for record in records:
            best = latest.get(record.form_id)
            if best is None or (version_key(record.version), record.id) > (
                    version_key(best.version), best.id):
                latest[record.form_id] = record
        records = [r for r in records if (r.form_id, r.version) in used or (
            r.form_id in wanted and latest[r.form_id] is r)]
    if form_id:
        records = [r for r in records if r.form_id == form_id]
    order = {str(f): k for k, f in enumerate(campaign.form_ids)} if campaign else {}
    records.sort(key=lambda r: (order.get(r.form_id, len(order)), r.form_id, r.id))
    return {(r.form_id, r.version): form_info(form_definition(r), language)
            for r in records}


@lru_cache(maxsize=8192)
def route_segments(geojson: str, segment_m: float) -> tuple[tuple[Segment, list[LatLon]], ...]:
    """A route's segments with their (lat, lon) coordinates (cached by content: a
    finalized revision never changes). A route of zero length has none."""
    try:  # at least 1 m (a campaign's shortest): a smaller one would never end
        segments = split_route(shape(json.loads(geojson)), max(segment_m, 1.0))
    except (GeometryError, ValueError, TypeError, KeyError):
        return ()
    return tuple((s, [(float(c[1]), float(c[0])) for c in s.geometry.coords]) for s in segments)


class Locator:
    """:func:`fieldsafe.geo.segments.locate_all` for many routes at once.

    Projections are slow to make (about 12 ms each), so one projection centred on the data
    serves every route; the rule is locate_all's: the nearest segment within the
    tolerance, the earlier one on a tie (within ``TIE_M``), so that both put a finding on
    a street walked twice on the same segment, whatever their projections' last digits.
    """

    def __init__(self, bounds: Sequence[tuple[float, float, float, float]],
                 tolerance_m: float) -> None:
        west = min((b[0] for b in bounds), default=0.0)
        south = min((b[1] for b in bounds), default=0.0)
        east = max((b[2] for b in bounds), default=0.0)
        north = max((b[3] for b in bounds), default=0.0)
        self._projection = LocalProjection((west + east) / 2.0, (south + north) / 2.0)
        self.tolerance_m = tolerance_m

    def locate(self, jobs: Sequence[tuple[Sequence[Segment], Sequence[Point]]]) -> list[
            list[tuple[int, float] | None]]:
        """For each job (a route's segments, points), each point's (segment index,
        distance in m) or None."""
        geoms = [g for segments, points in jobs if segments and points
                 for g in (*(s.geometry for s in segments), *points)]
        projected = iter(self._projection.to_metres(np.array(geoms, dtype=object))
                         if geoms else [])
        out: list[list[tuple[int, float] | None]] = []
        for segments, points in jobs:
            if not segments or not points:
                out.append([None] * len(points))
                continue
            lines = np.array([next(projected) for _s in segments], dtype=object)
            spots = np.array([next(projected) for _p in points], dtype=object)
            distances = shapely.distance(spots[:, None], lines[None, :])
            found: list[tuple[int, float] | None] = []
            for row in distances:  # the nearest, the earlier on a tie (as locate_all)
                k = int(np.flatnonzero(row <= row.min() + TIE_M)[0])
                distance = float(row[k])
                found.append((segments[k].index, distance)
                             if distance <= self.tolerance_m else None)
            out.append(found)
        return out
