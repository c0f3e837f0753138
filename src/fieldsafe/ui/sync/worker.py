"""One long sync job on a worker thread: its progress, result, error or cancel reach the GUI."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QWidget

from fieldsafe.errors import UserError
from fieldsafe.services.jobs import Cancelled, Progress

Hook = Callable[[int, int, str], None]


class Job(QObject):
    """Runs ``work(job)`` once on a Python thread (not Qt's pool: pyproj keeps per-thread
    state, see report_export). The work passes ``job.progress`` to the services; Cancel
    makes the service's next step raise Cancelled, and the service undoes what it wrote.

    Everything comes back through this object's signals, queued to the GUI thread, in the
    order it was sent: ``stage`` and ``progressed`` as it goes, then exactly one of
    ``succeeded`` (the work's result), ``cancelled`` or ``failed`` (a message)."""

    stage = Signal(int, int, str)  # item number (from 1), item count, item name
    progressed = Signal(int, int, str)  # done, total, what (from the service)
    succeeded = Signal(object)
    cancelled = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject, name: str) -> None:
        super().__init__(parent)
        self.progress = Progress(self._step)
        #: For tests: called on the worker thread at every progress step, before the GUI
        #: hears of it (to cancel or wait at an exact point).
        self.worker_hook: Hook | None = None
        self._name = name
        self._thread: threading.Thread | None = None
        self.running = False
        self.succeeded.connect(self._stopped)
        self.cancelled.connect(self._stopped)
        self.failed.connect(self._stopped)

    def start(self, work: Callable[[Job], Any]) -> None:
        if self._thread is not None:
            raise RuntimeError("a Job runs once")
        self.running = True
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True,
                                        name=self._name)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop (safe from any thread); it stops at its next step."""
        self.progress.cancel()

    @property
    def cancel_requested(self) -> bool:
        return self.progress.cancelled

    def announce(self, number: int, count: int, name: str) -> None:
        """From the work: it starts on item ``number`` of ``count``."""
        self._emit(self.stage, number, count, name)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the thread ended (for shutting down; the GUI never waits)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _step(self, done: int, total: int, what: str) -> None:
        if self.worker_hook is not None:
            self.worker_hook(done, total, what)
        self._emit(self.progressed, done, total, what)

    def _run(self, work: Callable[[Job], Any]) -> None:
        try:
            result = work(self)
        except Cancelled:
            self._emit(self.cancelled)
        except UserError as err:
            self._emit(self.failed, str(err))
        except Exception as err:
            from fieldsafe.crash import write_crash_log

            log = write_crash_log(err)
            self._emit(self.failed, self.tr("This failed (a bug); details are in {log}")
                       .replace("{log}", str(log)))
        else:
            self._emit(self.succeeded, result)

    def _stopped(self, *_args: object) -> None:
        self.running = False

    @staticmethod
    def _emit(signal: Any, *values: object) -> None:
        with contextlib.suppress(RuntimeError):  # the dialog was deleted meanwhile
            signal.emit(*values)


class JobDialog(QDialog):
    """A window-modal dialog (one sync at a time) that runs one Job: while it runs, closing
    the dialog (Escape, the window's close button) cancels the job instead."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.job: Job | None = None
        self.worker_hook: Hook | None = None  # for tests: see Job.worker_hook

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def cancel(self) -> None:
        raise NotImplementedError

    def reject(self) -> None:
        if self.busy:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
