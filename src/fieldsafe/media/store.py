"""A content-addressed store of photos and attachments: ``root/<sha[:2]>/<sha256>``.

Files are written atomically (a temporary file in the destination folder, flushed to disk,
then renamed over the destination), so a crash leaves either the whole file or none.
Storing the same bytes twice keeps one copy. Thumbnails and downscaled copies are caches
kept beside the originals, under ``thumbs/`` and ``derived/``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from fieldsafe.i18n import _
from fieldsafe.media.errors import MediaError
from fieldsafe.media.hashing import is_sha256, read_chunks, sha256_of_file

TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"


class MediaStore:
    """Originals by SHA-256 under ``root``, plus thumbnail and downscaled-copy caches."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise MediaError(self.root, _("cannot create the media folder: {why}").format(
                why=err.strerror or err)) from None

    # Originals -------------------------------------------------------------------------

    def put_file(self, source: Path) -> str:
        """Store a copy of ``source``; its SHA-256. Already stored (and intact): no copy made."""
        sha256 = sha256_of_file(source)
        if not self._intact(sha256):
            _atomic_write(self.path(sha256), read_chunks(source), expected=sha256, source=source)
        return sha256

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not self._intact(sha256):
            _atomic_write(self.path(sha256), [data], expected=sha256)
        return sha256

    def put_stream(self, chunks: Iterable[bytes], sha256: str, *, checked: bool = False,
                   sync_folder: bool = True) -> bool:
        """Store bytes that must hash to ``sha256`` (from a sync bundle, say); whether a new
        file was written. Bytes that do not match write nothing (MediaError).

        ``checked``: ``chunks`` checks the hash itself and raises before it ends if the
        bytes do not match (a bundle's checked stream), so they are not hashed again here;
        the file is moved into place only once the chunks ended without an error.
        ``sync_folder=False``: the file is flushed to disk before it is renamed into place,
        but the rename is flushed later, by :meth:`sync_folders` (once for many files).
        """
        if self._intact(sha256):
            return False
        _atomic_write(self.path(sha256), chunks, expected=None if checked else sha256,
                      sync_folder=sync_folder)
        return True

    def sync_folders(self, sha256s: Iterable[str]) -> None:
        """Flush to disk the renames that put these originals in place, each folder once."""
        for folder in sorted({self.path(sha256).parent for sha256 in sha256s}):
            _sync_folder(folder)

    def path(self, sha256: str) -> Path:
        """Where the original with this SHA-256 is (or would be) stored.

        Raises ValueError unless ``sha256`` is 64 lowercase hex digits, so no name can
        reach outside the store.
        """
        return self.root / _checked(sha256)[:2] / sha256

    def has(self, sha256: str) -> bool:
        """Whether an original with this SHA-256 is stored."""
        return self.path(sha256).is_file()

    def verify(self, sha256: str) -> bool:
        """Whether the stored original is there and its bytes still hash to ``sha256``."""
        path = self.path(sha256)
        if not path.is_file():
            return False
        return sha256_of_file(path) == sha256

    def iter_hashes(self) -> Iterator[str]:
        """The SHA-256 of every stored original, in order (caches and temporary files skipped)."""
        for folder in sorted(self.root.iterdir()):
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            for file in sorted(folder.iterdir()):
                if is_sha256(file.name) and file.name[:2] == folder.name and file.is_file():
                    yield file.name

    # Caches ----------------------------------------------------------------------------

    def thumbnail_path(self, sha256: str) -> Path:
        """Where the original's thumbnail is cached: ``thumbs/<sha[:2]>/<sha>.jpg``."""
        return self.root / "thumbs" / _checked(sha256)[:2] / f"{sha256}.jpg"

    def put_thumbnail(self, sha256: str, data: bytes) -> Path:
        """Cache the thumbnail of an original (JPEG bytes); its path."""
        path = self.thumbnail_path(sha256)
        _atomic_write(path, [data], durable=False)  # a cache: made again if a crash loses it
        return path

    def derived_path(self, sha256: str, max_pixels: int) -> Path:
        """Where the copy downscaled to ``max_pixels`` is cached.

        That is ``derived/<sha[:2]>/<sha>-<max>.jpg``.
        """
        if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
            raise ValueError(f"max_pixels must be a positive integer, not {max_pixels!r}")
        return self.root / "derived" / _checked(sha256)[:2] / f"{sha256}-{max_pixels}.jpg"

    def put_derived(self, sha256: str, max_pixels: int, data: bytes) -> Path:
        """Cache a downscaled copy (JPEG bytes, from :func:`photos.downscale`); its path."""
        path = self.derived_path(sha256, max_pixels)
        _atomic_write(path, [data])
        return path

    def remove(self, sha256: str) -> bool:
        """Delete an original with its thumbnail and downscaled copies; whether it was stored."""
        original = self.path(sha256)
        derived = self.derived_path(sha256, 1).parent
        existed = original.is_file()
        targets = [original, self.thumbnail_path(sha256)]
        if derived.is_dir():
            targets += [p for p in derived.iterdir() if p.name.startswith(f"{sha256}-")]
        for target in targets:
            try:
                target.unlink(missing_ok=True)
            except OSError as err:
                raise MediaError(target, _("cannot be deleted from the media store: {why}")
                                 .format(why=err.strerror or err)) from None
        return existed

    def remove_temporary_files(self, pid: int) -> int:
        """Remove the temporary files process ``pid`` left when it died mid-write (a media
        worker killed under a copy); how many. Another process's are left alone."""
        removed = 0
        for path in self.root.rglob(f"{TEMP_PREFIX}{int(pid)}-*{TEMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed

    def _intact(self, sha256: str) -> bool:
        try:
            return self.verify(sha256)
        except MediaError:  # unreadable: write it again
            return False


def _checked(sha256: str) -> str:
    if not is_sha256(sha256):
        raise ValueError(f"not a SHA-256 hex digest (64 lowercase hex digits): {sha256!r}")
    return sha256


def _atomic_write(path: Path, chunks: Iterable[bytes], *, expected: str | None = None,
                  source: Path | None = None, durable: bool = True,
                  sync_folder: bool = True) -> None:
    """Write ``chunks`` to ``path`` atomically.

    With ``expected``, the bytes must hash to it or nothing is written: a ``source`` that
    changed while it was being copied is a MediaError naming it.
    """
    try:
        handle, temp_name = _temporary(path.parent)
    except OSError as err:
        raise _cannot_write(path, err) from None
    temp, moved = Path(temp_name), False
    try:
        digest = hashlib.sha256() if expected is not None else None
        try:  # on the file descriptor: no buffered file object (and its system calls)
            for chunk in chunks:
                if digest is not None:
                    digest.update(chunk)
                _write_all(handle, chunk)
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
        if digest is not None and digest.hexdigest() != expected:
            raise MediaError(source or path, _("the file changed while it was being "
                                               "copied into the media store; try again"))
        temp.replace(path)  # os.replace: atomic, and overwrites on Windows too
        moved = True
    except OSError as err:
        raise _cannot_write(path, err) from None
    finally:
        if not moved:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    if durable and sync_folder:
        _sync_folder(path.parent)


def _temporary(folder: Path) -> tuple[int, str]:
    """A new temporary file in ``folder`` (made first if it is missing), open for writing."""
    prefix = f"{TEMP_PREFIX}{os.getpid()}-"  # whose it is, if its writer dies
    try:
        return tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=folder)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=folder)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX; Windows cannot open folders this way)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _cannot_write(path: Path, err: OSError) -> MediaError:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):  # as the database says it
        return MediaError(path, _("the disk is full; free some space and try again (nothing "
                                  "was saved)"))
    return MediaError(path, _("cannot be written to the media store: {why}").format(
        why=err.strerror or err))
