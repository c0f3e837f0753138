"""An audit's current revision after merging: the one leaf of its revision graph, or, when
several devices branched from one revision, a conflict with a chosen head."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fieldsafe.services.form_library import form_definition
from fieldsafe.storage.models import Audit, AuditRevision, FormVersion

BATCH = 500


def leaves(revisions: Iterable[tuple[str, str | None, list[object]]]) -> set[str]:
    """The revisions no other revision continues: (uuid, parent, merged parents) in."""
    rows = list(revisions)
    continued = {p for _, parent, merges in rows for p in [parent, *merges] if p}
    return {uuid for uuid, _, _ in rows if uuid not in continued}


def head_key(saved_at: datetime, device_id: str, uuid: str) -> tuple[str, str, str]:
    """Among leaves in conflict, the head shown is the latest saved (then device, UUID), so
    every device shows the same one."""
    return (saved_at.isoformat(), device_id, uuid)


def refresh_heads(db: Session, audit_uuids: list[str]) -> set[str]:
    """Set each audit's head, status, conflict flag and list columns from its revisions;
    the audits now in conflict."""
    conflicts: set[str] = set()
    periods: dict[tuple[str, str], str | None] = {}
    for start in range(0, len(audit_uuids), BATCH):
        batch = audit_uuids[start:start + BATCH]
        graph: dict[str, list[AuditRevision]] = defaultdict(list)
        for r in db.scalars(select(AuditRevision).where(AuditRevision.audit_uuid.in_(batch))):
            graph[r.audit_uuid].append(r)
        for audit_uuid, revisions in graph.items():
            ends = leaves((r.uuid, r.parent_uuid, list(r.merges)) for r in revisions)
            tips = [r for r in revisions if r.uuid in ends] or revisions
            head = max(tips, key=lambda r: head_key(r.saved_at, r.device_id, r.uuid))
            in_conflict = len(tips) > 1
            if in_conflict:
                conflicts.add(audit_uuid)
            answer = head.answers.get(_period_name(db, head, periods) or "", "")
            db.execute(update(Audit).where(Audit.uuid == audit_uuid).values(
                head_uuid=head.uuid, status=head.status, conflict=in_conflict,
                team=head.team, instance_name=head.instance_name,
                period=answer if isinstance(answer, str) else "",
                modified_at=max(r.saved_at for r in revisions)))
    return conflicts


def _period_name(db: Session, revision: AuditRevision,
                 cache: dict[tuple[str, str], str | None]) -> str | None:
    key = (revision.form_id, revision.form_version)
    if key not in cache:
        record = db.scalar(select(FormVersion).where(FormVersion.form_id == key[0],
                                                     FormVersion.version == key[1]))
        periods = form_definition(record).with_role("period") if record else []
        cache[key] = periods[0].name if periods else None
    return cache[key]
