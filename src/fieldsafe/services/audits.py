"""Audit use cases: start, edit, finalize and retire audits, each revision kept in a chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.forms.answers import instance_json, load_answers
from fieldsafe.forms.model import FormDef
from fieldsafe.forms.session import DeviceInfo, FormSession
from fieldsafe.forms.validation import Problem, problems
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.services.audit_content import (
    IngestedFile,
    attachment_rows,
    find_question,
    geometries,
    ingest_file,
)
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.records import resolve_audit, resolve_campaign
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Audit, AuditRevision, Media

DRAFT, FINALIZED, RETIRED = "draft", "finalized", "retired"


@dataclass
class AuditResult:
    """What a save did: the audit, its current revision and what keeps it from being valid."""

    id: str
    revision: int
    revision_uuid: str
    status: str
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "revision": self.revision, "revision_uuid": self.revision_uuid,
                "status": self.status, "problems": [p.as_dict() for p in self.problems]}


def _fill(workspace: Workspace, form: FormDef, answers: dict[str, Any],
          now: Callable[[], datetime]) -> FormSession:
    identity = workspace.identity
    session = FormSession(form, now=now, device=DeviceInfo(deviceid=identity.device_id,
                                                           username=identity.user))
    unknown = load_answers(session, answers)
    if unknown:
        raise UserError(_("the answers do not fit form '{form_id}': {problems}").format(
            form_id=form.form_id, problems="; ".join(p.message for p in unknown)))
    return session


def _attach(workspace: Workspace, session: FormSession, photos: dict[str, Path],
            files: dict[str, IngestedFile]) -> None:
    """Store the given files and answer their questions with the file names; ``files``
    collects what was stored, so that a failure can take it back."""
    from fieldsafe.services.audit_content import question_path

    for path, source in photos.items():
        element, node = find_question(session, path)
        if element.qtype not in ("image", "audio", "video", "file", "osm"):
            raise UserError(_("'{path}' is a {kind} question, not a photo or file").format(
                path=path, kind=element.qtype))
        ingested = ingest_file(workspace.media, source, element)
        node.value = ingested.filename
        files[question_path(session, node)] = ingested
    session.recompute()


def _refuse_invalid_finalize(found: list[Problem]) -> None:
    if found:
        listed = "; ".join(f"{p.path or p.name} ({p.kind}): {p.message}" for p in found[:10])
        more = _(" and {n} more").format(n=len(found) - 10) if len(found) > 10 else ""
        raise UserError(_("cannot finalize: {n} problem(s): {listed}{more}").format(
            n=len(found), listed=listed, more=more))


def _write_revision(db: Session, workspace: Workspace, audit: Audit, revision: AuditRevision,
                    session: FormSession, files: dict[str, IngestedFile],
                    previous: AuditRevision | None) -> None:
    ident = workspace.identity
    session.mark_end()
    revision.answers = instance_json(session)
    name = session.compiled.ref_paths.get("instanceName")
    revision.instance_name = session.value("instanceName") if name else ""
    revision.device_id, revision.device_name = ident.device_id, ident.device_name
    revision.author, revision.team = ident.user, ident.team
    for ingested in files.values():
        if db.get(Media, ingested.sha256) is None:
            db.add(ingested.media)
            db.flush()
    wanted = {a.question_path: a for a in attachment_rows(
        session, files, previous.attachments if previous else [])}
    for existing in list(revision.attachments):  # a draft saved again: update in place
        fresh = wanted.pop(existing.question_path, None)
        if fresh is None:
            revision.attachments.remove(existing)
        else:
            existing.filename, existing.sha256 = fresh.filename, fresh.sha256
    revision.attachments.extend(wanted.values())
    revision.geometries = geometries(session)
    audit.head_uuid = revision.uuid
    audit.status = revision.status
    audit.modified_at = revision.saved_at


def _discard_new_media(workspace: Workspace, files: dict[str, IngestedFile]) -> None:
    """After a failed save, remove the files it stored that nothing refers to."""
    with workspace.transaction() as db:
        for ingested in files.values():
            if ingested.new and db.get(Media, ingested.sha256) is None:
                workspace.media.remove(ingested.sha256)


def new_audit(workspace: Workspace, form_id: str, answers: dict[str, Any], *,
              form_version: str | None = None, campaign: str | None = None,
              photos: dict[str, Path] | None = None, finalize: bool = False,
              now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Start an audit from a form; it is saved as a draft, or finalized if it is valid."""
    with workspace.transaction() as db:
        record = find_version(db, form_id, form_version)
        form = form_definition(record)
        campaign_uuid = resolve_campaign(db, campaign).uuid if campaign else None
    session = _fill(workspace, form, answers, now)
    files: dict[str, IngestedFile] = {}
    try:
        _attach(workspace, session, photos or {}, files)
        found = problems(session)
        if finalize:
            _refuse_invalid_finalize(found)
        stamp = now()
        with workspace.transaction() as db:
            audit = Audit(uuid=new_id(), form_id=form.form_id,
                          campaign_uuid=campaign_uuid, status=DRAFT, created_at=stamp,
                          modified_at=stamp)
            revision = AuditRevision(uuid=new_id(), audit_uuid=audit.uuid,
                                     parent_uuid=None, number=1, form_id=form.form_id,
                                     form_version=record.version,
                                     status=FINALIZED if finalize else DRAFT,
                                     created_at=stamp, saved_at=stamp)
            db.add(audit)
            db.add(revision)
            _write_revision(db, workspace, audit, revision, session, files, None)
    except BaseException:
        _discard_new_media(workspace, files)
        raise
    return AuditResult(audit.uuid, 1, revision.uuid, revision.status, found)


