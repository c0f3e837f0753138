"""Benchmark: the first screen of a 100,000-audit list against that of a 1,000-audit list.
Goal: at most 1.5x; the list reads only the rows it shows."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from workspaces import bulk_workspace

RUNS = 7


def first_screen_ms(folder: Path) -> float:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QTableView

    from fieldsafe.services.workspace import Workspace
    from fieldsafe.ui.audit_list_model import AuditListModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    ws = Workspace(folder)
    painted: list[float] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not painted and event.type() == QEvent.Type.Paint:
                painted.append(time.perf_counter())
            return False

    start = time.perf_counter()
    model = AuditListModel(ws)
    view = QTableView()
    watch = Watch()
    view.viewport().installEventFilter(watch)
    view.setModel(model)
    view.resize(1000, 700)
    view.show()
    while not painted:
        app.processEvents()
    elapsed = (painted[0] - start) * 1000
    view.close()
    ws.close()
    return elapsed


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        small = bulk_workspace(Path(folder) / "small", 1_000)
        large = bulk_workspace(Path(folder) / "large", 100_000)
        first_screen_ms(small)
        first_screen_ms(large)
        smalls = [first_screen_ms(small) for _ in range(RUNS)]
        larges = [first_screen_ms(large) for _ in range(RUNS)]
    s, big = statistics.median(smalls), statistics.median(larges)
    print(f"lazy list first screen: 100,000 audits {big:.1f} ms, 1,000 audits {s:.1f} ms; "
          f"ratio {big / s:.2f}x (goal <= 1.5x)")
    return 0 if big / s <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
