"""What the sync dialogs remember in QSettings: their options, recipients and last folder."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings

from fieldsafe.services.workspace import Identity

RECIPIENTS = "sync/recipients"
FOLDER = "sync/folder"
REQUIRE_SIGNATURE = "sync/require_signature"
MAX_RECIPIENTS = 20


def flag(settings: QSettings, key: str, default: bool = False) -> bool:
    """A remembered tick box (INI files give back "true"/"false" strings)."""
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def recipients(settings: QSettings) -> list[str]:
    """Recipient names sent to with "only what changed", the latest first."""
    value = settings.value(RECIPIENTS, "")
    text = "\n".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    return [name for name in text.split("\n") if name.strip()]


def remember_recipient(settings: QSettings, name: str) -> None:
    names = [name, *(n for n in recipients(settings) if n != name)][:MAX_RECIPIENTS]
    settings.setValue(RECIPIENTS, "\n".join(names))


def folder(settings: QSettings) -> Path:
    """Where bundles were last saved or opened (the home folder at first)."""
    value = settings.value(FOLDER, "")
    chosen = Path(str(value)) if value else Path.home()
    return chosen if chosen.is_dir() else Path.home()


def remember_folder(settings: QSettings, path: Path) -> None:
    settings.setValue(FOLDER, str(path.parent if path.suffix else path))


def bundle_name(identity: Identity, today: date) -> str:
    """``laptop-3-north-2026-11-20.fieldsafe``: who sent it, and when."""
    stem = f"{identity.device_name}-{identity.team}-{today.isoformat()}"
    return re.sub(r"[^\w.-]+", "-", stem).strip("-.") + ".fieldsafe"
