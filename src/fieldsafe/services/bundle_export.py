"""Sending: a sync bundle of this workspace's records and media, everything or what changed."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import msgspec
from msgspec import Struct
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fieldsafe import __version__
from fieldsafe.errors import UserError
from fieldsafe.forms.model import FormDef
from fieldsafe.i18n import _
from fieldsafe.ids import new_id
from fieldsafe.outputs import check_output_file
from fieldsafe.services import sync_records as conv
from fieldsafe.services.devices import private_key
from fieldsafe.services.form_library import form_definition
from fieldsafe.services.jobs import NO_PROGRESS, Progress
from fieldsafe.services.records import batches, resolve_campaign
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import (
    ActionItem,
    Audit,
    AuditRevision,
    Campaign,
    FormVersion,
    Layer,
    Media,
    SentDraft,
    SentRecord,
)
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleWriter
from fieldsafe.sync.manifest import ExportOptions, Manifest, ManifestEntry, SourceDevice
from fieldsafe.sync.manifest import encode_manifest as encode_manifest_bytes
from fieldsafe.sync.signing import sign


@dataclass
class ExportResult:
    path: Path
    bundle_uuid: str
    counts: dict[str, int]
    media_bytes: int
    signed: bool
    unchanged: int = 0  # records left out with --since-last: the recipient has them
    fingerprints: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "bundle_uuid": self.bundle_uuid,
                "counts": self.counts, "media_bytes": self.media_bytes,
                "signed": self.signed, "unchanged": self.unchanged}


@dataclass
class _Gathered:
    """What goes in the bundle. Record lines are spooled to temporary files, not held in
    memory, so a workspace of any size is sent with the memory of a few hundred audits."""

    spools: dict[str, IO[bytes]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    media: dict[str, int] = field(default_factory=dict)  # sha256 -> size
    layer_files: dict[str, Path] = field(default_factory=dict)  # sha256 -> file
    fingerprints: dict[tuple[str, str], str] = field(default_factory=dict)
    own_drafts: set[str] = field(default_factory=set)  # this device's drafts in the bundle
    unchanged: int = 0

    def add(self, kind: str, record: Struct) -> None:
        line = rec.encode(record)
        try:  # what no receiver would accept is stopped here, where it can be fixed
            _decoder(kind).decode(line)
        except msgspec.ValidationError as err:
            raise UserError(_("{kind} record {id} cannot be sent: {why}; fix it in this "
                              "workspace first").format(
                kind=kind, id=getattr(record, "uuid", getattr(record, "sha256", "?")),
                why=err)) from None
        if kind not in self.spools:
            self.spools[kind] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.spools[kind].write(line + b"\n")
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def lines(self, kind: str) -> Iterator[bytes]:
        spool = self.spools.get(kind)
        if spool is None:
            return
        spool.seek(0)
        for line in spool:
            yield line.rstrip(b"\n")

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()


def export_bundle(workspace: Workspace, output: Path, *, campaign: str | None = None,
                  since_last: str | None = None, include_drafts: bool = False,
                  with_basemaps: bool = False, exclude_sensitive: bool = False,
                  sign_bundle: bool = False, progress: Progress = NO_PROGRESS,
                  now: Callable[[], datetime] = datetime.now) -> ExportResult:
    """Write a bundle to ``output`` (whole or not at all). With ``since_last``, records the
    recipient was sent before and that did not change since are left out; the rest (and
    everything new) goes. Recorded as sent to the recipient once the file is in place."""
    options = ExportOptions(campaign=None, since_last=since_last or None,
                            include_drafts=include_drafts, with_basemaps=with_basemaps,
                            exclude_sensitive=exclude_sensitive)
    output = check_output_file(output)  # a folder named is refused, not written beside
    if output.suffix != ".fieldsafe":
        output = check_output_file(output.with_name(output.name + ".fieldsafe"))
    gathered = _Gathered()
    bundle_uuid = new_id()
    try:
        with workspace.transaction() as db:
            campaign_uuid = resolve_campaign(db, campaign).uuid if campaign else None
            options.campaign = campaign_uuid
            sent = _sent(db, since_last) if since_last else {}
            _gather(workspace, db, options, sent, progress, gathered)
            key = private_key(db) if sign_bundle else None
            # In the same transaction as the reading: a save that comes while the file is
            # written (an autosave) must already find the draft sent, and make a new
            # revision. If the file then fails, a draft only gets one revision too many.
            stamp = now()
            for uuid in gathered.own_drafts:
                db.merge(SentDraft(revision_uuid=uuid, bundle_uuid=bundle_uuid, sent_at=stamp))
        return _write(workspace, output, options, gathered, key, progress, now, bundle_uuid)
    finally:
        gathered.close()


def _write(workspace: Workspace, output: Path, options: ExportOptions, gathered: _Gathered,
           key: bytes | None, progress: Progress, now: Callable[[], datetime],
           bundle_uuid: str) -> ExportResult:
    ident = workspace.identity
    writer = BundleWriter(output)
    try:
        for kind in rec.KINDS:
            writer.add_lines(rec.record_file(kind), gathered.lines(kind))
        total, done = len(gathered.media) + len(gathered.layer_files), 0
        for sha in sorted(gathered.media):
            writer.add_file(f"media/{sha}", _media_file(workspace, sha))
            thumbnail = workspace.media.thumbnail_path(sha)
            if thumbnail.is_file():  # saves the receiver decoding every photo again
                writer.add_file(f"thumbs/{sha}", thumbnail)
            done += 1
            progress.step(done, total, _("photos and files"))
        for sha, path in sorted(gathered.layer_files.items()):
            writer.add_file(f"layers/{sha}", path, compress=True)
            done += 1
            progress.step(done, total, _("layers"))
        counts = {kind: gathered.counts.get(kind, 0) for kind in rec.KINDS}
        manifest = Manifest(
            format="fieldsafe-bundle", format_version=1, app_version=__version__,
            bundle_uuid=bundle_uuid, created_at=now().replace(microsecond=0),
            device=SourceDevice(id=ident.device_id, name=ident.device_name),
            author=ident.user, team=ident.team, options=options, counts=counts,
            entries={name: ManifestEntry(sha256=e.sha256, size=e.size)
                     for name, e in writer.entries.items()})
        data = encode_manifest_bytes(manifest)
        progress.step(total, total, _("photos and files"))  # the last chance to cancel
        path = writer.finish(data, sign(key, data) if key is not None else None)
    except BaseException:
        writer.abort()
        raise
    if options.since_last:
        _remember(workspace, options.since_last, gathered.fingerprints)
    return ExportResult(path, bundle_uuid, counts, sum(gathered.media.values()),
                        key is not None, gathered.unchanged, gathered.fingerprints)


_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {}


def _decoder(kind: str) -> msgspec.json.Decoder[Any]:
    if kind not in _DECODERS:
        _DECODERS[kind] = rec.decoder(kind)
    return _DECODERS[kind]


def _sent(db: Session, recipient: str) -> dict[tuple[str, str], str]:
    return {(s.kind, s.record_uuid): s.fingerprint for s in db.scalars(
        select(SentRecord).where(SentRecord.recipient == recipient))}


def _remember(workspace: Workspace, recipient: str,
              fingerprints: dict[tuple[str, str], str]) -> None:
    """Once the file is in place: what the recipient now has (``--since-last``)."""
    with workspace.transaction() as db:
        for (kind, uuid), print_ in fingerprints.items():
            db.merge(SentRecord(recipient=recipient, kind=kind, record_uuid=uuid,
                                fingerprint=print_))


def _changed(g: _Gathered, sent: dict[tuple[str, str], str], kind: str, uuid: str,
             fingerprint: str) -> bool:
    g.fingerprints[(kind, uuid)] = fingerprint
    if sent.get((kind, uuid)) == fingerprint:
        g.unchanged += 1
        return False
    return True


def _print(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def _audits(db: Session, campaign_uuid: str | None) -> Iterator[Audit]:
    """The audits to send with their revisions, read a batch at a time."""
    ids = select(Audit.uuid).order_by(Audit.uuid)
    if campaign_uuid:
        ids = ids.where(Audit.campaign_uuid == campaign_uuid)
    every = list(db.scalars(ids))
    for batch in batches(every):  # a batch at a time
        yield from db.scalars(_audit_query(None).where(Audit.uuid.in_(batch)))
        db.expunge_all()  # the batch is written out: let it go


def _gather(workspace: Workspace, db: Session, options: ExportOptions,
            sent: dict[tuple[str, str], str], progress: Progress, g: _Gathered) -> None:
    total = db.scalar(select(func.count()).select_from(Audit).where(
        Audit.campaign_uuid == options.campaign) if options.campaign else
        select(func.count()).select_from(Audit)) or 0
    forms_used: set[tuple[str, str]] = set()
    forms: dict[tuple[str, str], FormDef | None] = {}
    sent_audits: set[str] = set()
    for index, audit in enumerate(_audits(db, options.campaign), start=1):
        revisions = [r for r in audit.revisions
                     if options.include_drafts or r.status != "draft"]
        if revisions and not options.include_drafts:
            revisions = _with_ancestors(audit.revisions, revisions)
        if revisions:
            records = [_revision(db, r, options.exclude_sensitive, forms) for r in revisions]
            sent_audits.add(audit.uuid)
            forms_used.update((r.form_id, r.form_version) for r in revisions)
            if _changed(g, sent, "audit", audit.uuid, _print(
                    options.exclude_sensitive,
                    *sorted((r.uuid, r.status, r.saved_at, r.redacted) for r in records))):
                g.add("audits", conv.audit_record(audit, records))
                g.own_drafts.update(r.uuid for r in revisions if r.status == "draft"
                                    and r.device_id == workspace.identity.device_id)
                for r in records:
                    for a in r.attachments:
                        g.media[a.sha256] = 0
        if index % 200 == 0:
            progress.step(index, total, _("audits"))
    campaigns = list(db.scalars(select(Campaign).order_by(Campaign.uuid)))
    if options.campaign:
        campaigns = [c for c in campaigns if c.uuid == options.campaign]
    layer_ids: set[str] = set()
    form_ids: set[str] = set()
    for c in campaigns:
        layer_ids.update(str(x) for x in c.layer_uuids)
        form_ids.update(str(x) for x in c.form_ids)
        if _changed(g, sent, "campaign", c.uuid, _print(c.modified_at, c.device_id)):
            g.add("campaigns", conv.campaign_record(c))
    for f in db.scalars(select(FormVersion).order_by(FormVersion.form_id, FormVersion.id)):
        wanted = (f.form_id, f.version) in forms_used or f.form_id in form_ids or \
            options.campaign is None
        if wanted and _changed(g, sent, "form", f"{f.form_id}@{f.version}", f.content_hash):
            g.add("forms", conv.form_record(f))
    for layer in db.scalars(select(Layer).order_by(Layer.uuid)):
        if layer.kind == "basemap" and not options.with_basemaps:
            continue
        if options.campaign and layer.uuid not in layer_ids:
            continue
        if _changed(g, sent, "layer", layer.uuid, layer.sha256):
            g.add("layers", conv.layer_record(layer))
            g.layer_files[layer.sha256] = workspace.layers_dir / layer.filename
    for item in db.scalars(select(ActionItem).options(selectinload(ActionItem.changes))
                           .order_by(ActionItem.uuid)):
        if item.audit_uuid not in sent_audits:
            continue
        if _changed(g, sent, "action", item.uuid,
                    _print(*sorted(c.uuid for c in item.changes))):
            g.add("actions", conv.action_record(item))
    for sha in sorted(g.media):
        media = db.get(Media, sha)
        if media is None:
            raise UserError(_("media {sha} is used by an audit but not recorded; run "
                              "'fieldsafe workspace check'").format(sha=sha))
        g.media[sha] = media.size
        g.add("media", conv.media_record(media))


def _audit_query(campaign_uuid: str | None) -> Any:
    query = select(Audit).options(selectinload(Audit.revisions).selectinload(
        AuditRevision.attachments), selectinload(Audit.revisions).selectinload(
        AuditRevision.geometries)).order_by(Audit.uuid)
    return query.where(Audit.campaign_uuid == campaign_uuid) if campaign_uuid else query


def _with_ancestors(every: list[AuditRevision],
                    chosen: list[AuditRevision]) -> list[AuditRevision]:
    """``chosen`` and every revision they continue (parents and merged sides), drafts among
    them too: a receiver must be able to follow every link. In the audit's order."""
    by_uuid = {r.uuid: r for r in every}
    wanted = {r.uuid for r in chosen}
    stack = [str(p) for r in chosen for p in [r.parent_uuid, *r.merges] if p]
    while stack:
        uuid = stack.pop()
        if uuid in wanted or uuid not in by_uuid:
            continue
        wanted.add(uuid)
        stack += [str(p) for p in [by_uuid[uuid].parent_uuid, *by_uuid[uuid].merges] if p]
    return [r for r in every if r.uuid in wanted]


def _revision(db: Session, r: AuditRevision, exclude_sensitive: bool,
              forms: dict[tuple[str, str], FormDef | None]) -> rec.RevisionRecord:
    if not exclude_sensitive:
        return conv.revision_record(r)
    key = (r.form_id, r.form_version)
    if key not in forms:
        record = db.scalar(select(FormVersion).where(FormVersion.form_id == r.form_id,
                                                     FormVersion.version == r.form_version))
        forms[key] = form_definition(record) if record is not None else None
    form = forms[key]
    if form is None:  # fail closed: without its form, nobody knows what is sensitive
        raise UserError(_("form '{form_id}' version '{version}' is not in this workspace, so "
                          "its sensitive answers cannot be left out").format(
            form_id=r.form_id, version=r.form_version))
    answers, names = conv.redact(form, r.answers)
    return conv.revision_record(r, answers, names)


def _media_file(workspace: Workspace, sha: str) -> Path:
    path = workspace.media.path(sha)
    if not path.is_file():
        raise UserError(_("media {sha} is missing from the workspace; run 'fieldsafe "
                          "workspace check'").format(sha=sha))
    return path
