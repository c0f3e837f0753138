"""Offline basemaps: reading the corpus MBTiles in place, XYZ/TMS rows, and damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldsafe.geo.errors import MBTilesError
from fieldsafe.geo.mbtiles import MBTiles, write_mbtiles
from tests.conftest import CORPUS

PLAIN = CORPUS / "mbtiles" / "nodembtiles__plain_1.mbtiles"
CORRUPT = CORPUS / "mbtiles" / "nodembtiles__corrupt.mbtiles"
PNG = b"\x89PNG\r\n\x1a\n"


def test_plain_1_infers_what_its_metadata_leaves_out() -> None:
    with MBTiles(PLAIN) as tiles:
        assert "format" not in tiles.metadata and "minzoom" not in tiles.metadata
        assert tiles.name == "plain_1"
        assert tiles.format == "png"  # from the first tile's bytes
        assert (tiles.minzoom, tiles.maxzoom) == (0, 4)  # from the tiles
        assert tiles.bounds == pytest.approx((-180.0, -70.0, 180.0, 85.0), abs=1e-6)
        assert tiles.attribution == ""
        assert tiles.metadata["description"] == "demo description"


def test_plain_1_tiles_by_xyz() -> None:
    with MBTiles(PLAIN) as tiles:
        world = tiles.tile(0, 0, 0)
        assert world is not None and world.startswith(PNG)
        found = sum(tiles.tile(z, x, y) is not None
                    for z in range(5) for x in range(2**z) for y in range(2**z))
        assert found == 285
        assert tiles.tile(5, 0, 0) is None
        assert tiles.tile(1, 2, 0) is None and tiles.tile(-1, 0, 0) is None


def test_plain_1_rows_are_flipped_from_tms() -> None:
    raw = sqlite3.connect(f"{PLAIN.resolve().as_uri()}?mode=ro", uri=True)
    try:
        stored = {(z, x, row): bytes(data) for z, x, row, data in raw.execute(
            "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = 2")}
    finally:
        raw.close()
    assert len(stored) == 16
    # Some columns differ north to south, so reading without the flip would fail here.
    assert any(data != stored[(z, x, 2**z - 1 - row)] for (z, x, row), data in stored.items())
    with MBTiles(PLAIN) as tiles:
        for (z, x, row), data in stored.items():
            assert tiles.tile(z, x, 2**z - 1 - row) == data


def test_own_file_round_trips_with_the_y_flip(tmp_path: Path) -> None:
    path = tmp_path / "basemap.mbtiles"
    written = {(1, x, y): PNG + f"tile {x},{y}".encode() for x in range(2) for y in range(2)}
    written[(0, 0, 0)] = PNG + b"world"
    write_mbtiles(path, [(z, x, y, data) for (z, x, y), data in written.items()],
                  {"name": "Demo", "format": "png", "minzoom": "0", "maxzoom": "1",
                   "bounds": "36.7,-1.4,36.9,-1.2", "attribution": "© OpenStreetMap"})
    with MBTiles(path) as tiles:
        for (z, x, y), data in written.items():
            assert tiles.tile(z, x, y) == data
        assert (tiles.name, tiles.format, tiles.minzoom, tiles.maxzoom) == ("Demo", "png", 0, 1)
        assert tiles.bounds == (36.7, -1.4, 36.9, -1.2)
        assert tiles.attribution == "© OpenStreetMap"
    raw = sqlite3.connect(path)
    try:
        # XYZ y=0 is the northern row; MBTiles stores it as TMS row 2**z - 1 - y = 1.
        (stored,) = raw.execute("SELECT tile_data FROM tiles WHERE zoom_level = 1 AND "
                                "tile_column = 0 AND tile_row = 1").fetchone()
    finally:
        raw.close()
    assert stored == PNG + b"tile 0,0"


def test_write_replaces_an_old_file_and_infers_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "map.mbtiles"
    write_mbtiles(path, [(0, 0, 0, PNG)], {"name": "old"})
    write_mbtiles(path, [(3, 5, 2, b"\xff\xd8\xff\xe0jpeg")], {})
    with MBTiles(path) as tiles:
        assert (tiles.name, tiles.format, tiles.minzoom, tiles.maxzoom) == ("map", "jpg", 3, 3)
        assert tiles.bounds is None
        assert tiles.tile(3, 5, 2) == b"\xff\xd8\xff\xe0jpeg"
    assert [p.name for p in tmp_path.iterdir()] == ["map.mbtiles"]


def test_corrupt_file_is_one_clear_line() -> None:
    with pytest.raises(MBTilesError) as caught:
        MBTiles(CORRUPT)
    assert str(caught.value) == f"{CORRUPT} is damaged: database disk image is malformed"


def test_text_file_is_not_an_mbtiles(tmp_path: Path) -> None:
    text = tmp_path / "notes.mbtiles"
    text.write_text("these are not map tiles\n" * 200, encoding="utf-8")
    with pytest.raises(MBTilesError) as caught:
        MBTiles(text)
    assert str(caught.value) == f"{text} is not an MBTiles map: it is not an SQLite database"


def test_sqlite_without_tiles_and_missing_file(tmp_path: Path) -> None:
    other = tmp_path / "other.mbtiles"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.close()
    with pytest.raises(MBTilesError, match=r"other\.mbtiles is not an MBTiles map: it has no "
                                           r"'tiles' table"):
        MBTiles(other)
    with pytest.raises(MBTilesError, match=r"gone\.mbtiles: no such file"):
        MBTiles(tmp_path / "gone.mbtiles")


def test_opening_does_not_change_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.mbtiles"
    write_mbtiles(path, [(0, 0, 0, PNG)], {"name": "ro"})
    before = path.read_bytes()
    with MBTiles(path) as tiles:
        assert tiles.tile(0, 0, 0) == PNG
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.mbtiles"]
