"""Export a PDF report from the desktop: built off the GUI thread, then previewed and printed."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QRect, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.outputs import temp_stem

Build = Callable[[Path], Path]  # writes the report to the given path
PRINT_DPI = 300  # pages are rendered for the printer at this resolution


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
        # Hidden beside the target, and this build's own: two exports to one file must
        # not write into, or throw away, each other's. Its name stays within the 255 bytes
        # a file name may have, however long the target's is.
        self._building = target.with_name(
            f".{temp_stem(target.name)}.{uuid.uuid4().hex[:12]}.building")
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # a file or campaign name is text
        self._say(self.tr("Building {name}…").replace("{name}", target.name))
        self.page_label = QLabel(self)  # "page 2 of 7", under the preview
        self.page_label.setAccessibleName(self.tr("Page shown"))
        self.page_label.hide()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName(self.tr("Building the report"))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel the export"))
        self.cancel_button.clicked.connect(self.cancel)
        self.print_button = QPushButton(self.tr("Print…"), self)
        self.print_button.setAccessibleName(self.tr("Print the report"))
        self.print_button.clicked.connect(lambda _checked=False: self.print_report())
        self.print_button.hide()
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setAccessibleName(self.tr("Report preview"))
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.hide()
        self.view.pageNavigator().currentPageChanged.connect(self._show_page)
        buttons = QHBoxLayout()
        buttons.addWidget(self.page_label)
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
        # Cancel, Close or the window closing: the worker throws its file away (the lock
        # makes "stopped" and "finished" one decision, whichever comes first).
        self._lock = threading.Lock()
        self._stopped = False
        self._ready = False  # the worker finished; its file waits to be renamed here
        self._outcome = _Outcome(self)
        self._outcome.done.connect(self._built)
        self._outcome.failed.connect(self._failed)
        # A Python thread, not Qt's pool: pyproj keeps per-thread state that a pool thread
        # (seen by Python as a new thread on every job) leaves dangling. Not a daemon: if
        # the app quits during a build, Python waits for it, so that it removes its file.
        self._thread = threading.Thread(target=self._work, args=(build,), daemon=False,
                                        name="fieldsafe-report")
        self._thread.start()

    def _say(self, text: str) -> None:
        """``text`` in the label, cut in the middle to the dialog's width (a long path
        would widen the dialog past the screen); all of it in the label's tooltip."""
        self.label.setToolTip(text if len(text) > 60 else "")
        self.label.setText(self.label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideMiddle, 700))

    def _show_page(self, page: int) -> None:
        self.page_label.setText(self.tr("page {n} of {count}").replace(
            "{n}", str(page + 1)).replace("{count}", str(self.document.pageCount())))

    def _work(self, build: Build) -> None:
        try:
            result = build(self._building)
        except UserError as err:  # named by the file the user chose, not the hidden one
            self._tell("failed", str(err).replace(str(self._building), str(self.target)))
        except Exception as err:
            from fieldsafe.crash import write_crash_log

            log = write_crash_log(err)
            # (translated without the dialog, which may be gone by now)
            self._tell("failed", QCoreApplication.translate(
                "ReportExportDialog", "The report failed (a bug); details are in {log}")
                .replace("{log}", str(log)))
        else:
            with self._lock:
                if self._stopped:
                    self._discard()
                else:
                    self._ready = True
            self._tell("done", result)  # (stopped or not: the dialog stops waiting)

    def _tell(self, signal: str, value: object) -> None:
        """Hand the outcome (``done`` or ``failed``) to the GUI thread; if the dialog is
        gone, clean up here."""
        try:
            getattr(self._outcome, signal).emit(value)
        except RuntimeError:  # the dialog was closed and deleted meanwhile
            with self._lock:
                self._stopped = True
                self._discard()

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            self._building.unlink(missing_ok=True)

    def _stop(self) -> None:
        """No file from this build: the worker removes it when it finishes, or it is
        removed now if the worker has finished and the GUI has not renamed it yet."""
        with self._lock:
            self._stopped = True
            if self._ready:
                self._discard()

    @property
    def busy(self) -> bool:
        """Until the build's outcome has been handled: a build that just finished may still
        be renamed into place or thrown away."""
        return self._pending

    def cancel(self) -> None:
        """Stop waiting; whatever the worker writes is removed when it finishes."""
        if self.busy:
            self.cancelled = True
            self._stop()
            self._say(self.tr("Cancelled; nothing was written."))
            self.progress.hide()
            self.cancel_button.setText(self.tr("Close"))
            self.cancel_button.clicked.disconnect()
            self.cancel_button.clicked.connect(self.reject)
        else:
            self.reject()

    def _built(self, _path: object) -> None:
        self._pending = False
        failure: OSError | None = None
        with self._lock:
            if self._stopped:
                self._discard()
                return
            try:
                self._building.replace(self.target)
            except OSError as err:
                self._discard()
                failure = err
        if failure is not None:
            self._failed(self.tr("cannot write {path}: {why}").replace(
                "{path}", str(self.target)).replace("{why}", failure.strerror or str(failure)))
            return
        self.finished_path = self.target
        self._say(self.tr("Saved {path}").replace("{path}", str(self.target)))
        self.progress.hide()
        self.document.load(str(self.target))
        self.view.show()
        self._show_page(0)
        self.page_label.show()
        self.print_button.show()
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.clicked.disconnect()
        self.cancel_button.clicked.connect(self.accept)
        self.resize(760, 900)

    def _failed(self, message: str) -> None:
        self._pending = False
        self._discard()
        self.progress.hide()
        self._say(message)
        if not self.cancelled:
            QMessageBox.warning(self, self.tr("Export PDF"), message)
        self.cancel_button.setText(self.tr("Close"))

    def print_report(self, printer: QPrinter | None = None) -> bool:
        """Print every page (asks with the print dialog unless a printer is given). Pages
        are rendered at :data:`PRINT_DPI` and scaled to the printer's page, one at a time
        with a progress dialog that can cancel, so the window never freezes for long."""
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
                return False
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, self.tr("Print"), self.tr("The printer cannot be used."))
            return False
        pages = self.document.pageCount()
        cancelled = False
        progress = QProgressDialog(self.tr("Printing…"), self.tr("Cancel"), 0, pages, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        try:
            area = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
            for page in range(pages):
                progress.setValue(page)
                QApplication.processEvents()
                if progress.wasCanceled():
                    printer.abort()
                    cancelled = True
                    return False
                if page:
                    printer.newPage()
                points = self.document.pagePointSize(page) * (PRINT_DPI / 72)
                image = self.document.render(page, points.toSize())
                fitted = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(area.topLeft(), fitted), image)
            progress.setValue(pages)
        finally:
            painter.end()
            progress.close()
            if cancelled and printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and \
                    printer.outputFileName():  # printing to a file: no half file is left
                with contextlib.suppress(OSError):
                    Path(printer.outputFileName()).unlink(missing_ok=True)
        return True

    def reject(self) -> None:
        if self.busy:
            self.cancelled = True
            self._stop()
        super().reject()
