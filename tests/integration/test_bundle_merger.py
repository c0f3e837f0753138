"""Several bundles merged in one transaction: each still refused or undone on its own, all
undone together when the database fails, and nothing visible to others before the commit."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import default
from sqlalchemy.exc import OperationalError

from fieldsafe.errors import UserError
from fieldsafe.media.errors import MediaError
from fieldsafe.media.store import MediaStore
from fieldsafe.services import bundle_merge, bundle_merger
from fieldsafe.services.audits import new_audit
from fieldsafe.services.bundle_check import Checked
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundle_media import MediaCopy
from fieldsafe.services.bundle_merger import BundleMerger, database_cause
from fieldsafe.services.bundles import import_bundle, import_bundles
from fieldsafe.services.layers import add_layer
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import digest
from fieldsafe.storage.models import Audit, LocalSetting
from fieldsafe.sync.archive import BundleReader
from fieldsafe.sync.errors import BundleError
from tests.conftest import CORPUS
from tests.integration.test_sync_hostile import AREA, files

Device = Callable[..., Workspace]
PHOTOS = CORPUS / "photos"
NEVER = float("inf")  # commit_seconds: one transaction until the merger is closed


def laptop(make_device: Device, answers: dict[str, Any], folder: Path, name: str,
           photos: tuple[str, str], layer: bool = False) -> Path:
    """A bundle from a laptop of its own: one finalized walk with two photos of its own
    (and an area layer)."""
    ws = make_device(name, team=name)
    new_audit(ws, "womens_safety_walk", answers, finalize=True,
              photos={"finding[1]/f_photo1": PHOTOS / photos[0],
                      "finding[2]/f_photo1": PHOTOS / photos[1]})
    if layer:
        area = folder / f"{name}.geojson"
        area.write_text(json.dumps(AREA), encoding="utf-8")
        add_layer(ws, area, name=f"Ward of {name}")
    return export_bundle(ws, folder / f"{name}.fieldsafe").path


@pytest.fixture
def three(make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> list[Path]:
    return [laptop(make_device, walk_answers, tmp_path, "laptop-a",
                   ("exifpy__DSCN0010.jpg", "exifpy__DSCN0042.jpg")),
            laptop(make_device, walk_answers, tmp_path, "laptop-b",
                   ("recurser__Portrait_2.jpg", "recurser__Portrait_3.jpg"), layer=True),
            laptop(make_device, walk_answers, tmp_path, "laptop-c",
                   ("exifpy__Kodak_CX7530.jpg", "recurser__Portrait_0.jpg"))]


def audits_seen_by_another(ws: Workspace) -> int:
    """The audits another program (its own connection) sees in the workspace."""
    with sqlite3.connect(ws.db_path) as other:
        return int(other.execute("SELECT count(*) FROM audits").fetchone()[0])


def test_a_group_is_committed_once_and_merges_as_one_by_one(
        make_device: Device, three: list[Path]) -> None:
    one_by_one = make_device("one-by-one")
    for path in three:
        import_bundle(one_by_one, path)
    office = make_device("office")
    with BundleMerger(office, commit_seconds=NEVER) as merger:
        for path in three[:2]:
            assert merger.merge(path).counts()["new"] > 0
        # The savepoints were released, not committed: nobody else sees them yet.
        assert audits_seen_by_another(office) == 0
        # A bundle's checks see the bundles merged before it in the group.
        assert merger.merge(three[0]).already_imported
        merger.merge(three[2])
    assert audits_seen_by_another(office) == 3
    assert digest(office) == digest(one_by_one)
    assert frozenset(office.media.iter_hashes()) == frozenset(one_by_one.media.iter_hashes())


def test_commit_seconds_zero_commits_each_bundle(make_device: Device,
                                                three: list[Path]) -> None:
    office = make_device("office")
    with BundleMerger(office, commit_seconds=0) as merger:
        merger.merge(three[0])
        assert audits_seen_by_another(office) == 1
        merger.merge(three[1])
        assert audits_seen_by_another(office) == 2


def without_wal(names: frozenset[str]) -> frozenset[str]:
    return names - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"}


def photos_in(office: Workspace, checked: Checked) -> None:
    """Wait until the bundle's photos are in (they are copied in while it merges)."""
    deadline = time.monotonic() + 30
    while not all(office.media.has(m.sha256) for m in checked.records["media"]):
        assert time.monotonic() < deadline, "the photos were never copied in"
        time.sleep(0.01)


