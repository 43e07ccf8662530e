"""The Log page's buttons stay where they are under an officer's pointer, in the window at 1366x768. A walk: Start
scrolled the page 218 px (End patrol, At hotspot and Vehicle reg out of view, Arrest where Arrived had been; a click
aimed at Vehicle reg logged "Intelligence submitted"), and dismissing a vehicle alert made the page jump."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from demo_helpers import demo_on_clock
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from test_patrol_panel import FIXED_NOW, Clock, _planned_patrol

from ruralwatch.services.container import Services
from ruralwatch.ui.patrol_log import PatrolLog
from ruralwatch.ui.patrol_panel import PatrolPanel


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW + timedelta(hours=1))


@pytest.fixture
def demo(services: Services, clock: Clock, monkeypatch) -> Services:
    return demo_on_clock(services, clock, monkeypatch, FIXED_NOW, count=600)


@pytest.fixture
def log(qtbot, demo: Services, window, monkeypatch) -> Iterator[PatrolLog]:
    """The Log page of a planned patrol, in the window at 1366x768 with the Patrols dock open as the menu opens it,
    the keyboard focus on Start (as after a click on it)."""
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    window.resize(1366, 768)
    window.patrol_dock.show()
    window.fit_dock(window.patrol_dock)
    panel = window.patrol_panel
    panel.log.confirm = lambda title, question: True
    _planned_patrol(qtbot, panel, demo)
    panel.tabs.setCurrentWidget(panel.log)
    qtbot.waitExposed(panel.log)
    window.activateWindow()
    panel.log.start_button.setFocus()
    _settle(qtbot)
    page = panel.log.findChild(QScrollArea)
    assert page.verticalScrollBar().maximum() > 0  # the page is taller than the dock, as on a laptop
    yield panel.log


def _where(*widgets: QWidget) -> list[QPoint]:
    return [w.mapToGlobal(QPoint(0, 0)) for w in widgets]


def _settle(qtbot) -> None:
    """A few turns of the event loop: deferred layouts and scrolls have run."""
    for _ in range(5):
        QApplication.processEvents()
        qtbot.wait(0)


def _watched(log: PatrolLog) -> tuple[QWidget, ...]:
    return (log.end_button, log.stop_choice, log.vrm, log.detail, *log.kind_buttons.values())


def test_starting_a_patrol_moves_no_button_and_end_and_at_hotspot_stay_in_view(qtbot, log: PatrolLog) -> None:
    before = _where(*_watched(log))
    QTest.mouseClick(log.start_button, Qt.MouseButton.LeftButton)
    assert log.patrol.status.can_log
    assert _where(*_watched(log)) == before  # not even for a moment: a press then lands on another button
    _settle(qtbot)
    assert _where(*_watched(log)) == before
    assert not log.end_button.visibleRegion().isEmpty() and not log.stop_choice.visibleRegion().isEmpty()
    assert log.stop_choice.hasFocus()


def test_a_patrol_started_before_its_planned_day_is_listed_by_when_it_ran(qtbot, log: PatrolLog, window) -> None:
    """A walk started on Monday evening a patrol planned for Tuesday: the list still showed it under Tuesday."""
    panel = window.patrol_panel
    log.start()

    def when() -> str:
        return panel.patrol_table.item(panel._listed.index(log.patrol.id), 0).text()

    qtbot.waitUntil(lambda: when() == "Tue 24 Nov 2026 18:00, under way", timeout=5_000)  # the clock's "now"
    row = panel._listed.index(log.patrol.id)
    assert panel.patrol_table.item(row, 0).toolTip() == "Planned Fri 27 Nov 2026 18:00–22:00"


def test_an_alert_and_its_dismissal_move_no_button_and_the_alert_is_in_view(qtbot, log: PatrolLog, demo,
                                                                             clock) -> None:
    QTest.mouseClick(log.start_button, Qt.MouseButton.LeftButton)
    _settle(qtbot)
    page = log.findChild(QScrollArea)
    for scrolled in (0, page.verticalScrollBar().maximum()):  # at the top, and scrolled to the log at the foot
        page.verticalScrollBar().setValue(scrolled)
        _settle(qtbot)
        before = _where(*_watched(log))
        log.vrm.setText(demo.patrols.vehicles_of_interest(clock.now)[0].vrm)
        QTest.mouseClick(log.kind_buttons["stop_check"], Qt.MouseButton.LeftButton)
        assert log.alert_texts()
        _settle(qtbot)
        assert _where(*_watched(log)) == before
        alert = log.alert
        assert alert.visibleRegion().boundingRect().height() == alert.height()  # all of it, without scrolling
        QTest.mouseClick(log.dismiss_button, Qt.MouseButton.LeftButton)
        _settle(qtbot)
        assert not log.alert_texts()
        assert _where(*_watched(log)) == before
        # A refusal's reason, in view without scrolling, moves nothing either.
        log.grid_ref.setText("not a place")
        QTest.mouseClick(log.kind_buttons["person_spoken"], Qt.MouseButton.LeftButton)
        _settle(qtbot)
        assert log.message.text().startswith("Not logged")
        assert log.message.visibleRegion().boundingRect().height() == log.message.height()
        log.grid_ref.clear()
        QTest.mouseClick(log.kind_buttons["note"], Qt.MouseButton.LeftButton)
        _settle(qtbot)
        assert log.message.text().startswith("Logged at")
        assert _where(*_watched(log)) == before


def test_the_crew_list_shows_those_available_and_the_crew_check_stays_in_view(qtbot, demo, window,
                                                                              monkeypatch) -> None:
    """A walk scrolled through some thirty Specials marked not available to find two free, and the crew check,
    the reason box and "Needs a reason" were below the fold."""
    from test_patrol_panel import PATROL_DAY, _fill_form

    window.resize(1366, 768)
    window.patrol_dock.show()
    window.fit_dock(window.patrol_dock)
    panel = window.patrol_panel
    _fill_form(panel, [])
    form = panel.form
    qtbot.waitExposed(form)

    def listed() -> dict[str, str]:
        return {form.crew.item(i).data(Qt.ItemDataRole.UserRole): form.crew.item(i).text()
                for i in range(form.crew.count()) if not form.crew.item(i).isHidden()}

    assert form.available_only.isChecked()  # on by default
    free = listed()
    assert free and all("✓ available" in text for text in free.values())
    assert str(len(free)) in form.available_only.text()
    form.available_only.setChecked(False)
    everyone = listed()
    busy = [pid for pid, text in everyone.items() if "✖" in text]
    assert busy and set(free) < set(everyone)
    # Someone ticked despite the rules stays listed with Available only, and the check and the reason box are in
    # view however the page is scrolled.
    _fill_form(panel, [busy[0]])
    form.available_only.setChecked(True)
    assert busy[0] in listed()
    form.scroll.verticalScrollBar().setValue(0)  # the title in view: the list runs below the fold
    qtbot.waitUntil(lambda: "Needs a reason" in form.crew_issues.text() and form.override_reason.isVisible(),
                    timeout=5_000)
    for widget in (form.crew_issues, form.override_reason):
        qtbot.waitUntil(lambda w=widget: w.visibleRegion().boundingRect().height() == w.height(), timeout=5_000)
    assert form.day.date() == PATROL_DAY


def test_the_stop_check_line_and_the_plans_reasons_are_readable_at_1366x768(qtbot, log: PatrolLog, demo, clock,
                                                                            window) -> None:
    """A walk: "VEHICLE OF INTEREST (alert bel…" was cut off, and the plan's Why column needed sideways scrolling."""
    panel = window.patrol_panel
    log.start()
    vehicles = demo.patrols.vehicles_of_interest(clock.now)
    for vrm in (vehicles[0].vrm, "AB12 CDE"):  # of interest, and not
        log.vrm.setText(vrm)
        assert log.log_event("stop_check") is not None
        _settle(qtbot)
        line = log.check_result
        assert line.fontMetrics().horizontalAdvance(line.text()) <= line.contentsRect().width(), line.text()
    panel.tabs.setCurrentWidget(panel.plan)
    table = panel.plan.table
    qtbot.waitExposed(table)
    _settle(qtbot)
    assert table.rowCount() >= 3
    assert table.horizontalHeader().length() <= table.viewport().width()  # no sideways scrolling
    for row in range(table.rowCount()):
        for column in (4, 5):  # Stop and Why: wrapped, each row as tall as its text
            cell = table.item(row, column)
            needed = table.sizeHintForIndex(table.model().index(row, column)).height()
            assert cell.text() and table.rowHeight(row) >= needed, cell.text()
            assert table.columnWidth(column) >= 80  # a readable width, not a sliver


