"""Positions from a GPS receiver (NMEA on a serial port) or a replayed NMEA log, as Qt signals."""

from __future__ import annotations

import math

from PySide6.QtCore import QFile, QIODevice, QObject, QSettings, QTimer, Signal
from PySide6.QtPositioning import (
    QGeoPositionInfo,
    QGeoPositionInfoSource,
    QNmeaPositionInfoSource,
)

from fieldsafe.geo.nmea import GpsSetting, parse_gps_setting

#: The QSettings key naming the source: "", "file:/path/log.nmea" or "serial:/dev/ttyUSB0".
SETTINGS_KEY = "gps/source"
#: The receiver's user equivalent range error (m); Qt's accuracy is 2 × HDOP × this.
UERE_KEY = "gps/uere_m"
DEFAULT_UERE_M = 5.0
#: A receiver that gives no position for this long is said to (no fix: indoors, no sky).
NO_FIX_SECONDS = 30


class GpsSource(QObject):
    """One source of positions. :meth:`start` opens it; ``position`` then fires once a fix,
    with the horizontal accuracy in metres (0 when the receiver gives none); ``error`` says
    in words what went wrong (the port cannot be opened, the receiver went away)."""

    position = Signal(float, float, float)
    error = Signal(str)

    def __init__(self, setting: GpsSetting, parent: QObject | None = None, *,
                 uere_m: float = DEFAULT_UERE_M, problem: str = "") -> None:
        super().__init__(parent)
        self.setting = setting
        self.uere_m = uere_m
        self._problem = problem
        self._source: QNmeaPositionInfoSource | None = None
        self._device: QIODevice | None = None
        self.last: tuple[float, float, float] | None = None
        # Qt reports no timeout without an update interval, nor an unplugged port: watched
        # here, for a receiver (a replayed log ends when it ends).
        self._no_fix = QTimer(self)
        self._no_fix.setSingleShot(True)
        self._no_fix.setInterval(NO_FIX_SECONDS * 1000)
        self._no_fix.timeout.connect(self._silent)

    @classmethod
    def from_settings(cls, settings: QSettings,
                      parent: QObject | None = None) -> GpsSource | None:
        """The source the settings name under ``gps/source``; None when none is set. A
        setting that cannot be read gives a source whose :meth:`start` reports why."""
        text = settings.value(SETTINGS_KEY, "")
        uere = _number(settings.value(UERE_KEY, DEFAULT_UERE_M), DEFAULT_UERE_M)
        try:
            setting = parse_gps_setting(text if isinstance(text, str) else "")
        except ValueError as err:
            return cls(GpsSetting("none"), parent, uere_m=uere, problem=str(err))
        if setting.kind == "none":
            return None
        return cls(setting, parent, uere_m=uere)

    def describe(self) -> str:
        """What the source is, for a status line."""
        if self.setting.kind == "file":
            return self.tr("NMEA log {path}").replace("{path}", self.setting.path)
        if self.setting.kind == "serial":
            return self.tr("GPS receiver on {port}").replace("{port}", self.setting.path)
        return self.tr("no GPS")

    def is_running(self) -> bool:
        return self._source is not None

    def start(self) -> bool:
        """Open the log or the port and start the positions; False (and ``error``) if not."""
        if self._source is not None:
            return True
        if self._problem:
            self.error.emit(self._problem)
            return False
        device = self._open_device()
        if device is None:
            return False
        mode = QNmeaPositionInfoSource.UpdateMode.SimulationMode if self.setting.kind == \
            "file" else QNmeaPositionInfoSource.UpdateMode.RealTimeMode
        source = QNmeaPositionInfoSource(mode, self)
        source.setUserEquivalentRangeError(self.uere_m)
        source.setDevice(device)
        source.positionUpdated.connect(self._updated)
        source.errorOccurred.connect(self._failed)
        self._source, self._device = source, device
        if self.setting.kind == "serial":
            signal = getattr(device, "errorOccurred", None)
            if signal is not None:  # a QSerialPort: unplugged is its ResourceError
                signal.connect(self._port_failed)
            self._no_fix.start()
        source.startUpdates()
        return True

    def stop(self) -> None:
        """Stop the positions and close the log or the port."""
        source, device = self._source, self._device
        self._source = self._device = None
        self._no_fix.stop()
        if source is not None:
            source.positionUpdated.disconnect(self._updated)
            source.errorOccurred.disconnect(self._failed)
            source.stopUpdates()
            source.deleteLater()
        if device is not None:
            device.close()
            device.deleteLater()

    def _open_device(self) -> QIODevice | None:
        path = self.setting.path
        if self.setting.kind == "serial":
            port = _serial_port(path, self.setting.baud, self)
            if port is not None:
                if port.open(QIODevice.OpenModeFlag.ReadOnly):
                    return port
                self.error.emit(self.tr("The GPS receiver on {port} cannot be opened: {why}")
                                .replace("{port}", path).replace("{why}", port.errorString()))
                port.deleteLater()
                return None
        file = QFile(path, self)
        if not file.exists():
            self.error.emit(self.tr("GPS source {path} does not exist.").replace("{path}", path))
            file.deleteLater()
            return None
        if not file.open(QIODevice.OpenModeFlag.ReadOnly):
            self.error.emit(self.tr("GPS source {path} cannot be opened: {why}").replace(
                "{path}", path).replace("{why}", file.errorString()))
            file.deleteLater()
            return None
        return file

    def _updated(self, info: QGeoPositionInfo) -> None:
        coordinate = info.coordinate()
        if not coordinate.isValid():
            return
        accuracy = 0.0
        horizontal = QGeoPositionInfo.Attribute.HorizontalAccuracy
        if info.hasAttribute(horizontal):
            accuracy = _number(info.attribute(horizontal), 0.0)
        self.last = (coordinate.latitude(), coordinate.longitude(), accuracy)
        if self.setting.kind == "serial":
            self._no_fix.start()  # from now: the next position is due within the time
        self.position.emit(*self.last)

    def _silent(self) -> None:
        if self._source is not None:
            self.error.emit(self.tr("No position from the GPS for {n} seconds; is the "
                                    "receiver outdoors with a view of the sky?").replace(
                "{n}", str(NO_FIX_SECONDS)))

    def _port_failed(self, code: object) -> None:
        """The serial port's error: unplugged (or failing), the positions stop here."""
        if getattr(code, "value", code) in (0, None):  # NoError
            return
        self.stop()
        self.error.emit(self.tr("The GPS receiver on {port} was disconnected or stopped "
                                "working; plug it in again and start recording again.")
                        .replace("{port}", self.setting.path))

    def _failed(self, code: QGeoPositionInfoSource.Error) -> None:
        errors = QGeoPositionInfoSource.Error
        messages = {
            errors.AccessError: self.tr("The GPS receiver refused access."),
            errors.ClosedError: self.tr("The GPS receiver was disconnected."),
            errors.UpdateTimeoutError: self.tr("No position from the GPS yet; is the receiver "
                                               "outdoors with a view of the sky?"),
        }
        if code != errors.NoError:
            self.error.emit(messages.get(code, self.tr("The GPS stopped giving positions.")))


def _serial_port(path: str, baud: int, parent: QObject) -> QIODevice | None:
    """A QSerialPort for ``path`` at ``baud``; None when QtSerialPort is not installed (the
    port is then read as a file, at the speed the system set)."""
    try:
        from PySide6.QtSerialPort import QSerialPort
    except ImportError:
        return None
    port = QSerialPort(path, parent)
    port.setBaudRate(baud)
    return port


def _number(value: object, default: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) and number >= 0 else default
