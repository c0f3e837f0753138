"""Entry point of the ``fieldsafe`` command: parses arguments and runs one command."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence

from fieldsafe import __version__, interrupts
from fieldsafe.errors import UserError
from fieldsafe.i18n import _


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldsafe",
        description=_("FieldSafe: offline walk audits and community-safety surveys. "
                      "With no command, opens the desktop app."))
    parser.add_argument("--version", action="version", version=f"fieldsafe {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help=_("open the main window, print first-paint-ms: N, and exit"))
    parser.add_argument("--workspace", metavar="DIR",
                        default=os.environ.get("FIELDSAFE_WORKSPACE"),
                        help=_("the workspace folder (default: FIELDSAFE_WORKSPACE; else, "
                               "for the desktop app, the folder chosen in its Settings; else "
                               "the per-user data folder)"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from fieldsafe.cli import (
        audit_commands,
        bundle_commands,
        conflict_commands,
        demo_commands,
        export_commands,
        forms_commands,
        report_commands,
        workspace_commands,
    )

    forms_sub = forms_commands.register(commands)
    workspace_commands.register(commands, forms_sub)
    audit_commands.register(commands)
    demo_commands.register(commands)
    report_commands.register(commands)
    bundle_commands.register(commands)
    conflict_commands.register(commands)
    export_commands.register(commands)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a closing terminal, a service manager) during a command: handled
    as Ctrl+C is, so that what the command was writing is undone (a report's temporary
    file, a merge not yet committed) instead of left behind."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM handled as Ctrl+C; both remembered in :data:`interrupts.requested` too, in
    case Python drops the exception (see :mod:`fieldsafe.interrupts`)."""
    def terminated(_number: int, _frame: object) -> None:
        interrupts.requested.set()
        raise Terminated

    def interrupted(_number: int, _frame: object) -> None:
        interrupts.requested.set()
        raise KeyboardInterrupt

    try:
        before = signal.signal(signal.SIGTERM, terminated)
        ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # `cmd &` in a script
        before_int = signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else interrupted)
    except ValueError:  # not the main thread (a command run from a test's thread): as is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
        signal.signal(signal.SIGINT, before_int)
        interrupts.requested.clear()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from fieldsafe.ui.app import run  # Qt is imported only here, never for commands

        return run(args.workspace, smoke_test=args.smoke_test)
    try:
        with _terminate_as_interrupt():
            code: int = args.handler(args)
        return code
    except UserError as err:
        print(f"fieldsafe: {err}", file=sys.stderr)
        return 2
    except Terminated:
        print(_("fieldsafe: terminated"), file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print(_("fieldsafe: interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `fieldsafe audits list | head`: not a failure of the command
        with contextlib.suppress(OSError, ValueError):  # no second error as Python exits
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + getattr(signal, "SIGPIPE", 13)  # as when the pipe's signal stops one
    except Exception as err:
        from fieldsafe.crash import write_crash_log

        log = write_crash_log(err)
        print(_("fieldsafe: internal error ({kind}: {err}); this is a bug. Details are in {log}")
              .format(kind=type(err).__name__, err=err, log=log), file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
