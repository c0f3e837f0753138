"""Receiving bundles: each checked and merged in a savepoint, several committed together."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.orm import Session, SessionTransaction

from fieldsafe import interrupts
from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.services.bundle_check import check_files, check_header, check_records
from fieldsafe.services.bundle_media import MediaCopy
from fieldsafe.services.bundle_merge import merge
from fieldsafe.services.bundle_read_ahead import Decoded, ReadAhead
from fieldsafe.services.collector import collection_paused
from fieldsafe.services.jobs import NO_PROGRESS, Progress
from fieldsafe.services.merge_report import MergeReport
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import ReceivedBundle
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader

COMMIT_SECONDS = 2.0  # a merge of several bundles commits at least this often...
PAUSE_SECONDS = 0.1  # ...and leaves the write lock free this long before it goes on: as
# long as SQLite's wait between two tries for a lock, so a waiting writer usually gets in


class BundleMerger:
    """Merges bundles into ``workspace`` one after the other, as if each were merged and
    committed on its own, but commits several together: a commit writes every index page
    the bundle touched, and the bundles of a few seconds touch mostly the same pages.

    Each bundle is merged in a savepoint of the group's transaction. That transaction holds
    the write lock from its start, so nothing comes between a bundle's checks and its
    merge, and a bundle's checks see the bundles merged before it. :meth:`merge` merges
    one: if it raises, that bundle's files were removed and its records rolled back to its
    savepoint, and the bundles before it are still to be committed, as if they had been.
    The group commits once ``commit_seconds`` (default ``COMMIT_SECONDS``; 0: after every
    bundle) have passed since it began, and when the merger is closed, whether or not an
    error is leaving the block. The next group waits ``PAUSE_SECONDS`` after a commit, so
    that another writer (an editor's autosave, a second window) can get in.

    If SQLite gives up the whole transaction (a full disk or an I/O error, at a commit or
    within a bundle), the bundles not yet committed are lost with it: their files are
    removed, their reports turn into refusals that say why, and the error is raised as a
    UserError (an interrupt stays one). Importing them again merges them.

    ``read_ahead`` holds the bundles to merge, in order, and decodes the next one while
    the current one waits for its media copy and its commit."""

    def __init__(self, workspace: Workspace, *, read_ahead: ReadAhead | None = None,
                 commit_seconds: float | None = None,
                 now: Callable[[], datetime] = datetime.now) -> None:
        self.workspace, self.read_ahead, self.now = workspace, read_ahead, now
        self.commit_seconds = COMMIT_SECONDS if commit_seconds is None else commit_seconds
        self._db: Session | None = None
        self._driver: Any = None  # the group's sqlite3 connection
        self._began = 0.0
        self._committed = -PAUSE_SECONDS  # when the last group ended (monotonic)
        self._pending: list[_Pending] = []
        self._merged: set[tuple[str, str]] = set()  # (bundle UUID, manifest SHA-256)

    def merge(self, path: Path, *, require_signature: bool = False,
              progress: Progress = NO_PROGRESS) -> MergeReport:
        """Merge one bundle into the group (committed with it); see the class."""
        interrupts.check()
        decoded = self.read_ahead.take(path) if self.read_ahead is not None else None
        db = self._group()
        savepoint = db.begin_nested()
        bundle = _Pending(MergeReport(str(path)))
        try:
            self._merge(db, path, decoded, require_signature, progress, bundle)
            del decoded
            savepoint.commit()
        except BaseException as err:
            failure = self._failed(bundle, savepoint, err)
            try:
                self._commit_if_due()  # refused bundles one after another: still commits
            except UserError as lost:  # the bundles before it were lost: that is told
                if isinstance(failure, Exception):
                    raise lost from None
            if failure is err:
                raise
            raise failure from None
        self._pending.append(bundle)
        self._commit_if_due()
        return bundle.report

    def commit(self) -> None:
        """Commit the bundles merged since the last commit."""
        db = self._db
        if db is None:
            return
        try:
            interrupts.check()  # a Ctrl+C Python dropped: not committed after it
            db.commit()
        except (DBAPIError, InvalidRequestError) as err:  # not committed: SQLite said so,
            raise self._abandon(err) from None  # or the connection was lost before
        except BaseException as err:  # interrupted (Ctrl+C): committed or not?
            if not self._saved():  # not: undone and reported as the others
                self._abandon(err)
                raise
            self._end_group()
            db.close()
            raise
        self._end_group()
        db.close()

    def _saved(self) -> bool:
        """After an interrupted commit: whether the group's bundles are in the database,
        as a new connection reads it. If that cannot be told they are taken as saved: their
        files stay (unused ones are harmless; records without their files would not be)."""
        if not self._merged:
            return True
        try:
            with self.workspace.transaction() as db:
                return received(db, next(iter(self._merged)))
        except UserError:
            return True

    def _commit_if_due(self) -> None:
        if self._db is not None and time.monotonic() - self._began >= self.commit_seconds:
            self.commit()

    def _end_group(self) -> None:
        self._db, self._driver, self._pending = None, None, []
        self._merged.clear()
        self._committed = time.monotonic()

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
        if self._db is not None:
            return self._db
        rest = self._committed + PAUSE_SECONDS - time.monotonic()
        if rest > 0:
            time.sleep(rest)
        db = self.workspace.writer_session()
        try:
            self._driver = db.connection().connection.dbapi_connection  # BEGIN IMMEDIATE
        except DBAPIError as err:
            db.close()
            raise self.workspace.database_error(err) from None
        except BaseException:
            db.close()
            raise
        self._db, self._began = db, time.monotonic()
        return db

    def _failed(self, bundle: _Pending, savepoint: SessionTransaction,
                err: BaseException) -> BaseException:
        """Undo a bundle that failed with ``err``: its files (as many as can be), then its
        savepoint; if SQLite gave up the whole transaction, or the savepoint cannot be
        rolled back, the group is abandoned. What to raise: ``err`` itself, or a UserError
        saying what the database said."""
        try:
            if bundle.undo is not None:
                bundle.undo.run(self.workspace)  # while the write lock is held
        finally:
            cause = database_cause(err)
            # Checked whatever the error: after a failed flush SQLAlchemy has already tried
            # (and failed) to roll back to the savepoint, so rolling back again does
            # nothing, and the next SAVEPOINT would start a transaction of its own. An
            # interrupt in the middle of a statement makes SQLAlchemy close the connection.
            try:
                alive = bool(self._driver.in_transaction)
            except sqlite3.Error:
                alive = False
            if not alive:
                failure: BaseException = self._abandon(cause or err)
            else:
                try:
                    savepoint.rollback()
                except BaseException as failed:
                    failure = self._abandon(cause or database_cause(failed) or failed)
                    if not isinstance(failed, Exception):
                        raise  # an interrupt (Ctrl+C) stays an interrupt
                else:
                    failure = self.workspace.database_error(cause) if cause else err
        return failure if isinstance(err, Exception) else err  # an interrupt stays one

    def _abandon(self, err: BaseException) -> UserError:
        """The transaction is lost (SQLite gave it up, or it cannot be trusted): remove
        the files of the bundles not yet committed, roll them back, and make their reports
        say so. The error to raise."""
        failure = (self.workspace.database_error(err) if isinstance(err, DBAPIError)
                   else UserError(_("the merge stopped before it was saved: {why}").format(
                       why=str(err) or type(err).__name__)))
        db, pending = self._db, self._pending
        try:
            for bundle in pending:  # while the write lock is held, if it still is
                if bundle.undo is not None:
                    bundle.undo.run(self.workspace)
        finally:
            self._end_group()
            if db is not None:
                with contextlib.suppress(DBAPIError):
                    db.rollback()
                db.close()
            for bundle in pending:
                if bundle.merged_here:
                    bundle.refuse(_("not merged: {why}").format(why=failure))
        return failure

    def _merge(self, db: Session, path: Path, decoded: Decoded | None,
               require_signature: bool, progress: Progress, bundle: _Pending) -> None:
        with collection_paused(), BundleReader(path) as reader:
            checked = check_header(reader, db, require_signature)
            m = checked.manifest
            key = (m.bundle_uuid, checked.manifest_sha256)
            report = bundle.report = MergeReport(
                str(path), m.bundle_uuid, m.device.id, m.device.name, m.team, m.author,
                checked.signed_by, checked.trusted_as)
            if received(db, key):
                # Nothing of it is read again (a re-import must stay cheap: issue 7 asks
                # for 5% of the first), but a copy that lost, gained or resized an entry
                # since is not passed as the bundle imported before. Every byte: `bundle
                # verify`, as the re-import's line says.
                reader.verify_all({name: checked.entry(name) for name in m.entries},
                                  bytes_of=lambda _name: False)
                report.already_imported = True
                report.present_unlisted = sum(m.counts.get(kind, 0) for kind in rec.KINDS)
                bundle.merged_here = key in self._merged  # else: committed before
                return
            if decoded is not None and decoded.manifest_sha256 == checked.manifest_sha256:
                checked.records = decoded.records
            check_files(reader, db, checked)
            # The new photos and files are copied in while the other records are checked
            # and merged (a worker process).
            with MediaCopy(self.workspace, reader, checked, progress) as copy:
                bundle.undo = _Undo(copy)
                check_records(reader, db, checked)
                merge(self.workspace, db, reader, checked, report, progress, copy,
                      bundle.undo.layers, self.now,
                      self.read_ahead.start_next if self.read_ahead is not None else None)
            self._merged.add(key)


@dataclass
class _Pending:
    """A bundle merged in the group (or found merged before), not yet committed."""

    report: MergeReport
    undo: _Undo | None = None  # removes its files
    merged_here: bool = True  # False: it was found merged before the group began

    def refuse(self, why: str) -> None:
        self.report.refused = why
        self.report.outcomes, self.report.already_imported = [], False
        self.report.present_unlisted = 0


@dataclass
class _Undo:
    """Removes a bundle's files (media copied in, layer files added) if its records are
    rolled back: as many as can be (one that cannot be removed stays, unused)."""

    copy: MediaCopy
    layers: list[str] = field(default_factory=list)

    def run(self, workspace: Workspace) -> None:
        with contextlib.suppress(Exception):  # a failing disk: what it could not remove stays
            self.copy.undo()
        for name in self.layers:
            with contextlib.suppress(OSError):
                (workspace.layers_dir / name).unlink(missing_ok=True)


def received(db: Session, key: tuple[str, str]) -> bool:
    """Whether the workspace merged the bundle of ``key`` (bundle UUID, manifest SHA-256)."""
    uuid, sha = key
    return db.scalar(select(ReceivedBundle.id).where(
        ReceivedBundle.bundle_uuid == uuid,
        ReceivedBundle.manifest_sha256 == sha).limit(1)) is not None


def database_cause(err: BaseException | None) -> DBAPIError | None:
    """What the database said, found in ``err`` or what led to it: the first error that is
    not SQLite's "no such savepoint" (which follows once SQLite has given up the
    transaction: SQLAlchemy's own rollback to the savepoint then fails), else that one."""
    first, seen = None, set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, DBAPIError):
            if "no such savepoint" not in str(err.orig):
                return err
            first = first or err
        err = err.__cause__ or err.__context__
    return first
