"""``fieldsafe export`` commands: GeoJSON and CSV (ODK Central's layout) for other tools."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldsafe.cli.common import open_ws
from fieldsafe.i18n import _, ngettext


def register(commands: Any) -> None:
    export = commands.add_parser("export", help=_("finalized audits for other tools: GeoJSON, "
                                                  "CSV"))
    sub = export.add_subparsers(dest="export_command", metavar="COMMAND", required=True)
    geojson = sub.add_parser("geojson", help=_("a GeoJSON file: a feature per audit and per "
                                               "located finding"))
    geojson.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    csv = sub.add_parser("csv", help=_("CSV tables in ODK Central's layout, with the photos "
                                       "(EXIF removed)"))
    csv.add_argument("-o", "--output", required=True, type=Path, metavar="DIR",
                     help=_("a new or empty folder"))
    csv.add_argument("--raw", action="store_true",
                     help=_("write every answer exactly as it is, as ODK Central does; by "
                            "default a cell starting with = + - @ (but not a number such "
                            "as -3) gets a leading ' so that spreadsheets do not run it as "
                            "a formula"))
    for command in (geojson, csv):
        command.add_argument("--form", metavar="ID", help=_("only the audits of this form"))
    geojson.add_argument("--include-sensitive", action="store_true",
                         help=_("include answers the form marks sensitive"))
    csv.add_argument("--include-sensitive", action="store_true",
                     help=_("include answers the form marks sensitive, and the files whose "
                            "metadata cannot be removed (documents, audio, video...), "
                            "copied as they are"))
    geojson.set_defaults(handler=run_geojson)
    csv.set_defaults(handler=run_csv)


def run_geojson(args: argparse.Namespace) -> int:
    from fieldsafe.services.exports import export_geojson

    with open_ws(args, create=False) as ws:
        result = export_geojson(ws, args.output, form_id=args.form,
                                include_sensitive=args.include_sensitive)
    if not result.audits:
        print(_("No finalized audits found; wrote an empty FeatureCollection to {path}")
              .format(path=result.path))
        return 0
    features = ngettext("{n} feature", "{n} features", result.features)
    audits = ngettext("{n} audit", "{n} audits", result.audits)
    print(_("{path}: {features} from {audits}, {repeats} of them from repeats (findings)")
          .format(path=result.path, features=features.format(n=result.features),
                  audits=audits.format(n=result.audits), repeats=result.repeat_features))
    return 0


def run_csv(args: argparse.Namespace) -> int:
    from fieldsafe.services.exports_csv import export_csv

    with open_ws(args, create=False) as ws:
        result = export_csv(ws, args.output, form_id=args.form,
                            include_sensitive=args.include_sensitive, raw=args.raw)
    if not result.audits:
        print(_("No finalized audits found; {folder} is empty").format(folder=result.folder))
        return 0
    files = ngettext("{n} CSV file", "{n} CSV files", len(result.files))
    rows = ngettext("{n} row", "{n} rows", result.rows)
    audits = ngettext("{n} audit", "{n} audits", result.audits)
    print(_("{folder}: {files}, {rows} from {audits}").format(
        folder=result.folder, files=files.format(n=len(result.files)),
        rows=rows.format(n=result.rows), audits=audits.format(n=result.audits)))
    if result.media and args.include_sensitive:
        print(ngettext("{folder}: {n} media file (photos without EXIF, other files as they "
                       "are)", "{folder}: {n} media files (photos without EXIF, other files "
                       "as they are)", result.media)
              .format(folder=result.folder / "media", n=result.media))
    elif result.media:
        print(ngettext("{folder}: {n} media file (photos without EXIF)",
                       "{folder}: {n} media files (photos without EXIF)", result.media)
              .format(folder=result.folder / "media", n=result.media))
    if result.withheld:
        print(ngettext("{n} file not exported: its metadata cannot be removed; use "
                       "--include-sensitive to copy it as it is",
                       "{n} files not exported: their metadata cannot be removed; use "
                       "--include-sensitive to copy them as they are", result.withheld)
              .format(n=result.withheld))
    return 0

