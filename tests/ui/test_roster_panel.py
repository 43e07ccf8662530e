"""The coordinator's roster panel: availability, duties, auto-fill, calendar export and hours, headless."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTime
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from ruralwatch.core.people import DutyInput, PersonInput
from ruralwatch.services.container import Services
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.roster_grid import DAY_ENTRIES, MonthDelegate
from ruralwatch.ui.roster_panel import RosterPanel

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 12, 7)


@pytest.fixture
def panel(qtbot, services: Services) -> Iterator[RosterPanel]:
    widget = RosterPanel(services, Operations(services, None, lambda title, message: None))
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget
    widget.dispose()  # no refresh may run after the test's database is closed


def _duty(services: Services, title: str = "Evening patrol", day: int = 7, start: str = "19:00",
          end: str = "23:00", min_crew: int = 1, max_crew: int = 2) -> str:
    return services.roster.add_duty(DutyInput(
        title=title, kind="joint_patrol", start=f"2026-12-{day:02d} {start}", end=f"2026-12-{day:02d} {end}",
        station="Maldon", min_crew=min_crew, max_crew=max_crew,
    )).id


def test_availability_then_duty_then_autofill_then_ics(qtbot, panel: RosterPanel, services: Services,
                                                       tmp_path: Path) -> None:
    people = panel.people_tab
    form = people.open_person_dialog()
    form.name.setText("Sam Reed")
    form.role.setCurrentIndex(form.role.findData("special"))
    form.collar_number.setText("sc 4127")
    form.skill_boxes["off_road"].setChecked(True)
    form.station.setCurrentText("Maldon")
    assert form.save()
    sam = services.people.find("Sam Reed")
    assert people.selected_id() == sam.id  # the new person is selected, ready for their availability

    # Monday evenings, typed into the weekly editor and saved.
    people.weekly.add_row(0, time(17, 0), time(23, 30))
    assert people.save_weekly()
    assert [(s.weekday, s.start, s.end) for s in services.people.weekly_pattern(sam.id)] == [
        (0, time(17, 0), time(23, 30))]
    # A date away, which keeps them off the Tuesday.
    people.exception_date.setDate(QDate(2026, 12, 8))
    people.exception_kind.setCurrentIndex(people.exception_kind.findData("away"))
    assert people.add_exception() is not None
    assert people.exceptions.rowCount() == 1 and people.exceptions.item(0, 0).text() == "2026-12-08"

    duties = panel.duties_tab
    panel.show_tab("duties")
    duties.go_to(MONDAY)
    form = duties.open_duty_dialog()
    form.title.setText("Evening rural crime patrol")
    form.kind.setCurrentIndex(form.kind.findData("joint_patrol"))
    form.day.setDate(QDate(2026, 12, 7))
    form.start.setTime(QTime(19, 0))
    form.end.setTime(QTime(23, 0))
    form.station.setCurrentText("Maldon")
    form.skill_counts["off_road"].setValue(1)
    form.min_crew.setValue(1)
    form.max_crew.setValue(2)
    assert form.save()
    duty_id = form.saved.id
    assert "1 open" in duties.grid.look_of(duty_id).text()

    with qtbot.waitSignal(panel.autofill_ready, timeout=30_000) as ready:
        duties.autofill()
    proposal = ready.args[0]
    assert [(d.id, pid) for d, pid, _ in proposal.assignments] == [(duty_id, sam.id)]
    assert services.roster.duty(duty_id).crew == ()  # only a proposal so far
    assert duties.autofill_dialog.assignments.rowCount() == 1
    with qtbot.waitSignal(panel.autofill_applied, timeout=30_000):
        duties.autofill_dialog.accept()
    assert services.roster.duty(duty_id).crew == ((sam.id, "Sam Reed"),)
    qtbot.waitUntil(lambda: "✓ crewed" in duties.grid.look_of(duty_id).text(), timeout=5_000)

    duties.set_person_filter(sam.id)
    target = duties.export_ics(tmp_path / "sam.ics")
    assert target == tmp_path / "sam.ics"
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = [e for e in calendar.walk("VEVENT")]
    assert [str(e["SUMMARY"]) for e in events] == ["Evening rural crime patrol"]
    start = events[0]["DTSTART"]
    assert start.params["TZID"] == "Europe/London"
    assert start.dt == datetime(2026, 12, 7, 19, 0, tzinfo=LONDON)
    assert start.dt.utcoffset().total_seconds() == 0  # GMT in December
    assert events[0]["DTEND"].dt == datetime(2026, 12, 7, 23, 0, tzinfo=LONDON)
    assert panel.problems == []


def test_a_bad_person_form_keeps_what_was_typed_and_marks_each_field(panel: RosterPanel,
                                                                      services: Services) -> None:
    form = panel.people_tab.open_person_dialog()
    form.name.setText("   ")
    form.phone.setText("call me")
    form.email.setText("sam at example")
    form.monthly_commitment_hours.setText("lots")
    form.skill_boxes["drone"].setChecked(True)
    assert not form.save()
    assert form.isVisible()  # the form stays open with everything typed
    assert (form.name.text(), form.phone.text(), form.email.text(), form.monthly_commitment_hours.text()) == (
        "   ", "call me", "sam at example", "lots")
    assert form.skill_boxes["drone"].isChecked()
    assert set(form.marks.marked) == {"name", "role", "phone", "email", "monthly_commitment_hours"}
    for widget in (form.name, form.phone, form.email, form.monthly_commitment_hours):
        assert "border" in widget.styleSheet() and widget.toolTip()
    assert form.collar_number.styleSheet() == ""
    assert form.error_label.isVisibleTo(form)
    assert "Phone" in form.error_label.text() and "Monthly commitment" in form.error_label.text()
    assert services.people.list() == []

    form.name.setText("Priya Shaw")
    form.phone.setText("07700 900123")
    form.email.setText("priya@example.org")
    form.monthly_commitment_hours.setText("12")
    form.role.setCurrentIndex(form.role.findData("special"))
    assert form.save()
    assert not form.isVisible()
    saved = services.people.find("Priya Shaw")
    assert (saved.phone, saved.monthly_commitment_hours, saved.skills) == ("07700 900123", 12.0, ("drone",))

    # A weekly slot that starts and ends together is refused and marked, and nothing is replaced.
    people = panel.people_tab
    people.select_person(saved.id)
    people.weekly.add_row(2, time(18, 0), time(18, 0))
    assert not people.save_weekly()
    assert "border" in people.weekly.table.cellWidget(0, 1).styleSheet()
    assert services.people.weekly_pattern(saved.id) == []


def test_assigning_someone_unavailable_shows_why_and_needs_a_reason(panel: RosterPanel,
                                                                     services: Services) -> None:
    dawn = services.people.add(PersonInput(name="Dawn Only", role="special", station="Maldon"))
    duty_id = _duty(services)
    duties = panel.duties_tab
    panel.show_tab("duties")
    assert duties.select_duty(duty_id)  # moves the calendar to the duty's week
    assert duties.period()[0] == MONDAY
    [breach] = services.roster.check(duty_id, dawn.id)
    assert breach.rule == "unavailable"

    duties.assign_person.setCurrentIndex(duties.assign_person.findData(dawn.id))
    assert breach.message in duties.rules_label.text()  # shown as soon as they are chosen
    assert not duties.assign()
    assert breach.message in duties.rules_label.text()
    assert "not assigned" in panel.problems[-1] and "reason" in panel.problems[-1]
    assert "border" in duties.reason.styleSheet()
    assert services.roster.duty(duty_id).crew == ()

    assert duties.assign(dawn.id, reason="Agreed by phone; she can come straight from work")
    assert services.roster.duty(duty_id).crew == ((dawn.id, "Dawn Only"),)
    assert services.roster.overrides(duty_id) == [
        ("Dawn Only", "Agreed by phone; she can come straight from work", ["unavailable"])]
    assert "override" in duties.crew.item(0).text()
    assert duties.reason.text() == ""

    assert duties.unassign(dawn.id)
    assert services.roster.duty(duty_id).crew == ()


def test_the_month_view_marks_a_gap_in_colour_and_words(qtbot, panel: RosterPanel, services: Services) -> None:
    open_duty = _duty(services, "Dawn hare coursing patrol", day=12, start="06:00", end="11:00", min_crew=2,
                      max_crew=3)
    crewed = _duty(services, "Farm Watch surgery", day=13, start="10:00", end="13:00")
    helper = services.people.add(PersonInput(name="Owen Marsh", role="officer"))
    services.roster.assign(crewed, helper.id, override_reason="test")
    duties = panel.duties_tab
    duties.go_to(date(2026, 12, 1))
    duties.set_view("month")
    assert duties.period() == (date(2026, 12, 1), date(2026, 12, 31))
    assert duties.period_label.text() == "December 2026"
    headings = [duties.grid.horizontalHeaderItem(c) for c in range(7)]  # "Wednesday" was cut to "Wednesda" docked
    assert [h.text() for h in headings] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert headings[2].toolTip() == "Wednesday"
    # A line per duty in its day (the month now shows every week at once): crew on it / least needed, the gap
    # marked ⚠ and in the gap's tone, the day's date heading it with how many need someone.
    qtbot.waitUntil(lambda: duties.grid.look_of(crewed) is not None, timeout=5_000)
    gap_day, crewed_day = duties.grid.look_of(open_duty), duties.grid.look_of(crewed)
    assert gap_day.text() == "12\n06:00 Dawn hare coursing patrol ⚠ 0/2"
    assert crewed_day.text() == "13\n10:00 Farm Watch surgery 1/1"
    [gap_line] = gap_day.data(DAY_ENTRIES)
    [crewed_line] = crewed_day.data(DAY_ENTRIES)
    assert (gap_line.tone, gap_line.duty_id, crewed_line.tone) == ("gap", open_duty, "planned")
    assert "Open places: 2" in gap_day.toolTip() and gap_day.toolTip().startswith("Saturday 12 December 2026")
    # The next month has neither; back to December with Previous.
    duties.step(1)
    assert duties.grid.look_of(open_duty) is None
    duties.step(-1)
    assert duties.grid.look_of(open_duty) is not None


def test_hours_highlight_someone_below_commitment(qtbot, panel: RosterPanel, services: Services,
                                                  tmp_path: Path) -> None:
    keen = services.people.add(PersonInput(name="Keen Bean", role="special", station="Maldon",
                                           monthly_commitment_hours="6"))
    short = services.people.add(PersonInput(name="Short Fall", role="special", station="Braintree"))
    for person in (keen, short):
        duty_id = _duty(services, f"Patrol with {person.name}", day=5, start="09:00", end="15:00")
        services.roster.assign(duty_id, person.id, override_reason="hours test")
        services.roster.set_status(duty_id, "completed")
    services.hours._now = lambda: datetime(2027, 1, 15, tzinfo=UTC)  # December is over: it can be judged
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-12", "2026-12")
    assert hours.below_commitment() == ["Short Fall"]
    rows = {hours.table.item(r, 0).text(): r for r in range(hours.table.rowCount())}
    below = hours.table.item(rows["Short Fall"], hours.FIRST_MONTH)
    assert below.text() == "6 / 16 h · below"
    assert below.background().color() == theme.tone("problem").background
    assert hours.table.item(rows["Keen Bean"], hours.FIRST_MONTH).text() == "6 / 6 h"
    stations = {hours.by_station.item(r, 0).text(): hours.by_station.item(r, 1).text()
                for r in range(hours.by_station.rowCount())}
    assert stations == {"Maldon": "6", "Braintree": "6", "All": "12"}  # by each person's station
    assert hours.by_kind.item(0, 0).text() == "Joint patrol"

    with qtbot.waitSignal(panel.hours_exported, timeout=5_000):
        hours.export(tmp_path / "hours.csv")
    assert "Short Fall" in (tmp_path / "hours.csv").read_text()
    with qtbot.waitSignal(panel.hours_exported, timeout=30_000) as written:
        hours.export(tmp_path / "hours.pdf")
    assert written.args[0].read_bytes().startswith(b"%PDF")
    assert panel.problems == []


def test_changes_made_elsewhere_refresh_the_panel(qtbot, panel: RosterPanel, services: Services) -> None:
    assert panel.people_tab.table.rowCount() == 0
    person = services.people.add(PersonInput(name="Tom Thorne", role="volunteer"))
    qtbot.waitUntil(lambda: panel.people_tab.table.rowCount() == 1, timeout=5_000)
    panel.people_tab.select_person(person.id)
    assert panel.people_tab.mark_left(on=date(2026, 11, 30))
    assert panel.people_tab.table.rowCount() == 0  # people who have left are hidden unless asked for
    panel.people_tab.show_left.setChecked(True)
    assert panel.people_tab.table.item(0, panel.people_tab.COLUMNS.index("Status")).text() == "Left 2026-11-30"


def test_joint_patrols_show_on_the_week_beside_the_duties_the_running_one_marked(
        qtbot, panel: RosterPanel, services: Services) -> None:
    from ruralwatch.core.patrol import PatrolInput

    lead = services.people.add(PersonInput(name="PC Lead", role="officer")).id
    record, _ = services.patrols.create(PatrolInput(
        day="2026-12-08", start="19:00", end="23:00", area="Maldon", purpose="hare_coursing_operation", crew=[lead],
        call_sign="RURAL21"), override_reason="test")
    services.store.db.execute("UPDATE patrols SET status = 'in_progress' WHERE id = ?", [record.id])
    duty = _duty(services, day=8, start="12:00", end="14:00")
    duties = panel.duties_tab
    duties.go_to(MONDAY)
    cell = duties.grid.patrol_cell(record.id)
    assert cell is not None and duties.grid.look_of(duty) is not None
    assert "Patrol RURAL21: Hare coursing operation, Maldon" in cell.text() and "▶ in progress" in cell.text()
    assert "PC Lead" in cell.toolTip() and "Team ▸ Patrols" in cell.toolTip()
    assert duties.grid.cells[duty][1] == duties.grid.patrol_cells[record.id][1] == 1  # Tuesday, the duty first
    assert duties.grid.cells[duty][0] < duties.grid.patrol_cells[record.id][0]
    duties.grid.setCurrentCell(*duties.grid.patrol_cells[record.id])
    assert duties.selected_duty() is None  # shown, not a duty to assign or edit here


def test_the_people_page_fits_a_laptop_width_panel(qtbot, panel: RosterPanel) -> None:
    """At 1366x768 the docked panel is about 500 px wide: the dates-away box beside the weekly one, and the count
    beside the buttons, ran off it."""
    people = panel.people_tab
    people.show()
    qtbot.waitUntil(lambda: 0 < people.minimumSizeHint().width() <= 500)


def test_availability_sits_on_tabs_without_a_scroll_around_its_tables(qtbot, panel: RosterPanel,
                                                                       services: Services) -> None:
    """The weekly availability and the dates away were one scroll area holding two tables that scroll themselves:
    now each has a tab of its own, the dates tab counts its dates and the heading names the person."""
    from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea

    people = panel.people_tab
    person = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    people.refresh()
    people.show()
    from ruralwatch.ui.widgets import MessageArea

    scrolls = [w for w in people.findChildren(QAbstractScrollArea)
               if not isinstance(w, QAbstractItemView | MessageArea)]  # a long message scrolls in its own room
    assert scrolls == []
    assert people.select_person(person.id)
    assert "Sam Lee" in people.availability_title.text()
    tabs = people.availability_tabs
    assert tabs.tabText(1) == "Dates away or e&xtra"
    people.add_exception(person.id, date(2026, 11, 28), "away", "", "", "Family wedding")
    assert tabs.tabText(1) == "Dates away or e&xtra (1)"
    people.table.clearSelection()
    assert "select a person" in people.availability_title.text()
    assert tabs.tabText(1) == "Dates away or e&xtra"


def test_the_duties_tab_in_a_laptop_dock_has_one_scroll(qtbot, services: Services) -> None:
    """Docked at 1366x768 the selected duty had a scroll area of its own inside the dock's, squashed to a sliver
    under the calendar: now it is never squeezed below its text, and the dock's scroll area is the only one."""
    from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea

    from ruralwatch.ui.widgets.docks import DockScrollArea

    duty = _duty(services, title="Plant theft prevention patrol, a long title that wraps in a narrow dock")
    widget = RosterPanel(services, Operations(services, None, lambda title, message: None))
    dock = DockScrollArea(widget)
    qtbot.addWidget(dock)
    dock.resize(546, 640)
    dock.show()
    try:
        widget.show_tab("duties")
        duties = widget.duties_tab
        duties.go_to(MONDAY)
        assert duties.select_duty(duty)
        from ruralwatch.ui.widgets import MessageArea

        scrolls = [w for w in duties.findChildren(QAbstractScrollArea)
                   if not isinstance(w, QAbstractItemView | MessageArea)]  # a long message scrolls in its room
        assert scrolls == []  # lists and the calendar scroll their rows; nothing else inside the dock scrolls
        pane = duties.detail
        qtbot.waitUntil(lambda: pane.height() >= pane.layout().totalMinimumHeightForWidth(pane.width()) > 200,
                        timeout=5_000)
        assert dock.verticalScrollBar().maximum() > 0  # the dock's one scroll takes what does not fit
        dock.ensureWidgetVisible(duties.assign_button)
        qtbot.waitUntil(lambda: duties.assign_button.visibleRegion().boundingRect().height()
                        == duties.assign_button.height(), timeout=5_000)
    finally:
        widget.dispose()


