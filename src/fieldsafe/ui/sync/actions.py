"""The main window's sync commands (File menu) and bundle files dropped on the window."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QSettings, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.open_windows import keep_open
from fieldsafe.ui.sync import prefs

if TYPE_CHECKING:
    from fieldsafe.ui.sync.merge_center import Choices, MergeCenter
    from fieldsafe.ui.sync.receive_dialog import ReceiveDialog, ReceiveResult
    from fieldsafe.ui.sync.report_dialog import MergeReportDialog
    from fieldsafe.ui.sync.send_dialog import SendBundleDialog

SUFFIX = ".fieldsafe"


def dropped_files(mime: QMimeData) -> tuple[list[Path], list[Path]]:
    """The local files being dragged: the bundles, then the others."""
    files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    bundles = [f for f in files if f.suffix.lower() == SUFFIX and not f.is_dir()]
    return bundles, [f for f in files if f not in bundles]


class SyncActions(QObject):
    """Send bundle…, Receive bundles… and Merge Center…, for the main ``window``. Dialogs
    it opens join ``open_windows`` (the window closes them before it closes). ``changed``
    says records arrived (audits, action items, campaigns…) or a conflict was resolved,
    so the window should read the workspace again."""

    changed = Signal()

    def __init__(self, workspace: Workspace, settings: QSettings, window: QMainWindow,
                 open_windows: list[QWidget]) -> None:
        super().__init__(window)
        self.workspace, self.settings, self.window = workspace, settings, window
        self._open = open_windows
        self.merge_center: MergeCenter | None = None
        self.merge_choices: Choices = {}  # kept while the Merge Center is closed
        self.report: MergeReportDialog | None = None
        self.send_action = QAction(self.tr("&Send bundle…"), self)
        self.send_action.setStatusTip(self.tr("Write this workspace's audits to a bundle "
                                              "file for another laptop"))
        self.send_action.triggered.connect(lambda: self.send_bundle())
        self.receive_action = QAction(self.tr("&Receive bundles…"), self)
        self.receive_action.setStatusTip(self.tr("Merge bundle files from other laptops; "
                                                 "you can also drop them on this window"))
        self.receive_action.triggered.connect(lambda: self.receive_bundles())
        self.merge_center_action = QAction(self.tr("&Merge Center…"), self)
        self.merge_center_action.setStatusTip(self.tr("Resolve audits two devices changed"))
        self.merge_center_action.triggered.connect(lambda: self.show_merge_center())

    def actions(self) -> list[QAction]:
        return [self.send_action, self.receive_action, self.merge_center_action]

    def _keep(self, widget: QWidget) -> None:
        widget.destroyed.connect(lambda _o=None, w=widget: self._forget(w))
        keep_open(widget, self._open)

    def _forget(self, widget: QWidget) -> None:
        if widget is self.merge_center:
            self.merge_center = None
        if widget is self.report:
            self.report = None

    # -- sending -----------------------------------------------------------------------------
    def send_bundle(self) -> SendBundleDialog:
        from fieldsafe.ui.sync.send_dialog import SendBundleDialog

        dialog = SendBundleDialog(self.workspace, self.settings, self.window)
        self._keep(dialog)
        return dialog

    # -- receiving ---------------------------------------------------------------------------
    def receive_bundles(self, paths: list[Path] | None = None) -> ReceiveDialog | None:
        """Ask for bundle files (unless given), then show them with the merge options."""
        from fieldsafe.ui.sync.receive_dialog import ReceiveDialog

        if paths is None:
            chosen, _filter = QFileDialog.getOpenFileNames(
                self.window, self.tr("Receive bundles"), str(prefs.folder(self.settings)),
                self.tr("FieldSafe bundles (*.fieldsafe)"))
            paths = [Path(p) for p in chosen]
        if not paths:
            return None
        prefs.remember_folder(self.settings, paths[0])
        dialog = ReceiveDialog(self.workspace, self.settings, paths, self.window)
        dialog.imported.connect(self._imported)
        self._keep(dialog)
        return dialog

    def _imported(self, result: ReceiveResult) -> None:
        from fieldsafe.ui.sync.report_dialog import MergeReportDialog

        if result.changed():
            self.changed.emit()
            if self.merge_center is not None:
                self.merge_center.reload()
        report = MergeReportDialog(result.reports, self.window, notice=self.notice(result),
                                   folder=prefs.folder(self.settings))
        report.open_merge_center.connect(lambda: self.show_merge_center())
        self.report = report
        self._keep(report)

    def notice(self, result: ReceiveResult) -> str:
        """After a Cancel: what was undone, what stays merged and what was not started."""
        if result.cancelled is None and not result.skipped:
            return ""
        merged = sum(1 for r in result.reports if r.refused is None)
        text = self.tr("Cancelled. {n} bundle(s) were merged and stay merged.") \
            .replace("{n}", str(merged))
        if result.cancelled is not None:
            text += " " + self.tr("{file} was being merged: it was undone, nothing of it "
                                  "was kept.").replace("{file}", result.cancelled.name)
        rest = [p.name for p in result.skipped]
        if rest:
            text += " " + self.tr("Not merged: {files}.").replace("{files}", ", ".join(rest))
        return text

    # -- dropped files -----------------------------------------------------------------------
    def drag_enter(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> ReceiveDialog | None:
        """Bundles dropped on the window start Receive; other files are named and ignored."""
        bundles, others = dropped_files(event.mimeData())
        if others:
            self.window.statusBar().showMessage(
                self.tr("Not a FieldSafe bundle, ignored: {files}").replace(
                    "{files}", ", ".join(p.name for p in others)), 15_000)
        if not bundles:
            event.ignore()
            return None
        event.acceptProposedAction()
        return self.receive_bundles(bundles)

    # -- conflicts ---------------------------------------------------------------------------
    def show_merge_center(self) -> MergeCenter:
        from fieldsafe.ui.sync.merge_center import MergeCenter

        if self.merge_center is not None:
            self.merge_center.reload()
        else:
            self.merge_center = MergeCenter(self.workspace, self.settings, self.window,
                                            memory=self.merge_choices)
            self.merge_center.resolved.connect(lambda _id: self.changed.emit())
            self._keep(self.merge_center)
        self.merge_center.raise_()
        self.merge_center.activateWindow()
        return self.merge_center
