"""Runs slow work (disk, images) on the thread pool and hands the result to the GUI thread."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from fieldsafe.errors import UserError

Done = Callable[[Any], None]
Failed = Callable[[str], None]


class Background(QObject):
    """Runs work for one widget (its parent). Results come back on the GUI thread through
    this object's queued signals; once the widget is deleted, nothing more is delivered."""

    _done = Signal(int, object)
    _failed = Signal(int, str)
    _crashed = Signal(int, object)

    def __init__(self, parent: QObject, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[Done, Failed | None]] = {}
        self._done.connect(self._deliver_done)
        self._failed.connect(self._deliver_failed)
        self._crashed.connect(self._deliver_crash)

    def run(self, work: Callable[[], Any], on_done: Done,
            on_error: Failed | None = None) -> None:
        """Call ``work()`` on the pool; then ``on_done(result)`` on the GUI thread, or for a
        UserError ``on_error(message)``. Any other exception is raised on the GUI thread."""
        job_id = next(self._ids)
        self._waiting[job_id] = (on_done, on_error)
        self._pool.start(_Job(self, job_id, work))

    def pending(self) -> int:
        """How many jobs have not reported back yet."""
        return len(self._waiting)

    def _deliver_done(self, job_id: int, result: object) -> None:
        on_done, _ = self._waiting.pop(job_id)
        on_done(result)

    def _deliver_failed(self, job_id: int, message: str) -> None:
        _, on_error = self._waiting.pop(job_id)
        if on_error is not None:
            on_error(message)

    def _deliver_crash(self, job_id: int, err: object) -> None:
        self._waiting.pop(job_id, None)
        assert isinstance(err, BaseException)
        raise err  # a bug: reported like any other on the GUI thread


class _Job(QRunnable):
    def __init__(self, owner: Background, job_id: int, work: Callable[[], Any]) -> None:
        super().__init__()
        self._owner, self._id, self._work = owner, job_id, work

    def run(self) -> None:
        try:
            result = self._work()
        except UserError as err:
            self._report(self._owner._failed, str(err))
        except Exception as err:
            self._report(self._owner._crashed, err)
        else:
            self._report(self._owner._done, result)

    def _report(self, signal: Any, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the widget was closed meanwhile
            signal.emit(self._id, value)
