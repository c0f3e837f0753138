"""Where a command may write the file the user named: a file name, never a device or a pipe."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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


def shared_mode() -> int:
    """The mode a new file gets under the user's umask (0o644 under the usual 022): what a
    file made private by ``mkstemp`` is given before it is put in place, since a report
    or a bundle is for sharing (a shared folder, another account)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