def edit_audit(workspace: Workspace, audit_id: str, answers: dict[str, Any], *,
               photos: dict[str, Path] | None = None, finalize: bool = False,
               now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Change an audit's answers (given answers replace those of the same name). A draft is
    saved in place; a finalized audit gets a new revision, its parent kept in history."""
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        head = _head(db, audit)
        if head.status == RETIRED:
            raise UserError(_("audit {id} is retired and cannot be edited").format(
                id=audit.uuid))
        form = form_definition(find_version(db, head.form_id, head.form_version))
        merged = {**head.answers, **answers}
        audit_uuid = audit.uuid
    session = _fill(workspace, form, merged, now)
    files: dict[str, IngestedFile] = {}
    try:
        _attach(workspace, session, photos or {}, files)
        found = problems(session)
        if finalize:
            _refuse_invalid_finalize(found)
        stamp = now()
        with workspace.transaction() as db:
            audit = resolve_audit(db, audit_uuid)
            head = _head(db, audit)
            status = FINALIZED if finalize else DRAFT
            if head.status == DRAFT:
                revision, previous = head, head
                revision.status, revision.saved_at = status, stamp
            else:
                revision = _next_revision(audit, head, status, stamp)
                db.add(revision)
                previous = head
            _write_revision(db, workspace, audit, revision, session, files, previous)
    except BaseException:
        _discard_new_media(workspace, files)
        raise
    return AuditResult(audit_uuid, revision.number, revision.uuid, revision.status, found)


def retire_audit(workspace: Workspace, audit_id: str,
                 now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Retire an audit: a new revision that says so; nothing is deleted."""
    stamp = now()
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        head = _head(db, audit)
        if head.status == RETIRED:
            raise UserError(_("audit {id} is already retired").format(id=audit.uuid))
        revision = _next_revision(audit, head, RETIRED, stamp)
        revision.answers = dict(head.answers)
        revision.instance_name = head.instance_name
        ident = workspace.identity
        revision.device_id, revision.device_name = ident.device_id, ident.device_name
        revision.author, revision.team = ident.user, ident.team
        db.add(revision)
        db.flush()
        for old in head.attachments:
            from fieldsafe.storage.models import Attachment

            revision.attachments.append(Attachment(question_path=old.question_path,
                                                   filename=old.filename, sha256=old.sha256))
        audit.head_uuid, audit.status, audit.modified_at = revision.uuid, RETIRED, stamp
        return AuditResult(audit.uuid, revision.number, revision.uuid, RETIRED)


def _next_revision(audit: Audit, head: AuditRevision, status: str,
                   stamp: datetime) -> AuditRevision:
    return AuditRevision(uuid=new_id(), audit_uuid=audit.uuid, parent_uuid=head.uuid,
                         number=head.number + 1, form_id=head.form_id,
                         form_version=head.form_version, status=status,
                         answers=dict(head.answers), created_at=stamp, saved_at=stamp)


def _head(db: Session, audit: Audit) -> AuditRevision:
    head = db.get(AuditRevision, audit.head_uuid) if audit.head_uuid else None
    if head is None:
        head = db.scalars(select(AuditRevision).where(AuditRevision.audit_uuid == audit.uuid)
                          .order_by(AuditRevision.number.desc())).first()
    if head is None:
        raise UserError(_("audit {id} has no revisions").format(id=audit.uuid))
    return head
