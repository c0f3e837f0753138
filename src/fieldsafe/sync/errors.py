"""Sync bundle errors, their wording, and the checks a zip's directory must pass to be read."""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fieldsafe.errors import UserError
from fieldsafe.i18n import _

if TYPE_CHECKING:
    from fieldsafe.sync.archive import Limits

_SYMLINK, _FOLDER, _REGULAR = 0o120000, 0o040000, 0o100000
_ENCRYPTED, _PATCHED = 0x1 | 0x40, 0x20  # flag bits: encryption; "compressed patched data"
_EOCD, _EOCD64 = struct.Struct("<4s4H2LH"), struct.Struct("<4sQ2H2L4Q")
_ZIP64_END = _EOCD64.size + 20  # the zip64 end record, then its locator
_RECORD = struct.Struct("<4s24x3H12x")  # a central directory record: name, extra, comment sizes
#: Bytes a central directory may average per entry (ours use ~150) before it is refused.
_MAX_RECORD_BYTES = 1024


class BundleError(UserError):
    """A bundle that cannot be used; the message names the file and says why in one line."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        # Reasons quote a hostile bundle's names and values: one line, no terminal controls.
        self.reason = one_line(reason)
        super().__init__(f"{one_line(path.name or str(path))}: {self.reason}")  # ".", "/"

    @classmethod
    def entry(cls, path: Path, message: str, name: str, **values: object) -> BundleError:
        """An error about one entry: ``message`` has ``{name}``, filled with :func:`shown`."""
        return cls(path, message.format(name=shown(name), **values))

    def __reduce__(self) -> tuple[type[BundleError], tuple[Path, str]]:
        # Exceptions pickle their args; ours are (message,), not (path, reason).
        return (type(self), (self.path, self.reason))


def os_reason(err: OSError) -> str:
    """The operating system's words for ``err`` ("No space left on device")."""
    return str(err.strerror or err)


def one_line(text: str) -> str:
    """``text`` with every character that is not printable (newlines, tabs, terminal escape
    codes) written as repr writes it: ``\\n``, ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def shown(name: str, limit: int = 80) -> str:
    """An entry name for a message: one line, escaped as repr does, cut to ``limit`` characters.

    Names come from untrusted zips, so control characters must not reach the terminal.
    """
    text = ""
    for char in name:
        piece = char if char.isprintable() and char != "\\" else repr(char)[1:-1]
        if len(text) + len(piece) > limit:
            return text + "…"
        text += piece
    return text


def size_text(count: int) -> str:
    """A byte count for people: "512 bytes", "3.5 MB" (binary multiples)."""
    units = ((1024**3, _("{size} GB")), (1024**2, _("{size} MB")), (1024, _("{size} KB")))
    for unit, text in units:
        if count >= unit:
            return text.format(size=f"{count / unit:.1f}".removesuffix(".0"))
    return _("{count} bytes").format(count=count)


def is_safe_name(name: str) -> bool:
    """Whether ``name`` is a relative POSIX path that stays inside the bundle on any system."""
    if not name or len(name) > 255 or not name.isprintable():
        return False  # isprintable() is False for NUL, control, format and separator characters
    if name.startswith("/") or "\\" in name or ":" in name:  # ":" also covers drive letters
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def damaged(path: Path) -> BundleError:
    """The error for a zip that is cut short or corrupt."""
    return BundleError(path, _("not a complete FieldSafe bundle (the file is truncated or "
                               "damaged)"))


def check_directory(path: Path, handle: BinaryIO, max_entries: int) -> int:
    """Check a zip's central directory before zipfile loads it whole: found as zipfile finds it,
    no bigger than its entries need, and holding at most ``max_entries`` records (walked, not
    kept). Returns how many it holds."""
    handle.seek(0)
    head = handle.read(4)
    start = max(handle.seek(0, os.SEEK_END) - _EOCD.size - 0xFFFF, 0)
    handle.seek(start)
    tail = handle.read()
    if len(tail) >= _EOCD.size and tail[-_EOCD.size:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        at = len(tail) - _EOCD.size
    elif (at := tail.rfind(b"PK\x05\x06")) < 0 or at + _EOCD.size > len(tail):
        if not head:
            raise BundleError(path, _("the file is empty, not a FieldSafe bundle"))
        if head != b"PK\x03\x04":
            raise BundleError(path, _("not a FieldSafe bundle (not a zip file)"))
        raise damaged(path)
    count, size = _EOCD.unpack_from(tail, at)[4:6]
    if (end := start + at) >= _ZIP64_END:  # the zip64 end record and its locator
        handle.seek(end - _ZIP64_END)
        records = handle.read(_ZIP64_END)
        if records[:4] == b"PK\x06\x06" and records[_EOCD64.size:][:4] == b"PK\x06\x07":
            count, size = _EOCD64.unpack_from(records)[7:9]
            end -= _ZIP64_END
    if count > max_entries:
        raise BundleError(path, _("holds {count} entries, more than the {limit} a bundle may "
                                  "have").format(count=count, limit=max_entries))
    if size > count * _MAX_RECORD_BYTES + 0xFFFF or size > end:
        raise damaged(path)
    handle.seek(end - size)
    found = walked = 0
    while walked < size and found <= count:  # as zipfile walks it
        record = handle.read(_RECORD.size)
        if len(record) < _RECORD.size or record[:4] != b"PK\x01\x02":
            raise damaged(path)
        skip = sum(_RECORD.unpack_from(record)[1:])
        handle.seek(skip, os.SEEK_CUR)
        found, walked = found + 1, walked + _RECORD.size + skip
    if found != count:
        raise damaged(path)
    return int(count)


def check_entries(path: Path, infos: list[zipfile.ZipInfo], limits: Limits,
                  ) -> dict[str, zipfile.ZipInfo]:
    """The entries by name, once each passed the checks; the first that fails is raised."""
    checked: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:  # orig_filename: zipfile's filename is cut at a NUL
        name, kind = info.orig_filename, (info.external_attr >> 16) & 0o170000
        problem = None
        if (name.endswith("/") and is_safe_name(name[:-1])) or kind == _FOLDER:
            problem = _("unexpected folder entry '{name}'")
        elif not is_safe_name(name):
            problem = _("unsafe entry name '{name}' (path outside the bundle)")
        elif name in checked:
            problem = _("entry '{name}' appears twice")
        elif kind == _SYMLINK:
            problem = _("entry '{name}' is a symbolic link")
        elif kind not in (0, _REGULAR):
            problem = _("entry '{name}' is not a regular file")
        elif info.flag_bits & _ENCRYPTED:
            problem = _("entry '{name}' is encrypted")
        elif (info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
              or info.flag_bits & _PATCHED):
            problem = _("entry '{name}' uses a compression method FieldSafe does not read")
        elif info.file_size > limits.max_entry_bytes:
            problem = _("entry '{name}' is {size}, more than the {limit} one entry may be")
        elif (info.file_size > limits.ratio_floor_bytes
              and info.file_size > limits.max_ratio * info.compress_size):
            problem = _("entry '{name}' expands {ratio} times: refused as a zip bomb")
        elif (total := total + info.file_size) > limits.max_total_bytes:
            problem = _("entries add up to more than the {total} a bundle may hold (at '{name}')")
        if problem is not None:
            raise BundleError.entry(path, problem, name, size=size_text(info.file_size),
                                    limit=size_text(limits.max_entry_bytes),
                                    total=size_text(limits.max_total_bytes),
                                    ratio=info.file_size // max(info.compress_size, 1))
        checked[name] = info
    return checked
