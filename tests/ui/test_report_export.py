"""Export PDF from the desktop: built off the GUI thread, previewed, printed, or cancelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from fieldsafe.services.demo import build_demo
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow
from fieldsafe.ui.report_export import ReportExportDialog


@pytest.fixture
def window(workspace: Workspace, tmp_path: Path, qtbot: QtBot) -> MainWindow:
    build_demo(workspace, audits=8, photos=2, photo_megapixels=0.2, seed=6)
    main = MainWindow(workspace, QSettings(str(tmp_path / "s.ini"),
                                           QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    row = next(r for r in range(main.model.rowCount())
               if main.model.data(main.model.index(r, 2)) == "Finalized")
    main.table.selectRow(row)
    return main


def test_export_preview_and_print(window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    target = tmp_path / "audit.pdf"
    dialog = window.export_audit_pdf(target)
    assert isinstance(dialog, ReportExportDialog)
    assert dialog.progress.isVisible() or dialog.busy  # the work is on a worker thread
    qtbot.waitUntil(lambda: dialog.finished_path is not None, timeout=60_000)
    assert target.read_bytes().startswith(b"%PDF")
    assert dialog.document.pageCount() >= 3
    assert not list(tmp_path.glob(".*.building"))
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert dialog.print_report(printer)
    assert printed.stat().st_size > 1000
    dialog.accept()


def test_cancel_leaves_nothing(window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    target = tmp_path / "campaign.pdf"
    dialog = window.export_campaign_pdf(target)
    assert isinstance(dialog, ReportExportDialog)
    dialog.cancel()
    assert dialog.cancelled
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
    assert not target.exists()
    assert not list(tmp_path.glob(".*.building"))
