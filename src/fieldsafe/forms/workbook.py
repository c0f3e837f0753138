"""Reads an XLSForm through pyxform's reader and places pyxform's errors at a sheet and row."""

from __future__ import annotations

import re
import warnings as py_warnings
from collections import Counter
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import DefinitionData, get_xlsform

from fieldsafe.forms.errors import FormLoadError, FormProblem, UnreadableFormError
from fieldsafe.i18n import _

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROW_RE = re.compile(r"\[row\s*:\s*(\d+)\]\s*")
_SHEET_RE = re.compile(r"On the '(\w+)' sheet,?\s*", re.IGNORECASE)
_LEARN_MORE_RE = re.compile(r"\s*Learn more:\s*\S+\s*$")
_QUOTED_RE = re.compile(r"'([^']+)'")
SHEETS = ("survey", "choices", "settings", "external_choices", "entities")
SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".md", ".csv")


def read_definition(path: Path) -> DefinitionData:
    """The workbook's sheets as rows of cells, or an :class:`UnreadableFormError`."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableFormError(name, _("no such file")) from None
    except IsADirectoryError:
        raise UnreadableFormError(name, _("this is a folder, not a form file")) from None
    except OSError as err:
        raise UnreadableFormError(name, _("cannot be read: {why}").format(
            why=err.strerror or err)) from None
    suffix = path.suffix.lower()
    if size == 0:
        raise UnreadableFormError(name, _("the file is empty (0 bytes), not an XLSForm workbook"))
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFormError(name, _(
            "not an XLSForm: expected a .xlsx, .xls or .md file"))
    if suffix in (".xlsx", ".xlsm") and not head.startswith(_ZIP_MAGIC):
        if head.startswith(_OLE2_MAGIC):
            raise UnreadableFormError(name, _(
                "this is an old Excel 97-2003 workbook (.xls) with a .xlsx name; "
                "save it as .xlsx, or rename it to .xls"))
        raise UnreadableFormError(name, _("not an Excel .xlsx workbook (the file is not a zip "
                                          "archive; is it damaged, or another kind of file?)"))
    if suffix == ".xls" and not head.startswith(_OLE2_MAGIC):
        raise UnreadableFormError(name, _("not an Excel 97-2003 .xls workbook"))
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")  # openpyxl's notes on dropped Excel extensions
            data = get_xlsform(str(path))
    except PyXFormError as err:
        found = duplicate_header(path) if "duplicate column header" in str(err).lower() else None
        if found:
            raise FormLoadError(name, [FormProblem(_(
                "the column '{column}' appears twice in the header row").format(
                column=found[1]), found[0], 1)]) from None
        raise UnreadableFormError(name, _("not a readable workbook: {why}").format(
            why=_clean(str(err)))) from None
    except Exception as err:
        raise UnreadableFormError(name, _("not a readable workbook ({kind}: {why})").format(
            kind=type(err).__name__, why=str(err).splitlines()[0] if str(err) else "")) from None
    if not data.survey and not data.survey_header:
        sheets = ", ".join(f"'{s}'" for s in (data.sheet_names or [])) or _("none")
        raise UnreadableFormError(name, _(
            "not an XLSForm: it has no 'survey' sheet (its sheets: {sheets})").format(
            sheets=sheets))
    headers = [h.strip().lower() for h in _header(data, "survey")]
    if "type" not in headers:
        raise UnreadableFormError(name, _(
            "not an XLSForm: the survey sheet has no 'type' column (is it a data export "
            "rather than a form?)"))
    return data


def _header(data: DefinitionData, sheet: str) -> list[str]:
    rows = getattr(data, f"{sheet}_header", None) or []
    return [str(k) for row in rows for k in row]


def _clean(message: str) -> str:
    message = _LEARN_MORE_RE.sub("", message.strip())
    return " ".join(message.split())


def rows(data: DefinitionData, sheet: str) -> list[dict[str, Any]]:
    return list(getattr(data, sheet, None) or [])


def locate_error(err: PyXFormError, data: DefinitionData, path: Path) -> FormProblem:
    """Turn a pyxform error into a problem with its sheet and row, finding them in the
    workbook where pyxform's message leaves them out."""
    text = str(err)
    context = getattr(err, "context", {}) or {}
    row: int | None = None
    sheet: str | None = None
    if isinstance(context.get("row"), int):
        row = context["row"]
    if isinstance(context.get("sheet"), str):
        sheet = context["sheet"]
    m = _ROW_RE.search(text)
    if m:
        row = row or int(m.group(1))
        text = _ROW_RE.sub("", text)
    m = _SHEET_RE.search(text)
    if m and m.group(1).lower() in SHEETS:
        sheet = sheet or m.group(1).lower()
        text = _SHEET_RE.sub("", text, count=1)
        text = text[:1].upper() + text[1:]
    message = _clean(text)
    if row is None:
        sheet, row, message = _search(message, data, path, sheet)
    return FormProblem(message, sheet or "survey", row)


def _search(message: str, data: DefinitionData, path: Path,
            sheet: str | None) -> tuple[str | None, int | None, str]:
    lower = message.lower()
    if lower.startswith("duplicate column header"):
        found = duplicate_header(path)
        if found:
            return found[0], 1, message
    if "has not been included" in lower:
        row = _find_row(data, "survey", "type", lambda v: v.split()[0] == "include")
        return "survey", row, _("type 'include' is not supported: ODK forms cannot include "
                                "another section; copy its questions into this sheet")
    quoted = _QUOTED_RE.findall(message)
    if "question type" in lower and quoted:
        token = quoted[0].strip().lower()
        row = _find_row(data, "survey", "type", lambda v: v.lower().split()[0] == token
                        or v.lower() == token)
        return "survey", row, message
    for token in quoted:
        for sheet_name, column in (("survey", "name"), ("choices", "list_name"),
                                   ("choices", "list name"), ("survey", "type")):
            row = _find_row(data, sheet_name, column, lambda v, t=token: v == t)
            if row:
                return sheet_name, row, message
    return sheet or "survey", None, message


def _find_row(data: DefinitionData, sheet: str, column: str, test: Any) -> int | None:
    for number, cells in enumerate(rows(data, sheet), start=2):
        value = cells.get(column)
        if isinstance(value, str) and value.strip() and test(value.strip()):
            return number
    return None


def duplicate_header(path: Path) -> tuple[str, str] | None:
    """The (sheet, column) that appears twice in a header row, read with openpyxl."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    import openpyxl

    with py_warnings.catch_warnings():
        py_warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in book.worksheets:
            first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            names = [str(c).strip() for c in first if c is not None and str(c).strip()]
            dupes = [n for n, k in Counter(names).items() if k > 1]
            if dupes:
                return ws.title.lower(), dupes[0]
    finally:
        book.close()
    return None


def survey_rows_by_path(data: DefinitionData) -> dict[tuple[str, ...], int]:
    """Survey-sheet row number of each named row, keyed by its path of group names."""
    out: dict[tuple[str, ...], int] = {}
    stack: list[str] = []
    for number, cells in enumerate(rows(data, "survey"), start=2):
        kind = str(cells.get("type", "")).strip().lower().replace("_", " ")
        name = str(cells.get("name", "")).strip()
        if kind.startswith("end group") or kind.startswith("end repeat") or kind == "end loop":
            if stack:
                stack.pop()
            continue
        if name:
            out.setdefault((*stack, name), number)
            out.setdefault((name,), number)
        if kind.startswith(("begin group", "begin repeat", "begin loop")):
            stack.append(name)
    return out
