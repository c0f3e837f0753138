"""``fieldsafe audits`` and ``fieldsafe actions`` commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldsafe.cli.common import open_ws, parse_date, print_json, print_rows
from fieldsafe.errors import UserError
from fieldsafe.i18n import _


def register(commands: Any) -> None:
    audits = commands.add_parser("audits", help=_("audits: new, edit, list, show, retire"))
    sub = audits.add_subparsers(dest="audits_command", metavar="COMMAND", required=True)
    new = sub.add_parser("new", help=_("start an audit from a form"))
    new.add_argument("form_id", metavar="FORM_ID")
    new.add_argument("--answers", required=True, metavar="FILE.json")
    new.add_argument("--form-version", metavar="V")
    new.add_argument("--campaign", metavar="ID")
    new.add_argument("--photo", action="append", default=[], metavar="PATH=FILE",
                     help=_("attach a photo: PATH is a question name or findings[2]/photo"))
    new.add_argument("--finalize", action="store_true")
    new.set_defaults(handler=run_new)
    edit = sub.add_parser("edit", help=_("change an audit (a finalized one gets a new "
                                         "revision)"))
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--answers", required=True, metavar="FILE.json")
    edit.add_argument("--photo", action="append", default=[], metavar="PATH=FILE")
    edit.add_argument("--finalize", action="store_true")
    edit.set_defaults(handler=run_edit)
    lst = sub.add_parser("list", help=_("every audit at its current revision"))
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_list)
    show = sub.add_parser("show", help=_("one audit with its history"))
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    retire = sub.add_parser("retire", help=_("retire an audit (kept in history)"))
    retire.add_argument("id", metavar="ID")
    retire.set_defaults(handler=run_retire)

    actions = commands.add_parser("actions", help=_("the action plan"))
    asub = actions.add_subparsers(dest="actions_command", metavar="COMMAND", required=True)
    alist = asub.add_parser("list", help=_("action items"))
    alist.add_argument("--json", action="store_true")
    alist.add_argument("--agency")
    alist.add_argument("--status", choices=("open", "in-progress", "done"))
    alist.add_argument("--overdue", action="store_true")
    alist.set_defaults(handler=run_actions_list)
    add = asub.add_parser("add", help=_("make an action item from a finding"))
    add.add_argument("audit_id", metavar="AUDIT_ID")
    add.add_argument("--finding", type=int, required=True, metavar="N")
    add.add_argument("--agency")
    add.add_argument("--target", type=parse_date, metavar="YYYY-MM-DD")
    add.add_argument("--priority", default="medium",
                     choices=("low", "medium", "high", "urgent"))
    add.add_argument("--recommendation")
    add.set_defaults(handler=run_actions_add)
    upd = asub.add_parser("update", help=_("change an action item"))
    upd.add_argument("id", metavar="ID")
    upd.add_argument("--status", choices=("open", "in-progress", "done"))
    upd.add_argument("--agency")
    upd.add_argument("--target", type=parse_date, metavar="YYYY-MM-DD")
    upd.add_argument("--priority", choices=("low", "medium", "high", "urgent"))
    upd.add_argument("--recommendation")
    upd.set_defaults(handler=run_actions_update)


def _photos(pairs: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for pair in pairs:
        path, sep, file = pair.partition("=")
        if not sep or not path or not file:
            raise UserError(_("--photo takes PATH=FILE, not '{value}'").format(value=pair))
        if path in out:  # the first would be silently replaced
            raise UserError(_("--photo {path} is given twice").format(path=path))
        out[path] = Path(file)
    return out


def _report(result: Any) -> int:
    print(_("audit {id} revision {revision}: {status}").format(**result.as_dict()))
    for p in result.problems:
        print(_("  {kind} problem: {where}: {message}").format(
            kind=p.kind, where=p.path or p.name, message=p.message))
    return 0


def run_new(args: argparse.Namespace) -> int:
    from fieldsafe.services.audits import new_audit
    from fieldsafe.services.forms import read_answers

    answers = read_answers(args.answers)
    photos = _photos(args.photo)
    with open_ws(args) as ws:
        result = new_audit(ws, args.form_id, answers, form_version=args.form_version,
                           campaign=args.campaign, photos=photos, finalize=args.finalize)
    return _report(result)


def run_edit(args: argparse.Namespace) -> int:
    from fieldsafe.services.audits import edit_audit
    from fieldsafe.services.forms import read_answers

    answers = read_answers(args.answers)
    with open_ws(args, create=False) as ws:
        result = edit_audit(ws, args.id, answers, photos=_photos(args.photo),
                            finalize=args.finalize)
    return _report(result)


def run_list(args: argparse.Namespace) -> int:
    from fieldsafe.services.audit_queries import list_audits

    with open_ws(args, create=False) as ws:
        rows = list_audits(ws)
    return print_rows(rows, ["id", "revision", "form_id", "status", "team", "modified",
                             "photos"], args.json)

def run_show(args: argparse.Namespace) -> int:
    from fieldsafe.services.audit_queries import show_audit

    with open_ws(args, create=False) as ws:
        audit = show_audit(ws, args.id)
    if args.json:
        print_json(audit)
        return 0
    print(_("audit {id} ({form_id} {form_version}), revision {revision}: {status}").format(
        **audit))
    print(_("team {team}, author {author}, device {device}").format(**audit))
    for rev in audit["history"]:
        print(_("  revision {revision} {status} {saved} by {author} ({team})").format(**rev))
    print_json(audit["answers"])
    return 0


def run_retire(args: argparse.Namespace) -> int:
    from fieldsafe.services.audits import retire_audit

    with open_ws(args, create=False) as ws:
        return _report(retire_audit(ws, args.id))


def run_actions_list(args: argparse.Namespace) -> int:
    from fieldsafe.services.actions import list_actions

    with open_ws(args, create=False) as ws:
        rows = list_actions(ws, agency=args.agency, status=args.status, overdue=args.overdue)
    return print_rows(rows, ["id", "agency", "priority", "target", "status", "overdue",
                             "title"], args.json)


def run_actions_add(args: argparse.Namespace) -> int:
    from fieldsafe.services.actions import add_action

    with open_ws(args, create=False) as ws:
        item = add_action(ws, args.audit_id, args.finding, agency=args.agency,
                          target=args.target, priority=args.priority,
                          recommendation=args.recommendation)
    print(item["id"])
    return 0


def run_actions_update(args: argparse.Namespace) -> int:
    from fieldsafe.services.actions import update_action

    with open_ws(args, create=False) as ws:
        item = update_action(ws, args.id, status=args.status, agency=args.agency,
                             target=args.target, priority=args.priority,
                             recommendation=args.recommendation)
    print(_("{id}: {status}").format(**item))
    return 0
