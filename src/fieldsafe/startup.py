"""Time since this process started, for the start-up measurement (no Qt, cheap)."""

from __future__ import annotations

import os
import time
from pathlib import Path

_IMPORTED = time.monotonic()


def process_uptime_ms() -> float:
    """Milliseconds since the process started (Linux: from /proc; elsewhere: since import)."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        started_ticks = int(fields[19])  # field 22 of stat: start time in clock ticks
        uptime_s = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        return max(0.0, (uptime_s - started_ticks / ticks) * 1000.0)
    except (OSError, ValueError, IndexError):
        return (time.monotonic() - _IMPORTED) * 1000.0
