"""The zip layer of sync bundles: atomic writing, and hostile-input-safe, streaming reading."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import shutil
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, BinaryIO, Self

from fieldsafe.i18n import _
from fieldsafe.outputs import shared_mode, temp_stem
from fieldsafe.sync.errors import (
    BundleError,
    check_directory,
    check_entries,
    damaged,
    is_safe_name,
    os_reason,
    size_text,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
CHUNK = 1024 * 1024
#: What zipfile raises on a damaged archive (a bad UTF-8 name is a ValueError).
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError, RuntimeError, struct.error, OSError)


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold before it is refused (protection against hostile files)."""

    max_entries: int = 500_000
    max_entry_bytes: int = 2 * 1024**3  # one uncompressed entry
    max_total_bytes: int = 64 * 1024**3  # all entries uncompressed
    max_ratio: float = 100.0  # uncompressed / compressed, for entries above ratio_floor_bytes
    ratio_floor_bytes: int = 1024 * 1024
    max_manifest_bytes: int = 64 * 1024**2
    max_line_bytes: int = 16 * 1024**2  # one JSON Lines record
    max_signature_bytes: int = 64 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Entry:
    """An entry's SHA-256 (lowercase hex) and uncompressed size, as the manifest lists them."""

    sha256: str
    size: int


def _size_mismatch(path: Path, name: str, actual: int, expected: int) -> BundleError:
    return BundleError.entry(path, _("entry '{name}' holds {actual} bytes, but the manifest "
                                     "says {expected}"), name, actual=actual, expected=expected)


def _read(path: Path, name: str, raw: IO[bytes], size: int) -> bytes:
    """``raw.read(size)``, with zipfile's errors (and I/O errors) as :class:`BundleError`."""
    try:
        return raw.read(size)
    except OSError as err:
        raise BundleError.entry(path, _("entry '{name}' could not be read ({reason})"), name,
                                reason=os_reason(err)) from err
    except _DAMAGED as err:
        raise BundleError.entry(path, _("entry '{name}' is damaged and cannot be read"),
                                name) from err


