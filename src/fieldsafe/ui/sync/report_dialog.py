"""The merge report: one line per bundle, then every record it brought, filterable by status."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRegularExpression, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.merge_report import (
    CONFLICT,
    PRESENT,
    REJECTED,
    STATUSES,
    MergeReport,
    Outcome,
    write_reports,
)

STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_COLUMN = 3
ERROR_COLOUR = QColor("#b00020")
CONFLICT_COLOUR = QColor("#fff3cd")
FIRST = (REJECTED, CONFLICT, "new", "updated", "present")  # the order rows are listed in


class MergeReportDialog(QDialog):
    """What merging did. Refused bundles are shown in red with their reason; when an audit
    is in conflict, "Open Merge Center" emits ``open_merge_center``."""

    open_merge_center = Signal()

    def __init__(self, reports: list[MergeReport], parent: QWidget | None = None, *,
                 notice: str = "", folder: Path | None = None) -> None:
        super().__init__(parent)
        self.reports, self.folder = reports, folder or Path.home()
        self.setWindowTitle(self.tr("Merge report"))
        self.notice = QLabel(notice, self)
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(notice))
        self.notice.setStyleSheet("QLabel { background: #fff3cd; padding: 6px; }")
        self.bundles = QListWidget(self)
        self.bundles.setAccessibleName(self.tr("Bundles"))
        self.bundles.setWordWrap(True)
        error_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        ok_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        for report in reports:
            item = QListWidgetItem(report.summary(), self.bundles)
            item.setToolTip(report.file)
            if report.refused is not None:
                item.setIcon(error_icon)
                item.setForeground(QBrush(ERROR_COLOUR))
                item.setToolTip(f"{report.file}\n{report.refused}")
            else:
                item.setIcon(ok_icon)
        self.bundles.setMaximumHeight(min(40 + 26 * len(reports), 170))
        self.model = QStandardItemModel(0, 8, self)
        self.model.setHorizontalHeaderLabels([
            self.tr("Kind"), self.tr("ID"), self.tr("Bundle"), self.tr("Status"),
            self.tr("Device"), self.tr("Team"), self.tr("Author"), self.tr("Detail")])
        rows = [(report, outcome) for report in reports for outcome in self._outcomes(report)]
        rows.sort(key=lambda row: FIRST.index(row[1].status) if row[1].status in FIRST
                  else len(FIRST))  # what needs a look first; stable: bundle order after
        for report, outcome in rows:
            self.model.appendRow(self._row(report, outcome))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(STATUS_COLUMN)
        self.proxy.setFilterRole(STATUS_ROLE)
        self.table = QTableView(self)
        self.table.setAccessibleName(self.tr("Records merged"))
        self.table.setModel(self.proxy)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 100), (1, 210), (2, 130), (3, 110), (4, 90), (5, 70), (6, 80)):
            header.resizeSection(column, width)
        self.status_filter = QComboBox(self)
        self.status_filter.setAccessibleName(self.tr("Show records with status"))
        self.status_filter.addItem(self.tr("All ({n})").replace(
            "{n}", str(self.model.rowCount())), "")
        for status in STATUSES:
            count = sum(1 for row in range(self.model.rowCount())
                        if self.model.item(row, STATUS_COLUMN).data(STATUS_ROLE) == status)
            self.status_filter.addItem(f"{self.status_text(status)} ({count})", status)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.show_status(
            self.status_filter.currentData() or ""))
        self.save_button = QPushButton(self.tr("Save report…"), self)
        self.save_button.setAccessibleName(self.tr("Save the merge report as CSV or JSON"))
        self.save_button.clicked.connect(lambda: self.save_report())
        self.merge_center_button = QPushButton(self.tr("Open Merge Center"), self)
        self.merge_center_button.setAccessibleName(self.tr("Open the Merge Center"))
        self.merge_center_button.clicked.connect(self._open_merge_center)
        self.merge_center_button.setVisible(self.has_conflicts())
        close = QPushButton(self.tr("Close"), self)
        close.setAccessibleName(self.tr("Close"))
        close.clicked.connect(self.accept)
        close.setDefault(True)
        self._layout(close)

    def _layout(self, close: QPushButton) -> None:
        bar = QHBoxLayout()
        shown = QLabel(self.tr("Show:"), self)
        shown.setBuddy(self.status_filter)
        bar.addWidget(shown)
        bar.addWidget(self.status_filter)
        bar.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.merge_center_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(QLabel(self.tr("Bundles:"), self))
        layout.addWidget(self.bundles)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(980, 560)

    def _outcomes(self, report: MergeReport) -> list[Outcome]:
        name = Path(report.file).name
        if report.refused is not None:
            return [Outcome("bundle", report.bundle_uuid or name, REJECTED, report.device_name,
                            report.team, report.author, report.refused), *report.outcomes]
        if report.already_imported and not report.outcomes:  # its records are not listed
            return [Outcome("bundle", report.bundle_uuid or name, PRESENT, report.device_name,
                            report.team, report.author,
                            self.tr("imported before: its {n} records changed nothing")
                            .replace("{n}", str(report.present_unlisted)))]
        return report.outcomes

    def _row(self, report: MergeReport, outcome: Outcome) -> list[QStandardItem]:
        texts = [self.kind_text(outcome.kind), outcome.id, Path(report.file).name,
                 self.status_text(outcome.status), outcome.device, outcome.team,
                 outcome.author, outcome.detail]
        items = [QStandardItem(text) for text in texts]
        items[1].setToolTip(outcome.id)
        items[7].setToolTip(outcome.detail)
        items[STATUS_COLUMN].setData(outcome.status, STATUS_ROLE)
        for item in items:
            item.setEditable(False)
            if outcome.status == CONFLICT:
                item.setBackground(QBrush(CONFLICT_COLOUR))
            elif outcome.status == REJECTED:
                item.setForeground(QBrush(ERROR_COLOUR))
        return items

    def status_text(self, status: str) -> str:
        return {"new": self.tr("New"), "updated": self.tr("Updated"),
                "present": self.tr("Already present"), "conflict": self.tr("Conflict"),
                "rejected": self.tr("Rejected")}.get(status, status)

    def kind_text(self, kind: str) -> str:
        return {"audit": self.tr("Audit"), "action": self.tr("Action item"),
                "campaign": self.tr("Campaign"), "form": self.tr("Form"),
                "layer": self.tr("Layer"), "media": self.tr("Photo or file"),
                "bundle": self.tr("Bundle")}.get(kind, kind)

    def has_conflicts(self) -> bool:
        return any(o.status == CONFLICT for r in self.reports for o in r.outcomes)

    def show_status(self, status: str) -> None:
        """Only the records with ``status`` ("" for all)."""
        pattern = f"^{QRegularExpression.escape(status)}$" if status else ""
        self.proxy.setFilterRegularExpression(pattern)
        index = self.status_filter.findData(status)
        if index >= 0 and index != self.status_filter.currentIndex():
            self.status_filter.setCurrentIndex(index)

    def shown_statuses(self) -> list[str]:
        """The status of every row shown, top to bottom."""
        return [str(self.proxy.index(row, STATUS_COLUMN).data(STATUS_ROLE))
                for row in range(self.proxy.rowCount())]

    def save_report(self, path: Path | None = None) -> Path | None:
        """Write the report as CSV, or JSON for a .json name (asks where when not given)."""
        if path is None:
            chosen, chosen_filter = QFileDialog.getSaveFileName(
                self, self.tr("Save merge report"), str(self.folder / "merge-report.csv"),
                self.tr("CSV files (*.csv);;JSON files (*.json)"))
            if not chosen:
                return None
            path = Path(chosen)
            if not path.suffix:
                path = path.with_suffix(".json" if "json" in chosen_filter.lower() else ".csv")
        try:
            write_reports(self.reports, path)
        except UserError as err:
            QMessageBox.warning(self, self.tr("Save merge report"), str(err))
            return None
        return path

    def _open_merge_center(self) -> None:
        self.open_merge_center.emit()
        self.accept()
