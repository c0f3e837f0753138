"""A window to fill in one audit: the form filler, autosave, finalize, photos and routes."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QToolBar, QWidget

from fieldsafe.errors import UserError
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.i18n import language_of
from fieldsafe.services.audit_content import IngestedFile
from fieldsafe.services.editor import AuditEditor
from fieldsafe.services.map_forms import match_language
from fieldsafe.services.recovery import mark_closed
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.autosave import AutoSaver
from fieldsafe.ui.background import Background
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.form_filler import FormFillerWidget
from fieldsafe.ui.gps import GpsSource


def map_settings(workspace: Workspace, campaign_uuid: str | None
                 ) -> tuple[Path | None, float, float]:
    """The basemap for the map editors (the campaign's, else the workspace's first), and
    the campaign's segment length and snapping tolerance (m)."""
    from fieldsafe.services.campaigns import list_campaigns
    from fieldsafe.services.layers import basemap_file
    from fieldsafe.services.segments import DEFAULT_SEGMENT_M, DEFAULT_TOLERANCE_M

    segment_m, tolerance_m, preferred = DEFAULT_SEGMENT_M, DEFAULT_TOLERANCE_M, []
    basemap: Path | None = None
    with suppress(UserError):
        for campaign in list_campaigns(workspace) if campaign_uuid else []:
            if campaign["id"] == campaign_uuid:
                segment_m, tolerance_m = campaign["segment_m"], campaign["tolerance_m"]
                preferred = list(campaign["layers"])
        basemap = basemap_file(workspace, preferred)
    return basemap, float(segment_m), float(tolerance_m)


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
        elif not language:  # none chosen in Settings: the app's language, if the form has it
            spoken = language_of()
            found = match_language(editor.form, spoken) if spoken else None
            if found is not None:
                editor.session.language = found
        basemap, segment_m, tolerance_m = map_settings(editor.workspace, editor.campaign_uuid)
        context = FillerContext(import_gpx=self.import_gpx,
                                attach_file=lambda node, path: editor.attach(node, path).filename,
                                photo_widget_factory=self._photo_widget, basemap=basemap,
                                snap_tolerance_m=tolerance_m, segment_m=segment_m,
                                gps_source_factory=lambda parent: GpsSource.from_settings(
                                    settings, parent))
        self.photo_jobs = Background(self)  # see _photo_widget
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
        map_action = QAction(self.tr("&Map"), self)
        map_action.setShortcut(QKeySequence("Ctrl+M"))
        map_action.triggered.connect(self.show_map)
        close = QAction(self.tr("&Close"), self)
        close.setShortcuts(QKeySequence.StandardKey.Close)  # Ctrl+W and Ctrl+F4 alike
        close.triggered.connect(self.close)
        for action in (self.save_action, self.finalize_action, map_action, close):
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
        if self.editor.in_conflict:  # changed elsewhere meanwhile: both kept, to be resolved
            self.statusBar().setStyleSheet("color: #8a5a00;")
            self.statusBar().showMessage(self.tr(
                "Draft saved at {time}, beside another version of this audit changed "
                "elsewhere meanwhile: both are kept; resolve them in the Merge Center.")
                .replace("{time}", datetime.now().strftime("%H:%M:%S")))
        else:
            self.statusBar().setStyleSheet("")
            self.statusBar().showMessage(self.tr("Draft saved at {time}").replace(
                "{time}", datetime.now().strftime("%H:%M:%S")))
        self.saved.emit()

    def _failed(self, message: str) -> None:
        self.statusBar().setStyleSheet("color: #b00020;")
        self.statusBar().showMessage(self.tr(
            "Not saved: {why} Your answers are kept here and saving is retried.").replace(
            "{why}", message if message.rstrip().endswith((".", "!", "?")) else
            message.rstrip() + "."))

    def finalize(self) -> bool:
        self._wait_for_photos()  # a photo being stored belongs in the finalized revision
        problems = self.filler.validate_for_finalize()
        if problems:
            QMessageBox.warning(self, self.tr("Not finished yet"), self.tr(
                "{n} question(s) need an answer or a correction. The first one is shown."
            ).replace("{n}", str(len(problems))))
            return False
        try:
            self.autosave.flush()
            self.editor.finalize()
            if self.editor.audit_id is not None:
                mark_closed(self.editor.workspace, self.editor.audit_id)
        except UserError as err:
            QMessageBox.warning(self, self.tr("Not finalized"), str(err))
            return False
        self.saved.emit()
        self._finished = True
        self.close()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        self._wait_for_photos()  # a photo being stored is attached, then saved below
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
                mark_closed(self.editor.workspace, self.editor.audit_id)
        self.saved.emit()
        super().closeEvent(event)

    # -- the map, routes and photos ---------------------------------------------------------
    def show_map(self) -> QWidget | None:
        """The audit on the map (as saved: the draft is saved first)."""
        from fieldsafe.ui.map.audit_map import AuditMapWidget

        try:
            self.autosave.flush()
            if self.editor.audit_id is None:
                self.editor.write(self.editor.snapshot())
            assert self.editor.audit_id is not None
            from fieldsafe.ui.settings_dialog import tile_cache_mb

            widget = AuditMapWidget(self.editor.workspace, self.editor.audit_id,
                                    tile_cache_mb=tile_cache_mb(self.settings))
        except UserError as err:
            QMessageBox.warning(self, self.tr("Map"), str(err))
            return None
        widget.setParent(self, Qt.WindowType.Window)
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        widget.finding_activated.connect(self.go_to_finding)
        widget.resize(1000, 700)
        widget.show()
        return widget

    def go_to_finding(self, number: int) -> None:
        """Show finding ``number`` of the form and put the cursor in its first question."""
        repeats = self.editor.form.with_role("finding")
        if not repeats or number < 1:
            return
        first = next((e for e in repeats[0].walk() if e.kind == "question"), None)
        if first is None:
            return
        try:
            widget = self.filler.widget_for(first, number)
        except KeyError:
            return
        page = next(i for i, p in enumerate(self.filler.pages) if p.isAncestorOf(widget))
        self.filler.go_to_page(page)
        widget.focus_input()
        self.raise_()
        self.activateWindow()

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
            data = read_gpx(path)
            line = best_line(data)
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
        if data.warnings:  # what was joined or left out: the user decides if it is right
            QMessageBox.information(self, self.tr("GPX file"), "\n".join(
                w[:1].upper() + w[1:] + "." for w in data.warnings))
        return to_odk(simple)

    def _photo_widget(self, session: FormSession, node: XNode, parent: QWidget) -> QWidget:
        from fieldsafe.ui.photo_widget import PhotoQuestionWidget

        # Photos are stored by the window's jobs: one being stored when its finding is
        # rebuilt (another added) or the window closes is still attached and saved.
        return PhotoQuestionWidget(self.editor, node, parent, jobs=self.photo_jobs,
                                   kept=self._photo_kept, lost=self._photo_lost)

    def _photo_kept(self, node: XNode, ingested: IngestedFile) -> None:
        """A photo stored after its widget was rebuilt or closed: answered all the same
        (unless its repeat instance was removed meanwhile), and saved."""
        if not any(a is self.editor.session.root for a in node.ancestors()):
            return
        self.editor.apply(node, ingested)
        self.filler.answers_changed()  # shown, and saved by the autosave

    def _photo_lost(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("Photo not attached"), message)

    def _wait_for_photos(self) -> None:
        """Let the photos being stored finish (seconds at most) before the last save."""
        if not self.photo_jobs.pending():
            return
        self.statusBar().showMessage(self.tr("Storing the photo before closing…"))
        loop = QEventLoop(self)
        timer = QTimer(self)
        timer.timeout.connect(lambda: loop.quit() if not self.photo_jobs.pending() else None)
        timer.start(20)
        loop.exec()
        timer.stop()
