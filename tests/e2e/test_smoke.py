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
