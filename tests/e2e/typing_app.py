"""Runs the real app, opens a new women's safety walk audit and types into it for ever,
printing each keystroke; the crash test kills it with SIGKILL in the middle."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from fieldsafe.services.form_library import ensure_builtin_forms
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow

TEXT = "The underpass lights have been out since March and people avoid it after dark. "


def main() -> int:
    app = QApplication(sys.argv[:1])
    workspace = Workspace(__import__("pathlib").Path(sys.argv[1]))
    ensure_builtin_forms(workspace)
    settings = QSettings(sys.argv[2], QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings)
    window.show()
    editor = window.new_audit("womens_safety_walk")
    assert editor is not None
    filler = editor.filler  # type: ignore[attr-defined]
    widget = filler.widget_for("good_points")
    filler.go_to_page(next(i for i, page in enumerate(filler.pages)
                           if page.isAncestorOf(widget)))
    target = widget.findChild(QPlainTextEdit) or widget.findChild(QLineEdit)
    target.setFocus()
    count = 0

    def type_one() -> None:
        nonlocal count
        QTest.keyClicks(target, TEXT[count % len(TEXT)])
        count += 1
        print(f"typed {count} {time.time():.3f}", flush=True)

    timer = QTimer()
    timer.timeout.connect(type_one)
    timer.start(30)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
