"""Patrol panel, planning side: the patrol form (crew checked live) and the plan editor (suggest, reorder, brief)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import geo, times
from ruralwatch.core.crime_types import type_groups
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.patrol import PatrolInput, PatrolRecord, new_patrol_window, patrol_window
from ruralwatch.core.patrol_plan import PLAN_SOURCES, PlanStop
from ruralwatch.core.people import person_matches
from ruralwatch.core.permissions import who_may
from ruralwatch.core.vocab import PATROL_PURPOSES, PERSON_ROLE_NAMES, SKILL_NAMES
from ruralwatch.patrols.crew import CrewIssue
from ruralwatch.patrols.plan import Candidate, Plan, PlanSettings, candidate_of
from ruralwatch.patrols.roads import ATTRIBUTION as ROADS_ATTRIBUTION
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.services.container import Services
from ruralwatch.ui import settings_keys, theme
from ruralwatch.ui.widgets import FieldMarks, MessageArea, make_table, select_part_on_click
from ruralwatch.ui.widgets.completion import close_list_on_leave
from ruralwatch.ui.widgets.district_box import list_while_several
from ruralwatch.ui.widgets.follow_focus import MARGIN as FOCUS_MARGIN
from ruralwatch.ui.widgets.follow_focus import follow_focus
from ruralwatch.ui.widgets.growing_strip import GrowingStrip
from ruralwatch.ui.widgets.stored_numbers import show_stored, typed_or_stored
from ruralwatch.ui.widgets.type_choice import TypeChoice

LABEL_ROLE = Qt.ItemDataRole.UserRole + 1  # a crew entry's name and role, without the hint
SKILLS_ROLE = Qt.ItemDataRole.UserRole + 2
COLLAR_ROLE = Qt.ItemDataRole.UserRole + 3  # the collar number as stored, which the filter compares by collar_key
FREE_ROLE = Qt.ItemDataRole.UserRole + 4  # free at the patrol's time (None: not worked out)
STOP_COLUMN, WHY_COLUMN = 4, 5  # of a plan's stops table: # | Arrive | Leave | At stop | Stop | Why
ALERT_COLOUR = "#b71c1c"  # a strong red with white text on it: reads the same on light and dark palettes
ROLE_ORDER = {"officer": 0, "special": 1, "volunteer": 2}
# A person's hint beside their name in the crew list: the first thing in the way of joining (by issue code).
HINT_WORDS = {"unavailable": "not available", "double_booked": "on another duty", "rest": "too little rest",
              "weekly_hours": "over weekly hours", "inactive": "has left"}
FIELD_LABELS = {"date": "Date", "start": "Start", "end": "End", "area": "Area", "purpose": "Purpose",
                "crew": "Crew", "base": "Base", "title": "Title", "status": "Status"}

# in_background(title, operation(the worker's services) -> result, done(result), failure text, after_failure()):
#               see PatrolPanel.in_background
InBackground = Callable[..., None]
Report = Callable[[str], None]


# --- small shared widgets -------------------------------------------------------------------------------------


def set_rows(table: QTableWidget, rows: list[list[Any]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = "" if value is None else str(value)
            item = QTableWidgetItem(text)
            if len(text) > 24:
                item.setToolTip(text)
            if isinstance(value, (int, float)):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    theme.fit_columns_to_font(table)  # and again when the text size changes


def table_rows(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def wrap_stop_and_why(table: QTableWidget) -> QTableWidget:
    """A plan's stops in a docked panel: the Stop and Why columns share the width the times leave and wrap, each
    row as tall as its text. At 1366x768 both ran off the side and the reasons took sideways scrolling to read."""
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in (STOP_COLUMN, WHY_COLUMN):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def wrapped_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class _ScrollPage(QWidget):
    """A scroll page whose least height is what it needs at the width it has. Qt takes a wrapped label's least
    height at its least width (a one-line note 90 px wide is ten lines), so the Plan tab on a 1366x768 screen
    scrolled with room to spare and hid the line saying what the stops came from below the fold; laid out, a
    vertical box gives each wrapped label its height at the real width, and the table takes what is left."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth() or self.width() <= 0:
            return hint
        return QSize(hint.width(), min(hint.height(), layout.totalHeightForWidth(max(self.width(), hint.width()))))


def scroll_page(owner: QWidget) -> QVBoxLayout:
    """A layout inside a frameless scroll area that fills `owner`: a tall page scrolls on a short screen."""
    inner = _ScrollPage()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    follow_focus(scroll)
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return QVBoxLayout(inner)


def hhmm(moment: Any) -> str:
    """A stored UTC text or a datetime as UK local HH:MM."""
    value = times.from_storage(moment) if isinstance(moment, str) else moment
    return times.to_local(value).strftime("%H:%M")


def window_text(record: PatrolRecord) -> str:
    start, end = times.to_local(record.start), times.to_local(record.end)
    return f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}"


def ran_text(record: PatrolRecord) -> str:
    """When a patrol ran (started, to its end or "under way"); its planned window until it started."""
    if not record.started_at:
        return window_text(record)
    until = record.ran_until
    began = f"{times.to_local(record.ran_from):%a %d %b %Y %H:%M}"
    return f"{began}–{times.to_local(until):%H:%M}" if until else f"{began}, under way"


def route_of(record: PatrolRecord, plan: Plan | None = None) -> dict[str, Any]:
    """What MapView.show_route draws for a patrol's saved plan; with its timed `plan` by road, the road route
    (and the OpenStreetMap attribution) too."""
    return _route(record.stops, record.base, plan)


def route_of_plan(plan: Plan) -> dict[str, Any]:
    """What MapView.show_route draws for a suggested plan nobody has saved (the plan preview)."""
    return _route(plan.stops, plan.start_point, plan)


def _route(stops: Sequence[PlanStop], base: tuple[float, float] | None, plan: Plan | None) -> dict[str, Any]:
    route: dict[str, Any] = {
        "stops": [{"seq": s.seq, "lat": s.lat, "lon": s.lon, "label": s.label,
                   "arrive": hhmm(s.arrive), "leave": hhmm(s.leave)} for s in stops],
        "base": list(base) if base else None,
    }
    if plan is not None and plan.route_path:
        route["path"] = [[lat, lon] for lat, lon in plan.route_path]
        route["attribution"] = ROADS_ATTRIBUTION
    return route


