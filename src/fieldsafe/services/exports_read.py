"""Reading the finalized audits to export in batches, so that exports need little memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fieldsafe.forms.model import FormDef
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.records import BATCH, batches
from fieldsafe.services.submitted import join_submitted
from fieldsafe.storage.models import Attachment, Audit, AuditRevision

FormKey = tuple[str, str]  # (form id, form version)


@dataclass(frozen=True, slots=True)
class Submission:
    """One audit's current revision, finalized, with the form version it was filled in."""

    audit_uuid: str
    revision_uuid: str
    number: int
    form: FormDef
    form_id: str
    form_version: str
    status: str
    answers: dict[str, Any]
    saved_at: datetime
    author: str
    team: str
    device_name: str
    device_id: str
    files: dict[str, tuple[str, str]]  # "finding[2]/f_photo1" -> (file name, SHA-256)

    @property
    def instance_id(self) -> str:
        """ODK's instanceID of the revision (``uuid:...``)."""
        value = self.answers.get("instanceID")
        return str(value) if value else f"uuid:{self.revision_uuid}"


class AttachmentRef(NamedTuple):
    """A file of an exported revision: its audit, form, question path, name and SHA-256."""

    audit_uuid: str
    form: FormDef
    path: str
    filename: str
    sha256: str


def _heads(form_id: str | None, *columns: Any) -> Select[Any]:
    """``columns`` of each audit's submission (``AuditRevision`` is it): its current
    revision where that is finalized; where a correction is in progress (a draft over a
    finalized revision), the last finalized one, as ODK keeps the last submission while
    an edit is not sent. Retired audits and drafts never finalized have none. Of
    ``form_id`` only if given."""
    query: Select[Any] = join_submitted(select(*columns).select_from(Audit))
    return query if form_id is None else query.where(AuditRevision.form_id == form_id)


def head_forms(db: Session, form_id: str | None = None) -> dict[FormKey, FormDef]:
    """The form versions the finalized current revisions were filled in, by form id and
    version. An unknown ``form_id`` is a UserError that lists the workspace's forms."""
    if form_id is not None:
        find_version(db, form_id)
    keys = db.execute(_heads(form_id, AuditRevision.form_id, AuditRevision.form_version)
                      .distinct().order_by(AuditRevision.form_id, AuditRevision.form_version))
    return {(fid, version): form_definition(find_version(db, fid, version))
            for fid, version in keys.all()}


def head_attachments(db: Session, forms: dict[FormKey, FormDef],
                     form_id: str | None = None) -> list[AttachmentRef]:
    """The files of the finalized current revisions (``forms`` as ``head_forms`` gives)."""
    rows = db.execute(_heads(form_id, Audit.uuid, AuditRevision.form_id,
                             AuditRevision.form_version, Attachment.question_path,
                             Attachment.filename, Attachment.sha256)
                      .join(Attachment, Attachment.revision_uuid == AuditRevision.uuid))
    return [AttachmentRef(audit, forms[(fid, version)], path, filename, sha)
            for audit, fid, version, path, filename, sha in rows]


def submissions(db: Session, forms: dict[FormKey, FormDef], form_id: str | None = None,
                batch: int | None = None) -> Iterator[Submission]:
    """The finalized current revisions, of ``form_id`` only if given, by form and then oldest
    audit first, read ``batch`` (default: BATCH) at a time (``forms`` as ``head_forms``
    gives)."""
    heads = db.execute(_heads(form_id, Audit.uuid, AuditRevision.uuid)
                       .order_by(AuditRevision.form_id, Audit.created_at, Audit.uuid)).all()
    for part in batches(heads, batch or BATCH):
        chunk = {head: audit for audit, head in part}
        files: dict[str, dict[str, tuple[str, str]]] = {}
        for revision, path, filename, sha in db.execute(
                select(Attachment.revision_uuid, Attachment.question_path,
                       Attachment.filename, Attachment.sha256)
                .where(Attachment.revision_uuid.in_(chunk))):
            files.setdefault(revision, {})[path] = (filename, sha)
        revisions = {row.uuid: row for row in db.execute(
            select(AuditRevision.uuid, AuditRevision.number, AuditRevision.form_id,
                   AuditRevision.form_version, AuditRevision.status, AuditRevision.answers,
                   AuditRevision.saved_at, AuditRevision.author, AuditRevision.team,
                   AuditRevision.device_name, AuditRevision.device_id)
            .where(AuditRevision.uuid.in_(chunk)))}
        for head, audit in chunk.items():
            row = revisions[head]
            yield Submission(
                audit, head, row.number, forms[(row.form_id, row.form_version)], row.form_id,
                row.form_version, row.status, dict(row.answers), row.saved_at, row.author,
                row.team, row.device_name, row.device_id, files.get(head, {}))
