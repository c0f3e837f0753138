"""One audit open for editing in the desktop app: its form session, files and saving."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fieldsafe.errors import UserError
from fieldsafe.forms.model import FormDef
from fieldsafe.forms.validation import Problem, problems
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.i18n import _
from fieldsafe.services.audit_content import (
    FileAnswer,
    IngestedFile,
    distinct_name,
    ingest_file,
    question_path,
)
from fieldsafe.services.audits import refuse_invalid_finalize, start_session
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
from fieldsafe.storage.models import Audit, AuditRevision, Media


class AuditEditor:
    """Holds the live form session of one audit. The desktop takes a :meth:`snapshot` on its
    GUI thread and hands it to :meth:`write` on a worker thread, so typing never waits for
    the disk. Saves of one editor must not overlap (the caller queues them)."""

    def __init__(self, workspace: Workspace, form: FormDef, version: str,
                 answers: dict[str, object], *, audit_id: str | None = None,
                 files: dict[str, FileAnswer] | None = None, status: str = DRAFT,
                 campaign_uuid: str | None = None,
                 now: Callable[[], datetime] = datetime.now) -> None:
        self.workspace, self.form, self.version = workspace, form, version
        self.session = start_session(workspace, form, answers, now)
        self.audit_id = audit_id
        self.revision_uuid: str | None = None  # the revision the changes are made on
        self.saved_at: datetime | None = None  # ...as it was saved when read or written
        self.in_conflict = False  # the last save left the audit with two versions
        self.status = status
        self.campaign_uuid = campaign_uuid
        self.files: dict[str, FileAnswer] = dict(files or {})
        self._pending: list[Media] = []
        self._lock = threading.Lock()  # write() runs on a worker while the GUI attaches files
        self._now = now

    @classmethod
    def new(cls, workspace: Workspace, form_id: str, *, campaign: str | None = None,
            form_version: str | None = None) -> AuditEditor:
        with workspace.transaction() as db:
            record = find_version(db, form_id, form_version)
            campaign_uuid = resolve_campaign(db, campaign).uuid if campaign else None
            version = record.version
            form = form_definition(record)
        return cls(workspace, form, version, {}, campaign_uuid=campaign_uuid)

    @classmethod
    def open(cls, workspace: Workspace, audit_id: str) -> AuditEditor:
        with workspace.transaction() as db:
            audit = resolve_audit(db, audit_id)
            head = head_revision(db, audit)
            refuse_redacted(head)
            if head.status == RETIRED:
                raise UserError(_(
                    "audit {id} is retired, so it can no longer be edited; its answers stay "
                    "in its history, and its PDF report can still be exported").format(
                    id=audit.uuid[:8]))
            record = find_version(db, head.form_id, head.form_version)
            form = form_definition(record)
            answers, files = dict(head.answers), head_files(head)
            status, audit_uuid, campaign = head.status, audit.uuid, audit.campaign_uuid
            head_uuid, saved_at = head.uuid, head.saved_at
        editor = cls(workspace, form, record.version, answers, audit_id=audit_uuid,
                     files=files, status=status, campaign_uuid=campaign)
        editor.revision_uuid, editor.saved_at = head_uuid, saved_at
        return editor

    # -- files ------------------------------------------------------------------------------
    def attach(self, node: XNode, source: Path) -> FileAnswer:
        """Store ``source`` (once, by content) and answer the file question ``node`` with it."""
        return self.apply(node, self.ingest(node, source))

    def ingest(self, node: XNode, source: Path) -> IngestedFile:
        """Store ``source`` in the media store, with its EXIF and thumbnail. Touches no form
        state, so it may run on a worker thread; then call :meth:`apply` on the GUI thread."""
        return ingest_file(self.workspace.media, source, self.session.element_of(node))

    def apply(self, node: XNode, ingested: IngestedFile) -> FileAnswer:
        """Answer the file question ``node`` with a stored file (under a name no other
        file of the audit has: see :func:`distinct_name`)."""
        where = question_path(self.session, node)
        ingested = distinct_name(ingested, self.files, where)
        with self._lock:
            if not any(m.sha256 == ingested.sha256 for m in self._pending):
                self._pending.append(ingested.media)  # its Media row is saved with the answer
        self.session.set_value(node, ingested.filename)
        answer = ingested.answer()
        self.files[where] = answer
        return answer

    def detach(self, node: XNode) -> None:
        self.files.pop(question_path(self.session, node), None)
        self.session.set_value(node, "")

    def file_for(self, node: XNode) -> FileAnswer | None:
        found = self.files.get(question_path(self.session, node))
        return found if found is not None and found.filename == node.value else None

    def set_caption(self, node: XNode, caption: str) -> None:
        path = question_path(self.session, node)
        current = self.files.get(path)
        if current is None:
            raise UserError(_("no file to caption"))
        self.files[path] = FileAnswer(current.filename, current.sha256, caption)

    def thumbnail(self, node: XNode) -> Path | None:
        found = self.file_for(node)
        if found is None:
            return None
        path = self.workspace.media.thumbnail_path(found.sha256)
        return path if path.exists() else None

    def photo_position(self, node: XNode) -> tuple[float, float] | None:
        """The (lat, lon) in the photo's EXIF, if it has one."""
        found = self.file_for(node)
        if found is None:
            return None
        with self.workspace.transaction() as db:
            media = db.get(Media, found.sha256)
            info = dict(media.info) if media is not None else {}
        for pending in self._pending:
            if pending.sha256 == found.sha256:
                info = dict(pending.info)
        lat, lon = info.get("latitude"), info.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return float(lat), float(lon)
        return None

    def location_question(self, node: XNode) -> XNode | None:
        """The geopoint a photo's position should go to: the one with role 'location' in the
        same repeat instance (a finding), else the first geopoint beside it."""
        parent = node.parent
        while parent is not None:
            candidates = [c for c in parent.descendants()
                          if c.parent is not None and not c.children
                          and self._is_geopoint(c)]
            located = [c for c in candidates if self.session.element_of(c).role == "location"]
            if located or candidates:
                return (located or candidates)[0]
            parent = parent.parent
        return None

    def _is_geopoint(self, node: XNode) -> bool:
        try:
            return self.session.element_of(node).qtype == "geopoint"
        except KeyError:
            return False

    # -- saving -------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        return problems(self.session)

    def snapshot(self) -> Snapshot:
        with self._lock:
            pending = list(self._pending)
        return take_snapshot(self.session, self.version, self.files, pending)

    def write(self, snapshot: Snapshot, *, finalize: bool = False) -> AuditRevision:
        """Save ``snapshot``: a draft (in place) or, with ``finalize``, the final revision,
        made on the revision this editor opened or last saved (a revision received meanwhile
        makes a conflict instead of being written over)."""
        revision = store(self.workspace, self.audit_id, snapshot,
                         FINALIZED if finalize else DRAFT, campaign_uuid=self.campaign_uuid,
                         base=self.revision_uuid, seen=self.saved_at, now=self._now)
        with self.workspace.transaction() as db:  # saved beside a change made elsewhere?
            audit = db.get(Audit, revision.audit_uuid)
            in_conflict = bool(audit is not None and audit.conflict)
        with self._lock:
            self.in_conflict = in_conflict
            self.audit_id = revision.audit_uuid
            self.revision_uuid = revision.uuid
            self.saved_at = revision.saved_at
            self.status = revision.status
            self._pending = [m for m in self._pending if m not in snapshot.media]
        return revision

    def finalize(self) -> AuditRevision:
        refuse_invalid_finalize(self.problems(), self.session.form)
        return self.write(self.snapshot(), finalize=True)
