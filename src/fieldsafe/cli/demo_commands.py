"""``fieldsafe demo``: fill a workspace with a reproducible demo campaign."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fieldsafe.cli.common import open_ws
from fieldsafe.i18n import _


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help=_("make a realistic, reproducible demo campaign"))
    demo.add_argument("--audits", type=int, default=40)
    demo.add_argument("--photos", type=int, default=20)
    demo.add_argument("--photo-megapixels", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from fieldsafe.services.demo import build_demo

    def progress(done: int, total: int) -> bool:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)
        return True

    with open_ws(args) as ws:
        try:
            summary = build_demo(ws, audits=args.audits, photos=args.photos,
                                 photo_megapixels=args.photo_megapixels, seed=args.seed,
                                 progress=progress)
        except KeyboardInterrupt:  # each audit was saved as it was made: part of it is here
            print(_("fieldsafe: the demo was stopped part-way; this workspace holds what was "
                    "made of it. Make the demo again in a new workspace folder."),
                  file=sys.stderr)
            raise
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(_("demo: {audits} audits ({finalized} finalized), {photos} photos, {actions} "
            "action items in campaign {campaign}").format(**summary.as_dict()))
    return 0
