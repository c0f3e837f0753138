"""A worker process that copies a sync bundle's photos and files into a media store."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.media.photos import THUMBNAIL_SIZE, make_thumbnail
from fieldsafe.media.store import MediaStore
from fieldsafe.sync.archive import CHUNK, BundleReader, Entry, Limits

THREADS = 3  # files copied at once: one file's wait for the disk overlaps another's work
STOP, DONE = 0, 1  # the shared state: the parent asks to stop; files the worker copied


@dataclass(frozen=True)
class CopyJob:
    """The new photos and files of a checked bundle, in the bundle's order."""

    bundle: Path
    limits: Limits
    store_root: Path
    files: tuple[tuple[str, str], ...]  # (SHA-256, MIME type)
    entries: dict[str, Entry]  # media/<sha> and thumbs/<sha>, as the manifest lists them


class MediaWorker:
    """One process, started when first needed and kept until :meth:`close`, that copies
    media files for a workspace. Copying in a process of its own keeps its many small
    steps (reads, hashing, writes, flushes, thumbnail checks) from competing for Python's
    lock with the merge of the records, or with the window, running at the same time.

    One job runs at a time; :meth:`run` waits for the one before to end."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded app
        self._state: Any = None  # [STOP, DONE], shared with the process
        self._pool: ProcessPoolExecutor | None = None
        self._busy = threading.Lock()
        self._started: set[int] = set()  # the ID of the pool's process

    def run(self, job: CopyJob) -> RunningCopy:
        """Start ``job``; the returned handle must be waited for (``result`` or ``finish``)."""
        self._busy.acquire()
        try:
            future = self._submit(job)
        except BaseException:
            self._busy.release()
            raise
        return RunningCopy(self, job, future)

    @property
    def pids(self) -> list[int]:
        """The process's ID, if it is running (for diagnostics and benchmarks)."""
        pool = self._pool
        return [] if pool is None else list(getattr(pool, "_processes", None) or ())

    def close(self) -> None:
        """End the process (after the job it is running, if any)."""
        with self._busy:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _submit(self, job: CopyJob) -> Future[list[str]]:
        """Hand ``job`` to the process, started first if there is none (or if the one
        there was found dead); ``_busy`` is held."""
        if self._state is None:
            self._state = self._context.RawArray("q", 2)
        self._state[STOP] = self._state[DONE] = 0
        if self._pool is not None:
            try:
                return self._pool.submit(_copy_in_worker, job)
            except BrokenProcessPool:
                self._discard_pool(job.store_root)
        self._pool = ProcessPoolExecutor(1, mp_context=self._context, initializer=_share,
                                         initargs=(self._state,))
        future = self._pool.submit(_copy_in_worker, job)
        self._started = set(self.pids)  # started by the submit
        return future

    def _discard_pool(self, store_root: Path | None = None) -> None:
        """The process died (killed, out of memory): the next job starts a new one. Once
        it is reaped, the temporary files it was writing are removed from ``store_root``."""
        pool, self._pool = self._pool, None
        started, self._started = self._started, set()
        if pool is not None:
            pool.shutdown(wait=True)  # a broken pool has ended its processes: joins them
        if store_root is not None:
            for pid in started:
                MediaStore(store_root).remove_temporary_files(pid)


