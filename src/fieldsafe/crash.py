"""Writes the details of an unexpected error (a bug) to a log file the user can send us."""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from fieldsafe import __version__


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("fieldsafe", appauthor=False))


def write_crash_log(err: BaseException) -> Path:
    """Append the traceback of ``err`` to the crash log and return the log's path."""
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().isoformat()} fieldsafe {__version__}\n")
            handle.write("".join(traceback.format_exception(err)))
        return path
    except OSError:
        return Path("(no log: the log folder cannot be written)")
