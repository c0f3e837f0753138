"""Saves an audit's draft within a second of every change, on a worker thread."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from fieldsafe.errors import UserError
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.recovery import mark_open
from fieldsafe.services.revisions import Snapshot

QUIET_MS = 250  # save this long after typing pauses...
LATEST_MS = 700  # ...but never later than this after the first unsaved change (a kill
# during a save loses at most this plus one write: under the promised second)


class _Signals(QObject):
    done = Signal(str)  # the audit id
    failed = Signal(str)  # a user-facing message


class _SaveJob(QRunnable):
    def __init__(self, editor: AuditEditor, snapshot: Snapshot, signals: _Signals) -> None:
        super().__init__()
        self.editor, self.snapshot, self.signals = editor, snapshot, signals

    def run(self) -> None:
        try:
            revision = self.editor.write(self.snapshot)
            mark_open(self.editor.workspace, revision.audit_uuid)
        except UserError as err:
            self.signals.failed.emit(str(err))
        else:
            self.signals.done.emit(revision.audit_uuid)


class AutoSaver(QObject):
    """Call :meth:`changed` after every edit. The answers are snapshotted on the GUI thread
    (fast) and written by one worker, one save at a time; a failed save (full disk, locked
    database) is retried and the answers stay in the form meanwhile."""

    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, editor: AuditEditor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.enabled = True
        self._dirty_since: float | None = None
        self._in_flight = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.save_now)
        self._signals = _Signals(self)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)

    @property
    def dirty(self) -> bool:
        return self._dirty_since is not None or self._in_flight

    def changed(self) -> None:
        now = time.monotonic()
        if self._dirty_since is None:
            self._dirty_since = now
        if not self.enabled:
            return
        waited_ms = (now - self._dirty_since) * 1000
        self._timer.start(int(max(0, min(QUIET_MS, LATEST_MS - waited_ms))))

    def save_now(self) -> None:
        if self._dirty_since is None:
            return
        if self._in_flight:
            self._timer.start(50)  # the next save follows the one being written
            return
        self._dirty_since = None
        self._in_flight = True
        self.pool.start(_SaveJob(self.editor, self.editor.snapshot(), self._signals))

    def flush(self) -> None:
        """Save what is unsaved and wait for it (when the window closes)."""
        self._timer.stop()
        self.pool.waitForDone()
        if self._dirty_since is not None:
            self._dirty_since = None
            try:
                self.editor.write(self.editor.snapshot())
            except UserError:
                self._dirty_since = time.monotonic()
                raise

    def _done(self, audit_id: str) -> None:
        self._in_flight = False
        self.saved.emit(audit_id)

    def _failed(self, message: str) -> None:
        self._in_flight = False
        if self._dirty_since is None:
            self._dirty_since = time.monotonic()
        self.failed.emit(message)
        self._timer.start(3000)  # try again; the answers are still in the form
