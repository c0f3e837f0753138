"""Export PDF from the desktop: built off the GUI thread, previewed, printed, or cancelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
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


def _dialogs(window: MainWindow) -> list[ReportExportDialog]:
    return [w for w in window._editors if isinstance(w, ReportExportDialog)]


def test_the_menu_items_ask_for_a_file_then_export(
        window: MainWindow, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real actions (their triggered(checked) once reached the path argument)
    and the real Print… button, with the file and print dialogs answered."""
    from PySide6.QtWidgets import QDialog, QFileDialog

    from fieldsafe.ui import report_export

    chosen = [tmp_path / "from-menu.pdf", tmp_path / "campaign-from-menu.pdf"]
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(chosen.pop(0)), "PDF files (*.pdf)"))
    printed = tmp_path / "printed.pdf"

    class PrintDialog:  # the user picks "print to a PDF file" and presses Print
        def __init__(self, printer: QPrinter, _parent: object) -> None:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(printed))

        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(report_export, "QPrintDialog", PrintDialog)
    window.export_audit_action.trigger()
    [dialog] = _dialogs(window)
    qtbot.waitUntil(lambda: dialog.finished_path is not None, timeout=60_000)
    assert (tmp_path / "from-menu.pdf").read_bytes().startswith(b"%PDF")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert printed.stat().st_size > 1000
    printed.unlink()
    from PySide6.QtWidgets import QProgressDialog

    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda _self: True)  # Cancel pressed
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert not printed.exists(), "a cancelled print to a file leaves no half file"
    dialog.accept()
    window.export_campaign_action.trigger()
    campaign = next(d for d in _dialogs(window) if d is not dialog)
    qtbot.waitUntil(lambda: campaign.finished_path is not None, timeout=60_000)
    assert (tmp_path / "campaign-from-menu.pdf").read_bytes().startswith(b"%PDF")
    campaign.accept()


def test_closing_during_the_build_leaves_no_file(window: MainWindow, tmp_path: Path,
                                                 qtbot: QtBot) -> None:
    """Closed (and deleted) while the worker builds: the worker removes its file."""
    target = tmp_path / "closed.pdf"
    dialog = window.export_campaign_pdf(target)
    assert isinstance(dialog, ReportExportDialog) and dialog.busy
    thread = dialog._thread
    dialog.close()  # deleted on close
    thread.join(60)
    assert not thread.is_alive()
    qtbot.wait(50)  # (any queued outcome is dropped with the dialog)
    assert sorted(p.name for p in tmp_path.iterdir() if "closed" in p.name) == []


def test_an_unwritable_place_is_named_as_the_user_chose_it(
        window: MainWindow, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: told.append(text))
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _p, _t, text, *_a: told.append(text))
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x")
    # told before anything is built, with the name the user chose
    assert window.export_audit_pdf(not_a_folder / "r.pdf") is None
    [message] = told
    assert f"{not_a_folder / 'r.pdf'}" in message and ".building" not in message
    assert f"{not_a_folder} is a file, not a folder" in message
    assert window.export_audit_pdf(tmp_path) is None  # a folder
    assert told[-1] == f"cannot write {tmp_path}: it is a folder"
    assert not _dialogs(window)
    window.table.clearSelection()
    assert window.export_audit_pdf() is None  # nothing selected: it says so
    assert told[-1] == "Select an audit in the list first."


def test_a_french_app_exports_the_form_in_french_with_no_language_chosen(
        window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    """As the filler opens a form in the app's language when Settings names none, the
    report prints the form's own French labels too, not French headings over English."""
    from pypdf import PdfReader

    from fieldsafe.i18n import using_language

    target = tmp_path / "audit-fr.pdf"
    with using_language("fr"):
        dialog = window.export_audit_pdf(target)
    assert isinstance(dialog, ReportExportDialog)
    qtbot.waitUntil(lambda: dialog.finished_path is not None, timeout=60_000)
    text = " ".join(page.extract_text() or "" for page in PdfReader(target).pages)
    assert "Jour ou nuit" in text  # the report's own words
    assert "Day (daylight)" not in text and "Night (after dark)" not in text
    dialog.accept()


def test_with_several_campaigns_listed_the_user_picks_one_first(
        window: MainWindow, workspace: Workspace, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The list shows every campaign: the app asks which one before it asks for a file,
    instead of failing afterwards with the command line's "name one"."""
    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from fieldsafe.services.campaigns import new_campaign

    new_campaign(workspace, "Second <b>campaign</b>")
    asked: list[list[str]] = []

    def pick(_parent: object, _title: str, _label: str, items: list[str], *_a: object
             ) -> tuple[str, bool]:
        asked.append(list(items))
        return next(i for i in items if i.startswith("Second")), True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    files: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (files.append("asked") or str(tmp_path / "c.pdf"),
                                           ""))
    assert window.filters.current().campaign in ("", None)
    dialog = window.export_campaign_action.trigger() or _dialogs(window)[-1]
    assert len(asked) == 1 and len(asked[0]) == 2 and files == ["asked"]
    qtbot.waitUntil(lambda: dialog.finished_path is not None, timeout=60_000)
    first_page = PdfReader(tmp_path / "c.pdf").pages[0].extract_text() or ""
    assert "Second <b>campaign</b>" in first_page
    dialog.accept()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_a: ("", False))  # Cancel
    assert window.export_campaign_pdf() is None and files == ["asked"]  # no file asked


def test_two_exports_to_one_file_and_a_long_name_in_markup(
        window: MainWindow, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds of one target do not share a hidden file (the second once failed, or
    lost its file when the first was cancelled); a file name is shown as text, cut in the
    middle to the dialog, and the preview says which page is shown."""
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: told.append(text))
    name = "Ward <b>3 <i>" + "long-" * 40 + "report.pdf"
    target = tmp_path / name
    first = window.export_campaign_pdf(target)
    second = window.export_campaign_pdf(target)
    assert isinstance(first, ReportExportDialog) and isinstance(second, ReportExportDialog)
    assert first._building != second._building
    first.cancel()
    qtbot.waitUntil(lambda: not first.busy and not second.busy, timeout=60_000)
    assert told == [] and target.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*.building"))
    assert second.label.textFormat() == Qt.TextFormat.PlainText
    assert "…" in second.label.text() and second.label.toolTip().endswith(name)
    assert second.sizeHint().width() < 1000
    assert second.page_label.text() == f"page 1 of {second.document.pageCount()}"
    assert first.progress.isHidden()  # cancelled: no empty bar left
    second.accept()
    first.reject()
