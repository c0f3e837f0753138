"""Never lose a keystroke: kill -9 the real app while typing, and get the draft back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fieldsafe.services.audit_queries import show_audit
from fieldsafe.services.recovery import interrupted_audit
from fieldsafe.services.workspace import Workspace
from fieldsafe.ui.main_window import MainWindow
from tests.conftest import ROOT
from tests.e2e.typing_app import TEXT


def test_kill_9_while_typing_loses_at_most_a_second(tmp_path: Path, qtbot: QtBot,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONWARNINGS": "ignore"}
    folder = tmp_path / "ws"
    typed: list[tuple[int, float]] = []
    with subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "e2e" / "typing_app.py"), str(folder),
             str(tmp_path / "settings.ini")], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT) as child:
        assert child.stdout is not None
        try:
            for line in child.stdout:
                _word, count, stamp = line.split()
                typed.append((int(count), float(stamp)))
                if int(count) >= 100:  # about three seconds of steady typing
                    break
        finally:
            killed_at = time.time()
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert len(typed) >= 100
    # Everything typed more than a second before the kill must be in the draft.
    must_have = max(n for n, stamp in typed if stamp <= killed_at - 1.0)

    workspace = Workspace(folder)
    audit_id = interrupted_audit(workspace)
    assert audit_id is not None, "the next start knows which audit was open"
    saved = str(show_audit(workspace, audit_id)["answers"].get("good_points", ""))
    expected = "".join(TEXT[i % len(TEXT)] for i in range(len(saved)))
    assert saved == expected  # what was saved is exactly what was typed
    assert len(saved) >= must_have, (len(saved), must_have, len(typed))

    # The next start offers the draft back, and opens it with the text in place.
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    window = MainWindow(workspace, QSettings(str(tmp_path / "s2.ini"),
                                             QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.offer_recovery()
    assert window._editors, "the draft was opened again"
    editor = window._editors[0]
    assert editor.editor.session.value("good_points") == saved  # type: ignore[attr-defined]
    editor.close()
    assert interrupted_audit(workspace) is None
    workspace.close()
