"""The action plan: every action item in a filterable table, with editing and new items."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.i18n import language_of
from fieldsafe.services.actions import PRIORITIES, STATUSES, list_actions
from fieldsafe.services.audit_list import AuditFilter, audit_page
from fieldsafe.services.reports import workspace_choice_translations
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.action_dialogs import (
    ActionEditDialog,
    NewActionDialog,
    priority_text,
    status_text,
)
from fieldsafe.ui.background import Background

__all__ = ["ActionEditDialog", "ActionPlanView", "ActionTableModel", "NewActionDialog"]

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE_COLOUR = "#b3261e"
# Pixels: longer categories, agencies and audit names are elided (their tooltips have them).
WIDEST = {"title": 160, "agency": 150, "audit": 110}


@dataclass(frozen=True)
class ActionRows:
    """What the table shows: the action items, and a readable name for each audit."""

    actions: list[dict[str, Any]]
    audit_names: dict[str, str]


def read_action_rows(workspace: Workspace) -> ActionRows:
    """Every action item and the names of their audits (run it off the GUI thread). An
    item's category and agency, kept in the words of the form's default language, are
    shown in the app's language where the form has it (as the reports do)."""
    actions = list_actions(workspace)
    language = language_of()
    said = workspace_choice_translations(workspace, language) if language else {}
    if said:
        actions = [{**a, "title": said.get(a["title"], a["title"]),
                    "agency": said.get(a["agency"], a["agency"])} for a in actions]
    names: dict[str, str] = {}
    for audit_id in sorted({a["audit"] for a in actions}):
        found = audit_page(workspace, AuditFilter(text=audit_id), limit=1)
        names[audit_id] = (found[0].name if found and found[0].name else audit_id[:8])
    return ActionRows(actions, names)


