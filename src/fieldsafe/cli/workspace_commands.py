"""``fieldsafe workspace``, ``forms import|list``, ``campaigns`` and ``layers`` commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldsafe.cli.common import open_ws, print_json, print_rows
from fieldsafe.i18n import _


def register(commands: Any, forms_sub: Any) -> None:
    ws = commands.add_parser("workspace", help=_("the workspace: identity, checks, backup"))
    sub = ws.add_subparsers(dest="workspace_command", metavar="COMMAND", required=True)
    sub.add_parser("info", help=_("what is in the workspace")).set_defaults(handler=run_info)
    sub.add_parser("check", help=_("check the database, media and layers")).set_defaults(
        handler=run_check)
    backup = sub.add_parser("backup", help=_("copy the workspace to a new folder"))
    backup.add_argument("dest", metavar="DEST")
    backup.set_defaults(handler=run_backup)
    sub.add_parser("digest", help=_("SHA-256 of the replicated content")).set_defaults(
        handler=run_digest)
    setter = sub.add_parser("set", help=_("set the user, team or device name"))
    setter.add_argument("--user")
    setter.add_argument("--team")
    setter.add_argument("--device-name")
    setter.set_defaults(handler=run_set)

    imp = forms_sub.add_parser("import", help=_("add XLSForms to the workspace"))
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.set_defaults(handler=run_forms_import)
    lst = forms_sub.add_parser("list", help=_("the forms in the workspace"))
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_forms_list)

    camp = commands.add_parser("campaigns", help=_("campaigns of audits"))
    csub = camp.add_subparsers(dest="campaigns_command", metavar="COMMAND", required=True)
    new = csub.add_parser("new", help=_("start a campaign"))
    new.add_argument("name")
    new.add_argument("--area", type=Path, metavar="FILE.geojson")
    new.add_argument("--segment-m", type=float, default=50.0)
    new.add_argument("--tolerance-m", type=float, default=25.0)
    new.add_argument("--form", action="append", dest="forms", default=[], metavar="FORM_ID")
    new.add_argument("--layer", action="append", dest="layers", default=[], metavar="LAYER_ID",
                     help=_("a layer of the campaign (see 'layers list'): its areas layer "
                            "splits the report's scores by ward, its basemap is under its "
                            "maps"))
    new.set_defaults(handler=run_campaign_new)
    clist = csub.add_parser("list", help=_("the campaigns"))
    clist.add_argument("--json", action="store_true")
    clist.set_defaults(handler=run_campaign_list)

    layers = commands.add_parser("layers", help=_("area layers and basemaps"))
    lsub = layers.add_subparsers(dest="layers_command", metavar="COMMAND", required=True)
    add = lsub.add_parser("add", help=_("add a .geojson area layer or an .mbtiles basemap"))
    add.add_argument("file", type=Path)
    add.add_argument("--name")
    add.set_defaults(handler=run_layer_add)
    llist = lsub.add_parser("list", help=_("the layers"))
    llist.add_argument("--json", action="store_true")
    llist.set_defaults(handler=run_layer_list)


def run_info(args: argparse.Namespace) -> int:
    from fieldsafe.services.workspace_admin import info

    with open_ws(args, create=False) as ws:
        print_json(info(ws))
    return 0


def run_check(args: argparse.Namespace) -> int:
    from fieldsafe.services.workspace_admin import check

    with open_ws(args, create=False) as ws:
        problems = check(ws)
    for line in problems:
        print(line)
    print(_("workspace is sound") if not problems else _("{n} problem(s) found").format(
        n=len(problems)))
    return 1 if problems else 0


def run_backup(args: argparse.Namespace) -> int:
    from fieldsafe.services.workspace_admin import backup, database_damage

    with open_ws(args, create=False) as ws:
        done = backup(ws, Path(args.dest))
    print(_("backed up to {folder}").format(folder=done))
    damage = database_damage(done / ws.db_path.name)
    for line in damage:
        print(_("database: {line}").format(line=line), file=sys.stderr)
    if damage:  # copied as it is: what can still be read is kept, but the user must know
        print(_("the workspace database is damaged, and so is this backup of it; run "
                "'fieldsafe workspace check', and restore an earlier backup"), file=sys.stderr)
        return 1
    return 0


def run_digest(args: argparse.Namespace) -> int:
    from fieldsafe.services.workspace_admin import digest

    with open_ws(args, create=False) as ws:
        print(digest(ws))
    return 0


def run_set(args: argparse.Namespace) -> int:
    with open_ws(args) as ws:
        ident = ws.set_identity(user=args.user, team=args.team, device_name=args.device_name)
    print(_("user {user}, team {team}, device {device}").format(
        user=ident.user, team=ident.team, device=ident.device_name))
    return 0


def run_forms_import(args: argparse.Namespace) -> int:
    from fieldsafe.services.form_library import import_form

    with open_ws(args) as ws:
        for name in args.files:
            summary, added = import_form(ws, Path(name))
            for warning in summary.warnings:  # as forms validate tells them
                print(_("{file}: warning: {text}").format(file=name, text=warning))
            word = _("imported") if added else _("already present")
            print(f"{name}: {word}: {summary.form_id} {summary.version}".rstrip())
    return 0


def run_forms_list(args: argparse.Namespace) -> int:
    from fieldsafe.services.form_library import list_forms

    with open_ws(args, create=False) as ws:
        rows = [f.as_dict() for f in list_forms(ws)]
    return print_rows(rows, ["form_id", "version", "questions", "builtin", "title"], args.json)


def run_campaign_new(args: argparse.Namespace) -> int:
    from fieldsafe.services.campaigns import new_campaign

    with open_ws(args) as ws:
        made = new_campaign(ws, args.name, area=args.area, segment_m=args.segment_m,
                            tolerance_m=args.tolerance_m, form_ids=args.forms,
                            layer_uuids=args.layers)
    print(made["id"])
    return 0


def run_campaign_list(args: argparse.Namespace) -> int:
    from fieldsafe.services.campaigns import list_campaigns

    with open_ws(args, create=False) as ws:
        rows = list_campaigns(ws)
    return print_rows(rows, ["id", "name", "segment_m", "tolerance_m", "team"], args.json)


def run_layer_add(args: argparse.Namespace) -> int:
    from fieldsafe.services.layers import add_layer

    with open_ws(args) as ws:
        layer = add_layer(ws, args.file, name=args.name)
    for warning in layer["warnings"]:  # what was skipped or repaired, named
        print(_("warning: {text}").format(text=warning), file=sys.stderr)
    print(_("{kind} layer {name}: {id}").format(**layer))
    return 0


def run_layer_list(args: argparse.Namespace) -> int:
    from fieldsafe.services.layers import list_layers

    with open_ws(args, create=False) as ws:
        rows = list_layers(ws)
    return print_rows(rows, ["id", "kind", "name"], args.json)