def issue_html(issues: list[CrewIssue]) -> str:
    """Crew problems as lines that read without colour (a word and a symbol say how serious each is)."""
    lines = []
    for issue in issues:
        if issue.severity == "error":
            lines.append(f'<span style="color:{theme.error_colour().name()}"><b>✖ Must fix:</b> '
                         f'{html.escape(issue.message)}</span>')
        elif issue.severity == "override":
            lines.append(f'<span style="color:{theme.warning_colour().name()}"><b>⚠ Needs a reason:</b> '
                         f'{html.escape(issue.message)}</span>')
        else:
            lines.append(f'<span style="color:{theme.warning_colour().name()}"><b>⚠ Warning:</b> '
                         f'{html.escape(issue.message)}</span>')
    return "<br>".join(lines)


# --- the patrol form ------------------------------------------------------------------------------------------



def new_window() -> tuple[QDate, QTime, QTime]:
    """The day and times a new patrol offers (core.patrol.new_patrol_window)."""
    day, start, end = new_patrol_window(times.to_local(times.utc_now()))
    return QDate(day.year, day.month, day.day), QTime(start.hour, start.minute), QTime(end.hour, end.minute)


def next_evening() -> QDate:
    """The day a new patrol is offered for: tonight until the evening is over."""
    return new_window()[0]

# Said on the buttons a role without patrol.plan sees greyed (an analyst typed a whole patrol, then was refused).
# From the permissions table, as the services check it; an analyst is pointed at what they may do instead.
NOT_A_PLANNER = (f"Your role may not plan patrols: {who_may('patrol.plan')} do. "
                 "Patrols ▸ Preview a targeted plan… suggests one from crime harm and exports it as a plan pack")


