"""``fieldsafe conflicts`` commands: audits changed on two devices, listed and resolved."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from fieldsafe.cli.common import open_ws, print_json
from fieldsafe.i18n import _
from fieldsafe.sync.errors import one_line


def register(commands: Any) -> None:
    conflicts = commands.add_parser("conflicts", help=_("audits changed on two devices"))
    sub = conflicts.add_subparsers(dest="conflicts_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", help=_("list audits in conflict, field by field"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    resolve = sub.add_parser("resolve", help=_("resolve a conflict with a new revision"))
    resolve.add_argument("audit", metavar="AUDIT_ID")
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument("--take", metavar="DEVICE",
                     help=_("keep the side from this device (ID or name) or revision"))
    how.add_argument("--answers", type=Path, metavar="FILE.json",
                     help=_("the resolved answers, as a JSON object"))
    resolve.set_defaults(handler=run_resolve)


def run_list(args: argparse.Namespace) -> int:
    from fieldsafe.services.conflicts import list_conflicts

    with open_ws(args, create=False) as ws:
        found = list_conflicts(ws)
    if args.json:
        print_json([c.as_dict() for c in found])
        return 0
    if not found:
        print(_("no conflicts"))
    for c in found:
        print(_("audit {id} ({form}) {name}").format(id=c.audit, form=one_line(c.form_id),
                                                     name=one_line(c.instance_name)).rstrip())
        for side in c.sides:
            print(_("  side {rev}: {device}, {author}, team {team}, {status}, saved {at}")
                  .format(rev=side.revision[:8],
                          device=one_line(side.device_name or side.device_id),
                          author=one_line(side.author), team=one_line(side.team),
                          status=side.status,
                          at=side.saved_at.isoformat(timespec="seconds")))
        for name in c.fields:
            label = one_line(c.labels.get(name, name))
            print(f"    {label}: {one_line(_values(c.sides, name))}")
            for where, differ in _item_differences([s.answers.get(name) for s in c.sides]):
                print(f"      {label} {where}: {one_line(differ)}")
            for path, files in _file_differences(c.sides, name):
                print(f"      {label} {path}: {one_line(files)}")
    return 0


def _values(sides: list[Any], name: str) -> str:
    """Each side's answer, shortened; a side sent without its sensitive answers says so,
    and values that shorten alike (two long routes) get a fingerprint that tells them
    apart."""
    texts = [_("(sensitive: not sent)") if s.redacted and name not in s.answers
             else _short(s.answers.get(name)) for s in sides]
    values = [json.dumps(s.answers.get(name), sort_keys=True, default=str) for s in sides]
    if len(set(texts)) < len(set(values)):
        texts = [f"{text} #{hashlib.sha256(value.encode()).hexdigest()[:6]}"
                 for text, value in zip(texts, values, strict=True)]
    return " | ".join(texts)


def _file_differences(sides: list[Any], name: str) -> list[tuple[str, str]]:
    """Files of the question ``name`` (or in its repeat) that differ between the sides
    although their names may not: (path, "x.jpg (85a89da7) | x.jpg (0a3fa2e4)")."""
    from fieldsafe.forms.keys import top_key

    paths = sorted({p for s in sides for p in s.files if top_key(p) == name})
    out = []
    for path in paths:
        files = [s.files.get(path) for s in sides]
        if len({f.sha256 if f else None for f in files}) > 1:
            out.append((path, " | ".join(f"{f.filename} ({f.sha256[:8]})" if f else "—"
                                         for f in files)))
    return out


def _item_differences(values: list[object]) -> list[tuple[str, str]]:
    """Where the sides' repeats differ, item by item (a photo, a note): ("2 / f_note",
    "Dark | Lit"), so that "3 items | 3 items" does not hide what differs."""
    from fieldsafe.services.conflicts import item_differences

    def answer(value: object, number: int, key: str) -> str:
        items = value if isinstance(value, list) else []
        item = items[number - 1] if number <= len(items) else None
        return _short(item.get(key)) if isinstance(item, dict) else ""

    return [(f"{number} / {key}", " | ".join(answer(v, number, key) or "—" for v in values))
            for number, key in item_differences(values)]


def _short(value: object) -> str:
    if isinstance(value, list):
        return _("{n} items").format(n=len(value))
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def run_resolve(args: argparse.Namespace) -> int:
    from fieldsafe.services.conflicts import resolve_conflict
    from fieldsafe.services.forms import read_answers

    answers = read_answers(str(args.answers)) if args.answers is not None else None
    with open_ws(args, create=False) as ws:
        result = resolve_conflict(ws, args.audit, take=args.take, answers=answers)
    print(_("audit {id}: resolved as revision {n} ({status})").format(
        id=result.id, n=result.revision, status=result.status))
    return 0
