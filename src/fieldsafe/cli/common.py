"""Helpers shared by the CLI commands: opening the workspace, printing JSON or tables."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from fieldsafe.errors import UserError
from fieldsafe.i18n import _


def open_ws(args: argparse.Namespace) -> Any:
    """The workspace named by --workspace / FIELDSAFE_WORKSPACE / the default folder, with
    the built-in instruments available."""
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import open_workspace

    workspace = open_workspace(args.workspace)
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
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(_("'{text}' is not a date (use YYYY-MM-DD)").format(text=text)) from None