class PatrolForm(QWidget):
    """New or edit patrol. A refused save keeps everything entered and points at each bad field."""

    saved = Signal(object)  # PatrolRecord
    pickBaseRequested = Signal(bool)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.record: PatrolRecord | None = None
        self.last_issues: list[CrewIssue] = []
        self._loading = False
        self._snapshot_text = ""

        self.heading = wrapped_label("New patrol")
        theme.emphasise(self.heading, 1.2)
        # A refusal shows over Save, outside the scrolling page: the room it kept under the heading while hidden was
        # a large gap at 1366x768 that pushed Save below the fold, and beside Save it is read where it was asked for.
        self.error_label = MessageArea(4)
        self.error_label.setStyleSheet(theme.error_style())
        policy = self.error_label.sizePolicy()
        policy.setRetainSizeWhenHidden(False)
        self.error_label.setSizePolicy(policy)
        self.error_label.hide()

        self.title = QLineEdit()
        self.title.setPlaceholderText("optional: made from the purpose and area")
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd (ddd)")
        self.start = QTimeEdit(QTime(18, 0))
        self.end = QTimeEdit(QTime(22, 0))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("HH:mm")
        for edit in (self.day, self.start, self.end):
            select_part_on_click(edit)
        self.start.setToolTip("UK time")
        self.end.setToolTip("UK time; at or before the start means the patrol runs past midnight")
        self.area = QComboBox()
        self.area.setEditable(True)
        self.area.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        areas = services.geography.current().areas  # the chosen force's districts and wards
        for area in areas.districts():
            self.area.addItem(area.label)
        for area in areas.wards():
            self.area.addItem(area.label)
        completer = QCompleter([self.area.itemText(i) for i in range(self.area.count())], self.area)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.area.setCompleter(completer)
        close_list_on_leave(self.area)
        self.area.setCurrentIndex(-1)
        self.area.lineEdit().setPlaceholderText("type or pick one")
        # Enter or leaving the box takes the one area a half-typed name stands for ("Uttles" was kept as typed and
        # the save refused); Enter on a name several areas begin with shows them instead. The geography service
        # holds the rule, so `patrol create --area` takes the same beginnings.
        self._geography = services.geography
        self.area.lineEdit().returnPressed.connect(lambda: self.settle_area(enter=True))
        self.area.lineEdit().editingFinished.connect(self.settle_area)
        # Tab on a beginning several areas share opens their list instead of leaving the box.
        list_while_several(self.area, services.geography.areas_starting_with)
        self.purpose = QComboBox()
        for key, label in PATROL_PURPOSES:
            self.purpose.addItem(label, key)
        self.purpose.setCurrentIndex(self.purpose.findData("general_rural_patrol"))

        self.crew_filter = QLineEdit()
        self.crew_filter.setPlaceholderText("Filter people by name, role or collar number…")
        self.crew_filter.setClearButtonEnabled(True)
        # On by default: a walk scrolled past some thirty Specials marked not available to find the two free. Anyone
        # ticked stays listed. Untick it to list everyone, e.g. to keep someone on despite the rules (with a reason).
        self.available_only = QCheckBox("Available only")  # no Alt letter: the window and this page use all of its
        self.available_only.setChecked(True)
        self.available_only.setToolTip("List only the people free at the patrol's time under the rostering rules "
                                       "(and anyone ticked). Untick to list everyone")
        self.available_only.toggled.connect(lambda _on: self._filter_crew(self.crew_filter.text()))
        self.crew = QListWidget()
        self.crew.setMinimumHeight(240)  # about 12 people visible: a crew is picked from the whole roster
        # Each person on two lines (who; then free or not, and skills), wrapped to the panel's width: at 1366 px the
        # hints were behind two levels of sideways scrolling.
        self.crew.setWordWrap(True)
        self.crew.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.crew.setToolTip("Tick the crew (Space ticks the highlighted person)")
        # The crew check shows all its lines (in a 3-line scroll box four "Needs a reason" lines were unreadable); the
        # reason box sits under it, over Save, with its room kept while hidden: ticking a person changes the check,
        # and a box that moved as it did took a reason typed where it had been.
        self.crew_issues = wrapped_label()
        self.crew_issues.setTextFormat(Qt.TextFormat.RichText)
        self.crew_issues.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.crew_issues.setAccessibleName("Crew check")
        # Crew who break a rostering rule (availability, rest, weekly hours) can be kept only with a reason, which
        # is recorded with their crew place, as for a duty. Shown only when the check finds such a problem.
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText("Reason to keep this crew despite the rules above (needed to save)")
        self.override_reason.setAccessibleName("Reason to override the rostering rules")
        self.override_reason.setClearButtonEnabled(True)
        policy = self.override_reason.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.override_reason.setSizePolicy(policy)
        self.override_reason.hide()

        self.vehicle = QLineEdit()
        self.vehicle.setPlaceholderText("e.g. Ford Ranger YX21 ABC")
        self.call_sign = QLineEdit()
        self.call_sign.setPlaceholderText("e.g. RURAL21")
        self.base = QLineEdit()
        self.base.setPlaceholderText("optional grid reference: where the route starts and ends")
        self.pick_base = QPushButton("Pic&k on map")
        self.pick_base.setCheckable(True)
        self.pick_base.toggled.connect(self.pickBaseRequested.emit)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(80)
        self.save_button = QPushButton("&Save patrol")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)

        when = QHBoxLayout()  # the times under the day: beside it they ran off a laptop-width panel
        when.addWidget(QLabel("from"))
        when.addWidget(self.start, 1)
        when.addWidget(QLabel("to"))
        when.addWidget(self.end, 1)
        when.addStretch(1)
        base_row = QHBoxLayout()
        base_row.addWidget(self.base, 1)
        base_row.addWidget(self.pick_base)
        crew_box = QVBoxLayout()
        find_row = QHBoxLayout()
        find_row.addWidget(self.crew_filter, 1)
        find_row.addWidget(self.available_only)
        crew_box.addLayout(find_row)
        crew_box.addWidget(self.crew)
        form = QFormLayout()
        form.addRow("Titl&e", self.title)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # labels above fields when narrow
        day_and_times = QVBoxLayout()  # the day, and under it from … to …
        day_and_times.addWidget(self.day)
        day_and_times.addLayout(when)
        form.addRow(self._buddy("Da&y", self.day), day_and_times)
        form.addRow("&District or ward", self.area)
        form.addRow("P&urpose", self.purpose)
        form.addRow(self._buddy("Cre&w", self.crew_filter), crew_box)
        form.addRow("&Patrol vehicle", self.vehicle)
        form.addRow("Call si&gn", self.call_sign)
        form.addRow(self._buddy("&Base", self.base), base_row)
        form.addRow("&Notes", self.notes)
        self.field_widgets: dict[str, QWidget] = {
            "title": self.title, "date": self.day, "start": self.start, "end": self.end, "area": self.area,
            "purpose": self.purpose, "crew": self.crew, "base": self.base, "override_reason": self.override_reason,
        }
        self.marks = FieldMarks(self.field_widgets, self.error_label, FIELD_LABELS)

        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addWidget(self.heading)
        inner_layout.addLayout(form)
        inner_layout.addStretch()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the form fits its width
        self.scroll.setWidget(inner)
        follow_focus(self.scroll)
        # Save under the page, always in view: at 1366x768 it was below the fold, under the crew and the notes.
        buttons = QHBoxLayout()
        buttons.setContentsMargins(6, 2, 6, 2)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.error_label)
        # The crew check and the reason box over Save, in view wherever the page is scrolled: under the list they
        # were below the fold at 1366x768. The reason box last, so the check's lines changing never move it, and
        # their room only grows while one patrol is shown, so nothing on the page moves under the pointer either.
        self.crew_strip = GrowingStrip(self.crew_issues, self.override_reason)
        layout.addWidget(self.crew_strip)
        layout.addLayout(buttons)

        self.crew_filter.textChanged.connect(self._filter_crew)
        self.crew.itemChanged.connect(lambda _item: self.check_crew())
        for signal in (self.day.dateChanged, self.start.timeChanged, self.end.timeChanged,
                       self.purpose.currentIndexChanged):
            signal.connect(lambda *_: self.check_crew())
            signal.connect(lambda *_: None if self._loading else self._show_hints())
        self.load(None)

    def settle_area(self, enter: bool = False) -> None:
        """The area box's text made the area it stands for when only one area begins with it; on Enter with
        several, the completer lists them."""
        text = self.area.currentText()
        chosen = self._geography.complete_area(text)
        if chosen is not None:
            if chosen != text:
                self.area.setEditText(chosen)
        elif enter and len(self._geography.areas_starting_with(text)) > 1:
            # On the next turn: the completer hides its list after the Enter that reached the box (when the list was
            # already open as the name was typed), which would close it again at once.
            QTimer.singleShot(0, self.area, lambda: self._list_areas(text.strip()))

    def _list_areas(self, prefix: str) -> None:
        completer = self.area.completer()
        completer.setCompletionPrefix(prefix)
        completer.complete()

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # --- filling ------------------------------------------------------------------------------------------

    def reload_people(self) -> None:
        """Refill the crew list (people were added or changed), keeping who is ticked."""
        self._fill_people(self.crew_ids())
        self.check_crew()

    def _fill_people(self, ticked: list[str]) -> None:
        people = {p.id: p for p in self.services.people.list(active_only=True)}
        for person_id in ticked:  # someone who has since left stays on the patrol they were crewed for
            if person_id not in people:
                try:
                    people[person_id] = self.services.people.get(person_id)
                except RuralWatchError:
                    continue
        was_loading, self._loading = self._loading, True
        self.crew.clear()
        for person in sorted(people.values(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.name.lower())):
            role = PERSON_ROLE_NAMES.get(person.role, person.role)
            extra = ", independent patrol" if person.role == "special" and person.independent_patrol else ""
            collar = f", {person.collar_number}" if person.collar_number else ""
            item = QListWidgetItem(f"{person.name} — {role}{collar}{extra}")
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setData(LABEL_ROLE, item.text())
            item.setData(SKILLS_ROLE, ", ".join(SKILL_NAMES.get(s, s) for s in person.skills))
            item.setData(COLLAR_ROLE, person.collar_number)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if person.id in ticked else Qt.CheckState.Unchecked)
            self.crew.addItem(item)
        self._loading = was_loading
        self._show_hints()
        self._filter_crew(self.crew_filter.text())

    def _show_hints(self) -> None:
        """Beside each name, whether they are free at the patrol's time and their skills; the reasons in the
        tooltip. Worked out again when the day, the times or the purpose change."""
        try:
            start, end = patrol_window(self._day(), self.start.time().toString("HH:mm"),
                                       self.end.time().toString("HH:mm"))
            ids = [self.crew.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.crew.count())]
            hints = self.services.patrols.crew_hints(ids, self.purpose.currentData(), start, end,
                                                     self.record.id if self.record else None)
        except RuralWatchError:
            hints = {}
        was_loading, self._loading = self._loading, True  # a new text is an itemChanged: not a crew change
        for i in range(self.crew.count()):
            item = self.crew.item(i)
            issues = hints.get(item.data(Qt.ItemDataRole.UserRole))
            skills = item.data(SKILLS_ROLE) or "no listed skills"
            item.setData(FREE_ROLE, None if issues is None else not issues)
            if issues is None:
                item.setText(item.data(LABEL_ROLE))
                item.setToolTip(f"Skills: {skills}")
                continue
            state = (f"✖ {HINT_WORDS.get(issues[0].code, 'not free')}" if issues else "✓ available")
            item.setText(f"{item.data(LABEL_ROLE)}\n    {state}   ·   {skills}")
            item.setToolTip("\n".join([f"Skills: {skills}"] + ([issue.message for issue in issues]
                                                                or ["Free at this time under the rostering rules."])))
        self._loading = was_loading
        self._filter_crew(self.crew_filter.text())  # who is free changed with the time

    def _filter_crew(self, text: str) -> None:
        """Names, roles or collar numbers; a collar number with or without its spaces (core.people.person_matches:
        "SC4125" found nobody stored as "SC 4125"). With Available only, the people free at the patrol's time and
        those ticked. Not on a tick: a name unticked stays where it is under the pointer."""
        items = [self.crew.item(i) for i in range(self.crew.count())]
        free = sum(item.data(FREE_ROLE) is True for item in items)
        # Nobody free then (a patrol late at night): everyone listed, and said, rather than an empty list.
        only_free = self.available_only.isChecked() and free > 0
        for item in items:
            busy = item.data(FREE_ROLE) is False and item.checkState() != Qt.CheckState.Checked
            item.setHidden(not person_matches(text, item.text(), item.data(COLLAR_ROLE)) or (only_free and busy))
        self.available_only.setText(f"Available only ({free})" if free or not items
                                    else "Available only (none: all listed)")

    def load(self, record: PatrolRecord | None) -> None:
        """Show a patrol (None: a blank new patrol for this evening, from the next quarter hour once it began)."""
        self._loading = True
        self.record = record
        self.scroll.verticalScrollBar().setValue(0)  # from the top: a new patrol opened scrolled down, title unseen
        self.crew_strip.reset()
        self._clear_errors()
        if record is None:
            self.heading.setText("New patrol")
            self.title.clear()
            day, start, end = new_window()
            self.day.setDate(day)
            self.start.setTime(start)
            self.end.setTime(end)
            self.area.setCurrentIndex(-1)
            self.area.setEditText("")
            self.purpose.setCurrentIndex(self.purpose.findData("general_rural_patrol"))
            for edit in (self.vehicle, self.call_sign, self.base):
                edit.clear()
            self.notes.clear()
            self.override_reason.clear()
            self._fill_people([])
        else:
            start, end = times.to_local(record.start), times.to_local(record.end)
            self.heading.setText(f"{record.title} ({window_text(record)})")
            self.title.setText(record.title)
            self.day.setDate(QDate(start.year, start.month, start.day))
            self.start.setTime(QTime(start.hour, start.minute))
            self.end.setTime(QTime(end.hour, end.minute))
            self.area.setEditText(record.area)
            self.purpose.setCurrentIndex(max(0, self.purpose.findData(record.purpose)))
            self.vehicle.setText(record.vehicle)
            self.call_sign.setText(record.call_sign)
            self.base.setText(geo.lat_lon_to_grid_ref(*record.base) if record.base else "")
            self.notes.setPlainText(record.notes)
            self._fill_people([pid for pid, _ in record.crew])
        may_plan = self.services.store.actor.can("patrol.plan")
        editable = may_plan and (record is None or record.status.can_edit_plan)
        self.save_button.setEnabled(editable)
        if not may_plan:
            self.save_button.setToolTip(NOT_A_PLANNER)
        elif record is not None and not editable:
            self.save_button.setToolTip(f"The patrol is {record.status.text}: it can no longer be changed")
        else:
            self.save_button.setToolTip("")
        self._loading = False
        self.check_crew()
        self._snapshot_text = self._snapshot()

    def set_base(self, lat: float, lon: float) -> None:
        self.base.setText(geo.lat_lon_to_grid_ref(lat, lon))
        self.pick_base.setChecked(False)

    # --- reading ------------------------------------------------------------------------------------------

    def crew_ids(self) -> list[str]:
        return [self.crew.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.crew.count())
                if self.crew.item(i).checkState() == Qt.CheckState.Checked]

    def _day(self) -> date:
        return self.day.date().toPython()

    def current_input(self) -> PatrolInput:
        lat = lon = None
        if self.base.text().strip():
            point = geo.typed_point(self.base.text(), "base")
            lat, lon = point.lat, point.lon
        return PatrolInput(
            day=self._day(), start=self.start.time().toString("HH:mm"), end=self.end.time().toString("HH:mm"),
            area=self.area.currentText().strip(), purpose=self.purpose.currentData(), title=self.title.text(),
            vehicle=self.vehicle.text(), call_sign=self.call_sign.text(), crew=self.crew_ids(),
            start_lat=lat, start_lon=lon, notes=self.notes.toPlainText(),
        )

    def _snapshot(self) -> str:
        return repr((self.title.text(), self._day(), self.start.time().toString(), self.end.time().toString(),
                     self.area.currentText(), self.purpose.currentData(), sorted(self.crew_ids()),
                     self.vehicle.text(), self.call_sign.text(), self.base.text(), self.notes.toPlainText()))

    def is_modified(self) -> bool:
        return self._snapshot() != self._snapshot_text

    # --- crew check ---------------------------------------------------------------------------------------

    def check_crew(self) -> list[CrewIssue]:
        """Check the ticked crew against the rules and everyone's other duties; show what it finds."""
        if self._loading:
            return self.last_issues
        try:
            start, end = patrol_window(self._day(), self.start.time().toString("HH:mm"),
                                       self.end.time().toString("HH:mm"))
            same_time = self.record is not None and (start, end) == (self.record.start, self.record.end)
            issues = self.services.patrols.check_crew(self.crew_ids(), self.purpose.currentData(), start, end,
                                                      self.record.id if self.record else None, roster_rules=True,
                                                      honour_overrides=same_time)
        except RuralWatchError as exc:
            self.crew_issues.setText(f"<i>Crew not checked: {html.escape(str(exc))}</i>")
            self.last_issues = []
            return []
        self.last_issues = issues
        self.override_reason.setVisible(any(issue.severity == "override" for issue in issues))
        if not self.crew_ids():  # nobody ticked yet: a hint, not an error before the user has done anything
            self.crew_issues.setText("<i>Tick the crew: at least one officer or independent Special.</i>")
        elif issues:
            self.crew_issues.setText(issue_html(issues))
        else:
            self.crew_issues.setText("✓ The crew meets the rules.")
        return issues

    # --- saving -------------------------------------------------------------------------------------------

    def _clear_errors(self) -> None:
        self.marks.clear()

    def show_errors(self, error: ValidationError, attention: QWidget | None = None) -> None:
        """Mark the refused fields; the field that needs the user (`attention`, else the first marked one) gets the
        focus and is scrolled into view, with as much of the message above it as fits."""
        first = self.marks.show(error, focus=attention is None)
        field = attention or first
        if field is not None:
            field.setFocus(Qt.FocusReason.OtherFocusReason)
        page = self.scroll.widget()
        if page is not None and page.layout() is not None:
            page.layout().activate()  # positions as they will be drawn, the message and the box now shown
        if field is not None and self.scroll.isAncestorOf(field):  # the message is over Save, always in view
            self.scroll.ensureWidgetVisible(field, 0, FOCUS_MARGIN)

    def save(self) -> PatrolRecord | None:
        """Create or update the patrol; None (with the reasons shown and the input kept) when refused."""
        try:
            inp = self.current_input()
            reason = self.override_reason.text().strip()  # "" (not None): the rostering rules are enforced
            if self.record is None:
                record, issues = self.services.patrols.create(inp, override_reason=reason)
            else:
                record, issues = self.services.patrols.update(self.record.id, inp, override_reason=reason)
        except RuleBreachError as exc:
            self.override_reason.show()
            if exc.issues and all(issue in self.last_issues for issue in exc.issues):
                # The crew check above Save lists each rule broken, person by person: repeated in the refusal they
                # were cut off and, with the reason box, left the crew list ~3 rows in view. One line says what to do.
                exc = ValidationError.single("crew", "it breaks the rules listed above Save: give a reason to "
                                                     "override, or change the crew")
            self.show_errors(exc, attention=self.override_reason)  # the reason box is what the user types next
            return None
        except ValidationError as exc:
            self.show_errors(exc)
            return None
        except RuralWatchError as exc:
            self.show_errors(ValidationError.single("patrol", str(exc)))
            return None
        self._clear_errors()
        self.override_reason.clear()
        self.load(record)  # checks the saved crew again: overrides now recorded show as such
        if issues:
            self.crew_issues.setText("Saved. " + issue_html(self.last_issues))
        self.saved.emit(record)
        return record


