"""After a crash: offers back the audits that were open, and forgets those declined."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from fieldsafe.services.recovery import interrupted_audits, mark_closed
from fieldsafe.services.workspace import Workspace


def offer_recovery(parent: QWidget, workspace: Workspace,
                   open_audit: Callable[[str], object | None]) -> None:
    """Ask whether to open again every audit that was open when FieldSafe stopped without
    closing it; ``open_audit(id)`` opens one (None: it cannot be opened any more)."""
    audit_ids = interrupted_audits(workspace)
    if not audit_ids:
        return

    def tr(text: str, n: int = -1) -> str:
        return QCoreApplication.translate("MainWindow", text, None, n)

    answer = QMessageBox.question(
        parent, tr("Recover your draft"),
        tr("FieldSafe was closed while an audit was open. Its draft was saved up to the "
           "last second. Open it again?") if len(audit_ids) == 1 else
        tr("FieldSafe was closed while %n audits were open. Their drafts were saved up to "
           "the last second. Open them again?", len(audit_ids)))
    if answer != QMessageBox.StandardButton.Yes:
        mark_closed(workspace)
        return
    for audit_id in audit_ids:
        if open_audit(audit_id) is None:  # gone meanwhile (retired, merged away)
            mark_closed(workspace, audit_id)
