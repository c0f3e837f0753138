"""Bundle use cases: import (check, then merge), verify and inspect a bundle file."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldsafe.errors import UserError
from fieldsafe.i18n import _
from fieldsafe.services.bundle_merger import BundleMerger
from fieldsafe.services.bundle_read_ahead import ReadAhead
from fieldsafe.services.jobs import NO_PROGRESS, Progress
from fieldsafe.services.merge_report import MergeReport
from fieldsafe.services.workspace import Workspace
from fieldsafe.sync.archive import BundleReader, Entry
from fieldsafe.sync.errors import BundleError
from fieldsafe.sync.manifest import Manifest, decode_manifest
from fieldsafe.sync.signing import verify


def import_bundle(workspace: Workspace, path: Path, *, require_signature: bool = False,
                  progress: Progress = NO_PROGRESS,
                  now: Callable[[], datetime] = datetime.now) -> MergeReport:
    """Merge one bundle. A bundle merged before (same UUID and manifest) is recognised
    before any heavy work; anything wrong refuses the whole bundle (BundleError) and leaves
    the workspace as it was."""
    with BundleMerger(workspace, now=now) as merger:
        return merger.merge(path, require_signature=require_signature, progress=progress)


def import_bundles(workspace: Workspace, paths: list[Path], *,
                   require_signature: bool = False, progress: Progress = NO_PROGRESS,
                   ) -> list[MergeReport]:
    """Merge several bundles one after the other: a report for each. A refused one is
    reported and the others still merge. The workspace itself failing (busy, a full disk)
    stops the import there: that bundle is refused with the reason, those after it are
    reported not imported, and if SQLite gave up the transaction, those merged since the
    last commit (a group of about two seconds, see BundleMerger) were undone too and their
    reports say so. Importing them again merges them."""
    reports: list[MergeReport] = []
    with ReadAhead(workspace, paths) as read_ahead:
        merger = BundleMerger(workspace, read_ahead=read_ahead)
        try:
            for number, path in enumerate(paths):
                try:
                    reports.append(merger.merge(path, require_signature=require_signature,
                                                progress=progress))
                except BundleError as err:
                    reports.append(MergeReport(str(path), refused=err.reason))
                except UserError as err:
                    reports.append(MergeReport(str(path), refused=str(err)))
                    stopped = _("not imported: the import stopped at {file}").format(
                        file=path.name)
                    reports += [MergeReport(str(p), refused=stopped) for p in paths[number + 1:]]
                    break
        finally:
            with contextlib.suppress(UserError):  # the bundles it undid say so
                merger.close()
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