def test_hours_come_straight_after_the_name_in_a_docked_panel(qtbot, panel: RosterPanel, services: Services) -> None:
    """Docked at 1366x768 (about 480 px) the Hours tab showed Name, Role and Station and cut the first month off:
    the hours, what the tab is for, needed a sideways scroll. Role and station now come after them."""
    # Added before November (the service's clock stamps it), so November is his to give (else a dash).
    services.people._now = lambda: datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    services.people.add(PersonInput(name="Callum Archer", role="special", station="Saffron Walden"))
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-11", "2026-11")
    headers = [hours.table.horizontalHeaderItem(c).text() for c in range(hours.table.columnCount())]
    assert headers == ["Name", "Total", "Nov 2026", "Below commitment", "Role", "Station"]
    assert hours.table.item(0, 2).text().startswith("0 / 16 h") and hours.table.item(0, 4).text() == "Special Constable"
    panel.resize(480, 700)
    qtbot.waitUntil(lambda: hours.table.viewport().width() < 470, timeout=5_000)
    header = hours.table.horizontalHeader()
    # The month and the total are in view without scrolling sideways.
    assert header.sectionViewportPosition(2) + header.sectionSize(2) <= hours.table.viewport().width()


def test_the_total_stays_in_view_and_the_running_month_is_so_far_not_below(qtbot, panel: RosterPanel,
                                                                            services: Services) -> None:
    """At 1366x768 (docked, about 480 px) from October to January the last month and the Total were off to the
    right; and the month still running read as a shortfall in the PDF. The Total comes after the name, and the
    running month says "so far" in the window, as in the PDF."""
    services.people._now = lambda: datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    services.people.add(PersonInput(name="Vikram Underwood", role="special", station="Saffron Walden"))
    services.hours._now = lambda: datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # December running, January to come
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-10", "2027-01")
    months = [hours.table.item(0, hours.FIRST_MONTH + n).text() for n in range(4)]
    assert months == ["0 / 16 h · below", "0 / 16 h · below", "0 / 16 h · so far", "0 / 16 h · to come"]
    assert hours.table.item(0, hours.TOTAL).text() == "0 / 64 h"
    assert hours.table.item(0, hours.FIRST_MONTH + 4).text() == "below in 2 of 2 finished"
    panel.resize(480, 700)
    qtbot.waitUntil(lambda: hours.table.viewport().width() < 470, timeout=5_000)
    header = hours.table.horizontalHeader()
    total = hours.TOTAL
    assert header.sectionViewportPosition(total) + header.sectionSize(total) <= hours.table.viewport().width()
    assert header.sectionSize(total) >= hours.table.sizeHintForColumn(total)  # the figures whole, not cut