def test_the_room_a_dismissed_alert_took_is_given_back_once_that_moves_nothing(qtbot, log: PatrolLog, demo,
                                                                              clock) -> None:
    """It stayed as empty space under the page until another patrol was opened: given back at once with the page
    at its top, and, scrolled to its foot, when the page is scrolled up (nothing under the pointer moves)."""
    QTest.mouseClick(log.start_button, Qt.MouseButton.LeftButton)
    _settle(qtbot)
    page = log.findChild(QScrollArea)
    bar = page.verticalScrollBar()
    for scrolled in (0, bar.maximum()):
        bar.setValue(scrolled)
        _settle(qtbot)
        bare = log.strip.height()
        log.vrm.setText(demo.patrols.vehicles_of_interest(clock.now)[0].vrm)
        QTest.mouseClick(log.kind_buttons["stop_check"], Qt.MouseButton.LeftButton)
        _settle(qtbot)
        assert log.strip.height() > bare + 20  # the alert's room
        if scrolled:  # down to the page's new foot: no page below the view to fill the room with
            bar.setValue(bar.maximum())
            _settle(qtbot)
        before = _where(*_watched(log))
        QTest.mouseClick(log.dismiss_button, Qt.MouseButton.LeftButton)
        _settle(qtbot)
        assert _where(*_watched(log)) == before
        if scrolled:
            assert log.strip.height() > bare + 20  # kept while giving it back would pull the page down
            bar.setValue(0)
            _settle(qtbot)
        assert log.strip.height() <= log.strip.sizeHint().height() + 1
