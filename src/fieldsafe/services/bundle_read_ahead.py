"""Receiving several bundles: the next bundle's records read and decoded on a thread while
the current one waits for its media copy and its commit."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import select

from fieldsafe.errors import UserError
from fieldsafe.services.bundle_check import Checked, decode_records
from fieldsafe.services.collector import collection_paused
from fieldsafe.services.workspace import Workspace
from fieldsafe.storage.models import ReceivedBundle
from fieldsafe.sync.archive import BundleReader
from fieldsafe.sync.manifest import decode_manifest


@dataclass(frozen=True)
class Decoded:
    """A bundle's records, decoded and counted as the import would, under the manifest
    whose SHA-256 is ``manifest_sha256``."""

    manifest_sha256: str
    records: dict[str, list[Any]]


class ReadAhead:
    """Reads ahead through ``paths``, imported in that order into ``workspace``:
    :meth:`take` gives the records decoded for the bundle now being imported (or None),
    and :meth:`start_next` starts decoding the one after it on a thread.

    The merge calls ``start_next`` once all its records are in the transaction, just
    before it waits for the media copy and the commit: the decoding (Python holding its
    lock) then fills those waits and never competes with the inserts, whose every row
    takes Python's lock again; ``take`` waits for it to end before the next import goes
    on. A bundle the workspace received before is not decoded (its import stops at its
    manifest), and anything wrong in a bundle is left to the import, which reads it
    again and says what is wrong."""

    def __init__(self, workspace: Workspace, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current = -1  # index of the bundle being imported
        self._received = received_bundles(workspace) if len(paths) > 1 else set()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="fieldsafe-read-ahead")
        self._ahead: tuple[int, Future[Decoded | None]] | None = None

    def take(self, path: Path) -> Decoded | None:
        """Move on to ``path`` (the next bundle in the list, or a later one: those between
        were not imported) and give what was decoded for it, if anything, once the
        decoding ended (whichever bundle it was for)."""
        ahead, self._ahead = self._ahead, None
        try:
            self._current = self._paths.index(path, self._current + 1)
        except ValueError:
            raise ValueError(f"{path} is not among the bundles still to import") from None
        if ahead is None:
            return None
        decoded = ahead[1].result()
        return decoded if ahead[0] == self._current else None

    def start_next(self) -> None:
        """Start decoding the bundle after the current one (if there is one)."""
        following = self._current + 1
        if self._ahead is None and following < len(self._paths):
            self._ahead = (following, self._pool.submit(
                read_records, self._paths[following], self._received))

    def close(self) -> None:
        """End the thread. A decoding still in progress (after a Cancel or an error) is
        dropped without waiting for it: it only reads the bundle file, and its thread
        ends with it."""
        running = self._ahead is not None and not self._ahead[1].done()
        self._ahead = None
        self._pool.shutdown(wait=not running, cancel_futures=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def received_bundles(workspace: Workspace) -> set[tuple[str, str]]:
    """The (bundle UUID, manifest SHA-256) of every bundle the workspace merged; none if
    the database cannot be read now (each import then says why, for its own bundle)."""
    try:
        with workspace.transaction() as db:
            return {(uuid, sha) for uuid, sha in db.execute(
                select(ReceivedBundle.bundle_uuid, ReceivedBundle.manifest_sha256))}
    except UserError:
        return set()


def read_records(path: Path, received: Collection[tuple[str, str]] = ()) -> Decoded | None:
    """The bundle's records; None if it is among ``received`` (merged before), or if
    anything about it is wrong or it cannot be read: the import will find it and say so."""
    try:
        with collection_paused(), BundleReader(path) as reader:
            manifest = decode_manifest(reader.manifest_bytes)
            if isinstance(manifest, str):
                return None
            sha = hashlib.sha256(reader.manifest_bytes).hexdigest()
            if (manifest.bundle_uuid, sha) in received:
                return None
            checked = Checked(path, manifest, sha, None, None)
            decode_records(reader, checked)
            return Decoded(checked.manifest_sha256, checked.records)
    except Exception:  # whatever it is, the import meets it again and says what
        return None
