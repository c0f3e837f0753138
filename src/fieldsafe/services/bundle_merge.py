"""Receiving, step two: a checked bundle's records and layer files merged into the transaction."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, cast

import msgspec
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from fieldsafe.errors import UserError
from fieldsafe.geo.geojson import read_areas
from fieldsafe.geo.mbtiles import MBTiles
from fieldsafe.i18n import _
from fieldsafe.services import sync_records as conv
from fieldsafe.services.audit_heads import heads_in_hand, refresh_heads
from fieldsafe.services.bundle_check import Checked
from fieldsafe.services.bundle_media import MediaCopy
from fieldsafe.services.jobs import Progress
from fieldsafe.services.merge_report import NEW, PRESENT, UPDATED, MergeReport, Outcome
from fieldsafe.services.records import batches
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.bulk import insert_rows, insert_values, use_bulk_cache
from fieldsafe.storage.models import (
    ActionChange,
    ActionItem,
    Attachment,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Geometry,
    Layer,
    Media,
    ReceivedBundle,
)
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader
from fieldsafe.sync.errors import BundleError, shown


def merge(workspace: Workspace, db: Session, reader: BundleReader, checked: Checked,
          report: MergeReport, progress: Progress, copy: MediaCopy, new_layers: list[str],
          now: Callable[[], datetime] = datetime.now,
          while_waiting: Callable[[], None] | None = None) -> MergeReport:
    """Copy the bundle's new layer files in (their names go in ``new_layers``), then merge
    every record into ``db``'s transaction while ``copy`` (started by the caller) copies
    its new media files in: they are on disk when this returns, before the caller commits.
    A failure removes the layer files this merge added; the caller rolls ``db`` back (to
    its savepoint) and undoes the copy.

    ``while_waiting`` is called once every record is in the transaction, before the wait
    for the copy: work started there (reading the next bundle) fills that wait, and the
    commit's, instead of competing with the inserts."""
    added: list[str] = []
    try:
        _copy_layers(workspace, reader, checked, added)  # checked as copied: refused early
        use_bulk_cache(db)
        out = report.outcomes
        _merge_forms(db, checked, out, now)
        _merge_layers(db, checked, out, now)
        _merge_campaigns(db, checked, out)
        _merge_media(db, checked, out)
        _merge_audits(db, checked, out, progress)
        _merge_actions(db, checked, out)
        m = checked.manifest
        db.add(ReceivedBundle(bundle_uuid=m.bundle_uuid, manifest_sha256=checked.manifest_sha256,
                              device_id=m.device.id, device_name=m.device.name, team=m.team,
                              imported_at=now(), summary=report.counts()))
        db.flush()
        if while_waiting is not None:
            while_waiting()
        copy.wait()  # every file the records name is on disk before they are committed
        progress.step(1, 1, _("audits"))  # a cancel here still rolls this bundle back
    except BaseException:
        for name in added:
            with contextlib.suppress(OSError):  # one that cannot be removed stays, unused
                (workspace.layers_dir / name).unlink(missing_ok=True)
        raise
    new_layers += added
    return report


def layer_filename(record: rec.LayerRecord) -> str:
    return f"{record.uuid}{PurePosixPath(record.filename).suffix.lower()}"


def _copy_layers(workspace: Workspace, reader: BundleReader, checked: Checked,
                 written: list[str]) -> None:
    for record in checked.records["layers"]:
        target = workspace.layers_dir / layer_filename(record)
        if target.exists():
            continue
        workspace.layers_dir.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.part")
        try:
            with temp.open("wb") as out:
                reader.copy_to(f"layers/{record.sha256}",
                               checked.entry(f"layers/{record.sha256}"), out)
            _check_layer(checked, record, temp)
            temp.replace(target)
        finally:
            for path in (temp, *(temp.with_name(temp.name + s) for s in SQLITE_SIDE_FILES)):
                path.unlink(missing_ok=True)
        written.append(target.name)


SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


def _check_layer(checked: Checked, record: rec.LayerRecord, path: Path) -> None:
    """Refuse a layer file that is not what its kind says, as add_layer would."""
    try:
        if record.kind == "basemap":
            with MBTiles(path):
                pass  # its tables and metadata were read
        else:
            read_areas(path)
    except Exception as err:  # a crafted file can break the readers in any way
        why = str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
        why = " ".join(why.replace(str(path), shown(record.filename)).split())
        raise BundleError(checked.path, _("layer '{name}' cannot be used: {why}").format(
            name=shown(record.name), why=why[:300])) from None


def _who(record: Any) -> dict[str, str]:
    return {"device": record.device_name or record.device_id, "team": record.team,
            "author": record.author}


