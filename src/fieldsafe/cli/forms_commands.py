"""``fieldsafe forms validate`` and ``fieldsafe forms fill``: form checks with no workspace."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fieldsafe.i18n import _


def register(commands: Any) -> Any:
    """Add ``forms validate`` and ``forms fill``; returns the ``forms`` sub-command group."""
    forms = commands.add_parser("forms", help=_("check and try out XLSForms"))
    sub = forms.add_subparsers(dest="forms_command", metavar="COMMAND", required=True)
    validate = sub.add_parser("validate", help=_("check XLSForm files as ODK would"))
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(handler=run_validate)
    fill = sub.add_parser("fill", help=_("run a form over answers, without a window"))
    fill.add_argument("form", metavar="FORM")
    fill.add_argument("--answers", required=True, metavar="ANSWERS.json",
                      help=_("question names mapped to values, as ODK stores them"))
    fill.add_argument("--json", action="store_true", help=_("print JSON"))
    fill.add_argument("--language", help=_("the language of messages from the form"))
    fill.set_defaults(handler=run_fill)
    return sub


def run_validate(args: argparse.Namespace) -> int:
    from fieldsafe.services.forms import check_form_files

    failed = False
    for result in check_form_files(args.files):
        for line in result.errors:
            print(line)
        for warning in result.warnings:
            print(_("{file}: warning: {text}").format(file=result.path, text=warning))
        if result.ok and result.form is not None:
            count = sum(1 for _q in result.form.questions())
            print(_("{file}: valid ({count} questions)").format(file=result.path, count=count))
        failed = failed or not result.ok
    return 1 if failed else 0


def run_fill(args: argparse.Namespace) -> int:
    from fieldsafe.services.forms import fill_form, read_answers

    answers = read_answers(args.answers)
    result = fill_form(args.form, answers, language=args.language)
    for error in result.expression_errors:
        print(_("warning: an expression failed: {error}").format(error=error), file=sys.stderr)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(json.dumps(result.instance, ensure_ascii=False, indent=2))
        for p in result.problems:
            where = f"{p.name} ({p.path})" if p.path else p.name
            print(_("{kind} problem: {where}: {message}").format(
                kind=p.kind, where=where, message=p.message))
        print(_("valid") if result.valid else _("not valid: {n} problem(s)").format(
            n=len(result.problems)))
    return 0 if result.valid else 1
