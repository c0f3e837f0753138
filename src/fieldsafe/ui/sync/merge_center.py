"""The Merge Center: the audits two devices changed apart, and resolving them field by field."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.errors import UserError
from fieldsafe.services.audits import AuditResult
from fieldsafe.services.conflicts import Conflict, list_conflicts, resolve_conflict
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.sync.conflict_values import conflict_form
from fieldsafe.ui.sync.conflict_view import ConflictView

AUDIT_ROLE = Qt.ItemDataRole.UserRole
#: The choices made per audit, with the revisions they were made between.
Choices = dict[str, tuple[frozenset[str], dict[str, str]]]


def _revisions(conflict: Conflict) -> tuple[str, ...]:
    return tuple(side.revision for side in conflict.sides)


class MergeCenter(QWidget):
    """Lists the audits in conflict; the one chosen shows its sides side by side. Resolve
    saves one new revision with the answers chosen (``resolved`` with the audit's ID).
    The choices made stay while an audit's sides do not change: across reloads, other
    audits shown, and (given the same ``memory``) the Merge Center closed and reopened."""

    resolved = Signal(str)

    def __init__(self, workspace: Workspace, settings: QSettings,
                 parent: QWidget | None = None, *, memory: Choices | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.workspace = workspace
        self.memory: Choices = memory if memory is not None else {}
        language = settings.value("form_language")
        self.language = language if isinstance(language, str) and language else None
        self.setWindowTitle(self.tr("Merge Center"))
        self.conflicts: dict[str, Conflict] = {}
        self.view: ConflictView | None = None
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Audits in conflict"))
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(lambda item, _old: self._show(item))
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.resolve_button = QPushButton(self.tr("&Resolve"), self)
        self.resolve_button.setAccessibleName(self.tr("Resolve the conflict with the answers "
                                                      "chosen"))
        self.resolve_button.clicked.connect(lambda: self.resolve())
        self.resolve_button.setDefault(True)
        close = QPushButton(self.tr("Close"), self)
        close.setAccessibleName(self.tr("Close the Merge Center"))
        close.clicked.connect(self.close)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(self.tr("<b>Audits in conflict</b>"), left)
        heading.setBuddy(self.list)
        left_layout.addWidget(heading)
        left_layout.addWidget(self.list, 1)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 980])
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.resize(1200, 760)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Read the conflicts again; keep ``select`` (or the audit shown) chosen."""
        keep = select or self.current_audit()
        found = list_conflicts(self.workspace, self.language)
        self.conflicts = {c.audit: c for c in found}
        self.list.blockSignals(True)
        self.list.clear()
        for conflict in found:
            name = conflict.instance_name or conflict.audit[:8]
            devices = ", ".join(s.device_name or s.device_id[:8] for s in conflict.sides)
            item = QListWidgetItem(self.tr("{name}\n{form} · {devices}")
                                   .replace("{name}", name).replace("{form}", conflict.form_id)
                                   .replace("{devices}", devices), self.list)
            item.setData(AUDIT_ROLE, conflict.audit)
            item.setToolTip(conflict.audit)
        self.list.blockSignals(False)
        self.empty.setText(self.tr("No conflicts: every audit has one current version.")
                           if not found else self.tr("Choose an audit on the left."))
        rows = [i for i in range(self.list.count())
                if self.list.item(i).data(AUDIT_ROLE) == keep]
        if rows or found:
            self.list.setCurrentRow(rows[0] if rows else 0)
        else:
            self._show(None)
        for audit in [a for a in self.memory if a not in self.conflicts]:
            del self.memory[audit]  # resolved, here or elsewhere

    def current_audit(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(AUDIT_ROLE)) if item is not None else None

    def select_audit(self, audit_id: str) -> ConflictView | None:
        for row in range(self.list.count()):
            if self.list.item(row).data(AUDIT_ROLE) == audit_id:
                self.list.setCurrentRow(row)
                return self.view
        return None

    def _remember(self) -> None:
        if self.view is not None:
            conflict = self.view.conflict
            self.memory[conflict.audit] = (frozenset(_revisions(conflict)), self.view.choices())

    def _show(self, item: QListWidgetItem | None) -> None:
        conflict = self.conflicts.get(str(item.data(AUDIT_ROLE))) if item is not None else None
        self.resolve_button.setEnabled(conflict is not None)
        if (self.view is not None and conflict is not None
                and self.view.conflict.audit == conflict.audit
                and _revisions(self.view.conflict) == _revisions(conflict)):
            self.pages.setCurrentWidget(self.view)  # unchanged: the view and choices stay
            return
        if self.view is not None:
            self._remember()
            self.pages.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        if conflict is None:
            self.pages.setCurrentWidget(self.empty)
            return
        form = conflict_form(self.workspace, conflict)
        self.view = ConflictView(self.workspace, conflict, form, self.pages,
                                 language=self.language)
        kept = self.memory.get(conflict.audit)
        if kept is not None and kept[0] == frozenset(_revisions(conflict)):
            self.view.restore(kept[1])
        self.pages.addWidget(self.view)
        self.pages.setCurrentWidget(self.view)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._remember()
        super().closeEvent(event)

    def resolve(self) -> AuditResult | None:
        """Save the answers chosen as the audit's new revision (a quick transaction, so it
        runs here); a refusal (say the answers chosen together fail the form's checks) is
        shown in a message box and nothing changes."""
        if self.view is None:
            return None
        conflict = self.view.conflict
        try:
            result = resolve_conflict(self.workspace, conflict.audit,
                                      choices=self.view.choices())
        except UserError as err:
            QMessageBox.warning(self, self.tr("Cannot resolve this conflict"), str(err))
            return None
        name = conflict.instance_name or conflict.audit[:8]
        self.reload()
        self.status.setText(self.tr("Resolved {name}: revision {number} keeps the answers "
                                    "chosen.").replace("{name}", name)
                            .replace("{number}", str(result.revision)))
        self.resolved.emit(conflict.audit)
        return result
