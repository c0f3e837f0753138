"""Runs every benchmark in this folder, each in its own process; each prints a ratio against a
baseline measured in the same run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    failed = []
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        result = subprocess.run([sys.executable, str(path)], env=env, check=False)
        if result.returncode:
            failed.append(path.name)
    if failed:
        print("over their goal: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
