"""The audit list as a lazy Qt table model: rows are read from SQL a page at a time."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from fieldsafe.i18n import N_
from fieldsafe.services.audit_list import AuditFilter, AuditRow, audit_page, count_audits
from fieldsafe.services.workspace import Workspace

PAGE = 100
Index = QModelIndex | QPersistentModelIndex


class AuditListModel(QAbstractTableModel):
    """Knows how many audits match; reads only the pages that are shown, so a list of
    100,000 audits opens as fast as one of 1,000."""

    # N_ marks the headers for the catalogue; tr() translates them when shown.
    COLUMNS = (("name", N_("Name")), ("form", N_("Form")), ("status", N_("Status")),
               ("team", N_("Team")), ("period", N_("Day/night")),
               ("campaign", N_("Campaign")), ("modified", N_("Modified")))

    def __init__(self, workspace: Workspace, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._workspace = workspace
        self._filter = AuditFilter()
        self._sort, self._descending = "modified", True
        self._pages: dict[int, list[AuditRow]] = {}
        self._count = count_audits(workspace, self._filter)

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section][1])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        key = self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole and row.conflict:
            return self.tr("Two devices changed this audit: resolve the conflict")
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _text(self, row: AuditRow, key: str) -> str:
        if key == "name":
            return row.name or row.id[:8]
        if key == "form":
            return row.form_id
        if key == "status":
            return {"draft": self.tr("Draft"), "finalized": self.tr("Finalized"),
                    "retired": self.tr("Retired")}.get(row.status, row.status)
        if key == "team":
            return row.team
        if key == "period":
            return {"day": self.tr("Day"), "night": self.tr("Night")}.get(row.period, "")
        if key == "campaign":
            return row.campaign
        return row.modified.strftime("%Y-%m-%d %H:%M")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.COLUMNS[column][0]
        self._sort = {"form": "form", "status": "status", "team": "team", "period": "period",
                      "name": "name", "campaign": "modified"}.get(key, "modified")
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # -- ours -------------------------------------------------------------------------------
    def set_filter(self, audit_filter: AuditFilter) -> None:
        self._filter = audit_filter
        self.reload()

    def reload(self) -> None:
        """Read the count again and forget the cached pages (after a change or a filter)."""
        self.beginResetModel()
        self._pages.clear()
        self._count = count_audits(self._workspace, self._filter)
        self.endResetModel()

    def row(self, number: int) -> AuditRow | None:
        page, offset = divmod(number, PAGE)
        if page not in self._pages:
            self._pages[page] = audit_page(self._workspace, self._filter, sort=self._sort,
                                           descending=self._descending, offset=page * PAGE,
                                           limit=PAGE)
        rows = self._pages[page]
        return rows[offset] if offset < len(rows) else None

    def audit_id(self, number: int) -> str | None:
        row = self.row(number)
        return row.id if row is not None else None

    def pages_loaded(self) -> int:
        return len(self._pages)
