"""Writing a revision: a plain snapshot of a filled form, stored as one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.forms.answers import instance_json
from fieldsafe.forms.session import FormSession
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.services.audit_content import FileAnswer, file_answers, geometries
from fieldsafe.services.audit_heads import leaves, refresh_heads
from fieldsafe.services.records import resolve_audit
from fieldsafe.services.workspace import Identity, Workspace
from fieldsafe.storage.models import (
    Attachment,
    Audit,
    AuditRevision,
    Geometry,
    Media,
    SentDraft,
)

DRAFT, FINALIZED, RETIRED = "draft", "finalized", "retired"


@dataclass(frozen=True)
class Snapshot:
    """Everything a revision stores, taken from a form session in one go (on the thread
    that owns the session); writing it needs nothing else, so it can happen elsewhere."""

    form_id: str
    form_version: str
    answers: dict[str, Any]
    instance_name: str
    period: str
    geometries: list[dict[str, Any]]
    files: dict[str, FileAnswer]
    media: list[Media] = field(default_factory=list)  # files stored for this save


def take_snapshot(session: FormSession, form_version: str, files: dict[str, FileAnswer],
                  media: list[Media] | None = None) -> Snapshot:
    session.mark_end()
    answers = instance_json(session)
    form = session.form
    name = session.value("instanceName") if "instanceName" in session.compiled.ref_paths \
        else ""
    periods = form.with_role("period")
    period = answers.get(periods[0].answer_key, "") if periods else ""
    return Snapshot(form.form_id, form_version, answers, name,
                    period if isinstance(period, str) else "", geometries(session),
                    file_answers(session, files), list(media or []))


def head_revision(db: Session, audit: Audit) -> AuditRevision:
    head = db.get(AuditRevision, audit.head_uuid) if audit.head_uuid else None
    if head is None:
        head = db.scalars(select(AuditRevision).where(AuditRevision.audit_uuid == audit.uuid)
                          .order_by(AuditRevision.number.desc())).first()
    if head is None:
        raise UserError(_("audit {id} has no revisions").format(id=audit.uuid))
    return head


def refuse_redacted(revision: AuditRevision) -> None:
    """Refuse to change a copy received without its sensitive answers: whatever is saved
    from it would lack them, and would replace the full copy on every device."""
    if revision.redacted:
        raise UserError(_("audit {id}: the copy on this laptop was sent without its "
                          "sensitive answers; change it on a laptop that has the full "
                          "copy").format(id=revision.audit_uuid))


def store(workspace: Workspace, audit_id: str | None, snapshot: Snapshot, status: str, *,
          campaign_uuid: str | None = None, always_new: bool = False,
          base: str | None = None, seen: datetime | None = None,
          now: Callable[[], datetime] = datetime.now) -> AuditRevision:
    """Save ``snapshot`` as a revision of the audit: a new audit when ``audit_id`` is None.
    ``base`` is the revision the change was made on (default: the head). A draft made on
    this device that no other revision continues is updated in place; any other base gets
    a new revision whose parent it is (ODK's deprecatedID); ``always_new`` makes a new
    revision even over such a draft (a retirement). The head and conflict flag then follow
    from the revision graph: a change made on an old base beside a newer revision is a
    conflict, both kept. ``seen`` is when the base was saved as the caller read it: a draft
    saved again since (another window or process) is not written over; the change is kept
    beside it, a conflict, both kept. One transaction: all of it or nothing."""
    stamp = now()
    with workspace.transaction() as db:
        parent: AuditRevision | None = None
        if audit_id is None:
            audit = Audit(uuid=new_id(), form_id=snapshot.form_id, campaign_uuid=campaign_uuid,
                          status=status, created_at=stamp, modified_at=stamp)
            db.add(audit)
            revision = _new_revision(audit, None, snapshot, status, stamp)
            db.add(revision)
        else:
            audit = resolve_audit(db, audit_id)
            parent = _base_revision(db, audit, base)
            if parent.status == RETIRED:
                raise UserError(_("audit {id} is retired and cannot be changed").format(
                    id=audit.uuid))
            refuse_redacted(parent)
            in_place = not always_new and _own_open_draft(db, workspace.identity, parent)
            if in_place and seen is not None and parent.saved_at != seen:
                # Saved meanwhile by someone else: this change goes beside it, made on what
                # it was made on (a first revision of its own), never over it: a conflict.
                parent = db.get(AuditRevision, parent.parent_uuid) \
                    if parent.parent_uuid else None
                if parent is None and snapshot.answers.get("instanceID"):
                    snapshot = replace(snapshot, answers={
                        **snapshot.answers, "instanceID": f"uuid:{new_id()}"})
                revision = _new_revision(audit, parent, snapshot, status, stamp)
                db.add(revision)
            elif in_place:
                revision = parent
            else:
                revision = _new_revision(audit, parent, snapshot, status, stamp)
                db.add(revision)
        written = _write(db, workspace.identity, audit, revision, parent, snapshot, status,
                         stamp)
        _refuse_missing_files(workspace, snapshot)
        return written


def _refuse_missing_files(workspace: Workspace, snapshot: Snapshot) -> None:
    """Refuse to save records of files that are not in the media store. Checked once the
    records are written, so under SQLite's write lock: a failed save that removes the files
    it stored (discard_unused_media, under that lock too) cannot take one away between
    this check and the commit, and one it took just before is found missing here."""
    for media in snapshot.media:
        if not workspace.media.has(media.sha256):
            raise UserError(_("a file of this save ({sha}…) is no longer in the media store "
                              "(another save that failed removed it); attach it again")
                            .format(sha=media.sha256[:12]))


def _write(db: Session, ident: Identity, audit: Audit, revision: AuditRevision,
           parent: AuditRevision | None, snapshot: Snapshot, status: str,
           stamp: datetime) -> AuditRevision:
    """Fill ``revision`` from the snapshot with ODK's meta, then set the audit's head and
    conflict flag from its revision graph."""
    answers = _with_meta(snapshot.answers, revision, parent)
    _fill(db, ident, audit, revision, snapshot, status, stamp)
    revision.answers = answers
    db.flush()
    refresh_heads(db, [audit.uuid])
    return revision


def _base_revision(db: Session, audit: Audit, base: str | None) -> AuditRevision:
    """The revision a change was made on: ``base`` if given (it must be of ``audit``),
    else the head."""
    if base is None:
        return head_revision(db, audit)
    found = db.get(AuditRevision, base)
    if found is None or found.audit_uuid != audit.uuid:
        raise UserError(_("audit {id} no longer has the revision this change was made on; "
                          "open it again").format(id=audit.uuid))
    return found


def _own_open_draft(db: Session, ident: Identity, revision: AuditRevision) -> bool:
    """Whether ``revision`` may be saved again in place: a draft made on this device that no
    other revision continues and that never left it in a bundle. Another device's draft
    keeps its content under its UUID, a continued draft keeps what its continuation was
    made on, and a sent draft keeps what its receivers may be building on."""
    if revision.status != DRAFT or revision.device_id != ident.device_id:
        return False
    if db.get(SentDraft, revision.uuid) is not None:
        return False
    r = AuditRevision
    graph = db.execute(select(r.uuid, r.parent_uuid, r.merges)
                       .where(r.audit_uuid == revision.audit_uuid))
    return revision.uuid in leaves((uuid, parent, list(merges or []))
                                   for uuid, parent, merges in graph)


def store_resolution(workspace: Workspace, audit_uuid: str, snapshot: Snapshot, status: str,
                     sides: list[str], now: Callable[[], datetime] = datetime.now,
                     ) -> AuditRevision:
    """Save the resolution of a conflict: one new revision that continues every side in
    ``sides`` (the first is its parent, the others are merged), so the conflict closes and
    later bundles merge onto it cleanly."""
    stamp = now()
    with workspace.transaction() as db:
        audit = resolve_audit(db, audit_uuid)
        rows = [db.get(AuditRevision, uuid) for uuid in sides]
        parents = [r for r in rows if r is not None and r.audit_uuid == audit.uuid]
        if len(parents) != len(sides) or not parents:
            raise UserError(_("audit {id} has changed since its conflict was shown; look "
                              "at it again").format(id=audit.uuid))
        base = parents[0]
        revision = _new_revision(audit, base, snapshot, status, stamp)
        revision.merges = [p.uuid for p in parents[1:]]
        revision.number = max(p.number for p in parents) + 1
        db.add(revision)
        return _write(db, workspace.identity, audit, revision, base, snapshot, status, stamp)


def _with_meta(answers: dict[str, Any], revision: AuditRevision,
               head: AuditRevision | None) -> dict[str, Any]:
    """ODK's meta of a revision: a new revision gets a new instanceID and names the one it
    replaces as deprecatedID; a draft saved again keeps both."""
    out = dict(answers)
    if head is not None and revision is not head:
        old = head.answers.get("instanceID")
        if old:
            out["instanceID"] = f"uuid:{new_id()}"
            out["deprecatedID"] = old
    elif head is not None:
        for key in ("instanceID", "deprecatedID"):
            if head.answers.get(key):
                out[key] = head.answers[key]
    return out


def _new_revision(audit: Audit, parent: AuditRevision | None, snapshot: Snapshot, status: str,
                  stamp: datetime) -> AuditRevision:
    return AuditRevision(uuid=new_id(), audit_uuid=audit.uuid,
                         parent_uuid=parent.uuid if parent else None,
                         number=parent.number + 1 if parent else 1, form_id=snapshot.form_id,
                         form_version=snapshot.form_version, status=status,
                         answers=snapshot.answers, created_at=stamp, saved_at=stamp)


def _fill(db: Session, ident: Identity, audit: Audit, revision: AuditRevision,
          snapshot: Snapshot, status: str, stamp: datetime) -> None:
    revision.status, revision.saved_at = status, stamp
    revision.answers, revision.instance_name = snapshot.answers, snapshot.instance_name
    revision.form_version = snapshot.form_version
    revision.device_id, revision.device_name = ident.device_id, ident.device_name
    revision.author, revision.team = ident.user, ident.team
    for media in snapshot.media:
        if db.get(Media, media.sha256) is None:
            db.add(Media(sha256=media.sha256, size=media.size, mime=media.mime,
                         info=media.info))
    db.flush()
    wanted = dict(snapshot.files)
    for existing in list(revision.attachments):  # a draft saved again: update in place
        fresh = wanted.pop(existing.question_path, None)
        if fresh is None:
            revision.attachments.remove(existing)
        else:
            existing.filename, existing.sha256 = fresh.filename, fresh.sha256
            existing.caption = fresh.caption
    revision.attachments.extend(
        Attachment(question_path=path, filename=f.filename, sha256=f.sha256, caption=f.caption)
        for path, f in wanted.items())
    revision.geometries = [Geometry(**g) for g in snapshot.geometries]
    audit.head_uuid, audit.status = revision.uuid, status
    audit.modified_at, audit.team = stamp, revision.team
    audit.instance_name, audit.period = snapshot.instance_name, snapshot.period


def head_files(revision: AuditRevision) -> dict[str, FileAnswer]:
    return {a.question_path: FileAnswer(a.filename, a.sha256, a.caption)
            for a in revision.attachments}