def _merge_forms(db: Session, checked: Checked, out: list[Outcome],
                 now: Callable[[], datetime]) -> None:
    for f in checked.records["forms"]:
        key = f"{f.form_id}@{f.version}"
        exists = db.scalar(select(FormVersion.id).where(FormVersion.form_id == f.form_id,
                                                        FormVersion.version == f.version))
        if exists is None:
            db.add(FormVersion(form_id=f.form_id, version=f.version, title=f.title,
                               content_hash=f.content_hash, source_name=f.source_name,
                               source_bytes=base64.b64decode(f.source), method=f.method,
                               builtin=False, added_at=now()))
        out.append(Outcome("form", key, PRESENT if exists is not None else NEW))


def _merge_layers(db: Session, checked: Checked, out: list[Outcome],
                  now: Callable[[], datetime]) -> None:
    for layer in checked.records["layers"]:
        exists = db.get(Layer, layer.uuid) is not None
        if not exists:
            db.add(Layer(uuid=layer.uuid, kind=layer.kind, name=layer.name,
                         filename=layer_filename(layer), sha256=layer.sha256,
                         info=dict(layer.info), added_at=now()))
        out.append(Outcome("layer", layer.uuid, PRESENT if exists else NEW))


def _merge_campaigns(db: Session, checked: Checked, out: list[Outcome]) -> None:
    """Campaign settings: the latest change wins, by (time, device ID), in every order."""
    for c in checked.records["campaigns"]:
        stored = db.get(Campaign, c.uuid)
        if stored is None:
            db.add(Campaign(**conv.campaign_row(c)))
            out.append(Outcome("campaign", c.uuid, NEW, **_who(c)))
            continue
        mine = conv.campaign_record(stored)
        if _campaign_key(c) > _campaign_key(mine):
            for key, value in conv.campaign_row(c).items():
                setattr(stored, key, value)
            out.append(Outcome("campaign", c.uuid, UPDATED, **_who(c)))
        else:
            out.append(Outcome("campaign", c.uuid, PRESENT, **_who(c)))


def _campaign_key(c: rec.CampaignRecord) -> tuple[str, str, str]:
    return (c.modified_at.isoformat(), c.device_id,
            hashlib.sha256(rec.encode(c)).hexdigest())


def _merge_media(db: Session, checked: Checked, out: list[Outcome]) -> None:
    """New media rows; where the row here says other things of a file (its type, its
    facts), the copy whose record hashes higher is kept, so every order ends the same."""
    media: list[rec.MediaRecord] = checked.records["media"]
    known: dict[str, rec.MediaRecord] = {}
    for batch in batches([m.sha256 for m in media]):
        known.update((m.sha256, conv.media_record(m)) for m in db.scalars(
            select(Media).where(Media.sha256.in_(batch))))
    rows = [_media_row(m) for m in media if m.sha256 not in known]
    if rows:
        db.execute(insert(Media), rows)
    for m in media:
        here = known.get(m.sha256)
        status = NEW if here is None else PRESENT
        if here is not None and _media_key(m) > _media_key(here):
            db.execute(update(Media).where(Media.sha256 == m.sha256).values(**_media_row(m)))
            status = UPDATED
        out.append(Outcome("media", m.sha256, status))


def _media_row(m: rec.MediaRecord) -> dict[str, Any]:
    return {"sha256": m.sha256, "size": m.size, "mime": m.mime, "info": dict(m.info)}


def _media_key(m: rec.MediaRecord) -> str:
    return hashlib.sha256(rec.encode(m)).hexdigest()


def _merge_audits(db: Session, checked: Checked, out: list[Outcome],
                  progress: Progress) -> None:
    audits: list[rec.AuditRecord] = checked.records["audits"]
    ids = [a.uuid for a in audits]
    known: set[str] = set()
    stored: dict[str, tuple[str, datetime, bool]] = {}
    for batch in batches(ids):
        known.update(db.scalars(select(Audit.uuid).where(Audit.uuid.in_(batch))))
        stored.update({u: (s, t, r) for u, s, t, r in db.execute(
            select(AuditRevision.uuid, AuditRevision.status, AuditRevision.saved_at,
                   AuditRevision.redacted).where(AuditRevision.audit_uuid.in_(batch)))})
    new_audits, revisions, attachments, geometries = [], [], [], []
    touched: list[str] = []  # audits here before, with a new or replaced revision
    statuses: dict[str, str] = {}
    # A new audit's revisions are all in the bundle: its head is known before it is stored.
    heads = heads_in_hand(db, (a for a in audits if a.uuid not in known))
    for index, audit in enumerate(audits, start=1):
        changed = False
        if audit.uuid not in known:
            new_audits.append({"form_id": audit.form_id, "campaign_uuid": audit.campaign_uuid,
                               "created_at": audit.created_at, **heads[audit.uuid]})
        for r in audit.revisions:
            have = stored.get(r.uuid)
            if have is None:
                row = conv.revision_row(r, audit.uuid)
                row["answers"], row["merges"] = _json_text(r.answers), _json_text(r.merges)
                revisions.append(row)
                attachments += conv.attachment_rows(r)
                geometries += conv.geometry_values(r)
                changed = True
            elif have != (r.status, r.saved_at, r.redacted) and _replace(db, r):
                changed = True
        if changed and audit.uuid in known:
            touched.append(audit.uuid)
        statuses[audit.uuid] = NEW if audit.uuid not in known else (
            UPDATED if changed else PRESENT)
        if index % 200 == 0:
            progress.step(index, len(audits), _("audits"))
    for model, rows in ((Audit, new_audits), (AuditRevision, revisions),
                        (Attachment, attachments)):
        # One DBAPI executemany per table: no ORM or Core bookkeeping for 1,000s of rows.
        insert_rows(db, cast(Table, model.__table__), rows,
                    json_text=("answers", "merges") if model is AuditRevision else ())
    # The most rows (several per revision), all texts and numbers: as tuples.
    insert_values(db, cast(Table, Geometry.__table__), conv.GEOMETRY_COLUMNS, geometries)
    conflicts = refresh_heads(db, touched) | {u for u, h in heads.items() if h["conflict"]}
    for audit in audits:
        status = statuses[audit.uuid]
        if audit.uuid in conflicts and status != PRESENT:
            status = "conflict"
        newest = max(audit.revisions, key=lambda r: r.saved_at)
        out.append(Outcome("audit", audit.uuid, status, **_who(newest),
                           detail=newest.instance_name))


