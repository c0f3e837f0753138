"""Between stored rows and bundle records: what a record says about a row, and back."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

from fieldsafe.forms.keys import sensitive_keys, split_path, without_keys
from fieldsafe.forms.model import FormDef
from fieldsafe.storage.models import (
    ActionItem,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Layer,
    Media,
)
from fieldsafe.sync import records as rec

STATE_FIELDS = ("title", "recommendation", "agency", "priority", "target_date", "status")
CHANGE_FIELDS = ("status", "agency", "target_date", "priority", "recommendation")
RANK = {"draft": 0, "finalized": 1, "retired": 1}


def form_record(f: FormVersion) -> rec.FormRecord:
    return rec.FormRecord(form_id=f.form_id, version=f.version, title=f.title,
                          content_hash=f.content_hash, source_name=f.source_name,
                          source=base64.b64encode(f.source_bytes).decode("ascii"),
                          method=f.method)


def campaign_record(c: Campaign) -> rec.CampaignRecord:
    return rec.CampaignRecord(
        uuid=c.uuid, name=c.name, area_geojson=c.area_geojson, segment_m=c.segment_m,
        tolerance_m=c.tolerance_m, form_ids=[str(x) for x in c.form_ids],
        layer_uuids=[str(x) for x in c.layer_uuids], created_at=c.created_at,
        modified_at=c.modified_at, device_id=c.device_id, device_name=c.device_name,
        author=c.author, team=c.team)


def campaign_row(r: rec.CampaignRecord) -> dict[str, Any]:
    return {"uuid": r.uuid, "name": r.name, "area_geojson": r.area_geojson,
            "segment_m": r.segment_m, "tolerance_m": r.tolerance_m,
            "form_ids": list(r.form_ids), "layer_uuids": list(r.layer_uuids),
            "created_at": r.created_at, "modified_at": r.modified_at,
            "device_id": r.device_id, "device_name": r.device_name, "author": r.author,
            "team": r.team}


def layer_record(layer: Layer) -> rec.LayerRecord:
    return rec.LayerRecord(uuid=layer.uuid, kind=layer.kind,  # type: ignore[arg-type]
                           name=layer.name, filename=layer.filename, sha256=layer.sha256,
                           info=dict(layer.info))


def media_record(m: Media) -> rec.MediaRecord:
    return rec.MediaRecord(sha256=m.sha256, size=m.size, mime=m.mime, info=dict(m.info))


def revision_record(r: AuditRevision, answers: dict[str, Any] | None = None,
                    drop: frozenset[str] = frozenset()) -> rec.RevisionRecord:
    """A revision as a record; with ``answers`` and ``drop`` (answer keys of questions and
    repeats), a redacted copy whose attachments and geometries of those are left out."""
    def kept(path: str) -> bool:  # "finding[2]/photo": neither the repeat nor the photo
        return not any(key in drop for key, _number in split_path(path))

    return rec.RevisionRecord(
        uuid=r.uuid, parent_uuid=r.parent_uuid, merges=[str(m) for m in r.merges],
        number=r.number, form_id=r.form_id, form_version=r.form_version,
        status=r.status,  # type: ignore[arg-type]
        answers=r.answers if answers is None else answers, instance_name=r.instance_name,
        created_at=r.created_at, saved_at=r.saved_at,
        redacted=r.redacted or (answers is not None and (
            answers != r.answers or any(not kept(a.question_path) for a in r.attachments)
            or any(not kept(g.question_path) for g in r.geometries))), device_id=r.device_id,
        device_name=r.device_name, author=r.author, team=r.team,
        attachments=[rec.AttachmentRecord(question_path=a.question_path, filename=a.filename,
                                          sha256=a.sha256, caption=a.caption)
                     for a in sorted(r.attachments, key=lambda a: a.question_path)
                     if kept(a.question_path)],
        geometries=[rec.GeometryRecord(
            question_path=g.question_path, kind=g.kind,  # type: ignore[arg-type]
            role=g.role, geojson=g.geojson, length_m=g.length_m, area_m2=g.area_m2,
            min_lon=g.min_lon, min_lat=g.min_lat, max_lon=g.max_lon, max_lat=g.max_lat)
            for g in sorted(r.geometries, key=lambda g: (g.question_path, g.geojson))
            if kept(g.question_path)])


def audit_record(a: Audit, revisions: list[rec.RevisionRecord]) -> rec.AuditRecord:
    return rec.AuditRecord(uuid=a.uuid, form_id=a.form_id, campaign_uuid=a.campaign_uuid,
                           created_at=a.created_at, revisions=revisions)


def revision_row(r: rec.RevisionRecord, audit_uuid: str) -> dict[str, Any]:
    return {"uuid": r.uuid, "audit_uuid": audit_uuid, "parent_uuid": r.parent_uuid,
            "merges": list(r.merges), "number": r.number, "form_id": r.form_id,
            "form_version": r.form_version, "status": r.status, "answers": r.answers,
            "instance_name": r.instance_name, "created_at": r.created_at,
            "saved_at": r.saved_at, "redacted": r.redacted, "device_id": r.device_id,
            "device_name": r.device_name, "author": r.author, "team": r.team}


def attachment_rows(r: rec.RevisionRecord) -> list[dict[str, Any]]:
    return [{"revision_uuid": r.uuid, "question_path": a.question_path,
             "filename": a.filename, "sha256": a.sha256, "caption": a.caption}
            for a in r.attachments]


GEOMETRY_COLUMNS = ("revision_uuid", "question_path", "kind", "role", "geojson", "length_m",
                    "area_m2", "min_lon", "min_lat", "max_lon", "max_lat")


def geometry_values(r: rec.RevisionRecord) -> list[tuple[Any, ...]]:
    """The revision's geometries as rows in the order of GEOMETRY_COLUMNS."""
    return [(r.uuid, g.question_path, g.kind, g.role, g.geojson, g.length_m, g.area_m2,
             g.min_lon, g.min_lat, g.max_lon, g.max_lat) for g in r.geometries]


