"""Patrol panel, doing side: the log kept during a patrol (vehicle-friendly) and the dose measured afterwards."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, QPoint, Qt, QTimeZone, Signal
from PySide6.QtGui import QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import geo, times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.patrol import RESTORED, LoggedEvent, PatrolEventInput, PatrolRecord
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vocab import PATROL_EVENT_KINDS, PATROL_EVENT_NAMES, PATROL_STATUS_NAMES
from ruralwatch.core.vrm import display_vrm, normalise_vrm
from ruralwatch.core.words import plural
from ruralwatch.services.container import Services
from ruralwatch.services.patrols import HotspotDosage, PatrolDose
from ruralwatch.ui import theme
from ruralwatch.ui.patrol_event_dialog import EventCorrectionDialog, PatrolTimesDialog
from ruralwatch.ui.patrol_plan import (
    ALERT_COLOUR,
    InBackground,
    Report,
    ask_patrol_pdf,
    scroll_page,
    set_rows,
    window_text,
    wrapped_label,
)
from ruralwatch.ui.widgets import fit_to_width, make_table, mark
from ruralwatch.ui.widgets.flow_layout import FlowLayout, together
from ruralwatch.ui.widgets.growing_strip import GrowingStrip
from ruralwatch.ui.widgets.today import today
from ruralwatch.ui.widgets.typing_boxes import select_part_on_click

# Every kind an officer logs by hand; start and end have their own buttons.
LOGGABLE_KINDS = tuple((key, label) for key, label in PATROL_EVENT_KINDS
                       if key not in ("patrol_started", "patrol_ended"))
STOP_KINDS = ("arrived_stop", "left_stop")
# The alert brings its own background and text colours (white on strong red), so it reads on any palette.
ALERT_STYLE = (f"QFrame#vehicleAlert {{ background: {ALERT_COLOUR}; border: 3px solid #000000; border-radius: 4px; }}"
               " QFrame#vehicleAlert QLabel { color: #ffffff; font-weight: bold; }")
DISMISS_STYLE = ("QPushButton { background: #ffffff; color: #000000; border: 1px solid #000000; border-radius: 3px;"
                 " padding: 4px 12px; } QPushButton:focus { border: 2px solid #000000; }")
EARLY_START = timedelta(hours=2)  # starting earlier than this before the planned start is checked first
# A patrol still running this long after its planned end is being logged afterwards: the end is typed, not "now".
LATE_END = timedelta(hours=2)
UK = QTimeZone(b"Europe/London")
BIG_BUTTON_STYLE = "QPushButton { font-weight: bold; padding: 8px; }"


def _grid_ref(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    try:
        return geo.lat_lon_to_grid_ref(lat, lon, 8)
    except RuralWatchError:
        return f"{lat:.5f}, {lon:.5f}"


class PatrolLog(QWidget):
    """Start, log and end a patrol. Events are written the moment a button is pressed, stamped with the time."""

    pickRequested = Signal(bool)  # the map should (stop) sending clicks to place_picked
    newIncidentRequested = Signal(str, float, float)  # event id, lat, lon (NaN when no place is known)
    eventLogged = Signal(object)  # LoggedEvent
    eventCorrected = Signal(object)  # LoggedEvent corrected, withdrawn or restored, or PatrolRecord retimed: the dose
    statusChanged = Signal(object)  # PatrolRecord, after start or end

    def __init__(self, services: Services, report: Report, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.report = report
        self.patrol: PatrolRecord | None = None
        self.events: list[LoggedEvent] = []
        self.picked: tuple[float, float] | None = None

        self.heading = wrapped_label("Open a patrol to log it.")
        self.heading.setStyleSheet("font-weight: bold;")
        self.start_button = QPushButton("▶ &Start patrol")
        self.end_button = QPushButton("■ &End patrol")
        for button in (self.start_button, self.end_button):
            button.setStyleSheet(BIG_BUTTON_STYLE)
            button.setMinimumHeight(44)
        self.start_button.clicked.connect(self.start)
        self.end_button.clicked.connect(lambda: self.end())
        # When the start, end and events happened: now while the patrol is live, typed when it is logged
        # afterwards (a patrol logged the next morning was stamped then and gave its crew no hours).
        self.when_now = QCheckBox("&Now")
        self.when_now.setChecked(True)
        self.when = select_part_on_click(QDateTimeEdit())
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setTimeZone(UK)
        # With Now ticked the box says "now", not a stale date (it showed 2000-01-01 00:00, greyed).
        self.when.setSpecialValueText("now")
        self.when.setDateTime(self.when.minimumDateTime())
        self.when.setEnabled(False)
        self.when_now.toggled.connect(self._when_now_toggled)
        self._timed_for: tuple[str, str] | None = None  # the patrol and status the time box was last set for

        self.stop_choice = QComboBox()
        self.stop_choice.setToolTip("The planned stop the next event is logged at: the dose counts it visited. "
                                    "Not at a planned stop unless you choose one or arrive at one (or the "
                                    "receiver puts you within a stop's dose radius)")
        # The stop the officer chose, kept for the next events (a crew at a stop logs several stop-checks) until
        # they log arriving or leaving, or the receiver puts them elsewhere. Never guessed from the plan: a walk's
        # stop-check was filed under the first stop, pre-filled, and the Dose tab counted a stop never visited.
        self._chosen_stop: str | None = None
        self._stop_was_chosen = False
        self._position: tuple[float, float] | None = None  # the receiver's live position, when connected
        self.stop_choice.currentIndexChanged.connect(self._stop_chosen)
        self.pick_button = QPushButton("Pic&k on map")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip("Click the map where the event happened")
        self.pick_button.toggled.connect(self._pick_toggled)
        self.grid_ref = QLineEdit()
        self._grid_example = services.geography.place_examples().grid_ref_8  # inside the force, not Essex's "TL"
        self.grid_ref.setPlaceholderText(f"or type a grid reference, e.g. {self._grid_example}")
        self.place_label = wrapped_label()
        _keep_room(self.place_label)  # the boxes and buttons under it stay put as a picked place comes and goes
        self.vrm = QLineEdit()
        self.vrm.setPlaceholderText("VRM for a stop-check, e.g. AB12 CDE")
        self.vrm.setStyleSheet("font-weight: bold;")
        self.vrm.textEdited.connect(self._upper_vrm)
        self.vrm.returnPressed.connect(lambda: self.log_event("stop_check"))
        self.detail = QLineEdit()
        self.detail.setPlaceholderText("what happened (optional)")
        # The last stop-check's answer under the box it was typed in, until the next check: in the line under the
        # buttons the next event's note replaced "not a vehicle of interest" within a moment, and at 1366x768 that
        # line was below the fold anyway. Its room is kept while empty, so nothing moves when it comes.
        # One line, never wrapped (a second line moved every button under it as the answer came: a crew reaching
        # for one pressed another), cut short in a narrow dock with the whole answer on hover.
        self.check_result = QLabel()
        self.check_result.setAccessibleName("Last stop-check")
        theme.emphasise(self.check_result)  # bold: read at a glance from a vehicle
        self.check_result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy = self.check_result.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.check_result.setSizePolicy(policy)
        self.check_result.hide()

        # The alerts of this patrol's stop-checks, newest on top and the earlier ones under it, until dismissed:
        # one alert replaced by the next check was missed by a crew busy with the second vehicle.
        self.alert = QFrame()
        self.alert.setObjectName("vehicleAlert")
        self.alert.setStyleSheet(ALERT_STYLE)
        self.alert_text = QLabel()
        self.alert_text.setWordWrap(True)
        self.alert_text.setAccessibleName("Vehicle of interest alert")
        self.earlier_alerts = QLabel()
        self.earlier_alerts.setWordWrap(True)
        self.earlier_alerts.setTextFormat(Qt.TextFormat.RichText)
        self.earlier_alerts.setAccessibleName("Earlier vehicle of interest alerts")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setStyleSheet(DISMISS_STYLE)  # white on red: not the palette's button
        self.dismiss_button.clicked.connect(self.dismiss_alerts)
        alert_layout = QGridLayout(self.alert)
        alert_layout.addWidget(self.alert_text, 0, 0)
        alert_layout.addWidget(self.dismiss_button, 0, 1, Qt.AlignmentFlag.AlignTop)
        alert_layout.addWidget(self.earlier_alerts, 1, 0, 1, 2)
        alert_layout.setColumnStretch(0, 1)
        self.alert.hide()
        self._alerts: dict[str, str] = {}  # flagged event id -> its alert text, in the order logged
        self._dismissed: set[str] = set()
        self.message = wrapped_label()
        # Two lines kept for what happened last ("Logged at…", "Not logged: …"): as the lines came and went the
        # page's room under the buttons changed and, scrolled down, every button moved under the pointer.
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)

        self.kind_buttons: dict[str, QPushButton] = {}
        self.button_grid = QGridLayout()
        self._columns = 0
        for key, label in LOGGABLE_KINDS:
            button = QPushButton(label)
            button.setStyleSheet(BIG_BUTTON_STYLE)
            button.setMinimumHeight(48)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _checked=False, k=key: self.log_event(k))
            self.kind_buttons[key] = button
        self._arrange_buttons(2)

        self.table = make_table(["Time", "Event", "Stop", "VRM", "Detail", "Place"], word_wrap=False)
        self.table.setMinimumHeight(110)
        # An event logged wrongly is put right here (never deleted): the buttons beside the log's heading, the same
        # entries on the row's context menu (right click, or the Menu key), and F2 / Delete in the log. Their Alt
        # letters are ones the menu bar, the incident filters and this page's form leave (b, j, q, u, x, y, z:
        # tests/ui/test_keyboard.py), hence "entry", "bad entry" and "undo". Restore shows in Withdraw's place for a
        # withdrawn event.
        self.correct_button = QPushButton("Correct entr&y…")
        self.withdraw_button = QPushButton("Withdraw &bad entry…")
        self.restore_button = QPushButton("&Undo withdrawal…")
        self.restore_button.hide()
        self.table.installEventFilter(self)  # F2 and Delete: see eventFilter
        self.correct_button.clicked.connect(lambda: self.correct_selected())
        self.withdraw_button.clicked.connect(lambda: self.correct_selected(withdraw=True))
        self.restore_button.clicked.connect(lambda: self.restore_selected())
        # A finished patrol's own start and end (an End pressed back at the station): the crew's hours follow. Shown
        # only then, when the form is put away, so its Alt+S is Start patrol's, which is hidden.
        self.times_button = QPushButton("Correct &start and end…")
        self.times_button.clicked.connect(lambda: self.correct_times())
        self.times_button.hide()
        self.table.itemSelectionChanged.connect(self._update_correction_buttons)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._log_menu)

        timing = QHBoxLayout()
        self.when_label = QLabel("&When")
        self.when_label.setBuddy(self.when)
        timing.addWidget(self.when_label)
        timing.addWidget(self.when)
        timing.addWidget(self.when_now)
        timing.addStretch(1)
        controls = QHBoxLayout()
        controls.addWidget(self.start_button)
        controls.addWidget(self.end_button)
        self.where = where = QGroupBox("Where and what")
        where_layout = QGridLayout(where)
        stop_label = QLabel("At hots&pot")
        stop_label.setBuddy(self.stop_choice)
        vrm_label = QLabel("Vehicle re&g")
        vrm_label.setBuddy(self.vrm)
        detail_label = QLabel("&Detail")
        detail_label.setBuddy(self.detail)
        where_layout.addWidget(stop_label, 0, 0)
        where_layout.addWidget(self.stop_choice, 0, 1, 1, 2)
        where_layout.addWidget(self.pick_button, 1, 0)
        where_layout.addWidget(self.grid_ref, 1, 1, 1, 2)
        where_layout.addWidget(self.place_label, 2, 1, 1, 2)
        where_layout.addWidget(vrm_label, 3, 0)
        where_layout.addWidget(self.vrm, 3, 1, 1, 2)
        where_layout.addWidget(self.check_result, 4, 1, 1, 2)
        where_layout.addWidget(detail_label, 5, 0)
        where_layout.addWidget(self.detail, 5, 1, 1, 2)
        where_layout.setColumnStretch(1, 1)
        self._explain()
        layout = scroll_page(self)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.times_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addLayout(timing)
        layout.addLayout(controls)
        layout.addWidget(where)
        layout.addLayout(self.button_grid)
        # Beside the log's heading, not under the table: below it they were out of a laptop's dock.
        heading = QHBoxLayout()
        heading.addWidget(QLabel("Log (newest first)"), 1)
        heading.addWidget(self.correct_button)
        heading.addWidget(self.withdraw_button)
        heading.addWidget(self.restore_button)
        layout.addLayout(heading)
        layout.addWidget(self.table, 1)
        # The alert and what happened last under the page, not in it: in view without scrolling the page (each
        # scroll to them moved every button under a crew's pointer: a walk's click aimed at Vehicle reg logged
        # "Intelligence submitted"), and coming or going below the page they move nothing in it.
        self.strip = GrowingStrip(self.alert, self.message)  # the page's room changes only from its foot
        self.layout().addWidget(self.strip)
        # The room an alert took is given back as soon as that moves nothing: once dismissed with the page at its
        # top, else as the page is scrolled up or the next event is logged (it kept the room for the whole patrol).
        self.findChild(QScrollArea).verticalScrollBar().valueChanged.connect(lambda _value: self._give_back_room())
        self.set_patrol(None)

    def _explain(self) -> None:
        """What's this (Shift+F1, or Help ▸ What's this? and a click) for every control of the log."""
        explain = {
            self.start_button: "Start the patrol now (the time from this laptop's clock), or at the time typed "
                               "when Now is off. Asks first when the patrol is planned for another time.",
            self.end_button: "End the patrol now, or at the time typed (asks first). Nothing more can be logged on "
                             "it; the Dose tab then shows what was delivered against the plan.",
            self.when_now: "On: the start, end and events are stamped with the time the button is pressed. Off: "
                           "with the time typed beside it, for a patrol logged afterwards. Off by itself when the "
                           "planned time is over.",
            self.when: "When the start, end or event happened (UK time), when logging afterwards. The crew's hours "
                       "follow the start and end; within 12 hours of the planned time and not in the future.",
            self.stop_choice: "The planned stop the next event is logged at; the Dose tab counts a stop with an event "
                              "logged at it as visited. Not at a planned stop until you choose one or log Arrived "
                              "at one; what you choose is kept for the next events until you log Arrived or Left. "
                              "With a receiver connected it follows the crew: a stop within its dose radius, and "
                              "none once you are well away from the stop chosen.",
            self.pick_button: "Then click the map where the next event happened, instead of the stop's position.",
            self.grid_ref: f"Or type an OS grid reference (e.g. {self._grid_example}) for where the next event "
                           "happened.",
            self.vrm: "A vehicle's registration, in any UK format. Enter logs a stop-check: a vehicle seen in recent "
                      "hare coursing, equipment theft or encampment reports raises a red alert, kept until "
                      "dismissed. A registration that is not a UK one is outlined and nothing is logged.",
            self.detail: "What happened, in a few words (optional); logged with the next button pressed.",
            self.dismiss_button: "Clear the vehicle alerts shown; the log keeps each check marked ⚠ (of interest).",
            self.correct_button: "Correct the event selected in the log (F2 there): the planned stop it belongs to, "
                                 "its time or its note (the Dose tab follows). Once the patrol has ended, say why.",
            self.withdraw_button: "Withdraw the event selected in the log (Delete there), logged by mistake: it "
                                  "stays in the log, greyed, with your reason, and no longer counts in the dose.",
            self.restore_button: "Restore the withdrawn event selected in the log (Delete there), withdrawn by "
                                 "mistake: it counts again. Once the patrol has ended, say why.",
            self.times_button: "Correct when the finished patrol really started and ended (an End pressed back at "
                               "the station): the crew's hours and the dose follow. Every event that counts must "
                               "stay within the times; say why.",
        }
        for key, label in LOGGABLE_KINDS:
            explain[self.kind_buttons[key]] = (
                f"Log \"{label}\" now, at the chosen stop, map point or grid reference, with the detail typed."
                + (" New incident then opens the incident form there." if key == "new_incident" else "")
                + (" Arrived and Left time the stop for the dose." if key in STOP_KINDS else ""))
        for widget, text in explain.items():
            widget.setWhatsThis(text)

    def _arrange_buttons(self, columns: int) -> None:
        """Three columns of event buttons when the panel is wide enough, else two (the panel may be a narrow
        dock)."""
        if columns == self._columns:
            return
        self._columns = columns
        for button in self.kind_buttons.values():
            self.button_grid.removeWidget(button)
        for i, button in enumerate(self.kind_buttons.values()):
            self.button_grid.addWidget(button, i // columns, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        widest = max(button.sizeHint().width() for button in self.kind_buttons.values())
        self._arrange_buttons(3 if event.size().width() >= 3 * widest + 40 else 2)
        super().resizeEvent(event)

    def _upper_vrm(self, text: str) -> None:
        if text != text.upper():
            cursor = self.vrm.cursorPosition()
            self.vrm.setText(text.upper())
            self.vrm.setCursorPosition(cursor)

    # --- state --------------------------------------------------------------------------------------------

    def set_patrol(self, record: PatrolRecord | None) -> None:
        if record is not None and record == self.patrol and self.events == self._log(record.id):
            return  # nothing new: keep the stop the officer chose
        changed = self.patrol is None or record is None or self.patrol.id != record.id
        self.patrol = record
        if changed:
            self.strip.reset()
            self.heading.setMinimumHeight(0)
            self._alerts, self._dismissed = {}, set()
            self._chosen_stop, self._stop_was_chosen = None, False
            self.message.clear()
            self._say_check("")
            self._clear_inputs()
        if record is None:
            self.heading.setText("Open a patrol to log it.")
            self.events = []
        else:
            status = PATROL_STATUS_NAMES.get(record.status, record.status)
            ran = (f", ran {_clock(record.started_at)}–{_clock(record.ended_at)}"
                   if record.started_at and record.ended_at else "")
            self.heading.setText(f"{record.title}: {window_text(record)} — {status}{ran}"
                                 + (f", call sign {record.call_sign}" if record.call_sign else ""))
            self.events = self._log(record.id)
        self._fill_stops()
        self._fill_log()
        self._show_alerts()
        self._default_time()
        self._update_buttons()

    def _default_time(self) -> None:
        """Now while the patrol is live; once its planned time is over, the planned start (not started yet) or
        end (running), to be corrected. Set when another patrol opens or its status changes, never over a time
        the officer is typing."""
        record = self.patrol
        key = (record.id, str(record.status)) if record else None
        if key == self._timed_for:
            return
        # Still logging afterwards after the start typed; another patrol starts afresh.
        typed_before = (record is not None and self._timed_for is not None and self._timed_for[0] == record.id
                        and not self.when_now.isChecked())
        self._timed_for = key
        self.when.setStyleSheet("")
        self.when.setToolTip("")
        if record is None:
            self.when_now.setChecked(True)
            return
        now = times.utc_now()
        if record.status.can_start and now > record.end:
            afterwards = record.start
        elif record.status.can_end and (now > record.end + LATE_END or typed_before):
            started = times.from_storage(record.started_at) if record.started_at else record.start
            afterwards = max(record.end, started + timedelta(minutes=1))
        else:
            self.when_now.setChecked(True)
            return
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(min(afterwards, now).timestamp()), UK))
        self.when_now.setChecked(False)

    def _when_now_toggled(self, now: bool) -> None:
        if now:
            self.when.setDateTime(self.when.minimumDateTime())
        elif self.when.dateTime() == self.when.minimumDateTime():  # unticked by hand: start from the time now
            self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(times.utc_now().timestamp()), UK))
        self.when.setEnabled(not now)

    def chosen_time(self) -> datetime | None:
        """The time typed, or None for now."""
        if self.when_now.isChecked():
            return None
        return datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)

    def _stop_labels(self) -> dict[str, str]:
        return {s.key: f"{s.seq}. {s.label}" for s in self.patrol.stops} if self.patrol else {}

    def current_stop_key(self) -> str | None:
        """Where the crew is: the stop the officer chose, else the one arrived at and not yet left; with a live
        position, only while it is near that stop, else the stop whose dose radius it is within. Otherwise not at
        a planned stop (never the next stop of the plan: the dose would count it visited)."""
        if self.patrol is None:
            return None
        here = None
        for event in self.counted():
            if event.kind == "arrived_stop" and event.stop_key:
                here = event.stop_key
            elif event.kind in ("left_stop", "patrol_ended"):
                here = None
        held = self._chosen_stop if self._stop_was_chosen else here
        # "No planned stop" chosen by hand holds against the receiver too (the box must not fight the officer).
        if self._position is None or not self.patrol.status.can_log or (self._stop_was_chosen and held is None):
            return held
        try:
            found = self.services.patrols.stop_at_position(self.patrol.id, *self._position, held=held)
        except RuralWatchError:
            return held
        if found != held:  # the crew moved on: what was chosen no longer holds
            self._stop_was_chosen = False
        return found

    def _stop_chosen(self, index: int) -> None:
        """The officer chose the stop (or none): held for the next events."""
        self._chosen_stop = self.stop_choice.itemData(index)
        self._stop_was_chosen = True

    def set_position(self, lat: float, lon: float) -> None:
        """The receiver's live position (NaN: none any more); the stop box follows it when the crew moves."""
        self._position = None if math.isnan(lat) or math.isnan(lon) else (lat, lon)
        if self.patrol is not None and self.patrol.status.can_log:
            self._fill_stops()

    def _fill_stops(self) -> None:
        self.stop_choice.blockSignals(True)
        self.stop_choice.clear()
        self.stop_choice.addItem("No planned stop", None)
        for key, label in self._stop_labels().items():
            self.stop_choice.addItem(label, key)
        current = self.current_stop_key()
        index = max(0, self.stop_choice.findData(current)) if current else 0
        self.stop_choice.setCurrentIndex(index)
        self.stop_choice.blockSignals(False)
        if self._stop_was_chosen and index == 0 and current is not None:  # a stop no longer on the plan
            self._stop_was_chosen = False

    def _log(self, patrol_id: str) -> list[LoggedEvent]:
        """The log as shown: withdrawn events too, greyed with their reason."""
        return self.services.patrols.log_of(patrol_id, withdrawn=True)

    def counted(self) -> list[LoggedEvent]:
        """The events that count (not withdrawn)."""
        return [event for event in self.events if not event.withdrawn]

    def _fill_log(self) -> None:
        stops = self._stop_labels()
        rows = []
        shown = list(reversed(self.events))
        for event in shown:
            vrm = display_vrm(event.vrm) if event.vrm else ""
            if vrm and event.flagged:
                vrm = f"⚠ {vrm} (of interest)"
            elif vrm:  # checked like any VRM logged: the answer stays in the log, not only in a passing line
                vrm = f"{vrm} (not of interest)"
            name = PATROL_EVENT_NAMES.get(event.kind, event.kind)
            detail = event.detail
            if event.withdrawn:
                name = f"{name} (withdrawn)"
                detail = f"Withdrawn: {event.withdrawn_reason}" + (f" — was: {detail}" if detail else "")
            elif event.restored:  # undone withdrawal: a correction on the row, but not one of its content
                name = f"{name} (restored)"
            elif event.corrected_at:
                name = f"{name} (corrected)"
            rows.append([times.format_local(event.at)[11:16], name, stops.get(event.stop_key or "", ""), vrm, detail,
                         _grid_ref(event.lat, event.lon)])
        set_rows(self.table, rows)
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for row, event in enumerate(shown):
            self.table.item(row, 0).setData(Qt.ItemDataRole.UserRole, event.id)
            said = _put_right_text(event)
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if said:
                    item.setToolTip(said)
                if event.withdrawn:  # still in the record, read as not counting
                    item.setForeground(grey)
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
        self._update_correction_buttons()

    def selected_event(self) -> LoggedEvent | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        event_id = self.table.item(rows.pop(), 0).data(Qt.ItemDataRole.UserRole)
        return next((event for event in self.events if event.id == event_id), None)

    def select_event(self, event_id: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == event_id:
                self.table.selectRow(row)
                return

    def _correction_refusal(self, event: LoggedEvent | None, restoring: bool = False) -> str | None:
        """Why the selected event cannot be put right (None: it can), from the service's rules."""
        if event is None:
            return "Select an event in the log first."
        patrols = self.services.patrols
        try:
            return patrols.restore_refusal(event.id) if restoring else patrols.correction_refusal(event.id)
        except RuralWatchError as exc:
            return str(exc)

    def _update_correction_buttons(self) -> None:
        event = self.selected_event()
        withdrawn = event is not None and event.withdrawn
        refusal = self._correction_refusal(event)
        for button in (self.correct_button, self.withdraw_button):
            button.setEnabled(refusal is None)
            button.setToolTip(refusal or "")
        # A withdrawn event is restored, not withdrawn again: its button takes Withdraw's place.
        self.withdraw_button.setVisible(not withdrawn)
        self.restore_button.setVisible(withdrawn)
        if withdrawn:
            refused = self._correction_refusal(event, restoring=True)
            self.restore_button.setEnabled(refused is None)
            self.restore_button.setToolTip(refused or "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """F2 in the log corrects the selected event, Delete withdraws it or restores a withdrawn one (the table
        itself edits nothing)."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_F2, Qt.Key.Key_Delete) and not event.modifiers():
                selected = self.selected_event()
                if event.key() == Qt.Key.Key_Delete and selected is not None and selected.withdrawn:
                    self.restore_selected()
                else:
                    self.correct_selected(withdraw=event.key() == Qt.Key.Key_Delete)
                return True
        return super().eventFilter(watched, event)

    def _log_menu(self, point: QPoint) -> None:
        if self.table.itemAt(point) is None:  # the Menu key: at the selected row
            row = self.table.currentRow()
            if row < 0:
                return
            point = self.table.visualItemRect(self.table.item(row, 1)).center()
        menu = QMenu(self)
        event = self.selected_event()
        if event is not None and event.withdrawn:
            action = menu.addAction("&Restore (undo withdrawal)…\tDel")
            action.setEnabled(self.restore_button.isEnabled())
            action.triggered.connect(lambda _checked=False: self.restore_selected())
        else:
            for text, withdraw in (("&Correct…\tF2", False), ("&Withdraw…\tDel", True)):
                action = menu.addAction(text)
                action.setEnabled(self.correct_button.isEnabled())
                action.triggered.connect(lambda _checked=False, w=withdraw: self.correct_selected(withdraw=w))
        menu.exec(self.table.viewport().mapToGlobal(point))

    def open_dialog(self, dialog: QDialog) -> bool:
        """Run the correction dialog (tests answer it instead)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def restore_selected(self) -> LoggedEvent | None:
        """Restore the selected withdrawn event through its dialog; the log, the stop box and the dose follow."""
        return self.correct_selected(restore=True)

    def correct_selected(self, withdraw: bool = False, restore: bool = False) -> LoggedEvent | None:
        """Correct or withdraw (or restore) the selected event through its dialog; the log, the stop box and the
        dose follow."""
        event = self.selected_event()
        if self.patrol is None or event is None or self._correction_refusal(event, restoring=restore) is not None:
            return None
        mode = "restore" if restore else "withdraw" if withdraw else "correct"
        dialog = EventCorrectionDialog(self.services, self.patrol, event, parent=self, mode=mode)
        if not self.open_dialog(dialog) or dialog.result_event is None:
            return None
        done = dialog.result_event
        self.events = self._log(self.patrol.id)
        self._fill_stops()
        self._fill_log()
        self._show_alerts()
        self.select_event(done.id)
        self.message.setStyleSheet("")
        name = PATROL_EVENT_NAMES.get(done.kind, done.kind)
        self.message.setText(f"Withdrawn: {name} at {times.format_local(done.at)[11:16]} ({done.withdrawn_reason}); "
                             "it stays in the log, greyed, and no longer counts." if done.withdrawn else
                             f"Restored: {name} at {times.format_local(done.at)[11:16]}; it counts again."
                             if restore else
                             f"Corrected: {name} at {times.format_local(done.at)[11:16]}"
                             + (f" ({self._stop_labels().get(done.stop_key, '')})" if done.stop_key else
                                " (no planned stop)") + ".")
        self.eventCorrected.emit(done)
        return done

    def correct_times(self) -> PatrolRecord | None:
        """Correct the finished patrol's start and end through its dialog; the heading, the log and (eventCorrected)
        the dose follow, the Log tab staying on show."""
        if self.patrol is None or self.services.patrols.times_refusal(self.patrol.id) is not None:
            return None
        dialog = PatrolTimesDialog(self.services, self.patrol, parent=self)
        if not self.open_dialog(dialog) or dialog.result_patrol is None:
            return None
        record = dialog.result_patrol
        self.set_patrol(record)
        self.message.setStyleSheet("")
        self.message.setText(f"Times corrected: the patrol ran {_clock(record.started_at)}–"
                             f"{_clock(record.ended_at)}; the crew's hours and the dose follow.")
        self.eventCorrected.emit(record)
        return record

    def _update_buttons(self) -> None:
        status = self.patrol.status if self.patrol else None
        running = status is not None and status.can_log
        self.start_button.setEnabled(status is not None and status.can_start)
        self.end_button.setEnabled(running)
        # From the status, not when_now.isEnabled(): that is False while the panel still has the Log tab disabled.
        timed = status is not None and (status.can_start or running)
        self.when_now.setEnabled(timed)
        self.when.setEnabled(timed and not self.when_now.isChecked())
        for button in self.kind_buttons.values():
            button.setEnabled(running)
        for widget in (self.stop_choice, self.pick_button, self.grid_ref, self.vrm, self.detail):
            widget.setEnabled(running)
        if not running and self.pick_button.isChecked():
            self.pick_button.setChecked(False)
        # A patrol that is over logs nothing more: its greyed form and buttons make way for the log, which is what
        # is read and put right then (one row of it showed in a docked panel at 1366x768).
        over = status is not None and not status.can_start and not running
        for widget in (self.when_label, self.when, self.when_now, self.start_button, self.end_button, self.where,
                       *self.kind_buttons.values()):
            widget.setHidden(over)
        refusal = self.services.patrols.times_refusal(self.patrol.id) if over and self.patrol else None
        self.times_button.setVisible(status is PatrolStatus.COMPLETED)
        self.times_button.setEnabled(status is PatrolStatus.COMPLETED and refusal is None)
        self.times_button.setToolTip(refusal or "")

    def _clear_inputs(self) -> None:
        for widget in (self.vrm, self.grid_ref, self.stop_choice, self.when):
            widget.setStyleSheet("")
            widget.setToolTip("")
        self.vrm.setStyleSheet("font-weight: bold;")
        self.vrm.clear()
        self.detail.clear()
        self.grid_ref.clear()
        self.picked = None
        self._place("")

    def _place(self, text: str) -> None:
        self.place_label.setText(text)
        self.place_label.setVisible(bool(text))

    # --- place --------------------------------------------------------------------------------------------

    def _pick_toggled(self, on: bool) -> None:
        if on:
            self._place("Click the map where it happened…")
        elif self.picked is None:
            self._place("")
        self.pickRequested.emit(on)

    def place_picked(self, lat: float, lon: float) -> None:
        """A map click while picking: the next event happens here (instead of at the stop)."""
        self.picked = (lat, lon)
        self.grid_ref.clear()
        self._place(f"Place from the map: {_grid_ref(lat, lon)}")
        if self.pick_button.isChecked():
            self.pick_button.setChecked(False)

    # --- actions ------------------------------------------------------------------------------------------

    def confirm(self, title: str, question: str) -> bool:
        """Asks before ending a patrol. Tests replace it."""
        answer = QMessageBox.question(self, title, question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def start(self) -> PatrolRecord | None:
        if self.patrol is None:
            return None
        at = self.chosen_time()
        now = times.utc_now()
        if at is None and not self.patrol.start - EARLY_START <= now <= self.patrol.end and not self.confirm(
            "Start patrol", f"This patrol is planned for {window_text(self.patrol)}. Start it now anyway?"
        ):
            return None
        try:
            record = self.services.patrols.start(self.patrol.id, at=at)
        except ValidationError as exc:
            self._refuse(exc, "Not started")
            return None
        except RuralWatchError as exc:
            self.report(f"Not started: {exc}")
            return None
        self._unmark_time()
        focused = QApplication.focusWidget()
        was_here = focused is not None and self.isAncestorOf(focused)
        # Nothing moves under the pointer: Start greyed under the finger and Qt passed the focus on down the page
        # (the page follows the focus), and the heading's new status could take another line. End patrol and At
        # hotspot are where they were, beside and under Start.
        bar = self.findChild(QScrollArea).verticalScrollBar()
        scrolled = bar.value()
        self.heading.setMinimumHeight(self.heading.height())
        if was_here:
            self.end_button.setEnabled(True)  # takes the focus from Start, beside it, instead of a widget far down
        self.set_patrol(record)
        self.message.setText(f"Patrol started at {self._said(record.started_at)}.")
        if was_here:  # the cursor where the next event is set
            self.stop_choice.setFocus(Qt.FocusReason.OtherFocusReason)
        bar.setValue(scrolled)
        self.statusChanged.emit(record)
        return record

    def end(self, ask: bool = True) -> PatrolRecord | None:
        if self.patrol is None:
            return None
        at = self.chosen_time()
        question = ("End the patrol now?" if at is None
                    else f"End the patrol at {times.format_local(times.to_storage(at))}?")
        if ask and not self.confirm("End patrol", f"{question} Nothing more can be logged on it."):
            return None
        try:
            record = self.services.patrols.end(self.patrol.id, at=at)
        except ValidationError as exc:
            self._refuse(exc, "Not ended")
            return None
        except RuralWatchError as exc:
            self.report(f"Not ended: {exc}")
            return None
        self._unmark_time()
        self.set_patrol(record)
        self.message.setText(f"Patrol ended at {self._said(record.ended_at)}.")
        self.statusChanged.emit(record)
        return record

    def _unmark_time(self) -> None:
        self.when.setStyleSheet("")
        self.when.setToolTip("")
        self.message.setStyleSheet("")

    def _said(self, stored: str | None) -> str:
        """HH:MM, with the date when it is not today (a patrol logged afterwards)."""
        text = times.format_local(stored)
        return text[11:16] if text[:10] == times.to_local(times.utc_now()).strftime("%Y-%m-%d") else text

    def log_event(self, kind: str) -> LoggedEvent | None:
        """Log one event now at the chosen stop, map point or grid reference. None (reason shown) if refused."""
        if self.patrol is None:
            return None
        for widget in (self.grid_ref, self.stop_choice, self.when):
            widget.setStyleSheet("")
        self.vrm.setStyleSheet("font-weight: bold;")
        stop_key = self.stop_choice.currentData() or ""
        lat = lon = None
        grid = ""
        if kind in STOP_KINDS:
            # Arrived with no stop chosen: the service credits the next stop of the plan not yet arrived at.
            if not stop_key and kind == "left_stop":
                self._refuse(ValidationError.single("stop", "choose the planned stop first"))
                return None
        elif self.picked is not None:
            lat, lon = self.picked
        else:
            grid = self.grid_ref.text().strip()
        inp = PatrolEventInput(kind=kind, at=self.chosen_time(), lat=lat, lon=lon, grid_ref=grid, stop_key=stop_key,
                               vrm=self.vrm.text() if kind == "stop_check" or self.vrm.text().strip() else "",
                               detail=self.detail.text())
        try:
            event = self.services.patrols.log(self.patrol.id, inp)
        except ValidationError as exc:
            self._refuse(exc)
            return None
        except RuralWatchError as exc:
            self.report(f"Not logged: {exc}")
            return None
        self.events = self._log(self.patrol.id)
        if kind in STOP_KINDS:  # arrived or left: from now on the log says where the crew is
            self._stop_was_chosen = False
        self._clear_inputs()
        self._fill_stops()
        self._fill_log()
        label = PATROL_EVENT_NAMES.get(kind, kind)
        self.message.setStyleSheet("")
        credited = self.patrol.stop_keyed(event.stop_key or "") if kind == "arrived_stop" and not stop_key else None
        if credited is not None:  # no stop was chosen: say which one it went to, and how to put it right
            self.message.setText(f"Logged at {times.format_local(event.at)[11:16]}: Arrived at stop {credited.seq}, "
                                 f"{credited.label} (the next on the plan; not there? choose the stop in At hotspot "
                                 "and press Arrived again)")
        else:
            self.message.setText(f"Logged at {times.format_local(event.at)[11:16]}: {label}"
                                 + (f" ({self._stop_labels().get(event.stop_key or '', '')})" if event.stop_key
                                    else ""))
        if kind == "stop_check" or event.vrm:
            self._say_vehicle(event)
        self._give_back_room()
        self.eventLogged.emit(event)
        if kind == "new_incident":
            nan = math.nan
            self.newIncidentRequested.emit(event.id, event.lat if event.lat is not None else nan,
                                           event.lon if event.lon is not None else nan)
        return event

    def _refuse(self, error: ValidationError, what: str = "Not logged") -> None:
        widgets = {"vrm": self.vrm, "grid_ref": self.grid_ref, "stop": self.stop_choice, "location": self.grid_ref,
                   "at": self.when}
        bar = self.findChild(QScrollArea).verticalScrollBar()
        scrolled = bar.value()
        for item in error.errors:
            widget = widgets.get(item.field)
            if widget is not None:
                mark(widget, item.message)  # not FieldMarks: clearing it would drop the VRM's bold
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
        # The page stays where it is (the focus scrolled it, a second press landed on another button): the reason
        # is under the page, in view, and names the box.
        bar.setValue(scrolled)
        self.message.setStyleSheet(theme.error_style())
        self.message.setText(f"{what}: " + "; ".join(
            ("time" if item.field == "at" else item.field.replace('_', ' ')) + f": {item.message}"
            for item in error.errors))

    def _say_check(self, text: str, flagged: bool = False) -> None:
        self.check_result.setText(text)
        self.check_result.setToolTip(text)
        self.check_result.setStyleSheet(theme.error_style() if flagged else "")
        self.check_result.setVisible(bool(text))

    def _say_vehicle(self, event: LoggedEvent) -> None:
        vrm, at = display_vrm(event.vrm or ""), times.format_local(event.at)[11:16]
        if event.flagged:
            # Short enough for a docked panel at 1366x768 ("(alert bel…" was cut off); the alert is in view anyway.
            self._say_check(f"⚠ {at} {vrm}: VEHICLE OF INTEREST", flagged=True)
        else:
            self._say_check(f"✓ {at} {vrm}: not a vehicle of interest")
        if event.flagged:
            self._show_alerts()  # under the page: in view however the page is scrolled
        else:
            self.message.setText(self.message.text() + f". {display_vrm(event.vrm or '')}: not a vehicle of interest.")

    def _alert_for(self, event: LoggedEvent) -> str:
        wanted = normalise_vrm(event.vrm or "")
        found = next((v for v in self.services.patrols.vehicles_of_interest(times.from_storage(event.at))
                      if normalise_vrm(v.vrm) == wanted), None)
        text = f"⚠ ALERT {times.format_local(event.at)[11:16]} — Vehicle of interest: {display_vrm(wanted)}"
        if found is not None and found.times_seen:
            last = times.to_local(found.last_seen).strftime("%d %b %Y %H:%M")
            text += (f" — seen {found.times_seen} {plural(found.times_seen, 'time')}, last {last}"
                     f" ({', '.join(found.kinds)})")
            if found.places:
                text += f" at {'; '.join(found.places[:2])}"
            if found.description:
                text += f". {found.description}"
        if found is not None and found.listed:  # on an imported list: its reason and handling note
            text += f". Listed — {'; '.join(found.listed)}"
        return text + "."

    def _show_alerts(self) -> None:
        """The flagged stop-checks of this patrol not dismissed: the newest large, the earlier ones under it. A
        patrol no longer under way raises none (its log keeps each check marked ⚠)."""
        if self.patrol is None or self.patrol.status != PatrolStatus.IN_PROGRESS:
            self.alert.hide()
            return
        for event in self.events:
            if event.withdrawn:  # a stop-check logged by mistake raises no alert
                self._alerts.pop(event.id, None)
            elif event.flagged and event.id not in self._alerts:
                self._alerts[event.id] = self._alert_for(event)
        shown = [text for event_id, text in reversed(self._alerts.items()) if event_id not in self._dismissed]
        if not shown:
            self.alert.hide()
            return
        self.alert_text.setText(shown[0])
        self.earlier_alerts.setText("Earlier on this patrol:<br>" + "<br>".join(html.escape(t) for t in shown[1:])
                                    if len(shown) > 1 else "")
        self.earlier_alerts.setVisible(len(shown) > 1)
        self.alert.show()

    def _bring_into_view(self, widget: QWidget) -> None:
        """Scroll the Log page so `widget` shows. The nearest scroll area round it is the page's own: the dock's,
        further out, would scroll the whole panel and hide its tab bar."""
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea) and not widget.isHidden():
            parent.ensureWidgetVisible(widget, 0, 12)

    def alert_texts(self) -> list[str]:
        """The alerts on show, newest first."""
        return [text for event_id, text in reversed(self._alerts.items())
                if event_id not in self._dismissed] if not self.alert.isHidden() else []

    def dismiss_alerts(self) -> None:
        self._dismissed.update(self._alerts)
        self.alert.hide()
        self._give_back_room()

    def _give_back_room(self) -> None:
        """The strip's spare room back to the page as far as nothing on the page moves: a page at its top only
        grows at its foot; one scrolled down keeps its place while there is page below the view to show."""
        bar = self.findChild(QScrollArea).verticalScrollBar()
        self.strip.give_back(self.strip.height() if bar.value() == 0 else bar.maximum() - bar.value())


def _keep_room(widget: QWidget) -> None:
    """`widget` keeps its room while hidden."""
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)


def _put_right_text(event: LoggedEvent) -> str:
    """A row's tooltip: who withdrew, restored or corrected it, when and why."""
    if event.withdrawn:
        return (f"Withdrawn by {event.withdrawn_by} at {times.format_local(event.withdrawn_at)}: "
                f"{event.withdrawn_reason}")
    if event.restored:
        why = event.correction_reason.removeprefix(RESTORED).removeprefix(": ")
        said = f": {why}" if why else ""
        return f"Restored by {event.corrected_by} at {times.format_local(event.corrected_at)}{said}"
    if event.corrected_at:
        why = f": {event.correction_reason}" if event.correction_reason else ""
        return f"Corrected by {event.corrected_by} at {times.format_local(event.corrected_at)}{why}"
    return ""


def _clock(stored: str | None) -> str:
    """A stored UTC time as the UK local HH:MM, blank for none."""
    return times.format_local(stored)[11:16] if stored else ""


def _first_last(first: str | None, last: str | None) -> str:
    """When the track was first and last at a stop, UK local time, on two lines; blank if never there."""
    return f"{_clock(first)}\n{_clock(last)}" if first else ""


TRACK_COLUMNS = (4, 5, 6)  # the Dose page's stop columns measured from a recorded track
STOP_COLUMN_TIPS = (
    "The planned stop", "Minutes planned at the stop", "Minutes logged at the stop (arrival to leaving)",
    "Whether an arrival was logged", "Minutes the recorded track spent within the dose radius of the stop",
    "How many times the recorded track came within the radius", "When the track was first and last there (UK time)",
)


def _whole_text_tooltips(table: QTableWidget, column: int = 0) -> None:
    """The elided column's whole text in each cell's tooltip (fit_to_width)."""
    for row in range(table.rowCount()):
        cell = table.item(row, column)
        if cell is not None:
            cell.setToolTip(cell.text())


class DoseView(QWidget):
    """What a patrol delivered against its plan, and patrol dosage per place over a period (for the analyst)."""

    dosageReady = Signal(object)  # list[HotspotDosage]
    reportSaved = Signal(object)  # Path of the after-action summary

    def __init__(self, services: Services, in_background: InBackground, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.in_background = in_background
        self.patrol: PatrolRecord | None = None
        self.dose: PatrolDose | None = None

        self.summary = wrapped_label("The dose is measured once a patrol has run.")
        # Fits a docked panel under Larger text (it scrolled sideways): the number columns' headers on two lines,
        # the stop's name elided (whole in its tooltip), and the track's columns only when there is a track.
        # Short headers, explained in their tooltips, and the first and last time there in one column on two lines:
        # a tracked patrol's eight columns ran over a 520 px dock (1366x768) under Larger text.
        self.stops = fit_to_width(make_table(["Stop", "Plan\nmin", "Log\nmin", "Visited", "Track\nmin",
                                              "Track\nvisits", "There\nfrom-to"], word_wrap=False))
        for column, tip in enumerate(STOP_COLUMN_TIPS):
            self.stops.horizontalHeaderItem(column).setToolTip(tip)
        self.stops.setMinimumHeight(100)
        self.missed = wrapped_label()
        self.missed.setStyleSheet(theme.error_style(bold=False))
        self.kinds = make_table(["Event", "Count"], word_wrap=False)
        self.kinds.setMaximumHeight(170)
        # The recorded track: from a receiver while the patrol ran, or a GPX file or NMEA log imported afterwards.
        self.track_status = wrapped_label()
        self.import_button = QPushButton("Import track (&GPX, NMEA)…")
        self.import_button.setToolTip("A GPX track from a phone or handheld, or an NMEA log from a vehicle's GPS unit "
                                      "or a phone app (.nmea, .log, .txt)")
        self.export_button = QPushButton("E&xport track as GPX…")
        self.report_button = QPushButton("After-action summary (&PDF)…")
        self.report_button.setToolTip("Planned, logged and measured minutes at each stop, stops never reached, time "
                                      "at hotspots that were not planned, and the track's distance and gaps")
        self.import_button.clicked.connect(lambda: self.import_track())
        self.export_button.clicked.connect(lambda: self.export_gpx())
        self.report_button.clicked.connect(lambda: self.write_report())
        track_row = QHBoxLayout()
        track_row.addWidget(self.import_button)
        track_row.addWidget(self.export_button)
        track_row.addStretch()
        # What the GPX and report buttons did: kept while the same patrol is shown (the dose is worked out again
        # whenever track points arrive, and that must not wipe the message).
        self.message = wrapped_label()
        self.message.hide()
        report_row = QHBoxLayout()  # a row of its own: three buttons side by side overflow a laptop-width panel
        report_row.addWidget(self.report_button)
        report_row.addStretch()
        patrol_box = QGroupBox("This patrol: planned against actual")
        patrol_layout = QVBoxLayout(patrol_box)
        patrol_layout.addWidget(self.summary)
        patrol_layout.addWidget(self.track_status)
        patrol_layout.addLayout(track_row)
        patrol_layout.addLayout(report_row)
        patrol_layout.addWidget(self.message)
        patrol_layout.addWidget(self.stops, 2)
        patrol_layout.addWidget(self.missed)
        patrol_layout.addWidget(self.kinds, 1)

        now = today()
        self.period_from = QDateEdit(now.addMonths(-3))
        self.period_to = QDateEdit(now)
        for edit in (self.period_from, self.period_to):
            select_part_on_click(edit)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.period_button = QPushButton("Show &dosage")
        self.period_button.clicked.connect(self.show_dosage)
        self.period_status = wrapped_label("Completed patrols in the period: visits and minutes per place, with "
                                           "crime and harm within 500 m during the period and in the same length "
                                           "of time before it.")
        self.period_table = fit_to_width(make_table(["Place", "Visits", "Minutes", "Crimes\nbefore", "Crimes\nduring",
                                                     "Harm\nbefore", "Harm\nduring"], word_wrap=False))
        self.period_table.setMinimumHeight(100)
        row = FlowLayout()  # wraps in a docked panel under Larger text (one line, the page scrolled sideways)
        for text, widget in (("&Since", self.period_from), ("&Until", self.period_to)):
            label = QLabel(text)
            label.setBuddy(widget)
            row.addWidget(together(label, widget))
        row.addWidget(self.period_button)
        period_box = QGroupBox("Patrol dosage over a period")
        period_layout = QVBoxLayout(period_box)
        period_layout.addLayout(row)
        period_layout.addWidget(self.period_status)
        period_layout.addWidget(self.period_table, 1)

        layout = scroll_page(self)
        layout.addWidget(patrol_box, 1)
        layout.addWidget(period_box, 1)

    def set_patrol(self, record: PatrolRecord | None) -> None:
        if record is None or self.patrol is None or record.id != self.patrol.id:
            self.message.clear()
            self.message.hide()
        self.patrol = record
        self.dose = None
        self.import_button.setEnabled(record is not None and record.status is not PatrolStatus.CANCELLED)
        self.export_button.setEnabled(False)
        self.report_button.setEnabled(False)
        self.track_status.clear()
        if record is None or not record.status.has_dose:
            self.summary.setText("The dose is measured once a patrol has run."
                                 if record is None else f"{record.title}: not run yet.")
            set_rows(self.stops, [])
            set_rows(self.kinds, [])
            self.missed.clear()
            return
        try:
            dose = self.services.patrols.dose(record.id)
        except RuralWatchError as exc:
            self.summary.setText(f"Dose not measured: {exc}")
            return
        self.dose = dose
        so_far = " so far" if record.status is PatrolStatus.IN_PROGRESS else ""
        visited = sum(1 for s in dose.stops if s.visited)
        reached = sum(1 for s in dose.stops if s.visits)
        logged = "logged as visited" if dose.tracked else "visited"
        self.summary.setText(
            f"{record.title}, {window_text(record)}: {visited} of {len(dose.stops)} planned stops {logged}{so_far}; "
            f"{dose.actual_minutes:.0f} min logged at stops against {dose.planned_minutes:.0f} planned."
            + (f" The recorded track reached {reached} of {len(dose.stops)}." if dose.tracked else "")
        )
        set_rows(self.stops, [[s.label, round(s.planned_minutes, 1), round(s.actual_minutes, 1),
                               "Yes" if s.visited else ("Not yet" if not s.due else
                                                        "Not logged" if dose.tracked else "No — missed"),
                               "" if s.measured_minutes is None else round(s.measured_minutes, 1),
                               "" if s.visits is None else s.visits, _first_last(s.first_at, s.last_at)]
                              for s in dose.stops])
        _whole_text_tooltips(self.stops)
        for column in TRACK_COLUMNS:  # empty without a recorded track
            self.stops.setColumnHidden(column, not dose.tracked)
        if dose.tracked:  # room for the two times there
            self.stops.resizeRowsToContents()
        self.export_button.setEnabled(dose.tracked)
        self.report_button.setEnabled(True)
        if dose.tracked:
            never = f" Never reached: {'; '.join(dose.never_reached)}." if dose.never_reached else ""
            self.track_status.setText(
                f"From the recorded track ({dose.track_points:,} points): {dose.measured_minutes:.0f} min within "
                f"{dose.radius_m:.0f} m of the planned stops.{never}")
        else:
            self.track_status.setText("No recorded track: the figures are from the log. Connect a receiver before "
                                      "starting, or import a GPX track or NMEA log from a phone, handheld or vehicle.")
        if dose.tracked:  # the track says where the crew went; a missing log entry is not a missed stop
            self.missed.setStyleSheet(theme.hint_style())
            self.missed.setText(("No arrival logged at: " + "; ".join(dose.missed)) if dose.missed else
                                ("An arrival was logged at every planned stop." if dose.stops else "No planned stops."))
        else:
            self.missed.setStyleSheet(theme.error_style(bold=False))
            self.missed.setText(("Missed: " + "; ".join(dose.missed)) if dose.missed else
                                ("Every planned stop visited." if dose.stops else "No planned stops."))
        set_rows(self.kinds, sorted(([k, n] for k, n in dose.events_by_kind.items()), key=lambda r: (-r[1], r[0])))

    def import_track(self, path: Path | None = None, log_date: date | None = None) -> None:
        """Import a GPX track or NMEA log into the open patrol, off the UI thread (asks for the file when none is
        given). The service tells the two apart by content, as `patrol track import` does. A log of GGA sentences
        only has no date: the service refuses it without one, and the date is asked (`ask_log_date`, the patrol's
        day offered) and the import run again with it."""
        record = self.patrol
        if record is None:
            return
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Import a track", "", "Tracks (*.gpx *.nmea *.log *.txt);;GPX tracks (*.gpx);;"
                                            "NMEA logs (*.nmea *.log *.txt);;All files (*)")
            if not chosen:
                return
            path = Path(chosen)
        target = path

        def work(services: Services) -> Any:
            try:
                return services.patrols.import_track(record.id, target, log_date)
            except ValidationError as exc:
                undated = [e.message for e in exc.errors if e.field == "log_date"]
                if log_date is None and undated:
                    return _DateWanted(undated[0])  # asked on the UI thread, then imported again
                raise

        def done(summary: Any) -> None:
            if isinstance(summary, _DateWanted):
                day = self.ask_log_date(target.name, summary.message, times.to_local(record.start).date())
                if day is None:
                    self._say(f"Track not imported: {target.name} has no date and none was given.")
                elif self.patrol is not None and self.patrol.id == record.id:
                    self.import_track(target, day)
                return
            if self.patrol is not None and self.patrol.id == record.id:
                self.set_patrol(self.services.patrols.get(record.id))
            skipped = summary.skipped_note
            self._say(f"Imported {summary.points:,} track points from {target.name}."
                      + (f" NMEA lines skipped: {skipped}." if skipped else ""))

        self.in_background("Importing the track…", work, done, "Track not imported")

    def ask_log_date(self, name: str, why: str, offered: date) -> date | None:
        """The UK date a GGA-only log was recorded (its first fix), `offered` (the patrol's day) filled in; None when
        the user cancels. Tests replace this method."""
        dialog = QDialog(self)
        dialog.setWindowTitle(f"When was {name} recorded?")
        dialog.setMinimumWidth(dialog.fontMetrics().horizontalAdvance("M") * 42)  # the title was cut to "When was …"
        layout = QVBoxLayout(dialog)
        words = QLabel(f"{why.split('. ', 1)[0]}.\nOn which day was its first fix taken (UK date)? Fixes after"
                       " midnight go on the day after it.")
        words.setWordWrap(True)
        layout.addWidget(words)
        edit = select_part_on_click(QDateEdit(QDate(offered.year, offered.month, offered.day)))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("ddd d MMM yyyy")
        layout.addWidget(edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def export_gpx(self, path: Path | None = None) -> None:
        record = self.patrol
        if record is None:
            return
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export the track as GPX", f"{record.title}.gpx",
                                                    "GPX tracks (*.gpx)")
            if not chosen:
                return
            path = Path(chosen)
        target = path
        self.in_background("Exporting the track…", lambda services: services.patrols.export_gpx(record.id, target),
                           lambda summary: self._say(f"Wrote {summary.points:,} track points to {target}."),
                           "Track not exported")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def write_report(self, path: Path | None = None) -> None:
        """Write the after-action summary PDF off the UI thread (asks where when no path is given); emits
        reportSaved(path)."""
        record = self.patrol
        if record is None:
            return
        if path is None:
            path = ask_patrol_pdf(self, record, "after-action", "Save the after-action summary")
            if path is None:
                return
        target = path

        def done(written: Path) -> None:
            self._say(f"After-action summary saved to {written}.")
            self.reportSaved.emit(written)

        self.in_background("Writing the after-action summary…",
                           lambda services: services.patrols.write_after_action(record.id, target), done,
                           "After-action summary not written")

    def period(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.period_from.date().toPython(), time(0), times.LOCAL_ZONE)
        end = datetime.combine(self.period_to.date().toPython() + timedelta(days=1), time(0), times.LOCAL_ZONE)
        return start, end

    def show_dosage(self) -> None:
        """Dosage per visited place over the period, worked out off the UI thread; emits dosageReady."""
        start, end = self.period()
        if end <= start:
            self.period_status.setText("The period must end after it starts.")
            return

        def done(rows: list[HotspotDosage]) -> None:
            set_rows(self.period_table, [[d.label, d.visits, round(d.minutes), d.crimes_before, d.crimes_during,
                                          d.harm_before, d.harm_during] for d in rows])
            _whole_text_tooltips(self.period_table)
            self.period_status.setText(
                f"{len(rows)} places visited on completed patrols from {start:%d %b %Y} to "
                f"{end - timedelta(days=1):%d %b %Y}; crimes and harm within 500 m, during the period and in the "
                "same length of time before it." if rows else "No completed patrol visited a planned stop in "
                "this period."
            )
            self.dosageReady.emit(rows)

        self.period_status.setText("Working out the dosage…")
        self.in_background("Working out patrol dosage…", lambda services: services.patrols.dosage(start, end), done,
                           "Dosage not worked out")


@dataclass(frozen=True)
class _DateWanted:
    """A GGA-only log refused for want of a date: the service's words, for the question."""

    message: str
