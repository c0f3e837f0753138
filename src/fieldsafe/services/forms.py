"""Form use cases that need no workspace: check form files, and fill a form from answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldsafe.errors import UserError
from fieldsafe.forms.answers import instance_json, load_answers
from fieldsafe.forms.errors import FormLoadError
from fieldsafe.forms.loader import load_form
from fieldsafe.forms.model import FormDef
from fieldsafe.forms.session import DeviceInfo, FormSession
from fieldsafe.forms.validation import Problem, problems
from fieldsafe.i18n import _


@dataclass
class FormCheck:
    """The outcome of checking one form file."""

    path: str
    form: FormDef | None = None
    errors: list[str] = field(default_factory=list)  # one line each, with sheet and row
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.form is not None and not self.errors


def check_form_files(paths: list[str]) -> list[FormCheck]:
    """Load each file as a form; collect its errors or warnings."""
    results = []
    for path in paths:
        try:
            form = load_form(path)
        except FormLoadError as err:
            results.append(FormCheck(path, errors=err.lines()))
        else:
            results.append(FormCheck(path, form=form, warnings=list(form.warnings)))
    return results


@dataclass
class FillResult:
    """What ``forms fill`` reports: the instance that would be saved and its problems."""

    instance: dict[str, Any]
    problems: list[Problem]
    expression_errors: list[str]

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"instance": self.instance, "problems": [p.as_dict() for p in self.problems]}


# Repeats in repeats in groups: a real form's answers are a few levels deep.
MAX_ANSWER_DEPTH = 32


def read_answers(path: str) -> dict[str, Any]:
    """An answers JSON file: an object of question names to values."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(_("{file}: no such file").format(file=path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(_("{file}: cannot be read: {why}").format(file=path, why=err)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(_("{file}: not valid JSON: {why} (line {line}, column {col})").format(
            file=path, why=err.msg, line=err.lineno, col=err.colno)) from None
    except RecursionError:
        data = None  # nested far too deeply: told below
    except ValueError:  # a number of thousands of digits (Python's own limit)
        raise UserError(_("{file}: not valid JSON: a number has thousands of digits").format(
            file=path)) from None
    if data is None or _depth(data) > MAX_ANSWER_DEPTH:
        raise UserError(_("{file}: the answers are nested more than {n} levels deep; no "
                          "form's answers are").format(file=path, n=MAX_ANSWER_DEPTH))
    if not isinstance(data, dict):
        raise UserError(_("{file}: the answers must be a JSON object of question names "
                          "to values").format(file=path))
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        raise UserError(_("{file}: holds text that is not Unicode ({why})").format(
            file=path, why=err.reason)) from None
    return data


def _depth(data: Any) -> int:
    """How deeply ``data`` nests lists and objects (counted without recursion)."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            pending += [(v, level + 1) for v in (value.values() if isinstance(value, dict)
                                                 else value)]
    return deepest


def fill_form(form_path: str, answers: dict[str, Any], *, language: str | None = None,
              now: Callable[[], datetime] = datetime.now,
              device: DeviceInfo | None = None) -> FillResult:
    """Run the form engine over ``answers`` without a window, as a form author would."""
    from fieldsafe.services.reports import pick_language

    form = load_form(form_path)
    if language:  # "fr" or "French (fr)"; one the form lacks is refused, not ignored
        language = pick_language(form, language)
    session = FormSession(form, language=language, now=now, device=device)
    found = load_answers(session, answers)
    session.mark_end()
    return FillResult(instance_json(session), found + problems(session), list(session.errors))
