"""Remembers which audits are open, so that after a crash the next start offers them back."""

from __future__ import annotations

from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import LocalSetting

KEY = "open_audit"  # the IDs of the open audits, separated by spaces (one, before 0.1.1)


def mark_open(workspace: Workspace, audit_id: str) -> None:
    """``audit_id`` is open in a window (its draft was saved)."""
    with workspace.transaction() as db:
        setting = db.get(LocalSetting, KEY)
        if setting is None:
            db.add(LocalSetting(key=KEY, value=audit_id))
        elif audit_id not in setting.value.split():
            setting.value = " ".join([*setting.value.split(), audit_id])


def mark_closed(workspace: Workspace, audit_id: str | None = None) -> None:
    """``audit_id``'s window was closed (or it was finalized); None: forget them all."""
    with workspace.transaction() as db:
        setting = db.get(LocalSetting, KEY)
        if setting is None:
            return
        rest = [] if audit_id is None else [a for a in setting.value.split() if a != audit_id]
        if rest:
            setting.value = " ".join(rest)
        else:
            db.delete(setting)


def interrupted_audits(workspace: Workspace) -> list[str]:
    """The audits that were open when FieldSafe last stopped without closing them, in the
    order they were first saved."""
    with workspace.transaction() as db:
        setting = db.get(LocalSetting, KEY)
        return setting.value.split() if setting is not None else []


def interrupted_audit(workspace: Workspace) -> str | None:
    """The first of :func:`interrupted_audits`, or None."""
    found = interrupted_audits(workspace)
    return found[0] if found else None
