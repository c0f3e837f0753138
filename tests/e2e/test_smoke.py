"""``fieldsafe --smoke-test``: the real app opens offscreen, paints its list, and exits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_smoke_test_prints_first_paint(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "PYTHONWARNINGS": "ignore"}
    subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", "--workspace",
                    str(tmp_path / "ws"), "demo", "--audits", "6", "--photos", "0"],
                   check=True, capture_output=True, timeout=300, env=env, cwd=ROOT)
    result = subprocess.run([sys.executable, "-m", "fieldsafe.cli.main", "--workspace",
                             str(tmp_path / "ws"), "--smoke-test"], capture_output=True,
                            text=True, timeout=300, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    match = re.search(r"^first-paint-ms: (\d+)$", result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert 0 < int(match.group(1)) < 120_000


def test_python_dash_m_and_a_closed_pipe(tmp_path: Path) -> None:
    """``python -m fieldsafe`` runs the command line; output cut short by the reader
    (``| head``) ends quietly with SIGPIPE's code, not with 1 ("problems") and a traceback."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    subprocess.run([sys.executable, "-m", "fieldsafe", "--workspace", str(tmp_path / "ws"),
                    "demo", "--audits", "40", "--photos", "0"], check=True,
                   capture_output=True, timeout=300, env=env, cwd=ROOT)
    with subprocess.Popen([sys.executable, "-m", "fieldsafe", "--workspace",
                           str(tmp_path / "ws"), "audits", "list"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          cwd=ROOT) as listing:
        assert listing.stdout is not None and listing.stderr is not None
        listing.stdout.close()  # the reader is gone before the first line is written
        assert listing.wait(timeout=300) == 141
        assert listing.stderr.read() == b""
