"""Benchmark: the demo's insert throughput, against raw sqlite3 executemany of the same rows.

The demo goes through the services (forms engine, validation, media, one transaction per
audit); the baseline writes the very rows the demo produced with sqlite3's executemany into
an empty copy of the schema. The ratio says what the whole stack costs per row.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from fieldsafe.services.demo import build_demo
from fieldsafe.services.form_library import ensure_builtin_forms
from fieldsafe.services.workspace import Workspace

AUDITS = 200
PHOTOS = 20


def raw_copy(source: Path, target: Path) -> tuple[float, int]:
    """Insert every row of ``source`` into an empty schema at ``target`` with executemany."""
    src = sqlite3.connect(source)
    schema = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%'")]
    tables = [name for (name,) in src.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    data = {t: src.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    src.close()
    dst = sqlite3.connect(target)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = FULL")
    for statement in schema:
        dst.execute(statement)
    dst.commit()
    rows = sum(len(v) for v in data.values())
    start = time.perf_counter()
    with dst:
        for table, values in data.items():
            if values:
                marks = ",".join("?" * len(values[0]))
                dst.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
    elapsed = time.perf_counter() - start
    dst.close()
    return elapsed, rows


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace(Path(folder) / "ws")
        ensure_builtin_forms(ws)
        start = time.perf_counter()
        summary = build_demo(ws, audits=AUDITS, photos=PHOTOS, photo_megapixels=0.5, seed=3)
        demo = time.perf_counter() - start
        ws.close()
        raw, rows = raw_copy(Path(folder) / "ws" / "fieldsafe.sqlite", Path(folder) / "raw.db")
    print(f"demo inserts: {summary.audits} audits, {rows} rows; services {demo:.2f} s "
          f"({rows / demo:.0f} rows/s), raw sqlite3 executemany {raw * 1000:.1f} ms "
          f"({rows / raw:.0f} rows/s); ratio {demo / raw:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
