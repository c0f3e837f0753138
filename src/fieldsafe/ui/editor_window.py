"""A window to fill in one audit: the form filler, autosave, finalize, photos and routes."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QToolBar, QWidget

from fieldsafe.errors import UserError
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.recovery import mark_closed
from fieldsafe.ui.autosave import AutoSaver
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.form_filler import FormFillerWidget


class EditorWindow(QMainWindow):
    """Every change is saved to the draft within a second; closing saves what is left."""

    saved = Signal()

    def __init__(self, workspace: object, editor: AuditEditor, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor, self.settings = editor, settings
        language = settings.value("form_language")
        if isinstance(language, str) and language in editor.form.languages:
            editor.session.language = language
        context = FillerContext(import_gpx=self.import_gpx,
                                attach_file=lambda node, path: editor.attach(node, path).filename,
                                photo_widget_factory=self._photo_widget)
        self.filler = FormFillerWidget(editor.session, context, self)
        self.setCentralWidget(self.filler)
        self.autosave = AutoSaver(editor, self)
        self.filler.changed.connect(self.autosave.changed)
        self.autosave.saved.connect(self._saved)
        self.autosave.failed.connect(self._failed)
        self._build_toolbar()
        self.setWindowTitle(self.tr("{form} — FieldSafe").replace("{form}", editor.form.title))
        self.resize(1000, 760)
        self.statusBar().showMessage(self._status_text())

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Audit"), self)
        toolbar.setObjectName("editor-toolbar")
        self.save_action = QAction(self.tr("&Save draft"), self)
        self.save_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.save_action.triggered.connect(self.autosave.save_now)
        self.finalize_action = QAction(self.tr("&Finalize"), self)
        self.finalize_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.finalize_action.triggered.connect(self.finalize)
        close = QAction(self.tr("&Close"), self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        for action in (self.save_action, self.finalize_action, close):
            toolbar.addAction(action)
        self.addToolBar(toolbar)

    def _status_text(self) -> str:
        status = {"draft": self.tr("Draft"), "finalized": self.tr("Finalized"),
                  "retired": self.tr("Retired")}.get(self.editor.status, self.editor.status)
        if self.editor.status == "finalized":
            return self.tr("Finalized — a change starts a new revision, saved as you type")
        return self.tr("{status} — changes are saved as you type").replace("{status}", status)

    # -- saving -------------------------------------------------------------------------
    def _saved(self, _audit_id: str) -> None:
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(self.tr("Draft saved at {time}").replace(
            "{time}", datetime.now().strftime("%H:%M:%S")))
        self.saved.emit()

    def _failed(self, message: str) -> None:
        self.statusBar().setStyleSheet("color: #b00020;")
        self.statusBar().showMessage(self.tr(
            "Not saved: {why} Your answers are kept here and saving is retried.").replace(
            "{why}", message))

    def finalize(self) -> bool:
        problems = self.filler.validate_for_finalize()
        if problems:
            QMessageBox.warning(self, self.tr("Not finished yet"), self.tr(
                "{n} question(s) need an answer or a correction. The first one is shown."
            ).replace("{n}", str(len(problems))))
            return False
        try:
            self.autosave.flush()
            self.editor.finalize()
            mark_closed(self.editor.workspace)
        except UserError as err:
            QMessageBox.warning(self, self.tr("Not finalized"), str(err))
            return False
        self.saved.emit()
        self._finished = True
        self.close()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            self.autosave.flush()
        except UserError as err:
            answer = QMessageBox.question(
                self, self.tr("Not saved"),
                self.tr("{why}\n\nClose anyway and lose the last changes?").replace(
                    "{why}", str(err)))
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.editor.audit_id is not None:
            with suppress(UserError):  # the draft is saved; only the recovery offer remains
                mark_closed(self.editor.workspace)
        self.saved.emit()
        super().closeEvent(event)

    # -- routes and photos --------------------------------------------------------------
    def import_gpx(self) -> str | None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Import a GPX route"), "",
                                                    self.tr("GPX files (*.gpx)"))
        return self.route_from_gpx(Path(path)) if path else None

    def route_from_gpx(self, path: Path) -> str | None:
        """The longest track (or route) of a GPX file, simplified to 2 m, as ODK text."""
        from fieldsafe.geo.geodesy import length_m
        from fieldsafe.geo.gpx import best_line, read_gpx, simplify_line
        from fieldsafe.geo.odk import to_odk

        try:
            line = best_line(read_gpx(path))
        except UserError as err:
            QMessageBox.warning(self, self.tr("GPX file"), str(err))
            return None
        if line is None:
            QMessageBox.warning(self, self.tr("GPX file"),
                                self.tr("{file} has no track or route.").replace(
                                    "{file}", path.name))
            return None
        simple = simplify_line(line, 2.0)
        self.statusBar().showMessage(self.tr("Route imported: {km} km, {n} points").replace(
            "{km}", f"{length_m(simple) / 1000:.2f}").replace(
            "{n}", str(len(simple.coords))))
        return to_odk(simple)

    def _photo_widget(self, session: FormSession, node: XNode, parent: QWidget) -> QWidget:
        from fieldsafe.ui.photo_widget import PhotoQuestionWidget

        return PhotoQuestionWidget(self.editor, node, parent)  # the filler listens to it
