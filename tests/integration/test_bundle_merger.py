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
from sqlalchemy import func, select
from sqlalchemy.engine import default

from fieldsafe.errors import UserError
from fieldsafe.services import bundles
from fieldsafe.services.audits import new_audit
from fieldsafe.services.bundle_check import Checked
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundles import BundleMerger, import_bundle, import_bundles
from fieldsafe.services.layers import add_layer
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import digest
from fieldsafe.storage.models import Audit
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
                   ("exifpy__DSCN0010.jpg", "exifpy__DSCN0042.jpg"), layer=True),
            laptop(make_device, walk_answers, tmp_path, "laptop-b",
                   ("recurser__Portrait_2.jpg", "recurser__Portrait_3.jpg")),
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


def _refused_once_its_photos_are_in(office: Workspace, refused: Path) -> Callable[..., Any]:
    """check_records that refuses ``refused`` once its photos were copied in (they are
    copied while the records are checked); other bundles are checked as usual."""
    check_records = bundles.check_records

    def checking(reader: BundleReader, db: Any, checked: Checked) -> Any:
        if checked.path != refused:
            return check_records(reader, db, checked)
        deadline = time.monotonic() + 30
        while not all(office.media.has(m.sha256) for m in checked.records["media"]):
            assert time.monotonic() < deadline, "the photos were never copied in"
            time.sleep(0.01)
        raise BundleError(refused, "refused by its records")

    return checking


def test_a_bundle_refused_inside_a_group_leaves_the_others_merged(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    first, refused, last = three
    alone = make_device("alone")
    for path in (first, last):
        import_bundle(alone, path)
    office = make_device("office")
    monkeypatch.setattr(bundles, "COMMIT_SECONDS", NEVER)  # all three in one transaction
    monkeypatch.setattr(bundles, "check_records", _refused_once_its_photos_are_in(
        office, refused))
    reports = import_bundles(office, three)
    assert [r.refused for r in reports] == [None, "refused by its records", None]
    assert digest(office) == digest(alone)
    assert frozenset(office.media.iter_hashes()) == frozenset(alone.media.iter_hashes())
    assert files(office) - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"} == \
        files(alone) - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"}


def _disk_full_at_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge's commits fail as on a full disk (those of its writer connections, which
    leave BEGIN to SQLAlchemy); other transactions (reads) still end."""
    commit = default.DefaultDialect.do_commit

    def full(dialect: Any, connection: Any) -> None:
        if connection.isolation_level is None:
            raise sqlite3.OperationalError("database or disk is full")
        commit(dialect, connection)

    monkeypatch.setattr(default.DefaultDialect, "do_commit", full)


def test_a_failed_group_commit_undoes_every_bundle_of_the_group(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    office = make_device("office")
    import_bundle(office, three[2])  # committed before: stays
    before, kept = digest(office), files(office)
    merger = BundleMerger(office, commit_seconds=NEVER)
    reports = [merger.merge(path) for path in three[:2]]
    assert office.layers_dir.exists() and list(office.layers_dir.iterdir())
    _disk_full_at_commit(monkeypatch)
    with pytest.raises(UserError, match="the disk is full") as caught:
        merger.close()
    monkeypatch.undo()
    assert str(caught.value).startswith(str(office.db_path))
    for report in reports:
        assert report.refused == f"not merged: {caught.value}"
        assert report.outcomes == [] and report.counts()["new"] == 0
        assert report.summary().endswith(f"refused: not merged: {caught.value}")
    assert digest(office) == before
    assert files(office) - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"} == \
        kept - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"}
    assert list(office.layers_dir.iterdir()) == []
    # Nothing was lost: importing again merges them.
    assert [r.refused for r in import_bundles(office, three)] == [None, None, None]
    with office.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Audit)) == 3


def test_a_database_failure_in_a_bundle_undoes_the_group_and_the_import_stops(
        make_device: Device, three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while the third bundle is merged: the first two, merged in the same
    transaction, are rolled back with it, and the import says why."""
    from fieldsafe.services import bundle_merge

    office = make_device("office")
    before = files(office)
    merge_actions = bundle_merge._merge_actions

    def full_in_the_third(db: Any, checked: Checked, *args: Any) -> None:
        if checked.path == three[2]:
            raise sqlite3.OperationalError("database or disk is full")
        merge_actions(db, checked, *args)

    monkeypatch.setattr(bundles, "COMMIT_SECONDS", NEVER)
    # Raised as SQLite would, from inside a statement (SQLAlchemy wraps it).
    monkeypatch.setattr(bundle_merge, "_merge_actions", _wrapped(full_in_the_third))
    with pytest.raises(UserError, match="the disk is full"):
        import_bundles(office, three)
    assert audits_seen_by_another(office) == 0
    assert files(office) - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"} == \
        before - {"fieldsafe.sqlite-wal", "fieldsafe.sqlite-shm"}


def _wrapped(function: Callable[..., None]) -> Callable[..., None]:
    """``function`` with a sqlite3 error turned into SQLAlchemy's, as a statement raises it."""
    from sqlalchemy.exc import OperationalError

    def call(*args: Any) -> None:
        try:
            function(*args)
        except sqlite3.OperationalError as err:
            raise OperationalError("INSERT …", None, err) from err

    return call


def test_another_writer_waits_for_the_group(make_device: Device, three: list[Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The group holds the write lock from its first bundle to its commit: another
    program's write waits for it (here it gives up: its busy timeout is short)."""
    office = make_device("office")
    with BundleMerger(office, commit_seconds=NEVER) as merger:
        merger.merge(three[0])
        with sqlite3.connect(office.db_path, timeout=0.1) as other, \
                pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("INSERT INTO local_settings (key, value) VALUES ('x', 'y')")
    with sqlite3.connect(office.db_path, timeout=0.1) as other:
        other.execute("INSERT INTO local_settings (key, value) VALUES ('x', 'y')")
