"""Which revision of an audit counts as sent in: its finalized head, or the last finalized one
while a correction (a draft over it) is under way, as ODK keeps the last submission."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import aliased

from fieldsafe.services.revisions import DRAFT, FINALIZED
from fieldsafe.storage.models import Audit, AuditRevision


def submitted_revision() -> tuple[Any, ColumnElement[Any]]:
    """An alias of the audit's head revision to join on ``Audit.head_uuid``, and the UUID of
    its submitted revision: the head where it is finalized, the last finalized revision
    where the head is a draft (NULL where there is none), NULL for a retired audit. Join
    ``AuditRevision`` (or files, geometries) on that UUID to read what was sent in."""
    head, final = aliased(AuditRevision), aliased(AuditRevision)
    last_final = (select(final.uuid)
                  .where(final.audit_uuid == Audit.uuid, final.status == FINALIZED)
                  .order_by(final.number.desc(), final.saved_at.desc()).limit(1)
                  .correlate(Audit).scalar_subquery())
    return head, case((head.status == FINALIZED, head.uuid),
                      (head.status == DRAFT, last_final), else_=None)


def join_submitted(query: Any, *, else_current: bool = False) -> Any:
    """``query`` (selecting from ``Audit``) joined to each audit's submitted revision as
    ``AuditRevision`` (audits without one drop out); with ``else_current``, to its current
    revision where none was submitted (a draft never finalized, a retired audit)."""
    head, submitted = submitted_revision()
    shown = func.coalesce(submitted, Audit.head_uuid) if else_current else submitted
    return query.join(head, head.uuid == Audit.head_uuid).join(
        AuditRevision, AuditRevision.uuid == shown)