def test_a_month_typed_whole_over_select_all_is_the_month_typed(qtbot, panel: RosterPanel) -> None:
    """A walk: select all in Until and type "2027-01" gave 2026-01 and "to: the period ends before it starts"."""
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-10", "2026-12")
    until = hours.month_to
    until.setFocus()
    qtbot.waitUntil(until.hasFocus, timeout=5_000)
    qtbot.keyClick(until, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(until, "2027-01")
    assert until.date().toString("yyyy-MM") == "2027-01"
    assert hours.summary is not None and hours.summary.month_to == "2027-01"
    assert panel.problems == []  # no "the period ends before it starts" on the way
    # A period that does end before it starts is named by the box's label, not the service's field name.
    hours.set_months("2026-10", "2026-09")
    assert hours.status.text() == "Hours not shown: Until: the period ends before it starts"


def test_autofill_proposal_gives_the_long_list_the_room(qtbot, services: Services) -> None:
    """A walk's proposal had 30 places to fill in a table showing 8 rows, above a gaps table holding one gap and
    170 px of nothing: a short table now takes only its rows, the long one the rest."""
    from ruralwatch.services.roster import AutofillOutcome
    from ruralwatch.ui.roster_autofill_dialog import AutofillDialog

    duty = services.roster.duty(_duty(services))
    outcome = AutofillOutcome(assignments=[(duty, f"p{n}", f"Person {n}") for n in range(30)],
                              gaps=[(duty, 1, ("no one available with Off-road / 4x4 driving (8 unavailable)",))],
                              applied=False)
    dialog = AutofillDialog(outcome, "the week")
    qtbot.addWidget(dialog)
    dialog.resize(900, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    gaps, places = dialog.gaps, dialog.assignments
    qtbot.waitUntil(lambda: gaps.height() < 100, timeout=5_000)
    # The gap's row is whole, and the places table has the height the gaps table gave up.
    assert gaps.viewport().height() >= gaps.rowHeight(0)
    assert places.height() > 3 * gaps.height()


def test_a_new_person_has_no_role_until_one_is_chosen_and_alt_letters_reach_name_and_role(
        qtbot, panel: RosterPanel, services: Services) -> None:
    """The form started on "Police officer (RET)": a coordinator adding a Special saved an officer by mistake. No
    role until one is chosen (as for a new account); Alt+N and Alt+R reach the name and the role."""
    from PySide6.QtWidgets import QApplication

    form = panel.people_tab.open_person_dialog()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    assert form.role.currentIndex() == -1 and form.role.currentData() is None
    assert form.role.placeholderText() == "choose a role"
    form.name.setText("Sam Reed")
    assert not form.save()
    assert "Role: choose a role" in form.error_label.text() and form.name.text() == "Sam Reed"
    assert services.people.list() == []
    for key, widget in ((Qt.Key.Key_R, form.role), (Qt.Key.Key_N, form.name)):
        qtbot.keyClick(form, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda w=widget: w.hasFocus())
    form.role.setCurrentIndex(form.role.findData("special"))
    assert form.save()
    assert services.people.find("Sam Reed").role == "special"


def test_tab_on_a_beginning_several_districts_share_lists_them(qtbot, panel: RosterPanel) -> None:
    """ "epping" + Tab was kept as typed and refused only at Save: Tab lists the districts it begins and stays."""
    from PySide6.QtWidgets import QApplication

    form = panel.people_tab.open_person_dialog()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    form.area.lineEdit().setFocus()
    qtbot.waitUntil(form.area.lineEdit().hasFocus)
    qtbot.keyClicks(form.area.lineEdit(), "br")  # Braintree, Brentwood
    popup = form.area.completer().popup()
    popup.hide()
    qtbot.keyClick(form.area.lineEdit(), Qt.Key.Key_Tab)
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    shown = [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())]
    assert shown == ["Braintree", "Brentwood"]
    assert form.area.currentText() == "br" and QApplication.focusWidget() in (form.area, form.area.lineEdit())
    popup.hide()
    form.close()


def test_the_area_box_offers_the_districts_and_keeps_an_old_area_as_it_was(qtbot, panel: RosterPanel,
                                                                           services: Services) -> None:
    """ "Uttles" was stored as typed and auto-fill stopped counting the person local to Uttlesford. The box lists
    the force's districts, takes the one a beginning stands for, and refuses a name that is none."""
    from PySide6.QtWidgets import QApplication

    form = panel.people_tab.open_person_dialog()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    assert [form.area.itemText(i) for i in range(form.area.count())][:3] == ["", "Southend-on-Sea", "Thurrock"]
    form.name.setText("Dev Hughes")
    form.role.setCurrentIndex(form.role.findData("special"))
    qtbot.keyClick(form, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # Ar&ea
    qtbot.waitUntil(lambda: form.area.hasFocus())
    qtbot.keyClicks(form.area.lineEdit(), "uttles")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # leaving the box, its list of districts open
    qtbot.waitUntil(lambda: form.area.currentText() == "Uttlesford")
    assert form.monthly_commitment_hours.hasFocus()
    form.area.setEditText("Atlantis")
    assert not form.save()
    assert "no district called 'Atlantis'" in form.error_label.text() and form.area.currentText() == "Atlantis"
    form.area.setEditText("Uttles")
    assert form.save() and services.people.find("Dev Hughes").area == "Uttlesford"

    old = services.people.add(PersonInput(name="Old Record", role="special")).id
    with services.store.transaction():
        services.people.people.update(old, {"area": "Dunmow beat"})  # typed before areas were checked
    form = panel.people_tab.open_person_dialog(old)
    assert form.area.currentText() == "Dunmow beat"
    form.phone.setText("07700 900123")
    assert form.save(), form.error_label.text()
    assert services.people.get(old).area == "Dunmow beat"


def test_the_duty_area_box_offers_the_districts_refuses_others_and_keeps_an_old_area(qtbot, panel: RosterPanel,
                                                                                   services: Services) -> None:
    """A duty's Area was free text ("Uttles" saved as typed, so auto-fill's "same area" never matched). It is the
    person form's box: the force's districts, a beginning settled on leaving it, a name that is no district refused
    with Area named and what was typed kept; an area stored before the check opens and saves unchanged."""
    from PySide6.QtWidgets import QApplication

    duties = panel.duties_tab
    panel.show_tab("duties")
    duties.go_to(MONDAY)
    form = duties.open_duty_dialog()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    assert [form.area.itemText(i) for i in range(form.area.count())][:3] == ["", "Southend-on-Sea", "Thurrock"]
    assert form.area.isEditable() and form.area.completer() is not None
    form.title.setText("Evening patrol")
    form.day.setDate(QDate(2026, 12, 7))
    qtbot.keyClick(form, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # &Area
    qtbot.waitUntil(lambda: form.area.hasFocus())
    qtbot.keyClicks(form.area.lineEdit(), "uttles")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # leaving the box, its list of districts open
    qtbot.waitUntil(lambda: form.area.currentText() == "Uttlesford")
    form.area.setEditText("Uttlsford")
    assert not form.save()
    assert "Area: Essex has no district called 'Uttlsford'. Did you mean: Uttlesford" in form.error_label.text()
    assert form.area.currentText() == "Uttlsford" and form.title.text() == "Evening patrol"
    assert "border" in form.area.styleSheet() and services.roster.duties(MONDAY, MONDAY) == []
    form.area.setEditText("Uttles")
    assert form.save() and [d.area for d in services.roster.duties(MONDAY, MONDAY)] == ["Uttlesford"]

    old = _duty(services, "Beat patrol", day=8)
    with services.store.transaction():
        services.roster.duties_table.update(old, {"area": "Dunmow beat"})  # typed before areas were checked
    form = duties.open_duty_dialog(old)
    assert form.area.currentText() == "Dunmow beat"
    form.max_crew.setValue(4)
    assert form.save(), form.error_label.text()
    assert (services.roster.duty(old).area, services.roster.duty(old).max_crew) == ("Dunmow beat", 4)


def test_the_person_form_refuses_a_second_person_of_the_same_name(qtbot, panel: RosterPanel,
                                                                    services: Services) -> None:
    """The window follows the same rule as `people add`: the second 'Sam Reed' is refused, the name marked."""
    services.people.add(PersonInput(name="Sam Reed", role="special"))
    form = panel.people_tab.open_person_dialog()
    form.name.setText("Sam  Reed")
    form.role.setCurrentIndex(form.role.findData("special"))
    assert not form.save()
    assert "already a person called Sam Reed" in form.error_label.text()
    assert len(services.people.list()) == 1
    form.collar_number.setText("SC4200")  # a collar number tells them apart
    assert form.save() and len(services.people.list()) == 2


def test_one_of_two_people_stored_alike_is_edited_in_the_form(qtbot, panel: RosterPanel, services: Services) -> None:
    """Two 'Dev Hughes' with no collar number from before duplicates were refused: the form refused every edit of
    either ('already a person called Dev Hughes'). A new phone number is saved; a new clash is still refused."""
    from ruralwatch.core.people import validate_person
    from ruralwatch.services.people import _encode

    ids = []
    with services.store.transaction():  # written as the old data was, without the check
        for _ in range(2):
            ids.append(services.people.people.insert(_encode(validate_person(PersonInput(name="Dev Hughes",
                                                                                         role="special")))))
    form = panel.people_tab.open_person_dialog(ids[0])
    form.phone.setText("07700 900123")
    assert form.save(), form.error_label.text()
    assert services.people.get(ids[0]).phone == "07700 900123"
    other = services.people.add(PersonInput(name="Ann Lee", role="special"))
    form = panel.people_tab.open_person_dialog(other.id)
    form.name.setText("Dev Hughes")
    assert not form.save()
    assert "already a person called Dev Hughes" in form.error_label.text() and form.name.text() == "Dev Hughes"
    assert services.people.get(other.id).name == "Ann Lee"


def test_todays_column_shows_its_date_in_a_docked_week(qtbot) -> None:
    """Docked at 1366x768 (seven columns in about 450 px) today's heading read 'Tue / Nov · tod': the date itself
    was cut off. Each line of every heading now fits its column."""
    from ruralwatch.ui.roster_grid import CalendarGrid

    grid = CalendarGrid()
    qtbot.addWidget(grid)
    grid.resize(450, 400)
    grid.show()
    grid.show_days(MONDAY, 1, None, [], today=MONDAY + timedelta(days=1))
    qtbot.waitUntil(lambda: grid.viewport().width() > 0, timeout=5_000)
    metrics = grid.horizontalHeader().fontMetrics()
    for column in range(7):
        label = grid.horizontalHeaderItem(column).text()
        for line in label.split("\n"):
            assert metrics.horizontalAdvance(line) + 6 <= grid.columnWidth(column), (label, grid.columnWidth(column))
    assert "08 Dec" in grid.horizontalHeaderItem(1).text() and "today" in grid.horizontalHeaderItem(1).text()


@pytest.mark.parametrize("scale", [1.0, 4 / 3])
def test_duty_titles_are_whole_in_a_docked_week(qtbot, services: Services, scale: float) -> None:
    """Docked at 1366x768 (seven day columns of about 65 px) the week showed "Plant theft preve… patrol" and, under
    Larger text, "Eveni…" and "Dawn hare cours…": the coordinator could not tell the duties apart. Every word of
    every title is now painted (a word wider than the column elided, whole in the tooltip), and the row is as tall
    as its lines."""
    from font_helpers import text_scaled

    from ruralwatch.ui.roster_grid import CalendarGrid, WrappingDelegate, describe

    titles = ["Plant theft prevention patrol", "Dawn hare coursing patrol", "Evening rural crime patrol"]
    for day, title in enumerate(titles, start=7):
        _duty(services, title=title, day=day)
    looks = [describe(d, {}) for d in services.roster.duties(MONDAY, MONDAY + timedelta(days=6))]
    with text_scaled(scale):
        grid = CalendarGrid()
        qtbot.addWidget(grid)
        grid.resize(450, 600)
        grid.show()
        grid.show_days(MONDAY, 1, None, looks, today=MONDAY)
        qtbot.waitUntil(lambda: grid.viewport().width() > 0, timeout=5_000)
        metrics = grid.fontMetrics()
        text_width = grid.columnWidth(0) - 2 * WrappingDelegate._margin(grid)
        assert text_width < metrics.horizontalAdvance("prevention")  # the column is too narrow for the longest word
        assert grid.horizontalScrollBar().maximum() == 0  # and the week still fits the docked width
        for look in looks:
            row, column = grid.cells[look.duty.id]
            lines = grid.cell_lines(row, column)
            # Broken at spaces only: a word too wide for the column is elided on its own line, never hyphenated
            # (a walk saw "18:00–2-2:00" and "comple-ted"); times are always whole.
            words = look.text.replace("\u200b", " ").split()
            painted = " ".join(lines).split()
            assert len(painted) == len(words), (lines, words)
            for shown, word in zip(painted, words, strict=True):
                assert shown == word or (shown.endswith("…") and word.startswith(shown[:-1])), (shown, word)
            assert not any(line.endswith("-") for line in lines), lines
            assert "19:00–" in painted[0] and "23:00" in lines[0] + lines[1]
            assert all(metrics.horizontalAdvance(line) <= text_width for line in lines), lines
            needed = len(lines) * metrics.lineSpacing()
            qtbot.waitUntil(lambda r=row, h=needed: grid.rowHeight(r) >= h, timeout=5_000)
            assert grid.item(row, column).toolTip().startswith(look.duty.title)  # the whole title on hover too


def test_a_holiday_is_added_as_one_range_of_dates(qtbot, panel: RosterPanel, services: Services) -> None:
    """A two-week holiday took 14 entries: the last day follows the first until changed, and one Add takes them
    all; a last day before the first is refused with the input kept."""
    people = panel.people_tab
    person = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    people.refresh()
    assert people.select_person(person.id)
    people.exception_date.setDate(QDate(2026, 12, 7))
    assert people.exception_to.date() == QDate(2026, 12, 7)  # one day unless a last day is given
    people.exception_to.setDate(QDate(2026, 12, 1))
    people.exception_kind.setCurrentIndex(people.exception_kind.findData("away"))
    people.exception_note.setText("Holiday")
    assert people.add_exception() is None
    assert "before the first" in people.exception_error.text() and "before the first" in people.exception_to.toolTip()
    assert people.exceptions.rowCount() == 0 and people.exception_note.text() == "Holiday"
    people.exception_to.setDate(QDate(2026, 12, 20))
    assert people.add_exception() is not None
    assert people.exceptions.rowCount() == 14
    assert [people.exceptions.item(r, 0).text() for r in (0, 13)] == ["2026-12-07", "2026-12-20"]
    assert people.exception_status.text() == "14 dates added, 07 Dec to 20 Dec 2026."
    assert people.availability_tabs.tabText(1) == "Dates away or e&xtra (14)"
    people.exception_date.setDate(QDate(2026, 12, 24))
    assert people.exception_to.date() == QDate(2026, 12, 24)  # never before the first day


def test_enter_in_the_note_adds_the_dates_away(qtbot, panel: RosterPanel, services: Services) -> None:
    """Enter in the 'dates away' note did nothing: it adds the date(s), as the Add button does."""
    people = panel.people_tab
    person = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    people.refresh()
    assert people.select_person(person.id)
    people.exception_date.setDate(QDate(2026, 12, 7))
    people.exception_to.setDate(QDate(2026, 12, 9))
    people.exception_kind.setCurrentIndex(people.exception_kind.findData("away"))
    qtbot.keyClicks(people.exception_note, "Holiday")
    qtbot.keyClick(people.exception_note, Qt.Key.Key_Return)
    assert people.exceptions.rowCount() == 3
    assert people.exceptions.item(0, 3).text() == "Holiday" and people.exception_note.text() == ""
    assert len(services.people.exceptions_of(person.id)) == 3


def test_months_before_a_person_was_added_show_a_dash_not_below(qtbot, panel: RosterPanel,
                                                                services: Services) -> None:
    """Months before someone was added showed a red "0 / 16 h · below"; they are not theirs to be judged on."""
    services.people._now = lambda: datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # the day they were added
    services.people.add(PersonInput(name="New Start", role="special", station="Maldon"))
    services.hours._now = lambda: datetime(2027, 2, 15, tzinfo=UTC)  # October to January are over
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-10", "2027-01")
    cells = [hours.table.item(0, column) for column in range(hours.FIRST_MONTH, hours.FIRST_MONTH + 4)]
    assert [c.text() for c in cells] == ["—", "—", "0 / 16 h · below", "0 / 16 h · below"]
    assert all(c.background().color() != theme.tone("problem").background for c in cells[:2])
    assert hours.table.item(0, hours.TOTAL).text() == "0 / 32 h"  # only the months since being added are committed
    assert hours.table.item(0, hours.FIRST_MONTH + 4).text() == "below in 2 of 2 finished"


def test_add_slot_offers_the_next_day_and_the_saved_message_stays(qtbot, panel: RosterPanel,
                                                                  services: Services) -> None:
    """A walk: Add slot gave Monday 18:00-23:00 on every click, the three copies were saved, and 'Saved 3 weekly
    slots.' vanished at once under the refresh the save itself caused."""
    people = panel.people_tab
    person = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    people.refresh()
    assert people.select_person(person.id)
    for _ in range(3):
        qtbot.mouseClick(people.add_slot_button, Qt.MouseButton.LeftButton)
    table = people.weekly.table
    assert [table.cellWidget(r, 0).currentText() for r in range(3)] == ["Monday", "Tuesday", "Wednesday"]
    table.cellWidget(2, 1).setTime(QTime(19, 0))
    qtbot.mouseClick(people.add_slot_button, Qt.MouseButton.LeftButton)
    assert (table.cellWidget(3, 0).currentText(), table.cellWidget(3, 1).time()) == ("Thursday", QTime(19, 0))

    with qtbot.waitSignal(panel.refreshed, timeout=5_000):
        qtbot.mouseClick(people.save_weekly_button, Qt.MouseButton.LeftButton)
    assert len(services.people.weekly_pattern(person.id)) == 4
    assert people.weekly_status.text() == "Saved 4 weekly slots." and people.weekly_status.isVisibleTo(panel)

    # The same evening twice is refused, named and marked; what was saved stays.
    table.cellWidget(1, 0).setCurrentIndex(0)
    assert not people.save_weekly()
    assert "slot 2" in people.weekly_status.text() and "the same as slot 1" in people.weekly_status.text()
    assert "border" in table.cellWidget(1, 1).styleSheet()
    assert len(services.people.weekly_pattern(person.id)) == 4


def test_choosing_another_person_with_availability_not_saved_asks_save_discard_or_cancel(
        qtbot, panel: RosterPanel, services: Services) -> None:
    """A walk: evenings typed for one Special, then a click on the next name: the evenings were gone without a word
    (signing out and closing already asked). Cancel keeps the person and what was typed; a refused Save too;
    Save keeps it; Discard drops it."""
    from ruralwatch.ui.widgets.unsaved import CANCEL, DISCARD, SAVE

    people = panel.people_tab
    ann = services.people.add(PersonInput(name="Ann Lee", role="special", collar_number="SC1"))
    bob = services.people.add(PersonInput(name="Bob Hart", role="special", collar_number="SC2"))
    people.refresh()
    asked: list[str] = []
    answers: list[str] = []
    people.ask_unsaved = lambda title, question: asked.append(question) or answers.pop(0)

    def click(person_id: str) -> None:
        row = [p.id for p in people.people].index(person_id)
        rect = people.table.visualRect(people.table.model().index(row, 0))
        qtbot.mouseClick(people.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    def typed() -> list[tuple[int, int, int]]:
        return [(s.weekday, int(s.start[:2]), int(s.end[:2])) for s in people.weekly.slots()]

    click(ann.id)
    assert people.selected_id() == ann.id and asked == []
    people.weekly.add_row(0, time(18, 0), time(23, 0))
    answers.append(CANCEL)
    click(bob.id)
    assert asked == ["The weekly availability of Ann Lee is not saved.\n\nSave it before showing Bob Hart's?"]
    assert people.selected_id() == ann.id and typed() == [(0, 18, 23)]
    assert "Ann Lee" in people.availability_title.text()
    assert services.people.weekly_pattern(ann.id) == []

    people.weekly.add_row(0, time(18, 0), time(23, 0))  # the same evening twice: the rules refuse the save
    answers.append(SAVE)
    click(bob.id)
    assert people.selected_id() == ann.id and len(typed()) == 2 and "Not saved" in people.weekly_status.text()
    assert services.people.weekly_pattern(ann.id) == []

    people.weekly.remove_row(1)
    answers.append(SAVE)
    click(bob.id)
    assert people.selected_id() == bob.id and typed() == [] and "Bob Hart" in people.availability_title.text()
    assert [(s.weekday, s.start.hour) for s in services.people.weekly_pattern(ann.id)] == [(0, 18)]

    people.weekly.add_row(3, time(19, 0), time(22, 0))
    answers.append(DISCARD)
    click(ann.id)
    assert people.selected_id() == ann.id and typed() == [(0, 18, 23)]
    assert services.people.weekly_pattern(bob.id) == [] and len(asked) == 4 and answers == []
    click(bob.id)  # nothing typed: no question
    assert people.selected_id() == bob.id and len(asked) == 4


def test_hiding_the_person_being_edited_asks_before_dropping_their_availability(
        qtbot, panel: RosterPanel, services: Services) -> None:
    """A walk: evenings typed for a Special who has left (listed with "Show people who have left"), then the box
    unticked: the person and the evenings were gone without a word. It asks as choosing another person does:
    Cancel (or a refused Save) keeps the box ticked and what was typed; Save keeps it; Discard drops it."""
    from ruralwatch.ui.widgets.unsaved import CANCEL, DISCARD, SAVE

    people = panel.people_tab
    gone = services.people.add(PersonInput(name="Ann Lee", role="special", collar_number="SC1"))
    services.people.add(PersonInput(name="Bob Hart", role="special", collar_number="SC2"))
    services.people.mark_left(gone.id, date(2026, 11, 30))
    people.show_left.setChecked(True)
    asked: list[str] = []
    answers: list[str] = []
    people.ask_unsaved = lambda title, question: asked.append(question) or answers.pop(0)

    def typed() -> list[tuple[int, int, int]]:
        return [(s.weekday, int(s.start[:2]), int(s.end[:2])) for s in people.weekly.slots()]

    assert people.select_person(gone.id)
    people.weekly.add_row(0, time(18, 0), time(23, 0))
    answers.append(CANCEL)
    people.show_left.setChecked(False)
    assert asked == ["The weekly availability of Ann Lee is not saved.\n\nSave it before hiding the people who "
                     "have left?"]
    assert people.show_left.isChecked() and people.selected_id() == gone.id and typed() == [(0, 18, 23)]
    assert gone.id in [p.id for p in people.people] and services.people.weekly_pattern(gone.id) == []

    people.weekly.add_row(0, time(18, 0), time(23, 0))  # the same evening twice: the rules refuse the save
    answers.append(SAVE)
    people.show_left.setChecked(False)
    assert people.show_left.isChecked() and len(typed()) == 2 and "Not saved" in people.weekly_status.text()
    assert services.people.weekly_pattern(gone.id) == []

    people.weekly.remove_row(1)
    answers.append(SAVE)
    people.show_left.setChecked(False)
    assert not people.show_left.isChecked() and gone.id not in [p.id for p in people.people]
    assert [(s.weekday, s.start.hour) for s in services.people.weekly_pattern(gone.id)] == [(0, 18)]
    assert people.unsaved_changes() == []

    people.show_left.setChecked(True)
    assert people.select_person(gone.id) and typed() == [(0, 18, 23)]
    people.weekly.add_row(3, time(19, 0), time(22, 0))
    answers.append(DISCARD)
    people.show_left.setChecked(False)
    assert not people.show_left.isChecked() and gone.id not in [p.id for p in people.people]
    assert people.selected_id() is None and typed() == [] and people.unsaved_changes() == []
    assert len(services.people.weekly_pattern(gone.id)) == 1 and len(asked) == 4 and answers == []
    people.show_left.setChecked(True)  # nothing typed: no question either way
    people.show_left.setChecked(False)
    assert len(asked) == 4


def test_a_refresh_or_change_elsewhere_keeps_availability_typed_and_not_saved(
        qtbot, panel: RosterPanel, services: Services) -> None:
    """Evenings typed for a Special, then the roster refreshed (Refresh, or a change from the command line or
    another laptop): marked as left elsewhere, they vanished from the list with what was typed. They stay listed
    with it until it is saved or discarded (choosing another person asks, as always); a person still listed keeps
    it through any refresh; a person removed elsewhere is said to be, not dropped silently."""
    from ruralwatch.core.people import WeeklySlotInput
    from ruralwatch.ui.widgets.unsaved import DISCARD

    people = panel.people_tab
    ann = services.people.add(PersonInput(name="Ann Lee", role="special", collar_number="SC1"))
    bob = services.people.add(PersonInput(name="Bob Hart", role="special", collar_number="SC2"))
    people.refresh()
    asked: list[str] = []
    answers: list[str] = []
    people.ask_unsaved = lambda title, question: asked.append(question) or answers.pop(0)

    def typed() -> list[tuple[int, int, int]]:
        return [(s.weekday, int(s.start[:2]), int(s.end[:2])) for s in people.weekly.slots()]

    assert people.select_person(bob.id)
    people.weekly.add_row(0, time(18, 0), time(23, 0))
    services.people.add(PersonInput(name="Aaron Ash", role="special", collar_number="SC3"))  # listed before Bob
    services.people.set_weekly(bob.id, [WeeklySlotInput(2, "08:00", "10:00")])  # his stored week changed too
    panel.refresh()
    assert people.selected_id() == bob.id and typed() == [(0, 18, 23)] and asked == []

    services.people.mark_left(bob.id, date(2026, 11, 30))  # elsewhere; the hub refreshes the panel
    qtbot.waitUntil(lambda: "Left 2026-11-30" in [people.table.item(r, people.COLUMNS.index("Status")).text()
                                                   for r in range(people.table.rowCount())])
    assert not people.show_left.isChecked() and bob.id in [p.id for p in people.people]
    assert people.selected_id() == bob.id and typed() == [(0, 18, 23)] and asked == []
    assert "Bob Hart has left; listed until" in people.status.text()
    assert people.unsaved_changes() == ["the weekly availability of Bob Hart"]
    panel.refresh()
    assert people.selected_id() == bob.id and typed() == [(0, 18, 23)]

    answers.append(DISCARD)  # settled by choosing another person: then he goes from the list
    people.select_person(ann.id)
    assert asked == ["The weekly availability of Bob Hart is not saved.\n\nSave it before showing Ann Lee's?"]
    qtbot.waitUntil(lambda: bob.id not in [p.id for p in people.people])
    assert people.selected_id() == ann.id and "Ann Lee" in people.availability_title.text()

    people.weekly.add_row(4, time(18, 0), time(22, 0))  # Ann's, then she is removed elsewhere
    services.people.remove(ann.id)
    qtbot.waitUntil(lambda: ann.id not in [p.id for p in people.people])
    assert "Ann Lee was removed elsewhere: the weekly availability typed for them was not saved" in (
        people.status.text())
    assert people.selected_id() is None and typed() == [] and people.unsaved_changes() == [] and len(asked) == 1


def test_availability_messages_move_no_button_or_box(qtbot, panel: RosterPanel, services: Services) -> None:
    """A walk at 1366x768: a message under the weekly slots or the dates away moved the buttons and boxes above
    it, so a click landed on the wrong control. Their room is kept while they are empty."""
    from test_message_area import where

    people = panel.people_tab
    person = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    people.refresh()
    assert people.select_person(person.id)
    weekly = (people.add_slot_button, people.save_weekly_button, people.weekly.table)
    before = where(people, *weekly)
    people.weekly.add_next()
    people.save_weekly()
    assert "Saved" in people.weekly_status.text() and people.weekly_status.isVisible()
    assert where(people, *weekly) == before
    people.availability_tabs.setCurrentIndex(1)
    dates = (people.add_exception_button, people.exception_note, people.exception_date)
    before = where(people, *dates)
    people.exception_to.setDate(people.exception_date.date().addDays(-3))  # ends before it begins
    assert people.add_exception() is None  # refused: the message appears
    assert "Not added" in people.exception_error.text()
    assert where(people, *dates) == before


def test_a_special_is_offered_only_what_the_role_may_do_and_told_when_not_linked(qtbot, services: Services) -> None:
    """A walk as a Special: New person… and the hours exports looked enabled (the service refuses them), and a
    Special whose account had no roster person was not told why they could not give availability."""
    from ruralwatch.core.permissions import Actor

    mine = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    theirs = services.people.add(PersonInput(name="Jo Bell", role="special", collar_number="SC2"))

    def opened() -> RosterPanel:
        widget = RosterPanel(services, Operations(services, None, lambda title, message: None))
        qtbot.addWidget(widget)
        widget.resize(1200, 800)
        widget.show()
        return widget

    services.store.actor = Actor("sc1", "special")  # not linked to anyone
    panel = opened()
    try:
        people = panel.people_tab
        assert people.link_hint.isVisible() and "not linked" in people.link_hint.text()
        assert not people.add_button.isVisible() and not people.edit_button.isVisible()
        panel.show_tab("hours")
        assert not any(button.isVisible() for button in panel.hours_tab.export_buttons)
        panel.show_tab("duties")
        assert not panel.duties_tab.autofill_button.isVisible() and not panel.duties_tab.assign_button.isVisible()
        panel.show_tab("people")
        assert people.select_person(mine.id) and not people.save_weekly_button.isEnabled()
    finally:
        panel.dispose()
    services.store.actor = Actor("sc1", "special", person_id=mine.id)
    panel = opened()
    try:
        people = panel.people_tab
        assert not people.link_hint.isVisible()
        assert people.select_person(mine.id) and people.save_weekly_button.isEnabled()
        assert people.select_person(theirs.id) and not people.save_weekly_button.isEnabled()
        assert "shown only" in people.availability_title.text()
    finally:
        panel.dispose()


def test_the_area_box_gives_one_of_the_forces_own_districts_as_its_example(qtbot, services: Services) -> None:
    """A Norfolk walk's person form said 'district, e.g. Uttlesford', an Essex district Norfolk refuses."""
    from ruralwatch.ui.roster_people import PersonDialog

    services.geography.use_force("Norfolk")
    form = PersonDialog(services.people)
    qtbot.addWidget(form)
    assert form.area.lineEdit().placeholderText() == "district, e.g. Breckland"


def test_leaving_the_area_box_by_its_alt_letter_closes_its_list(qtbot, panel: RosterPanel,
                                                                 services: Services) -> None:
    """On the real display "Uttles", Alt+P, "07700 900125" saved Area "Uttlesford0" and Phone "7700 900125": the
    focus moved to Phone but the list of districts stayed open, and a completer's list hands the keys typed to its
    own box. Keys go where the application sends them: to the open list (a popup) if there is one."""
    from PySide6.QtWidgets import QApplication

    def typed(keys: str, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        for key in keys:
            qtbot.keyClick(QApplication.activePopupWidget() or QApplication.focusWidget(), key, modifier)

    form = panel.people_tab.open_person_dialog()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    form.name.setText("Dev Hughes")
    form.role.setCurrentIndex(form.role.findData("special"))
    qtbot.keyClick(form, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # Ar&ea
    qtbot.waitUntil(lambda: form.area.hasFocus())
    typed("uttles")
    popup = form.area.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(form, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # &Phone
    qtbot.waitUntil(lambda: form.phone.hasFocus())
    assert not popup.isVisible()
    typed("07700 900125")
    assert form.area.currentText() == "Uttlesford"
    assert form.phone.text() == "07700 900125"


def test_hours_show_the_hours_planned_and_who_they_put_over(qtbot, panel: RosterPanel, services: Services) -> None:
    """After auto-filling a month every cell read '0 / 16 h', the Special given 41 hours too: the Hours tab counted
    only completed duties. The hours planned show beside those given, and 'over' when together they pass it."""
    keen = services.people.add(PersonInput(name="Keen Bean", role="special", station="Maldon",
                                           monthly_commitment_hours="6"))
    done = _duty(services, "Done patrol", day=5, start="09:00", end="13:00")
    to_come = _duty(services, "Later patrol", day=12, start="09:00", end="12:00")
    for duty_id in (done, to_come):
        services.roster.assign(duty_id, keen.id, override_reason="hours test")
    services.roster.set_status(done, "completed")
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-12", "2026-12")
    cell = hours.table.item(0, hours.FIRST_MONTH)
    assert cell.text() == "4 / 6 h + 3 planned · over"
    assert "3 h more planned" in cell.toolTip()


def test_a_day_away_on_a_rostered_duty_warns_and_the_calendar_shows_it_at_risk(qtbot, panel: RosterPanel,
                                                                                 services: Services) -> None:
    """The walk: a Special marked a day away when already on a duty that day; no warning, and the coordinator's
    calendar still said the duty was crewed."""
    sam = services.people.add(PersonInput(name="Sam Reed", role="special", station="Maldon"))
    services.people.set_weekly(sam.id, [])
    duty_id = _duty(services, day=9)
    services.roster.assign(duty_id, sam.id, override_reason="agreed")  # no weekly pattern: an override
    duties = panel.duties_tab
    duties.go_to(MONDAY)
    panel.refresh()
    assert "✓ crewed" in duties.grid.look_of(duty_id).text()

    people = panel.people_tab
    panel.show_tab("people")
    people.select_person(sam.id)
    people.availability_tabs.setCurrentWidget(people.exceptions_box)
    people.all_day.setChecked(True)
    assert people.add_exception(on=date(2026, 12, 9), kind="away")
    # Said at the top of the tab, not under the dates-away form (below the fold at 1366x768), with the way there.
    warning = people.away_banner_text
    assert people.away_banner.isVisible() and people.away_banner.mapTo(people, people.rect().topLeft()).y() < 80
    assert "Sam Reed is rostered on Evening patrol (Wed 9 Dec 19:00–23:00, Maldon)" in warning.text()
    assert "at risk" in warning.text() and "see the warning at the top" in people.exception_status.text()
    qtbot.waitUntil(lambda: "at risk" in duties.grid.look_of(duty_id).text(), timeout=5_000)
    look = duties.grid.look_of(duty_id)
    assert "⚠ at risk: 1 away" in look.text() and "Sam Reed is away on Wed 9 Dec" in look.toolTip()
    assert look.background().color() == theme.tone("gap").background
    duties.go_to(MONDAY + timedelta(days=28))  # elsewhere: the button brings the duty into view
    people.away_duties_button.click()
    assert panel.tabs.currentWidget() is duties and duties.selected_duty().id == duty_id
    assert "⚠ at risk: Sam Reed is away on Wed 9 Dec" in duties.duty_info.text()
    # Another date away with no duty: no warning.
    panel.show_tab("people")
    assert people.add_exception(on=date(2026, 12, 10), kind="away")
    assert "rostered" not in people.exception_status.text() and not people.away_banner.isVisible()


def test_add_duty_repeats_weekly_until_a_date_in_one_save(qtbot, panel: RosterPanel, services: Services) -> None:
    """A month of Saturday patrols took sixteen dialogs: now Repeat weekly until, across the clocks going back."""
    duties = panel.duties_tab
    panel.show_tab("duties")
    form = duties.open_duty_dialog()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    form.title.setText("Saturday patrol")
    form.day.setDate(QDate(2026, 10, 17))
    form.start.setTime(QTime(18, 0))
    form.end.setTime(QTime(23, 0))
    form.station.setCurrentText("Maldon")
    assert not form.repeat_until.isEnabled()
    qtbot.keyClick(form, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Repeat weekly &until
    qtbot.waitUntil(lambda: form.repeat.isChecked() and form.repeat_until.isEnabled())
    form.repeat_until.setDate(QDate(2026, 11, 14))
    assert form.save()
    added = services.roster.duties(date(2026, 10, 1), date(2026, 11, 30))
    assert [(d.start.astimezone(LONDON).strftime("%d %b %H:%M"), d.end.astimezone(LONDON).strftime("%H:%M"))
            for d in added] == [("17 Oct 18:00", "23:00"), ("24 Oct 18:00", "23:00"), ("31 Oct 18:00", "23:00"),
                                ("07 Nov 18:00", "23:00"), ("14 Nov 18:00", "23:00")]
    assert duties.status.text().startswith("Saved 5 duties: Saturday patrol every Saturday from Sat 17 Oct 2026")
    # A date before the duty's is refused with the box marked, and nothing more is added.
    again = duties.open_duty_dialog()
    again.title.setText("Saturday patrol")
    again.day.setDate(QDate(2026, 12, 5))
    again.repeat.setChecked(True)
    again.repeat_until.setDate(QDate(2026, 12, 1))
    assert not again.save()
    assert "before the duty's date" in again.error_label.text() and again.title.text() == "Saturday patrol"
    assert len(services.roster.duties(date(2026, 10, 1), date(2026, 12, 31))) == 5
    again.reject()
    # Editing a duty offers no repeat.
    edit = duties.open_duty_dialog(added[0].id)
    assert not edit.repeat.isVisibleTo(edit) and not edit.repeat_until.isVisibleTo(edit)
    edit.reject()


def test_no_commitment_shows_none_and_the_column_is_on_screen_in_a_narrow_panel(qtbot, panel: RosterPanel,
                                                                                 services: Services) -> None:
    """At 1366x768 docked, Skills pushed Commitment off the table; an officer showed "0 h/month"."""
    services.people.add(PersonInput(name="Ian Reed", role="officer", station="Great Dunmow",
                                    skills=["rural_crime", "off_road", "first_aid", "wildlife_crime"]))
    services.people.add(PersonInput(name="Dev Hughes", role="special", station="Great Dunmow"))
    panel.show_tab("people")
    panel.resize(470, 700)  # the docked panel's width at 1366x768
    people = panel.people_tab
    people.refresh()
    column = people.COLUMNS.index("Commitment")
    rows = {people.table.item(r, 0).text(): r for r in range(people.table.rowCount())}
    assert people.table.item(rows["Ian Reed"], column).text() == "none"
    assert people.table.item(rows["Dev Hughes"], column).text() == "16 h/month"
    header = people.table.horizontalHeader()
    right = header.sectionViewportPosition(column) + header.sectionSize(column)
    assert right <= people.table.viewport().width(), "Commitment is off to the right"
    form = people.open_person_dialog(services.people.find("Ian Reed").id)
    assert form.monthly_commitment_hours.text() == ""
    assert form.monthly_commitment_hours.placeholderText() == "blank: no commitment for this role"
    form.reject()


def test_saved_goes_after_a_while_and_a_problem_stays(qtbot, panel: RosterPanel, services: Services) -> None:
    """"Saved Ian Reed." stayed on screen for good."""
    people = panel.people_tab
    people._status_timer.setInterval(50)  # the real wait is seconds; its length is not what is tested
    form = people.open_person_dialog()
    form.name.setText("Ian Reed")
    form.role.setCurrentIndex(form.role.findData("officer"))
    assert form.save()
    assert people.status.text() == "Saved Ian Reed." and not people.status.isHidden()
    qtbot.waitUntil(lambda: people.status.isHidden() and people.status.text() == "", timeout=5_000)
    people.report("Not saved: the disk is full")
    assert not people._status_timer.isActive() and not people.status.isHidden()


def test_the_dates_away_first_day_and_times_have_alt_letters(qtbot, panel: RosterPanel, services: Services) -> None:
    sam = services.people.add(PersonInput(name="Sam Reed", role="special"))
    panel.refresh()
    panel.show_tab("people")
    people = panel.people_tab
    assert people.select_person(sam.id)
    people.availability_tabs.setCurrentWidget(people.exceptions_box)
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    people.exceptions.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Fir&st day
    qtbot.waitUntil(lambda: people.exception_date.hasFocus())
    people.all_day.setChecked(False)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)  # &between
    qtbot.waitUntil(lambda: people.exception_start.hasFocus())


def test_switching_week_and_month_leaves_the_header_where_it_was(qtbot, panel: RosterPanel) -> None:
    """The period text ("Week of ..." or "December 2026") rewrapped the header at some widths (docked at 1366x768
    among them): the buttons under it moved, and a click landed on the wrong one."""
    duties = panel.duties_tab
    panel.show_tab("duties")
    duties.go_to(MONDAY)

    def places() -> list[tuple[int, int]]:
        widgets = [duties.autofill_button, duties.person_filter, duties.month_button, duties.week_button]
        return [(w.mapTo(duties, w.rect().topLeft()).x(), w.mapTo(duties, w.rect().topLeft()).y()) for w in widgets]

    moved = []
    for width in range(400, 900, 25):
        panel.resize(width, 700)
        duties.set_view("week")
        QApplication.processEvents()
        before = places()
        duties.set_view("month")
        QApplication.processEvents()
        assert duties.period_label.text() == "December 2026"
        if places() != before:
            moved.append(width)
    assert moved == []


def test_a_special_signed_in_finds_their_own_availability_open(qtbot, services: Services) -> None:
    """A walk: the Special signed in to give their availability and met 'Availability: select a person above'
    with the editor greyed; their own entry is chosen to start with."""
    from ruralwatch.core.permissions import Actor

    services.people.add(PersonInput(name="Ann Reed", role="officer", collar_number="PC1"))
    tom = services.people.add(PersonInput(name="Tom Hale", role="special", collar_number="SC2"))
    services.store.actor = Actor("sc2", "special", person_id=tom.id)
    widget = RosterPanel(services, Operations(services, None, lambda title, message: None))
    qtbot.addWidget(widget)
    widget.show()
    try:
        people = widget.people_tab
        assert people.selected_id() == tom.id
        assert "Tom Hale" in people.availability_title.text()
    finally:
        widget.dispose()


def test_a_linked_special_opens_the_duties_on_their_own_and_a_coordinator_on_everyone(qtbot,
                                                                                       services: Services) -> None:
    """A walk as a Special linked to their person: the Duties tab opened on Everyone, the week full of others'
    duties; theirs come first now ("Mine"), and a coordinator still opens on everyone's."""
    from ruralwatch.core.permissions import Actor

    mine = services.people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    theirs = services.people.add(PersonInput(name="Jo Bell", role="special", collar_number="SC2"))
    own, other = _duty(services, title="Sam's duty", day=7), _duty(services, title="Jo's duty", day=8)
    services.roster.assign(own, mine.id, override_reason="test")
    services.roster.assign(other, theirs.id, override_reason="test")

    def duties_shown_as(actor: Actor) -> tuple[str, set[str]]:
        services.store.actor = actor
        widget = RosterPanel(services, Operations(services, None, lambda title, message: None))
        qtbot.addWidget(widget)
        try:
            widget.show_tab("duties")
            duties = widget.duties_tab
            duties.go_to(MONDAY)
            return duties.person_filter.currentText(), {look.duty.id for look in duties.looks}
        finally:
            widget.dispose()

    assert duties_shown_as(Actor("sc1", "special", person_id=mine.id)) == ("Mine (Sam Lee)", {own})
    assert duties_shown_as(Actor("coord", "coordinator")) == ("Everyone", {own, other})
    assert duties_shown_as(Actor("sc9", "special")) == ("Everyone", {own, other})  # not linked: nobody's own
    services.store.actor = Actor("sc1", "special", person_id=mine.id)
    # Chosen by hand, Everyone stays through a refresh (only the first fill picks Mine).
    widget = RosterPanel(services, Operations(services, None, lambda title, message: None))
    qtbot.addWidget(widget)
    try:
        duties = widget.duties_tab
        duties.set_person_filter(None)
        widget.refresh()
        assert duties.person_filter.currentText() == "Everyone"
    finally:
        widget.dispose()


def test_a_few_minutes_given_are_not_shown_as_none(qtbot, panel: RosterPanel, services: Services) -> None:
    """A 2-minute patrol showed "0 / 16 h" in the Hours tab, as if nothing was given: now "<0.1 / 16 h", and the
    tooltip says the minutes."""
    person = services.people.add(PersonInput(name="Quick Check", role="special", station="Maldon"))
    duty_id = _duty(services, "Quick look", day=5, start="09:00", end="09:02")
    services.roster.assign(duty_id, person.id, override_reason="hours test")
    services.roster.set_status(duty_id, "completed")
    services.hours._now = lambda: datetime(2027, 1, 15, tzinfo=UTC)
    hours = panel.hours_tab
    panel.show_tab("hours")
    hours.set_months("2026-12", "2026-12")
    cell = hours.table.item(0, hours.FIRST_MONTH)
    assert cell.text() == "<0.1 / 16 h · below"
    assert "2 min given of 16 h committed" in cell.toolTip()
    assert hours.by_station.item(0, 1).text() == "<0.1"


def test_assign_someone_lists_the_free_first_and_says_why_the_others_are_not(qtbot, panel: RosterPanel,
                                                                             services: Services) -> None:
    """The walk: "Assign someone" listed all forty people by name, the one away, community volunteers the duty does
    not allow and a crew member already on it among them, and never said who was free."""
    from ruralwatch.core.people import WeeklySlotInput

    def person(name: str, role: str = "special") -> str:
        added = services.people.add(PersonInput(name=name, role=role, station="Maldon"))
        services.people.set_weekly(added.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
        return added.id

    on_it, away, _volunteer, _free = (person("Ann On-it"), person("Bea Away"), person("Dee Volunteer", "volunteer"),
                                      person("Zac Free"))
    busy = person("Yan Busy")  # already 6 h in December: owed less than Zac, so after him (it was by name)
    services.people.add_exceptions(away, "2026-12-03", "2026-12-09", "away")
    duty_id = services.roster.add_duty(DutyInput(
        title="Evening patrol", kind="joint_patrol", start="2026-12-07 19:00", end="2026-12-07 23:00",
        station="Maldon", allowed_roles=["officer", "special"])).id
    services.roster.assign(duty_id, on_it)
    services.roster.assign(services.roster.add_duty(DutyInput(
        title="Early evening", kind="joint_patrol", start="2026-12-01 17:00", end="2026-12-01 23:00",
        station="Maldon")).id, busy)
    duties = panel.duties_tab
    panel.show_tab("duties")
    panel.refresh()
    assert duties.select_duty(duty_id)
    combo = duties.assign_person
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts == ["Zac Free — Special Constable, Maldon · free · owes 16 of 16 h in Dec",
                     "Yan Busy — Special Constable, Maldon · free · owes 10 of 16 h in Dec", "",
                     "Bea Away — Special Constable, Maldon · ✗ away 3–9 Dec",
                     "Dee Volunteer — Community volunteer, Maldon · ✗ role not allowed on this duty"]
    # The order `duty candidates` prints: the service's.
    assert [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)] == [
        c.person_id for c in services.roster.candidates(duty_id)]
    assert combo.currentData() != on_it and combo.findData(on_it) < 0
    # The most owed is chosen, not the blank line between the free and the rest (findData(None) found it).
    assert combo.currentIndex() == 0 and combo.currentText().startswith("Zac Free")
    assert duties.assign_heading.text() == "Assign someone (2 of 4 free)"
    # Closed, the box reads the name and what they owe (or why not), whole: the line was cut after the station.
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    from ruralwatch.ui.widgets.combos import SHORT_TEXT_ROLE
    assert combo.currentData(SHORT_TEXT_ROLE) == "Zac Free · owes 16 of 16 h in Dec"
    assert combo.itemData(3, SHORT_TEXT_ROLE) == "Bea Away · ✗ away 3–9 Dec"
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    assert combo.fontMetrics().horizontalAdvance(combo.currentData(SHORT_TEXT_ROLE)) <= field.width()
    assert combo.fontMetrics().horizontalAdvance(combo.currentText()) > field.width()  # the whole line would not
    # The open list is as wide as its longest line.
    assert combo.view().minimumWidth() >= max(combo.fontMetrics().horizontalAdvance(t) for t in texts)
    assert "Owes 10 of 16 h in Dec; 1 duty that month" in combo.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert "Bea Away is away on Mon 7 Dec" in combo.itemData(3, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(3)
    assert not duties.assign()  # no reason: refused, with the same words
    assert "not free (away 3–9 Dec)" in duties.rules_label.text()


def test_autofill_proposal_says_why_those_below_commitment_got_no_more(qtbot, services: Services) -> None:
    """Auto-fill gave RET officers every Saturday night at Maldon while the Maldon Specials had 0 of 16 h, and said
    nothing of why (they were not free then)."""
    from ruralwatch.rostering.autofill import BelowCommitment
    from ruralwatch.services.roster import AutofillOutcome
    from ruralwatch.ui.roster_autofill_dialog import AutofillDialog

    duty = services.roster.duty(_duty(services))
    below = BelowCommitment("p1", (2027, 1), 0.0, 16.0, ("not available Sat 18:00–02:00 (4 duties)",))
    dialog = AutofillDialog(AutofillOutcome([(duty, "p9", "Ray Officer")], [], False, [(below, "Wes Weekdays")]),
                            "January 2027")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.below.isVisible() and dialog.below.rowCount() == 1
    assert [dialog.below.item(0, c).text() for c in range(4)] == [
        "Wes Weekdays", "2027-01", "0 of 16 h", "not available Sat 18:00–02:00 (4 duties)"]


def test_the_selected_duty_is_framed_apart_from_the_crewed_blue(qtbot, panel: RosterPanel,
                                                                services: Services) -> None:
    """The selected duty's blue looked like the light blue of a crewed duty: it now has a frame of its own."""
    from ruralwatch.ui.roster_grid import SELECTED_FRAME

    duty_id = _duty(services)
    sam = services.people.add(PersonInput(name="Sam Reed", role="special", station="Maldon"))
    services.roster.assign(duty_id, sam.id, override_reason="agreed")
    duties = panel.duties_tab
    panel.show_tab("duties")
    duties.go_to(MONDAY)
    panel.refresh()
    assert "✓ crewed" in duties.grid.look_of(duty_id).text()
    assert duties.select_duty(duty_id)
    panel.people_tab.setFocus()  # the calendar without focus, as when the coordinator looks at the crew
    grid = duties.grid
    rect = grid.visualItemRect(grid.item(*grid.cells[duty_id]))
    image = grid.viewport().grab().toImage()
    edge = image.pixelColor(rect.left() + SELECTED_FRAME // 2 + 1, rect.center().y())
    inside = image.pixelColor(rect.left() + SELECTED_FRAME + 3, rect.bottom() - SELECTED_FRAME - 3)
    crewed = theme.tone("planned").background
    text = grid.palette().color(grid.palette().ColorGroup.Active, grid.palette().ColorRole.Text)
    assert edge.name() == text.name()
    assert inside.name() != crewed.name()


def test_the_whole_month_is_in_view_a_line_per_duty_and_enter_opens_a_day(qtbot, panel: RosterPanel,
                                                                          services: Services) -> None:
    """The Roster at 1366x768 (the window's width, about 1340 x 470 px for the calendar) showed about one week of
    the month at a time, each duty four or five lines tall with its title cut: a coordinator planning a month
    scrolled through it. Every week is now in view, a line per duty (start, title, crew / least needed), "+N more"
    when a day holds more than its row; arrow keys move between days and Enter opens the day's week."""
    for station, start in (("Maldon", "18:00"), ("Braintree", "18:30"), ("Witham", "19:00"), ("Tiptree", "19:30"),
                           ("Halstead", "20:00"), ("Coggeshall", "20:30"), ("Dedham", "21:00"), ("Rayleigh", "21:00"),
                           ("Epping", "21:30")):
        services.roster.add_duty(DutyInput(title="Evening rural crime patrol", kind="joint_patrol",
                                           start=f"2026-12-11 {start}", end="2026-12-11 23:00", station=station,
                                           min_crew=2, max_crew=3))
    single = _duty(services, "Dawn hare coursing patrol", day=29, start="06:00", end="11:00", min_crew=2)
    panel.resize(1340, 720)
    panel.show_tab("duties")
    duties = panel.duties_tab
    duties.go_to(date(2026, 12, 1))
    duties.set_view("month")
    grid = duties.grid
    assert not duties.detail.isVisible()  # the month has the width; a day opens on its week for the pane
    assert grid.viewport().height() < 560  # about what the calendar has at 1366x768 (no message band above)
    qtbot.waitUntil(lambda: grid.columnWidth(0) > 150, timeout=5_000)  # the seven days share the width
    qtbot.waitUntil(lambda: grid.verticalScrollBar().maximum() == 0, timeout=5_000)
    assert grid.rowCount() == 5  # Mon 30 Nov to Sun 3 Jan: five weeks, a row each
    for row in range(grid.rowCount()):  # every week wholly in view, nothing to scroll up, down or sideways
        assert grid.rowViewportPosition(row) >= 0
        assert grid.rowViewportPosition(row) + grid.rowHeight(row) <= grid.viewport().height()
    assert grid.horizontalScrollBar().maximum() == 0

    row, column = grid.cells[single]
    assert grid.item(row, column).text() == "29\n06:00 Dawn hare coursing patrol ⚠ 0/2"
    date_line, line = grid.month_lines(row, column)  # as painted: the start, the title's beginning, the crew
    assert date_line == "29 ⚠ 1" and line.startswith("06:00 Dawn hare") and line.endswith(" ⚠ 0/2")
    busy = grid.cells[next(look.duty.id for look in duties.looks if look.duty.station == "Maldon")]
    lines = grid.month_lines(*busy)
    # "+N more" on the date's line, after the duties needing someone: no line of its own under the duties.
    assert lines[0].startswith("11 ⚠ 9 · +") and lines[0].endswith(" more")
    shown = lines[1:]
    assert len(shown) >= 2 and int(lines[0].split("+")[1].split()[0]) == 9 - len(shown)  # the rest counted
    # The same title at several stations: the station's letters tell the cut lines apart; the time and the crew
    # stay whole, the title is cut to the column ("…") rather than the line wrapped.
    assert shown[0].startswith("18:00 Evening") and shown[0].endswith(" Mal ⚠ 0/2")
    assert shown[1].startswith("18:30 Evening") and shown[1].endswith(" Bra ⚠ 0/2")
    cell = grid.item(*busy)
    assert cell.toolTip().count("Evening rural crime patrol") == 9  # every duty in full on hover

    # Keys: from the 11th, Right is the 12th; back, then Enter opens the week on the day's first duty.
    grid.setFocus()
    grid.setCurrentCell(*busy)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert (grid.currentRow(), grid.currentColumn()) == (busy[0], busy[1] + 1)
    qtbot.keyClick(grid, Qt.Key.Key_Left)
    with qtbot.waitSignal(grid.day_opened):
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert duties.view == "week" and duties.period() == (date(2026, 12, 7), date(2026, 12, 13))
    assert duties.detail.isVisible()
    assert duties.selected_duty() is not None and duties.selected_duty().station == "Maldon"
    assert duties.duty_title.text() == "Evening rural crime patrol"

    # A click on a day's second line chooses that duty; a double-click there opens the week on it.
    duties.set_view("month")
    qtbot.waitUntil(lambda: grid.cells.get(duties.selected_duty().id) == busy, timeout=5_000)
    line = MonthDelegate.line_height(grid.fontMetrics())
    rect = grid.visualRect(grid.model().index(*busy))
    second = QPoint(rect.left() + 20, rect.top() + 2 * line + line // 2)  # under the date and the first line
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=second)
    assert duties.selected_duty().station == "Braintree"
    with qtbot.waitSignal(grid.day_opened):
        qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=second)
    assert duties.view == "week" and duties.selected_duty().station == "Braintree"


def test_the_month_shows_two_duties_a_day_with_larger_text_and_its_message_under_the_calendar(
        qtbot, panel: RosterPanel, services: Services) -> None:
    """At 1366x768 an empty band for a message stood above the month most of the time, and with Larger text a day
    showed one duty and "+2 more" on a line of its own. The message now takes the legend's place under the calendar
    (the calendar does not move when it comes, the legend is back when the user moves on), and "+N more" is on the
    date's line: two duties a day at least, with Larger text too."""
    for station in ("Maldon", "Braintree", "Witham", "Tiptree"):
        services.roster.add_duty(DutyInput(title="Evening rural crime patrol", kind="joint_patrol",
                                           start="2026-11-11 18:30", end="2026-11-11 22:30", station=station,
                                           min_crew=2, max_crew=3))
    panel.resize(1340, 680)  # the Roster docked at 1366x768
    panel.show_tab("duties")
    duties = panel.duties_tab
    grid = duties.grid
    duties.go_to(date(2026, 11, 1))  # six weeks: 26 Oct to 6 Dec
    duties.set_view("month")
    font = QFont(panel.font())
    font.setPointSizeF(font.pointSizeF() * 4 / 3)  # as View ▸ Larger text does
    panel.setFont(font)
    qtbot.waitUntil(lambda: grid.fontMetrics().height() == QFontMetrics(font).height(), timeout=5_000)
    qtbot.waitUntil(lambda: grid.width() > 1200, timeout=5_000)  # the month has the panel's width
    qtbot.waitUntil(lambda: grid.verticalScrollBar().maximum() == 0, timeout=5_000)
    assert grid.viewport().height() < 560  # about what the calendar has at 1366x768
    where = next(grid.cells[look.duty.id] for look in duties.looks)
    lines = grid.month_lines(*where)
    assert len(lines) >= 3, lines  # the date, then two duties at least
    # The time whole, the title cut first, the station's letters dropped before the time is touched.
    assert all(line.startswith("18:30 E") for line in lines[1:]), lines
    assert lines[0].startswith("11 ⚠ 4 · +") and int(lines[0].split("+")[1].split()[0]) == 4 - len(lines[1:])

    # No room kept above the calendar for a message; it comes in the legend's place without moving the calendar.
    assert not duties.status.isVisible() and duties.legend.isVisible()
    assert duties.status.mapTo(duties, QPoint(0, 0)).y() > grid.mapTo(duties, QPoint(0, 0)).y()
    before = grid.geometry(), grid.mapTo(duties, QPoint(0, 0))
    duties.report("Saved Evening rural crime patrol.", problem=False)
    qtbot.waitUntil(lambda: duties.status.isVisible(), timeout=5_000)
    assert not duties.legend.isVisible()
    assert (grid.geometry(), grid.mapTo(duties, QPoint(0, 0))) == before
    assert duties.status.geometry().intersects(duties.legend.geometry())  # the same place
    qtbot.mouseClick(duties.month_button, Qt.MouseButton.LeftButton)  # the user moves on: the legend is back
    assert not duties.status.isVisible() and duties.legend.isVisible() and duties.status.text() == ""
