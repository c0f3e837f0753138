"""The media worker process: received photos are copied in by a process of their own, which
is replaced when it dies, and whose failure leaves the workspace as it was."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from fieldsafe.media.errors import MediaError
from fieldsafe.media.store import MediaStore
from fieldsafe.services.audits import new_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import import_bundle
from fieldsafe.services.media_worker import CopyJob, MediaWorker
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import check, digest
from tests.conftest import CORPUS

PHOTOS = [CORPUS / "photos" / "exifpy__DSCN0010.jpg", CORPUS / "photos" / "exifpy__DSCN0042.jpg"]
Device = Callable[..., Workspace]


def _bundle(ws: Workspace, photo: Path, folder: Path, walk_answers: dict[str, Any]) -> Path:
    new_audit(ws, "womens_safety_walk", walk_answers, photos={"finding[1]/f_photo1": photo},
              finalize=True)
    return export_bundle(ws, folder / f"{photo.stem}.fieldsafe").path


def _worker_pids(ws: Workspace) -> list[int]:
    return ws.media_worker().pids


def _files(ws: Workspace) -> list[Path]:
    return sorted(p for p in ws.media.root.rglob("*") if p.is_file())


@pytest.fixture
def bundles(make_device: Device, tmp_path: Path,
            walk_answers: dict[str, Any]) -> list[Path]:
    laptop = make_device("laptop-a")
    return [_bundle(laptop, photo, tmp_path, walk_answers) for photo in PHOTOS]


def test_the_photos_are_copied_by_another_process(bundles: list[Path],
                                                  make_device: Device) -> None:
    office = make_device("office")
    import_bundle(office, bundles[0])
    assert _worker_pids(office) and os.getpid() not in _worker_pids(office)
    assert len(list(office.media.iter_hashes())) == 1
    [pid] = _worker_pids(office)
    office.close()
    assert office.media_worker().pids == []  # closing the workspace ends the process
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # ended and reaped


def test_a_worker_killed_between_bundles_is_replaced(bundles: list[Path],
                                                     make_device: Device) -> None:
    office = make_device("office")
    import_bundle(office, bundles[0])
    (first,) = _worker_pids(office)
    os.kill(first, signal.SIGKILL)
    report = import_bundle(office, bundles[1])
    assert report.refused is None
    assert len(list(office.media.iter_hashes())) == 2
    assert check(office) == []
    assert first not in _worker_pids(office)


def _killing_submits(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Kill the worker right after each of the first ``times`` jobs is handed to it."""
    killed: list[int] = []
    submit = MediaWorker._submit

    def and_kill(self: MediaWorker, job: CopyJob) -> Future[None]:
        future = submit(self, job)
        if len(killed) < times:
            for pid in self.pids:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        return future

    monkeypatch.setattr(MediaWorker, "_submit", and_kill)
    return killed


