"""Errors raised when a form cannot be loaded, located by file, sheet and row."""

from __future__ import annotations

from dataclasses import dataclass

from fieldsafe.errors import UserError
from fieldsafe.i18n import _


@dataclass(frozen=True, slots=True)
class FormProblem:
    """One thing wrong with a form, at a sheet and row when they are known."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def where(self) -> str:
        if self.sheet and self.row:
            text = _("sheet '{sheet}' row {row}").format(sheet=self.sheet, row=self.row)
        elif self.sheet:
            text = _("sheet '{sheet}'").format(sheet=self.sheet)
        else:
            return ""
        if self.column:
            text += ", " + _("column '{column}'").format(column=self.column)
        return text


class FormLoadError(UserError):
    """A form that cannot be used. ``problems`` holds each problem with its location."""

    def __init__(self, file: str, problems: list[FormProblem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.lines()[0] if len(problems) == 1 else "\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem: ``FILE: sheet 'survey' row 12: what is wrong``."""
        out = []
        for p in self.problems:
            where = p.where()
            out.append(f"{self.file}: {where}: {p.message}" if where else
                       f"{self.file}: {p.message}")
        return out


class UnreadableFormError(FormLoadError):
    """The file is not a readable XLSForm workbook at all (one line, no sheet or row)."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(file, [FormProblem(message)])
