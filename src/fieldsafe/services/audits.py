"""Audit use cases: start, edit, finalize and retire audits, each revision kept in a chain."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from fieldsafe.errors import UserError
from fieldsafe.forms.answers import load_answers
from fieldsafe.forms.model import FormDef
from fieldsafe.forms.session import DeviceInfo, FormSession
from fieldsafe.forms.validation import Problem, problems
from fieldsafe.i18n import _
from fieldsafe.services.audit_content import (
    FILE_TYPES,
    FileAnswer,
    IngestedFile,
    distinct_name,
    find_question,
    ingest_file,
    question_path,
)
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.records import resolve_audit, resolve_campaign
from fieldsafe.services.revisions import (
    DRAFT,
    FINALIZED,
    RETIRED,
    Snapshot,
    head_files,
    head_revision,
    refuse_redacted,
    store,
    take_snapshot,
)
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Media

__all__ = ["DRAFT", "FINALIZED", "RETIRED", "AuditResult", "edit_audit", "new_audit",
           "retire_audit"]


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


def start_session(workspace: Workspace, form: FormDef, answers: dict[str, Any],
                  now: Callable[[], datetime] = datetime.now) -> FormSession:
    """A form session holding ``answers``; answers the form has no question for are refused."""
    identity = workspace.identity
    session = FormSession(form, now=now, device=DeviceInfo(deviceid=identity.device_id,
                                                           username=identity.user))
    given = {k: v for k, v in answers.items() if k != "deprecatedID"}  # kept by the store
    unknown = load_answers(session, given)
    if unknown:
        raise UserError(_("the answers do not fit form '{form_id}': {problems}").format(
            form_id=form.form_id, problems="; ".join(p.message for p in unknown)))
    return session


def attach(workspace: Workspace, session: FormSession, path: str, source: Path,
           files: dict[str, FileAnswer], stored: list[IngestedFile]) -> FileAnswer:
    """Store ``source`` for the file question at ``path`` (``finding[2]/f_photo1``) and
    answer it with the file name. ``stored`` collects what was stored, to undo on failure."""
    element, node = find_question(session, path)
    if element.qtype not in FILE_TYPES:
        raise UserError(_("'{path}' is a {kind} question, not a photo or file").format(
            path=path, kind=element.qtype))
    if not node.is_relevant():  # its answer would not be saved: nothing to attach to
        raise UserError(_("'{path}' is not asked with these answers (its relevance does "
                          "not hold), so {file} cannot be attached there").format(
            path=path, file=source.name))
    where = question_path(session, node)
    ingested = distinct_name(ingest_file(workspace.media, source, element), files, where)
    stored.append(ingested)
    session.set_value(node, ingested.filename)
    answer = ingested.answer()
    files[where] = answer
    return answer


def discard_unused_media(workspace: Workspace, stored: list[IngestedFile]) -> None:
    """After a failed save, remove the files it stored that nothing refers to. Under
    SQLite's write lock (BEGIN IMMEDIATE): a save of another window or process that found
    one of these files in the store commits its record of it either before this looks
    (the file stays) or after, when it finds the file gone and is refused (see
    revisions.store) instead of naming a missing file."""
    if not any(i.new for i in stored):
        return
    db = workspace.writer_session()
    try:
        db.connection()  # BEGIN IMMEDIATE
        for ingested in stored:
            if ingested.new and db.get(Media, ingested.sha256) is None:
                workspace.media.remove(ingested.sha256)
        db.rollback()
    except DBAPIError as err:
        raise workspace.database_error(err) from None
    finally:
        db.close()


def refuse_invalid_finalize(found: list[Problem], form: FormDef | None = None) -> None:
    """Refuse to finalize with these problems, each named by its question's label where
    ``form`` is given (and its place in a repeat), else by its path."""
    if found:
        listed = "; ".join(f"{_where(p, form)}: {p.message}" for p in found[:10])
        more = _(" and {n} more").format(n=len(found) - 10) if len(found) > 10 else ""
        raise UserError(_("cannot finalize: {n} problem(s): {listed}{more}").format(
            n=len(found), listed=listed, more=more))


def _where(problem: Problem, form: FormDef | None) -> str:
    element = form.by_name().get(problem.name) if form is not None else None
    label = element.label() if element is not None else ""
    if not label:
        return f"{problem.path or problem.name} ({problem.kind})"
    repeats = re.findall(r"([^/\[\]]+)\[(\d+)\]", problem.path)
    return label + "".join(f" ({name} {number})" for name, number in repeats)


def _save(workspace: Workspace, audit_id: str | None, session: FormSession, version: str,
          files: dict[str, FileAnswer], photos: dict[str, Path], finalize: bool,
          campaign_uuid: str | None, now: Callable[[], datetime],
          base: str | None = None, seen: datetime | None = None) -> AuditResult:
    stored: list[IngestedFile] = []
    try:
        waiting = list(photos.items())
        while waiting:  # a photo question asked once another photo is given: after it
            last, waiting = waiting, []
            for path, source in last:
                _element, node = find_question(session, path)
                if not node.is_relevant() and len(last) > 1:
                    waiting.append((path, source))
                    continue
                attach(workspace, session, path, source, files, stored)
            if len(waiting) == len(last):  # none became relevant: the first one says so
                attach(workspace, session, *waiting[0], files, stored)
        found = problems(session)
        if finalize:
            refuse_invalid_finalize(found, session.form)
        snapshot: Snapshot = take_snapshot(session, version, files, [s.media for s in stored])
        revision = store(workspace, audit_id, snapshot, FINALIZED if finalize else DRAFT,
                         campaign_uuid=campaign_uuid, base=base, seen=seen, now=now)
    except BaseException:
        with contextlib.suppress(UserError):  # the save's own error is the one to tell
            discard_unused_media(workspace, stored)
        raise
    return AuditResult(revision.audit_uuid, revision.number, revision.uuid, revision.status,
                       found)


def new_audit(workspace: Workspace, form_id: str, answers: dict[str, Any], *,
              form_version: str | None = None, campaign: str | None = None,
              photos: dict[str, Path] | None = None, finalize: bool = False,
              now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Start an audit from a form; it is saved as a draft, or finalized if it is valid."""
    with workspace.transaction() as db:
        record = find_version(db, form_id, form_version)
        form = form_definition(record)
        campaign_uuid = resolve_campaign(db, campaign).uuid if campaign else None
    session = start_session(workspace, form, answers, now)
    return _save(workspace, None, session, record.version, {}, photos or {}, finalize,
                 campaign_uuid, now)


