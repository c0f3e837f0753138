"""``fieldsafe bundle`` and ``fieldsafe devices`` commands: sending and receiving sync bundles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldsafe.cli.common import open_ws, print_json, print_rows
from fieldsafe.i18n import _
from fieldsafe.sync.errors import BundleError


def register(commands: Any) -> None:
    bundle = commands.add_parser("bundle", help=_("sync bundles: send and receive data"))
    sub = bundle.add_subparsers(dest="bundle_command", metavar="COMMAND", required=True)
    export = sub.add_parser("export", help=_("write a bundle of this workspace's data"))
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    export.add_argument("--campaign", metavar="ID", help=_("only this campaign's data"))
    export.add_argument("--since-last", metavar="RECIPIENT",
                        help=_("only what changed since the last bundle sent to RECIPIENT"))
    export.add_argument("--include-drafts", action="store_true",
                        help=_("send drafts too (by default only finalized work)"))
    export.add_argument("--with-basemaps", action="store_true",
                        help=_("send MBTiles basemaps too (they are large)"))
    export.add_argument("--exclude-sensitive", action="store_true",
                        help=_("leave out the answers forms mark sensitive"))
    export.add_argument("--sign", action="store_true",
                        help=_("sign the bundle with this device's key"))
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=run_export)
    imp = sub.add_parser("import", help=_("merge bundles into this workspace"))
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--report", type=Path, metavar="FILE",
                     help=_("write the merge report (.json, else CSV)"))
    imp.add_argument("--require-signature", action="store_true",
                     help=_("accept only bundles signed by a trusted device"))
    imp.set_defaults(handler=run_import)
    verify = sub.add_parser("verify", help=_("check a bundle's hashes and signature"))
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.set_defaults(handler=run_verify)
    inspect = sub.add_parser("inspect", help=_("show what a bundle holds"))
    inspect.add_argument("file", type=Path, metavar="FILE")
    inspect.add_argument("--json", action="store_true")
    inspect.set_defaults(handler=run_inspect)

    devices = commands.add_parser("devices", help=_("device keys for signed bundles"))
    dsub = devices.add_subparsers(dest="devices_command", metavar="COMMAND", required=True)
    key = dsub.add_parser("key", help=_("print this device's public key"))
    key.set_defaults(handler=run_key)
    trust = dsub.add_parser("trust", help=_("accept signed bundles from a device"))
    trust.add_argument("key", metavar="KEY")
    trust.add_argument("--name", required=True, metavar="NAME")
    trust.set_defaults(handler=run_trust)
    listing = dsub.add_parser("list", help=_("the trusted devices"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list_devices)
    untrust = dsub.add_parser("untrust", help=_("stop accepting a device's bundles"))
    untrust.add_argument("key", metavar="KEY")
    untrust.set_defaults(handler=run_untrust)


def _refused(err: BundleError) -> int:
    print(f"fieldsafe: {err}", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    from fieldsafe.services.bundle_export import export_bundle

    with open_ws(args, create=False) as ws:
        result = export_bundle(ws, args.output, campaign=args.campaign,
                               since_last=args.since_last, include_drafts=args.include_drafts,
                               with_basemaps=args.with_basemaps,
                               exclude_sensitive=args.exclude_sensitive, sign_bundle=args.sign)
    if args.json:
        print_json(result.as_dict())
        return 0
    c = result.counts
    print(_("{file}: {audits} audits, {actions} action items, {media} photos and files "
            "({mb:.1f} MB), {forms} forms, {campaigns} campaigns, {layers} layers{signed}")
          .format(file=result.path, audits=c["audits"], actions=c["actions"],
                  media=c["media"], mb=result.media_bytes / 1e6, forms=c["forms"],
                  campaigns=c["campaigns"], layers=c["layers"],
                  signed=_(", signed") if result.signed else ""))
    if args.since_last:
        print(_("{n} records left out: {recipient} was sent them before and they did not "
                "change").format(n=result.unchanged, recipient=args.since_last))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from fieldsafe.outputs import check_output_target
    from fieldsafe.services.bundles import import_bundles
    from fieldsafe.services.merge_report import display_names, write_reports

    if args.report:
        check_output_target(args.report)  # before anything is merged, not after
    with open_ws(args) as ws:
        reports = import_bundles(ws, args.files, require_signature=args.require_signature)
    for report, name in zip(reports, display_names(reports), strict=True):
        print(report.summary(name), file=sys.stderr if report.refused else sys.stdout)
    if args.report:
        write_reports(reports, args.report)
    return 1 if any(r.refused for r in reports) else 0


def run_verify(args: argparse.Namespace) -> int:
    from fieldsafe.services.bundles import verify_bundle

    try:
        result = verify_bundle(args.file)
    except BundleError as err:
        return _refused(err)
    signed = _(", signed by {key}").format(key=result["signed_by"]) \
        if result["signed_by"] else _(", not signed")
    print(_("{file}: intact ({n} entries match their SHA-256){signed}").format(
        file=args.file.name, n=result["entries"], signed=signed))
    return 0


def run_inspect(args: argparse.Namespace) -> int:
    from fieldsafe.services.bundles import inspect_bundle

    try:
        info = inspect_bundle(args.file)
    except BundleError as err:
        return _refused(err)
    if args.json:
        print_json(info)
        return 0
    print(_("bundle {id} (format {v}, FieldSafe {app})").format(
        id=info["bundle_uuid"], v=info["format_version"], app=info["app_version"]))
    print(_("from {device} ({device_id}), team {team}, {author}, made {at}").format(
        device=info["device_name"], device_id=info["device_id"], team=info["team"],
        author=info["author"], at=info["created_at"]))
    print(", ".join(f"{k}: {v}" for k, v in info["counts"].items()))
    options = [k for k, v in info["options"].items() if v]
    print(_("options: {options}").format(options=", ".join(
        f"{k}={info['options'][k]}" for k in options) or _("none")))
    print(_("signed by {key}").format(key=info["signed_by"]) if info["signed_by"]
          else _("not signed"))
    return 0


def run_key(args: argparse.Namespace) -> int:
    from fieldsafe.services.devices import device_key

    with open_ws(args) as ws:
        print(device_key(ws))
    return 0


def run_trust(args: argparse.Namespace) -> int:
    from fieldsafe.services.devices import trust_device

    with open_ws(args) as ws:
        device = trust_device(ws, args.key, args.name)
    print(_("trusted: {name} ({key})").format(name=device["name"], key=device["public_key"]))
    return 0


def run_list_devices(args: argparse.Namespace) -> int:
    from fieldsafe.services.devices import list_trusted

    with open_ws(args, create=False) as ws:
        rows = list_trusted(ws)
    return print_rows(rows, ["name", "public_key", "added"], args.json)


def run_untrust(args: argparse.Namespace) -> int:
    from fieldsafe.services.devices import untrust_device

    with open_ws(args) as ws:
        untrust_device(ws, args.key)
    return 0
