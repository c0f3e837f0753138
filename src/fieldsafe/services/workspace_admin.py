"""Workspace upkeep: what is in it, whether it is sound, a backup, and its content digest."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.outputs import temp_stem
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.db import backup_database, schema_version
from fieldsafe.storage.models import (
    ActionChange,
    ActionItem,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Layer,
    Media,
)


def info(workspace: Workspace) -> dict[str, Any]:
    ident = workspace.identity
    with workspace.transaction() as db:
        counts = {name: db.scalar(select(func.count()).select_from(model)) or 0
                  for name, model in (("forms", FormVersion), ("campaigns", Campaign),
                                      ("audits", Audit), ("revisions", AuditRevision),
                                      ("media", Media), ("action_items", ActionItem),
                                      ("layers", Layer))}
    return {"path": str(workspace.root), "database": str(workspace.db_path),
            "schema_version": schema_version(workspace.db_path),
            "device_id": ident.device_id, "device_name": ident.device_name,
            "user": ident.user, "team": ident.team, "counts": counts}


def check(workspace: Workspace) -> list[str]:
    """Problems found: database integrity, broken references, media that is missing or does
    not match its hash, layer files missing. Empty when the workspace is sound."""
    found: list[str] = []
    with workspace.transaction() as db:
        result = [r[0] for r in db.execute(text("PRAGMA integrity_check")).all()]
        if result != ["ok"]:
            found.extend(_("database: {line}").format(line=r) for r in result)
            # Reading on would stop at the first damaged page, with none of these told.
            return [*found, _("database: damaged, so the other checks were not made; "
                              "restore a backup")]
        for row in db.execute(text("PRAGMA foreign_key_check")).all():
            found.append(_("database: a {table} row refers to a missing {parent}").format(
                table=row[0], parent=row[2]))
        for audit in db.scalars(select(Audit)):
            if audit.head_uuid is None or db.get(AuditRevision, audit.head_uuid) is None:
                found.append(_("audit {id}: its current revision is missing").format(
                    id=audit.uuid))
        for rev in db.scalars(select(AuditRevision).where(AuditRevision.parent_uuid.is_not(
                None))):
            if db.get(AuditRevision, rev.parent_uuid) is None:
                found.append(_("revision {id}: its parent revision {parent} is missing")
                             .format(id=rev.uuid, parent=rev.parent_uuid))
        hashes = set(db.scalars(select(Media.sha256)))
        for sha in sorted(hashes):
            if not workspace.media.has(sha):
                found.append(_("media {sha}: the file is missing").format(sha=sha))
            elif not workspace.media.verify(sha):
                found.append(_("media {sha}: the file does not match its SHA-256 (damaged)")
                             .format(sha=sha))
        for layer in db.scalars(select(Layer)):
            if not (workspace.layers_dir / layer.filename).is_file():
                found.append(_("layer {name}: its file {file} is missing").format(
                    name=layer.name, file=layer.filename))
    return found


def backup(workspace: Workspace, destination: Path) -> Path:
    """Copy the workspace to ``destination`` (a new or empty folder outside it): a
    consistent copy of the database made while it is in use, the media and the layers.
    Written beside it first and put in place when whole: a failure (a full disk) leaves no
    half backup, and the same command can be run again."""
    root = workspace.root.resolve()
    target = destination.resolve()
    if target == root or root in target.parents:
        raise UserError(_("{folder}: the backup folder must be outside the workspace "
                          "(it would copy itself)").format(folder=destination))
    if destination.exists() and not destination.is_dir():
        raise UserError(_("{folder}: is a file, not a folder; give a folder to make for "
                          "the backup").format(folder=destination))
    if destination.exists() and any(destination.iterdir()):
        raise UserError(_("{folder}: the backup folder must be new or empty").format(
            folder=destination))
    if target.parent == target:
        raise UserError(_("{folder}: give a folder to make for the backup").format(
            folder=destination))
    building = target.with_name(f".{temp_stem(target.name)}.partial")
    try:
        shutil.rmtree(building, ignore_errors=True)  # a failed run's, if any
        building.mkdir(parents=True)
        backup_database(workspace.db_path, building / workspace.db_path.name)
        for folder in ("media", "layers"):
            source = workspace.root / folder
            if source.is_dir():
                shutil.copytree(source, building / folder)
        if target.exists():
            target.rmdir()  # empty, checked above ("." as such cannot be removed)
        building.rename(target)
    except (OSError, sqlite3.Error) as err:
        shutil.rmtree(building, ignore_errors=True)
        raise UserError(_("{folder}: the backup failed, and nothing of it was left: {why}")
                        .format(folder=destination, why=_why(err))) from None
    except BaseException:  # Ctrl+C, or a bug: no hidden half backup is left either
        shutil.rmtree(building, ignore_errors=True)
        raise
    return target  # as a full path: '.' would now name the folder that was removed


def database_damage(db_file: Path) -> list[str]:
    """What SQLite's quick check finds wrong in the database file (a backup just made, say);
    empty when it is sound."""
    try:  # read-write: a read-only connection would leave the WAL's -shm file behind
        connection = sqlite3.connect(db_file)
        try:
            lines = [str(r[0]) for r in connection.execute("PRAGMA quick_check").fetchall()]
        finally:
            connection.close()
    except sqlite3.Error as err:
        return [str(err)]
    return [] if lines == ["ok"] else lines


def _why(err: OSError | sqlite3.Error) -> str:
    """One line for what went wrong (a copy of many files reports every file)."""
    if isinstance(err, shutil.Error) and err.args and isinstance(err.args[0], list):
        first = err.args[0][0] if err.args[0] else None
        text = str(first[2]) if first and len(first) > 2 else str(err)
        return text.splitlines()[0][:300] if text else type(err).__name__
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return (str(err).splitlines() or [type(err).__name__])[0][:300]


def digest(workspace: Workspace) -> str:
    """SHA-256 over the canonical content of everything replicated (records and media),
    leaving out what is local: this device's identity, local row ids, import times."""
    hasher = hashlib.sha256()

    def feed(kind: str, record: dict[str, Any]) -> None:
        hasher.update(json.dumps([kind, record], sort_keys=True, default=str,
                                 separators=(",", ":")).encode())
        hasher.update(b"\n")

    with workspace.transaction() as db:
        for f in db.scalars(select(FormVersion).order_by(FormVersion.form_id,
                                                         FormVersion.version)):
            feed("form", {"form_id": f.form_id, "version": f.version, "hash": f.content_hash})
        for c in db.scalars(select(Campaign).order_by(Campaign.uuid)):
            feed("campaign", _columns(c, exclude=()))
        for a in db.scalars(select(Audit).order_by(Audit.uuid)):
            feed("audit", {"uuid": a.uuid, "form_id": a.form_id, "campaign": a.campaign_uuid,
                           "head": a.head_uuid, "status": a.status, "conflict": a.conflict})
        for r in db.scalars(select(AuditRevision).order_by(AuditRevision.uuid)):
            feed("revision", _columns(r, exclude=()))
            for att in sorted(r.attachments, key=lambda x: x.question_path):
                feed("attachment", {"revision": r.uuid, "question": att.question_path,
                                    "filename": att.filename, "sha256": att.sha256,
                                    "caption": att.caption})
            for g in sorted(r.geometries, key=lambda x: (x.question_path, x.geojson)):
                feed("geometry", {"revision": r.uuid, **_columns(g, exclude=(
                    "id", "revision_uuid"))})
        for m in db.scalars(select(Media).order_by(Media.sha256)):
            feed("media", {"sha256": m.sha256, "mime": m.mime, "info": m.info})
        for i in db.scalars(select(ActionItem).order_by(ActionItem.uuid)):
            feed("action", _columns(i, exclude=()))
        for ch in db.scalars(select(ActionChange).order_by(ActionChange.uuid)):
            feed("action_change", _columns(ch, exclude=()))
        for layer in db.scalars(select(Layer).order_by(Layer.uuid)):
            feed("layer", {"uuid": layer.uuid, "kind": layer.kind, "name": layer.name,
                           "sha256": layer.sha256, "info": layer.info})
    return hasher.hexdigest()


def _columns(record: object, exclude: tuple[str, ...]) -> dict[str, Any]:
    table = record.__table__  # type: ignore[attr-defined]
    return {c.name: getattr(record, c.key) for c in table.columns if c.name not in exclude}
