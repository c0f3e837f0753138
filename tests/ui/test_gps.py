"""The GPS source: the ``gps/source`` setting, replaying an NMEA log, and the NMEA helpers."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from fieldsafe.geo.nmea import DEFAULT_BAUD, GpsSetting, gga, is_valid, parse_gps_setting, rmc
from fieldsafe.ui.gps import SETTINGS_KEY, GpsSource
from tests.conftest import ROOT

NMEA = ROOT / "tests" / "data" / "nmea" / "walk-bengaluru.nmea"
FIRST_FIX = (12.9716, 77.5946)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_the_log_is_a_walk_of_valid_sentences() -> None:
    lines = NMEA.read_text(encoding="ascii").splitlines()
    assert len(lines) == 120 and all(is_valid(line) for line in lines)
    assert {line[:6] for line in lines} == {"$GPRMC", "$GPGGA"}
    assert not is_valid(lines[0].replace("A*", "V*"))


def test_sentences_are_built_with_their_checksums() -> None:
    when = datetime(2024, 3, 5, 5, 30, tzinfo=UTC)
    assert rmc(when, -12.5, -77.25) == \
        "$GPRMC,053000.00,A,1230.0000,S,07715.0000,W,0.00,0.0,050324,,,A*63"
    assert gga(when, 12.9716, 77.5946).startswith("$GPGGA,053000.00,1258.2960,N,07735.6760,E,1,")
    assert is_valid(gga(when, 12.9716, 77.5946))


def test_the_setting_is_read() -> None:
    assert parse_gps_setting("") == GpsSetting("none")
    assert parse_gps_setting("file:/logs/a.nmea") == GpsSetting("file", "/logs/a.nmea")
    assert parse_gps_setting("serial:/dev/ttyUSB0") == GpsSetting("serial", "/dev/ttyUSB0",
                                                                  DEFAULT_BAUD)
    assert parse_gps_setting("serial:COM3@4800") == GpsSetting("serial", "COM3", 4800)
    for wrong in ("bluetooth:x", "/dev/ttyUSB0", "file:", "serial:/dev/ttyUSB0@fast"):
        with pytest.raises(ValueError):
            parse_gps_setting(wrong)


def test_from_settings(qtbot, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    assert GpsSource.from_settings(settings) is None
    settings.setValue(SETTINGS_KEY, f"file:{NMEA}")
    source = GpsSource.from_settings(settings)
    assert source is not None and source.setting == GpsSetting("file", str(NMEA))
    assert str(NMEA) in source.describe()
    settings.setValue(SETTINGS_KEY, "pigeon:north")
    broken = GpsSource.from_settings(settings)
    assert broken is not None
    with qtbot.waitSignal(broken.error, timeout=1000) as blocker:
        assert not broken.start()
    assert "pigeon:north" in blocker.args[0]


def test_replaying_a_log_gives_its_fixes(qtbot) -> None:  # type: ignore[no-untyped-def]
    source = GpsSource(GpsSetting("file", str(NMEA)))
    with qtbot.waitSignal(source.position, timeout=3000) as first:
        assert source.start()
    lat, lon, accuracy = first.args
    assert (lat, lon) == pytest.approx(FIRST_FIX, abs=1e-6)
    assert accuracy == pytest.approx(2 * 0.9 * source.uere_m)  # Qt: 2 × HDOP × UERE
    with qtbot.waitSignal(source.position, timeout=3000) as second:
        pass
    assert second.args[0] == pytest.approx(FIRST_FIX[0], abs=1e-6)
    assert second.args[1] > lon  # walking east
    assert source.last == tuple(second.args)
    source.stop()
    assert not source.is_running()


def test_a_missing_log_or_port_is_explained(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = GpsSource(GpsSetting("file", str(tmp_path / "nothing.nmea")))
    with qtbot.waitSignal(missing.error, timeout=1000) as blocker:
        assert not missing.start()
    assert "nothing.nmea does not exist" in blocker.args[0]
    port = GpsSource(GpsSetting("serial", str(tmp_path / "ttyNONE")))
    with qtbot.waitSignal(port.error, timeout=1000) as blocker:
        assert not port.start()
    assert "ttyNONE" in blocker.args[0]


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal stands in for the port")
def test_a_receiver_unplugged_or_without_a_fix_is_told(qtbot,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import pty
    import tty

    from fieldsafe.ui import gps

    monkeypatch.setattr(gps, "NO_FIX_SECONDS", 1)
    master, slave = pty.openpty()
    tty.setraw(slave)
    source = GpsSource(GpsSetting("serial", os.ttyname(slave), 9600))
    try:
        with qtbot.waitSignal(source.position, timeout=5000):
            assert source.start()
            at = datetime(2024, 3, 5, 5, 30, 0)
            os.write(master, (rmc(at, 12.9716, 77.5946) + "\r\n" + gga(at, 12.9716, 77.5946)
                              + "\r\n").encode())
        with qtbot.waitSignal(source.error, timeout=5000) as silent:
            pass  # nothing more comes: no fix (indoors), said after NO_FIX_SECONDS
        assert "No position from the GPS for 1 seconds" in silent.args[0]
        assert source.is_running()  # it may come back
        with qtbot.waitSignal(source.error, timeout=5000) as gone:
            os.close(slave)
            os.close(master)  # unplugged: the port goes away
        assert "was disconnected or stopped working" in gone.args[0]
        assert not source.is_running()
    finally:
        source.stop()
