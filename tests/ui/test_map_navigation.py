"""Moving about the map: drag, wheel, keys, clicks, fitting a box, and lat/lon round trips."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldsafe.ui.map.map_view import KEY_PAN_PX, MapView
from tests.ui.test_map_support import shown_view

DEGREE_PX = 1e-4  # well under a pixel at zoom 12 (about 0.0003° per pixel)


@pytest.fixture
def view(qtbot: QtBot) -> MapView:
    view = shown_view(qtbot, 400, 300)
    view.set_view(-1.29, 36.82, 12)
    return view


def close_to(a: tuple[float, float], b: tuple[float, float], tolerance: float) -> bool:
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def wheel(view: MapView, at: QPoint, notches: float) -> None:
    event = QWheelEvent(QPointF(at), QPointF(view.viewport().mapToGlobal(at)), QPoint(0, 0),
                        QPoint(0, round(120 * notches)), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_set_view_and_center_round_trip(view: MapView) -> None:
    assert close_to(view.center(), (-1.29, 36.82), 1e-9)
    assert view.zoom() == 12
    assert view.view_point(-1.29, 36.82) == QPoint(200, 150)


def test_positions_round_trip_between_pixels_and_lat_lon(view: MapView) -> None:
    for at in (QPoint(0, 0), QPoint(17, 250), QPoint(399, 299), QPoint(200, 150)):
        assert view.view_point(*view.lat_lon_at(at)) == at
    north_west, south_east = view.lat_lon_at(QPoint(0, 0)), view.lat_lon_at(QPoint(399, 299))
    assert north_west[0] > south_east[0] and north_west[1] < south_east[1]


def test_dragging_moves_the_map_with_the_mouse(qtbot: QtBot, view: MapView) -> None:
    grabbed = view.lat_lon_at(QPoint(200, 150))
    target = view.lat_lon_at(QPoint(300, 200))  # after the drag, the centre shows this
    clicks: list[tuple[float, float]] = []
    view.clicked.connect(lambda lat, lon: clicks.append((lat, lon)))
    with qtbot.waitSignal(view.view_changed):
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
        qtbot.mouseMove(view.viewport(), QPoint(150, 125))
        qtbot.mouseMove(view.viewport(), QPoint(100, 100))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert close_to(view.center(), target, DEGREE_PX)
    assert (view.view_point(*grabbed) - QPoint(100, 100)).manhattanLength() <= 1
    assert clicks == []  # a drag is not a click
    assert view.zoom() == 12


def test_the_wheel_zooms_about_the_cursor(view: MapView) -> None:
    at = QPoint(90, 70)
    under = view.lat_lon_at(at)
    wheel(view, at, 1)
    assert view.zoom() == 13
    assert (view.view_point(*under) - at).manhattanLength() <= 1
    wheel(view, at, -2)
    assert view.zoom() == 11
    assert (view.view_point(*under) - at).manhattanLength() <= 1


def test_arrow_keys_pan_and_plus_minus_zoom(qtbot: QtBot, view: MapView) -> None:
    view.setFocus()
    start = view.center()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.view_point(*start) == QPoint(200 - KEY_PAN_PX, 150)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.view_point(*start) == QPoint(200 - KEY_PAN_PX, 150 - KEY_PAN_PX)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert close_to(view.center(), start, DEGREE_PX)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom() == 13
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom() == 11
    assert close_to(view.center(), start, DEGREE_PX)


def test_a_click_gives_the_lat_lon_under_the_cursor(qtbot: QtBot, view: MapView) -> None:
    at = QPoint(123, 77)
    with qtbot.waitSignal(view.clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    lat, lon = blocker.args
    assert view.view_point(lat, lon) == at
    assert close_to((lat, lon), view.lat_lon_at(at), 1e-12)


def test_fit_bounds_shows_the_box_inside_the_padding(view: MapView) -> None:
    view.fit_bounds(-1.32, 36.75, -1.25, 36.90, padding_px=40)
    north_west, south_east = view.view_point(-1.25, 36.75), view.view_point(-1.32, 36.90)
    assert north_west.x() >= 39 and north_west.y() >= 39
    assert south_east.x() <= 361 and south_east.y() <= 261
    # the box is wider than tall here, so it touches the side padding
    assert abs(north_west.x() - 40) <= 1 and abs(south_east.x() - 360) <= 1
    view.fit_bounds(-1.3, 36.8, -1.3, 36.8)  # a single point
    assert view.zoom() == 17 and close_to(view.center(), (-1.3, 36.8), 1e-9)


def test_fit_bounds_before_showing_fits_once_shown(qtbot: QtBot) -> None:
    view = MapView()
    qtbot.addWidget(view)
    view.fit_bounds(10.0, 20.0, 10.5, 21.0)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    east = view.view_point(10.25, 21.0)
    assert abs(east.x() - 560) <= 1


def test_zoom_and_centre_stay_in_range(view: MapView) -> None:
    view.set_view(89.0, 36.0, 40)
    assert view.zoom() == 21
    assert view.center()[0] == pytest.approx(85.0511, abs=1e-3)
    view.set_view(0.0, 0.0, -3)
    assert view.zoom() == 0


def test_view_changed_is_emitted(qtbot: QtBot, view: MapView) -> None:
    with qtbot.waitSignal(view.view_changed):
        view.pan_by(10, 0)
    with qtbot.waitSignal(view.view_changed):
        view.zoom_by(1)


def test_resizing_keeps_the_centre(qtbot: QtBot, view: MapView) -> None:
    start = view.center()
    view.resize(640, 480)
    qtbot.waitUntil(lambda: view.viewport().width() == 640)
    assert close_to(view.center(), start, 1e-9)
    assert (view.view_point(*start) - QPoint(320, 240)).manhattanLength() <= 1
