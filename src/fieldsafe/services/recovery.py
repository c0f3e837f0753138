"""Remembers which audit was open, so that after a crash the next start offers it back."""

from __future__ import annotations

from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import LocalSetting

KEY = "open_audit"


def mark_open(workspace: Workspace, audit_id: str) -> None:
    with workspace.transaction() as db:
        setting = db.get(LocalSetting, KEY)
        if setting is None:
            db.add(LocalSetting(key=KEY, value=audit_id))
        else:
            setting.value = audit_id


def mark_closed(workspace: Workspace) -> None:
    with workspace.transaction() as db:
        setting = db.get(LocalSetting, KEY)
        if setting is not None:
            db.delete(setting)


def interrupted_audit(workspace: Workspace) -> str | None:
    """The audit that was open when FieldSafe last stopped without closing it."""
    with workspace.transaction() as db:
        setting = db.get(LocalSetting, KEY)
        return setting.value if setting is not None and setting.value else None
