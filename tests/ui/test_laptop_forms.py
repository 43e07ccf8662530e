"""The window's forms and lists at a laptop's 1366x768, in the real window with its docks: what a person needs next
is on screen (the reason a refused patrol asks for, the End patrol and log buttons after Start, the result of a
stop-check) and the people list has the room."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from demo_helpers import demo_on_clock
from PySide6.QtCore import QDate, QRect, Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolInput, patrol_window
from ruralwatch.services.container import Services

FIXED_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # as in conftest: the demo data's "now"
PATROL_DAY = QDate(2026, 11, 27)
LAPTOP = (1366, 768)
DOCK_WIDTH = 500  # a docked panel's width in the maximised window on a 1366x768 screen


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW + timedelta(hours=1))


@pytest.fixture
def demo(services: Services, clock: Clock, monkeypatch) -> Services:
    """Demo incidents and roster; the patrol service and the window on the test's clock."""
    return demo_on_clock(services, clock, monkeypatch, FIXED_NOW, count=300)


@pytest.fixture
def laptop(qtbot, demo: Services, tmp_path: Path) -> Iterator:
    """The main window at 1366x768 (the demo loaded before it is built)."""
    from ruralwatch.ui.main_window import MainWindow

    win = MainWindow(demo, tmp_path / "page")
    problems: list[str] = []
    win.report_problem = lambda title, message: problems.append(f"{title}: {message}")
    win.problems = problems
    with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000):
        win.show()
    win.resize(*LAPTOP)  # after show: the offscreen screen (800x800) would clamp it before
    qtbot.waitUntil(lambda: (win.width(), win.height()) == LAPTOP, timeout=5_000)
    yield win
    win.dispose()


def shown_in(scroll: QScrollArea, widget: QWidget) -> bool:
    """The whole of `widget` lies inside the scroll area's visible viewport."""
    viewport = scroll.viewport()
    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    return viewport.rect().contains(QRect(top_left, widget.size()))


