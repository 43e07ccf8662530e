"""The roster panel's Duties tab: a week or month calendar of duties with their gaps, the selected duty's crew
(assigning under the rostering rules, with a recorded reason to override), auto-fill and .ics export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import CancelledError, RuralWatchError
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.people import DutyRecord, Person
from ruralwatch.core.vocab import DUTY_KIND_NAMES, PATROL_STATUS_NAMES, PERSON_ROLE_NAMES
from ruralwatch.core.words import count_of
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.model import RuleBreach
from ruralwatch.rostering.rules import not_free_text
from ruralwatch.services.container import Services
from ruralwatch.services.roster import AutofillOutcome, RosterPatrol
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.roster_autofill_dialog import AutofillDialog
from ruralwatch.ui.roster_duty_dialog import DutyDialog
from ruralwatch.ui.roster_grid import (
    SKILL_NAMES,
    STATUS_NAMES,
    CalendarGrid,
    DutyLook,
    describe,
    local_time,
    missing_skills,
    ran_text,
    when_text,
)
from ruralwatch.ui.roster_people import hours_text, known_stations, local_today, show_status, status_label, with_buddy
from ruralwatch.ui.tasks import Progress
from ruralwatch.ui.widgets import select_data
from ruralwatch.ui.widgets.combos import SHORT_TEXT_ROLE, ShortTextCombo
from ruralwatch.ui.widgets.flow_layout import FlowLayout, together


def _go_on(progress: Progress, done: int) -> None:
    """Auto-fill is one step: a Cancel pressed before or after it still stops it."""
    if not progress(done, 1):
        raise CancelledError("auto-fill cancelled")


WEEK_LEGEND = ("⚠ amber: open places, a skill still short or someone on it away · blue: crewed · grey: completed "
               "or cancelled · italic: joint patrols (▶ running), changed in Team ▸ Patrols. Hover a duty for "
               "details; Enter or double-click edits it.")
MONTH_LEGEND = ("A line per duty: start, title, crew on it / least needed (⚠ amber: open places, a skill short or "
                "someone away · blue: crewed · grey: completed, ✗ cancelled · italic: joint patrols; SW: the station "
                "when a title repeats). Hover a day for its duties in full; Enter or double-click opens its week, "
                "on the duty clicked, to assign and edit.")
SIDE_BY_SIDE_WIDTH = 900  # narrower than this, the selected duty goes under the calendar
PLAN_PATROL = "Plan patrol from this duty"
OPEN_PATROL = "Open its patrol"


class WrappedGroupBox(QGroupBox):
    """A group box whose minimum height is what its wrapped text needs at its width: a splitter (which knows
    nothing of height-for-width) then never squeezes it, and the dock's one scroll area takes the overflow."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth() and self.width() > 0:
            hint.setHeight(max(hint.height(), layout.totalMinimumHeightForWidth(self.width())))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the text wraps differently: a new minimum height


class PeriodLabel(QLabel):
    """The period shown, in room for the longest period text whichever is shown: "December 2026" is far shorter
    than a week's, so switching Week/Month rewrapped the header and the filters and buttons under it jumped (a
    click landed on the wrong one)."""

    WIDEST = "Week of Wed 30 Sep to Wed 30 Sep 2026"

    def __init__(self) -> None:
        super().__init__()
        self._fit()

    def _fit(self) -> None:
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(self.WIDEST) + 6)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Larger text, or emphasised
            self._fit()


