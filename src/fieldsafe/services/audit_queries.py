"""Reading audits back: the list with the fields tools rely on, and one audit in full."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from fieldsafe.forms.keys import split_path
from fieldsafe.services.records import resolve_audit
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Attachment, Audit, AuditRevision, Campaign


def natural_key(path: str) -> tuple[tuple[str, int], ...]:
    """A question path's sort key with its repeat numbers as numbers: finding[2] before
    finding[10], as the findings are numbered (not as text)."""
    return tuple((key, -1 if number is None else number) for key, number in split_path(path))


def list_audits(workspace: Workspace) -> list[dict[str, Any]]:
    """Every audit at its current revision, newest first."""
    with workspace.transaction() as db:
        photos = dict(db.execute(select(Attachment.revision_uuid, func.count())
                                 .group_by(Attachment.revision_uuid)).all())
        campaigns = dict(db.execute(select(Campaign.uuid, Campaign.name)).all())
        rows = db.execute(
            select(Audit, AuditRevision).join(AuditRevision,
                                              AuditRevision.uuid == Audit.head_uuid)
            .order_by(Audit.modified_at.desc(), Audit.uuid)).all()
        return [_summary(audit, head, campaigns, photos) for audit, head in rows]


def _summary(audit: Audit, head: AuditRevision, campaigns: dict[str, str],
             photos: dict[str, int]) -> dict[str, Any]:
    return {
        "id": audit.uuid, "revision": head.number, "revision_uuid": head.uuid,
        "form_id": head.form_id, "form_version": head.form_version, "status": head.status,
        "campaign": campaigns.get(audit.campaign_uuid or "", ""),
        "campaign_id": audit.campaign_uuid or "", "team": head.team, "author": head.author,
        "device": head.device_name, "device_id": head.device_id,
        "created": audit.created_at.isoformat(), "modified": audit.modified_at.isoformat(),
        "photos": photos.get(head.uuid, 0), "instance_name": head.instance_name,
        "conflict": audit.conflict,
    }


def show_audit(workspace: Workspace, audit_id: str) -> dict[str, Any]:
    """One audit: its current answers, attachments, geometries and revision history."""
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        revisions = list(audit.revisions)
        head = next(r for r in revisions if r.uuid == audit.head_uuid)
        campaign = db.get(Campaign, audit.campaign_uuid) if audit.campaign_uuid else None
        campaigns = {campaign.uuid: campaign.name} if campaign is not None else {}
        out = _summary(audit, head, campaigns, {head.uuid: len(head.attachments)})
        out["answers"] = head.answers
        out["attachments"] = [{"question": a.question_path, "filename": a.filename,
                               "sha256": a.sha256, "caption": a.caption,
                               "info": a.media.info}
                              for a in sorted(head.attachments,
                                              key=lambda a: natural_key(a.question_path))]
        out["geometries"] = [{"question": g.question_path, "kind": g.kind, "role": g.role,
                              "length_m": round(g.length_m, 1), "area_m2": round(g.area_m2, 1)}
                             for g in head.geometries]
        out["history"] = [{"revision": r.number, "uuid": r.uuid, "parent": r.parent_uuid,
                           "status": r.status, "saved": r.saved_at.isoformat(),
                           "author": r.author, "team": r.team, "device": r.device_name}
                          for r in revisions]
        return out
