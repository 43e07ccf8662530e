"""The roster panel's Duties tab: a week or month calendar of duties with their gaps, the selected duty's crew
(assigning under the rostering rules, with a recorded reason to override), auto-fill and .ics export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, RuralWatchError, ValidationError
from ruralwatch.core.people import DutyInput, DutyRecord, Person
from ruralwatch.core.vocab import DUTY_KIND_NAMES, DUTY_KINDS, DUTY_STATUSES, PERSON_ROLE_NAMES, PERSON_ROLES, SKILLS
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.model import RuleBreach
from ruralwatch.services.container import Services
from ruralwatch.services.roster import AutofillOutcome, RosterService
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.roster_people import (
    FieldMarks,
    date_edit,
    from_qdate,
    hhmm,
    hours_text,
    item,
    known_stations,
    local_today,
    make_table,
    select_data,
    show_status,
    status_label,
    time_edit,
    to_qdate,
    vocab_combo,
    with_buddy,
)
from ruralwatch.ui.tasks import Progress

SKILL_NAMES = dict(SKILLS)
STATUS_NAMES = dict(DUTY_STATUSES)
DUTY_ID = Qt.ItemDataRole.UserRole


def _go_on(progress: Progress, done: int) -> None:
    """Auto-fill is one step: a Cancel pressed before or after it still stops it."""
    if not progress(done, 1):
        raise CancelledError("auto-fill cancelled")


def _local(moment: datetime) -> datetime:
    return times.to_local(moment)


def _span(duty: DutyRecord) -> str:
    return f"{_local(duty.start):%H:%M}–{_local(duty.end):%H:%M}"


def _when(duty: DutyRecord) -> str:
    return f"{_local(duty.start):%a %d %b %Y}, {_span(duty)}"


def _missing_skills(duty: DutyRecord, skills_of: dict[str, tuple[str, ...]]) -> list[str]:
    """Skill labels the crew is still short of."""
    missing = []
    for skill, count in duty.required_skills.items():
        holders = sum(1 for pid, _ in duty.crew if skill in skills_of.get(pid, ()))
        if holders < count:
            missing.append(SKILL_NAMES.get(skill, skill))
    return missing


@dataclass(frozen=True)
class DutyLook:
    """How a duty shows in the calendar: its text, tooltip and state ("gap", "ok", "completed", "cancelled")."""

    duty: DutyRecord
    text: str
    tooltip: str
    state: str
    open_places: int


def describe(duty: DutyRecord, skills_of: dict[str, tuple[str, ...]], compact: bool) -> DutyLook:
    missing = _missing_skills(duty, skills_of) if duty.status == "planned" else []
    open_places = max(duty.open_places, 1 if missing and duty.status == "planned" else 0)
    crew = f"{len(duty.crew)}/{duty.min_crew}"
    if duty.status != "planned":
        marker = STATUS_NAMES.get(duty.status, duty.status).lower()
        state = duty.status
    elif duty.open_places:
        marker = f"⚠ {duty.open_places} open"
        state = "gap"
    elif missing:
        marker = "⚠ skill short"
        state = "gap"
    else:
        marker = "✓ crewed"
        state = "ok"
    place = duty.station or duty.area or "no station"
    if compact:
        text = f"{_local(duty.start):%H:%M} {duty.title}\n{place}\n{crew} · {marker}"
    else:
        text = f"{_span(duty)}\n{duty.title}\n{place}\ncrew {crew}\n{marker}"
    needs = ", ".join(f"{SKILL_NAMES.get(s, s)} ×{n}" for s, n in duty.required_skills.items()) or "none"
    lines = [
        duty.title, _when(duty), f"{DUTY_KIND_NAMES.get(duty.kind, duty.kind)} · {STATUS_NAMES.get(duty.status)}",
        f"Station: {duty.station or '–'}   Area: {duty.area or '–'}",
        f"Crew: {len(duty.crew)} (at least {duty.min_crew}, at most {duty.max_crew})",
        f"Skills needed: {needs}",
    ]
    if duty.crew:
        lines.append("On it: " + ", ".join(name for _, name in duty.crew))
    if open_places and duty.status == "planned":
        lines.append(f"Open places: {duty.open_places}" + (f"; short of {', '.join(missing)}" if missing else ""))
    return DutyLook(duty, text, "\n".join(lines), state, open_places)


# --- the calendar grid ------------------------------------------------------------------------------------------


class CalendarGrid(QTableWidget):
    """Seven day columns. A week shows one block of rows; a month one block per week, each under a row of dates.
    Each duty is its own cell, so arrow keys move between duties and Enter opens one."""

    duty_selected = Signal(object)  # duty id or None
    duty_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.cells: dict[str, tuple[int, int]] = {}  # duty id -> (row, column)
        self.date_rows: list[int] = []  # month view: the rows that hold dates
        self.itemSelectionChanged.connect(lambda: self.duty_selected.emit(self.selected_duty_id()))
        self.itemActivated.connect(self._activated)

    def _activated(self, cell: QTableWidgetItem) -> None:
        duty_id = cell.data(DUTY_ID)
        if duty_id:
            self.duty_activated.emit(duty_id)

    def selected_duty_id(self) -> str | None:
        chosen = self.selectedItems()
        return chosen[0].data(DUTY_ID) if chosen else None

    def select_duty(self, duty_id: str) -> bool:
        where = self.cells.get(duty_id)
        if where is None:
            return False
        self.setCurrentCell(*where)
        self.scrollToItem(self.item(*where))
        return True

    def look_of(self, duty_id: str) -> QTableWidgetItem | None:
        where = self.cells.get(duty_id)
        return self.item(*where) if where else None

    def show_days(self, first: date, weeks: int, month: int | None, looks: list[DutyLook], today: date) -> None:
        """`first` is a Monday. `month` set: the month view (dates in their own rows, other months greyed)."""
        by_day: dict[date, list[DutyLook]] = {}
        for look in looks:
            by_day.setdefault(_local(look.duty.start).date(), []).append(look)
        self.blockSignals(True)
        self.clearContents()
        self.cells = {}
        if month is None:
            days = [first + timedelta(days=d) for d in range(7)]
            self.setHorizontalHeaderLabels([f"{day:%a %d %b}" + (" · today" if day == today else "") for day in days])
        else:
            self.setHorizontalHeaderLabels([f"{first + timedelta(days=d):%A}" for d in range(7)])
        rows: list[list[QTableWidgetItem | None]] = []
        date_rows: list[int] = []
        for week in range(weeks):
            days = [first + timedelta(days=7 * week + d) for d in range(7)]
            if month is not None:
                date_rows.append(len(rows))
                rows.append([self._date_cell(day, month, today) for day in days])
            depth = max(1, *(len(by_day.get(day, [])) for day in days))
            for n in range(depth):
                row: list[QTableWidgetItem | None] = []
                for column, day in enumerate(days):
                    day_looks = by_day.get(day, [])
                    if n < len(day_looks):
                        row.append(self._duty_cell(day_looks[n]))
                        self.cells[day_looks[n].duty.id] = (len(rows), column)
                    else:
                        row.append(None)
                rows.append(row)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell is None:
                    cell = QTableWidgetItem()
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.setItem(r, c, cell)
        self.date_rows = date_rows
        self.resizeRowsToContents()
        self.blockSignals(False)

    def _date_cell(self, day: date, month: int, today: date) -> QTableWidgetItem:
        cell = QTableWidgetItem(f"{day:%d %b}" if day.day == 1 or day == today else f"{day.day}")
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
        heading = theme.tone("today" if day == today else "date_row")
        cell.setBackground(heading.background)
        cell.setForeground(heading.text)
        font = QFont(cell.font())
        font.setBold(True)
        cell.setFont(font)
        if day.month != month:
            cell.setForeground(theme.readable_on(heading.background, theme.hint_colour()))
        cell.setToolTip(f"{day:%A %d %B %Y}" + (" (today)" if day == today else ""))
        return cell

    def _duty_cell(self, look: DutyLook) -> QTableWidgetItem:
        cell = QTableWidgetItem(look.text)
        cell.setData(DUTY_ID, look.duty.id)
        cell.setToolTip(look.tooltip)
        cell.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        shade = theme.tone({"gap": "gap", "ok": "planned"}.get(look.state, "done"))
        cell.setBackground(shade.background)
        cell.setForeground(shade.text)
        if look.state == "cancelled":
            font = QFont(cell.font())
            font.setStrikeOut(True)
            cell.setFont(font)
        return cell

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.resizeRowsToContents()  # wrapped text needs new heights when the columns change width


# --- the duty form --------------------------------------------------------------------------------------------

DUTY_FIELD_LABELS = {
    "title": "Title", "kind": "Kind", "start": "Start", "end": "End", "station": "Station", "area": "Area",
    "required_skills": "Skills needed", "allowed_roles": "Who may do it", "min_crew": "Minimum crew",
    "max_crew": "Maximum crew", "status": "Status", "notes": "Notes",
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
        self.area = QLineEdit()
        self.skill_counts: dict[str, QSpinBox] = {}
        skills_box = QGroupBox("Skills needed (how many of the crew)")
        skills_grid = QGridLayout(skills_box)
        taken = set("foxtkdsacn")  # the dialog's own Alt+letters; skills and roles take the next free ones
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.marks = FieldMarks(self.error_label, {
            "title": self.title, "kind": self.kind, "start": self.start, "end": self.end, "station": self.station,
            "area": self.area, "required_skills": skills_box, "allowed_roles": roles_box, "min_crew": self.min_crew,
            "max_crew": self.max_crew, "notes": self.notes,
        }, DUTY_FIELD_LABELS)
        self.start.timeChanged.connect(self._on_times)
        self.end.timeChanged.connect(self._on_times)
        if duty:
            self._fill(duty)
        self._on_times()

    def _fill(self, duty: DutyRecord) -> None:
        start, end = _local(duty.start), _local(duty.end)
        self.title.setText(duty.title)
        select_data(self.kind, duty.kind)
        self.day.setDate(to_qdate(start.date()))
        self.start.setTime(QTime(start.hour, start.minute))
        self.end.setTime(QTime(end.hour, end.minute))
        self.station.setCurrentText(duty.station)
        self.area.setText(duty.area)
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
            station=self.station.currentText(), area=self.area.text(),
            required_skills={k: spin.value() for k, spin in self.skill_counts.items() if spin.value()},
            allowed_roles=[k for k, box in self.role_boxes.items() if box.isChecked()],
            min_crew=self.min_crew.value(), max_crew=self.max_crew.value(),
            patrol_id=(self.duty.patrol_id or "") if self.duty else "",
            status=self.duty.status if self.duty else "planned", notes=self.notes.toPlainText(),
        )

    def save(self) -> bool:
        try:
            inp = self.current_input()
            duty = self.roster.update_duty(self.duty.id, inp) if self.duty else self.roster.add_duty(inp)
        except ValidationError as exc:
            self.marks.show(exc)
            return False
        except RuralWatchError as exc:
            self.marks.show(ValidationError.single("duty", str(exc)))
            return False
        self.saved = duty
        self.saved_duty.emit(duty)
        self.accept()
        return True


# --- the auto-fill proposal -----------------------------------------------------------------------------------


class AutofillDialog(QDialog):
    """What auto-fill would do: the places it fills and the gaps it leaves, with why. Apply or close."""

    def __init__(self, outcome: AutofillOutcome, period: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = outcome
        self.setWindowTitle(f"Auto-fill {period}")
        self.resize(900, 560)
        missing = sum(m for _, m, _ in outcome.gaps)
        summary = QLabel(f"Auto-fill would fill {len(outcome.assignments)} place"
                         f"{'s' if len(outcome.assignments) != 1 else ''} and leave {missing} open "
                         f"on {len(outcome.gaps)} dut{'ies' if len(outcome.gaps) != 1 else 'y'}. "
                         "It never breaks a rostering rule.")
        summary.setWordWrap(True)
        self.assignments = make_table(["When", "Duty", "Station", "Person"])
        in_time_order = sorted(outcome.assignments, key=lambda a: (a[0].start, a[0].station, a[2]))
        for row, (duty, _pid, name) in enumerate(in_time_order):
            self.assignments.insertRow(row)
            for column, text in enumerate((_when(duty), duty.title, duty.station, name)):
                self.assignments.setItem(row, column, item(text, duty.id))
        self.assignments.resizeColumnsToContents()
        self.gaps = make_table(["When", "Duty", "Station", "Open", "Why"])
        self.gaps.setWordWrap(True)
        self.gaps.setTextElideMode(Qt.TextElideMode.ElideNone)
        for row, (duty, places, reasons) in enumerate(outcome.gaps):
            self.gaps.insertRow(row)
            cells = [item(_when(duty), duty.id), item(duty.title), item(duty.station),
                     item(f"⚠ {places} open", number=True), item("; ".join(reasons))]
            for column, cell in enumerate(cells):
                gap = theme.tone("gap")
                cell.setBackground(gap.background)
                cell.setForeground(gap.text)
                cell.setToolTip("; ".join(reasons))
                self.gaps.setItem(row, column, cell)
        for column in range(4):
            self.gaps.resizeColumnToContents(column)
        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton(f"&Apply {len(outcome.assignments)} assignments",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(bool(outcome.assignments))
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(QLabel(f"Places to fill ({len(outcome.assignments)})"))
        layout.addWidget(self.assignments, 3)
        layout.addWidget(QLabel(f"Gaps left open ({len(outcome.gaps)})"))
        layout.addWidget(self.gaps, 2)
        layout.addWidget(buttons)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.gaps.resizeRowsToContents()  # the reasons wrap once the table has its width


# --- the tab -----------------------------------------------------------------------------------------------------


class DutiesTab(QWidget):
    duty_saved = Signal(object)  # DutyRecord
    assigned = Signal(str, str)  # duty id, person id
    autofill_ready = Signal(object)  # AutofillOutcome (the proposal)
    autofill_applied = Signal(object)  # AutofillOutcome (what was applied)
    ics_exported = Signal(object)  # Path

    def __init__(self, services: Services, ops: Operations, problems: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.roster = services.roster
        self.ops = ops
        self.problems = problems
        self.view = "week"
        self.anchor = local_today()
        self.people: list[Person] = []
        self.looks: list[DutyLook] = []
        self.dialogs: list[QDialog] = []
        self.proposal: tuple[date, date, AutofillOutcome] | None = None
        self.autofill_dialog: AutofillDialog | None = None
        self._selected: str | None = None

        # Navigation and filters.
        self.week_button = QPushButton("&Week")
        self.month_button = QPushButton("Mo&nth")
        views = QButtonGroup(self)
        for button in (self.week_button, self.month_button):
            button.setCheckable(True)
            views.addButton(button)
        self.week_button.setChecked(True)
        self.week_button.clicked.connect(lambda: self.set_view("week"))
        self.month_button.clicked.connect(lambda: self.set_view("month"))
        previous = QPushButton("◀ Previous")
        previous.setToolTip("Previous week or month (Alt+Page Up)")
        previous.clicked.connect(lambda: self.step(-1))
        today = QPushButton("To&day")
        today.clicked.connect(lambda: self.go_to(local_today()))
        following = QPushButton("Next ▶")
        following.setToolTip("Next week or month (Alt+Page Down)")
        following.clicked.connect(lambda: self.step(1))
        for keys, step in (("Alt+PgUp", -1), ("Alt+PgDown", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda s=step: self.step(s))
        self.period_label = QLabel()
        font = QFont(self.period_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.period_label.setFont(font)
        self.person_filter = QComboBox()
        self.person_filter.setMinimumContentsLength(16)
        self.person_filter.setToolTip("Show only this person's duties (and export only theirs)")
        self.station_filter = QComboBox()
        self.station_filter.setMinimumContentsLength(12)
        self.person_filter.currentIndexChanged.connect(self._on_filter)
        self.station_filter.currentIndexChanged.connect(self._on_filter)
        add = QPushButton("Add dut&y…")
        add.clicked.connect(lambda: self.open_duty_dialog())
        self.autofill_button = QPushButton("A&uto-fill…")
        self.autofill_button.setToolTip("Fill the open places of the period shown, never breaking a rule; "
                                        "you see the proposal before anything changes")
        self.autofill_button.clicked.connect(lambda: self.autofill())
        export = QPushButton("E&xport .ics…")
        export.setToolTip("The period shown as a calendar file for phones and Outlook: the chosen volunteer's "
                          "duties, or everyone's")
        export.clicked.connect(lambda: self.export_ics())

        navigation = QHBoxLayout()
        for widget in (self.week_button, self.month_button):
            navigation.addWidget(widget)
        navigation.addSpacing(12)
        for widget in (previous, today, following):
            navigation.addWidget(widget)
        navigation.addSpacing(12)
        navigation.addWidget(self.period_label, 1)
        filters = QHBoxLayout()
        filters.addWidget(with_buddy("&Person", self.person_filter))
        filters.addWidget(self.person_filter)
        filters.addWidget(with_buddy("&Station", self.station_filter))
        filters.addWidget(self.station_filter)
        filters.addStretch()
        for widget in (add, self.autofill_button, export):
            filters.addWidget(widget)

        self.grid = CalendarGrid()
        self.grid.duty_selected.connect(self._on_duty_selected)
        self.grid.duty_activated.connect(lambda duty_id: self.open_duty_dialog(duty_id))
        self.legend = QLabel("⚠ amber: open places or a skill still short · blue: crewed · grey: completed or "
                             "cancelled. Hover a duty for details; Enter or double-click edits it.")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(theme.hint_style())
        self.status = status_label()

        calendar_side = QWidget()
        calendar_layout = QVBoxLayout(calendar_side)
        calendar_layout.setContentsMargins(0, 0, 0, 0)
        calendar_layout.addWidget(self.grid, 1)
        calendar_layout.addWidget(self.legend)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(calendar_side)
        splitter.addWidget(self._detail_pane())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([820, 330])

        layout = QVBoxLayout(self)
        layout.addLayout(navigation)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self.refresh()

    def _detail_pane(self) -> QWidget:
        pane = QGroupBox("Selected duty")
        self.duty_title = QLabel("Select a duty in the calendar.")
        self.duty_title.setWordWrap(True)
        font = QFont(self.duty_title.font())
        font.setBold(True)
        self.duty_title.setFont(font)
        self.duty_info = QLabel()
        self.duty_info.setWordWrap(True)
        self.duty_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.crew = QListWidget()
        self.crew.setAccessibleName("Crew of the selected duty")
        self.crew.setMinimumHeight(70)
        unassign_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.crew)
        unassign_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        unassign_shortcut.activated.connect(lambda: self.unassign())
        self.unassign_button = QPushButton("Unassign")
        self.unassign_button.setToolTip("Take the selected crew member off this duty (Delete in the crew list)")
        self.unassign_button.clicked.connect(lambda: self.unassign())
        self.assign_person = QComboBox()
        self.assign_person.setAccessibleName("Person to assign")
        self.assign_person.currentIndexChanged.connect(self._preview_rules)
        self.assign_button = QPushButton("Assi&gn")
        self.assign_button.clicked.connect(lambda: self.assign())
        self.rules_label = QLabel()
        self.rules_label.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason to override a broken rule (recorded)")
        self.reason.setAccessibleName("Override reason")
        self.reason.returnPressed.connect(lambda: self.assign())
        self.edit_button = QPushButton("&Edit duty…")
        self.edit_button.clicked.connect(lambda: self.open_duty_dialog(self._selected))
        self.complete_button = QPushButton("Mar&k completed")
        self.complete_button.setToolTip("The duty took place: its crew's hours count")
        self.complete_button.clicked.connect(lambda: self.set_status("completed"))
        self.cancel_button = QPushButton("Cancel duty")
        self.cancel_button.clicked.connect(lambda: self.set_status("cancelled"))

        assign_row = QHBoxLayout()
        assign_row.addWidget(self.assign_person, 1)
        assign_row.addWidget(self.assign_button)
        status_row = QHBoxLayout()
        for button in (self.edit_button, self.complete_button, self.cancel_button):
            status_row.addWidget(button)
        layout = QVBoxLayout(pane)
        layout.addWidget(self.duty_title)
        layout.addWidget(self.duty_info)
        layout.addWidget(QLabel("Crew"))
        layout.addWidget(self.crew, 1)
        layout.addWidget(self.unassign_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("Assign someone"))
        layout.addLayout(assign_row)
        layout.addWidget(self.rules_label)
        layout.addWidget(self.reason)
        layout.addLayout(status_row)
        self.detail = pane
        self.setTabOrder(self.crew, self.unassign_button)
        self.setTabOrder(self.unassign_button, self.assign_person)
        self.setTabOrder(self.assign_person, self.assign_button)
        self.setTabOrder(self.assign_button, self.reason)
        self.setTabOrder(self.reason, self.edit_button)
        return pane

    # --- period -------------------------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        """The dates shown: Monday to Sunday, or the first to the last of the month."""
        if self.view == "week":
            monday = self.anchor - timedelta(days=self.anchor.weekday())
            return monday, monday + timedelta(days=6)
        first = self.anchor.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)

    def _grid_range(self) -> tuple[date, int]:
        start, end = self.period()
        monday = start - timedelta(days=start.weekday())
        weeks = ((end - monday).days // 7) + 1
        return monday, weeks

    def period_text(self) -> str:
        start, end = self.period()
        if self.view == "month":
            return f"{start:%B %Y}"
        return f"Week of {start:%a %d %b} to {end:%a %d %b %Y}"

    def set_view(self, view: str) -> None:
        self.view = view
        (self.week_button if view == "week" else self.month_button).setChecked(True)
        self.refresh()

    def go_to(self, day: date) -> None:
        self.anchor = day
        self.refresh()

    def step(self, direction: int) -> None:
        if self.view == "week":
            self.anchor += timedelta(days=7 * direction)
        else:
            first = self.anchor.replace(day=1)
            self.anchor = (first + timedelta(days=32)).replace(day=1) if direction > 0 else (
                (first - timedelta(days=1)).replace(day=1))
        self.refresh()

    # --- state --------------------------------------------------------------------------------------------

    def report(self, message: str, problem: bool = True) -> None:
        if problem:
            self.problems.append(message)
        show_status(self.status, message, problem)

    def refresh(self) -> None:
        self.people = self.services.people.list()
        self._fill_filters()
        monday, weeks = self._grid_range()
        person_id = self.person_filter.currentData()
        station = self.station_filter.currentData()
        duties = self.roster.duties(monday, monday + timedelta(days=7 * weeks - 1), person_id)
        if station:
            duties = [d for d in duties if d.station.lower() == station.lower()]
        skills_of = {p.id: p.skills for p in self.people}
        self.looks = [describe(d, skills_of, compact=self.view == "month") for d in duties]
        start, _ = self.period()
        self.grid.show_days(monday, weeks, start.month if self.view == "month" else None, self.looks,
                            local_today())
        self.period_label.setText(self.period_text())
        start, end = self.period()
        shown = [look for look in self.looks if start <= _local(look.duty.start).date() <= end]
        gaps = [look for look in shown if look.state == "gap"]
        self.legend.setToolTip(f"{len(shown)} duties, {len(gaps)} with open places")
        if self._selected and not self.grid.select_duty(self._selected):
            self._selected = None
        self._show_detail()

    def _fill_filters(self) -> None:
        person, station = self.person_filter.currentData(), self.station_filter.currentData()
        for combo in (self.person_filter, self.station_filter):
            combo.blockSignals(True)
            combo.clear()
        self.person_filter.addItem("Everyone", None)
        for p in self.people:
            self.person_filter.addItem(p.name + ("" if p.active else " (left)"), p.id)
        self.station_filter.addItem("All stations", None)
        for name in known_stations(self.people):
            self.station_filter.addItem(name, name)
        select_data(self.person_filter, person)
        select_data(self.station_filter, station)
        for combo in (self.person_filter, self.station_filter):
            combo.blockSignals(False)

    def _on_filter(self) -> None:
        self.refresh()

    def set_person_filter(self, person_id: str | None) -> None:
        select_data(self.person_filter, person_id)

    def look_of(self, duty_id: str) -> DutyLook | None:
        return next((look for look in self.looks if look.duty.id == duty_id), None)

    def selected_duty(self) -> DutyRecord | None:
        look = self.look_of(self._selected) if self._selected else None
        return look.duty if look else None

    def select_duty(self, duty_id: str) -> bool:
        """Select a duty (moving the calendar to its date when it is not on show)."""
        if not self.grid.select_duty(duty_id):
            duty = self.roster.duty(duty_id)
            self.anchor = _local(duty.start).date()
            self.refresh()
            if not self.grid.select_duty(duty_id):
                return False
        self._selected = duty_id
        self._show_detail()
        return True

    def _on_duty_selected(self, duty_id: str | None) -> None:
        if duty_id != self._selected:
            self.reason.clear()
        self._selected = duty_id
        self._show_detail()

    def _show_detail(self) -> None:
        duty = self.selected_duty()
        for widget in (self.crew, self.unassign_button, self.assign_person, self.assign_button, self.reason,
                       self.edit_button, self.complete_button, self.cancel_button):
            widget.setEnabled(duty is not None)
        self.crew.clear()
        if duty is None:
            self.duty_title.setText("Select a duty in the calendar.")
            self.duty_info.setText("")
            self.rules_label.setText("")
            self.assign_person.clear()
            return
        self.duty_title.setText(duty.title)
        roles = ", ".join(PERSON_ROLE_NAMES.get(r, r) for r in duty.allowed_roles)
        needs = ", ".join(f"{SKILL_NAMES.get(s, s)} ×{n}" for s, n in duty.required_skills.items()) or "none"
        missing = _missing_skills(duty, {p.id: p.skills for p in self.people}) if duty.status == "planned" else []
        open_text = f"⚠ {duty.open_places} open" if duty.open_places else "no open places"
        if missing:
            open_text += f" · ⚠ short of {', '.join(missing)}"
        self.duty_info.setText(
            f"{_when(duty)} ({hours_text(duty.hours)} h)\n{DUTY_KIND_NAMES.get(duty.kind, duty.kind)} · "
            f"{STATUS_NAMES.get(duty.status, duty.status)} · {duty.station or 'no station'}"
            f"{' (' + duty.area + ')' if duty.area else ''}\nCrew {len(duty.crew)} of {duty.min_crew}–"
            f"{duty.max_crew} · {open_text}\nSkills needed: {needs}\nWho may do it: {roles}"
            + (f"\nNotes: {duty.notes}" if duty.notes else "")
        )
        overrides = {name: reason for name, reason, _rules in self.roster.overrides(duty.id)}
        for person_id, name in duty.crew:
            entry = QListWidgetItem(name + (f"  (override: {overrides[name]})" if name in overrides else ""))
            entry.setData(Qt.ItemDataRole.UserRole, person_id)
            self.crew.addItem(entry)
        if not duty.crew:
            empty = QListWidgetItem("Nobody on it yet.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.crew.addItem(empty)
        planned = duty.status == "planned"
        for widget in (self.assign_person, self.assign_button, self.reason, self.complete_button,
                       self.cancel_button):
            widget.setEnabled(planned)
        self.unassign_button.setEnabled(planned and bool(duty.crew))
        chosen = self.assign_person.currentData()
        on_crew = {pid for pid, _ in duty.crew}
        self.assign_person.blockSignals(True)
        self.assign_person.clear()
        for p in self.people:
            if p.active and p.id not in on_crew:
                self.assign_person.addItem(f"{p.name} — {PERSON_ROLE_NAMES.get(p.role, p.role)}"
                                           + (f", {p.station}" if p.station else ""), p.id)
        select_data(self.assign_person, chosen)
        self.assign_person.blockSignals(False)
        self._preview_rules()

    def _show_breaches(self, breaches: list[RuleBreach], name: str) -> None:
        if breaches:
            self.rules_label.setStyleSheet(theme.error_style(bold=False))
            self.rules_label.setText(f"{name} would break {len(breaches)} rule{'s' if len(breaches) > 1 else ''}:\n"
                                     + "\n".join(f"• {b.message}" for b in breaches)
                                     + "\nType a reason to assign anyway.")
        else:
            self.rules_label.setStyleSheet(theme.ok_style(bold=False))
            self.rules_label.setText(f"✓ {name} breaks no rostering rule.")

    def _preview_rules(self) -> None:
        duty, person_id = self.selected_duty(), self.assign_person.currentData()
        self.reason.setStyleSheet("")
        if duty is None or person_id is None or duty.status != "planned":
            self.rules_label.setText("")
            return
        try:
            breaches = self.roster.check(duty.id, person_id)
        except RuralWatchError as exc:
            self.rules_label.setText(str(exc))
            return
        self._show_breaches(breaches, self.assign_person.currentText().split(" — ")[0])

    # --- actions ------------------------------------------------------------------------------------------

    def confirm(self, title: str, question: str) -> bool:
        """Ask before an action that cannot simply be undone (tests replace this)."""
        answer = QMessageBox.question(self, title, question, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def open_duty_dialog(self, duty_id: str | None = None) -> DutyDialog:
        """Open the duty form (not blocking); tests fill its fields and call `save()`."""
        duty = self.roster.duty(duty_id) if duty_id else None
        start, _ = self.period()
        day = self.anchor if start <= self.anchor else start
        dialog = DutyDialog(self.roster, duty, day, known_stations(self.people), self)
        dialog.saved_duty.connect(self._on_duty_saved)
        dialog.finished.connect(lambda _result: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def _on_duty_saved(self, duty: DutyRecord) -> None:
        self.select_duty(duty.id)
        self.report(f"Saved {duty.title} on {_when(duty)}.", problem=False)
        self.duty_saved.emit(duty)

    def assign(self, person_id: str | None = None, reason: str | None = None) -> bool:
        """Put someone on the selected duty. Every broken rule is shown; without a reason nothing changes."""
        duty = self.selected_duty()
        person_id = person_id or self.assign_person.currentData()
        if duty is None or person_id is None:
            return False
        if reason is not None:
            self.reason.setText(reason)
        reason_text = self.reason.text().strip()
        name = next((p.name for p in self.people if p.id == person_id), person_id)
        try:
            breaches = self.roster.check(duty.id, person_id)
            self._show_breaches(breaches, name)
            if breaches and not reason_text:
                self.reason.setStyleSheet(theme.invalid_style("QLineEdit"))
                self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
                self.report(f"{name} not assigned: {len(breaches)} rule{'s' if len(breaches) > 1 else ''} broken. "
                            "Type a reason to override, or choose someone else.")
                return False
            self.roster.assign(duty.id, person_id, override_reason=reason_text if breaches else "")
        except RuleBreachError as exc:  # the roster changed since the check
            self._show_breaches(exc.breaches, name)
            self.report(f"{name} not assigned: {exc}")
            return False
        except RuralWatchError as exc:
            self.report(f"{name} not assigned: {exc}")
            return False
        self.reason.clear()
        self.reason.setStyleSheet("")
        self.report(f"{name} assigned to {duty.title}" + (f" (override recorded: {reason_text})" if breaches else "")
                    + ".", problem=False)
        self.refresh()
        self.assigned.emit(duty.id, person_id)
        return True

    def unassign(self, person_id: str | None = None) -> bool:
        duty = self.selected_duty()
        if person_id is None:
            current = self.crew.currentItem()
            person_id = current.data(Qt.ItemDataRole.UserRole) if current else None
        if duty is None or person_id is None:
            return False
        try:
            self.roster.unassign(duty.id, person_id)
        except RuralWatchError as exc:
            self.report(f"Not unassigned: {exc}")
            return False
        self.refresh()
        return True

    def set_status(self, status: str) -> bool:
        duty = self.selected_duty()
        if duty is None:
            return False
        if status == "cancelled" and not self.confirm(
            "Cancel the duty?", f"Cancel {duty.title} on {_when(duty)}? Its crew stay listed but it no longer "
            "counts as a commitment."
        ):
            return False
        try:
            self.roster.set_status(duty.id, status)
        except RuralWatchError as exc:
            self.report(f"Not changed: {exc}")
            return False
        self.report(f"{duty.title} marked {STATUS_NAMES.get(status, status).lower()}.", problem=False)
        self.refresh()
        return True

    # --- auto-fill ----------------------------------------------------------------------------------------

    def autofill(self) -> None:
        """Work out a proposal for the period shown, off the UI thread; it opens for review when ready."""
        start, end = self.period()

        def work(services: Services, progress: Progress) -> AutofillOutcome:
            _go_on(progress, 0)
            outcome = services.roster.autofill(start, end, apply=False)
            _go_on(progress, 1)
            return outcome

        def done(outcome: AutofillOutcome) -> None:
            self.autofill_button.setEnabled(True)
            self.proposal = (start, end, outcome)
            self.report(f"Auto-fill proposal for {self.period_text()}: {len(outcome.assignments)} places to fill, "
                        f"{sum(m for _, m, _ in outcome.gaps)} would stay open.", problem=False)
            self.show_proposal(outcome)
            self.autofill_ready.emit(outcome)

        self.autofill_button.setEnabled(False)
        self.report(f"Working out auto-fill for {self.period_text()}…", problem=False)
        failed = self._task_failed("Auto-fill not worked out")
        self.ops.run("Working out auto-fill…", work, done, on_failed=failed, on_cancelled=failed)

    def _task_failed(self, what: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            self.autofill_button.setEnabled(True)
            self.report(f"{what}: {exc}")
        return failed

    def show_proposal(self, outcome: AutofillOutcome) -> AutofillDialog:
        dialog = AutofillDialog(outcome, self.period_text(), self)
        dialog.accepted.connect(lambda: self.apply_autofill())
        self.autofill_dialog = dialog
        dialog.open()
        return dialog

    def apply_autofill(self) -> None:
        """Apply the reviewed proposal. The service works it out again (deterministically) in one transaction;
        if the roster changed in between, what was really done is reported."""
        if self.proposal is None:
            return
        start, end, proposal = self.proposal

        def work(services: Services, progress: Progress) -> AutofillOutcome:
            _go_on(progress, 0)
            return services.roster.autofill(start, end, apply=True)

        def done(outcome: AutofillOutcome) -> None:
            self.autofill_button.setEnabled(True)
            self.proposal = None
            planned = {(d.id, pid) for d, pid, _ in proposal.assignments}
            done_now = {(d.id, pid) for d, pid, _ in outcome.assignments}
            note = "" if planned == done_now else " The roster had changed since the proposal, so this differs."
            self.report(f"Auto-fill assigned {len(outcome.assignments)} places; "
                        f"{sum(m for _, m, _ in outcome.gaps)} still open.{note}", problem=False)
            self.refresh()
            self.autofill_applied.emit(outcome)

        self.autofill_button.setEnabled(False)
        failed = self._task_failed("Auto-fill not applied")
        self.ops.run("Applying auto-fill…", work, done, on_failed=failed, on_cancelled=failed)

    # --- calendar export ----------------------------------------------------------------------------------

    def export_ics(self, path: Path | None = None) -> Path | None:
        """The period shown as .ics: the chosen volunteer's duties, or everyone's (at the chosen station)."""
        start, end = self.period()
        person_id, station = self.person_filter.currentData(), self.station_filter.currentData()
        who = next((p.name for p in self.people if p.id == person_id), None) or station or "everyone"
        if path is None:
            suggested = f"duties-{who.lower().replace(' ', '-')}-{start.isoformat()}.ics"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export duties calendar", str(Path.home() / suggested),
                                                    "iCalendar (*.ics)")
            if not chosen:
                return None
            path = Path(chosen)
        try:
            count = self.roster.export_calendar(path, start, end, person_id=person_id, station=station,
                                                name=f"RuralWatch duties: {who}")
        except (RuralWatchError, OSError) as exc:
            self.report(f"Calendar not saved: {exc}")
            return None
        target = path
        self.report(f"Saved {count} dut{'y' if count == 1 else 'ies'} ({who}, {self.period_text()}) to {target}.",
                    problem=False)
        self.ics_exported.emit(target)
        return target
