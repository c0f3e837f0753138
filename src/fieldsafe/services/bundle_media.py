"""Receiving (files): a bundle's new photos and files copied into the media store by the
workspace's media worker while its records are checked and merged; all on disk before the
merge commits, and removed again if the bundle is refused or the merge fails."""

from __future__ import annotations

import contextlib
from types import TracebackType

from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.services.bundle_check import Checked
from fieldsafe.services.jobs import Progress
from fieldsafe.services.media_worker import CopyJob, RunningCopy
from fieldsafe.services.records import batches
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import Media
from fieldsafe.sync.archive import BundleReader

POLL_SECONDS = 0.05  # how often waiting for the copy shows its progress and sees a cancel


class MediaCopy:
    """Copies the bundle's new media files in the workspace's media worker, started on
    entering the ``with`` block; ``written`` lists the SHA-256 of each file this copy
    added, once the copy has ended.

    ``wait`` returns once every new file is in the store, flushed to disk, and raises what
    copying the first failed file (in the bundle's order) raised, as copying them one after
    the other would: bytes that do not match their SHA-256, a full disk; or Cancelled. Call
    it before the records that name those files are committed. Leaving the block (or
    :meth:`close`) stops the copy at its next file or chunk and waits for it, so that
    ``written`` stays put; :meth:`undo` then removes what it lists, after a refusal or a
    failed merge."""

    def __init__(self, workspace: Workspace, reader: BundleReader, checked: Checked,
                 progress: Progress) -> None:
        self.workspace, self.progress = workspace, progress
        self._bundle: tuple[BundleReader, Checked] | None = (reader, checked)  # until started
        self.written: list[str] = []
        self._new: list[str] = []  # not in the store before this copy
        self._running: RunningCopy | None = None

    def __enter__(self) -> MediaCopy:
        # Not kept: a copy waiting to be undone (its merge not yet committed) does not keep
        # its bundle's records alive.
        assert self._bundle is not None, "a copy is started once"
        (reader, checked), self._bundle = self._bundle, None
        store = self.workspace.media
        media = checked.records["media"]
        new = [m for m in media if not store.has(m.sha256)]
        self._new = [m.sha256 for m in new]
        if new:
            names = [f"{kind}/{m.sha256}" for m in new for kind in ("media", "thumbs")]
            entries = checked.manifest.entries
            self._running = self.workspace.media_worker().run(CopyJob(
                bundle=reader.path, limits=reader.limits, store_root=store.root,
                files=tuple((m.sha256, m.mime) for m in new),
                entries={n: checked.entry(n) for n in names if n in entries}))
        return self

    def wait(self) -> None:
        running, count = self._running, len(self._new)
        if running is None:
            return
        while True:
            try:
                running.result(POLL_SECONDS)
                break
            except TimeoutError:
                self.progress.step(min(running.done, count), count, _("photos and files"))
        self.written = self._added(running)
        self.progress.step(count, count, _("photos and files"))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the copy (if it is still running) and wait for it; ``written`` is then
        final. Leaving the block does this too."""
        if self._running is not None:
            self._running.stop()  # nothing left to do if it already ended
            self._running.finish()
            self.written = self._added(self._running)

    def undo(self) -> None:
        """After a refusal or a failed merge (before its records are rolled back, or
        after): stop the copy and remove the files it wrote, with their thumbnails and the
        folders it made for them. A file that a committed record names stays: another
        import (a second window, the command line) found it here and merged a bundle that
        has it.
        One that cannot be removed stays (no record names it) and the others still go."""
        self.close()
        media = self.workspace.media
        try:
            with self.workspace.transaction() as db:
                named = {sha for batch in batches(self.written) for sha in db.scalars(
                    select(Media.sha256).where(Media.sha256.in_(batch)))}
        except UserError:  # the database cannot be read now: keep them all, to be safe
            named = set(self.written)
        for sha in self.written:
            if sha in named:
                continue
            folders = [media.path(sha).parent, media.thumbnail_path(sha).parent]
            try:
                media.remove(sha)
            except MediaError:  # the disk is failing: it stays, unused, and the rest go
                continue
            for folder in folders:  # the folders this merge made, if now empty
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def _added(self, running: RunningCopy) -> list[str]:
        """The files this copy put in the store, as the worker says; if a worker process
        died under it, those that were missing before and are there now."""
        written = running.written
        if written is None:
            return [sha for sha in self._new if self.workspace.media.has(sha)]
        return written
