"""Bundle use cases: import (check, then merge), verify and inspect a bundle file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fieldsafe.i18n import _
from fieldsafe.services.bundle_check import check_files, check_header, check_records
from fieldsafe.services.bundle_media import MediaCopy
from fieldsafe.services.bundle_merge import merge
from fieldsafe.services.bundle_read_ahead import ReadAhead
from fieldsafe.services.collector import collection_paused
from fieldsafe.services.jobs import NO_PROGRESS, Progress
from fieldsafe.services.merge_report import MergeReport
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import ReceivedBundle
from fieldsafe.sync import records as rec
from fieldsafe.sync.archive import BundleReader, Entry
from fieldsafe.sync.errors import BundleError
from fieldsafe.sync.manifest import Manifest, decode_manifest
from fieldsafe.sync.signing import verify


def import_bundle(workspace: Workspace, path: Path, *, require_signature: bool = False,
                  progress: Progress = NO_PROGRESS,
                  now: Callable[[], datetime] = datetime.now,
                  read_ahead: ReadAhead | None = None) -> MergeReport:
    """Merge one bundle. A bundle merged before (same UUID and manifest) is recognised
    before any heavy work; anything wrong refuses the whole bundle (BundleError) and leaves
    the workspace as it was.

    ``read_ahead``: when merging several bundles, the one holding them all, in order (its
    records for this bundle are used if their manifest is this bundle's; it is told when
    to start on the next)."""
    with collection_paused(), BundleReader(path) as reader:
        decoded = read_ahead.take(path) if read_ahead is not None else None
        with workspace.transaction() as db:
            checked = check_header(reader, db, require_signature)
            m = checked.manifest
            report = MergeReport(str(path), m.bundle_uuid, m.device.id, m.device.name, m.team,
                                 m.author, checked.signed_by, checked.trusted_as)
            before = db.scalar(select(ReceivedBundle).where(
                ReceivedBundle.bundle_uuid == m.bundle_uuid,
                ReceivedBundle.manifest_sha256 == checked.manifest_sha256).limit(1))
            if before is not None:
                report.already_imported = True
                report.present_unlisted = sum(m.counts.get(kind, 0) for kind in rec.KINDS)
                return report
            if decoded is not None and decoded.manifest_sha256 == checked.manifest_sha256:
                checked.records = decoded.records
            decoded = None  # not kept alive beside a second decoding
            check_files(reader, db, checked)
        # The new photos and files are copied in while the other records are checked and
        # merged (a worker process); a refusal or failure removes them again.
        with MediaCopy(workspace, reader, checked, progress) as copy:
            try:
                with workspace.transaction() as db:
                    check_records(reader, db, checked)
                return merge(workspace, reader, checked, report, progress, copy, now,
                             read_ahead.start_next if read_ahead is not None else None)
            except BaseException:
                copy.undo()
                raise


def import_bundles(workspace: Workspace, paths: list[Path], *,
                   require_signature: bool = False, progress: Progress = NO_PROGRESS,
                   ) -> list[MergeReport]:
    """Merge several bundles one after the other; a refused one is reported and the others
    still merge (each is its own transaction)."""
    reports = []
    with ReadAhead(workspace, paths) as read_ahead:
        for path in paths:
            try:
                reports.append(import_bundle(workspace, path,
                                             require_signature=require_signature,
                                             progress=progress, read_ahead=read_ahead))
            except BundleError as err:
                reports.append(MergeReport(str(path), refused=err.reason))
    return reports


def _manifest(reader: BundleReader) -> tuple[Manifest, str | None]:
    """The bundle's manifest, and the public key whose signature matches it (if any)."""
    manifest = decode_manifest(reader.manifest_bytes)
    if isinstance(manifest, str):
        raise BundleError(reader.path, manifest)
    key = verify(reader.signature, reader.manifest_bytes) if reader.signature else None
    return manifest, key


def verify_bundle(path: Path) -> dict[str, Any]:
    """Check a bundle's structure, every entry's SHA-256 and its signature, without a
    workspace; BundleError says what is wrong."""
    with BundleReader(path) as reader:
        manifest, key = _manifest(reader)
        if reader.signature is not None and key is None:
            raise BundleError(path, _("its signature does not match its manifest: the "
                                      "manifest was changed after it was signed"))
        reader.verify_all({name: Entry(sha256=e.sha256, size=e.size)
                           for name, e in manifest.entries.items()})
    return {"file": str(path), "bundle_uuid": manifest.bundle_uuid, "ok": True,
            "entries": len(manifest.entries), "signed_by": key}


def inspect_bundle(path: Path) -> dict[str, Any]:
    """What a bundle says about itself (its manifest), read without a workspace."""
    with BundleReader(path) as reader:
        m, key = _manifest(reader)
        signed = reader.signature is not None
    return {"file": str(path), "bundle_uuid": m.bundle_uuid, "format_version": m.format_version,
            "app_version": m.app_version, "created_at": m.created_at.isoformat(),
            "device_id": m.device.id, "device_name": m.device.name, "team": m.team,
            "author": m.author, "counts": dict(m.counts),
            "options": {"campaign": m.options.campaign, "since_last": m.options.since_last,
                        "include_drafts": m.options.include_drafts,
                        "with_basemaps": m.options.with_basemaps,
                        "exclude_sensitive": m.options.exclude_sensitive},
            "media_bytes": sum(e.size for n, e in m.entries.items() if n.startswith("media/")),
            "signed": signed, "signed_by": key}