def test_a_worker_killed_during_a_copy_is_replaced_and_the_copy_done_again(
        bundles: list[Path], make_device: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    office = make_device("office")
    killed = _killing_submits(monkeypatch, times=1)
    report = import_bundle(office, bundles[0])
    assert len(killed) == 1 and report.refused is None
    assert len(list(office.media.iter_hashes())) == 1
    assert check(office) == []


def test_a_worker_that_keeps_dying_refuses_the_merge_and_changes_nothing(
        bundles: list[Path], make_device: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    office = make_device("office")
    before, files = digest(office), _files(office)
    killed = _killing_submits(monkeypatch, times=2)
    cleaned: list[int] = []
    remove = MediaStore.remove_temporary_files

    def spy(self: MediaStore, pid: int) -> int:
        cleaned.append(pid)
        return remove(self, pid)

    monkeypatch.setattr(MediaStore, "remove_temporary_files", spy)
    with pytest.raises(MediaError, match="stopped unexpectedly; nothing was merged") as caught:
        import_bundle(office, bundles[0])
    assert len(killed) == 2
    assert sorted(cleaned) == sorted(killed), "each dead worker's temporary files go"
    assert str(office.media.root) in str(caught.value)
    assert digest(office) == before
    assert _files(office) == files  # no temporary file either
    monkeypatch.undo()
    assert import_bundle(office, bundles[0]).refused is None  # and a new process merges it
    assert len(list(office.media.iter_hashes())) == 1


def test_a_failed_merge_removes_only_the_files_its_own_copy_wrote(
        bundles: list[Path], make_device: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another import (a second window, the command line) stores the bundle's photo after
    this merge saw it missing and before its copy ran: the copy skips it, and when this
    merge fails, that photo, which is not its own, stays."""
    from fieldsafe.services import bundle_merge

    office = make_device("office")
    run = MediaWorker.run

    def another_import_first(self: MediaWorker, job: CopyJob) -> Any:
        office.media.put_file(PHOTOS[0])  # the other import's photo is in place
        return run(self, job)

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(MediaWorker, "run", another_import_first)
    monkeypatch.setattr(bundle_merge, "_merge_audits", broken)
    with pytest.raises(OSError, match="No space left"):
        import_bundle(office, bundles[0])
    assert len(list(office.media.iter_hashes())) == 1, "the other import's photo is gone"


def test_a_copy_stopped_mid_file_leaves_nothing(make_device: Device, tmp_path: Path,
                                               walk_answers: dict[str, Any]) -> None:
    from PIL import Image

    from fieldsafe.services.bundle_check import check_files, check_header
    from fieldsafe.services.media_worker import _Stopped, copy_files
    from fieldsafe.sync.archive import BundleReader

    big = tmp_path / "big.jpg"  # several chunks of the bundle's stream
    Image.effect_noise((2400, 2400), 60).convert("RGB").save(big, quality=95)
    assert big.stat().st_size > 3 * 1024 * 1024
    laptop, office = make_device("laptop-a"), make_device("office")
    path = _bundle(laptop, big, tmp_path, walk_answers)
    with BundleReader(path) as reader, office.transaction() as db:
        checked = check_header(reader, db, False)
        check_files(reader, db, checked)  # the media records: what a copy job needs
    [media] = checked.records["media"]
    names = [f"{kind}/{media.sha256}" for kind in ("media", "thumbs")]
    job = CopyJob(bundle=path, limits=reader.limits, store_root=office.media.root,
                  files=((media.sha256, media.mime),),
                  entries={n: checked.entry(n) for n in names if n in checked.manifest.entries})
    asked: list[bool] = []

    def stopped() -> bool:  # after the file's first chunk
        asked.append(True)
        return len(asked) > 2

    written: list[str] = []
    with pytest.raises(_Stopped):
        copy_files(job, stopped=stopped, copied=lambda: None, written=written)
    assert written == [] and len(asked) == 3
    assert list(office.media.iter_hashes()) == []
    assert not [p for p in office.media.root.rglob("*") if p.is_file()], "no file, no temp file"
    copy_files(job, stopped=lambda: False, copied=lambda: None, written=written)
    assert written == [media.sha256] and office.media.verify(media.sha256)


def test_the_temporary_files_of_a_dead_writer_are_removed_and_no_others(
        make_device: Device) -> None:
    office = make_device("office")
    store = office.media
    dead, alive = 999_999_001, os.getpid()
    for pid, folder in ((dead, "ab"), (dead, "thumbs/cd"), (alive, "ab")):
        (store.root / folder).mkdir(parents=True, exist_ok=True)
        (store.root / folder / f".tmp-{pid}-x1y2.part").write_bytes(b"half a photo")
    assert store.remove_temporary_files(dead) == 2
    assert [p.name for p in store.root.rglob(".tmp-*")] == [f".tmp-{alive}-x1y2.part"]


def test_an_interrupt_while_waiting_for_the_copy_is_raised_once_it_ended() -> None:
    """Ctrl+C while a failed merge waits for its photos (finish): the wait goes on (what
    was copied must be known to be undone), then the interrupt is raised, not dropped (a
    dropped one let the command go on after the user stopped it)."""
    from fieldsafe.services.media_worker import RunningCopy

    class Waiting(RunningCopy):
        def __init__(self) -> None:  # a job that ends on the third wait
            self._ended, self.waits = False, 0

        def result(self, timeout: float | None = None) -> None:
            self.waits += 1
            if self.waits == 1:
                raise KeyboardInterrupt
            if self.waits == 2:
                raise MediaError(Path("store"), "the job's own failure")
            self._ended = True

    job = Waiting()
    with pytest.raises(KeyboardInterrupt):
        job.finish()
    assert job.waits == 3  # waited until the job ended


def test_a_stop_python_dropped_still_stops_the_merge(bundles: list[Path],
                                                     make_device: Device) -> None:
    """A Ctrl+C raised inside a garbage-collection callback is printed and dropped by
    Python; the command line's handler also sets interrupts.requested, and the merge checks
    it before it commits."""
    from fieldsafe import interrupts

    office = make_device("office")
    before = digest(office)
    interrupts.requested.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            import_bundle(office, bundles[0])
    finally:
        interrupts.requested.clear()
    assert digest(office) == before and _files(office) == []
