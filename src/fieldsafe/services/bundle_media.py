"""Receiving, step two (files): a checked bundle's new photos and files copied into the media
store on worker threads while the records merge; all on disk before the merge commits."""

from __future__ import annotations

import contextlib
import contextvars
import io
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from PIL import Image

from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.media.photos import THUMBNAIL_SIZE, make_thumbnail
from fieldsafe.services.bundle_check import Checked
from fieldsafe.services.jobs import Cancelled, Progress
from fieldsafe.services.workspace import Workspace
from fieldsafe.sync.archive import BundleReader

CHUNK = 1024 * 1024
THREADS = 3  # files copied at once: one file's wait for the disk overlaps another's work


class _Stopped(Exception):
    """The copy of a file was not started or finished: the merge already failed."""


class MediaCopy:
    """Copies the bundle's new media files on worker threads, started on entering the
    ``with`` block; ``written`` lists the SHA-256 of each file this copy added so far.

    ``wait`` returns once every new file is in the store, flushed to disk, and raises what
    copying the first failed file (in the bundle's order) raised, as copying them one after
    the other would: bytes that do not match their SHA-256, a cancel. Call it before the
    records that name those files are committed. Leaving the block stops the copy at its
    next file or chunk (a failed merge) and waits for the threads, so that ``written``
    stays put while the caller removes what it lists."""

    def __init__(self, workspace: Workspace, reader: BundleReader, checked: Checked,
                 progress: Progress, threads: int = THREADS) -> None:
        self.workspace, self.reader, self.checked, self.progress = (
            workspace, reader, checked, progress)
        self.written: list[str] = []
        self._threads = threads
        self._stop = threading.Event()  # the merge failed: stop now
        self._lock = threading.Lock()
        self._done = 0
        self._first_failed: int | None = None  # files after it are not started
        self._pool: ThreadPoolExecutor | None = None
        self._files: list[Future[None]] = []

    def __enter__(self) -> MediaCopy:
        media = self.checked.records["media"]
        if media:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="fieldsafe-media")
            for index, record in enumerate(media):
                context = contextvars.copy_context()  # the caller's language for messages
                self._files.append(self._pool.submit(context.run, self._copy, index,
                                                     record.sha256, record.mime, len(media)))
        return self

    def wait(self) -> None:
        for copied in self._files:
            copied.exception()  # all of them ended
        for copied in self._files:
            copied.result()  # the first that failed raises
        self.workspace.media.sync_folders(self.written)  # the renames, each folder once

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _chunks(self, name: str) -> Iterator[bytes]:
        with self.reader.open_checked(name, self.checked.entry(name)) as stream:
            while chunk := stream.read(CHUNK):
                if self._stop.is_set():
                    raise _Stopped
                yield chunk

    def _copy(self, index: int, sha: str, mime: str, count: int) -> None:
        with self._lock:
            failed = self._first_failed
            if self._stop.is_set() or (failed is not None and failed < index):
                raise _Stopped
        try:
            if self.progress.cancelled:
                raise Cancelled
            self._copy_file(sha, mime)
            with self._lock:  # steps 1, 2, 3 ... whichever file ends first
                self._done += 1
                self.progress.step(self._done, count, _("photos and files"))
        except BaseException:
            with self._lock:
                if self._first_failed is None or index < self._first_failed:
                    self._first_failed = index
            raise

    def _copy_file(self, sha: str, mime: str) -> None:
        store = self.workspace.media
        if store.has(sha):
            return
        # The bundle's stream checks the SHA-256 (and size) as it is read: hashed once.
        # The rename into place is flushed by wait(), once per folder.
        if store.put_stream(self._chunks(f"media/{sha}"), sha, checked=True,
                            sync_folder=False):
            with self._lock:
                self.written.append(sha)
        thumb, made = f"thumbs/{sha}", store.thumbnail_path(sha).exists()
        if not made and thumb in self.checked.manifest.entries:
            # The sender's cached thumbnail, if it is one: no need to decode the photo.
            data = b"".join(self._chunks(thumb))
            if made := is_thumbnail(data):
                store.put_thumbnail(sha, data)
        if not made and mime.startswith("image/"):
            # A photo Pillow cannot read is shown without a thumbnail.
            with contextlib.suppress(MediaError):
                store.put_thumbnail(sha, make_thumbnail(store.path(sha)))


def is_thumbnail(data: bytes) -> bool:
    """Whether ``data`` is a JPEG that reports can show as a thumbnail, as make_thumbnail
    writes them (RGB or grey, its longest side at most THUMBNAIL_SIZE; a sent thumbnail
    larger than that is made again here)."""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            if max(image.size) > THUMBNAIL_SIZE or image.mode not in ("RGB", "L"):
                return False
            # All of its coded data is decoded (a cut or damaged JPEG fails here), at the
            # smallest scale: the pixels themselves are not needed.
            image.draft(image.mode, (1, 1))
            image.load()
    except Exception:  # Pillow's decoders raise many kinds of error for crafted data
        return False
    return True