# --- the plan editor ------------------------------------------------------------------------------------------


def ask_patrol_pdf(parent: QWidget, record: PatrolRecord, prefix: str, title: str) -> Path | None:
    """Where to save one of a patrol's PDFs (the briefing pack, the after-action summary): the user's folder,
    named after the call sign and day; None when the chooser was cancelled."""
    name = f"{prefix}-{record.call_sign or 'patrol'}-{times.to_local(record.start):%Y-%m-%d}.pdf"
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / name), "PDF (*.pdf)")
    return Path(chosen) if chosen else None


class PlanEditor(QWidget):
    """The stops of a patrol: suggested from harm hotspots in the background, then reordered, dropped or added
    by hand; every edit is saved and the times recomputed by the service. Also writes the briefing pack."""

    routeChanged = Signal(object)  # route dict for MapView.show_route, or None to clear
    planReady = Signal(object)  # Plan, after "Suggest plan"
    briefSaved = Signal(object)  # Path

    def __init__(self, services: Services, in_background: InBackground, report: Report,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.in_background = in_background
        self.report = report
        self.patrol: PatrolRecord | None = None
        self.plan: Plan | None = None
        self.pools: dict[str, dict[str, Candidate]] = {}  # patrol id -> candidates seen (key -> candidate)
        self._loading_pool: set[str] = set()
        self._pool_runs = 0  # places-to-add runs started: only the latest one's answer is shown
        self._pool_said = ""  # what the places' search last said under the plan (cleared once a choice finds some)
        self._shown: dict[QDoubleSpinBox, float] = {}  # what each settings box showed when given the patrol's

        self.heading = wrapped_label("Open or create a patrol to plan it.")
        theme.emphasise(self.heading)
        # Whole minutes and km/h as a rule, but a patrol's own may have a fraction (a default of 12.5 minutes):
        # shown as stored (show_stored), or leaving the box would retime the plan with the rounded value.
        self.dwell = QDoubleSpinBox(decimals=0)
        self.dwell.setRange(0, 120)
        self.dwell.setSuffix(" min")
        self.dwell.setToolTip("Minutes the crew stays at each stop, visible (\"dwell\"; Koper curve: 10-15 minutes "
                              "deters longest)")
        self.road_factor = QDoubleSpinBox()
        self.road_factor.setRange(1.0, 3.0)
        self.road_factor.setSingleStep(0.1)
        self.road_factor.setDecimals(2)
        self.road_factor.setToolTip("Road distance vs straight line: how much longer the drive is by road. "
                                    "Road distance = straight-line distance × this (1.4 is typical in rural areas); "
                                    "not used when the plan is timed by road")
        self.speed = QDoubleSpinBox(decimals=0)
        self.speed.setRange(5, 130)
        self.speed.setSuffix(" km/h")
        self.speed.setToolTip("Average driving speed between stops (by road: the speed of each class of road)")
        # Whose crime harm Suggest plan weighs: a force new to RuralWatch has only published crime.
        self.source = QComboBox()
        for key, words in PLAN_SOURCES:
            self.source.addItem(words, key)
        self.source.setToolTip("Whose crime harm picks the stops: ours (hotspots of the 12 months to the patrol and "
                               "the last 28 days' incidents), published crime (its latest 12 months; places "
                               "anonymised), or both over the 12 months, each month from one: published crime for "
                               "the months it holds, ours for the rest, so nothing counts twice. Automatic: ours when "
                               "any fall in the area, else published crime")
        # Which crime types' harm picks the stops (published types and our kinds alike), the Analysis panel's
        # widget: a rural patrol need not be sent to the town centre's shoplifting. Kept with the patrol's plan.
        self.plan_types = TypeChoice("Crime types")
        self.plan_types.set_groups(type_groups())
        self.plan_types.setToolTip("Which crimes' harm picks the stops (published crime types and our incident "
                                   "kinds); kept with the patrol and said in the plan's note. Click to choose.")
        self._show_settings(PlanSettings())
        for box in (self.dwell, self.road_factor, self.speed):
            box.editingFinished.connect(self.apply_settings)
        self.source.activated.connect(lambda _index: self.apply_settings())
        self.plan_types.changed.connect(self._types_changed)

        self.suggest_button = QPushButton("Su&ggest plan")
        self.suggest_button.setToolTip("Pick the most harmful hotspots that fit the patrol window (runs in the "
                                       "background)")
        self.suggest_button.clicked.connect(self.suggest)
        self.brief_button = QPushButton("&Brief crew (PDF)…")
        self.brief_button.setToolTip("Write the briefing pack: plan, map, recent incidents, vehicles of interest")
        self.brief_button.clicked.connect(lambda: self.brief())
        self.table = wrap_stop_and_why(make_table(["#", "Arrive", "Leave", "At stop", "Stop", "Why"]))
        self.table.horizontalHeaderItem(3).setToolTip("Minutes planned at the stop (dwell)")
        self.table.setMinimumHeight(160)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move dow&n")
        self.drop_button = QPushButton("Dro&p stop")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.drop_button.clicked.connect(self.drop)
        for keys, slot in (("Ctrl+Up", lambda: self.move(-1)), ("Ctrl+Down", lambda: self.move(1)),
                           ("Delete", self.drop)):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        self.add_choice = QComboBox()
        self.add_choice.setMinimumContentsLength(24)
        self.add_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.add_button = QPushButton("Add &stop")
        self.add_button.setToolTip("Add the chosen place after the selected stop (or at the end)")
        self.add_button.clicked.connect(lambda: self.add_stop())
        self.totals = wrapped_label()
        self.source_note = wrapped_label()  # what the stops came from, and published crime's caveats
        self.note = wrapped_label()
        self.note.setStyleSheet(theme.warning_style())

        # Plain words first, the analysts' term after it: "Dwell" and "Road factor" meant nothing to a new officer.
        # "Dwell" meant nothing to a new officer: plain words on the label; each label's hover text says what the
        # setting is ("Road factor": road distance against the straight line). One row: a second pushed the plan's
        # notes below the fold of a docked panel.
        settings_row = QHBoxLayout()
        for text, widget in (("Time at stop (d&well)", self.dwell), ("Roa&d factor", self.road_factor),
                             ("Sp&eed", self.speed)):
            label = QLabel(text)
            label.setBuddy(widget)
            label.setToolTip(widget.toolTip())
            settings_row.addWidget(label)
            settings_row.addWidget(widget)
        settings_row.addStretch()
        top = QHBoxLayout()
        top.addWidget(self.suggest_button)
        # No Alt letter of its own: every letter of "from" is taken on this page or by the menu bar (File, Map, the
        # incident table's From and To); Tab from Suggest plan reaches it.
        from_label = QLabel("from")
        from_label.setBuddy(self.source)
        top.addWidget(from_label)
        top.addWidget(self.source)
        top.addWidget(self.plan_types)
        top.addStretch()
        edit_row = QHBoxLayout()
        for button in (self.up_button, self.down_button, self.drop_button):
            edit_row.addWidget(button)
        edit_row.addStretch()
        # Under the plan it briefs: beside Suggest plan it left no room for Crime types in a laptop's dock.
        edit_row.addWidget(self.brief_button)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_choice, 1)
        add_row.addWidget(self.add_button)
        # The page scrolls inside its tab: otherwise its height became the whole panel's minimum, and on a laptop
        # screen the dock scrolled the panel as one, tab bar and all.
        layout = scroll_page(self)
        layout.addWidget(self.heading)
        layout.addLayout(settings_row)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(edit_row)
        layout.addLayout(add_row)
        layout.addWidget(self.totals)
        layout.addWidget(self.source_note)
        layout.addWidget(self.note)
        self._update_buttons()

    # --- state --------------------------------------------------------------------------------------------


    def _say(self, text: str, warning: bool = True) -> None:
        """The note under the plan: a warning (something left out, nothing found) or plain news (saved, working)."""
        self.note.setStyleSheet(theme.warning_style() if warning else "")
        self.note.setText(text)

    def _say_of_pool(self, text: str) -> None:
        self._pool_said = text
        self._say(text)

    def editable(self) -> bool:
        return (self.patrol is not None and self.patrol.status.can_edit_plan
                and self.services.store.actor.can("patrol.plan"))

    def settings(self) -> PlanSettings:
        base = self.patrol.settings if self.patrol else PlanSettings()
        shown = self._shown
        return replace(base, dwell_minutes=typed_or_stored(self.dwell, shown.get(self.dwell), base.dwell_minutes),
                       road_factor=typed_or_stored(self.road_factor, shown.get(self.road_factor), base.road_factor),
                       speed_kmh=typed_or_stored(self.speed, shown.get(self.speed), base.speed_kmh),
                       harm_source=str(self.source.currentData()), exclude_types=self.plan_types.left_out())

    def _show_settings(self, settings: PlanSettings) -> None:
        for box, value in ((self.dwell, settings.dwell_minutes), (self.road_factor, settings.road_factor),
                           (self.speed, settings.speed_kmh)):
            box.blockSignals(True)
            show_stored(box, value)
            box.blockSignals(False)
            self._shown[box] = box.value()
        self.source.setCurrentIndex(max(0, self.source.findData(settings.harm_source)))
        left_out = settings.exclude_types
        if not left_out and not settings.planned_from:  # never suggested: the planner's last choice
            left_out = tuple(settings_keys.PLAN_TYPES_LEFT_OUT.read().split("\n"))
        self.plan_types.set_groups(type_groups(), left_out)

    def _types_changed(self) -> None:
        settings_keys.PLAN_TYPES_LEFT_OUT.write("\n".join(self.plan_types.left_out()))
        self.apply_settings()

    def set_patrol(self, record: PatrolRecord | None) -> None:
        """Show a patrol's saved plan (None: nothing open). The same record again keeps the selection."""
        if record is not None and record == self.patrol:
            return
        same = self.patrol is not None and record is not None and self.patrol.id == record.id
        self.patrol = record
        if not same:
            self.note.clear()
        if record is None:
            self.heading.setText("Open or create a patrol to plan it.")
            self.plan = None
            set_rows(self.table, [])
            self.totals.clear()
            self._fill_add_choice()
            self._update_buttons()
            self.routeChanged.emit(None)
            return
        area = "" if record.area in record.title else f", {record.area}"
        self.heading.setText(f"{record.title}: {window_text(record)}{area}")
        self._show_settings(record.settings)
        self._show_plan(self.timed(record))
        if self.editable() and record.id not in self.pools:
            self._load_candidates()

    def timed(self, record: PatrolRecord) -> Plan | None:
        """The saved stops with the plan's totals (recomputed in the saved order, exactly as edit_plan would)."""
        try:
            return self.services.patrols.timed(record)
        except RuralWatchError:
            return None

    def _show_plan(self, plan: Plan | None) -> None:
        record = self.patrol
        assert record is not None
        self.plan = plan
        pool = self.pools.setdefault(record.id, {})
        for stop in record.stops:
            pool.setdefault(stop.key, candidate_of(stop))
        set_rows(self.table, [
            [s.seq, hhmm(s.arrive), hhmm(s.leave), f"{s.dwell_minutes:g} min", s.label, s.reason]
            for s in record.stops
        ])
        self.source_note.setText(plan.source_note if plan is not None and record.stops else "")
        if not record.stops:
            self.totals.setText("No stops yet: press Suggest plan, or add places below.")
        elif plan is not None:
            back = (f"; back at base {hhmm(plan.finish)}" if plan.start_point else f"; last stop ends "
                    f"{hhmm(plan.finish)}")
            self.totals.setText(
                f"{len(record.stops)} stops. Travel {plan.travel_minutes:.0f} min + {plan.dwell_minutes:.0f} min "
                f"at the stops = {plan.busy_minutes:.0f} of {plan.window_minutes:.0f} min window "
                f"(spare {plan.spare_minutes:.0f} min){back}. Travel timed {plan.basis}"
                + (f" ({ROADS_ATTRIBUTION})." if plan.by_road else ".")
            )
        self._fill_add_choice()
        self._update_buttons()
        self.routeChanged.emit(route_of(record, plan) if record.stops else None)

    def _fill_add_choice(self) -> None:
        self.add_choice.clear()
        if self.patrol is None:
            return
        planned = {s.key for s in self.patrol.stops}
        pool = self.pools.get(self.patrol.id, {})
        for candidate in sorted(pool.values(), key=lambda c: (-c.harm, c.key)):
            if candidate.key not in planned:
                self.add_choice.addItem(f"{candidate.label} (harm {candidate.harm:,.1f}): {candidate.reason}",
                                        candidate.key)
        if self.add_choice.count():
            self.add_choice.setCurrentIndex(0)  # with a placeholder set, Qt leaves the choice empty otherwise
        else:
            self.add_choice.setPlaceholderText("Finding places…" if self.patrol.id in self._loading_pool
                                               else "No other places to add")

    def _update_buttons(self) -> None:
        editable = self.editable()
        row = self.selected_row()
        count = self.table.rowCount()
        self.suggest_button.setEnabled(editable)
        self.brief_button.setEnabled(self.patrol is not None and bool(self.patrol.stops)
                                     and self.patrol.status.can_brief and self.services.store.actor.can("patrol.plan"))
        self.up_button.setEnabled(editable and row is not None and row > 0)
        self.down_button.setEnabled(editable and row is not None and row < count - 1)
        self.drop_button.setEnabled(editable and row is not None)
        self.add_choice.setEnabled(editable)
        self.add_button.setEnabled(editable and self.add_choice.count() > 0)
        for box in (self.dwell, self.road_factor, self.speed, self.source):
            box.setEnabled(editable)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    # --- suggest ------------------------------------------------------------------------------------------

    def _load_candidates(self) -> None:
        record = self.patrol
        assert record is not None
        self._pool_runs += 1
        run = self._pool_runs  # a later choice of types supersedes this run: its result or refusal is not shown
        if {key for _heading, choices in type_groups() for key, _name in choices} <= set(
                record.settings.exclude_types):
            self._loading_pool.discard(record.id)
            self._say_of_pool("No crime type is chosen: tick at least one under Crime types.")
            self._fill_add_choice()
            return
        self._loading_pool.add(record.id)

        def find(services: Services) -> list[Candidate] | str:
            try:
                return services.patrols.candidates(record.area, record.start, record.purpose,
                                                   source=record.settings.harm_source,
                                                   exclude_types=record.settings.exclude_types)
            except ValidationError as exc:  # the user's choice: said under the plan, not as a lasting error
                return "; ".join(problem.message for problem in exc.errors)

        def done(found: list[Candidate] | str) -> None:
            if run != self._pool_runs:
                return
            self._loading_pool.discard(record.id)
            if isinstance(found, str):
                if self.patrol is not None and self.patrol.id == record.id:
                    self._say_of_pool(f"Places not found: {found}")
                    self._fill_add_choice()
                return
            if self.note.text() and self.note.text() == self._pool_said:  # what an earlier choice said has gone
                self.note.clear()
            pool = self.pools.setdefault(record.id, {})
            for candidate in found:
                pool.setdefault(candidate.key, candidate)
            if self.patrol is not None and self.patrol.id == record.id:
                self._fill_add_choice()
                self._update_buttons()

        self.in_background("Finding places worth a visit…", find, done, "Places not found")

    def suggest(self) -> None:
        """Suggest a plan from the harm hotspots (off the UI thread), save it and show it; emits planReady."""
        if not self.editable():
            return
        record = self.patrol
        assert record is not None
        settings = self.settings()
        self.suggest_button.setEnabled(False)
        self._say("Finding hotspots and fitting a route…", warning=False)

        def done(plan: Plan) -> None:
            self.note.clear()
            pool = self.pools.setdefault(record.id, {})
            for candidate in plan.dropped:
                pool.setdefault(candidate.key, candidate)
            try:
                self.services.patrols.save_plan(record.id, plan, settings)
                saved = self.services.patrols.get(record.id)
            except RuralWatchError as exc:
                self.report(f"Plan not saved: {exc}")
                self._update_buttons()
                return
            if self.patrol is not None and self.patrol.id == record.id:
                self.patrol = saved
                self._show_plan(plan)
                if not plan.stops:
                    self._say(empty[0] if empty else "No hotspots or recent incidents found in this area.")
            self.planReady.emit(plan)

        empty: list[str] = []  # why no place was found, worked out on the worker too

        def work(services: Services) -> Plan:
            plan = services.patrols.suggest(record.area, record.start, record.end, record.purpose, settings,
                                            record.base)
            if not plan.stops:
                empty.append(services.patrols.nothing_to_plan(record.area, record.start, settings.harm_source,
                                                             settings.exclude_types))
            return plan

        def failed() -> None:
            self.note.clear()
            self._update_buttons()

        self.in_background("Suggesting a patrol plan…", work, done, "No plan suggested", failed)

    # --- edits --------------------------------------------------------------------------------------------

    def _order(self) -> list[Candidate]:
        assert self.patrol is not None
        return [candidate_of(s) for s in self.patrol.stops]

    def _apply(self, order: list[Candidate], select: int | None = None,
               settings: PlanSettings | None = None) -> Plan | None:
        """Save a new order (times recomputed by the service) and show it."""
        if not self.editable():
            return None
        assert self.patrol is not None
        try:
            plan = self.services.patrols.edit_plan(self.patrol.id, order, settings or self.settings())
            self.patrol = self.services.patrols.get(self.patrol.id)
        except RuralWatchError as exc:
            self.report(f"Plan not changed: {exc}")
            return None
        self._show_plan(plan)
        if plan.dropped:
            self._say("Did not fit in the window, so taken off the plan: "
                              + ", ".join(c.label for c in plan.dropped)
                              + ". Drop or reorder stops to make room, then add them again.")
        else:
            self.note.clear()
        if select is not None and self.table.rowCount():
            self.table.selectRow(max(0, min(select, self.table.rowCount() - 1)))
        return plan

    def move(self, delta: int) -> Plan | None:
        row = self.selected_row()
        order = self._order() if self.patrol else []
        target = (row or 0) + delta
        if row is None or not 0 <= target < len(order):
            return None
        order[row], order[target] = order[target], order[row]
        return self._apply(order, target)

    def drop(self) -> Plan | None:
        row = self.selected_row()
        if row is None or self.patrol is None:
            return None
        order = self._order()
        del order[row]
        return self._apply(order, row)

    def add_stop(self, key: str | None = None) -> Plan | None:
        """Add a candidate (the chosen one by default) after the selected stop, or at the end."""
        if self.patrol is None:
            return None
        key = key or self.add_choice.currentData()
        candidate = self.pools.get(self.patrol.id, {}).get(key) if key else None
        if candidate is None:
            return None
        order = self._order()
        row = self.selected_row()
        at = len(order) if row is None else row + 1
        order.insert(at, candidate)
        return self._apply(order, at)

    def apply_settings(self) -> Plan | None:
        """Dwell, road factor or speed changed: retime the plan in its current order. The source or crime types
        changed: kept for the next Suggest plan, and the places to add are found again from them."""
        if not self.editable() or self.patrol is None or self.settings() == self.patrol.settings:
            return None
        chosen = self.settings()
        if (chosen.harm_source, chosen.exclude_types) != (self.patrol.settings.harm_source,
                                                          self.patrol.settings.exclude_types):
            self.pools.pop(self.patrol.id, None)
            self.patrol = replace(self.patrol, settings=replace(self.patrol.settings, harm_source=chosen.harm_source,
                                                                exclude_types=chosen.exclude_types))
            self._load_candidates()
        if not self.patrol.stops:
            try:
                self.services.patrols.edit_plan(self.patrol.id, [], self.settings())
                self.patrol = self.services.patrols.get(self.patrol.id)
            except RuralWatchError as exc:
                self.report(f"Settings not saved: {exc}")
            return None
        return self._apply(self._order(), self.selected_row())

    # --- brief --------------------------------------------------------------------------------------------

    def brief(self, path: Path | None = None) -> None:
        """Write the briefing pack PDF (off the UI thread); emits briefSaved(path)."""
        if self.patrol is None:
            return
        record = self.patrol
        if path is None:
            path = ask_patrol_pdf(self, record, "briefing", "Save the briefing pack")
            if path is None:
                return
        target = path

        def done(written: Path) -> None:
            self._say(f"Briefing pack saved to {written}", warning=False)
            self.briefSaved.emit(written)

        self.in_background("Writing the briefing pack…", lambda services: services.patrols.brief(record.id, target),
                           done, "Briefing pack not written")

