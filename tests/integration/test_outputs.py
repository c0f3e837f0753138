"""Where commands write: a device or a pipe is never replaced, a folder is never taken for
a file, nothing half-made is left by an interrupt, and shared files are readable."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from fieldsafe.errors import UserError
from fieldsafe.services import workspace_admin
from fieldsafe.services.audits import new_audit
from fieldsafe.services.bundle_export import export_bundle
from fieldsafe.services.reports import audit_report
from fieldsafe.services.workspace import Workspace


@pytest.fixture
def audit_id(workspace: Workspace, walk_answers: dict[str, object]) -> str:
    return new_audit(workspace, "womens_safety_walk", walk_answers, finalize=True).id


def test_a_named_pipe_is_refused_not_replaced(workspace: Workspace, audit_id: str,
                                             tmp_path: Path) -> None:
    pipe = tmp_path / "report.pdf"
    os.mkfifo(pipe)
    with pytest.raises(UserError, match="not a plain file"):
        audit_report(workspace, audit_id, pipe)
    with pytest.raises(UserError, match="not a plain file"):
        export_bundle(workspace, tmp_path / "report.pdf")
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_a_folder_is_refused_for_a_file(workspace: Workspace, audit_id: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(UserError, match="it is a folder"):
        export_bundle(workspace, tmp_path / "out")
    monkeypatch.chdir(tmp_path / "out")
    for name in (".", ".."):
        with pytest.raises(UserError, match="it is a folder"):
            export_bundle(workspace, Path(name))
        with pytest.raises(UserError, match="it is a folder"):
            audit_report(workspace, audit_id, Path(name))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "ws"]
    assert list((tmp_path / "out").iterdir()) == []


def test_a_bundle_is_readable_by_others_under_the_usual_umask(
        workspace: Workspace, audit_id: str, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        made = export_bundle(workspace, tmp_path / "week1").path
    finally:
        os.umask(old)
    assert stat.S_IMODE(made.stat().st_mode) == 0o644


def test_an_interrupted_backup_leaves_nothing(workspace: Workspace, audit_id: str,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "copytree", interrupted)
    target = tmp_path / "backups" / "monday"
    target.parent.mkdir()
    with pytest.raises(KeyboardInterrupt):
        workspace_admin.backup(workspace, target)
    assert list(target.parent.iterdir()) == []


def test_a_backup_into_the_folder_one_is_in(workspace: Workspace, audit_id: str,
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """``workspace backup .`` from a new empty folder: the backup goes there, is named by
    its full path, and leaves no SQLite side files (-wal, -shm) behind."""
    here = tmp_path / "backups"
    here.mkdir()
    monkeypatch.chdir(here)
    done = workspace_admin.backup(workspace, Path(os.curdir))
    assert done == here and done.is_absolute()
    assert sorted(p.name for p in here.iterdir()) == ["fieldsafe.sqlite", "media"]
    assert workspace_admin.database_damage(done / "fieldsafe.sqlite") == []
    assert sorted(p.name for p in here.iterdir()) == ["fieldsafe.sqlite", "media"]


def test_a_file_is_refused_where_a_folder_is_made(workspace: Workspace, audit_id: str,
                                                  tmp_path: Path) -> None:
    from fieldsafe.services.bundles import import_bundle
    from fieldsafe.services.exports_csv import export_csv
    from fieldsafe.sync.errors import BundleError

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for make in (workspace_admin.backup, export_csv):
        with pytest.raises(UserError, match=r"notes\.txt: is a file, not a folder"):
            make(workspace, a_file)
    assert a_file.read_text() == "mine"
    with pytest.raises(BundleError, match=r"^/: "):
        import_bundle(workspace, Path("/"))


def test_a_name_as_long_as_a_file_name_may_be_is_written(tmp_path: Path) -> None:
    """The temporary file beside it has a name of its own length, not the target's and
    more, which went past the 255 bytes a name may have."""
    from fieldsafe.outputs import write_atomically

    target = tmp_path / ("é" * 100 + "x" * 50 + ".pdf")  # 254 bytes
    assert len(target.name.encode()) == 254
    write_atomically(target, lambda stream: stream.write(b"%PDF-1.4"))
    assert target.read_bytes() == b"%PDF-1.4" and [p.name for p in tmp_path.iterdir()] == [
        target.name]
