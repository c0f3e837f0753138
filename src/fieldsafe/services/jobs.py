"""Long use cases report progress through a Progress object, which also carries a cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fieldsafe.errors import UserError
from fieldsafe.i18n import _


class Cancelled(UserError):
    """The user cancelled; whatever the work had written is undone."""

    def __init__(self) -> None:
        super().__init__(_("cancelled; nothing was changed"))


class Progress:
    """Passed into a long use case: it calls ``step`` as it goes, and ``step`` raises
    Cancelled once ``cancel`` was called (from any thread)."""

    def __init__(self, callback: Callable[[int, int, str], None] | None = None) -> None:
        self._callback = callback
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def step(self, done: int, total: int, what: str = "") -> None:
        if self._cancelled.is_set():
            raise Cancelled
        if self._callback is not None:
            self._callback(done, total, what)


NO_PROGRESS = Progress()
