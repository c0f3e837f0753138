"""Starts the desktop app: checks the display, opens the workspace, shows the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def display_problem() -> str | None:
    """Why no window can be shown here, or None when one can."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if sys.platform.startswith("linux") and not platform and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return ("fieldsafe: no display to open the desktop app on; set QT_QPA_PLATFORM="
                "offscreen to run it without one, or use the command line (fieldsafe --help)")
    return None


def run(workspace_option: str | None, *, smoke_test: bool = False) -> int:
    """Open the app; returns the exit code."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    # Import the Qt-free modules before PySide6: once it is loaded, PySide6 inspects the
    # source of every module imported after it, which costs start-up time.
    import fieldsafe.services.audit_list
    import fieldsafe.services.form_library
    import fieldsafe.services.workspace  # noqa: F401
    from fieldsafe.errors import UserError
    from fieldsafe.startup import process_uptime_ms

    # isort: split
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("FieldSafe")
    app.setApplicationName("FieldSafe")
    from fieldsafe.i18n import current
    from fieldsafe.ui.translator import install_translators

    install_translators(app, current())  # FIELDSAFE_LANG's words, Qt's dialogs' too
    settings = QSettings()
    sys.excepthook = _crash_dialog
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import Workspace, resolve_workspace_dir

    chosen = workspace_option or _setting(settings, "workspace")
    try:
        workspace = Workspace(resolve_workspace_dir(chosen))
        ensure_builtin_forms(workspace)
    except UserError as err:
        if smoke_test:
            print(f"fieldsafe: {err}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "FieldSafe", str(err))
        return 2
    from fieldsafe.ui.main_window import MainWindow

    window = MainWindow(workspace, settings)
    if smoke_test:
        def painted() -> None:
            print(f"first-paint-ms: {process_uptime_ms():.0f}", flush=True)
            QTimer.singleShot(0, app.quit)

        window.first_paint.painted.connect(painted)
    window.show()
    if not smoke_test:
        QTimer.singleShot(0, window.offer_recovery)
    _close_on_interrupt(window)
    code = app.exec()
    workspace.close()
    return int(code)


def _close_on_interrupt(window: QWidget) -> None:
    """Ctrl-C in the terminal closes the window (saving drafts) instead of being ignored while
    Qt's event loop runs: a timer lets Python look at its signals now and then."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_args: window.close())
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def _setting(settings: object, key: str) -> str | None:
    value = settings.value(key)  # type: ignore[attr-defined]
    return value if isinstance(value, str) and value else None


def _crash_dialog(kind: type[BaseException], error: BaseException,
                  trace: TracebackType | None) -> None:
    """A bug: log it whole and tell the user where the details are."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from fieldsafe.crash import write_crash_log
    from fieldsafe.errors import UserError

    if isinstance(error, UserError):
        QMessageBox.warning(None, "FieldSafe", str(error))
        return
    log: Path = write_crash_log(error.with_traceback(trace))
    box = QMessageBox(QMessageBox.Icon.Critical, QApplication.translate("Crash", "FieldSafe"),
                      QApplication.translate(
                          "Crash", "Something went wrong inside FieldSafe (a bug). Your "
                          "answers were saved as you typed. Details are in {log}.")
                      .replace("{log}", str(log)))
    import traceback

    box.setDetailedText("".join(traceback.format_exception(kind, error, trace)))
    box.exec()