def geometry_rows(r: rec.RevisionRecord) -> list[dict[str, Any]]:
    return [dict(zip(GEOMETRY_COLUMNS, value, strict=True)) for value in geometry_values(r)]


def revision_rank(r: rec.RevisionRecord) -> tuple[int, int, str, str]:
    """Which of two copies of one revision wins, the same on every device: a finalized
    copy over a draft, a full copy over a redacted one, a later save, then content."""
    return (RANK[r.status], 0 if r.redacted else 1, r.saved_at.isoformat(),
            hashlib.sha256(rec.encode(r)).hexdigest())


def stored_revision_record(r: AuditRevision) -> rec.RevisionRecord:
    return revision_record(r)


def action_record(item: ActionItem) -> rec.ActionRecord:
    """An action item with its whole history; its first state is found by undoing the
    changes, newest first."""
    state: dict[str, Any] = {k: _plain(getattr(item, k)) for k in STATE_FIELDS}
    changes = sorted(item.changes, key=lambda c: (c.changed_at, c.device_id, c.uuid))
    for change in reversed(changes):
        for name, pair in change.fields.items():
            if name in state and isinstance(pair, list) and len(pair) == 2:
                state[name] = pair[0]
    return rec.ActionRecord(
        uuid=item.uuid, audit_uuid=item.audit_uuid, finding_index=item.finding_index,
        finding_ref=item.finding_ref or None,  # type: ignore[arg-type]  # roles, as made
        created_at=item.created_at, initial=rec.ActionState(**state),
        device_id=item.device_id, device_name=item.device_name, author=item.author,
        team=item.team,
        changes=[rec.ActionChangeRecord(
            uuid=c.uuid, changed_at=c.changed_at,
            fields={k: [_text(v[0]), _text(v[1])] for k, v in c.fields.items()  # type: ignore[misc]
                    if k in CHANGE_FIELDS and isinstance(v, list) and len(v) == 2},
            device_id=c.device_id, device_name=c.device_name, author=c.author, team=c.team)
            for c in changes])


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _text(value: object) -> str | None:
    return None if value is None else str(_plain(value))


def redact(form: FormDef, answers: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """The answers without the form's sensitive questions, and the keys left out (wherever
    they appear): see :func:`fieldsafe.forms.keys.sensitive_keys`."""
    names = sensitive_keys(form)
    return without_keys(answers, names), names
