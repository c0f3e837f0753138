"""Dialogs of the action plan: change an action item, or make one from an audit's finding."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.actions import (
    PRIORITIES,
    STATUSES,
    add_action,
    finding_answers,
    update_action,
)
from fieldsafe.services.audit_queries import list_audits, show_audit
from fieldsafe.services.form_library import find_version, form_definition
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.background import Background

SCAN_LIMIT = 500  # audits offered in the "New from finding" list; older ones by their ID


def status_text(widget: QObject, status: str) -> str:
    """One item's status (the context tells it from the report's plural column heads)."""
    return {"open": widget.tr("Open", "action status"),
            "in-progress": widget.tr("In progress", "action status"),
            "done": widget.tr("Done", "action status")}.get(status, status)


def priority_text(widget: QObject, priority: str) -> str:
    return {"low": widget.tr("Low"), "medium": widget.tr("Medium"), "high": widget.tr("High"),
            "urgent": widget.tr("Urgent")}.get(priority, priority)


class _ActionForm(QDialog):
    """The fields an action item shares in both dialogs, and saving with errors shown."""

    def __init__(self, workspace: Workspace, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.result_action: dict[str, Any] | None = None
        self.form = QFormLayout()
        self.priority_combo = QComboBox(self)
        for priority in PRIORITIES:
            self.priority_combo.addItem(priority_text(self, priority), priority)
        self.priority_combo.setAccessibleName(self.tr("Priority"))
        self.agency_edit = QLineEdit(self)
        self.agency_edit.setAccessibleName(self.tr("Agency"))
        self.target_edit = QDateEdit(self)
        self.target_edit.setCalendarPopup(True)
        self.target_edit.setDisplayFormat("yyyy-MM-dd")
        self.target_edit.setDate(QDate.currentDate().addDays(30))
        self.target_edit.setAccessibleName(self.tr("Target date"))
        self.no_target_check = QCheckBox(self.tr("No date"), self)
        self.no_target_check.setAccessibleName(self.tr("No target date"))
        self.no_target_check.toggled.connect(lambda on: self.target_edit.setEnabled(not on))
        self.recommendation_edit = QPlainTextEdit(self)
        self.recommendation_edit.setAccessibleName(self.tr("Recommendation"))
        self.recommendation_edit.setTabChangesFocus(True)
        self.recommendation_edit.setMinimumHeight(60)
        self.recommendation_edit.setMaximumHeight(110)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _add_common_rows(self) -> None:
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_edit)
        target_row.addWidget(self.no_target_check)
        target_row.addStretch(1)
        target_label = QLabel(self.tr("&Target date:"), self)
        target_label.setBuddy(self.target_edit)
        self.form.addRow(self.tr("&Priority:"), self.priority_combo)
        self.form.addRow(self.tr("&Agency:"), self.agency_edit)
        self.form.addRow(target_label, target_row)
        self.form.addRow(self.tr("&Recommendation:"), self.recommendation_edit)

    def target(self) -> date | None:
        if self.no_target_check.isChecked():
            return None
        return date.fromisoformat(self.target_edit.date().toString("yyyy-MM-dd"))

    def accept(self) -> None:
        try:
            self.result_action = self._save()
        except UserError as err:
            QMessageBox.warning(self, self.windowTitle(), str(err))
            return
        super().accept()

    def _save(self) -> dict[str, Any]:
        raise NotImplementedError


class ActionEditDialog(_ActionForm):
    """Changes an action item's status, agency, target date, priority or recommendation;
    each change is kept in its history."""

    def __init__(self, workspace: Workspace, action: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.action = action
        self.setWindowTitle(self.tr("Edit action item"))
        self.setMinimumWidth(520)
        self.setAccessibleName(self.tr("Edit action item"))
        heading = QLabel((self.tr("{title} — its finding was removed from the audit")
                          if action.get("finding_missing") else
                          self.tr("{title} — finding {n}")).format(
            title=action["title"] or self.tr("(no category)"), n=action["finding"]), self)
        heading.setStyleSheet("font-weight: bold;")
        heading.setAccessibleName(self.tr("Action item"))
        self.status_combo = QComboBox(self)
        for status in STATUSES:
            self.status_combo.addItem(status_text(self, status), status)
        self.status_combo.setAccessibleName(self.tr("Status"))
        self.form.addRow(self.tr("&Status:"), self.status_combo)
        self._add_common_rows()
        self.history_list = QListWidget(self)
        self.history_list.setAccessibleName(self.tr("History"))
        self.history_list.setMaximumHeight(100)
        self.history_list.setWordWrap(True)
        for entry in reversed(action.get("history", [])):  # newest first
            changes = "; ".join(self._change_text(key, old, new)
                                for key, (old, new) in entry["changes"].items())
            self.history_list.addItem(f"{entry['at'][:16].replace('T', ' ')} "
                                      f"{entry['author']}: {changes}")
        if action.get("history"):
            self.form.addRow(self.tr("History:"), self.history_list)
        else:
            self.history_list.hide()
        self._show(action)
        self._target_shown = self.target()  # as the date box shows it (it has limits)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    def _change_text(self, key: str, old: object, new: object) -> str:
        names = {"status": self.tr("status"), "agency": self.tr("agency"),
                 "target_date": self.tr("target date"), "priority": self.tr("priority"),
                 "recommendation": self.tr("recommendation")}
        shown = {"status": status_text, "priority": priority_text}.get(key)

        def text(value: object) -> str:
            if value in (None, ""):
                return "—"
            return shown(self, str(value)) if shown else str(value)

        return f"{names.get(key, key)}: {text(old)} → {text(new)}"

    def _show(self, action: dict[str, Any]) -> None:
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(action["status"])))
        self.priority_combo.setCurrentIndex(
            max(0, self.priority_combo.findData(action["priority"])))
        self.agency_edit.setText(action["agency"])
        self.recommendation_edit.setPlainText(action["recommendation"])
        if action["target"]:
            self.target_edit.setDate(QDate.fromString(action["target"], "yyyy-MM-dd"))
            # The service keeps an unchanged date when given none: a date can move, not go.
            self.no_target_check.setEnabled(False)
            self.no_target_check.setToolTip(
                self.tr("A target date can be moved but not removed"))
        else:
            self.no_target_check.setChecked(True)

    def _save(self) -> dict[str, Any]:
        """Send only what the user changed in this dialog: a field left alone keeps the
        value stored now, even if it changed elsewhere since the dialog opened (another
        window, the command line, a merged bundle)."""
        shown = self.action
        status, priority = self.status_combo.currentData(), self.priority_combo.currentData()
        agency = self.agency_edit.text()
        recommendation = self.recommendation_edit.toPlainText()
        target = self.target()
        return update_action(
            self.workspace, shown["id"],
            status=status if status != shown["status"] else None,
            priority=priority if priority != shown["priority"] else None,
            agency=agency.strip() if agency.strip() != shown["agency"].strip() else None,
            recommendation=recommendation.strip()
            if recommendation.strip() != shown["recommendation"].strip() else None,
            target=target if target is not None and target != self._target_shown else None)


@dataclass(frozen=True)
class AuditFindings:
    """An audit that has findings, as the "New from finding" dialog offers it."""

    audit_id: str
    label: str
    findings: list[dict[str, str]]  # the role-tagged answers of each finding, to show here
    # What an action item would copy of each: the answers not marked sensitive.
    suggested: list[dict[str, str]]


def audits_with_findings(workspace: Workspace, limit: int = SCAN_LIMIT) -> list[AuditFindings]:
    """The most recently changed audits that have findings (slow: run it off the GUI
    thread). Older audits are chosen by typing their ID."""
    out: list[AuditFindings] = []
    for audit in list_audits(workspace)[:limit]:
        if audit["status"] == "retired":
            continue
        with workspace.transaction() as db:
            form = form_definition(find_version(db, audit["form_id"], audit["form_version"]))
        repeats = form.with_role("finding")
        if not repeats:
            continue
        items = show_audit(workspace, audit["id"])["answers"].get(repeats[0].answer_key) or []
        if not isinstance(items, list) or not items:
            continue
        label = audit["instance_name"] or f"{audit['form_id']} {audit['id'][:8]}"
        out.append(AuditFindings(
            audit["id"], label,
            [finding_answers(repeats[0], item, include_sensitive=True) for item in items],
            [finding_answers(repeats[0], item) for item in items]))
    return out


class NewActionDialog(_ActionForm):
    """Makes an action item from one finding of an audit. Empty fields are filled from what
    the finding says (its recommendation and agency)."""

    #: Emitted when the list of audits with findings has been read.
    audits_loaded = Signal()

    def __init__(self, workspace: Workspace, audit_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self._wanted = audit_id
        self._audits: list[AuditFindings] = []
        self.setWindowTitle(self.tr("New action item from a finding"))
        self.setMinimumWidth(560)
        self.setAccessibleName(self.tr("New action item from a finding"))
        self.audit_combo = QComboBox(self)
        self.audit_combo.setAccessibleName(self.tr("Audit"))
        self.audit_combo.setEditable(True)
        line = self.audit_combo.lineEdit()
        assert line is not None
        self.audit_line: QLineEdit = line
        self.audit_line.setPlaceholderText(self.tr("Reading the audits…"))
        self.audit_combo.setEnabled(False)
        self.audit_combo.setMinimumContentsLength(40)
        self.audit_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.audit_combo.setToolTip(self.tr("Choose an audit, or type an audit's ID"))
        self.audit_combo.currentTextChanged.connect(self._audit_chosen)
        self.finding_spin = QSpinBox(self)
        self.finding_spin.setRange(1, 1)
        self.finding_spin.setAccessibleName(self.tr("Finding number"))
        self.finding_spin.valueChanged.connect(self._finding_chosen)
        # What the finding says: read-only text that wraps anywhere (a pasted link or a
        # held-down key is one long "word", which a label would run off its edge) and
        # scrolls past a few lines, so a long note neither clips nor stretches the dialog.
        self.finding_text = QPlainTextEdit(self)
        self.finding_text.setReadOnly(True)
        self.finding_text.setTabChangesFocus(True)
        self.finding_text.setFrameShape(QFrame.Shape.NoFrame)
        self.finding_text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.finding_text.setStyleSheet(
            "QPlainTextEdit { background: transparent; color: #5f6368; }")
        self.finding_text.setFixedHeight(
            4 * self.finding_text.fontMetrics().lineSpacing()
            + 2 * int(self.finding_text.document().documentMargin()) + 2)
        self.finding_text.setAccessibleName(self.tr("What the finding says"))
        self.form.addRow(self.tr("A&udit:"), self.audit_combo)
        self.form.addRow(self.tr("&Finding:"), self.finding_spin)
        self.form.addRow("", self.finding_text)
        self._add_common_rows()
        self.priority_combo.setCurrentIndex(self.priority_combo.findData("medium"))
        self.no_target_check.setChecked(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.background = Background(self)
        self.background.run(lambda: audits_with_findings(workspace), self._loaded,
                            self._load_failed)

    def _loaded(self, audits: list[AuditFindings]) -> None:
        self._audits = audits
        self.audit_combo.blockSignals(True)
        self.audit_combo.clear()
        named = Counter(audit.label for audit in audits)
        for audit in audits:  # two walks of one route on one day: told apart by their IDs
            label = audit.label if named[audit.label] == 1 else \
                f"{audit.label} ({audit.audit_id[:8]})"
            self.audit_combo.addItem(label, audit.audit_id)
        self.audit_combo.blockSignals(False)
        self.audit_combo.setEnabled(True)
        self.audit_line.setPlaceholderText(self.tr("Choose an audit, or type its ID"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        wanted = self.audit_combo.findData(self._wanted) if self._wanted else -1
        if wanted >= 0 or not self._wanted:
            self.audit_combo.setCurrentIndex(max(wanted, 0))
        else:
            self.audit_combo.setEditText(self._wanted)
        if not audits and not self._wanted:
            self.audit_line.setPlaceholderText(
                self.tr("No recent audit has findings: type an audit ID"))
        self.audit_line.setCursorPosition(0)
        self._audit_chosen()
        self.audits_loaded.emit()

    def _load_failed(self, message: str) -> None:
        QMessageBox.warning(self, self.windowTitle(), message)
        self.audit_combo.setEnabled(True)
        self.audit_line.setPlaceholderText(self.tr("Type an audit's ID"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _current(self) -> AuditFindings | None:
        """The listed audit chosen (by its row: two audits may have one name), or None
        when an ID was typed."""
        index = self.audit_combo.currentIndex()
        if not 0 <= index < len(self._audits) or \
                self.audit_combo.currentText() != self.audit_combo.itemText(index):
            return None
        return self._audits[index]

    def chosen_audit_id(self) -> str:
        current = self._current()
        return current.audit_id if current else self.audit_combo.currentText().strip()

    def _audit_chosen(self) -> None:
        current = self._current()
        self.finding_spin.setMaximum(len(current.findings) if current else 999)
        self.finding_spin.setSuffix(self.tr(" of {n}").format(n=len(current.findings))
                                    if current else "")
        self._finding_chosen()

    def _finding_chosen(self) -> None:
        current = self._current()
        if current is None:
            self.finding_text.clear()
            self.agency_edit.setPlaceholderText("")
            self.recommendation_edit.setPlaceholderText("")
            return
        said = current.findings[self.finding_spin.value() - 1]
        self.finding_text.setPlainText(" — ".join(
            part for part in (said.get("category", ""), said.get("note", "")) if part))
        suggested = current.suggested[self.finding_spin.value() - 1]
        self.agency_edit.setPlaceholderText(suggested.get("agency", ""))
        self.recommendation_edit.setPlaceholderText(suggested.get("recommendation", ""))

    def _save(self) -> dict[str, Any]:
        audit_id = self.chosen_audit_id()
        if not audit_id:
            raise UserError(self.tr("Choose an audit that has findings."))
        return add_action(
            self.workspace, audit_id, self.finding_spin.value(),
            agency=self.agency_edit.text().strip() or None, target=self.target(),
            priority=self.priority_combo.currentData(),
            recommendation=self.recommendation_edit.toPlainText().strip() or None)