def edit_audit(workspace: Workspace, audit_id: str, answers: dict[str, Any], *,
               photos: dict[str, Path] | None = None, finalize: bool = False,
               now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Change an audit's answers (given answers replace those of the same name). A draft
    made here is saved in place; any other head gets a new revision, its parent kept in
    history. A copy received without its sensitive answers is refused."""
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        head = head_revision(db, audit)
        if head.status == RETIRED:
            raise UserError(_("audit {id} is retired and cannot be edited").format(
                id=audit.uuid))
        refuse_redacted(head)
        record = find_version(db, head.form_id, head.form_version)
        form = form_definition(record)
        merged = {**head.answers, **answers}
        files = head_files(head)
        audit_uuid, head_uuid, seen = audit.uuid, head.uuid, head.saved_at
    session = start_session(workspace, form, merged, now)
    # ``seen``: a draft saved again meanwhile (the desktop, another command) is kept, and
    # this change made beside it, a conflict, rather than written over it.
    return _save(workspace, audit_uuid, session, record.version, files, photos or {},
                 finalize, None, now, base=head_uuid, seen=seen)


def retire_audit(workspace: Workspace, audit_id: str,
                 now: Callable[[], datetime] = datetime.now) -> AuditResult:
    """Retire an audit: a new revision that says so; nothing is deleted."""
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_id)
        head = head_revision(db, audit)
        if head.status == RETIRED:
            raise UserError(_("audit {id} is already retired").format(id=audit.uuid))
        refuse_redacted(head)
        snapshot = Snapshot(head.form_id, head.form_version, dict(head.answers),
                            head.instance_name, audit.period,
                            [_geometry_dict(g) for g in head.geometries], head_files(head))
        audit_uuid, head_uuid = audit.uuid, head.uuid
    revision = store(workspace, audit_uuid, snapshot, RETIRED, always_new=True,
                     base=head_uuid, now=now)
    return AuditResult(audit_uuid, revision.number, revision.uuid, RETIRED)


def _geometry_dict(g: Any) -> dict[str, Any]:
    return {k: getattr(g, k) for k in ("question_path", "kind", "role", "geojson", "length_m",
                                       "area_m2", "min_lon", "min_lat", "max_lon", "max_lat")}
