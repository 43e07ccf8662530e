"""The roster panel's People tab (who they are, weekly availability, dates away or extra), and the small
helpers the roster tabs share: status lines, date and time edits (tables, combos and field marks are in
ruralwatch.ui.widgets)."""

from __future__ import annotations

import calendar
from datetime import date, time
from html import escape

from PySide6.QtCore import QDate, QEvent, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.people import DEFAULT_SPECIAL_COMMITMENT_HOURS, Person, PersonInput, WeeklySlotInput
from ruralwatch.core.vocab import (
    AVAILABILITY_EXCEPTION_KINDS,
    PERSON_ROLE_NAMES,
    PERSON_ROLES,
    SKILL_NAMES,
    SKILLS,
    SPECIAL_RANKS,
)
from ruralwatch.core.words import plural
from ruralwatch.services.people import PeopleService
from ruralwatch.services.roster import RosterService, away_warning
from ruralwatch.ui import theme
from ruralwatch.ui.widgets import (
    FieldMarks,
    item,
    make_table,
    saved_or_marked,
    select_data,
    select_part_on_click,
    vocab_combo,
)
from ruralwatch.ui.widgets.district_box import DistrictBox
from ruralwatch.ui.widgets.message_area import MessageArea
from ruralwatch.ui.widgets.unsaved import CANCEL, DISCARD, SAVE, ask_save_discard_cancel

# --- shared by the roster tabs -------------------------------------------------------------------------------

WEEKDAY_NAMES = tuple(calendar.day_name)  # Monday first, as WeeklySlot counts them
NO_SLOTS = "No weekly availability yet: add a slot."
STATUS_SECONDS = 8  # how long "Saved Ian Reed." and the like stay
TIME_FORMAT = "HH:mm"
WEEK_ROWS = 7  # the weekly availability table shows at least a week of slots without scrolling
PEOPLE_SIDE_BY_SIDE_WIDTH = 1100  # narrower than this, the availability goes under the people list
AVAILABILITY_WIDTH = 460  # beside the list: room for the dates-away form's date, kind and times
DATE_FORMAT = "yyyy-MM-dd"


def local_today() -> date:
    return times.to_local(times.utc_now()).date()


def bold(cell: QTableWidgetItem) -> QTableWidgetItem:
    font = QFont(cell.font())
    font.setBold(True)
    cell.setFont(font)
    return cell


def status_label(lines: int = 2) -> MessageArea:
    """A wrapped status message in room of its own (see `MessageArea`): hidden while it has nothing to say (see
    `show_status`), its room kept, so nothing moves when it speaks."""
    label = MessageArea(lines)
    label.hide()
    return label


def show_status(label: QLabel | MessageArea, message: str, problem: bool = False) -> None:
    label.setStyleSheet(theme.error_style(bold=False) if problem else "")
    label.setText(message)
    label.setVisible(bool(message))


def time_edit(value: time | None = None) -> QTimeEdit:
    edit = QTimeEdit(QTime(value.hour, value.minute) if value else QTime(18, 0))
    edit.setDisplayFormat(TIME_FORMAT)
    return select_part_on_click(edit)


