"""The duty form: add or edit a duty; a failed save keeps everything typed and marks each bad field."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.people import DutyInput, DutyRecord
from ruralwatch.core.vocab import DUTY_KINDS, PERSON_ROLES, SKILLS
from ruralwatch.services.roster import RosterService
from ruralwatch.ui import theme
from ruralwatch.ui.roster_grid import local_time
from ruralwatch.ui.roster_people import date_edit, from_qdate, hhmm, local_today, time_edit, to_qdate, with_buddy
from ruralwatch.ui.widgets import FieldMarks, saved_or_marked, select_data, vocab_combo
from ruralwatch.ui.widgets.district_box import DistrictBox

DUTY_FIELD_LABELS = {
    "title": "Title", "kind": "Kind", "start": "Start", "end": "End", "station": "Station", "area": "Area",
    "required_skills": "Skills needed", "allowed_roles": "Who may do it", "min_crew": "Minimum crew",
    "max_crew": "Maximum crew", "status": "Status", "notes": "Notes", "repeat_weekly_until": "Repeat weekly until",
}


class DutyDialog(QDialog):
    """Add or edit a duty. A failed save keeps everything typed and marks each bad field."""

    saved_duty = Signal(object)  # DutyRecord

    def __init__(self, roster: RosterService, duty: DutyRecord | None = None, day: date | None = None,
                 stations: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roster = roster
        self.duty = duty
        self.saved: DutyRecord | None = None
        self.series: list[DutyRecord] = []  # every duty the save added (a weekly repeat adds several)
        self.setWindowTitle(f"Edit duty: {duty.title}" if duty else "New duty")
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Dawn hare coursing patrol")
        self.kind = vocab_combo(DUTY_KINDS)
        self.day = date_edit(day)
        self.start = time_edit()
        self.end = time_edit()
        self.end.setTime(QTime(22, 0))
        self.overnight = QLabel()
        self.station = QComboBox()
        self.station.setEditable(True)
        self.station.addItem("")
        self.station.addItems(stations or [])
        # One of the force's districts (or none), as a person's area: auto-fill's "same area" compares the two.
        self.area = DistrictBox(roster.people.geography)
        self.skill_counts: dict[str, QSpinBox] = {}
        skills_box = QGroupBox("Skills needed (how many of the crew)")
        skills_grid = QGridLayout(skills_box)
        taken = set("foxtkdsacnu")  # the dialog's own Alt+letters; skills and roles take the next free ones
        for n, (key, label) in enumerate(SKILLS):
            spin = QSpinBox()
            spin.setRange(0, 50)
            spin.setAccessibleName(f"{label}: how many needed")
            self.skill_counts[key] = spin
            skills_grid.addWidget(with_buddy(theme.with_mnemonic(label, taken), spin), n // 2, 2 * (n % 2))
            skills_grid.addWidget(spin, n // 2, 2 * (n % 2) + 1)
        self.skills_box = skills_box
        self.role_boxes: dict[str, QCheckBox] = {}
        roles_box = QGroupBox("Who may do it")
        roles_layout = QHBoxLayout(roles_box)
        for key, label in PERSON_ROLES:
            box = QCheckBox(theme.with_mnemonic(label, taken))
            box.setChecked(True)
            self.role_boxes[key] = box
            roles_layout.addWidget(box)
        self.roles_box = roles_box
        self.min_crew = QSpinBox()
        self.min_crew.setRange(1, 50)
        self.min_crew.setValue(2)
        self.max_crew = QSpinBox()
        self.max_crew.setRange(1, 50)
        self.max_crew.setValue(3)
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(60)
        self.notes.setTabChangesFocus(True)
        self.error_label = QLabel()
        # A new duty every week until a date, in one save: a month of Saturday patrols took sixteen dialogs.
        self.repeat = QCheckBox("Repeat weekly &until")
        self.repeat.setToolTip("Add the same duty every week, at the same UK times, up to and including this date")
        self.repeat_until = date_edit((day or local_today()) + timedelta(days=28))
        self.repeat_until.setAccessibleName("Repeat weekly until")
        self.repeat_until.setEnabled(False)
        self.repeat.toggled.connect(self.repeat_until.setEnabled)
        # Four weeks on from the date until the box is ticked, so a later date does not start past its end.
        self.day.dateChanged.connect(
            lambda day_: None if self.repeat.isChecked() else self.repeat_until.setDate(day_.addDays(28)))

        times_row = QHBoxLayout()
        times_row.addWidget(self.day)
        times_row.addWidget(with_buddy("&from", self.start))
        times_row.addWidget(self.start)
        times_row.addWidget(with_buddy("t&o", self.end))
        times_row.addWidget(self.end)
        times_row.addWidget(self.overnight, 1)
        crew_row = QHBoxLayout()
        crew_row.addWidget(self.min_crew)
        crew_row.addWidget(with_buddy("ma&ximum", self.max_crew))
        crew_row.addWidget(self.max_crew)
        crew_row.addStretch()
        form = QFormLayout()
        form.addRow(with_buddy("&Title", self.title), self.title)
        form.addRow(with_buddy("&Kind", self.kind), self.kind)
        form.addRow(with_buddy("&Date", self.day), times_row)
        form.addRow(with_buddy("&Station", self.station), self.station)
        form.addRow(with_buddy("&Area", self.area), self.area)
        form.addRow(skills_box)
        form.addRow(roles_box)
        form.addRow(with_buddy("&Crew: minimum", self.min_crew), crew_row)
        form.addRow(with_buddy("&Notes", self.notes), self.notes)
        repeat_row = QHBoxLayout()
        repeat_row.addWidget(self.repeat_until)
        repeat_row.addStretch()
        form.addRow(self.repeat, repeat_row)
        form.setRowVisible(self.repeat, duty is None)  # an existing duty is edited alone
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.marks = FieldMarks(summary=self.error_label, widgets={
            "title": self.title, "kind": self.kind, "start": self.start, "end": self.end, "station": self.station,
            "area": self.area, "required_skills": skills_box, "allowed_roles": roles_box, "min_crew": self.min_crew,
            "max_crew": self.max_crew, "notes": self.notes, "repeat_weekly_until": self.repeat_until,
        }, labels=DUTY_FIELD_LABELS)
        self.start.timeChanged.connect(self._on_times)
        self.end.timeChanged.connect(self._on_times)
        if duty:
            self._fill(duty)
        self._on_times()

    def _fill(self, duty: DutyRecord) -> None:
        start, end = local_time(duty.start), local_time(duty.end)
        self.title.setText(duty.title)
        select_data(self.kind, duty.kind)
        self.day.setDate(to_qdate(start.date()))
        self.start.setTime(QTime(start.hour, start.minute))
        self.end.setTime(QTime(end.hour, end.minute))
        self.station.setCurrentText(duty.station)
        self.area.setEditText(duty.area)  # an area stored before the check is shown as it was, and may stay
        for key, spin in self.skill_counts.items():
            spin.setValue(int(duty.required_skills.get(key, 0)))
        for key, box in self.role_boxes.items():
            box.setChecked(key in duty.allowed_roles)
        self.min_crew.setValue(duty.min_crew)
        self.max_crew.setValue(duty.max_crew)
        self.notes.setPlainText(duty.notes)

    def _on_times(self) -> None:
        overnight = self.end.time() <= self.start.time()
        self.overnight.setText("ends the next day" if overnight else "")

    def current_input(self) -> DutyInput:
        day = from_qdate(self.day.date())
        end_day = day + timedelta(days=1) if self.end.time() <= self.start.time() else day
        return DutyInput(
            title=self.title.text(), kind=self.kind.currentData(),
            start=f"{day.isoformat()} {hhmm(self.start.time())}", end=f"{end_day.isoformat()} {hhmm(self.end.time())}",
            station=self.station.currentText(), area=self.area.currentText(),
            required_skills={k: spin.value() for k, spin in self.skill_counts.items() if spin.value()},
            allowed_roles=[k for k, box in self.role_boxes.items() if box.isChecked()],
            min_crew=self.min_crew.value(), max_crew=self.max_crew.value(),
            patrol_id=(self.duty.patrol_id or "") if self.duty else "",
            status=self.duty.status if self.duty else "planned", notes=self.notes.toPlainText(),
        )

    def save(self) -> bool:
        def write() -> list[DutyRecord]:
            inp = self.current_input()
            if self.duty:
                return [self.roster.update_duty(self.duty.id, inp)]
            until = from_qdate(self.repeat_until.date()) if self.repeat.isChecked() else None
            return self.roster.add_duties(inp, repeat_weekly_until=until)

        series = saved_or_marked(self.marks, write, "duty")
        if not series:
            return False
        self.series = series
        self.saved = duty = series[0]
        self.saved_duty.emit(duty)
        self.accept()
        return True
