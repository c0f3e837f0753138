"""Receiving several bundles: the next bundle's records read and decoded on a thread while
the current one waits for its media copy and its commit."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from fieldsafe.services.bundle_check import Checked, decode_records
from fieldsafe.sync.archive import BundleReader
from fieldsafe.sync.manifest import decode_manifest


@dataclass(frozen=True)
class Decoded:
    """A bundle's records, decoded and counted as the import would, under the manifest
    whose SHA-256 is ``manifest_sha256``."""

    manifest_sha256: str
    records: dict[str, list[Any]]


class ReadAhead:
    """Reads ahead through ``paths``, imported in that order: :meth:`take` gives the
    records decoded for the bundle now being imported (or None), and :meth:`start_next`
    starts decoding the one after it on a thread.

    The merge calls ``start_next`` once all its records are in the transaction, just
    before it waits for the media copy and the commit: the decoding (Python holding its
    lock) then fills those waits and never competes with the inserts, whose every row
    takes Python's lock again. Anything wrong in a bundle read ahead is left to the
    import, which reads it again and says what is wrong."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current = -1  # index of the bundle being imported
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="fieldsafe-read-ahead")
        self._ahead: tuple[int, Future[Decoded | None]] | None = None

    def take(self, path: Path) -> Decoded | None:
        """Move on to ``path`` (the next bundle in the list, or a later one: those between
        were not imported) and give what was decoded for it, if anything, once that is
        done."""
        ahead, self._ahead = self._ahead, None
        try:
            self._current = self._paths.index(path, self._current + 1)
        except ValueError:
            raise ValueError(f"{path} is not among the bundles still to import") from None
        if ahead is None or ahead[0] != self._current:
            return None
        return ahead[1].result()

    def start_next(self) -> None:
        """Start decoding the bundle after the current one (if there is one)."""
        following = self._current + 1
        if self._ahead is None and following < len(self._paths):
            self._ahead = (following,
                           self._pool.submit(read_records, self._paths[following]))

    def close(self) -> None:
        """Wait for a decoding in progress to end (it cannot be interrupted, and takes a
        fraction of a second) and drop it."""
        self._ahead = None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def read_records(path: Path) -> Decoded | None:
    """The bundle's records, or None if anything about it is wrong (or it cannot be read):
    the import will find it and say so."""
    try:
        with BundleReader(path) as reader:
            manifest = decode_manifest(reader.manifest_bytes)
            if isinstance(manifest, str):
                return None
            checked = Checked(path, manifest, hashlib.sha256(reader.manifest_bytes)
                              .hexdigest(), None, None)
            decode_records(reader, checked)
            return Decoded(checked.manifest_sha256, checked.records)
    except Exception:  # whatever it is, the import meets it again and says what
        return None
