"""An audit's current revision after merging: the one leaf of its revision graph, or, when
several devices branched from one revision, a conflict with a chosen head."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fieldsafe.services.form_library import form_definition
from fieldsafe.services.records import batches
from fieldsafe.storage.models import Audit, AuditRevision, FormVersion
from fieldsafe.sync import records as rec


def leaves(revisions: Iterable[tuple[str, str | None, list[object]]]) -> set[str]:
    """The revisions no other revision continues: (uuid, parent, merged parents) in."""
    rows = list(revisions)
    continued = {p for _, parent, merges in rows for p in [parent, *merges] if p}
    return {uuid for uuid, _, _ in rows if uuid not in continued}


def head_key(saved_at: datetime, device_id: str, uuid: str) -> tuple[str, str, str]:
    """Among leaves in conflict, the head shown is the latest saved (then device, UUID), so
    every device shows the same one."""
    return (saved_at.isoformat(), device_id, uuid)


def choose_head(revisions: Sequence[Any]) -> tuple[Any, bool]:
    """An audit's head among its revisions (each with uuid, parent_uuid, merges, saved_at,
    device_id), and whether several leaves conflict."""
    ends = leaves((x.uuid, x.parent_uuid, list(x.merges)) for x in revisions)
    tips = [x for x in revisions if x.uuid in ends] or list(revisions)
    head = max(tips, key=lambda x: head_key(x.saved_at, x.device_id, x.uuid))
    return head, len(tips) > 1


def _columns(audit_uuid: str, revisions: Sequence[Any], head: Any, conflict: bool,
             period: str) -> dict[str, Any]:
    """The audit's columns copied from its head (and its latest save)."""
    return {"uuid": audit_uuid, "head_uuid": head.uuid, "status": head.status,
            "conflict": conflict, "team": head.team, "instance_name": head.instance_name,
            "period": period, "modified_at": max(x.saved_at for x in revisions)}


def refresh_heads(db: Session, audit_uuids: list[str]) -> set[str]:
    """Set each audit's head, status, conflict flag and list columns from its revisions;
    the audits now in conflict. Reads only the graph's columns, and the head's answers."""
    conflicts: set[str] = set()
    periods: dict[tuple[str, str], str | None] = {}
    r = AuditRevision
    for batch in batches(audit_uuids):
        graph: dict[str, list[Any]] = defaultdict(list)
        for row in db.execute(select(r.audit_uuid, r.uuid, r.parent_uuid, r.merges, r.saved_at,
                                     r.device_id, r.status, r.team, r.instance_name,
                                     r.form_id, r.form_version).where(
                r.audit_uuid.in_(batch))):
            graph[row.audit_uuid].append(row)
        heads: dict[str, Any] = {}
        for audit_uuid, revisions in graph.items():
            heads[audit_uuid], conflict = choose_head(revisions)
            if conflict:
                conflicts.add(audit_uuid)
        answers = _period_answers(db, list(heads.values()), periods)
        rows = [_columns(audit_uuid, graph[audit_uuid], head, audit_uuid in conflicts,
                         answers.get(head.uuid) or "")
                for audit_uuid, head in heads.items()]
        if rows:
            db.execute(update(Audit), rows)  # one executemany, by primary key
    return conflicts


def heads_in_hand(db: Session, audits: Iterable[rec.AuditRecord]) -> dict[str, dict[str, Any]]:
    """For audits new here, whose revisions are all in hand (a bundle's records): the
    columns refresh_heads would set once they are stored, without reading them back."""
    periods: dict[tuple[str, str], str | None] = {}
    out: dict[str, dict[str, Any]] = {}
    for audit in audits:
        head, conflict = choose_head(audit.revisions)
        name = _period_name(db, head.form_id, head.form_version, periods)
        value = head.answers.get(name) if name else None  # as json_extract reads it
        out[audit.uuid] = _columns(audit.uuid, audit.revisions, head, conflict,
                                   value if isinstance(value, str) else "")
    return out


def _period_answers(db: Session, heads: list[Any],
                    cache: dict[tuple[str, str], str | None]) -> dict[str, str]:
    """Each head revision's answer to its form's period question (day or night)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for head in heads:
        name = _period_name(db, head.form_id, head.form_version, cache)
        if name:
            by_name[name].append(head.uuid)
    out: dict[str, str] = {}
    r = AuditRevision
    for name, uuids in by_name.items():
        for uuid, value in db.execute(select(r.uuid, func.json_extract(
                r.answers, f'$."{name}"')).where(r.uuid.in_(uuids))):
            if isinstance(value, str):
                out[uuid] = value
    return out


def _period_name(db: Session, form_id: str, version: str,
                 cache: dict[tuple[str, str], str | None]) -> str | None:
    key = (form_id, version)
    if key not in cache:
        record = db.scalar(select(FormVersion).where(FormVersion.form_id == key[0],
                                                     FormVersion.version == key[1]))
        periods = form_definition(record).with_role("period") if record else []
        cache[key] = periods[0].answer_key if periods else None
    return cache[key]