class DutiesTab(QWidget):
    duty_saved = Signal(object)  # DutyRecord
    assigned = Signal(str, str)  # duty id, person id
    autofill_ready = Signal(object)  # AutofillOutcome (the proposal)
    autofill_applied = Signal(object)  # AutofillOutcome (what was applied)
    ics_exported = Signal(object)  # Path
    patrol_requested = Signal(str)  # the id of the patrol a duty stands for, to open in Team ▸ Patrols

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
        self.patrols: list[RosterPatrol] = []
        self.dialogs: list[QDialog] = []
        self.proposal: tuple[date, date, AutofillOutcome] | None = None
        self.autofill_dialog: AutofillDialog | None = None
        self._selected: str | None = None
        self._mine = services.roster.own_duties_first()
        self._first_fill = True

        # Navigation and filters.
        self.week_button = QPushButton("&Week")
        self.month_button = QPushButton("Mo&nth")
        views = QButtonGroup(self)
        for button in (self.week_button, self.month_button):
            button.setCheckable(True)
            views.addButton(button)
        self.week_button.setChecked(True)
        self.week_button.clicked.connect(lambda: self.set_view("week", leave_message=False))
        self.month_button.clicked.connect(lambda: self.set_view("month", leave_message=False))
        previous = QPushButton("◀ Previous")
        previous.setToolTip("Previous week or month (Alt+Page Up)")
        previous.clicked.connect(lambda: self.step(-1, leave_message=False))
        today = QPushButton("To&day")
        today.clicked.connect(lambda: self.go_to(local_today(), leave_message=False))
        following = QPushButton("Next ▶")
        following.setToolTip("Next week or month (Alt+Page Down)")
        following.clicked.connect(lambda: self.step(1, leave_message=False))
        for keys, step in (("Alt+PgUp", -1), ("Alt+PgDown", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda s=step: self.step(s, leave_message=False))
        self.period_label = PeriodLabel()
        theme.emphasise(self.period_label, 1.15)  # follows Larger text
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

        # Rows that wrap in a docked panel at 1366x768: on one line they made the tab 790 px wide, and the buttons
        # and the selected duty were off to the right.
        navigation = FlowLayout()
        navigation.addWidget(together(self.week_button, self.month_button))
        navigation.addWidget(together(previous, today, following))
        navigation.addWidget(self.period_label)
        filters = FlowLayout()
        filters.addWidget(together(with_buddy("&Person", self.person_filter), self.person_filter))
        filters.addWidget(together(with_buddy("&Station", self.station_filter), self.station_filter))
        for widget in (add, self.autofill_button, export):
            filters.addWidget(widget)
        # A role that may not edit the roster (a Special) is not offered the buttons that would: the service
        # refuses them anyway, and they looked as if they worked.
        self.may_edit = self.roster.store.actor.can("roster.edit")
        for widget in (add, self.autofill_button):
            widget.setVisible(self.may_edit)

        self.grid = CalendarGrid()
        self.grid.duty_selected.connect(self._on_duty_selected)
        self.grid.duty_activated.connect(lambda duty_id: self.open_duty_dialog(duty_id))
        self.grid.day_opened.connect(self.open_day)
        self.legend = QLabel(WEEK_LEGEND)
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(theme.hint_style())
        self.status = status_label()

        calendar_side = QWidget()
        calendar_layout = QVBoxLayout(calendar_side)
        calendar_layout.setContentsMargins(0, 0, 0, 0)
        calendar_layout.addWidget(self.grid, 1)
        # The message in the legend's place under the calendar, the legend back once the user moves on: a band of
        # its own above the calendar stood empty most of the time. Both keep their room, so the calendar under the
        # pointer never moves (a stack is as tall as the taller of the two).
        foot = QWidget()
        self.foot_room = foot
        self.foot = QStackedLayout(foot)
        self.foot.addWidget(self.legend)
        self.foot.addWidget(self.status)
        calendar_layout.addWidget(foot)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter = splitter
        splitter.addWidget(calendar_side)
        # The selected duty is never squeezed below its wrapped text (its rule-break message and "Who may do it" were
        # clipped): the dock's scroll area scrolls the tab instead. It had a scroll area of its own, a second
        # scroll inside the dock's, squashed to a sliver under the calendar at 1366x768.
        splitter.addWidget(self._detail_pane())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([820, 330])

        self._place_detail()
        layout = QVBoxLayout(self)
        layout.addLayout(navigation)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        self.refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_detail()
        self._fit_foot()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Larger text: a taller message
            self._fit_foot()

    def _fit_foot(self) -> None:
        """The message's room under the calendar kept whatever is shown (the legend may be shorter), so the calendar
        does not move when a message comes."""
        self.foot_room.setMinimumHeight(self.status.minimumHeight())

    def _place_detail(self) -> None:
        """The selected duty beside the calendar when the tab is wide, under it when narrow (a docked panel)."""
        wide = self.width() >= SIDE_BY_SIDE_WIDTH
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            self.splitter.setSizes([820, 330] if wide else [400, 260])
            self._share_width()

    def _share_width(self) -> None:
        """The month is the overview: its seven days take the whole width (beside the selected duty a day's lines
        showed "18:30 Eve…"), and a day opens on its week, where the selected duty is assigned and edited."""
        self.detail.setVisible(self.view != "month")
        if self.view != "month" and self.splitter.orientation() == Qt.Orientation.Horizontal:
            total = sum(self.splitter.sizes()) or self.width()
            self.splitter.setSizes([total - total * 330 // 1150, total * 330 // 1150])

    def _detail_pane(self) -> QWidget:
        pane = WrappedGroupBox("Selected duty")
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
        # Closed, it shows the name and the hours owed (or why not free): the whole line ("… — Special Constable,
        # Saffron Walden · free · owes 4 of 16 h in Nov") was cut after the station at 1366x768.
        self.assign_person = ShortTextCombo()
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
        # Shown to every role: a planner, or a Special on the duty, makes it its patrol; anyone opens that patrol.
        self.patrol_button = QPushButton(PLAN_PATROL)
        self.patrol_button.clicked.connect(lambda: self.duty_patrol())

        assign_row = QHBoxLayout()
        assign_row.addWidget(self.assign_person, 1)
        assign_row.addWidget(self.assign_button)
        status_row = QHBoxLayout()
        for button in (self.edit_button, self.complete_button, self.cancel_button):
            status_row.addWidget(button)
        # A heading of its own, hidden with what it heads: a Special saw 'Assign someone' with nothing under it.
        self.assign_heading = QLabel("Assign someone")
        for widget in (self.unassign_button, self.assign_heading, self.assign_person, self.assign_button,
                       self.rules_label, self.reason, self.edit_button, self.complete_button, self.cancel_button):
            widget.setVisible(self.may_edit)  # the crew and the duty are shown; changing them is the coordinator's
        layout = QVBoxLayout(pane)
        layout.addWidget(self.duty_title)
        layout.addWidget(self.duty_info)
        layout.addWidget(self.patrol_button, 0, Qt.AlignmentFlag.AlignLeft)  # with the duty, for every role
        layout.addWidget(QLabel("Crew"))
        layout.addWidget(self.crew, 1)
        layout.addWidget(self.unassign_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.assign_heading)
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

    def set_view(self, view: str, leave_message: bool = True) -> None:
        if not leave_message:
            self.report("", problem=False)
        self.view = view
        (self.week_button if view == "week" else self.month_button).setChecked(True)
        self.legend.setText(MONTH_LEGEND if view == "month" else WEEK_LEGEND)
        self._share_width()
        self.refresh()

    def open_day(self, day: date) -> None:
        """A month's day opened: its week, each duty a cell of its own, on the duty chosen in the day (or its
        first), ready to assign or edit (Month goes back)."""
        where = self.grid.day_cell(day)
        chosen = self.grid.chosen_in(*where) if where else None
        self.anchor = day
        self.set_view("week")
        if chosen and self.grid.select_duty(chosen):
            self._selected = chosen
            self._show_detail()
        self.grid.setFocus(Qt.FocusReason.OtherFocusReason)

    def go_to(self, day: date, leave_message: bool = True) -> None:
        """`leave_message` False (the user's own move): the last message goes, the legend is back."""
        if not leave_message:
            self.report("", problem=False)
        self.anchor = day
        self.refresh()

    def step(self, direction: int, leave_message: bool = True) -> None:
        if not leave_message:
            self.report("", problem=False)
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
        self.foot.setCurrentWidget(self.status if message else self.legend)  # the message in the legend's place

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
        self.looks = [describe(d, skills_of) for d in duties]
        # Joint patrols are commitments too (the running one above all): shown beside the duties, read-only.
        self.patrols = self.roster.patrols(monday, monday + timedelta(days=7 * weeks - 1), person_id, station)
        start, _ = self.period()
        self.grid.show_days(monday, weeks, start.month if self.view == "month" else None, self.looks,
                            local_today(), self.patrols)
        self.period_label.setText(self.period_text())
        start, end = self.period()
        shown = [look for look in self.looks if start <= local_time(look.duty.start).date() <= end]
        gaps = [look for look in shown if look.state == "gap"]
        self.legend.setToolTip(f"{len(shown)} duties, {len(gaps)} with open places or crew away")
        if self._selected and not self.grid.select_duty(self._selected):
            self._selected = None
        self._show_detail()

    def _fill_filters(self) -> None:
        person, station = self.person_filter.currentData(), self.station_filter.currentData()
        for combo in (self.person_filter, self.station_filter):
            combo.blockSignals(True)
            combo.clear()
        self.person_filter.addItem("Everyone", None)
        mine = self._mine
        for p in self.people:
            if p.id == mine:  # first after Everyone, and named so: a Special looks for their own duties
                self.person_filter.insertItem(1, f"Mine ({p.name})", p.id)
            else:
                self.person_filter.addItem(p.name + ("" if p.active else " (left)"), p.id)
        if self._first_fill:  # a Special opens on their own duties; a coordinator on everyone's
            self._first_fill = False
            person = mine
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
            self.anchor = local_time(duty.start).date()
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
            self._show_patrol_button(None)
            self.duty_title.setText("Select a duty in the calendar.")
            self.duty_info.setText("")
            self.rules_label.setText("")
            self.assign_person.clear()
            return
        self.duty_title.setText(duty.title)
        patrol = self._show_patrol_button(duty)
        roles = ", ".join(PERSON_ROLE_NAMES.get(r, r) for r in duty.allowed_roles)
        needs = ", ".join(f"{SKILL_NAMES.get(s, s)} ×{n}" for s, n in duty.required_skills.items()) or "none"
        missing = missing_skills(duty, {p.id: p.skills for p in self.people}) if duty.status == "planned" else []
        open_text = f"⚠ {duty.open_places} open" if duty.open_places else "no open places"
        if missing:
            open_text += f" · ⚠ short of {', '.join(missing)}"
        if duty.at_risk:
            open_text += f" · ⚠ at risk: {'; '.join(duty.away)}"
        self.duty_info.setText(
            f"{when_text(duty)}" + (f" planned\nRan {ran_text(duty)}" if duty.actual_start else "")
            + f" ({hours_text(duty.counted_hours)} h counted{', as logged' if duty.logged else ''})\n"
            f"{DUTY_KIND_NAMES.get(duty.kind, duty.kind)} · "
            f"{STATUS_NAMES.get(duty.status, duty.status)} · {duty.station or 'no station'}"
            f"{' (' + duty.area + ')' if duty.area else ''}\nCrew {len(duty.crew)} of {duty.min_crew}–"
            f"{duty.max_crew} · {open_text}\nSkills needed: {needs}\nWho may do it: {roles}"
            + (f"\nNotes: {duty.notes}" if duty.notes else "")
            + (f"\nPatrol: {patrol.title}, {PATROL_STATUS_NAMES.get(patrol.status, patrol.status).lower()}"
               if patrol else "")
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
        self._fill_assign_list(duty if planned else None)
        self._preview_rules()

    def _fill_assign_list(self, duty: DutyRecord | None) -> None:
        """Who may be put on the duty, as the service judges them (the rules auto-fill applies): those free first,
        most hours owed in the duty's month first, with what they owe, then a line, then the others with why not
        ("away 3–9 Jan"). A coordinator replacing someone saw all forty
        people by name, the one away and the one already on it among them, and nothing saying who was free."""
        chosen = self.assign_person.currentData()
        self.assign_person.blockSignals(True)
        self.assign_person.clear()
        found = []
        if duty is not None:
            try:
                found = self.roster.candidates(duty.id)
            except RuralWatchError as exc:
                self.report(f"Who is free not worked out: {exc}")
        free = sum(1 for c in found if c.free)
        for candidate in found:
            if not candidate.free and self.assign_person.count() == free and free:
                self.assign_person.insertSeparator(free)
            label = (f"{candidate.name} — {PERSON_ROLE_NAMES.get(candidate.role, candidate.role)}"
                     + (f", {candidate.station}" if candidate.station else "")
                     + (f" · free · {candidate.standing.text()}" if candidate.free else f" · ✗ {candidate.why_not}"))
            self.assign_person.addItem(label, candidate.person_id)
            standing = candidate.standing.text()
            rules = "Breaks no rostering rule" if candidate.free else "\n".join(b.message for b in candidate.breaches)
            tip = (f"{rules}\n{standing[0].upper()}{standing[1:]}; "
                   f"{count_of(candidate.standing.duties, 'duty', 'duties')} that month")
            self.assign_person.setItemData(self.assign_person.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            short = f"{candidate.name} · " + (standing if candidate.free else f"✗ {candidate.why_not}")
            self.assign_person.setItemData(self.assign_person.count() - 1, short, SHORT_TEXT_ROLE)
        # Nobody chosen yet: findData(None) would pick the line between the free and the rest, a blank box.
        if (chosen is None or not select_data(self.assign_person, chosen)) and found:
            self.assign_person.setCurrentIndex(0)
        # The list as wide as its lines (it was the closed box's width, cutting them as the box did).
        view, combo = self.assign_person.view(), self.assign_person
        widest = max((view.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count())), default=0)
        view.setMinimumWidth(widest + view.verticalScrollBar().sizeHint().width() + 16)  # + the item's margins
        self.assign_person.blockSignals(False)
        self.assign_heading.setText(f"Assign someone ({free} of {len(found)} free)" if found else "Assign someone")

    def _show_breaches(self, breaches: list[RuleBreach], name: str) -> None:
        if breaches:
            self.rules_label.setStyleSheet(theme.error_style(bold=False))
            self.rules_label.setText(f"{name} is {not_free_text(breaches)} and would break {len(breaches)} "
                                     f"rule{'s' if len(breaches) > 1 else ''}:\n"
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

    def _show_patrol_button(self, duty: DutyRecord | None) -> PatrolRecord | None:
        """"Plan patrol from this duty" for a joint patrol without one, "Open its patrol" once it has one; greyed,
        with the reason as its tip, when neither applies. Returns the duty's patrol."""
        patrol = self.services.patrols.patrol_of_duty(duty.id) if duty and duty.patrol_id else None
        if patrol is not None and patrol.status is not PatrolStatus.CANCELLED:
            self.patrol_button.setText(OPEN_PATROL)
            self.patrol_button.setEnabled(True)
            self.patrol_button.setToolTip("Show this duty's patrol in Team ▸ Patrols: brief, start, log and end it")
            return patrol
        self.patrol_button.setText(PLAN_PATROL)
        why = ("Select a duty in the calendar." if duty is None
               else "Only a joint patrol duty becomes a patrol." if duty.kind != "joint_patrol"
               else f"The duty is {duty.status}." if duty.status != "planned"
               else "Only someone on this duty, or who plans patrols, makes it a patrol."
               if not self.services.patrols.may_plan_from(duty) else "")
        self.patrol_button.setEnabled(not why)
        self.patrol_button.setToolTip(why or "Record this duty as a joint patrol in Team ▸ Patrols: its day, times, "
                                             "area, station and crew, so the crew can start, log and end it")
        return patrol

    # --- actions ------------------------------------------------------------------------------------------

    def duty_patrol(self) -> str | None:
        """Make the selected joint-patrol duty its patrol (or find the one it has) and ask for it to be opened."""
        duty = self.selected_duty()
        if duty is None:
            return None
        patrol = self.services.patrols.patrol_of_duty(duty.id) if duty.patrol_id else None
        if patrol is None or patrol.status is PatrolStatus.CANCELLED:
            reason = self.reason.text().strip() if self.may_edit else ""
            try:
                patrol, _issues = self.services.patrols.plan_from_duty(duty.id, override_reason=reason)
            except RuleBreachError as exc:
                self.report(f"Patrol not planned: {exc}" + (
                    " Type the reason in the box above and press it again." if self.may_edit else
                    " Ask the coordinator, who may keep them with a reason."))
                return None
            except RuralWatchError as exc:
                self.report(f"Patrol not planned: {exc}")
                return None
            self.reason.clear()
            self.report(f"Patrol planned from {duty.title}: open in Team ▸ Patrols to brief, start and log it.",
                        problem=False)
            self.refresh()
        self.patrol_requested.emit(patrol.id)
        return patrol.id

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
        dialog.saved_duty.connect(lambda duty: self._on_duty_saved(duty, len(dialog.series)))
        dialog.finished.connect(lambda _result: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def _on_duty_saved(self, duty: DutyRecord, count: int = 1) -> None:
        self.select_duty(duty.id)
        if count > 1:
            self.report(f"Saved {count} duties: {duty.title} every {local_time(duty.start):%A} from "
                        f"{when_text(duty)}.", problem=False)
        else:
            self.report(f"Saved {duty.title} on {when_text(duty)}.", problem=False)
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
            "Cancel the duty?", f"Cancel {duty.title} on {when_text(duty)}? Its crew stay listed but it no longer "
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
        self.ops.run("Working out auto-fill…", work, done, on_failed=failed)

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
        self.ops.run("Applying auto-fill…", work, done, on_failed=failed)

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