def refuse_at_the_end(monkeypatch: pytest.MonkeyPatch, office: Workspace,
                     refused: Callable[[Path], bool], photos: bool = True) -> None:
    """Bundles for which ``refused(path)`` holds are refused at the last step of their
    merge, once their records are in the transaction (and their photos copied in)."""
    merge_actions = bundle_merge._merge_actions

    def refusing(db: Any, checked: Checked, *args: Any) -> None:
        if refused(checked.path):
            if photos:
                photos_in(office, checked)
            raise BundleError(checked.path, "refused at the end")
        merge_actions(db, checked, *args)

    monkeypatch.setattr(bundle_merge, "_merge_actions", refusing)


def merged_alone(make_device: Device, paths: list[Path]) -> Workspace:
    """A workspace that merged only ``paths``, one by one."""
    alone = make_device("alone")
    for path in paths:
        import_bundle(alone, path)
    return alone


def test_a_bundle_refused_inside_a_group_leaves_the_others_merged(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The middle bundle is refused once its records, photos and layer file are in (in
    the group's transaction, not committed): it alone is undone."""
    first, refused, last = three
    alone = merged_alone(make_device, [first, last])
    office = make_device("office")
    refuse_at_the_end(monkeypatch, office, lambda path: path == refused)
    monkeypatch.setattr(bundle_merger, "COMMIT_SECONDS", NEVER)  # all in one transaction
    reports = import_bundles(office, three)
    assert [r.refused for r in reports] == [None, "refused at the end", None]
    assert digest(office) == digest(alone)
    assert frozenset(office.media.iter_hashes()) == frozenset(alone.media.iter_hashes())
    assert without_wal(files(office)) == without_wal(files(alone))


def test_a_failed_group_commit_undoes_every_bundle_of_the_group(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    office = make_device("office")
    import_bundle(office, three[2])  # committed before: stays
    before, kept = digest(office), files(office)
    merger = BundleMerger(office, commit_seconds=NEVER)
    reports = [merger.merge(path) for path in (*three[:2], three[1], three[2])]
    assert [r.already_imported for r in reports] == [False, False, True, True]
    assert office.layers_dir.exists() and list(office.layers_dir.iterdir())
    _disk_full_at_commit(monkeypatch)
    with pytest.raises(UserError, match="the disk is full") as caught:
        merger.close()
    monkeypatch.undo()
    assert str(caught.value).startswith(str(office.db_path))
    # The two merged in the group, and the second's repeat (found in the group), are not
    # merged; the third was merged before the group and still is.
    for report in reports[:3]:
        assert report.refused == f"not merged: {caught.value}"
        assert report.outcomes == [] and report.counts()["new"] == 0
        assert report.summary().endswith(f"refused: not merged: {caught.value}")
    assert reports[3].refused is None and reports[3].already_imported
    assert digest(office) == before
    assert without_wal(files(office)) == without_wal(kept)
    assert list(office.layers_dir.iterdir()) == []
    # Nothing was lost: importing again merges them.
    assert [r.refused for r in import_bundles(office, three)] == [None, None, None]
    with office.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Audit)) == 3


def test_a_full_disk_in_a_bundle_undoes_the_group_there_and_then(
        make_device: Device, three: list[Path], walk_answers: dict[str, Any],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SQLITE_FULL while the third bundle is merged (the database may not grow):
    SQLite gives up the whole transaction, so the first two, merged in it, are undone
    with the third, and the import says why."""
    big = make_device("laptop-d")  # enough records to need new pages
    for _ in range(30):
        new_audit(big, "womens_safety_walk", walk_answers, finalize=True)
    bigger = export_bundle(big, tmp_path / "laptop-d.fieldsafe").path
    office = make_device("office")
    before, kept = digest(office), files(office)
    check_records = bundle_merger.check_records

    def no_room_for_it(reader: BundleReader, db: Any, checked: Checked) -> Any:
        if checked.path == bigger:  # can't grow past its size (this connection only)
            db.connection().exec_driver_sql("PRAGMA max_page_count = 1")
        return check_records(reader, db, checked)

    monkeypatch.setattr(bundle_merger, "check_records", no_room_for_it)
    merger = BundleMerger(office, commit_seconds=NEVER)
    reports = [merger.merge(path) for path in three[:2]]
    with pytest.raises(UserError) as caught:
        merger.merge(bigger)
    full = f"{office.db_path}: the disk is full; free some space and try again (nothing was saved)"
    assert str(caught.value) == full
    # Undone there and then, not at the next commit.
    assert [r.refused for r in reports] == [f"not merged: {full}"] * 2
    assert digest(office) == before
    assert without_wal(files(office)) == without_wal(kept)
    assert audits_seen_by_another(office) == 0
    with sqlite3.connect(office.db_path, timeout=0) as other:  # the lock was let go
        other.execute("INSERT INTO local_settings (key, value) VALUES ('x', 'y')")
    merger.close()  # nothing left to commit


def test_a_full_disk_at_a_flush_undoes_the_group(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SQLITE_FULL at an ORM flush (the last step of the third bundle's merge):
    SQLAlchemy's own rollback to the savepoint then fails, so rolling back again would do
    nothing, and the group would go on outside any transaction. It is abandoned."""
    office = make_device("office")
    before = digest(office)
    merge_actions = bundle_merge._merge_actions

    def full_at_the_flush(db: Any, checked: Checked, *args: Any) -> None:
        merge_actions(db, checked, *args)
        if checked.path == three[2]:
            db.connection().exec_driver_sql("PRAGMA max_page_count = 1")
            db.add(LocalSetting(key="big", value="x" * 1_000_000))  # needs new pages

    monkeypatch.setattr(bundle_merge, "_merge_actions", full_at_the_flush)
    merger = BundleMerger(office, commit_seconds=NEVER)
    reports = [merger.merge(path) for path in three[:2]]
    with pytest.raises(UserError, match="the disk is full"):
        merger.merge(three[2])
    assert [r.refused is not None and "the disk is full" in r.refused for r in reports] == \
        [True, True]
    assert digest(office) == before
    assert audits_seen_by_another(office) == 0
    merger.close()


def test_an_interrupted_commit_undoes_the_group_if_nothing_was_committed(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C as the group is about to be committed (COMMIT not yet sent): the bundles
    are undone and reported not merged, and the interrupt goes on."""
    office = make_device("office")
    before = digest(office)
    merger = BundleMerger(office, commit_seconds=NEVER)
    reports = [merger.merge(path) for path in three[:2]]

    commit = default.DefaultDialect.do_commit

    def interrupted(dialect: Any, connection: Any) -> None:
        if connection.isolation_level is None:  # the merge's commit, not the reads
            raise KeyboardInterrupt
        commit(dialect, connection)

    monkeypatch.setattr(default.DefaultDialect, "do_commit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        merger.close()
    monkeypatch.undo()
    assert [r.refused for r in reports] == ["not merged: the merge stopped before it was "
                                            "saved: KeyboardInterrupt"] * 2
    assert digest(office) == before
    assert list(office.media.iter_hashes()) == []


def test_an_interrupt_just_after_the_commit_keeps_the_group(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C right after SQLite committed: the bundles are merged, their files stay."""
    alone = merged_alone(make_device, three[:2])
    office = make_device("office")
    merger = BundleMerger(office, commit_seconds=NEVER)
    reports = [merger.merge(path) for path in three[:2]]
    commit = default.DefaultDialect.do_commit

    def interrupted(dialect: Any, connection: Any) -> None:
        commit(dialect, connection)
        if connection.isolation_level is None:
            raise KeyboardInterrupt

    monkeypatch.setattr(default.DefaultDialect, "do_commit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        merger.close()
    monkeypatch.undo()
    assert [r.refused for r in reports] == [None, None]
    assert digest(office) == digest(alone)
    assert frozenset(office.media.iter_hashes()) == frozenset(alone.media.iter_hashes())


def test_the_import_stops_at_a_full_disk_and_says_so_for_every_bundle(
        make_device: Device, three: list[Path], walk_answers: dict[str, Any],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``fieldsafe bundle import A B C D`` on a disk that fills up at C: A and B (in C's
    transaction) are not merged, C is refused with the reason, D is not imported."""
    big = make_device("laptop-d")  # enough records to need new pages
    for _ in range(30):
        new_audit(big, "womens_safety_walk", walk_answers, finalize=True)
    bigger = export_bundle(big, tmp_path / "laptop-d.fieldsafe").path
    office = make_device("office")
    before = digest(office)
    check_records = bundle_merger.check_records

    def no_room_for_it(reader: BundleReader, db: Any, checked: Checked) -> Any:
        if checked.path == bigger:
            db.connection().exec_driver_sql("PRAGMA max_page_count = 1")
        return check_records(reader, db, checked)

    monkeypatch.setattr(bundle_merger, "COMMIT_SECONDS", NEVER)
    monkeypatch.setattr(bundle_merger, "check_records", no_room_for_it)
    reports = import_bundles(office, [three[0], three[1], bigger, three[2]])
    full = f"{office.db_path}: the disk is full; free some space and try again (nothing was saved)"
    assert [r.refused for r in reports] == [
        f"not merged: {full}", f"not merged: {full}", full,
        "not imported: the import stopped at laptop-d.fieldsafe"]
    assert digest(office) == before


def test_the_database_error_behind_a_failed_rollback_is_the_one_told() -> None:
    """Once SQLite has given up the transaction, SQLAlchemy's own rollback to the savepoint
    (after a failed flush) fails with "no such savepoint": the full disk behind it is what
    the user is told."""
    full = OperationalError("INSERT", None, sqlite3.OperationalError("database or disk is full"))
    gone = OperationalError("ROLLBACK TO SAVEPOINT", None,
                            sqlite3.OperationalError("no such savepoint: sa_savepoint_1"))
    gone.__context__ = full
    wrapper = RuntimeError("flush failed")
    wrapper.__cause__ = gone
    assert database_cause(wrapper) is full
    assert database_cause(gone) is full
    alone = OperationalError("ROLLBACK TO SAVEPOINT", None,
                             sqlite3.OperationalError("no such savepoint: sa_savepoint_1"))
    assert database_cause(alone) is alone
    assert database_cause(KeyError("x")) is None


def test_a_refused_bundle_still_ends_a_group_that_is_due(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused bundles one after another do not keep the write lock: the group is still
    committed when its time is up."""
    office = make_device("office")
    refuse_at_the_end(monkeypatch, office, lambda path: path != three[0], photos=False)
    with BundleMerger(office, commit_seconds=0) as merger:
        merger.merge(three[0])
        with pytest.raises(BundleError):
            merger.merge(three[1])
        with sqlite3.connect(office.db_path, timeout=0) as other:  # not locked
            other.execute("INSERT INTO local_settings (key, value) VALUES ('x', 'y')")
        with pytest.raises(BundleError):
            merger.merge(three[2])
    assert audits_seen_by_another(office) == 1


def test_a_refused_bundle_whose_files_cannot_be_removed_is_still_undone(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fails while a refused bundle's photos are removed: they stay (unused),
    its records are still rolled back, and the bundles before it still merge."""
    first, refused, last = three
    alone = merged_alone(make_device, [first, last])
    office = make_device("office")
    refuse_at_the_end(monkeypatch, office, lambda path: path == refused)

    def failing_disk(_store: MediaStore, _sha256: str) -> bool:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(MediaStore, "remove", failing_disk)
    with BundleMerger(office, commit_seconds=NEVER) as merger:
        merger.merge(first)
        with pytest.raises(BundleError, match="refused at the end"):
            merger.merge(refused)
        merger.merge(last)
    monkeypatch.undo()
    assert digest(office) == digest(alone)
    assert frozenset(office.media.iter_hashes()) > frozenset(alone.media.iter_hashes())


def test_a_statement_that_fails_alone_undoes_only_its_bundle(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A database error that SQLite takes back alone (the statement; the transaction goes
    on): that bundle is refused with the error, and those before it are committed."""
    first, second, failing = three
    alone = merged_alone(make_device, [first, second])
    office = make_device("office")
    merge_actions = bundle_merge._merge_actions

    def failing_statement(db: Any, checked: Checked, *args: Any) -> None:
        merge_actions(db, checked, *args)
        if checked.path == failing:
            db.execute(text("INSERT INTO no_such_table VALUES (1)"))

    monkeypatch.setattr(bundle_merge, "_merge_actions", failing_statement)
    with BundleMerger(office, commit_seconds=NEVER) as merger:
        merger.merge(first)
        merger.merge(second)
        with pytest.raises(UserError, match="no such table: no_such_table"):
            merger.merge(failing)
    assert digest(office) == digest(alone)
    assert without_wal(files(office)) == without_wal(files(alone))


def test_files_that_cannot_be_removed_do_not_stop_the_undo(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fails at the commit, and one photo cannot be deleted: it stays (unused),
    the other files go, the transaction is rolled back and the write lock let go."""
    office = make_device("office")
    before = digest(office)
    merger = BundleMerger(office, commit_seconds=NEVER)
    merger.merge(three[0])
    merger.merge(three[1])
    stuck = sorted(office.media.iter_hashes())[0]
    remove = MediaStore.remove

    def remove_but_one(store: MediaStore, sha256: str) -> bool:
        if sha256 == stuck:
            raise MediaError(store.path(sha256), "cannot be deleted: Input/output error")
        return remove(store, sha256)

    monkeypatch.setattr(MediaStore, "remove", remove_but_one)
    _disk_full_at_commit(monkeypatch)
    with pytest.raises(UserError, match="the disk is full"):
        merger.close()
    monkeypatch.undo()
    assert digest(office) == before
    assert sorted(office.media.iter_hashes()) == [stuck]
    assert list(office.layers_dir.iterdir()) == []
    with sqlite3.connect(office.db_path, timeout=0) as other:  # not locked
        other.execute("INSERT INTO local_settings (key, value) VALUES ('x', 'y')")


def test_another_writer_waits_for_the_group_and_writes_between_groups(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The group holds the write lock from its first bundle to its commit: another
    program's write waits for it. Between two groups the merger pauses with the lock
    free, so that such a write gets its turn."""
    office = make_device("office")
    with BundleMerger(office, commit_seconds=NEVER) as merger:
        merger.merge(three[0])
        with sqlite3.connect(office.db_path, timeout=0.1) as other, \
                pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("INSERT INTO local_settings (key, value) VALUES ('x', 'y')")
    paused: list[float] = []

    class Clock:
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            paused.append(seconds)
            with sqlite3.connect(office.db_path, timeout=0) as other:  # not locked
                other.execute("INSERT INTO local_settings (key, value) VALUES "
                              f"('paused {len(paused)}', 'y')")

    monkeypatch.setattr(bundle_merger, "time", Clock)
    with BundleMerger(office, commit_seconds=0) as merger:
        merger.merge(three[1])
        merger.merge(three[2])
    assert len(paused) == 1
    assert bundle_merger.PAUSE_SECONDS / 2 < paused[0] <= bundle_merger.PAUSE_SECONDS
    with sqlite3.connect(office.db_path) as other:
        assert other.execute("SELECT count(*) FROM local_settings WHERE key = 'paused 1'"
                             ).fetchone() == (1,)


def _disk_full_at_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge's commits fail as on a full disk (those of its writer connections, which
    leave BEGIN to SQLAlchemy); other transactions (reads) still end."""
    commit = default.DefaultDialect.do_commit

    def full(dialect: Any, connection: Any) -> None:
        if connection.isolation_level is None:
            raise sqlite3.OperationalError("database or disk is full")
        commit(dialect, connection)

    monkeypatch.setattr(default.DefaultDialect, "do_commit", full)


def test_an_interrupt_while_a_refused_bundle_is_undone_still_rolls_it_back(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C comes while a refused bundle's files are being removed: the interrupt goes
    on, and that bundle's records are still rolled back (the ones before it are kept)."""
    first, refused, _last = three
    alone = merged_alone(make_device, [first])
    office = make_device("office")
    refuse_at_the_end(monkeypatch, office, lambda path: path == refused)

    def interrupted(_copy: MediaCopy) -> None:
        raise KeyboardInterrupt

    merger = BundleMerger(office, commit_seconds=NEVER)
    merger.merge(first)
    monkeypatch.setattr(MediaCopy, "undo", interrupted)
    with pytest.raises(KeyboardInterrupt):
        merger.merge(refused)
    monkeypatch.undo()
    merger.close()
    assert digest(office) == digest(alone)