class RunningCopy:
    """A job in the worker: how far it got, a way to stop it, how it ended and which files
    it wrote. Its methods are called from the thread that started it.

    If the process dies under the job (or was found dead when the job came), the job runs
    once more in a new process: copying is idempotent, files already in place are kept."""

    def __init__(self, worker: MediaWorker, job: CopyJob, future: Future[list[str]]) -> None:
        self._worker, self._job, self._future = worker, job, future
        self._ended = self._stopped = self._retried = self._died = False
        self._written: list[str] = []
        self._error: BaseException | None = None

    @property
    def done(self) -> int:
        """How many files the worker has copied so far."""
        return 0 if self._ended else int(self._worker._state[DONE])

    @property
    def written(self) -> list[str] | None:
        """Once ended: the SHA-256 of each file the job put in the store; None if a
        process died under it, so that which ones is not known."""
        return None if self._died else list(self._written)

    def stop(self) -> None:
        """Ask the worker to stop at its next file or chunk."""
        if not self._ended:
            self._stopped = True
            self._worker._state[STOP] = 1

    def result(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds (TimeoutError if the job is still running); raise
        what the first file that failed (in the job's order) raised."""
        if not self._ended:
            self._wait(timeout)
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Wait for the job to end, however it ends (an interrupt while waiting does not
        cut the wait short: what the job wrote must be known to be undone); an interrupt
        (Ctrl+C) that came meanwhile is raised once it has ended, not lost."""
        interrupt: BaseException | None = None
        while not self._ended:
            try:
                self.result()
            except Exception:
                continue
            except BaseException as err:  # Ctrl+C, a termination: after the wait
                interrupt = interrupt or err
        if interrupt is not None:
            raise interrupt

    def _wait(self, timeout: float | None) -> None:
        while True:
            try:
                self._written = self._future.result(timeout)
            except BaseException as err:
                if not self._future.done():
                    raise  # the wait timed out or was interrupted: the job still runs
                if isinstance(err, CopyFailed):
                    self._written, self._error = err.written, err.error
                elif isinstance(err, BrokenProcessPool):
                    self._died = True
                    self._worker._discard_pool(self._job.store_root)
                    if not (self._retried or self._stopped):
                        self._retried = True
                        try:
                            self._future = self._worker._submit(self._job)
                        except BaseException as failed:
                            self._error = failed
                        else:
                            continue
                    else:
                        self._error = MediaError(self._job.store_root, _(
                            "the process copying photos and files into the media store "
                            "stopped unexpectedly; nothing was merged"))
                else:  # not from the copy itself: what it wrote is not known
                    self._died, self._error = True, err
            break
        self._ended = True
        self._worker._busy.release()


class CopyFailed(Exception):
    """A job that failed, with what it wrote before (sent back from the worker)."""

    def __init__(self, written: list[str], error: BaseException) -> None:
        super().__init__(written, error)
        self.written, self.error = written, error


# -- in the worker process -------------------------------------------------------------

_shared: Any = None


def _share(state: Any) -> None:
    global _shared
    _shared = state
    # Ctrl+C in the terminal reaches the whole process group: the app stops a copy
    # through the shared state, not through the worker's own interrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _copy_in_worker(job: CopyJob) -> list[str]:
    state = _shared
    lock = threading.Lock()
    written: list[str] = []

    def copied() -> None:
        with lock:
            state[DONE] += 1

    try:
        copy_files(job, stopped=lambda: bool(state[STOP]), copied=copied, written=written)
    except BaseException as err:
        try:
            pickle.dumps(err)
        except Exception:  # sent back as text rather than lost
            err = RuntimeError("".join(traceback.format_exception(err)))
        raise CopyFailed(written, err) from None
    return written


class _Stopped(Exception):
    """The copy of a file was not started or finished: the merge already failed."""


def copy_files(job: CopyJob, stopped: Callable[[], bool], copied: Callable[[], None],
               written: list[str], threads: int = THREADS) -> None:
    """Copy the job's files on ``threads`` threads; return once all ended, raising what the
    first one that failed (in the job's order) raised. Files after a failed one are not
    started; ``stopped()`` stops every copy at its next file or chunk. ``written`` gets
    the SHA-256 of each file put in the store, as it is (failed or not). The renames into
    place are flushed to disk before it returns."""
    store = MediaStore(job.store_root)
    first_failed: list[int] = []
    lock = threading.Lock()
    with BundleReader(job.bundle, job.limits) as reader:

        def chunks(name: str) -> Iterator[bytes]:
            with reader.open_checked(name, job.entries[name]) as stream:
                while chunk := stream.read(CHUNK):
                    if stopped():
                        raise _Stopped
                    yield chunk

        def copy(index: int, sha: str, mime: str) -> None:
            with lock:
                if stopped() or (first_failed and first_failed[0] < index):
                    raise _Stopped
            def wrote() -> None:
                with lock:
                    written.append(sha)

            try:
                _copy_file(store, chunks, job.entries, sha, mime, wrote)
                copied()
            except BaseException:
                with lock:
                    if not first_failed or index < first_failed[0]:
                        first_failed[:] = [index]
                raise

        with ThreadPoolExecutor(threads, thread_name_prefix="fieldsafe-media") as pool:
            futures = [pool.submit(copy, index, sha, mime)
                       for index, (sha, mime) in enumerate(job.files)]
        for future in futures:
            future.result()  # the first that failed raises
    store.sync_folders(written)  # the renames, each folder once


def _copy_file(store: MediaStore, chunks: Callable[[str], Iterator[bytes]],
               entries: dict[str, Entry], sha: str, mime: str,
               wrote: Callable[[], None]) -> None:
    """Copy one file and its thumbnail; ``wrote()`` is called once the file is in place
    (before its thumbnail, which can still fail)."""
    if store.has(sha):
        return
    # The bundle's stream checks the SHA-256 (and size) as it is read: hashed once.
    # The rename into place is flushed by the caller, once per folder.
    if store.put_stream(chunks(f"media/{sha}"), sha, checked=True, sync_folder=False):
        wrote()
    thumb, made = f"thumbs/{sha}", store.thumbnail_path(sha).exists()
    if not made and thumb in entries:
        # The sender's cached thumbnail, if it is one: no need to decode the photo.
        data = b"".join(chunks(thumb))
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
