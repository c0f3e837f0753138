"""Merging several bundles reads the next one ahead on a thread: the records it decodes
are used only for the bundle and manifest they came from, a bad bundle is refused as it
would be without it, and a bundle merged before costs no reading ahead."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fieldsafe.services.bundle_check as bundle_check
from fieldsafe.services.audits import new_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.bundle_merger import BundleMerger
from fieldsafe.services.bundle_read_ahead import Decoded, ReadAhead, read_records
from fieldsafe.services.bundles import import_bundle, import_bundles
from fieldsafe.services.workspace import Workspace
from fieldsafe.services.workspace_admin import digest
from fieldsafe.sync.archive import BundleReader
from tests.integration.test_sync_hostile import Parts

Device = Callable[..., Workspace]


def laptop_bundles(make_device: Device, walk_answers: dict[str, Any], folder: Path,
                   count: int) -> list[Path]:
    """``count`` bundles, each from a laptop of its own with two finalized audits."""
    out = []
    for number in range(1, count + 1):
        ws = make_device(f"laptop-{number}", team=f"team {number}")
        for _ in range(2):
            new_audit(ws, "womens_safety_walk", walk_answers, finalize=True)
        out.append(export_bundle(ws, folder / f"laptop-{number}.fieldsafe").path)
    return out


@pytest.fixture
def decoding(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every file of records decoded: (thread name, bundle file name, kind)."""
    calls: list[tuple[str, str, str]] = []
    decode = bundle_check._decode

    def spy(reader: BundleReader, checked: bundle_check.Checked, kind: str) -> list[Any]:
        calls.append((threading.current_thread().name, reader.path.name, kind))
        return decode(reader, checked, kind)

    monkeypatch.setattr(bundle_check, "_decode", spy)
    return calls


def test_the_next_bundle_is_decoded_ahead_and_the_merge_is_the_same(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path,
        decoding: list[tuple[str, str, str]]) -> None:
    *paths, fourth = laptop_bundles(make_device, walk_answers, tmp_path, 4)
    one_by_one = make_device("one-by-one")
    for path in paths:
        import_bundle(one_by_one, path)
    decoding.clear()
    office = make_device("office")
    reports = import_bundles(office, paths)
    assert [r.refused for r in reports] == [None, None, None]
    assert [r.counts()["new"] for r in reports] == [2, 2, 2]
    assert digest(office) == digest(one_by_one)
    ahead = {(name, kind) for thread, name, kind in decoding
             if thread.startswith("fieldsafe-read-ahead")}
    here = {(name, kind) for thread, name, kind in decoding
            if not thread.startswith("fieldsafe-read-ahead")}
    assert {name for name, _kind in here} == {paths[0].name}  # only the first, here
    assert {name for name, kind in ahead if kind == "audits"} == {paths[1].name,
                                                                  paths[2].name}
    # Imported again: each is recognised before any reading, ahead or not, also behind
    # a new one (whose merge reads the next ahead).
    decoding.clear()
    again = import_bundles(office, paths)
    assert all(r.already_imported for r in again)
    assert decoding == []
    again = import_bundles(office, [fourth, *paths])
    assert [r.already_imported for r in again] == [False, True, True, True]
    assert {name for _thread, name, _kind in decoding} == {fourth.name}
    assert not [t for t in threading.enumerate() if t.name.startswith("fieldsafe-read-ahead")]


def test_records_decoded_for_another_manifest_are_not_used(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    first, second = laptop_bundles(make_device, walk_answers, tmp_path, 2)
    other = read_records(second)
    assert other is not None

    class Mixed(ReadAhead):
        """Gives the second bundle's records for the first: a bundle file replaced after
        it was read ahead."""

        def take(self, path: Path) -> Decoded | None:
            super().take(path)
            return other

    office, alone = make_device("office"), make_device("alone")
    with Mixed(office, [first]) as read_ahead, \
            BundleMerger(office, read_ahead=read_ahead) as merger:
        report = merger.merge(first)
    assert report.counts()["new"] == 2
    import_bundle(alone, first)
    assert digest(office) == digest(alone)


def test_a_bad_bundle_read_ahead_is_refused_as_it_would_be_alone(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    good, second = laptop_bundles(make_device, walk_answers, tmp_path, 2)
    parts = Parts.read(second.read_bytes())
    parts.set_records("audits", [*parts.lines("audits")[:1], b'{"uuid": "broken'])
    bad = tmp_path / "bad.fieldsafe"
    bad.write_bytes(parts.build())
    assert read_records(bad) is None
    alone = make_device("alone")
    with pytest.raises(bundle_check.BundleError) as caught:
        import_bundle(alone, bad)
    office = make_device("office")
    reports = import_bundles(office, [good, bad])
    assert reports[0].refused is None
    assert reports[1].refused == caught.value.reason
    assert "records/audits.jsonl line 2" in str(reports[1].refused)


def test_bundles_are_taken_in_their_order_and_may_be_skipped(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path) -> None:
    first, second, third = laptop_bundles(make_device, walk_answers, tmp_path, 3)
    missing = tmp_path / "missing.fieldsafe"
    office = make_device("office")
    with ReadAhead(office, [first, second, third]) as read_ahead:
        assert read_ahead.take(first) is None
        read_ahead.start_next()
        # The second was not imported (its import failed before it began): the third's
        # turn comes with nothing decoded for it, and the one after it is read ahead.
        assert read_ahead.take(third) is None
        read_ahead.start_next()  # after the last: nothing to start
        with pytest.raises(ValueError, match="not among the bundles still to import"):
            read_ahead.take(second)
    with ReadAhead(office, [first, missing, second]) as read_ahead:
        read_ahead.take(first)
        read_ahead.start_next()  # a missing file: nothing decoded, the import will say why
        assert read_ahead.take(missing) is None
        read_ahead.start_next()
        decoded = read_ahead.take(second)
    assert decoded is not None
    assert decoded == read_records(second)
    assert len(decoded.records["audits"]) == 2


def test_an_unreadable_database_only_costs_the_skipping_of_received_bundles(
        make_device: Device, walk_answers: dict[str, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldsafe.errors import UserError
    from fieldsafe.services.bundle_read_ahead import received_bundles

    first, second = laptop_bundles(make_device, walk_answers, tmp_path, 2)
    office = make_device("office")
    import_bundles(office, [first])
    assert len(received_bundles(office)) == 1

    def busy() -> Any:
        raise UserError("the workspace is in use by another FieldSafe")

    with monkeypatch.context() as patched:
        patched.setattr(office, "transaction", busy)
        assert received_bundles(office) == set()
        read_ahead = ReadAhead(office, [first, second])  # does not fail
    with read_ahead:
        assert read_ahead.take(first) is None
        read_ahead.start_next()
        assert read_ahead.take(second) == read_records(second)
