"""Benchmark: 99th-percentile keystroke latency in the form filler with autosave on, against
autosave off, in the same run. Goal: at most 2x."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

KEYS = 400


def latencies(autosave: bool, folder: Path) -> list[float]:
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

    from fieldsafe.services.editor import AuditEditor
    from fieldsafe.services.form_library import ensure_builtin_forms
    from fieldsafe.services.workspace import Workspace
    from fieldsafe.ui.editor_window import EditorWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    workspace = Workspace(folder / ("on" if autosave else "off"))
    ensure_builtin_forms(workspace)
    editor = AuditEditor.new(workspace, "womens_safety_walk")
    window = EditorWindow(workspace, editor, QSettings(str(folder / "s.ini"),
                                                       QSettings.Format.IniFormat))
    window.autosave.enabled = autosave
    window.show()
    filler = window.filler
    widget = filler.widget_for("good_points")
    filler.go_to_page(next(i for i, p in enumerate(filler.pages) if p.isAncestorOf(widget)))
    target = widget.findChild(QPlainTextEdit) or widget.findChild(QLineEdit)
    target.setFocus()
    samples = []
    for i in range(KEYS):
        start = time.perf_counter()
        QTest.keyClick(target, "abcdefghij"[i % 10])
        app.processEvents()
        samples.append((time.perf_counter() - start) * 1000)
        if i % 20 == 0:  # let timers fire, as between real keystrokes
            QTest.qWait(30)
    window.autosave.enabled = False
    window.autosave.pool.waitForDone()
    window.close()
    workspace.close()
    return samples


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        off = latencies(False, Path(folder))
        on = latencies(True, Path(folder))
    ratio = p99(on) / p99(off)
    print(f"typing p99 keystroke latency: autosave on {p99(on):.2f} ms, off {p99(off):.2f} ms;"
          f" ratio {ratio:.2f}x (goal <= 2x)")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown, where PySide6 may crash collecting widgets
