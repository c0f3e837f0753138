"""The main window: campaigns' audits in a lazy list with filters, and the action plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.audit_list import filter_choices
from fieldsafe.services.form_library import list_forms
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.audit_filters import AuditFilterBar
from fieldsafe.ui.audit_list_model import AuditListModel
from fieldsafe.ui.open_windows import keep_open
from fieldsafe.ui.report_actions import ReportActions
from fieldsafe.ui.sync.actions import SyncActions

if TYPE_CHECKING:
    from fieldsafe.ui.action_plan import ActionPlanView


class _FirstPaint(QObject):
    """Tells once when the audit list has been painted for the first time."""

    painted = Signal()

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            self.painted.emit()
        return False


class MainWindow(QMainWindow):
    """What a field team sees first: its audits, and what can be done with them."""

    def __init__(self, workspace: Workspace, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.settings = workspace, settings
        self.setWindowTitle(self.tr("FieldSafe — {folder}").replace(
            "{folder}", str(workspace.root)))
        self._editors: list[QWidget] = []
        self.tabs = QTabWidget(self)
        self.setCentralWidget(self.tabs)
        self.model = AuditListModel(workspace, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Audits"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 170), (2, 90), (3, 150), (4, 80), (5, 170), (6, 130)):
            header.resizeSection(column, width)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.first_paint = _FirstPaint(self)
        self.table.viewport().installEventFilter(self.first_paint)
        self.filters = AuditFilterBar(filter_choices(workspace), self)
        self.filters.changed.connect(self._filter)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(self.filters)
        layout.addWidget(self.table)
        self.tabs.addTab(page, self.tr("Audits"))
        self._action_plan: ActionPlanView | None = None
        self.tabs.addTab(QWidget(self), self.tr("Action plan"))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.sync = SyncActions(workspace, settings, self, self._editors)
        self.reports = ReportActions(workspace, settings, self, self._editors,
                                     self.selected_audit,
                                     lambda: self.filters.current().campaign or None)
        self.sync.changed.connect(self.refresh)
        self.setAcceptDrops(True)  # bundle files dropped here are received
        self._build_actions()
        self._restore()
        self._update_status()

    # -- layout and menus -----------------------------------------------------------------
    def _build_actions(self) -> None:
        def act(text: str, slot: object, key: QKeySequence | QKeySequence.StandardKey | str
                | None = None) -> QAction:
            action = QAction(text, self)
            if key is not None:
                action.setShortcut(QKeySequence(key))
            # triggered(checked) must not reach a slot's own first argument (a path, say)
            action.triggered.connect(lambda _checked=False, run=slot: run())
            return action

        self.new_menu = QMenu(self.tr("&New audit"), self)
        self.new_menu.aboutToShow.connect(self._fill_new_menu)
        self.open_action = act(self.tr("&Open audit"), self.open_selected,
                               QKeySequence.StandardKey.Open)
        self.retire_action = act(self.tr("&Retire audit…"), self.retire_selected)
        self.gallery_action = act(self.tr("&Photos"), self.show_gallery)
        self.map_action = act(self.tr("Campaign &map"), self.show_campaign_map, "Ctrl+M")
        self.export_audit_action = act(self.tr("Export audit &PDF…"), self.export_audit_pdf)
        self.export_campaign_action = act(self.tr("Export &campaign PDF…"),
                                          self.export_campaign_pdf)
        import_form = act(self.tr("&Import form…"), self.import_form)
        settings = act(self.tr("&Settings…"), self.show_settings,
                       QKeySequence.StandardKey.Preferences)
        quit_action = act(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        refresh = act(self.tr("&Refresh"), self.refresh, QKeySequence.StandardKey.Refresh)
        about = act(self.tr("&About FieldSafe"), self._about)
        menu = self.menuBar().addMenu(self.tr("&File"))
        menu.addMenu(self.new_menu)
        for action in (self.open_action, import_form, settings):
            menu.addAction(action)
        menu.addSeparator()
        menu.addActions(self.sync.actions())
        menu.addSeparator()
        menu.addAction(quit_action)
        audit_menu = self.menuBar().addMenu(self.tr("&Audit"))
        for action in (self.open_action, self.retire_action, self.gallery_action,
                       self.export_audit_action, self.export_campaign_action):
            audit_menu.addAction(action)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(refresh)
        view_menu.addAction(self.map_action)
        self.menuBar().addMenu(self.tr("&Help")).addAction(about)
        toolbar = QToolBar(self.tr("Audit actions"), self)
        toolbar.setObjectName("audit-toolbar")
        new_button = self.new_menu.menuAction()
        new_button.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        new_button.triggered.connect(self._new_from_shortcut)
        toolbar.addAction(new_button)
        for action in (self.open_action, self.retire_action, self.gallery_action,
                       self.map_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)

    def _restore(self) -> None:
        geometry = self.settings.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 700)
        state = self.settings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        header = self.settings.value("main/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)

    def closeEvent(self, event: QCloseEvent) -> None:
        for editor in list(self._editors):
            if not editor.close():
                event.ignore()
                return
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/state", self.saveState())
        self.settings.setValue("main/header", self.table.horizontalHeader().saveState())
        super().closeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.sync.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.sync.drop(event)

    def _update_status(self) -> None:
        self.statusBar().showMessage(self.tr("{n} audits shown — workspace {folder}")
                                     .replace("{n}", str(self.model.rowCount()))
                                     .replace("{folder}", str(self.workspace.root)))

    def _tab_changed(self, index: int) -> None:
        if index == 1 and self._action_plan is None:
            from fieldsafe.ui.action_plan import ActionPlanView

            self._action_plan = ActionPlanView(self.workspace, self)
            self.tabs.removeTab(1)
            self.tabs.insertTab(1, self._action_plan, self.tr("Action plan"))
            self.tabs.setCurrentIndex(1)

    # -- audit actions -------------------------------------------------------------------------
    def _filter(self, audit_filter: object) -> None:
        self.model.set_filter(audit_filter)  # type: ignore[arg-type]
        self._update_status()

    def refresh(self) -> None:
        """Read the workspace again: the audits, the filters' choices and the action plan."""
        self.filters.set_choices(filter_choices(self.workspace))
        self.model.reload()
        self._update_status()
        if self._action_plan is not None:
            self._action_plan.refresh()

    def selected_audit(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.audit_id(rows[0].row()) if rows else None

    def _fill_new_menu(self) -> None:
        self.new_menu.clear()
        seen: set[str] = set()
        for form in sorted(list_forms(self.workspace), key=lambda f: f.title):
            if form.form_id in seen:
                continue
            seen.add(form.form_id)
            action = self.new_menu.addAction(form.title or form.form_id)
            action.triggered.connect(lambda _c=False, f=form.form_id: self.new_audit(f))

    def _new_from_shortcut(self) -> None:
        self._fill_new_menu()
        self.new_menu.popup(self.mapToGlobal(self.rect().center()))

    def new_audit(self, form_id: str) -> QWidget | None:
        from fieldsafe.services.editor import AuditEditor

        campaign = self.filters.current().campaign or None  # new audits join the one shown
        return self._open_editor(lambda: AuditEditor.new(self.workspace, form_id,
                                                         campaign=campaign))

    def open_selected(self) -> QWidget | None:
        audit_id = self.selected_audit()
        return self.open_audit(audit_id) if audit_id else None

    def open_audit(self, audit_id: str) -> QWidget | None:
        """The audit's window: the one already open, brought to the front (two windows on
        one draft would each save over the other's answers), else a new one."""
        from fieldsafe.services.editor import AuditEditor
        from fieldsafe.ui.editor_window import EditorWindow

        for window in self._editors:
            if isinstance(window, EditorWindow) and window.editor.audit_id == audit_id:
                window.showNormal()
                window.raise_()
                window.activateWindow()
                return window
        return self._open_editor(lambda: AuditEditor.open(self.workspace, audit_id))

    def _open_editor(self, make: object) -> QWidget | None:
        from fieldsafe.ui.editor_window import EditorWindow

        try:
            editor = make()  # type: ignore[operator]
        except UserError as err:
            QMessageBox.warning(self, self.tr("FieldSafe"), str(err))
            return None
        window = EditorWindow(self.workspace, editor, self.settings)
        window.saved.connect(self.refresh)
        keep_open(window, self._editors)
        return window

    def retire_selected(self) -> None:
        audit_id = self.selected_audit()
        if audit_id is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Retire audit"),
            self.tr("Retire this audit? It stays in the history but leaves the lists "
                    "and reports."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        from fieldsafe.services.audits import retire_audit

        try:
            retire_audit(self.workspace, audit_id)
        except UserError as err:
            QMessageBox.warning(self, self.tr("FieldSafe"), str(err))
        self.refresh()

    def show_gallery(self) -> QWidget | None:
        audit_id = self.selected_audit()
        if audit_id is None:
            return None
        from fieldsafe.ui.gallery import PhotoGallery

        gallery = PhotoGallery(self.workspace, audit_id)
        gallery.setWindowTitle(self.tr("Photos"))
        gallery.resize(800, 600)
        keep_open(gallery, self._editors)
        return gallery

    def show_campaign_map(self) -> QWidget | None:
        """The map of the campaign shown in the list (or the first campaign)."""
        from fieldsafe.services.campaigns import list_campaigns
        from fieldsafe.ui.map.campaign_map import CampaignMap

        chosen = self.filters.current().campaign
        campaigns = list_campaigns(self.workspace)
        campaign = chosen or (campaigns[0]["id"] if campaigns else "")
        if not campaign:
            QMessageBox.information(self, self.tr("Campaign map"),
                                    self.tr("There is no campaign to show yet."))
            return None
        try:
            from fieldsafe.ui.settings_dialog import tile_cache_mb

            view = CampaignMap(self.workspace, campaign,
                               tile_cache_mb=tile_cache_mb(self.settings))
        except UserError as err:
            QMessageBox.warning(self, self.tr("Campaign map"), str(err))
            return None
        view.resize(1200, 800)
        keep_open(view, self._editors)
        return view

    def export_audit_pdf(self, target: Path | None = None) -> QWidget | None:
        """The selected audit's PDF report (see :class:`ReportActions`)."""
        return self.reports.export_audit_pdf(target)

    def export_campaign_pdf(self, target: Path | None = None) -> QWidget | None:
        """The campaign report of the campaign shown in the list, or one the user picks."""
        return self.reports.export_campaign_pdf(target)

    def import_form(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Import form"), "", self.tr("XLSForms (*.xlsx *.xls *.md)"))
        if not path:
            return
        from fieldsafe.services.form_library import import_form

        try:
            summary, added = import_form(self.workspace, Path(path))
        except UserError as err:
            QMessageBox.warning(self, self.tr("This form cannot be used"), str(err))
            return
        QMessageBox.information(
            self, self.tr("Form imported") if added else self.tr("Already here"),
            "\n\n".join([self.tr("{form} version {version}").replace("{form}", summary.title)
                         .replace("{version}", summary.version or "-"), *summary.warnings]))

    def show_settings(self) -> None:
        from fieldsafe.ui.settings_dialog import SettingsDialog

        SettingsDialog(self.workspace, self.settings, self).exec()

    def offer_recovery(self) -> None:
        """After a crash: offer back every audit that was open."""
        from fieldsafe.ui.recovery_offer import offer_recovery

        offer_recovery(self, self.workspace, self.open_audit)

    def _about(self) -> None:
        from fieldsafe import __version__

        QMessageBox.about(self, self.tr("About FieldSafe"),
                          self.tr("FieldSafe {version}: offline walk audits and "
                                  "community-safety surveys.").replace("{version}",
                                                                       __version__))
