"""Benchmark: start-up to the first painted audit list on a 10,000-audit workspace, against
a bare PySide6 + SQLAlchemy script showing 50 rows (the floor). Goal: at most 1.3x."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from workspaces import bulk_workspace

RUNS = 5


def first_paint(command: list[str], env: dict[str, str]) -> float:
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                         check=True).stdout
    match = re.search(r"first-paint-ms: (\d+)", out)
    if match is None:
        raise RuntimeError(f"no first-paint-ms in {out!r}")
    return float(match.group(1))


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        ws = bulk_workspace(Path(folder) / "ws", 10_000)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": folder}
        app = [sys.executable, "-m", "fieldsafe.cli.main", "--workspace", str(ws),
               "--smoke-test"]
        floor = [sys.executable, str(Path(__file__).parent / "floor_startup.py"),
                 str(ws / "fieldsafe.sqlite")]
        first_paint(app, env)  # warm the file cache
        first_paint(floor, env)
        apps, floors = [], []
        for _ in range(RUNS):
            apps.append(first_paint(app, env))
            floors.append(first_paint(floor, env))
    a, f = statistics.median(apps), statistics.median(floors)
    print(f"start-up (10,000 audits): app {a:.0f} ms, floor {f:.0f} ms; ratio {a / f:.2f}x "
          "(goal <= 1.3x)")
    return 0 if a / f <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
