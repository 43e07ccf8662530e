"""Putting a logged patrol event right from the log: Correct… (its planned stop, time, note) and Withdraw… (kept in the
log with the reason, counted nowhere). The rules are the service's (services/patrols/corrections.py): this dialog
shows what it refuses on the fields, keeping what was typed."""

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
from ruralwatch.services.patrols import EventCorrection
from ruralwatch.ui.widgets import FieldMarks, select_part_on_click

UK = QTimeZone(b"Europe/London")


class EventCorrectionDialog(QDialog):
    """Correct (withdraw=False) or withdraw one logged event. `result_event` holds the event as stored after."""

    def __init__(self, services: Services, patrol: PatrolRecord, event: LoggedEvent, withdraw: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.patrol = patrol
        self.logged = event
        self.withdraw = withdraw
        self.result_event: LoggedEvent | None = None
        name = PATROL_EVENT_NAMES.get(event.kind, event.kind)
        said = f"{name} at {times.format_local(event.at)}" + (f": {event.detail}" if event.detail else "")
        self.setWindowTitle("Withdraw logged event" if withdraw else "Correct logged event")
        intro = QLabel(
            f"Withdraw “{said}”? It stays in the log, greyed, with your reason, and no longer counts in the dose or "
            "the after-action summary." if withdraw else
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
        self.reason.setPlaceholderText(
            "why it is withdrawn (required)" if withdraw else
            "why it is corrected (required: the patrol has ended)" if ended else "why it is corrected (optional)")
        widgets: dict[str, QWidget] = {"reason": self.reason}
        if not withdraw:
            for text, widget, field in (("At &hotspot", self.stop, "stop"), ("&Time", self.when, "at"),
                                        ("N&ote", self.note, "note")):
                label = QLabel(text)
                label.setBuddy(widget)
                form.addRow(label, widget)
                widgets[field] = widget
        reason_label = QLabel("&Reason")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        self.errors = QLabel()
        self.marks = FieldMarks(widgets, self.errors)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Withdraw" if withdraw else "&Save correction")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        (self.reason if withdraw else self.stop).setFocus()

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


def _qt_time(stored: str) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(times.from_storage(stored).timestamp()), UK)