def date_edit(value: date | None = None) -> QDateEdit:
    edit = QDateEdit(to_qdate(value or local_today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_FORMAT)
    return select_part_on_click(edit)


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def hhmm(value: QTime) -> str:
    return value.toString(TIME_FORMAT)


def hours_text(hours: float) -> str:
    """``6``, ``2.5``; a short time given is ``<0.1``, not ``0``: a 2-minute patrol showed "0 h" as if none."""
    if 0 < hours < 0.05:
        return "<0.1"
    return f"{hours:.1f}".rstrip("0").rstrip(".") if hours % 1 else f"{hours:.0f}"


def minutes_text(hours: float) -> str:
    """``2 min``, ``1 h 05 min``, ``6 h``: hours to the nearest minute, for tooltips where one decimal hides them."""
    whole, rest = divmod(round(hours * 60), 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h {rest:02d} min" if rest else f"{whole} h"


def commitment_text(hours: float) -> str:
    """``16 h/month``, or ``none``: a regular officer or a volunteer who gave no commitment owes no hours, and
    "0 h/month" read as a promise of nothing kept."""
    return f"{hours_text(hours)} h/month" if hours > 0 else "none"


def with_buddy(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def known_stations(people: list[Person]) -> list[str]:
    return sorted({p.station for p in people if p.station}, key=str.lower)


# --- the person form -----------------------------------------------------------------------------------------

PERSON_FIELD_LABELS = {
    "name": "Name", "role": "Role", "collar_number": "Collar number", "rank": "Rank",
    "skills": "Skills", "station": "Station", "area": "Area", "monthly_commitment_hours": "Monthly commitment",
    "phone": "Phone", "email": "Email", "left_on": "Left on", "notes": "Notes",
}


class PersonDialog(QDialog):
    """Add or edit a person. A failed save keeps everything typed and marks each bad field."""

    saved_person = Signal(object)  # Person

    def __init__(self, people: PeopleService, person: Person | None = None, stations: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.people = people
        self.person = person
        self.saved: Person | None = None
        self.setWindowTitle(f"Edit {person.name}" if person else "New person")
        self.name = QLineEdit()
        self.role = vocab_combo(PERSON_ROLES)
        self.collar_number = QLineEdit()
        self.collar_number.setPlaceholderText("e.g. SC 4127")
        self.rank = vocab_combo(SPECIAL_RANKS)
        self.independent_patrol = QCheckBox("Signed off for &independent patrol")
        self.driving_authorised = QCheckBox("&Driving authorised (police vehicles)")
        self.skill_boxes: dict[str, QCheckBox] = {}
        skills_box = QGroupBox("Skills")
        skills_grid = QGridLayout(skills_box)
        taken = set("nrckidsetpmo")  # the form's Alt+letters; each skill takes the next free one
        for n, (key, label) in enumerate(SKILLS):
            box = QCheckBox(theme.with_mnemonic(label, taken))
            self.skill_boxes[key] = box
            skills_grid.addWidget(box, n // 2, n % 2)
        self.skills_box = skills_box
        self.station = QComboBox()
        self.station.setEditable(True)
        self.station.addItem("")
        self.station.addItems(stations or [])
        # The force's districts, as a duty's Area box offers them (one widget, one rule: the service's).
        self.area = DistrictBox(people.geography)
        self.monthly_commitment_hours = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(60)
        self.notes.setTabChangesFocus(True)
        self.error_label = QLabel()

        form = QFormLayout()
        form.addRow(with_buddy("&Name", self.name), self.name)
        form.addRow(with_buddy("&Role", self.role), self.role)
        form.addRow(with_buddy("&Collar number", self.collar_number), self.collar_number)
        self.rank_label = with_buddy("Ran&k", self.rank)
        form.addRow(self.rank_label, self.rank)
        form.addRow("", self.independent_patrol)
        form.addRow("", self.driving_authorised)
        form.addRow(skills_box)
        form.addRow(with_buddy("&Station", self.station), self.station)
        form.addRow(with_buddy("Ar&ea", self.area), self.area)
        form.addRow(with_buddy("Monthly commi&tment (hours)", self.monthly_commitment_hours),
                    self.monthly_commitment_hours)
        form.addRow(with_buddy("&Phone", self.phone), self.phone)
        form.addRow(with_buddy("E&mail", self.email), self.email)
        form.addRow(with_buddy("N&otes", self.notes), self.notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.marks = FieldMarks(summary=self.error_label, widgets={
            "name": self.name, "role": self.role, "collar_number": self.collar_number, "rank": self.rank,
            "skills": skills_box, "station": self.station, "area": self.area,
            "monthly_commitment_hours": self.monthly_commitment_hours, "phone": self.phone, "email": self.email,
            "notes": self.notes,
        }, labels=PERSON_FIELD_LABELS)
        self.role.currentIndexChanged.connect(self._on_role)
        if person:
            self._fill(person)
        else:
            # No role until one is chosen, as for a new account: the form started on "Police officer (RET)",
            # kept by mistake for the Specials a coordinator mostly adds.
            self.role.setPlaceholderText("choose a role")
            self.role.setCurrentIndex(-1)
        self._on_role()

    def _fill(self, person: Person) -> None:
        self.name.setText(person.name)
        select_data(self.role, person.role)
        self.collar_number.setText(person.collar_number)
        select_data(self.rank, person.rank or "sc")
        self.independent_patrol.setChecked(person.independent_patrol)
        self.driving_authorised.setChecked(person.driving_authorised)
        for key, box in self.skill_boxes.items():
            box.setChecked(key in person.skills)
        self.station.setCurrentText(person.station)
        self.area.setEditText(person.area)
        # No commitment shows as the blank box of the role's default, not "0" (a Special's 0 is not the default).
        no_commitment = person.monthly_commitment_hours == 0 and person.role != "special"
        self.monthly_commitment_hours.setText("" if no_commitment else hours_text(person.monthly_commitment_hours))
        self.phone.setText(person.phone)
        self.email.setText(person.email)
        self.notes.setPlainText(person.notes)

    def _on_role(self) -> None:
        special = self.role.currentData() == "special"
        self.rank.setEnabled(special)
        self.rank_label.setEnabled(special)
        if self.role.currentData() is None:
            self.monthly_commitment_hours.setPlaceholderText(
                f"blank: the role's default ({hours_text(DEFAULT_SPECIAL_COMMITMENT_HOURS)} for a Special)")
            return
        default = f"{hours_text(DEFAULT_SPECIAL_COMMITMENT_HOURS)} hours" if special else "no commitment"
        self.monthly_commitment_hours.setPlaceholderText(f"blank: {default} for this role")

    def current_input(self) -> PersonInput:
        """What the form holds, as typed; the service checks it."""
        return PersonInput(
            name=self.name.text(), role=self.role.currentData() or "", collar_number=self.collar_number.text(),
            rank=self.rank.currentData() if self.role.currentData() == "special" else "",
            independent_patrol=self.independent_patrol.isChecked(),
            driving_authorised=self.driving_authorised.isChecked(),
            skills=[key for key, box in self.skill_boxes.items() if box.isChecked()],
            station=self.station.currentText(), area=self.area.currentText(),
            monthly_commitment_hours=self.monthly_commitment_hours.text().strip() or None,
            phone=self.phone.text(), email=self.email.text(),
            active=self.person.active if self.person else True, left_on=self.person.left_on if self.person else "",
            notes=self.notes.toPlainText(),
        )

    def save(self) -> bool:
        def write() -> Person:
            inp = self.current_input()
            return self.people.update(self.person.id, inp) if self.person else self.people.add(inp)

        person = saved_or_marked(self.marks, write, "person")
        if person is None:
            return False
        self.saved = person
        self.saved_person.emit(person)
        self.accept()
        return True


class LeftDateDialog(QDialog):
    """Asks the date someone left."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark as left")
        self.on = date_edit()
        form = QFormLayout(self)
        note = QLabel(f"{name} stays on record (their hours still count) but will not be rostered again.")
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow(with_buddy("&Left on", self.on), self.on)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


# --- weekly availability -------------------------------------------------------------------------------------


class WeeklyEditor(QWidget):
    """Rows of weekday / from / to. An end at or before the start runs past midnight."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = make_table(["Weekday", "From", "To"], editable=True, alternating=False, stretch_last=False)
        header = self.table.horizontalHeader()
        time_width = time_edit().sizeHint().width() + 12  # cell widgets do not size their column
        widest_day = QComboBox()
        widest_day.addItems(WEEKDAY_NAMES)
        # The weekday as wide as its longest name: stretched across a wide panel it put the times far from it.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, widest_day.sizeHint().width() + 24)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, time_width)
        self.table.setToolTip("UK local time. An end at or before the start runs past midnight.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def set_slots(self, slots: list[tuple[int, time, time]]) -> None:
        self.table.setRowCount(0)
        for weekday, start, end in slots:
            self.add_row(weekday, start, end, announce=False)

    def add_row(self, weekday: int = 0, start: time = time(18, 0), end: time = time(23, 0),
                announce: bool = True) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        day = QComboBox()
        day.addItems(WEEKDAY_NAMES)
        day.setCurrentIndex(weekday)
        day.setAccessibleName(f"Weekday of slot {row + 1}")
        begin, finish = time_edit(start), time_edit(end)
        begin.setAccessibleName(f"Start of slot {row + 1}")
        finish.setAccessibleName(f"End of slot {row + 1}")
        for column, widget in enumerate((day, begin, finish)):
            self.table.setCellWidget(row, column, widget)
        day.currentIndexChanged.connect(self.edited)
        begin.timeChanged.connect(self.edited)
        finish.timeChanged.connect(self.edited)
        if announce:
            self.table.setCurrentCell(row, 0)
            day.setFocus()
            self.edited.emit()
        return row

    def add_next(self) -> int:
        """Add slot: the day after the last slot, at its hours (each click gave Monday 18:00-23:00 again, and a
        walk saved three copies of one evening); Monday evening when there is none."""
        last = self.table.rowCount() - 1
        if last < 0:
            return self.add_row()
        day, begin, finish = (self.table.cellWidget(last, c) for c in range(3))
        start, end = begin.time(), finish.time()
        return self.add_row((day.currentIndex() + 1) % 7, time(start.hour(), start.minute()),
                            time(end.hour(), end.minute()))

    def remove_row(self, row: int | None = None) -> None:
        row = self.table.currentRow() if row is None else row
        if 0 <= row < self.table.rowCount():
            self.table.removeRow(row)
            self.edited.emit()

    def slots(self) -> list[WeeklySlotInput]:
        result = []
        for row in range(self.table.rowCount()):
            day, begin, finish = (self.table.cellWidget(row, c) for c in range(3))
            result.append(WeeklySlotInput(day.currentIndex(), hhmm(begin.time()), hhmm(finish.time())))
        return result

    def mark(self, error: ValidationError) -> None:
        """Slot errors name `slot N`, `slot N start` or `slot N end`: border the widget concerned."""
        self.clear_marks()
        for problem in error.errors:
            parts = problem.field.split()
            if len(parts) < 2 or parts[0] != "slot" or not parts[1].isdigit():
                continue
            row = int(parts[1]) - 1
            column = {"start": 1, "end": 2}.get(parts[2] if len(parts) > 2 else "", None)
            for c in (column,) if column is not None else (1, 2):
                widget = self.table.cellWidget(row, c)
                if widget is not None:
                    widget.setStyleSheet(theme.invalid_style("QTimeEdit"))
                    widget.setToolTip(problem.message)

    def clear_marks(self) -> None:
        for row in range(self.table.rowCount()):
            for column in (1, 2):
                widget = self.table.cellWidget(row, column)
                if widget is not None:
                    widget.setStyleSheet("")
                    widget.setToolTip("")


# --- the tab ---------------------------------------------------------------------------------------------------


class PeopleTab(QWidget):
    person_saved = Signal(object)  # Person
    availability_saved = Signal(str)  # person id
    duties_requested = Signal(list)  # duty ids at risk after a day away: show them in the Duties tab

    # Commitment beside the role and Skills (the long one) last: after Skills, Commitment was off a docked panel
    # at 1366x768.
    COLUMNS = ["Name", "Role", "Commitment", "Station", "Collar no.", "Status", "Skills"]

    def __init__(self, people: PeopleService, problems: list[str], parent: QWidget | None = None,
                 roster: RosterService | None = None) -> None:
        super().__init__(parent)
        self.people_service = people
        self.roster = roster  # to warn when a day away falls on a duty the person is rostered on
        self.problems = problems
        self.people: list[Person] = []
        self.dialogs: list[PersonDialog] = []
        self._editing: str | None = None  # whose availability the editor shows
        self._weekly_dirty = False

        self.add_button = add = QPushButton("&New person…")
        add.clicked.connect(lambda: self.open_person_dialog())
        self.edit_button = QPushButton("Edit &person…")
        self.edit_button.clicked.connect(lambda: self.open_person_dialog(self.selected_id()))
        self.left_button = QPushButton("Mark as l&eft…")
        self.left_button.clicked.connect(lambda: self.mark_left())
        self.show_left = QCheckBox("Sho&w people who have left")
        self.show_left.toggled.connect(self._on_show_left)
        # The buttons, then the count and the filter on a row of their own: side by side they ran off a
        # laptop-width panel (a walk at 1366x768 found "40 active" and the check box cut off).
        top = QVBoxLayout()
        buttons_row = QHBoxLayout()
        for widget in (add, self.edit_button, self.left_button):
            buttons_row.addWidget(widget)
        buttons_row.addStretch()
        self.count_label = QLabel()
        info_row = QHBoxLayout()
        info_row.addWidget(self.count_label)
        info_row.addSpacing(12)
        info_row.addWidget(self.show_left)
        info_row.addStretch()
        top.addLayout(buttons_row)
        top.addLayout(info_row)

        self.table = make_table(self.COLUMNS)
        self.table.setSortingEnabled(False)
        self.table.itemSelectionChanged.connect(self._on_chosen)
        self.table.doubleClicked.connect(lambda _index: self._open_if_editable())
        self.status = status_label()
        self._status_timer = QTimer(self, singleShot=True, interval=STATUS_SECONDS * 1000)
        self._status_timer.timeout.connect(lambda: show_status(self.status, ""))

        # Weekly availability of the selected person.
        self.weekly = WeeklyEditor()
        self.weekly.edited.connect(self._on_weekly_edited)
        self.add_slot_button = add_slot = QPushButton("Add &slot")
        add_slot.clicked.connect(lambda: self.weekly.add_next())
        self.remove_slot_button = remove_slot = QPushButton("Remove slot")
        remove_slot.clicked.connect(lambda: self.weekly.remove_row())
        self.save_weekly_button = QPushButton("Save availa&bility")
        self.save_weekly_button.clicked.connect(lambda: self.save_weekly())
        slot_buttons = QHBoxLayout()
        for button in (add_slot, remove_slot):
            slot_buttons.addWidget(button)
        slot_buttons.addStretch()
        slot_buttons.addWidget(self.save_weekly_button)
        self.weekly_status = status_label()
        self.weekly_box = QWidget()
        weekly_layout = QVBoxLayout(self.weekly_box)
        weekly_layout.setContentsMargins(0, 4, 0, 0)  # the tab's own frame is margin enough
        weekly_layout.addWidget(self.weekly, 1)
        weekly_layout.addLayout(slot_buttons)
        weekly_layout.addWidget(self.weekly_status)

        # Dates away or extra.
        self.exceptions = make_table(["Date", "Kind", "Times", "Note"])
        self.exception_date = date_edit()
        # The last day of a run of dates (a fortnight's holiday is one entry); it follows the first day until set.
        self.exception_to = date_edit()
        self.exception_to.setToolTip("The last day away or extra (the same as the first for one day)")
        self.exception_to.setAccessibleName("Last day")
        self._exception_from = self.exception_date.date()
        self.exception_date.dateChanged.connect(self._first_day_changed)
        self.exception_kind = vocab_combo(AVAILABILITY_EXCEPTION_KINDS)
        self.all_day = QCheckBox("All da&y")
        self.all_day.setChecked(True)
        self.exception_start = time_edit(time(18, 0))
        self.exception_end = time_edit(time(23, 0))
        for edit in (self.exception_start, self.exception_end):
            edit.setEnabled(False)
            self.all_day.toggled.connect(lambda whole, e=edit: e.setEnabled(not whole))
        self.exception_note = QLineEdit()
        self.exception_note.setPlaceholderText("note (optional), e.g. holiday")
        # Enter after the note adds the date(s), as Add does (the panel has no default button: it did nothing).
        self.exception_note.returnPressed.connect(lambda: self.add_exception())
        self.add_exception_button = add_exception = QPushButton("Add &date")
        add_exception.clicked.connect(lambda: self.add_exception())
        self.remove_exception_button = remove_exception = QPushButton("Remove selected date")
        remove_exception.clicked.connect(lambda: self.remove_exception())
        # One message area for the dates: what was refused, or what a run of dates added.
        self.exception_error = status_label(3)  # room for the warning naming a rostered duty
        self.exception_status = self.exception_error
        self.exception_marks = FieldMarks(summary=self.exception_error, widgets={
            "date": self.exception_date, "kind": self.exception_kind, "start": self.exception_start,
            "end": self.exception_end, "to": self.exception_to,
        }, labels={"date": "Date", "kind": "Kind", "start": "From", "end": "To", "to": "Last day"})
        # Alt letters for the first day and the times (a keyboard user could not reach them): every letter of
        # "from" is the menu bar's or the incident filters', hence "between ... and".
        when = QHBoxLayout()
        when.addWidget(with_buddy("Fir&st day", self.exception_date))
        when.addWidget(self.exception_date)
        when.addWidget(QLabel("to"))
        when.addWidget(self.exception_to)
        when.addStretch()
        # The kind and the times on rows of their own: with the first day's label they ran off a docked panel.
        kind = QHBoxLayout()
        kind.addWidget(with_buddy("&Kind", self.exception_kind))
        kind.addWidget(self.exception_kind)
        kind.addWidget(self.all_day)
        kind.addStretch()
        hours = QHBoxLayout()
        hours.addWidget(with_buddy("&between", self.exception_start))
        hours.addWidget(self.exception_start)
        hours.addWidget(QLabel("and"))
        hours.addWidget(self.exception_end)
        hours.addStretch()
        exception_buttons = QHBoxLayout()
        exception_buttons.addWidget(add_exception)
        exception_buttons.addWidget(remove_exception)
        exception_buttons.addStretch()
        self.exceptions_box = QWidget()
        exceptions_layout = QVBoxLayout(self.exceptions_box)
        exceptions_layout.setContentsMargins(0, 4, 0, 0)
        exceptions_layout.addWidget(self.exceptions, 1)
        exceptions_layout.addLayout(when)
        exceptions_layout.addLayout(kind)
        exceptions_layout.addLayout(hours)
        exceptions_layout.addWidget(self.exception_note)
        exceptions_layout.addLayout(exception_buttons)
        exceptions_layout.addWidget(self.exception_error)

        # Weekly availability and the dates away on tabs of their own under the people list: side by side they
        # ran off a laptop-width panel (1366x768), one above the other they needed a scroll area around tables
        # that scroll themselves, and with Larger text each table showed a row or less.
        self.availability_title = QLabel()
        self.availability_tabs = QTabWidget()
        self.availability_tabs.setDocumentMode(True)
        self.availability_tabs.addTab(self.weekly_box, "&Usual week")
        self.availability_tabs.addTab(self.exceptions_box, "Dates away or e&xtra")
        self.availability_tabs.setTabToolTip(0, "The hours this person is usually free, week after week")
        self.availability_tabs.setTabToolTip(1, "Dates this person is away, or free beyond their usual week")
        # The tabs as tall as the page on show, not the taller of the two: the dates-away form under the usual week
        # left the people list four rows at 1366x768.
        self.availability_tabs.currentChanged.connect(lambda _i: self._fit_availability())
        self._fit_availability()
        # Dates away opening shrinks the list (the taller page takes the height): the person whose dates they are
        # stays in view (they scrolled out of it). The range changes once the list has its new height.
        self.table.verticalScrollBar().rangeChanged.connect(lambda _low, _high: self._keep_chosen_in_view())
        availability = QWidget()
        availability_layout = QVBoxLayout(availability)
        availability_layout.setContentsMargins(0, 4, 0, 0)
        availability_layout.addWidget(self.availability_title)
        availability_layout.addWidget(self.availability_tabs, 1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(availability)
        # The list takes the height; the availability what its page needs, until the handle is moved by hand.
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        self._availability = availability
        self._sized_by_hand = False
        splitter.splitterMoved.connect(self._moved_by_hand)

        # What the role may not do is not offered (the service refuses it anyway): a Special saw New person… and
        # the rest as if they worked. The service says what the signed-in account may do.
        self.may_edit_people = people.may_edit_people()
        for button in (add, self.edit_button, self.left_button):
            button.setVisible(self.may_edit_people)
        # Someone on the roster whose account is linked to no one there cannot give their availability: said once,
        # at the top, with who can put it right (an administrator links accounts to people).
        self.link_hint = QLabel(
            "<b>Your account is not linked to your entry in the roster</b>, so you cannot give your availability or "
            "see your own duties yet. Ask an administrator to link it: Account ▸ Accounts…, select your account, "
            "choose your name under <i>Person</i> and press <i>Link</i>.")
        self.link_hint.setWordWrap(True)
        self.link_hint.setTextFormat(Qt.TextFormat.RichText)
        self.link_hint.setStyleSheet(theme.warning_style())
        self.link_hint.setVisible(people.needs_own_person())

        # Days away that fall on duties the person is rostered on: said at the top, where it is seen (under the
        # dates-away form it was below the fold at 1366x768, seen only by scrolling the panel), with the way to
        # those duties. It stays until dismissed or the next date is added.
        self.away_banner = QWidget()
        self.away_banner_text = QLabel()
        self.away_banner_text.setWordWrap(True)
        self.away_banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.away_banner_text.setStyleSheet(theme.warning_style())
        self.away_duties_button = QPushButton("Show the duties")
        self.away_duties_button.setToolTip("Open the Duties tab on the first of them, to assign someone else")
        self.away_duties_button.clicked.connect(lambda: self.duties_requested.emit(list(self._away_duties)))
        dismiss = QPushButton("OK")
        dismiss.setToolTip("Hide this warning (the duties stay marked at risk in the calendar)")
        dismiss.clicked.connect(lambda: self.show_away_warning("", []))
        banner_layout = QHBoxLayout(self.away_banner)
        banner_layout.setContentsMargins(0, 0, 0, 0)
        banner_layout.addWidget(self.away_banner_text, 1)
        banner_buttons = QVBoxLayout()
        banner_buttons.addWidget(self.away_duties_button)
        banner_buttons.addWidget(dismiss)
        banner_buttons.addStretch()
        banner_layout.addLayout(banner_buttons)
        self._away_duties: list[str] = []
        self.away_banner.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)  # the tab's frame is round it: its height goes to the list
        layout.addWidget(self.link_hint)
        layout.addWidget(self.away_banner)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self._size_tables()
        self.refresh()
        # One's own entry chosen to start with: a walk's Special, signed in to give their availability, met "select
        # a person above" and a greyed editor.
        own = people.own_person_id()
        if own and self.selected_id() is None:
            self.select_person(own)

    def _moved_by_hand(self, _pos: int, _index: int) -> None:
        self._sized_by_hand = True

    def _share_height(self) -> None:
        """Under the list, the availability its page's least height, the people list the rest (at 1366x768 the list
        had four rows under availability tabs sized for the dates-away form). Beside it (a wide tab), the
        availability its page's least width."""
        if self._sized_by_hand:
            return
        total = sum(self.splitter.sizes())
        beside = self.splitter.orientation() == Qt.Orientation.Horizontal
        hint = self._availability.minimumSizeHint()
        least = max(hint.width(), AVAILABILITY_WIDTH) if beside else hint.height()
        if total > least:
            self.splitter.setSizes([total - least, least])

    def _place_availability(self) -> None:
        """The availability beside the people list when the tab is wide (the roster in front has the window's
        width), under it when narrow: under it at 1366x768 there was room for ten people or a week of slots, not
        both."""
        orientation = (Qt.Orientation.Horizontal if self.width() >= PEOPLE_SIDE_BY_SIDE_WIDTH
                       else Qt.Orientation.Vertical)
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            self._sized_by_hand = False  # a divider moved by hand the other way round means nothing now

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_availability()
        self._share_height()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Larger text: the rows are taller
            self._size_tables()

    def _size_tables(self) -> None:
        """Room for a few rows in each table at the current text size."""
        line = self.fontMetrics().height()
        self.table.setMinimumHeight(line + 10 + 4 * (line + 10))
        # A week of rows (its rows hold boxes): with room for two, a coordinator saw Wednesday and Saturday of a
        # person free five evenings a week and had to scroll a table two rows high.
        self.weekly.table.setMinimumHeight(line + 10 + WEEK_ROWS * (line + 16))
        self.exceptions.setMinimumHeight(line + 10 + 3 * (line + 10))

    def _fit_availability(self) -> None:
        """Only the page on show sets the availability tabs' height (a hidden page's size is ignored)."""
        current = self.availability_tabs.currentWidget()
        for index in range(self.availability_tabs.count()):
            page = self.availability_tabs.widget(index)
            policy = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
            page.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        self.availability_tabs.updateGeometry()
        if hasattr(self, "splitter"):
            self._share_height()

    def _tab_chain(self) -> None:
        """Tab goes down the page: people, the weekly rows in order, their buttons, then dates away or extra."""
        weekly = [self.weekly.table.cellWidget(r, c) for r in range(self.weekly.table.rowCount()) for c in range(3)]
        chain = [self.show_left, self.table, self.weekly.table, *weekly, self.add_slot_button,
                 self.remove_slot_button, self.save_weekly_button, self.exceptions, self.exception_date,
                 self.exception_kind, self.all_day, self.exception_start, self.exception_end, self.exception_note,
                 self.add_exception_button, self.remove_exception_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- state --------------------------------------------------------------------------------------------

    def report(self, message: str, problem: bool = True) -> None:
        if problem:
            self.problems.append(message)
        show_status(self.status, message, problem)
        # What a save did goes after a while ("Saved Ian Reed." stayed on screen for good, as if just done); a
        # problem stays until the next message.
        if problem:
            self._status_timer.stop()
        else:
            self._status_timer.start()

    def refresh(self) -> None:
        """Read the people again, keeping the selection. The person whose weekly availability is typed and not
        saved stays listed (and what was typed stays) even when they have since left and left people are hidden:
        a refresh, a change from elsewhere or marking them left dropped it without a word. Choosing another person
        then asks, as always; once it is settled they go from the list."""
        selected = self.selected_id()
        everyone = self.people_service.list()
        unsaved = self._editing if self._weekly_dirty else None
        if unsaved and all(p.id != unsaved for p in everyone):
            # Removed (from another laptop, or the command line): there is no one to save it for any more.
            name = next((p.name for p in self.people if p.id == unsaved), "a person")
            self._weekly_dirty = False
            self.report(f"{name} was removed elsewhere: the weekly availability typed for them was not saved.")
            unsaved = None
        self.people = [p for p in everyone if p.active or self.show_left.isChecked() or p.id == unsaved]
        hidden_but_unsaved = next((p for p in self.people if p.id == unsaved and not p.active
                                   and not self.show_left.isChecked()), None)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.people))
        for row, person in enumerate(self.people):
            skills = ", ".join(SKILL_NAMES.get(s, s) for s in person.skills)
            state = "Active" if person.active else f"Left {person.left_on}".strip()
            cells = [
                item(person.name, person.id),
                item(PERSON_ROLE_NAMES.get(person.role, person.role)),
                item(commitment_text(person.monthly_commitment_hours), number=True), item(person.station),
                item(person.collar_number), item(state), item(skills),
            ]
            if person.synthetic:  # as in the incident list: demo data in italics
                font = QFont(cells[0].font())
                font.setItalic(True)
                cells[0].setFont(font)
                cells[0].setToolTip("Demo data: a synthetic person, not a real volunteer")
            for column, cell in enumerate(cells):
                if not person.active:
                    cell.setForeground(theme.hint_colour())
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)
        if selected and not self.select_person(selected):
            self.table.clearSelection()
        self._on_selection()
        active = sum(p.active for p in everyone)
        self.count_label.setText(f"{active} active, {len(everyone) - active} left")
        if hidden_but_unsaved is not None:
            self.report(f"{hidden_but_unsaved.name} has left; listed until the weekly availability typed for them "
                        "is saved or discarded.", problem=False)

    def _listed_anyway(self, person_id: str | None) -> bool:
        """Whether `person_id` is listed only because their typed availability is not saved (see `refresh`)."""
        person = next((p for p in self.people if p.id == person_id), None)
        return person is not None and not person.active and not self.show_left.isChecked()

    def _on_show_left(self, shown: bool) -> None:
        """Hiding the people who have left while one of them has weekly availability typed and not saved asks Save,
        Discard or Cancel, as choosing another person does. Cancel, or a save the rules refuse, keeps the box
        ticked and what was typed."""
        editing = self._editing
        person = next((p for p in self.people if p.id == editing), None)
        if not shown and self._weekly_dirty and person is not None and not person.active:
            answer = self.ask_unsaved("Availability not saved",
                                      f"The weekly availability of {person.name} is not saved.\n\n"
                                      "Save it before hiding the people who have left?")
            if answer == CANCEL or (answer == SAVE and not self.save_weekly(editing)):
                self.show_left.blockSignals(True)
                self.show_left.setChecked(True)
                self.show_left.blockSignals(False)
                return
            if answer == DISCARD:
                self._weekly_dirty = False
        self.refresh()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.people[rows[0].row()].id if rows else None

    def selected_person(self) -> Person | None:
        person_id = self.selected_id()
        return next((p for p in self.people if p.id == person_id), None)

    def _keep_chosen_in_view(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self.table.scrollTo(current)

    def select_person(self, person_id: str) -> bool:
        for row, person in enumerate(self.people):
            if person.id == person_id:
                self.table.selectRow(row)
                return True
        return False

    def _on_chosen(self) -> None:
        """Another person chosen with the weekly availability typed for the one before not saved: Save, Discard
        or Cancel, as on signing out or closing (it was thrown away without a word). Cancel, or a save the rules
        refuse (the reason beside the editor), keeps the one before selected and what was typed."""
        leaving = self._editing
        if self._weekly_dirty and leaving and self.selected_id() != leaving:
            name = next((p.name for p in self.people if p.id == leaving), "this person")
            chosen = self.selected_person()
            doing = f"showing {chosen.name}'s" if chosen else "leaving it"
            answer = self.ask_unsaved("Availability not saved",
                                      f"The weekly availability of {name} is not saved.\n\nSave it before {doing}?")
            if answer == CANCEL or (answer == SAVE and not self.save_weekly(leaving)):
                self._select_quietly(leaving)
                return
            if answer == DISCARD:
                self._weekly_dirty = False
        self._on_selection()
        if leaving and leaving != self._editing and self._listed_anyway(leaving):
            # Settled: a person who has left goes from the list again (after this selection change is handled).
            QTimer.singleShot(0, self, self.refresh)

    def ask_unsaved(self, title: str, question: str) -> str:
        """SAVE, DISCARD or CANCEL. Tests replace this."""
        return ask_save_discard_cancel(self, title, question)

    def _select_quietly(self, person_id: str) -> None:
        """Select `person_id` again without loading anything: the editor still holds what was typed for them."""
        self.table.blockSignals(True)
        try:
            if not self.select_person(person_id):
                self.table.clearSelection()
        finally:
            self.table.blockSignals(False)

    def _open_if_editable(self) -> None:
        if self.may_edit_people:
            self.open_person_dialog(self.selected_id())

    def _on_selection(self) -> None:
        person = self.selected_person()
        self.edit_button.setEnabled(person is not None)
        # One's own availability, or anyone's for a coordinator: others' is shown, not offered for change.
        editable = person is not None and self.people_service.may_edit_availability(person.id)
        for widget in (self.weekly_box, self.exceptions_box):
            widget.setEnabled(editable)
        self.left_button.setEnabled(person is not None and person.active)
        if person is None:
            self._editing = None
            self._weekly_dirty = False  # nothing typed is held for no one
            self.weekly.set_slots([])
            self.exceptions.setRowCount(0)
            self.availability_title.setText("Availability: select a person above.")
            self._count_exceptions()
            return
        self.availability_title.setText(f"<b>Availability of {escape(person.name)}</b> (UK time)" + (
            "" if editable else " · yours and a coordinator's to change: shown only"))
        if person.id != self._editing or not self._weekly_dirty:
            # The same person again (the refresh after their own save): what the save said stays in view.
            self._load_weekly(person.id, keep_status=person.id == self._editing)
        self._load_exceptions(person.id)

    def _load_weekly(self, person_id: str, keep_status: bool = False) -> None:
        self._editing = person_id
        slots = self.people_service.weekly_pattern(person_id)
        self.weekly.blockSignals(True)
        self.weekly.set_slots([(s.weekday, s.start, s.end) for s in slots])
        self.weekly.blockSignals(False)
        self._weekly_dirty = False
        self._tab_chain()
        if not (keep_status and slots and self.weekly_status.text() != NO_SLOTS):
            show_status(self.weekly_status, "" if slots else NO_SLOTS)

    def unsaved_changes(self) -> list[str]:
        """What the tab holds that is not saved, a phrase each: the weekly availability being edited."""
        if not (self._weekly_dirty and self._editing):
            return []
        name = next((p.name for p in self.people if p.id == self._editing), "")
        return [f"the weekly availability of {name}" if name else "a weekly availability"]

    def save_unsaved(self) -> bool:
        """Save what `unsaved_changes` names; False (the problem shown by the editor) when it is refused."""
        return not self.unsaved_changes() or self.save_weekly()

    def _on_weekly_edited(self) -> None:
        self._weekly_dirty = True
        self._tab_chain()
        show_status(self.weekly_status, "Changed: save to keep it.")

    def _load_exceptions(self, person_id: str) -> None:
        rows = self.people_service.exceptions_of(person_id)
        kinds = dict(AVAILABILITY_EXCEPTION_KINDS)
        self.exceptions.setRowCount(len(rows))
        for row, (exception_id, exception, note) in enumerate(rows):
            hours = (f"{exception.start:%H:%M}–{exception.end:%H:%M}" if exception.start and exception.end
                     else "all day")
            cells = [item(exception.on.isoformat(), exception_id), item(kinds.get(exception.kind, exception.kind)),
                     item(hours), item(note)]
            for column, cell in enumerate(cells):
                self.exceptions.setItem(row, column, cell)
        self.exceptions.resizeColumnsToContents()
        self._count_exceptions()

    def _count_exceptions(self) -> None:
        """The dates tab says how many there are, so they are not missed behind the weekly tab."""
        count = self.exceptions.rowCount()
        self.availability_tabs.setTabText(1, f"Dates away or e&xtra ({count})" if count else "Dates away or e&xtra")

    # --- actions ------------------------------------------------------------------------------------------

    def open_person_dialog(self, person_id: str | None = None) -> PersonDialog:
        """Open the person form (not blocking); tests fill its fields and call `save()`."""
        person = self.people_service.get(person_id) if person_id else None
        dialog = PersonDialog(self.people_service, person, known_stations(self.people), self)
        dialog.saved_person.connect(self._on_person_saved)
        dialog.finished.connect(lambda _result: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def _on_person_saved(self, person: Person) -> None:
        self.refresh()
        self.select_person(person.id)
        self.report(f"Saved {person.name}.", problem=False)
        self.person_saved.emit(person)

    def ask_left_date(self, person: Person) -> date | None:
        """The date someone left, asked in a small dialog (tests pass the date to `mark_left` instead)."""
        dialog = LeftDateDialog(person.name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return from_qdate(dialog.on.date())

    def mark_left(self, person_id: str | None = None, on: date | None = None) -> bool:
        person_id = person_id or self.selected_id()
        if person_id is None:
            return False
        person = self.people_service.get(person_id)
        on = on or self.ask_left_date(person)
        if on is None:
            return False
        try:
            self.people_service.mark_left(person_id, on)
        except RuralWatchError as exc:
            self.report(f"{person.name} not marked as left: {exc}")
            return False
        self.refresh()
        self.report(f"{person.name} marked as left on {on.isoformat()}; their hours still count.", problem=False)
        return True

    def save_weekly(self, person_id: str | None = None, slots: list[WeeklySlotInput] | None = None) -> bool:
        person_id = person_id or self._editing
        if person_id is None:
            return False
        slots = self.weekly.slots() if slots is None else slots
        try:
            self.people_service.set_weekly(person_id, slots)
        except ValidationError as exc:
            self.weekly.mark(exc)
            show_status(self.weekly_status, "Not saved: " + "; ".join(str(e) for e in exc.errors), problem=True)
            self.problems.append(str(exc))
            return False
        except RuralWatchError as exc:
            show_status(self.weekly_status, f"Not saved: {exc}", problem=True)
            self.problems.append(str(exc))
            return False
        self.weekly.clear_marks()
        self._load_weekly(person_id)
        show_status(self.weekly_status, f"Saved {len(slots)} weekly {plural(len(slots), 'slot')}.")
        self.availability_saved.emit(person_id)
        return True

    def _first_day_changed(self, first: QDate) -> None:
        """The last day keeps up: it moves with the first while it was the same day, and is never before it."""
        if self.exception_to.date() == self._exception_from or self.exception_to.date() < first:
            self.exception_to.setDate(first)
        self._exception_from = first

    def add_exception(self, person_id: str | None = None, on: date | None = None, kind: str | None = None,
                      start: str | None = None, end: str | None = None, note: str | None = None,
                      last: date | None = None) -> str | None:
        """Add a date away or extra, or every date from the first to the last day: from the form, or from the
        values given (tests; `on` alone is that one day). The id of the first row added."""
        person_id = person_id or self.selected_id()
        if person_id is None:
            return None
        whole_day = self.all_day.isChecked()
        if last is None:
            last = on or from_qdate(self.exception_to.date())
        on = on or from_qdate(self.exception_date.date())
        kind = kind or self.exception_kind.currentData()
        start = start if start is not None else ("" if whole_day else hhmm(self.exception_start.time()))
        end = end if end is not None else ("" if whole_day else hhmm(self.exception_end.time()))
        note = note if note is not None else self.exception_note.text()
        self.show_away_warning("", [])  # an earlier warning must not stay as if about this date
        try:
            added = self.people_service.add_exceptions(person_id, on.isoformat(), last.isoformat(), kind, start, end,
                                                       note)
        except ValidationError as exc:
            self.exception_status.hide()
            self.exception_marks.show(exc, "Not added:")
            self.problems.append(str(exc))
            return None
        self.exception_marks.clear()
        self.exception_note.clear()
        self._load_exceptions(person_id)
        if not added:
            show_status(self.exception_status, "Already there: nothing added.")
            return None
        clashes = self.roster.rostered_while_away(person_id, on, last) if self.roster and kind == "away" else []
        if clashes:
            # Said where the date was added, in the warning's colour: the Special learnt nothing, and the duty
            # stayed "crewed" for the coordinator.
            name = self.people_service.get(person_id).name
            self.show_away_warning("⚠ " + away_warning(name, clashes), [d.id for d in clashes])
            show_status(self.exception_status, f"⚠ Added, but {name} is rostered then: see the warning at the top.")
            self.exception_status.setStyleSheet(theme.warning_style())
        elif len(added) > 1:
            show_status(self.exception_status, f"{len(added)} dates added, {on:%d %b} to {last:%d %b %Y}.")
        else:
            show_status(self.exception_status, "")  # an earlier warning must not stay as if about this date
        return added[0]

    def show_away_warning(self, text: str, duty_ids: list[str]) -> None:
        """The warning at the top of the tab about duties now at risk (empty text: hide it)."""
        self._away_duties = duty_ids
        self.away_banner_text.setText(text)
        self.away_duties_button.setText("Show the duty" if len(duty_ids) == 1 else "Show the duties")
        self.away_duties_button.setVisible(bool(duty_ids))
        self.away_banner.setVisible(bool(text))

    def remove_exception(self, exception_id: str | None = None) -> bool:
        if exception_id is None:
            rows = self.exceptions.selectionModel().selectedRows()
            if not rows:
                return False
            exception_id = self.exceptions.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        try:
            self.people_service.remove_exception(exception_id)
        except RuralWatchError as exc:
            self.report(f"Not removed: {exc}")
            return False
        if self._editing:
            self._load_exceptions(self._editing)
        return True
