"""This device's signing key and the devices it trusts (bundle signatures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import LocalSetting, TrustedDevice
from fieldsafe.sync.signing import new_private_key, parse_public_key, public_key_text

KEY_SETTING = "signing_key"


def private_key(db: Session) -> bytes:
    """This device's Ed25519 private key, made on first use; kept in the workspace's local
    settings, which never travel in bundles."""
    setting = db.get(LocalSetting, KEY_SETTING)
    if setting is None:
        setting = LocalSetting(key=KEY_SETTING, value=new_private_key().hex())
        db.add(setting)
        db.flush()
    return bytes.fromhex(setting.value)


def device_key(workspace: Workspace) -> str:
    """This device's public key, to give to a coordinator (``devices trust``)."""
    with workspace.transaction() as db:
        return public_key_text(private_key(db))


def trust_device(workspace: Workspace, key: str, name: str,
                 now: Callable[[], datetime] = datetime.now) -> dict[str, Any]:
    """Accept bundles signed by ``key`` from now on, under ``name``."""
    canonical = parse_public_key(key)
    if not name.strip():
        raise UserError(_("give the trusted device a name (--name)"))
    with workspace.transaction() as db:
        existing = db.get(TrustedDevice, canonical)
        if existing is None:
            existing = TrustedDevice(public_key=canonical, name=name.strip(), added_at=now())
            db.add(existing)
        else:
            existing.name = name.strip()
        return trusted_dict(existing)


def untrust_device(workspace: Workspace, key: str) -> None:
    canonical = parse_public_key(key)
    with workspace.transaction() as db:
        existing = db.get(TrustedDevice, canonical)
        if existing is None:
            raise UserError(_("{key} is not a trusted device").format(key=canonical))
        db.delete(existing)


def trusted_dict(device: TrustedDevice) -> dict[str, Any]:
    return {"public_key": device.public_key, "name": device.name,
            "added": device.added_at.isoformat(timespec="seconds")}


def list_trusted(workspace: Workspace) -> list[dict[str, Any]]:
    with workspace.transaction() as db:
        return [trusted_dict(d) for d in db.scalars(select(TrustedDevice).order_by(
            TrustedDevice.name))]


def trusted_name(db: Session, key: str) -> str | None:
    device = db.get(TrustedDevice, key)
    return device.name if device is not None else None
