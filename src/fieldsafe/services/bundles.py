"""Bundle use cases: import (check, then merge; several bundles per commit), verify, inspect."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.services.bundle_check import check_files, check_header, check_records
from fieldsafe.services.bundle_media import MediaCopy
from fieldsafe.services.bundle_merge import merge
from fieldsafe.services.bundle_read_ahead import ReadAhead
from fieldsafe.services.collector import collection_paused
from fieldsafe.services.jobs import NO_PROGRESS, Progress
from fieldsafe.services.merge_report import MergeReport
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import ReceivedBundle
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader, Entry
from fieldsafe.sync.errors import BundleError
from fieldsafe.sync.manifest import Manifest, decode_manifest
from fieldsafe.sync.signing import verify

COMMIT_SECONDS = 1.0  # a merge of several bundles commits at least this often


def import_bundle(workspace: Workspace, path: Path, *, require_signature: bool = False,
                  progress: Progress = NO_PROGRESS,
                  now: Callable[[], datetime] = datetime.now) -> MergeReport:
    """Merge one bundle. A bundle merged before (same UUID and manifest) is recognised
    before any heavy work; anything wrong refuses the whole bundle (BundleError) and leaves
    the workspace as it was."""
    with BundleMerger(workspace, now=now) as merger:
        return merger.merge(path, require_signature=require_signature, progress=progress)


def import_bundles(workspace: Workspace, paths: list[Path], *,
                   require_signature: bool = False, progress: Progress = NO_PROGRESS,
                   ) -> list[MergeReport]:
    """Merge several bundles one after the other; a refused one is reported and the others
    still merge. Any other error stops the import (raised): the bundles merged before it
    stay merged, unless the database itself failed; then those merged since the last
    commit (about a second's worth) were rolled back too, and importing again merges
    them."""
    reports = []
    with ReadAhead(workspace, paths) as read_ahead, \
            BundleMerger(workspace, read_ahead=read_ahead) as merger:
        for path in paths:
            try:
                reports.append(merger.merge(path, require_signature=require_signature,
                                            progress=progress))
            except BundleError as err:
                reports.append(MergeReport(str(path), refused=err.reason))
    return reports


class BundleMerger:
    """Merges bundles into ``workspace`` one after the other, as if each were merged and
    committed on its own, but commits several together: a commit writes every index page
    the bundle touched, and the bundles of one second touch mostly the same pages.

    Each bundle is merged in a savepoint of the group's transaction, which holds the write
    lock from its start (other writers wait for its commit), so a bundle's checks see the
    bundles merged before it. :meth:`merge` merges one: if it raises, that bundle was
    rolled back to its savepoint and its files removed, and the bundles before it are
    still to be committed, as if they had been. The group commits once ``commit_seconds``
    have passed since it began (0: after every bundle), and when the merger is closed,
    whether or not an error is leaving the block. (``commit_seconds`` None:
    ``COMMIT_SECONDS``.)

    If the database itself fails (a full disk, an I/O error, at a commit or in a bundle),
    the bundles not yet committed are rolled back with it: their files are removed, their
    reports turn into refusals that say why, and the error is raised as a UserError.

    ``read_ahead`` holds the bundles to merge, in order, and decodes the next one while
    the current one waits for its media copy and its commit."""

    def __init__(self, workspace: Workspace, *, read_ahead: ReadAhead | None = None,
                 commit_seconds: float | None = None,
                 now: Callable[[], datetime] = datetime.now) -> None:
        self.workspace, self.read_ahead, self.now = workspace, read_ahead, now
        self.commit_seconds = COMMIT_SECONDS if commit_seconds is None else commit_seconds
        self._db: Session | None = None
        self._began = 0.0
        self._pending: list[tuple[MergeReport, _Undo | None]] = []

    def merge(self, path: Path, *, require_signature: bool = False,
              progress: Progress = NO_PROGRESS) -> MergeReport:
        """Merge one bundle into the group (committed with it); see the class."""
        try:
            db = self._group()
            with db.begin_nested():
                report, undo = self._merge(db, path, require_signature, progress)
        except DBAPIError as err:
            raise self._abandon(err) from None
        self._pending.append((report, undo))
        if time.monotonic() - self._began >= self.commit_seconds:
            self.commit()
        return report

    def commit(self) -> None:
        """Commit the bundles merged since the last commit."""
        db, self._db = self._db, None
        if db is None:
            return
        try:
            db.commit()
        except DBAPIError as err:
            self._db = db
            raise self._abandon(err) from None
        db.close()
        self._pending.clear()

    def close(self) -> None:
        """Commit what is pending (see the class); the merger can be used again after."""
        self.commit()

    def __enter__(self) -> BundleMerger:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is None:
            self.close()
            return
        with contextlib.suppress(UserError):  # they were undone; the first error goes on
            self.close()

    def _group(self) -> Session:
        """The group's session, its transaction begun (waiting for other writers)."""
        if self._db is None:
            db = self.workspace.writer_session()
            try:
                db.connection()  # BEGIN IMMEDIATE: waits for the write lock
            except BaseException:
                db.close()
                raise
            self._db, self._began = db, time.monotonic()
        return self._db

    def _abandon(self, err: Exception) -> UserError:
        """The database failed: remove the files of the bundles not yet committed, roll
        them back, and make their reports say so. The error to raise."""
        failure = self.workspace.database_error(err)
        pending, self._pending = self._pending, []
        for _report, undo in pending:  # while the write lock is held, if it still is
            if undo is not None:
                undo.run(self.workspace)
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(DBAPIError):
                db.rollback()
            db.close()
        for report, _undo in pending:
            report.refused = _("not merged: {why}").format(why=failure)
            report.outcomes, report.already_imported, report.present_unlisted = [], False, 0
        return failure

    def _merge(self, db: Session, path: Path, require_signature: bool,
               progress: Progress) -> tuple[MergeReport, _Undo | None]:
        with collection_paused(), BundleReader(path) as reader:
            decoded = self.read_ahead.take(path) if self.read_ahead is not None else None
            checked = check_header(reader, db, require_signature)
            m = checked.manifest
            report = MergeReport(str(path), m.bundle_uuid, m.device.id, m.device.name, m.team,
                                 m.author, checked.signed_by, checked.trusted_as)
            before = db.scalar(select(ReceivedBundle).where(
                ReceivedBundle.bundle_uuid == m.bundle_uuid,
                ReceivedBundle.manifest_sha256 == checked.manifest_sha256).limit(1))
            if before is not None:
                report.already_imported = True
                report.present_unlisted = sum(m.counts.get(kind, 0) for kind in rec.KINDS)
                return report, None
            if decoded is not None and decoded.manifest_sha256 == checked.manifest_sha256:
                checked.records = decoded.records
            decoded = None  # not kept alive beside a second decoding
            check_files(reader, db, checked)
            # The new photos and files are copied in while the other records are checked
            # and merged (a worker process); a refusal or failure removes them again.
            with MediaCopy(self.workspace, reader, checked, progress) as copy:
                undo = _Undo(copy, [])
                try:
                    check_records(reader, db, checked)
                    merge(self.workspace, db, reader, checked, report, progress, copy,
                          undo.layers, self.now,
                          self.read_ahead.start_next if self.read_ahead is not None else None)
                except BaseException:
                    copy.undo()
                    raise
            return report, undo


@dataclass
class _Undo:
    """What removes a merged bundle's files if its group is rolled back."""

    copy: MediaCopy
    layers: list[str]  # the layer files it added

    def run(self, workspace: Workspace) -> None:
        self.copy.undo()
        for name in self.layers:
            (workspace.layers_dir / name).unlink(missing_ok=True)


def _manifest(reader: BundleReader) -> tuple[Manifest, str | None]:
    """The bundle's manifest, and the public key whose signature matches it (if any)."""
    manifest = decode_manifest(reader.manifest_bytes)
    if isinstance(manifest, str):
        raise BundleError(reader.path, manifest)
    key = verify(reader.signature, reader.manifest_bytes) if reader.signature else None
    return manifest, key


def verify_bundle(path: Path) -> dict[str, Any]:
    """Check a bundle's structure, every entry's SHA-256 and its signature, without a
    workspace; BundleError says what is wrong."""
    with BundleReader(path) as reader:
        manifest, key = _manifest(reader)
        if reader.signature is not None and key is None:
            raise BundleError(path, _("its signature does not match its manifest: the "
                                      "manifest was changed after it was signed"))
        reader.verify_all({name: Entry(sha256=e.sha256, size=e.size)
                           for name, e in manifest.entries.items()})
    return {"file": str(path), "bundle_uuid": manifest.bundle_uuid, "ok": True,
            "entries": len(manifest.entries), "signed_by": key}


def inspect_bundle(path: Path) -> dict[str, Any]:
    """What a bundle says about itself (its manifest), read without a workspace."""
    with BundleReader(path) as reader:
        m, key = _manifest(reader)
        signed = reader.signature is not None
    return {"file": str(path), "bundle_uuid": m.bundle_uuid, "format_version": m.format_version,
            "app_version": m.app_version, "created_at": m.created_at.isoformat(),
            "device_id": m.device.id, "device_name": m.device.name, "team": m.team,
            "author": m.author, "counts": dict(m.counts),
            "options": {"campaign": m.options.campaign, "since_last": m.options.since_last,
                        "include_drafts": m.options.include_drafts,
                        "with_basemaps": m.options.with_basemaps,
                        "exclude_sensitive": m.options.exclude_sensitive},
            "media_bytes": sum(e.size for n, e in m.entries.items() if n.startswith("media/")),
            "signed": signed, "signed_by": key}