def _json_text(value: dict[str, Any] | list[str]) -> str:
    """Answers (or a revision's merged parents) as JSON text, by msgspec's encoder: several
    times faster than the json module's for the 100,000 answers of a large merge. They came
    from JSON, so they hold nothing it would write differently from what it read (no NaN)."""
    return msgspec.json.encode(value).decode()


def _replace(db: Session, incoming: rec.RevisionRecord) -> bool:
    """Two copies of one revision (a draft saved again, then finalized; a redacted copy):
    keep the one that ranks higher on every device. Whether the incoming one won."""
    row = db.get(AuditRevision, incoming.uuid)
    assert row is not None
    if conv.revision_rank(incoming) <= conv.revision_rank(conv.revision_record(row)):
        return False
    values = conv.revision_row(incoming, row.audit_uuid)
    db.execute(update(AuditRevision).where(AuditRevision.uuid == incoming.uuid)
               .values(**{k: v for k, v in values.items() if k != "uuid"}))
    db.execute(delete(Attachment).where(Attachment.revision_uuid == incoming.uuid))
    db.execute(delete(Geometry).where(Geometry.revision_uuid == incoming.uuid))
    for table, rows in ((Attachment, conv.attachment_rows(incoming)),
                        (Geometry, conv.geometry_rows(incoming))):
        if rows:
            db.execute(insert(table), rows)
    db.expire(row)
    return True


def _merge_actions(db: Session, checked: Checked, out: list[Outcome]) -> None:
    """Action items keep the union of their changes; the state is the changes applied in
    (time, device ID) order over the state the item was made with."""
    for a in checked.records["actions"]:
        item = db.get(ActionItem, a.uuid)
        status = NEW
        if item is None:
            item = ActionItem(uuid=a.uuid, audit_uuid=a.audit_uuid,
                              finding_index=a.finding_index,
                              finding_ref=dict(a.finding_ref) if a.finding_ref else None,
                              created_at=a.created_at,
                              modified_at=a.created_at, device_id=a.device_id,
                              device_name=a.device_name, author=a.author, team=a.team)
            db.add(item)
            initial = a.initial
        else:
            initial = conv.action_record(item).initial
            status = PRESENT
        have = {c.uuid for c in item.changes}
        who = _who(a)  # the item's maker; an update is credited to the newest change's
        newest: tuple[datetime, str] | None = None
        for change in a.changes:
            if change.uuid not in have:
                if newest is None or (change.changed_at, change.device_id) > newest:
                    newest, who = (change.changed_at, change.device_id), _who(change)
                item.changes.append(ActionChange(
                    uuid=change.uuid, changed_at=change.changed_at,
                    fields={k: list(v) for k, v in change.fields.items()},
                    device_id=change.device_id, device_name=change.device_name,
                    author=change.author, team=change.team))
                status = UPDATED if status == PRESENT else status
        _apply_history(item, initial)
        out.append(Outcome("action", a.uuid, status, **(_who(a) if status == NEW else who)))


def _apply_history(item: ActionItem, initial: rec.ActionState) -> None:
    state: dict[str, Any] = {k: getattr(initial, k) for k in conv.STATE_FIELDS}
    changes = sorted(item.changes, key=lambda c: (c.changed_at, c.device_id, c.uuid))
    for change in changes:
        for name, pair in change.fields.items():
            if name in conv.CHANGE_FIELDS and isinstance(pair, list) and len(pair) == 2:
                state[name] = pair[1]
    target = state.pop("target_date")
    item.target_date = date.fromisoformat(target) if target else None
    for key, value in state.items():
        setattr(item, key, value)
    item.modified_at = max([item.created_at, *(c.changed_at for c in changes)])
