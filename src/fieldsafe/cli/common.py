"""Helpers shared by the CLI commands: opening the workspace, printing JSON or tables."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from fieldsafe.i18n import _


def open_ws(args: argparse.Namespace, *, create: bool = True) -> Any:
    """The workspace named by --workspace / FIELDSAFE_WORKSPACE / the default folder, with
    the built-in instruments available. ``create``: made if there is none; commands that
    only read a workspace (lists, reports, exports, checks) pass False, so that a mistyped
    folder is refused instead of made into an empty workspace."""
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import open_workspace

    workspace = open_workspace(args.workspace, create=create)
    ensure_builtin_forms(workspace)
    return workspace


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """A plain aligned table of the chosen columns."""
    if not rows:
        print(_("(none)"))
        return
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def print_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], as_json: bool) -> int:
    """A list command's output: JSON with --json, else a table of ``columns``."""
    if as_json:
        print_json(list(rows))
    else:
        print_table(rows, columns)
    return 0


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date given on the command line (argparse's ``type``: a bad one is a
    usage error, one line and exit 2, not a traceback). Only that form: Python would also
    read 2026-W49-1 and 20261201."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{text}' is not a date (use YYYY-MM-DD)").format(
            text=text)) from None
