"""Putting a patrol's log right from the Log tab: correct an event (its planned stop, time, note), withdraw it (kept
in the log with the reason, counted nowhere) or restore one withdrawn by mistake; and correct a finished patrol's own
start and end. The rules are the service's (services/patrols/corrections.py): these dialogs show what it refuses on
the fields, keeping what was typed."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.patrol import LoggedEvent, PatrolRecord
from ruralwatch.core.vocab import PATROL_EVENT_NAMES
from ruralwatch.services.container import Services
from ruralwatch.services.patrols import EventCorrection, PatrolTimesCorrection
from ruralwatch.ui.widgets import FieldMarks, select_part_on_click
from ruralwatch.ui.widgets.message_area import MessageArea

UK = QTimeZone(b"Europe/London")


class EventCorrectionDialog(QDialog):
    """Correct, withdraw (`mode` "withdraw") or restore (`mode` "restore") one logged event. `result_event` holds
    the event as stored after."""

    def __init__(self, services: Services, patrol: PatrolRecord, event: LoggedEvent, withdraw: bool = False,
                 parent: QWidget | None = None, mode: str = "") -> None:
        super().__init__(parent)
        self.services = services
        self.patrol = patrol
        self.logged = event
        self.mode = mode or ("withdraw" if withdraw else "correct")
        self.withdraw = withdraw = self.mode == "withdraw"
        restore = self.mode == "restore"
        self.result_event: LoggedEvent | None = None
        name = PATROL_EVENT_NAMES.get(event.kind, event.kind)
        said = f"{name} at {times.format_local(event.at)}" + (f": {event.detail}" if event.detail else "")
        self.setWindowTitle("Withdraw logged event" if withdraw else "Restore withdrawn event" if restore
                            else "Correct logged event")
        intro = QLabel(
            f"Withdraw “{said}”? It stays in the log, greyed, with your reason, and no longer counts in the dose or "
            "the after-action summary." if withdraw else
            f"Restore “{said}”, withdrawn by {event.withdrawn_by or 'someone'} ({event.withdrawn_reason})? It counts "
            "again in the dose and the after-action summary; your reason is kept in the audit log." if restore else
            f"Correct “{said}”. The change and your reason are kept in the audit log.")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.stop = QComboBox()
        self.stop.addItem("No planned stop", "")
        for stop in patrol.stops:
            self.stop.addItem(f"{stop.seq}. {stop.label}", stop.key)
        self.stop.setCurrentIndex(max(0, self.stop.findData(event.stop_key or "")))
        self.when = select_part_on_click(QDateTimeEdit())
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setTimeZone(UK)
        self.when.setCalendarPopup(True)
        self.when.setDateTime(_qt_time(event.at))
        self.note = QLineEdit(event.detail)
        self.note.setPlaceholderText("what happened")
        self.reason = QLineEdit()
        ended = patrol.status.is_final
        verb = "restored" if restore else "corrected"
        self.reason.setPlaceholderText(
            "why it is withdrawn (required)" if withdraw else
            f"why it is {verb} (required: the patrol has ended)" if ended else f"why it is {verb} (optional)")
        widgets: dict[str, QWidget] = {"reason": self.reason}
        if self.mode == "correct":
            for text, widget, field in (("At &hotspot", self.stop, "stop"), ("&Time", self.when, "at"),
                                        ("N&ote", self.note, "note")):
                label = QLabel(text)
                label.setBuddy(widget)
                form.addRow(label, widget)
                widgets[field] = widget
        reason_label = QLabel("&Reason")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        # Room for the refusal reserved from the start: a plain label squeezed the fields and the intro to show it.
        self.errors = MessageArea(lines=3)
        self.marks = FieldMarks(widgets, self.errors)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "&Withdraw" if withdraw else "Re&store" if restore else "&Save correction")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        (self.stop if self.mode == "correct" else self.reason).setFocus()

    def correction(self) -> EventCorrection:
        """What was typed: only the fields that differ from the event as logged are sent."""
        stop = str(self.stop.currentData() or "")
        at = datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)
        return EventCorrection(
            stop=stop if stop != (self.logged.stop_key or "") else None,
            at=at if times.to_storage(at)[:16] != self.logged.at[:16] else None,  # to the minute, as shown
            note=self.note.text() if self.note.text().strip() != self.logged.detail else None,
            reason=self.reason.text())

    def submit(self) -> None:
        """Ask the service; refused: the reasons on the fields, the dialog stays open with what was typed."""
        self.marks.clear()
        patrols = self.services.patrols
        try:
            if self.withdraw:
                self.result_event = patrols.withdraw_event(self.logged.id, self.reason.text())
            elif self.mode == "restore":
                self.result_event = patrols.restore_event(self.logged.id, self.reason.text())
            else:
                self.result_event = patrols.correct_event(self.logged.id, self.correction())
        except ValidationError as exc:
            self.marks.show(exc)
            return
        except RuralWatchError as exc:
            self.errors.setText(f"Not saved: {exc}")
            self.errors.show()
            return
        self.accept()


class PatrolTimesDialog(QDialog):
    """Correct a finished patrol's start and end (an End pressed back at the station). `result_patrol` holds the
    patrol as stored after."""

    def __init__(self, services: Services, patrol: PatrolRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.patrol = patrol
        self.result_patrol: PatrolRecord | None = None
        self.setWindowTitle("Correct the patrol's start and end")
        intro = QLabel(
            f"“{patrol.title}” is logged from {times.format_local(patrol.started_at)} to "
            f"{times.format_local(patrol.ended_at)}. Type when it really started and ended: the crew's hours and the "
            "dose follow, every event that counts must stay within the times, and your reason is kept in the audit "
            "log.")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.started = _time_box(patrol.started_at or "")
        self.ended = _time_box(patrol.ended_at or "")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why the times are corrected (required)")
        for text, widget in (("S&tarted", self.started), ("E&nded", self.ended), ("&Reason", self.reason)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.errors = MessageArea(lines=4)  # reserved room (a long refusal: 3 lines), as EventCorrectionDialog's
        self.marks = FieldMarks({"started": self.started, "ended": self.ended, "reason": self.reason}, self.errors,
                                {"started": "Started", "ended": "Ended", "reason": "Reason"})  # as the form says
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Save times")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.ended.setFocus()

    def correction(self) -> PatrolTimesCorrection:
        """What was typed: a time only where it differs (to the minute, as shown) from the one logged."""
        def typed(box: QDateTimeEdit, logged: str | None) -> datetime | None:
            at = datetime.fromtimestamp(box.dateTime().toSecsSinceEpoch(), UTC)
            return at if times.to_storage(at)[:16] != (logged or "")[:16] else None

        return PatrolTimesCorrection(started=typed(self.started, self.patrol.started_at),
                                     ended=typed(self.ended, self.patrol.ended_at), reason=self.reason.text())

    def submit(self) -> None:
        self.marks.clear()
        change = self.correction()
        if change.started is None and change.ended is None:
            self.marks.show(ValidationError.single("ended", "type the time it really started or ended"))
            return
        try:
            self.result_patrol = self.services.patrols.correct_times(self.patrol.id, change)
        except ValidationError as exc:
            self.marks.show(exc)
            return
        except RuralWatchError as exc:
            self.errors.setText(f"Not saved: {exc}")
            self.errors.show()
            return
        self.accept()


def _time_box(stored: str) -> QDateTimeEdit:
    box = select_part_on_click(QDateTimeEdit())
    box.setDisplayFormat("yyyy-MM-dd HH:mm")
    box.setTimeZone(UK)
    box.setCalendarPopup(True)
    if stored:
        box.setDateTime(_qt_time(stored))
    return box


def _qt_time(stored: str) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(times.from_storage(stored).timestamp()), UK)
