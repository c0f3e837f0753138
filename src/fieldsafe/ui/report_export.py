"""Export a PDF report from the desktop: built off the GUI thread, then previewed and printed."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError

Build = Callable[[Path], Path]  # writes the report to the given path


class _Outcome(QObject):
    """Carries the worker's result to the GUI thread (queued signals)."""

    done = Signal(object)
    failed = Signal(str)


class ReportExportDialog(QDialog):
    """Builds the report into a hidden file beside ``target`` on a worker thread, with a busy
    bar and Cancel; a cancelled build is thrown away, a finished one renamed into place and
    shown in a preview with Print."""

    def __init__(self, build: Build, target: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export PDF"))
        self.target = target
        self.cancelled = False
        self.finished_path: Path | None = None
        self._building = target.with_name(f".{target.name}.building")
        self.label = QLabel(self.tr("Building {name}…").replace("{name}", target.name), self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName(self.tr("Building the report"))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel the export"))
        self.cancel_button.clicked.connect(self.cancel)
        self.print_button = QPushButton(self.tr("Print…"), self)
        self.print_button.setAccessibleName(self.tr("Print the report"))
        self.print_button.clicked.connect(self.print_report)
        self.print_button.hide()
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setAccessibleName(self.tr("Report preview"))
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.progress)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(520, 140)
        self._pending = True  # until the worker's outcome is handled here, on this thread
        self._outcome = _Outcome(self)
        self._outcome.done.connect(self._built)
        self._outcome.failed.connect(self._failed)
        # A Python thread, not Qt's pool: pyproj keeps per-thread state that a pool thread
        # (seen by Python as a new thread on every job) leaves dangling.
        self._thread = threading.Thread(target=self._work, args=(build,), daemon=True,
                                        name="fieldsafe-report")
        self._thread.start()

    def _work(self, build: Build) -> None:
        try:
            result = build(self._building)
        except UserError as err:
            self._outcome.failed.emit(str(err))
        except Exception as err:
            from fieldsafe.crash import write_crash_log

            log = write_crash_log(err)
            self._outcome.failed.emit(self.tr("The report failed (a bug); details are in "
                                              "{log}").replace("{log}", str(log)))
        else:
            self._outcome.done.emit(result)

    @property
    def busy(self) -> bool:
        """Until the build's outcome has been handled: a build that just finished may still
        be renamed into place or thrown away."""
        return self._pending

    def cancel(self) -> None:
        """Stop waiting; whatever the worker writes is removed when it finishes."""
        if self.busy:
            self.cancelled = True
            self.label.setText(self.tr("Cancelled; nothing was written."))
            self.progress.setRange(0, 1)
            self.cancel_button.setText(self.tr("Close"))
            self.cancel_button.clicked.disconnect()
            self.cancel_button.clicked.connect(self.reject)
        else:
            self.reject()

    def _built(self, _path: object) -> None:
        self._pending = False
        if self.cancelled:
            self._building.unlink(missing_ok=True)
            return
        self._building.replace(self.target)
        self.finished_path = self.target
        self.label.setText(self.tr("Saved {path}").replace("{path}", str(self.target)))
        self.progress.hide()
        self.document.load(str(self.target))
        self.view.show()
        self.print_button.show()
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.clicked.disconnect()
        self.cancel_button.clicked.connect(self.accept)
        self.resize(760, 900)

    def _failed(self, message: str) -> None:
        self._pending = False
        self._building.unlink(missing_ok=True)
        self.progress.setRange(0, 1)
        self.label.setText(message)
        if not self.cancelled:
            QMessageBox.warning(self, self.tr("Export PDF"), message)
        self.cancel_button.setText(self.tr("Close"))

    def print_report(self, printer: QPrinter | None = None) -> bool:
        """Print every page (asks with the print dialog unless a printer is given)."""
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
                return False
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, self.tr("Print"), self.tr("The printer cannot be used."))
            return False
        try:
            area = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                image = self.document.render(page, QSize(area.width(), area.height()))
                painter.drawImage(area.topLeft(), image.scaled(
                    area.size(), Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation))
        finally:
            painter.end()
        return True

    def reject(self) -> None:
        if self.busy:
            self.cancelled = True
        with contextlib.suppress(OSError):
            if not self.busy:
                self._building.unlink(missing_ok=True)
        super().reject()
