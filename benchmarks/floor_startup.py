"""The start-up floor: PySide6 + SQLAlchemy ORM, the first 50 rows of a table, first paint."""

from __future__ import annotations

import sys

from fieldsafe.startup import process_uptime_ms


def main() -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    app = QApplication(sys.argv[:1])
    engine = create_engine(f"sqlite:///{sys.argv[1]}")
    with Session(engine) as session:
        rows = session.execute(text("SELECT uuid, form_id, status, team, modified_at FROM "
                                    "audits ORDER BY modified_at DESC LIMIT 50")).all()
    table = QTableWidget(len(rows), 5)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(str(value)))

    class Painted(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not self.done and event.type() == QEvent.Type.Paint:
                self.done = True
                print(f"first-paint-ms: {process_uptime_ms():.0f}", flush=True)
                QTimer.singleShot(0, app.quit)
            return False

    watcher = Painted()
    table.viewport().installEventFilter(watcher)
    table.resize(900, 600)
    table.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