def _page_scroll(widget: QWidget) -> QScrollArea:
    """The nearest scroll area round `widget` (the page's own, inside the dock's)."""
    parent = widget.parentWidget()
    while not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def _patrol_dock(qtbot, window):
    window.roster_dock.hide()
    window.patrol_dock.show()
    window.patrol_dock.raise_()
    window.resizeDocks([window.patrol_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(window.patrol_dock.width() - DOCK_WIDTH) < 20, timeout=5_000)
    qtbot.waitUntil(lambda: window.patrol_panel.isVisible(), timeout=5_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    return window.patrol_panel


def _off_shift(services: Services):
    start, end = patrol_window(PATROL_DAY.toPython(), "18:00", "22:00")
    return next(p for p in services.people.list(active_only=True) if p.role == "officer" and [
        i for i in services.patrols.check_crew([p.id], "general_rural_patrol", start, end, None, roster_rules=True)
        if i.severity == "override"])


def test_a_refused_patrol_brings_the_reason_box_into_view_and_focus(qtbot, demo, laptop) -> None:
    """A walk at 1366x768: Save refused for a crew member off their hours, and the form scrolled the reason box it
    asked for just out of view (it scrolled back up to the message)."""
    panel = _patrol_dock(qtbot, laptop)
    panel.new_patrol()
    form = panel.form
    form.day.setDate(PATROL_DAY)
    form.start.setTime(QTime(18, 0))
    form.end.setTime(QTime(22, 0))
    form.area.setEditText("Uttlesford")
    form.vehicle.setText("Ford Ranger YX21 ABC")
    form.call_sign.setText("RURAL21")
    off_shift = _off_shift(demo)
    for i in range(form.crew.count()):
        if form.crew.item(i).data(Qt.ItemDataRole.UserRole) == off_shift.id:
            form.crew.item(i).setCheckState(Qt.CheckState.Checked)
    assert form.override_reason.isVisible()
    form.save_button.setFocus()
    qtbot.waitUntil(form.save_button.hasFocus, timeout=5_000)
    assert not form.scroll.isAncestorOf(form.save_button)  # under the page: in view however it is scrolled
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert "reason to override" in form.error_label.text()
    assert form.error_label.isVisible() and not form.scroll.isAncestorOf(form.error_label)  # over Save, in view
    qtbot.waitUntil(form.override_reason.hasFocus, timeout=5_000)
    QApplication.processEvents()
    assert not form.scroll.isAncestorOf(form.override_reason)  # over Save, under the page: in view however scrolled
    reason = form.override_reason
    assert reason.visibleRegion().boundingRect().height() == reason.height()
    assert form.call_sign.text() == "RURAL21" and form.crew_ids() == [off_shift.id]  # what was typed stays
    QTest.keyClicks(form.override_reason, "Late cover agreed")
    assert form.save() is not None


def _planned(services: Services, clock: Clock):
    """A patrol starting within the hour, its crew free and on the rules (no question on Start)."""
    start, end = clock.now + timedelta(minutes=10), clock.now + timedelta(hours=4)
    day = times.to_local(start)
    crew = []
    for role in ("officer", "special"):
        crew.append(next(p.id for p in services.people.list(active_only=True) if p.role == role and not [
            i for i in services.patrols.check_crew([p.id], "general_rural_patrol", start, end, None,
                                                   roster_rules=True)]))
    record, _issues = services.patrols.create(PatrolInput(
        title="Evening rural patrol", day=day.date().isoformat(), start=day.strftime("%H:%M"),
        end=times.to_local(end).strftime("%H:%M"), area="Uttlesford", purpose="general_rural_patrol", crew=crew,
        vehicle="Ford Ranger YX21 ABC"), override_reason="on the rules anyway")
    return record


def test_after_start_patrol_the_end_and_log_buttons_stay_in_view(qtbot, demo, clock, laptop) -> None:
    """A walk at 1366x768: pressing Start patrol greyed the button under the pointer, the focus went on down the
    page and the docked log scrolled the Start/End row out of view: End patrol and the log buttons are what the
    officer needs next."""
    panel = _patrol_dock(qtbot, laptop)
    record = _planned(demo, clock)
    panel.reload()
    assert panel.open_patrol(record.id) is not None
    log = panel.log
    panel.tabs.setCurrentWidget(log)
    qtbot.waitUntil(lambda: log.isVisible() and log.start_button.isEnabled(), timeout=5_000)
    page = _page_scroll(log.start_button)
    assert shown_in(page, log.start_button)
    QTest.mouseClick(log.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: log.end_button.isEnabled(), timeout=5_000)
    QApplication.processEvents()
    assert shown_in(page, log.end_button)
    assert shown_in(page, log.kind_buttons["arrived_stop"])
    focused = QApplication.focusWidget()
    assert focused is not None and log.isAncestorOf(focused) and shown_in(page, focused)


def test_not_a_vehicle_of_interest_stays_readable_after_the_next_event(qtbot, demo, clock, laptop) -> None:
    """A walk: the stop-check's 'not a vehicle of interest' was in the line under the buttons (below the fold at
    1366x768), and the next event's note replaced it within a moment. It stays under the Vehicle reg box until the
    next check, and the log's row says it too."""
    panel = _patrol_dock(qtbot, laptop)
    record = _planned(demo, clock)
    panel.reload()
    panel.open_patrol(record.id)
    log = panel.log
    panel.tabs.setCurrentWidget(log)
    qtbot.waitUntil(lambda: log.isVisible() and log.start_button.isEnabled(), timeout=5_000)
    clock.now += timedelta(minutes=12)
    assert panel.start_patrol() is not None
    log.vrm.setFocus()
    QTest.keyClicks(log.vrm, "ab12cde")
    QTest.keyClick(log.vrm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not a vehicle of interest" in log.check_result.text(), timeout=5_000)
    clock.now += timedelta(minutes=2)
    log.detail.setText("Spoke to the farmer")
    assert panel.log_event("person_spoken") is not None
    assert "Person spoken to" in log.message.text() and "not a vehicle of interest" not in log.message.text()
    assert log.check_result.text().endswith("AB12 CDE: not a vehicle of interest")
    qtbot.waitUntil(lambda: shown_in(_page_scroll(log.vrm), log.check_result), timeout=5_000)
    stop_check_row = [log.table.item(r, 3).text() for r in range(log.table.rowCount())
                      if log.table.item(r, 1).text() == "Vehicle stop-check"]
    assert stop_check_row == ["AB12 CDE (not of interest)"]
    # The next check replaces it; another patrol opened starts without it.
    vehicle = demo.patrols.vehicles_of_interest(clock.now)[0]
    log.vrm.setText(vehicle.vrm)
    assert panel.log_event("stop_check").flagged
    assert "VEHICLE OF INTEREST" in log.check_result.text()
    panel.open_patrol(next(p.id for p in demo.patrols.list() if p.id != record.id))
    assert log.check_result.text() == "" and log.check_result.isHidden()


def _rows_in_view(table) -> int:
    """How many whole rows of `table` its viewport shows."""
    viewport = table.viewport().rect()
    return sum(1 for row in range(table.rowCount())
               if viewport.contains(table.visualRect(table.model().index(row, 0))))


def test_the_people_list_shows_ten_people_at_1366x768(qtbot, demo, laptop) -> None:
    """A walk at 1366x768: Team ▸ Roster ▸ People showed four people, the (often empty) availability tabs under it
    taking the height. The list has the room now, with a person selected too; their usual week shows its slots.
    (Docked at 500 px once; the roster in front now has the window's width, the availability beside the list.)"""
    laptop.patrol_dock.hide()
    laptop.roster_dock.show()
    laptop.roster_dock.raise_()
    qtbot.waitUntil(lambda: laptop.roster_has_the_width() and laptop.roster_dock.width() > 1300, timeout=5_000)
    people = laptop.roster_panel.people_tab
    laptop.roster_panel.show_tab("people")
    qtbot.waitUntil(people.table.isVisible, timeout=5_000)
    assert people.table.rowCount() >= 12
    qtbot.waitUntil(lambda: _rows_in_view(people.table) >= 10, timeout=5_000)
    with_week = next(p for p in demo.people.list(active_only=True) if demo.people.weekly_pattern(p.id))
    assert people.select_person(with_week.id)
    QApplication.processEvents()
    assert _rows_in_view(people.table) >= 10
    weekly = people.weekly.table
    assert people.availability_tabs.currentWidget() is people.weekly_box
    assert weekly.rowCount() >= 1 and _rows_in_view(weekly) == weekly.rowCount()
    assert weekly.viewport().height() >= 7 * weekly.rowHeight(0)  # room for a week of slots
    assert laptop.roster_dock.widget().verticalScrollBar().maximum() == 0  # the dock does not scroll for it
    # The dates away page, the taller one, still shows whole when chosen.
    people.availability_tabs.setCurrentWidget(people.exceptions_box)
    qtbot.waitUntil(lambda: shown_in(laptop.roster_dock.widget(), people.add_exception_button), timeout=5_000)
    assert people.exceptions.height() >= people.exceptions.minimumHeight() > 0
    people.availability_tabs.setCurrentWidget(people.weekly_box)  # back: the list has its rows again
    qtbot.waitUntil(lambda: _rows_in_view(people.table) >= 10, timeout=5_000)

    # The last person in view chosen, then their dates away opened: the person whose dates they are stays in view
    # (a walk saw them scroll out of it when the list, above the availability, shrank; beside it, it keeps its rows).
    last_seen = max(row for row in range(people.table.rowCount()) if _row_in_view(people.table, row))
    assert people.select_person(people.people[last_seen].id)
    people.availability_tabs.setCurrentWidget(people.exceptions_box)
    qtbot.waitUntil(lambda: shown_in(laptop.roster_dock.widget(), people.add_exception_button), timeout=5_000)
    assert _row_in_view(people.table, last_seen) and _rows_in_view(people.table) >= 10


def _row_in_view(table, row: int) -> bool:
    return table.viewport().rect().contains(table.visualRect(table.model().index(row, 0)))


def test_sync_panel_keeps_a_short_device_id_and_a_short_empty_applied_list(qtbot, laptop) -> None:
    """A walk at 1366x768: with a long device name and an export's date, Trusted devices squeezed the device id to
    "0…", and the empty Applied list took a third of the panel. The id keeps its first five digits; the list is as tall
    as its rows (one while empty, five at most)."""
    services = laptop.services
    services.sync.trust("0123456789abcdef", "ab" * 32, "RET laptop 3, Saffron Walden, Essex")
    services.sync.trust("fedcba9876543210", "cd" * 32, "Central store")
    laptop.roster_dock.hide()
    laptop.patrol_dock.hide()
    laptop.sync_dock.show()
    laptop.resizeDocks([laptop.sync_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(laptop.sync_dock.width() - DOCK_WIDTH) < 20, timeout=5_000)
    panel = laptop.sync_panel
    panel.reload()
    table = panel.peers
    for row in range(table.rowCount()):  # the dates an export and an import leave
        table.item(row, 2).setText("2026-11-24 17:00")
        table.item(row, 3).setText("2026-11-24 18:00")
    table.resizeColumnsToContents()
    qtbot.waitUntil(lambda: table.isVisible() and table.columnWidth(2) >= table.sizeHintForColumn(2), timeout=5_000)
    panel._fit_names()
    QApplication.processEvents()
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance("00000…")
    assert table.horizontalHeader().length() <= table.viewport().width() + 1  # and still no sideways scrolling
    assert table.item(0, 1).toolTip() in ("0123456789abcdef", "fedcba9876543210")

    applied = panel.applied
    assert applied.rowCount() == 0
    row = max(applied.verticalHeader().defaultSectionSize(), applied.fontMetrics().height() + 8)
    empty = applied.maximumHeight()
    qtbot.waitUntil(lambda: applied.height() == empty, timeout=5_000)  # laid out at that height
    assert empty < applied.horizontalHeader().sizeHint().height() + 2 * row + 30  # one row's room and a scroll bar
    applied.setRowCount(3)
    assert applied.minimumHeight() == applied.maximumHeight() == empty + 2 * row
    applied.setRowCount(12)
    assert applied.maximumHeight() == empty + 4 * row  # five rows at most: it scrolls beyond
    applied.setRowCount(0)
    assert applied.maximumHeight() == empty
