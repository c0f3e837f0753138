"""Where and how a command writes the file the user named: a plain file, whole or not at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from fieldsafe.errors import UserError
from fieldsafe.i18n import _


def check_output_file(path: Path) -> Path:
    """``path`` made absolute, if a file may be written there (created, or put in place of
    a regular file of that name); else a :class:`UserError` saying why. The file is written
    beside it and renamed over it, so a device (/dev/null), a named pipe or a socket there
    would be replaced by a plain file: those are refused, as a folder is."""
    target = Path(path).absolute()
    if target.name in ("", ".", ".."):
        raise UserError(_("cannot write {path}: it is a folder").format(path=path))
    try:
        mode = target.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # its folder is told of by the caller
        mode = None
    except OSError as err:
        raise UserError(_("cannot write {path}: {why}").format(
            path=path, why=err.strerror or err)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UserError(_("cannot write {path}: it is a folder").format(path=path))
    if mode is not None and not stat.S_ISREG(mode):
        raise UserError(_("cannot write {path}: it is not a plain file (a device, a pipe or "
                          "a socket), and would be replaced; give a file name").format(
                              path=path))
    return target


def check_output_target(path: Path) -> Path:
    """:func:`check_output_file`, and the folder it goes in is there: what a command checks
    before work whose result must not be lost for want of a place (a merge's report)."""
    target = check_output_file(path)
    if target.parent.exists() and not target.parent.is_dir():
        raise UserError(_("cannot write {path}: {folder} is a file, not a folder").format(
            path=path, folder=Path(path).parent))
    if not target.parent.is_dir():
        raise UserError(_("cannot write {path}: the folder {folder} does not exist").format(
            path=path, folder=Path(path).parent))
    return target


def temp_stem(name: str) -> str:
    """The start of ``name`` (100 bytes at most) for a temporary file or folder beside it:
    its name adds a few characters, and must stay within the 255 bytes a name may have."""
    return name.encode()[:100].decode(errors="ignore")


def write_atomically(out: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Run ``write`` on a temporary file beside ``out``, then rename it into place; on any
    error the temporary file is removed and nothing is left at ``out``."""
    out = Path(out)
    check_output_target(out)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{temp_stem(out.name)}.", suffix=".part",
                                        dir=out.parent)
    except OSError as err:
        raise UserError(_("cannot write {path}: {why}").format(
            path=out, why=err.strerror or err)) from None
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        temp.chmod(shared_mode())  # mkstemp makes it private; a report is for sharing
        temp.replace(out)
    except OSError as err:
        raise UserError(_("cannot write {path}: {why}").format(
            path=out, why=err.strerror or err)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return out


def shared_mode() -> int:
    """The mode a new file gets under the user's umask (0o644 under the usual 022): what a
    file made private by ``mkstemp`` is given before it is put in place, since a report
    or a bundle is for sharing (a shared folder, another account)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