class CheckedStream(io.RawIOBase):
    """An entry's bytes, handed out as decompressed; the read that reaches the expected size
    checks nothing follows and the SHA-256 matches (if not, discard what was read)."""

    def __init__(self, path: Path, name: str, raw: IO[bytes], expected: Entry) -> None:
        super().__init__()
        self._path, self._name, self._raw, self._expected = path, name, raw, expected
        self._digest, self._count, self._done = hashlib.sha256(), 0, False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if size == 0 or self._done:
            return b""
        path, name, data = self._path, self._name, b""
        if (want := min(size, self._expected.size - self._count)) > 0:
            if not (data := _read(path, name, self._raw, want)):
                raise _size_mismatch(path, name, self._count, self._expected.size)
            self._count += len(data)
            self._digest.update(data)
        if self._count >= self._expected.size:
            self._done = True  # never decompresses more than the expected size + 1 byte
            if _read(path, name, self._raw, 1):
                raise BundleError.entry(path, _("entry '{name}' holds more data than the "
                                                "manifest says"), name)
            if self._digest.hexdigest() != self._expected.sha256.lower():
                raise BundleError.entry(path, _("entry '{name}' does not match its SHA-256 in "
                                                "the manifest (damaged or altered)"), name)
        return data

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class BundleReader:
    """Opens a bundle for reading and checks its whole directory before anything is read."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path, self.limits = path, limits
        try:
            self._file: BinaryIO = path.open("rb")
        except OSError as err:
            raise BundleError(path, _("cannot be read ({reason})").format(
                reason=os_reason(err))) from err
        self._zip: zipfile.ZipFile | None = None
        try:
            self._zip = self._open_zip()
            infos = self._zip.infolist()
            if not any(info.orig_filename == MANIFEST_NAME for info in infos):
                raise BundleError(path, _("no manifest.json: not a FieldSafe bundle"))
            self._infos = check_entries(path, infos, limits)
            self.manifest_bytes = self._read_small(MANIFEST_NAME, limits.max_manifest_bytes)
            self.signature: bytes | None = (
                self._read_small(SIGNATURE_NAME, limits.max_signature_bytes)
                if SIGNATURE_NAME in self._infos else None)
        except BaseException:
            self.close()
            raise

    def _open_zip(self) -> zipfile.ZipFile:
        try:
            count = check_directory(self.path, self._file, self.limits.max_entries)
            archive = zipfile.ZipFile(self._file)
        except _DAMAGED as err:
            raise damaged(self.path) from err
        if len(archive.infolist()) != count:
            archive.close()
            raise damaged(self.path)
        return archive

    def _info(self, name: str) -> zipfile.ZipInfo:
        if (info := self._infos.get(name)) is None:
            raise BundleError.entry(self.path, _("entry '{name}' listed in the manifest is "
                                                 "missing"), name)
        return info

    def _open_raw(self, info: zipfile.ZipInfo) -> IO[bytes]:
        if self._zip is None:
            raise ValueError("the bundle is closed")
        try:
            return self._zip.open(info)
        except _DAMAGED as err:
            raise BundleError.entry(self.path, _("entry '{name}' is damaged and cannot be read"),
                                    info.orig_filename) from err

    def _read_small(self, name: str, limit: int) -> bytes:
        info, data = self._info(name), b""
        if info.file_size <= limit:
            with self._open_raw(info) as raw:  # in case the size declared lies
                data = _read(self.path, name, raw, limit + 1)
        if info.file_size > limit or len(data) > limit:
            raise BundleError(self.path, _("{name} is {size}, more than the {limit} allowed")
                              .format(name=name, size=size_text(max(info.file_size, len(data))),
                                      limit=size_text(limit)))
        return data

    def names(self) -> list[str]:
        """Every entry's name except manifest.json and manifest.sig, in the zip's order."""
        return [name for name in self._infos if name not in (MANIFEST_NAME, SIGNATURE_NAME)]

    def size(self, name: str) -> int:
        """The uncompressed size the zip declares for ``name``."""
        return self._info(name).file_size

    def open_checked(self, name: str, expected: Entry) -> CheckedStream:
        """A stream of the entry's bytes that fails unless they match ``expected``."""
        info = self._info(name)
        if info.file_size != expected.size:
            raise _size_mismatch(self.path, name, info.file_size, expected.size)
        return CheckedStream(self.path, name, self._open_raw(info), expected)

    def read_lines(self, name: str, expected: Entry) -> Iterator[bytes]:
        """The JSON Lines of an entry without their newline; blank lines are skipped."""
        limit = self.limits.max_line_bytes
        with io.BufferedReader(self.open_checked(name, expected), CHUNK) as stream:
            for number in itertools.count(1):
                if not (line := stream.readline(limit + 1)):  # memory stays within the limit
                    return
                if line.endswith(b"\n"):
                    line = line[:-1]
                elif len(line) > limit:
                    raise BundleError.entry(self.path, _("entry '{name}' line {number} is longer "
                                                         "than {limit}"), name, number=number,
                                            limit=size_text(limit))
                if line and not line.isspace():
                    yield line

    def copy_to(self, name: str, expected: Entry, out: BinaryIO, chunk: int = CHUNK) -> None:
        """Copy an entry into ``out``; if it fails, what was written must be discarded."""
        with self.open_checked(name, expected) as stream:
            shutil.copyfileobj(stream, out, chunk)

    def verify_all(self, entries: Mapping[str, Entry], *,
                   bytes_of: Callable[[str], bool] = lambda _name: True) -> None:
        """Check the bundle holds exactly ``entries`` (besides manifest.json and manifest.sig)
        and that each one's bytes (each one ``bytes_of`` names; of the others, only the size
        the zip's directory gives) match its size and SHA-256."""
        for name in entries:
            self._info(name)
        if extra := [name for name in self.names() if name not in entries]:
            raise BundleError.entry(self.path, _("entry '{name}' is in the bundle but not in "
                                                 "its manifest"), extra[0])
        for name, expected in entries.items():
            if not bytes_of(name):  # its size as the zip's directory tells it, no more
                if self._info(name).file_size != expected.size:
                    raise BundleError.entry(self.path, _(
                        "entry '{name}' is not the size its manifest says (damaged or "
                        "altered)"), name)
                continue
            with self.open_checked(name, expected) as stream:
                while stream.read(CHUNK):
                    pass

    def close(self) -> None:
        """Close the bundle file; idempotent."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class BundleWriter:
    """Writes a bundle to a temporary file beside ``path``; ``finish`` renames it into place,
    so no partial bundle is ever left (a failure while writing aborts it)."""

    def __init__(self, path: Path) -> None:
        self.path, self._entries, self._finished = path, dict[str, Entry](), False
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{temp_stem(path.name)}.", suffix=".part",
                                            dir=path.parent)
        except OSError as err:
            raise BundleError(path, _("cannot be written in {folder} ({reason})").format(
                folder=path.parent, reason=os_reason(err))) from err
        self._temp, self._file = Path(temp), os.fdopen(handle, "w+b")
        self._zip: zipfile.ZipFile | None = zipfile.ZipFile(self._file, "w")

    @property
    def entries(self) -> dict[str, Entry]:
        """Everything added so far, by name (not manifest.json or manifest.sig)."""
        return dict(self._entries)

    def _start(self, name: str, compress: bool, reserved: bool = False,
               ) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
        if self._zip is None:
            raise ValueError("the bundle writer is closed")
        if not is_safe_name(name) or (not reserved and name in (MANIFEST_NAME, SIGNATURE_NAME)):
            raise ValueError(f"not a valid bundle entry name: {name!r}")
        if name in self._entries:
            raise ValueError(f"entry {name!r} added twice")
        info = zipfile.ZipInfo(name, time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        return self._zip, info

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError as err:
            self.abort()
            raise BundleError(self.path, _("could not be written in {folder} ({reason})")
                              .format(folder=self.path.parent, reason=os_reason(err))) from err
        except BaseException:
            self.abort()
            raise

    def _added(self, name: str, sha256: str, size: int) -> Entry:
        self._entries[name] = entry = Entry(sha256, size)
        return entry

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> Entry:
        """Add an entry holding ``data``."""
        archive, info = self._start(name, compress)
        with self._writing():
            archive.writestr(info, data)
        return self._added(name, hashlib.sha256(data).hexdigest(), len(data))

    def add_lines(self, name: str, lines: Iterable[bytes], *, compress: bool = True) -> Entry:
        """Add a JSON Lines entry, streamed: each item is one line without its newline."""
        archive, info = self._start(name, compress)
        digest, size, buffer = hashlib.sha256(), 0, bytearray()
        with self._writing(), archive.open(info, "w", force_zip64=True) as out:
            for line in lines:
                if b"\n" in line:
                    raise ValueError(f"a line given for {name!r} holds a newline")
                buffer += line
                buffer += b"\n"
                if len(buffer) >= CHUNK:
                    size += _flush(buffer, digest, out)
            size += _flush(buffer, digest, out)
        return self._added(name, digest.hexdigest(), size)

    def add_file(self, name: str, source: Path, *, compress: bool = False) -> Entry:
        """Add the bytes of ``source``, streamed (stored by default: media are compressed)."""
        archive, info = self._start(name, compress)
        try:
            handle = source.open("rb")
        except OSError as err:
            raise BundleError(self.path, _("cannot add {file} ({reason})").format(
                file=source, reason=os_reason(err))) from err
        digest, size = hashlib.sha256(), 0
        with handle, self._writing(), archive.open(info, "w", force_zip64=True) as out:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        return self._added(name, digest.hexdigest(), size)

    def finish(self, manifest: bytes, signature: bytes | None = None) -> Path:
        """Write manifest.json (and manifest.sig) last, then move the bundle into place."""
        archive, info = self._start(MANIFEST_NAME, True, reserved=True)
        with self._writing():
            archive.writestr(info, manifest)
            if signature is not None:
                archive.writestr(self._start(SIGNATURE_NAME, False, reserved=True)[1], signature)
            archive.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._temp.chmod(shared_mode())  # mkstemp's file is private; a bundle travels
            self._temp.replace(self.path)
            self._finished, self._zip = True, None
        with suppress(OSError):  # make the rename durable (POSIX; Windows cannot open folders)
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file (nothing once finished); idempotent."""
        if self._finished:
            return
        archive, self._zip = self._zip, None
        with suppress(OSError):
            self._file.close()
        if archive is not None:
            with suppress(OSError, ValueError):  # the file is closed: this writes nothing
                archive.close()
        with suppress(OSError):
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.abort()  # nothing once finished


def _flush(buffer: bytearray, digest: hashlib._Hash, out: IO[bytes]) -> int:
    """Hash and write ``buffer``, empty it, and say how many bytes it held."""
    digest.update(buffer)
    out.write(buffer)
    size = len(buffer)
    buffer.clear()
    return size
