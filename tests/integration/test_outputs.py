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
