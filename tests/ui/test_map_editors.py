"""The map editors of the form filler, driven with the mouse and keys on real widgets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialog
from shapely.geometry import LineString, Point

from fieldsafe.forms.loader import load_form
from fieldsafe.forms.session import FormSession
from fieldsafe.geo.geodesy import destination, distance_m, length_m
from fieldsafe.geo.gpx import best_line, read_gpx, simplify_line
from fieldsafe.geo.nmea import GpsSetting
from fieldsafe.ui.filler import FillerContext, FormFillerWidget
from fieldsafe.ui.filler.map_editors import PointPickerDialog, TraceEditorDialog
from fieldsafe.ui.gps import GpsSource
from tests.conftest import CORPUS, ROOT

FORM = """
| survey |
| | type | name | label | role |
| | geotrace | route | Route walked | route |
| | geopoint | where | Where is the problem | location |
| | geopoint | spot | Meeting point | |
| | geotrace | path | Path | |
| | geoshape | area | Area | |
"""
LEFT = Qt.MouseButton.LeftButton
NMEA = ROOT / "tests" / "data" / "nmea" / "walk-bengaluru.nmea"
START = Point(77.5946, 12.9716)  # (lon, lat)
Make = Callable[..., tuple[FormFillerWidget, FormSession]]


def _at(along_m: float, north_m: float = 0.0) -> Point:
    """A point ``along_m`` east of START and ``north_m`` north of that."""
    return destination(destination(START, 90.0, along_m), 0.0, north_m)


def _gps(parent):  # type: ignore[no-untyped-def]
    return GpsSource(GpsSetting("file", str(NMEA)), parent)


@pytest.fixture
def make(qtbot, write_form) -> Make:  # type: ignore[no-untyped-def]
    def build(context: FillerContext | None = None) -> tuple[FormFillerWidget, FormSession]:
        session = FormSession(load_form(write_form(FORM)))
        filler = FormFillerWidget(session, context or FillerContext())
        qtbot.addWidget(filler)
        filler.resize(900, 700)
        filler.show()
        qtbot.waitExposed(filler)
        return filler, session
    return build


def _open(qtbot, filler: FormFillerWidget, name: str) -> QDialog:  # type: ignore[no-untyped-def]
    question = filler.widget_for(name)
    qtbot.mouseClick(question.map_button, LEFT)
    dialog = question.map_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _click(qtbot, dialog, point: Point) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dialog.map.viewport(), LEFT, pos=dialog.map.view_point(point.y, point.x))


def _drag(qtbot, dialog, start: QPoint, end: QPoint) -> None:  # type: ignore[no-untyped-def]
    viewport = dialog.map.viewport()
    qtbot.mousePress(viewport, LEFT, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start + (end - start) * step / 5)
    qtbot.mouseRelease(viewport, LEFT, pos=end)


def _latlon(value: str) -> Point:
    lat, lon, *_rest = (float(v) for v in value.split())
    return Point(lon, lat)


def test_a_click_on_the_map_places_the_point(qtbot, make: Make) -> None:
    filler, session = make()
    dialog = _open(qtbot, filler, "spot")
    assert isinstance(dialog, PointPickerDialog)
    assert not dialog.gps_button.isEnabled()  # no GPS set up
    dialog.show_area([(START.y, START.x)])
    _click(qtbot, dialog, _at(30.0, 20.0))
    assert distance_m(_latlon(dialog.value()), _at(30.0, 20.0)) < 3.0
    assert "placed on the map" in dialog.readout.text()
    _drag(qtbot, dialog, dialog.map.view_point(*_pair(_at(30.0, 20.0))),
          dialog.map.view_point(*_pair(_at(60.0, 0.0))))
    assert distance_m(_latlon(dialog.value()), _at(60.0)) < 3.0
    _click(qtbot, dialog, _at(0.0, 40.0))  # a click elsewhere moves it
    assert distance_m(_latlon(dialog.value()), _at(0.0, 40.0)) < 3.0
    qtbot.mouseClick(dialog.ok, LEFT)
    value = session.value("spot")
    assert value.endswith(" 0 0") and distance_m(_latlon(value), _at(0.0, 40.0)) < 3.0
    assert filler.widget_for("spot").edit.text().startswith("12.97")


def _pair(point: Point) -> tuple[float, float]:
    return point.y, point.x


def test_a_finding_snaps_onto_the_route_within_tolerance(qtbot, make: Make) -> None:
    filler, session = make(FillerContext(snap_tolerance_m=25.0, segment_m=50.0))
    end = _at(200.0)
    session.set_value(session.node("route"), f"{START.y} {START.x} 0 0;{end.y} {end.x} 0 0")
    dialog = _open(qtbot, filler, "where")
    assert dialog.snapping and dialog.map.layer("route") is not None
    dialog.show_area([(START.y, START.x), (end.y, end.x)])
    _click(qtbot, dialog, _at(120.0, 12.0))
    placed = _latlon(dialog.value())
    assert distance_m(placed, _at(120.0)) < 2.0  # moved onto the route
    assert dialog.segment == 2 and "segment 3" in dialog.note.text()
    _click(qtbot, dialog, _at(120.0, 45.0))
    assert dialog.segment is None
    assert distance_m(_latlon(dialog.value()), _at(120.0, 45.0)) < 4.0  # stays put
    assert "Not on the route" in dialog.note.text() and "25 m" in dialog.note.text()
    _click(qtbot, dialog, _at(170.0, -20.0))
    qtbot.mouseClick(dialog.ok, LEFT)
    assert distance_m(_latlon(session.value("where")), _at(170.0)) < 2.0


def test_the_spot_without_role_does_not_snap(qtbot, make: Make) -> None:
    filler, session = make()
    session.set_value(session.node("route"), "12.9716 77.5946 0 0;12.9716 77.5964 0 0")
    dialog = _open(qtbot, filler, "spot")
    assert not dialog.snapping and dialog.note.text() == ""


def test_from_gps_takes_the_current_position(qtbot, make: Make) -> None:
    filler, session = make(FillerContext(gps_source_factory=_gps))
    dialog = _open(qtbot, filler, "spot")
    assert dialog.gps_button.isEnabled()
    qtbot.mouseClick(dialog.gps_button, LEFT)
    qtbot.waitUntil(lambda: dialog.point is not None, timeout=3000)
    assert dialog.value() == "12.9716 77.5946 0 9"
    assert "accuracy 9 m (GPS)" in dialog.readout.text()
    qtbot.mouseClick(dialog.ok, LEFT)
    assert session.value("spot") == "12.9716 77.5946 0 9"
    assert "accuracy 9 m" in filler.widget_for("spot").detail.text()


def test_without_gps_from_gps_explains(qtbot, make: Make) -> None:
    filler, _session = make(FillerContext(gps_source_factory=lambda parent: None))
    dialog = _open(qtbot, filler, "spot")
    qtbot.mouseClick(dialog.gps_button, LEFT)
    assert "No GPS is set up" in dialog.problem.text()


def test_drawing_a_trace_dragging_undo_and_redo(qtbot, make: Make) -> None:
    filler, session = make()
    dialog = _open(qtbot, filler, "path")
    assert isinstance(dialog, TraceEditorDialog)
    dialog.show_area([(START.y, START.x), _pair(_at(100.0, 60.0))])
    for point in (START, _at(50.0), _at(100.0, 50.0)):
        _click(qtbot, dialog, point)
    assert len(dialog.points) == 3 and "3 point(s)" in dialog.readout.text()
    shown = float(dialog.readout.text().split("length ")[1].split(" m")[0])
    assert shown == pytest.approx(50 + distance_m(_at(50.0), _at(100.0, 50.0)), abs=3)
    middle = dialog.map.view_point(*_pair(_at(50.0)))
    _drag(qtbot, dialog, middle, dialog.map.view_point(*_pair(_at(50.0, -30.0))))
    assert distance_m(Point(dialog.points[1].lon, dialog.points[1].lat), _at(50.0, -30.0)) < 3
    assert len(dialog.points) == 3
    qtbot.keyClick(dialog.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert distance_m(Point(dialog.points[1].lon, dialog.points[1].lat), _at(50.0)) < 3
    qtbot.keyClick(dialog.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert distance_m(Point(dialog.points[1].lon, dialog.points[1].lat), _at(50.0, -30.0)) < 3
    qtbot.keyClick(dialog.map, Qt.Key.Key_Backspace)  # the last point goes
    assert len(dialog.points) == 2
    qtbot.mouseClick(dialog.map.viewport(), LEFT, pos=dialog.map.view_point(
        dialog.points[0].lat, dialog.points[0].lon))  # selects the first point
    assert dialog.selected == 0
    qtbot.keyClick(dialog.map, Qt.Key.Key_Delete)
    assert len(dialog.points) == 1 and not dialog.ok.isEnabled()
    assert "at least two" in dialog.problem.text()
    qtbot.keyClick(dialog.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(dialog.points) == 2 and dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, LEFT)
    assert session.value("path") == dialog.value() and session.value("path").count(";") == 1
    assert filler.widget_for("path").summary.text() == "2 point(s)"


def test_importing_a_gpx_track(qtbot, make: Make) -> None:
    gpx = CORPUS / "gpx" / "gpxpy__track-with-empty-segment.gpx"
    filler, session = make(FillerContext(choose_gpx=lambda: gpx))
    dialog = _open(qtbot, filler, "path")
    qtbot.mouseClick(dialog.gpx_button, LEFT)
    simple = simplify_line(best_line(read_gpx(gpx)), 2.0)  # type: ignore[arg-type]
    count = len(simple.coords)
    assert len(dialog.points) == count
    assert f"{count} point(s)" in dialog.readout.text()
    assert f"length {length_m(simple):.0f} m" in dialog.readout.text()
    assert f"{count} points" in dialog.note.text() and dialog.problem.isHidden()
    qtbot.mouseClick(dialog.ok, LEFT)
    assert session.value("path").count(";") == count - 1


def test_what_a_gpx_import_leaves_out_is_told(qtbot, make: Make) -> None:
    gpx = CORPUS / "gpx" / "gpxpy__korita-zbevnica.gpx"  # three tracks
    filler, _session = make(FillerContext(choose_gpx=lambda: gpx))
    dialog = _open(qtbot, filler, "path")
    qtbot.mouseClick(dialog.gpx_button, LEFT)
    assert "The file has 3 tracks; the longest, '03-OCT-10 #2', was used." in \
        dialog.note.text()


def test_a_malformed_gpx_is_explained(qtbot, make: Make) -> None:
    gpx = CORPUS / "gpx" / "furkot__invalid.gpx"
    filler, _session = make(FillerContext(choose_gpx=lambda: gpx))
    dialog = _open(qtbot, filler, "path")
    qtbot.mouseClick(dialog.gpx_button, LEFT)
    assert dialog.points == []
    text = dialog.problem.text()
    assert "furkot__invalid.gpx: not a valid GPX file" in text and "line" in text
    assert dialog.problem.isVisible()


def test_a_self_intersecting_area_is_explained_and_refused(qtbot, make: Make) -> None:
    filler, session = make()
    dialog = _open(qtbot, filler, "area")
    assert not dialog.gpx_button.isVisibleTo(dialog)
    dialog.show_area([(START.y, START.x), _pair(_at(80.0, 120.0))])
    for point in (START, _at(80.0, 80.0), _at(80.0), _at(0.0, 80.0)):  # a bow-tie
        _click(qtbot, dialog, point)
    assert "crosses itself" in dialog.problem.text() and dialog.problem.isVisible()
    assert not dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, LEFT)
    assert dialog.isVisible() and session.value("area") == ""
    _drag(qtbot, dialog, dialog.map.view_point(*_pair(_at(80.0))),
          dialog.map.view_point(*_pair(_at(40.0, 120.0))))  # a kite now
    assert dialog.ok.isEnabled() and dialog.problem.isHidden(), dialog.problem.text()
    assert "area" in dialog.readout.text()
    qtbot.mouseClick(dialog.ok, LEFT)
    value = session.value("area").split(";")
    assert len(value) == 5 and value[0] == value[-1]  # closed


def test_recording_a_trace_from_the_gps_with_pause(qtbot, make: Make) -> None:
    filler, session = make(FillerContext(gps_source_factory=_gps))
    dialog = _open(qtbot, filler, "path")
    assert not dialog.pause_button.isEnabled()
    qtbot.mouseClick(dialog.record_button, LEFT)
    assert dialog.recording and dialog.pause_button.isEnabled()
    qtbot.waitUntil(lambda: len(dialog.points) >= 2, timeout=4000)
    first = dialog.points[0]
    assert (first.lat, first.lon) == pytest.approx((12.9716, 77.5946), abs=1e-6)
    qtbot.mouseClick(dialog.pause_button, LEFT)
    assert dialog.pause_button.text() == "Resume"
    paused = len(dialog.points)
    assert dialog.gps is not None
    with qtbot.waitSignal(dialog.gps.position, timeout=3000):
        pass  # a fix comes while paused
    assert len(dialog.points) == paused
    qtbot.mouseClick(dialog.pause_button, LEFT)
    qtbot.waitUntil(lambda: len(dialog.points) == paused + 1, timeout=3000)
    qtbot.mouseClick(dialog.stop_button, LEFT)
    assert not dialog.recording and not dialog.gps.is_running()
    recorded = [Point(p.lon, p.lat) for p in dialog.points]
    assert length_m(LineString(recorded)) > 2.0
    gap = distance_m(recorded[-2], recorded[-1])
    assert gap > 1.3 * 1.5  # the fix during the pause was left out
    qtbot.keyClick(dialog.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(dialog.points) == paused  # one undo step per stretch recorded
    qtbot.mouseClick(dialog.ok, LEFT)
    assert session.value("path").split(";")[0] == "12.9716 77.5946 0 9"


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pty")
def test_a_receiver_unplugged_while_recording_stops_it_and_says_so(
        qtbot, make: Make) -> None:  # type: ignore[no-untyped-def]
    import os
    import pty
    import tty
    from datetime import datetime

    from fieldsafe.geo.nmea import gga, rmc

    master, slave = pty.openpty()
    tty.setraw(slave)
    port = os.ttyname(slave)
    filler, _session = make(FillerContext(gps_source_factory=lambda parent: GpsSource(
        GpsSetting("serial", port, 9600), parent)))
    dialog = _open(qtbot, filler, "path")
    qtbot.mouseClick(dialog.record_button, LEFT)
    at = datetime(2024, 3, 5, 5, 30, 0)
    os.write(master, (rmc(at, 12.9716, 77.5946) + "\r\n" + gga(at, 12.9716, 77.5946) +
                      "\r\n").encode())
    qtbot.waitUntil(lambda: len(dialog.points) == 1, timeout=4000)
    os.close(slave)
    os.close(master)  # unplugged
    qtbot.waitUntil(lambda: not dialog.recording, timeout=4000)
    assert "was disconnected" in dialog.problem.text() and dialog.problem.isVisible()
    assert "Recording" not in dialog.note.text()
    assert len(dialog.points) == 1 and dialog.record_button.isEnabled()  # nothing lost


def test_the_map_buttons_are_named(qtbot, make: Make) -> None:
    filler, _session = make()
    for name in ("where", "path", "area"):
        button = filler.widget_for(name).map_button
        assert button.accessibleName() == "Map…" and button.accessibleDescription()


def test_editors_render(qtbot, make: Make, tmp_path: Path) -> None:
    """The three editors draw (into tmp_path, for people to look at when they need to)."""
    filler, session = make(FillerContext(gps_source_factory=_gps))
    end = _at(200.0)
    session.set_value(session.node("route"), f"{START.y} {START.x} 0 0;{end.y} {end.x} 0 0")
    picker = _open(qtbot, filler, "where")
    picker.place(*_pair(_at(120.0, 12.0)))
    QApplication.processEvents()
    picker.grab().save(str(tmp_path / "editor-picker.png"))
    picker.reject()
    trace = _open(qtbot, filler, "path")
    for point in (START, _at(50.0), _at(100.0, 50.0), _at(140.0, 30.0)):
        trace.add_point(*_pair(point))
    trace.show_area([(p.lat, p.lon) for p in trace.points])
    QApplication.processEvents()
    trace.grab().save(str(tmp_path / "editor-trace.png"))
    trace.reject()
    shape = _open(qtbot, filler, "area")
    for point in (START, _at(80.0, 80.0), _at(80.0), _at(0.0, 80.0)):
        shape.add_point(*_pair(point))
    shape.show_area([(p.lat, p.lon) for p in shape.points])
    QApplication.processEvents()
    shape.grab().save(str(tmp_path / "editor-shape.png"))
    shape.reject()
    filler.widget_for("where").grab().save(str(tmp_path / "editor-question-point.png"))
    filler.widget_for("path").grab().save(str(tmp_path / "editor-question-trace.png"))
    from PySide6.QtGui import QImage

    for name in ("picker", "trace", "shape", "question-point", "question-trace"):
        image = QImage(str(tmp_path / f"editor-{name}.png"))
        assert not image.isNull() and image.width() > 100, name


def test_the_map_stays_put_when_a_problem_is_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = TraceEditorDialog("", FillerContext(), "Route")
    qtbot.addWidget(dialog)
    dialog.resize(820, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    height = dialog.map.height()
    qtbot.mouseClick(dialog.map.viewport(), LEFT, pos=QPoint(200, 200))  # "needs two"
    qtbot.waitUntil(dialog.problem.isVisible)
    assert dialog.map.height() == height  # no jump under the mouse
