"""The receiver in the patrol panel: connect it, see the position (and on the map with its accuracy), ask "Where am
I?" for the grid reference and place to read out over the radio, and record the track of a patrol in progress.
Also the receiver's section of Settings (ReceiverDialog): which source (the platform's location service, a serial
port, an NMEA log), which port or log, how fast a replay."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.patrol_track import Fix
from ruralwatch.services.container import Services
from ruralwatch.services.geography import WhereAmI
from ruralwatch.ui import settings_keys as keys
from ruralwatch.ui import theme
from ruralwatch.ui.map_view import MapView
from ruralwatch.ui.positioning import (
    PositionSource,
    TrackRecording,
    check_platform_source,
    platform_name,
    platform_sources,
    source_from_settings,
)

MAP_EVERY_MS = 500  # the map's dot moves at most this often (a fast replay would flood the page with calls)
SOURCES = (("none", "No receiver"), ("serial", "GNSS receiver on a serial port (USB, Bluetooth)"),
           ("replay", "NMEA log replayed (training)"))


class PositionBar(QWidget):
    """Receiver status, Connect/Disconnect, Where am I; records into the open patrol while it is in progress."""

    # The live position, at most every MAP_EVERY_MS (NaN, NaN: none any more, the receiver disconnected): the log
    # credits an event to the stop the crew is at by it.
    moved = Signal(float, float)

    def __init__(self, services: Services, map_view: MapView | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.map_view = map_view
        self.source: PositionSource | None = None
        self.recording: TrackRecording | None = None
        self.record: PatrolRecord | None = None
        self.last_where: WhereAmI | None = None
        self._map_clock = QElapsedTimer()
        self._replayed = False  # a replayed log reached its end: later fixes keep saying so (_on_fix)
        self.status = QLabel("No receiver connected.")
        self.status.setWordWrap(True)
        # No Alt letters: this bar sits under every page of the panel, whose letters (and the menu bar's) are taken.
        self.connect_button = QPushButton("Connect receiver")
        self.connect_button.clicked.connect(self.toggle)
        self.where_button = QPushButton("Where am I?")
        self.where_button.clicked.connect(self.where_am_i)
        self.where_button.setEnabled(False)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setStyleSheet("font-size: 15pt; font-weight: bold;")
        row = QHBoxLayout()
        row.addWidget(self.connect_button)
        row.addWidget(self.where_button)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(self.where)

    # --- the source ---------------------------------------------------------------------------------------

    def toggle(self) -> None:
        if self.source is None:
            self.connect_source()
        else:
            self.disconnect_source()

    def connect_source(self, source: PositionSource | None = None) -> PositionSource | None:
        """Start the given source, or the one chosen in Settings. None (reason shown) when there is none."""
        if source is None:
            settings = QSettings()
            try:
                source = source_from_settings(keys.GNSS_SOURCE.read(settings), keys.GNSS_TARGET.read(settings),
                                              keys.GNSS_SPEED.read(settings), keys.GNSS_BAUD.read(settings), self,
                                              keys.GNSS_PLATFORM.read(settings))
            except RuralWatchError as exc:
                self._problem(str(exc))
                return None
            if source is None:
                self._problem("No receiver is set up: choose one in File ▸ Settings ▸ GNSS receiver.")
                return None
        self.source = source
        self._replayed = False
        source.fix.connect(self._on_fix)
        source.lost.connect(self._on_lost)
        source.finished.connect(self._on_replayed)
        source.start()
        self.connect_button.setText("Disconnect receiver")
        self.status.setStyleSheet("")
        self.status.setText(f"{source.description}: waiting for a position…")
        self._follow_patrol()
        return source

    def disconnect_source(self) -> None:
        self._stop_recording()
        if self.source is not None:
            self.source.stop()
            self.source.deleteLater()
        self.source = None
        self.connect_button.setText("Connect receiver")
        self.where_button.setEnabled(False)
        self.status.setText("No receiver connected.")
        if self.map_view is not None:
            self.map_view.clear_position()
        self.moved.emit(math.nan, math.nan)

    def _on_fix(self, fix: Fix) -> None:
        self.where_button.setEnabled(True)
        accuracy = f" ±{fix.accuracy_m:.0f} m" if fix.accuracy_m is not None else ""
        recording = (f"; recording the track ({self.recording.recorder.written:,} points stored)"
                     if self.recording is not None else "")
        if not self._map_clock.isValid() or self._map_clock.elapsed() >= MAP_EVERY_MS:
            self._map_clock.start()
            if self.map_view is not None:
                self.map_view.show_position(fix.lat, fix.lon, fix.accuracy_m)
            self.moved.emit(fix.lat, fix.lon)
            if not self._replayed:
                self.status.setStyleSheet("")
                self.status.setText(f"{self.source.description if self.source else ''}: {fix.lat:.5f}, "
                                    f"{fix.lon:.5f}{accuracy} at {times.format_local(times.to_storage(fix.at))[11:]}"
                                    f"{recording}")
        if self._replayed:  # a log's last fixes can arrive after its end was said: say it with the newest one
            self._on_replayed(fix)

    def _on_replayed(self, newest: Fix | None = None) -> None:
        """A replayed log reached its end: say so, with its last position (the status shows one every 500 ms, so
        the last one shown may be older)."""
        self._replayed = True
        fix = newest or (self.source.last if self.source is not None else None)
        where = f" Last position {fix.lat:.5f}, {fix.lon:.5f}." if fix is not None else ""
        self.status.setStyleSheet("")
        self.status.setText(f"{self.source.description if self.source else 'The log'}: replayed to its end."
                            f"{where}")

    def _on_lost(self, reason: str) -> None:
        self.status.setStyleSheet(theme.error_style(bold=False))
        self.status.setText(f"{reason}: trying again; the gap is kept in the track.")

    def _problem(self, message: str) -> None:
        self.status.setStyleSheet(theme.error_style(bold=False))
        self.status.setText(message)

    # --- Where am I ---------------------------------------------------------------------------------------

    def where_am_i(self) -> WhereAmI | None:
        """The last position as an OS grid reference and the ward it is in, shown large, ready for the radio."""
        fix = self.source.last if self.source is not None else None
        if fix is None:
            self.where.setText("No position yet.")
            return None
        try:
            found = self.services.geography.where(fix.lat, fix.lon)
        except RuralWatchError as exc:
            self.where.setText(str(exc))
            return None
        accuracy = f" (±{fix.accuracy_m:.0f} m)" if fix.accuracy_m is not None else ""
        self.where.setText(f"{found.grid_ref}{accuracy} — {found.place}")
        self.last_where = found
        return found

    # --- recording ----------------------------------------------------------------------------------------

    def set_patrol(self, record: PatrolRecord | None) -> None:
        self.record = record
        self._follow_patrol()

    def _follow_patrol(self) -> None:
        """Record while the open patrol is in progress and a source runs; stop otherwise."""
        record = self.record
        wanted = (self.source is not None and record is not None and record.status is PatrolStatus.IN_PROGRESS)
        if self.recording is not None and (not wanted or record is None or self.recording.patrol_id != record.id):
            self._stop_recording()
        if wanted and self.recording is None and self.source is not None and record is not None:
            try:
                self.recording = TrackRecording(self.services, record.id, self.source, self)
            except RuralWatchError as exc:
                self._problem(f"Track not recorded: {exc}")

    def _stop_recording(self) -> None:
        if self.recording is not None:
            try:
                self.recording.stop()
            except RuralWatchError as exc:
                self._problem(f"The last seconds of the track were not stored: {exc}")
            self.recording = None

    def dispose(self) -> None:
        """Write what is pending and let the receiver go (the window is closing)."""
        self.disconnect_source()


class ReceiverDialog(QDialog):
    """Settings ▸ GNSS receiver (this user): which source (the platform's location services Qt reports, a receiver
    on a serial port, an NMEA log replayed), its port or log file, the baud rate, replay speed. Saved when the dialog
    is accepted; the next Connect uses it. A location service that cannot give a position here says so when chosen,
    and none at all is said in the dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GNSS receiver")
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        settings = QSettings()
        self.platforms = platform_sources()
        self.kind = QComboBox()
        for key, text in SOURCES:
            self.kind.addItem(text, key)
        for name, text in self.platforms:
            self.kind.addItem(f"Location service: {text}", f"platform:{name}")
        # Item data: "none", "serial", "replay" or "platform:<Qt's name>".
        chosen = keys.GNSS_SOURCE.read(settings)
        if chosen == "platform":
            chosen = f"platform:{keys.GNSS_PLATFORM.read(settings)}"
            if self.kind.findData(chosen) < 0:  # chosen once, gone now: show it, and say so when it is shown
                self.kind.addItem(f"Location service: {platform_name(chosen[9:])} (not available)", chosen)
        self.target = QLineEdit()
        self.target.setPlaceholderText("/dev/ttyACM0, COM4 … or an NMEA log file")
        self.baud = QSpinBox(minimum=1200, maximum=115200, singleStep=4800)
        self.speed = QDoubleSpinBox(minimum=0.5, maximum=1000, decimals=1, suffix="×")
        self.speed.setToolTip("A replayed log at real speed (1×) or faster, for training")
        self.note = QLabel()
        self.note.setWordWrap(True)
        # Room for three lines, so a reason shown when a source is chosen is never cut off (the dialog does not
        # grow by itself when a wrapped label gets longer).
        self.note.setMinimumHeight(self.note.fontMetrics().lineSpacing() * 3 + 4)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        form.addRow("&Source", self.kind)
        form.addRow(self.note)
        form.addRow("&Port or log file", self.target)
        form.addRow("&Baud rate", self.baud)
        form.addRow("&Replay speed", self.speed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.setCurrentIndex(max(0, self.kind.findData(chosen)))
        self.target.setText(keys.GNSS_TARGET.read(settings))
        self.baud.setValue(keys.GNSS_BAUD.read(settings))
        self.speed.setValue(keys.GNSS_SPEED.read(settings))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        """Only the fields the chosen source uses are enabled; a location service is checked at once."""
        kind, _, name = str(self.kind.currentData()).partition(":")
        self.target.setEnabled(kind in ("serial", "replay"))
        self.baud.setEnabled(kind == "serial")
        self.speed.setEnabled(kind == "replay")
        problem = check_platform_source(name) if kind == "platform" else ""
        if problem:
            self.note.setStyleSheet(theme.error_style(bold=False))
            self.note.setText(problem)
        else:
            self.note.setStyleSheet(theme.hint_style())
            self.note.setText(self._hint(kind))

    def _hint(self, kind: str) -> str:
        if kind == "platform":
            return "Positions from this computer's location service; its accuracy is shown on the map."
        if self.platforms:
            return ("Qt also offers this computer's location service (" + "; ".join(t for _, t in self.platforms)
                    + "): choose it above to check that it works here.")
        return ("This computer offers no location service (none that Qt can use): use a GNSS receiver on a serial "
                "port (USB or Bluetooth), or replay an NMEA log.")

    def accept(self) -> None:
        self.save(QSettings())
        super().accept()

    def save(self, settings: QSettings) -> None:
        kind, _, name = str(self.kind.currentData()).partition(":")
        keys.GNSS_SOURCE.write(str(kind), settings)
        keys.GNSS_PLATFORM.write(str(name), settings)
        keys.GNSS_TARGET.write(str(Path(self.target.text().strip())) if self.target.text().strip() else "", settings)
        keys.GNSS_BAUD.write(self.baud.value(), settings)
        keys.GNSS_SPEED.write(self.speed.value(), settings)
