"""Runs every benchmark in this folder; each prints a ratio against a baseline of the same run."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main() -> int:
    failed = []
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as done:
            if done.code:
                failed.append(path.name)
    if failed:
        print("over their goal: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
