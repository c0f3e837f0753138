"""Offline basemaps: reading map tiles from an MBTiles file by XYZ address, and writing one."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

from fieldsafe.geo.errors import MBTilesError
from fieldsafe.i18n import _

#: Tile formats by the first bytes of a tile.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"\x1f\x8b", "pbf"),
)
_SCHEMA = """
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX name ON metadata (name);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


class MBTiles:
    """An MBTiles file opened read-only. Tiles are addressed XYZ (OSM/Google: y=0 at the north).

    Safe to share between threads (a lock guards the connection).
    """

    metadata: dict[str, str]
    name: str
    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None
    attribution: str

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        if not path.is_file():
            raise MBTilesError(_("{file}: no such file").format(file=path))
        self._db = self._connect(path)
        try:
            self._read_header()
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise self._error(err) from None
        except MBTilesError:
            self._db.close()
            raise

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at zoom ``z``, column ``x``, row ``y`` (XYZ), or None if the file lacks it."""
        if z < 0 or not (0 <= x < 2**z and 0 <= y < 2**z):
            return None
        row = 2**z - 1 - y  # MBTiles rows count from the south (TMS)
        try:
            with self._lock:
                found = self._db.execute(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                    "AND tile_row = ?", (z, x, row)).fetchone()
        except sqlite3.DatabaseError as err:
            raise self._error(err) from None
        if found is None or found[0] is None:
            return None
        data = found[0]
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _connect(self, path: Path) -> sqlite3.Connection:
        uri = path.resolve().as_uri()
        problem: sqlite3.Error | None = None
        # A WAL-mode file on read-only media cannot be opened "mode=ro"; "immutable=1" can.
        for mode in ("mode=ro", "immutable=1"):
            db = sqlite3.connect(f"{uri}?{mode}", uri=True, check_same_thread=False)
            try:
                db.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
                return db
            except sqlite3.OperationalError as err:
                db.close()
                problem = problem or err
            except sqlite3.DatabaseError as err:
                db.close()
                raise self._error(err) from None
        assert problem is not None
        raise self._error(problem)

    def _read_header(self) -> None:
        found = {name for (name,) in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        missing = [name for name in ("metadata", "tiles") if name not in found]
        if missing:
            raise MBTilesError(_("{file} is not an MBTiles map: it has no '{table}' table")
                               .format(file=self.path, table=missing[0]))
        self.metadata = {str(name): str(value) for name, value in self._db.execute(
            "SELECT name, value FROM metadata") if name is not None and value is not None}
        meta = self.metadata
        self.name = meta.get("name") or self.path.stem
        self.attribution = meta.get("attribution", "")
        self.format = _normal_format(meta.get("format", "")) or self._sniff_format()
        low, high = _int(meta.get("minzoom")), _int(meta.get("maxzoom"))
        if low is None or high is None:
            zoom_min, zoom_max = self._db.execute(
                "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            low = zoom_min if low is None else low
            high = zoom_max if high is None else high
        self.minzoom, self.maxzoom = int(low or 0), int(high or 0)
        self.bounds = _bounds(meta.get("bounds", ""))

    def _sniff_format(self) -> str:
        first = self._db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        data = bytes(first[0]) if first and isinstance(first[0], bytes) else b""
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "webp"
        return next((kind for magic, kind in _MAGIC if data.startswith(magic)), "")

    def _error(self, err: sqlite3.Error) -> MBTilesError:
        why = str(err)
        if why == "file is not a database":
            return MBTilesError(_("{file} is not an MBTiles map: it is not an SQLite database")
                                .format(file=self.path))
        if isinstance(err, sqlite3.OperationalError):
            return MBTilesError(_("{file} cannot be opened: {why}").format(file=self.path,
                                                                          why=why))
        return MBTilesError(_("{file} is damaged: {why}").format(file=self.path, why=why))


def write_mbtiles(path: Path, tiles: Iterable[tuple[int, int, int, bytes]],
                  metadata: dict[str, str]) -> None:
    """Write a new MBTiles file (replacing ``path``) from XYZ-addressed ``(z, x, y, data)`` tiles.

    The file appears complete or not at all: it is written beside ``path`` and then renamed.
    """
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        with db:
            db.executescript(_SCHEMA)
            db.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)",
                           sorted(metadata.items()))
            db.executemany(
                "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) "
                "VALUES (?, ?, ?, ?)",
                ((z, x, 2**z - 1 - y, sqlite3.Binary(data)) for z, x, y, data in tiles))
    except BaseException:
        db.close()
        partial.unlink(missing_ok=True)
        raise
    db.close()
    partial.replace(path)


def _normal_format(value: str) -> str:
    value = value.strip().lower()
    return {"jpeg": "jpg", "mvt": "pbf"}.get(value, value)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except (ValueError, OverflowError):
        return None


def _bounds(value: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError:
        return None
    return west, south, east, north
