"""Live position from a GNSS receiver, through Qt's positioning (QNmeaPositionInfoSource), as plain `Fix` records.

Three kinds of source, chosen in Settings (ui/settings_keys.py `gnss/...`):
- the platform's location service where there is one (QGeoPositionInfoSource plugins: GeoClue on Linux, the
  Windows location service, Core Location on macOS; `platform_sources` lists the ones Qt reports). One that Qt
  lists but that cannot give a position (GeoClue not running, location switched off) says so when chosen;
- a receiver on a serial port (USB or Bluetooth serial; QSerialPort in RealTimeMode). A port that fails (a cable
  pulled, a Bluetooth link lost) is reported as a drop-out and opened again every RECONNECT_MS until it answers;
- an NMEA log file replayed, for training and tests: at real speed by Qt's own SimulationMode (it paces by the
  sentences' times), faster through `NmeaReplay`, a device that releases the log's lines as the replay clock
  reaches their times (speed 0: as fast as the parser takes them, for benchmarks).
Horizontal accuracy is what Qt works out from the HDOP and the user-equivalent range error (UERE_M).

Everything after the fix is Qt-free: `TrackRecording` hands fixes to the service's TrackRecorder
(ruralwatch.services.patrols.track), which thins them and writes them in small transactions.

Fixes, drop-outs and writes reach their listeners as plain Python callbacks (`Listeners`), not Qt signals, and the
few signals here are emitted through QMetaObject.invokeMethod: in PySide6 6.12.0 every `SignalInstance.emit()`
from Python drops a reference to Python's True (measured: 200 emits, True's refcount 200 lower), and the process
aborts ("bool_dealloc") once about 10,000 have gone: a 1 Hz receiver would kill the window in under three hours.
`invokeMethod` with DirectConnection delivers the same signal without the leak.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QElapsedTimer, QFile, QIODevice, QMetaObject, QObject, Qt, QTimer, Signal
from PySide6.QtPositioning import QGeoPositionInfo, QGeoPositionInfoSource, QNmeaPositionInfoSource

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.patrol_track import Fix
from ruralwatch.services.container import Services
from ruralwatch.services.patrols.track import TrackRecorder

UERE_M = 5.0  # metres of range error per unit of HDOP: a typical consumer receiver's figure
RECONNECT_MS = 3000  # a serial receiver that failed is tried again this often
SILENT_MS = 10_000  # no fix from a live receiver for this long: reported as a drop-out (the gap is recorded)
REPLAY_TICK_MS = 50  # how often a paced replay releases the lines that are due
FAST_CHUNK = 256 * 1024  # bytes released per turn of the event loop when replaying as fast as possible
# Qt's plugin names for the platform's location services, as a person knows them. The "nmea" plugin is left out of
# the platform list: NMEA receivers are the serial-port and replay choices, with reconnection and drop-outs.
PLATFORM_NAMES = {
    "geoclue2": "GeoClue (the Linux location service)",
    "geoclue": "GeoClue (the Linux location service)",
    "winrt": "Windows location service",
    "corelocation": "Core Location (macOS)",
    "android": "Android location service",
    "gypsy": "Gypsy (Linux)",
}
_NOT_PLATFORM = ("nmea",)
_TIME = re.compile(rb"^\$..(?:GGA|RMC|GLL|GNS|ZDA),(\d{2})(\d{2})(\d{2}(?:\.\d+)?)")


T = TypeVar("T")


class PositionError(RuralWatchError):
    pass


def available_sources() -> list[str]:
    """What Qt reports (QGeoPositionInfoSource.availableSources): its position plugins on this computer."""
    return list(QGeoPositionInfoSource.availableSources())


def platform_sources(available: list[str] | None = None) -> list[tuple[str, str]]:
    """(Qt's name, what to call it) of each platform location service Qt reports, in Qt's order."""
    names = available_sources() if available is None else available
    return [(name, platform_name(name)) for name in names if name not in _NOT_PLATFORM]


def platform_name(name: str) -> str:
    return PLATFORM_NAMES.get(name, f"location service “{name}”")


def check_platform_source(name: str) -> str:
    """"" when the location service `name` can give positions here, else why not (one sentence)."""
    holder = QObject()
    try:
        source = QGeoPositionInfoSource.createSource(name, holder)
        return _why_unusable(name, source)
    finally:
        holder.deleteLater()


def _why_unusable(name: str, source: QGeoPositionInfoSource | None) -> str:
    text = platform_name(name)
    if name not in available_sources() or source is None:
        return (f"{text} is not available on this computer: choose a GNSS receiver on a serial port, or an NMEA "
                "log to replay.")
    if source.supportedPositioningMethods() == QGeoPositionInfoSource.PositioningMethod.NoPositioningMethods:
        return (f"{text} cannot find the position here: is it running, with location switched on and allowed "
                "for RuralWatch? Or choose a GNSS receiver on a serial port.")
    return ""


_ERRORS = {
    "AccessError": "the location service refused RuralWatch (allow it in the system's privacy settings)",
    "ClosedError": "the location service was switched off",
    "UpdateTimeoutError": "no position from the location service",
    "UnknownSourceError": "the location service failed",
}


class Listeners(Generic[T]):
    """Callbacks for one kind of event (a fix, a drop-out, a write): what a signal would be, without the leak."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], Any]] = []

    def connect(self, callback: Callable[[T], Any]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[T], Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            callback(value)


def emit_signal(owner: QObject, name: str) -> None:
    """Emit a signal without arguments, leak-free (see the module's notes)."""
    QMetaObject.invokeMethod(owner, name, Qt.ConnectionType.DirectConnection)


def nmea_offsets(lines: list[bytes]) -> list[float]:
    """Seconds from the log's first timed sentence for each line (untimed lines take the previous line's time;
    past midnight the clock carries on)."""
    offsets: list[float] = []
    first: float | None = None
    last = 0.0
    carry = 0.0
    for line in lines:
        match = _TIME.match(line)
        if match:
            seconds = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) + carry
            if first is None:
                first = seconds
            if seconds - first < last - 43_200:  # went back by more than half a day: past midnight
                carry += 86_400
                seconds += 86_400
            last = seconds - first
        offsets.append(last)
    return offsets


class NmeaReplay(QIODevice):
    """An NMEA log as a sequential device whose lines become readable as the replay clock reaches their times.

    `speed` times real time (speed 0: as fast as they are read). `finished` once every line was released."""

    finished = Signal()

    def __init__(self, path: Path, speed: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise PositionError(f"cannot read the NMEA log {Path(path).name}: {exc.strerror or exc}") from None
        self._data = data
        lines = data.splitlines(keepends=True)
        self._ends: list[int] = []
        end = 0
        for line in lines:
            end += len(line)
            self._ends.append(end)
        self._offsets = nmea_offsets(lines)
        self.speed = speed
        self._read = 0  # bytes handed to the reader
        self._released = 0  # bytes readable so far
        self._next_line = 0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)

    # QIODevice
    def isSequential(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def bytesAvailable(self) -> int:  # noqa: N802
        return self._released - self._read + super().bytesAvailable()

    def canReadLine(self) -> bool:  # noqa: N802
        return b"\n" in self._data[self._read:self._released] or super().canReadLine()

    def readData(self, maxlen: int) -> bytes:  # noqa: N802
        chunk = self._data[self._read:min(self._released, self._read + maxlen)]
        self._read += len(chunk)
        return chunk

    def writeData(self, data: bytes) -> int:  # noqa: N802
        return -1

    # the replay
    def start(self) -> None:
        self.open(QIODevice.OpenModeFlag.ReadOnly)
        self._clock.start()
        self._timer.start(0 if self.speed <= 0 else REPLAY_TICK_MS)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def done(self) -> bool:
        return self._next_line >= len(self._ends)

    def _tick(self) -> None:
        if self.speed <= 0:
            target = self._released + FAST_CHUNK
            while self._next_line < len(self._ends) and self._ends[self._next_line] <= target:
                self._next_line += 1
        else:
            due = self._clock.elapsed() / 1000 * self.speed
            while self._next_line < len(self._ends) and self._offsets[self._next_line] <= due:
                self._next_line += 1
        released = self._ends[self._next_line - 1] if self._next_line else 0
        if released > self._released:
            self._released = released
            emit_signal(self, "readyRead")
        if self.done:
            self._timer.stop()
            emit_signal(self, "finished")


class PositionSource(QObject):
    """Positions from a receiver or a replayed log. `fix` listeners get a ruralwatch.core.patrol_track.Fix; `lost`
    listeners a reason when the receiver stops answering (its fixes start a new track segment when they come back).
    """

    finished = Signal()  # a replay reached the end of its log

    def __init__(self, kind: str, description: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fix: Listeners[Fix] = Listeners()
        self.lost: Listeners[str] = Listeners()
        self.kind = kind  # the track source: "gps" or "nmea-replay"
        self.description = description
        self.last: Fix | None = None
        self.source: QGeoPositionInfoSource | None = None
        self._device: QIODevice | None = None
        self._silence = QTimer(self)
        self._silence.setSingleShot(True)
        self._silence.timeout.connect(lambda: self.lost.emit("no position from the receiver"))

    @classmethod
    def replay(cls, path: Path, speed: float = 1.0, parent: QObject | None = None) -> PositionSource:
        """An NMEA log replayed: Qt's SimulationMode at real speed, NmeaReplay at any other."""
        path = Path(path)
        if not path.is_file():
            raise PositionError(f"no NMEA log at {path}")
        made = cls("nmea-replay", f"NMEA log {path.name}" + ("" if speed == 1 else f" at {speed:g}x"), parent)
        if speed == 1:
            made._attach(QFile(str(path), made), QNmeaPositionInfoSource.UpdateMode.SimulationMode)
        else:
            replay = NmeaReplay(path, speed, made)
            replay.finished.connect(made._replay_finished)
            made._attach(replay, QNmeaPositionInfoSource.UpdateMode.RealTimeMode)
        return made

    @classmethod
    def serial(cls, port: str, baud: int = 4800, parent: QObject | None = None) -> PositionSource:
        from PySide6.QtSerialPort import QSerialPort

        made = cls("gps", f"receiver on {port}", parent)
        device = QSerialPort(port, made)
        device.setBaudRate(baud)
        device.errorOccurred.connect(made._serial_error)
        made._attach(device, QNmeaPositionInfoSource.UpdateMode.RealTimeMode)
        made._reconnect = QTimer(made)
        made._reconnect.setInterval(RECONNECT_MS)
        made._reconnect.timeout.connect(made._open_serial)
        return made

    @classmethod
    def platform(cls, name: str, parent: QObject | None = None) -> PositionSource:
        """The platform's location service Qt names `name` (one of `platform_sources`). PositionError, saying
        why, when it is not there or cannot give a position."""
        made = cls("gps", platform_name(name), parent)
        source = QGeoPositionInfoSource.createSource(name, made) if name in available_sources() else None
        why = _why_unusable(name, source)
        if why:
            made.deleteLater()
            raise PositionError(why)
        assert source is not None
        source.setPreferredPositioningMethods(QGeoPositionInfoSource.PositioningMethod.AllPositioningMethods)
        made._listen(source)
        return made

    def _attach(self, device: QIODevice, mode: QNmeaPositionInfoSource.UpdateMode) -> None:
        self._device = device
        source = QNmeaPositionInfoSource(mode, self)
        source.setUserEquivalentRangeError(UERE_M)
        source.setDevice(device)
        self._listen(source)

    def _listen(self, source: QGeoPositionInfoSource) -> None:
        self.source = source
        source.positionUpdated.connect(self._on_position)
        source.errorOccurred.connect(self._on_error)

    def start(self) -> None:
        assert self.source is not None
        if isinstance(self._device, NmeaReplay):
            self._device.start()
        elif self.kind == "gps":
            self._open_serial()
            self._silence.start(SILENT_MS)
        self.source.startUpdates()

    def stop(self) -> None:
        if self.source is not None:
            self.source.stopUpdates()
        if isinstance(self._device, NmeaReplay):
            self._device.stop()
        reconnect = getattr(self, "_reconnect", None)
        if reconnect is not None:
            reconnect.stop()
        self._silence.stop()
        if self._device is not None and self._device.isOpen() and not isinstance(self._device, QFile):
            self._device.close()

    def _on_position(self, info: QGeoPositionInfo) -> None:
        coordinate = info.coordinate()
        if not coordinate.isValid() or not info.timestamp().isValid():
            return
        accuracy = info.attribute(QGeoPositionInfo.Attribute.HorizontalAccuracy)
        fix = Fix(datetime.fromtimestamp(info.timestamp().toMSecsSinceEpoch() / 1000, UTC), coordinate.latitude(),
                  coordinate.longitude(), None if math.isnan(accuracy) or accuracy < 0 else float(accuracy))
        self.last = fix
        if self.kind == "gps":
            self._silence.start(SILENT_MS)
        self.fix.emit(fix)

    def _on_error(self, error: QGeoPositionInfoSource.Error) -> None:
        if error != QGeoPositionInfoSource.Error.NoError:
            self.lost.emit(_ERRORS.get(error.name, f"position source error: {error.name}"))

    def _replay_finished(self) -> None:
        emit_signal(self, "finished")

    def _open_serial(self) -> None:
        device = self._device
        if device is None or device.isOpen():
            return
        if device.open(QIODevice.OpenModeFlag.ReadOnly):
            self._reconnect.stop()
        elif not self._reconnect.isActive():
            self.lost.emit(f"cannot open {self.description}: {device.errorString()}")
            self._reconnect.start()

    def _serial_error(self, error: object) -> None:
        from PySide6.QtSerialPort import QSerialPort

        if error in (QSerialPort.SerialPortError.NoError, QSerialPort.SerialPortError.TimeoutError):
            return
        if self._device is not None and self._device.isOpen():
            self._device.close()
        self.lost.emit(f"{self.description}: {self._device.errorString() if self._device else error}")
        if not self._reconnect.isActive():
            self._reconnect.start()


class TrackRecording(QObject):
    """Records a source's fixes into a patrol in progress through the service (thinned, written every couple of
    seconds). `written` listeners get the number of points stored so far after each write."""

    def __init__(self, services: Services, patrol_id: str, source: PositionSource, parent: QObject | None = None,
                 flush_every_s: float | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.patrol_id = patrol_id
        self.written: Listeners[int] = Listeners()
        if flush_every_s is None:
            self.recorder: TrackRecorder = services.patrols.recorder(patrol_id, source.kind)
        else:
            self.recorder = services.patrols.recorder(patrol_id, source.kind, flush_every_s=flush_every_s)
        source.fix.connect(self._on_fix)
        source.lost.connect(self._on_lost)
        source.finished.connect(self.flush)

    def _on_fix(self, fix: Fix) -> None:
        before = self.recorder.written
        self.recorder.add(fix)
        if self.recorder.written != before:
            self.written.emit(self.recorder.written)

    def _on_lost(self, _reason: str) -> None:
        self.recorder.drop_out()
        self.written.emit(self.recorder.written)

    def flush(self) -> None:
        if self.recorder.flush():
            self.written.emit(self.recorder.written)

    def stop(self) -> None:
        """Write what is pending and stop listening (the source keeps running for the map)."""
        self.source.fix.disconnect(self._on_fix)
        self.source.lost.disconnect(self._on_lost)
        self.source.finished.disconnect(self.flush)
        self.flush()


def source_from_settings(kind: str, target: str, speed: float, baud: int = 4800,
                         parent: QObject | None = None, platform: str = "") -> PositionSource | None:
    """The source Settings chose: kind "serial" (target: the port), "replay" (target: the log file), "platform"
    (`platform`: the location service's name) or "none"."""
    if kind == "platform":
        if not platform.strip():
            raise PositionError("no location service is chosen: choose one in File ▸ Settings ▸ GNSS receiver")
        return PositionSource.platform(platform.strip(), parent)
    if kind == "serial" and target.strip():
        return PositionSource.serial(target.strip(), baud, parent)
    if kind == "replay" and target.strip():
        return PositionSource.replay(Path(target.strip()).expanduser(), speed, parent)
    return None
