"""The map view's basemap: tiles in the right place, over-zoom, the corpus files, the cache."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from fieldsafe.errors import UserError
from fieldsafe.geo.mbtiles import MBTiles, write_mbtiles
from fieldsafe.geo.webmercator import TILE_SIZE
from fieldsafe.ui.map import tiles
from fieldsafe.ui.map.decorations import GRID, GRID_MAIN
from fieldsafe.ui.map.map_view import MapView
from tests.conftest import CORPUS
from tests.ui.test_map_support import (
    near,
    settle,
    shown_view,
    tile_centre,
    tile_colour,
    write_test_basemap,
)

PLAIN = CORPUS / "mbtiles" / "nodembtiles__plain_1.mbtiles"
CORRUPT = CORPUS / "mbtiles" / "nodembtiles__corrupt.mbtiles"


@pytest.fixture
def basemap(tmp_path: Path) -> Path:
    return write_test_basemap(tmp_path / "test.mbtiles", attribution="&copy; <b>Test</b> tiles")


@pytest.fixture
def view(qtbot: QtBot, basemap: Path) -> MapView:
    view = shown_view(qtbot)
    view.set_basemap(basemap)
    return view


def test_the_four_middle_tiles_of_zoom_2_fill_the_view(qtbot: QtBot, view: MapView) -> None:
    view.set_view(0.0, 0.0, 2)  # the world is 1024 px wide: the view shows x, y in 1..2
    image = settle(qtbot, view)
    for (x, y), at in {(1, 1): QPoint(128, 128), (2, 1): QPoint(384, 128),
                       (1, 2): QPoint(128, 384), (2, 2): QPoint(384, 384)}.items():
        assert near(image, at, tile_colour(2, x, y)), (x, y)
    assert not view.graticule_visible() and view.basemap_error == ""
    assert view.attribution() == "© Test tiles"


@pytest.mark.parametrize("z, x, y", [(3, 5, 2), (3, 0, 7), (1, 1, 0), (2, 3, 1)])
def test_each_tile_is_where_its_xyz_address_says(qtbot: QtBot, view: MapView, z: int, x: int,
                                                  y: int) -> None:
    view.set_view(*tile_centre(z, x, y), z)
    image = settle(qtbot, view)
    for fx, fy in ((0.3, 0.3), (0.7, 0.6), (0.5, 0.9)):
        at = view.view_point(*tile_centre(z, x, y, fx, fy))
        assert near(image, at, tile_colour(z, x, y)), (fx, fy)
    # the neighbours to the east and to the south (rows are XYZ, not TMS)
    if x + 1 < 2**z:
        east = view.view_point(*tile_centre(z, x + 1, y, 0.25, 0.5))
        assert near(image, east, tile_colour(z, x + 1, y))
    if y + 1 < 2**z:
        south = view.view_point(*tile_centre(z, x, y + 1, 0.5, 0.25))
        assert near(image, south, tile_colour(z, x, y + 1))


def test_over_zoom_crops_and_scales_the_last_tiles(qtbot: QtBot, view: MapView) -> None:
    # zoom 6 on the edge between z3 tiles 5/2 and 6/2: 8x larger, each fills half the view
    lat, lon = tile_centre(3, 6, 2, 0.0, 0.5)
    view.set_view(lat, lon, 6)
    image = settle(qtbot, view)
    assert near(image, QPoint(100, 256), tile_colour(3, 5, 2))
    assert near(image, QPoint(412, 256), tile_colour(3, 6, 2))
    assert near(image, QPoint(200, 60), tile_colour(3, 5, 2))
    assert view.zoom() == 6


def test_fractional_zoom_uses_the_nearest_level(qtbot: QtBot, view: MapView) -> None:
    view.set_view(*tile_centre(2, 1, 1), 2.4)
    image = settle(qtbot, view)
    assert near(image, view.view_point(*tile_centre(2, 1, 1, 0.6, 0.6)), tile_colour(2, 1, 1))


def test_the_corpus_plain_file_loads_without_format_metadata(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    view.set_basemap(PLAIN)
    view.set_view(20.0, 0.0, 3)
    image = settle(qtbot, view)
    assert view.basemap_error == "" and not view.graticule_visible()
    assert view.tile_cache_bytes() > 0
    # a real picture, not a blank view: the Atlantic is white, the Sahara light grey
    assert near(image, view.view_point(20.0, -40.0), QColor(254, 254, 254), 3)
    assert near(image, view.view_point(22.0, 15.0), QColor(237, 237, 237), 3)


def test_the_corrupt_corpus_file_is_a_clear_error_and_a_graticule(qtbot: QtBot,
                                                                     basemap: Path) -> None:
    view = shown_view(qtbot)
    view.set_basemap(basemap)
    view.set_view(0.0, 0.0, 2)
    settle(qtbot, view)
    with pytest.raises(UserError) as caught:
        view.set_basemap(CORRUPT)
    message = str(caught.value)
    assert str(CORRUPT) in message and "\n" not in message
    assert view.basemap_error == message
    assert view.graticule_visible() and view.attribution() == ""
    image = settle(qtbot, view)
    # at zoom 2 the lines are 45° apart; the prime meridian is drawn darker
    assert near(image, view.view_point(20.0, 45.0), GRID, 2)
    assert near(image, view.view_point(-30.0, 0.0), GRID_MAIN, 2)
    assert not near(image, view.view_point(-30.0, 0.0) + QPoint(20, 0), GRID, 12)


def test_no_basemap_shows_a_graticule_that_follows_the_zoom(qtbot: QtBot) -> None:
    view = shown_view(qtbot)
    view.set_basemap(None)
    view.set_view(11.0, 11.0, 7)  # 2° apart at zoom 7 (about 180 pixels)
    image = settle(qtbot, view)
    assert view.graticule_visible()
    assert near(image, view.view_point(10.3, 10.0), GRID, 2)
    assert near(image, view.view_point(12.0, 11.3), GRID, 2)
    assert not near(image, view.view_point(11.0, 11.0), GRID, 12)
    view.set_view(11.0, 11.0, 5)  # 5° apart
    image = settle(qtbot, view)
    assert near(image, view.view_point(8.0, 10.0), GRID, 2)
    assert not near(image, view.view_point(8.0, 12.0), GRID, 12)


def test_a_file_that_is_not_a_map_keeps_the_graticule(qtbot: QtBot, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.mbtiles"
    bogus.write_text("not a database", encoding="utf-8")
    view = shown_view(qtbot)
    with pytest.raises(UserError, match=r"notes\.mbtiles"):
        view.set_basemap(bogus)
    assert view.graticule_visible()


def test_vector_tiles_are_refused_with_a_clear_message(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "vector.mbtiles"
    write_mbtiles(path, [(0, 0, 0, b"\x1f\x8b gzip")], {"name": "v", "format": "pbf"})
    view = shown_view(qtbot)
    with pytest.raises(UserError, match="vector tiles") as caught:
        view.set_basemap(path)
    assert str(path) in str(caught.value) and view.graticule_visible()


def test_a_tile_that_is_not_an_image_is_reported(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "garbage.mbtiles"
    write_mbtiles(path, [(z, x, y, b"not a picture") for z in range(2) for x in range(2**z)
                         for y in range(2**z)], {"name": "g"})
    view = shown_view(qtbot)
    view.set_basemap(path)
    assert view.basemap_error == "" and not view.graticule_visible()
    with qtbot.waitSignal(view.basemap_failed) as failed:
        view.set_view(0.0, 0.0, 1)
    message = failed.args[0]
    assert str(path) in message and "is not an image" in message
    assert view.basemap_error == message and view.graticule_visible()
    image = settle(qtbot, view)
    assert near(image, view.view_point(-30.0, 0.0), GRID_MAIN, 2)


@pytest.mark.parametrize("bad", [b"", b"\x89PNG cut short"], ids=["empty", "truncated"])
def test_one_bad_tile_is_skipped_and_the_rest_still_drawn(qtbot: QtBot, tmp_path: Path,
                                                          bad: bytes) -> None:
    """As QGIS and QField: its parent is drawn in its place; the basemap stays."""
    from tests.ui.test_map_support import tile_png

    path = tmp_path / "one-bad.mbtiles"
    write_mbtiles(path, [(z, x, y, bad if (z, x, y) == (3, 5, 2) else tile_png(z, x, y))
                         for z in range(4) for x in range(2**z) for y in range(2**z)],
                  {"name": "test", "format": "png"})
    view = shown_view(qtbot)
    view.set_basemap(path)
    view.set_view(*tile_centre(3, 5, 2), 3)  # the bad one first
    image = settle(qtbot, view)
    assert view.basemap_error == "" and not view.graticule_visible()
    centre = view.view_point(*tile_centre(3, 5, 2))
    assert near(image, centre, tile_colour(2, 2, 1))  # its parent, scaled up
    view.set_view(*tile_centre(3, 1, 6), 3)  # and elsewhere all is as it was
    image = settle(qtbot, view)
    assert near(image, view.view_point(*tile_centre(3, 1, 6)), tile_colour(3, 1, 6))
    assert view.basemap_error == ""


def test_tiles_are_decoded_off_the_gui_thread(qtbot: QtBot, view: MapView,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    original = tiles.decode_tile

    def decode(source: MBTiles, key: tuple[int, int, int]) -> Any:
        threads.append(threading.get_ident())
        return original(source, key)

    monkeypatch.setattr(tiles, "decode_tile", decode)
    view.set_view(0.0, 0.0, 3)
    settle(qtbot, view)
    assert threads and threading.get_ident() not in threads


def test_the_tile_cache_never_exceeds_its_bound(qtbot: QtBot, basemap: Path) -> None:
    view = shown_view(qtbot, tile_cache_mb=1)  # room for 4 decoded 256-pixel tiles
    view.set_basemap(basemap)
    arrived: list[tuple[int, int, int]] = []
    sizes: list[int] = []

    def record(z: int, x: int, y: int) -> None:
        arrived.append((z, x, y))
        sizes.append(view.tile_cache_bytes())

    view.tile_store.tile_ready.connect(record)
    for z in (2, 3):
        for x in range(2**z):
            view.set_view(*tile_centre(z, x, x % 2**z), z)
            settle(qtbot, view)
    assert len(set(arrived)) > 20
    assert max(sizes) <= view.tile_cache_limit() == 1024 * 1024
    view.set_tile_cache_mb(0)
    assert view.tile_cache_bytes() == 0
    view.set_tile_cache_mb(64)
    view.set_view(0.0, 0.0, 2)
    image = settle(qtbot, view)
    assert near(image, QPoint(128, 128), tile_colour(2, 1, 1))
    assert view.tile_cache_bytes() >= 4 * TILE_SIZE * TILE_SIZE * 4  # the four on screen


def test_switching_basemaps_and_back_to_none(qtbot: QtBot, view: MapView) -> None:
    view.set_view(0.0, 0.0, 2)
    settle(qtbot, view)
    view.set_basemap(None)
    image = settle(qtbot, view)
    assert view.graticule_visible() and view.tile_cache_bytes() == 0
    assert not near(image, QPoint(128, 128), tile_colour(2, 1, 1), 20)
    assert view.basemap_bounds() is None


def test_a_missing_tile_falls_back_to_its_parent(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "sparse.mbtiles"
    write_test_basemap(path, range(2))  # zooms 0-1 only; ask for 2 via maxzoom metadata
    import sqlite3

    db = sqlite3.connect(path)
    with db:
        db.execute("INSERT INTO metadata VALUES ('maxzoom', '2'), ('minzoom', '0')")
    db.close()
    view = shown_view(qtbot)
    view.set_basemap(path)
    view.set_view(*tile_centre(1, 1, 0), 2)
    image = settle(qtbot, view)
    assert near(image, view.view_point(*tile_centre(1, 1, 0, 0.7, 0.7)), tile_colour(1, 1, 0))


def test_scale_bar_and_north_arrow_are_drawn(qtbot: QtBot, view: MapView) -> None:
    view.set_view(0.0, 0.0, 2)
    plain = settle(qtbot, view)
    panel = QColor(255, 255, 255)
    assert near(plain, QPoint(12, 512 - 12), panel, 40)  # the scale bar's box, bottom left
    view.show_north_arrow = True
    assert view.show_north_arrow
    arrow = settle(qtbot, view)
    assert arrow.copy(440, 0, 72, 72) != plain.copy(440, 0, 72, 72)