class ActionTableModel(QAbstractTableModel):
    """Action items as table rows; the filtering is done by the view."""

    COLUMNS = ("title", "agency", "priority", "target", "status", "overdue",
               "recommendation", "audit")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []
        self._names: dict[str, str] = {}
        self._headers = {
            "title": self.tr("Category"), "agency": self.tr("Agency"),
            "priority": self.tr("Priority"), "target": self.tr("Target date"),
            "status": self.tr("Status"), "overdue": self.tr("Overdue"),
            "recommendation": self.tr("Recommendation"), "audit": self.tr("Audit")}

    def set_rows(self, rows: list[dict[str, Any]], audit_names: dict[str, str]) -> None:
        self.beginResetModel()
        self._rows, self._names = list(rows), dict(audit_names)
        self.endResetModel()

    def action(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[self.COLUMNS[section]]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        action, key = self._rows[index.row()], self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(action, key)
        if role == Qt.ItemDataRole.ForegroundRole and (
                key == "overdue" or (key == "audit" and action.get("finding_missing"))):
            return QBrush(QColor(OVERDUE_COLOUR))
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in ("title", "agency", "recommendation"):
                return action[key] or None
            if key == "audit" and action.get("finding_missing"):
                return self.tr("The finding this item was made from was removed from {name} "
                               "({id}) by a correction").format(
                    id=action["audit"], name=self._names.get(action["audit"], ""))
            if key == "audit":
                return self.tr("Finding {n} of {name} ({id})").format(
                    n=action["finding"], id=action["audit"],
                    name=self._names.get(action["audit"], ""))
            return None
        if role == SORT_ROLE:
            return self._sort_key(action, key)
        if role == Qt.ItemDataRole.UserRole:
            return action["id"]
        return None

    def _text(self, action: dict[str, Any], key: str) -> str:
        if key == "priority":
            return priority_text(self, action["priority"])
        if key == "status":
            return status_text(self, action["status"])
        if key == "overdue":
            return self.tr("overdue") if action["overdue"] else ""
        if key == "audit":
            name = self._names.get(action["audit"], action["audit"][:8])
            if action.get("finding_missing"):  # first, so that a narrow column shows it
                return self.tr("(finding removed) {audit}").format(audit=name)
            return self.tr("{audit} #{n}").format(audit=name, n=action["finding"])
        if key == "recommendation":
            return " ".join(str(action["recommendation"]).split())
        return str(action[key])

    def _sort_key(self, action: dict[str, Any], key: str) -> object:
        if key == "priority":
            return PRIORITIES.index(action["priority"]) if action["priority"] in PRIORITIES \
                else -1
        if key == "status":
            return STATUSES.index(action["status"]) if action["status"] in STATUSES else -1
        if key == "target":
            return action["target"] or "9999-99-99"  # no date: last
        if key == "overdue":
            return int(action["overdue"])
        return self._text(action, key).casefold()


class ActionPlanView(QWidget):
    """All action items: filter by agency, status and overdue; edit one or add one."""

    #: Emitted when the table has been read again from the workspace.
    refreshed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.dialog: ActionEditDialog | NewActionDialog | None = None
        self._all = ActionRows([], {})
        self._loading = False
        self._again = False
        self.background = Background(self)
        self.setAccessibleName(self.tr("Action plan"))
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.agency_combo = QComboBox(self)
        self.agency_combo.setAccessibleName(self.tr("Agency filter"))
        self.agency_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.agency_combo.addItem(self.tr("All agencies"), "")
        self.status_combo = QComboBox(self)
        self.status_combo.setAccessibleName(self.tr("Status filter"))
        self.status_combo.addItem(self.tr("All statuses"), "")
        for status in STATUSES:
            self.status_combo.addItem(status_text(self, status), status)
        self.overdue_check = QCheckBox(self.tr("Overdue only"), self)
        self.overdue_check.setAccessibleName(self.tr("Overdue only"))
        self.new_button = QPushButton(self.tr("New from finding…"), self)
        self.new_button.setAccessibleName(self.tr("New action item from a finding"))
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setAccessibleName(self.tr("Edit the action item"))
        self.edit_button.setEnabled(False)
        agency_label = QLabel(self.tr("&Agency:"), self)
        agency_label.setBuddy(self.agency_combo)
        status_label = QLabel(self.tr("&Status:"), self)
        status_label.setBuddy(self.status_combo)
        self.model = ActionTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(self.tr("Action items"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(self.model.COLUMNS.index("target"), Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The long free text goes last and takes what room is left; the others fit their text.
        header.moveSection(self.model.COLUMNS.index("recommendation"), len(self.model.COLUMNS) - 1)
        header.setStretchLastSection(True)
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName(self.tr("Number of action items shown"))

        filters = QHBoxLayout()
        for widget in (agency_label, self.agency_combo, status_label, self.status_combo,
                       self.overdue_check):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.new_button)
        filters.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self.agency_combo.currentIndexChanged.connect(self._apply_filters)
        self.status_combo.currentIndexChanged.connect(self._apply_filters)
        self.overdue_check.toggled.connect(self._apply_filters)
        self.table.doubleClicked.connect(lambda index: self.edit_action(index))
        self.edit_button.clicked.connect(lambda: self.edit_action())
        self.new_button.clicked.connect(self.new_action)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(
            lambda *_: self.edit_button.setEnabled(self.selected_action() is not None))

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the action items again (on a worker thread); ``refreshed`` follows."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        workspace = self.workspace
        self.background.run(lambda: read_action_rows(workspace), self._loaded, self._failed)

    def _loaded(self, rows: ActionRows) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()
            return
        self._all = rows
        chosen = self.agency_combo.currentData()
        # One entry per agency however it was capitalised ("Police", "police"), named as
        # most of its items spell it, as the campaign report groups them.
        spellings = Counter(a["agency"] for a in rows.actions if a["agency"])
        agencies: dict[str, str] = {}
        for name, _count in spellings.most_common():
            agencies.setdefault(name.casefold(), name)
        self.agency_combo.blockSignals(True)
        self.agency_combo.clear()
        self.agency_combo.addItem(self.tr("All agencies"), "")
        for key in sorted(agencies):
            self.agency_combo.addItem(agencies[key], key)
        self.agency_combo.setCurrentIndex(max(0, self.agency_combo.findData(chosen)))
        self.agency_combo.blockSignals(False)
        self._apply_filters()
        self.refreshed.emit()

    def _failed(self, message: str) -> None:
        self._loading = False
        QMessageBox.warning(self, self.tr("Action plan"), message)

    def _apply_filters(self) -> None:
        agency, status = self.agency_combo.currentData(), self.status_combo.currentData()
        overdue = self.overdue_check.isChecked()
        shown = [a for a in self._all.actions
                 if (not agency or a["agency"].casefold() == agency)
                 and (not status or a["status"] == status)
                 and (not overdue or a["overdue"])]
        self.model.set_rows(shown, self._all.audit_names)
        self._fit_columns()
        self.count_label.setText(self.tr("{shown} of {total} action items").format(
            shown=len(shown), total=len(self._all.actions)))
        self.edit_button.setEnabled(self.selected_action() is not None)

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        for key, widest in WIDEST.items():
            column = self.model.COLUMNS.index(key)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))

    def row_count(self) -> int:
        return self.proxy.rowCount()

    def shown_actions(self) -> list[dict[str, Any]]:
        """The action items shown, in the table's order."""
        return [self.model.action(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]

    def selected_action(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.action(self.proxy.mapToSource(rows[0]).row())

    # -- changing ------------------------------------------------------------------------
    def edit_action(self, index: QModelIndex | None = None) -> None:
        if index is not None and index.isValid():
            action = self.model.action(self.proxy.mapToSource(index).row())
        else:
            found = self.selected_action()
            if found is None:
                return
            action = found
        self._open(ActionEditDialog(self.workspace, action, self))

    def new_action(self) -> None:
        self._open(NewActionDialog(self.workspace, parent=self))

    def _open(self, dialog: ActionEditDialog | NewActionDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.open()
