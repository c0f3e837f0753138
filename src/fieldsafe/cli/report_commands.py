"""``fieldsafe report`` commands: PDF summaries for officials."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldsafe.cli.common import open_ws
from fieldsafe.i18n import _


def register(commands: Any) -> None:
    report = commands.add_parser("report", help=_("PDF reports"))
    sub = report.add_subparsers(dest="report_command", metavar="COMMAND", required=True)
    audit = sub.add_parser("audit", help=_("the PDF report of one audit"))
    audit.add_argument("id", metavar="ID")
    audit.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")
    audit.add_argument("--lang", metavar="CODE",
                       help=_("the form's language (e.g. fr) for labels, answers and the "
                              "report's words"))
    audit.add_argument("--include-sensitive", action="store_true",
                       help=_("include answers the form marks sensitive"))
    audit.add_argument("--paper", choices=("a4", "letter"), default="a4")
    audit.set_defaults(handler=run_audit)
    campaign = sub.add_parser("campaign", help=_("the PDF report of a whole campaign"))
    campaign.add_argument("id", metavar="ID", nargs="?",
                          help=_("the campaign (ID or name); the workspace's only one if left "
                                 "out"))
    campaign.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")
    campaign.add_argument("--lang", metavar="CODE",
                          help=_("a language of the campaign's forms (e.g. fr) for labels "
                                 "and the report's words"))
    campaign.add_argument("--paper", choices=("a4", "letter"), default="a4")
    campaign.set_defaults(handler=run_campaign)


def run_audit(args: argparse.Namespace) -> int:
    from fieldsafe.services.reports import audit_report

    with open_ws(args, create=False) as ws:
        path = audit_report(ws, args.id, args.output, language=args.lang,
                            include_sensitive=args.include_sensitive, paper=args.paper)
    print(path)
    return 0


def run_campaign(args: argparse.Namespace) -> int:
    from fieldsafe.services.campaign_reports import campaign_report

    with open_ws(args, create=False) as ws:
        path = campaign_report(ws, args.id, args.output, language=args.lang,
                               paper=args.paper)
    print(path)
    return 0
