"""The window's forms and lists at a laptop's 1366x768, in the real window with its docks: what a person needs next
is on screen (the reason a refused patrol asks for, the End patrol and log buttons after Start, the result of a
stop-check) and the people list has the room."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QRect, Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from ruralwatch.core import times
from ruralwatch.core.patrol import patrol_window
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.demo_roster import load_demo_roster
from ruralwatch.services.patrols import PatrolService

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
    monkeypatch.setattr(times, "utc_now", clock)
    services.patrols = PatrolService(services.store, services.hub, services.people, services.roster,
                                     services.analysis, services.harm, clock=clock)
    load_demo(services.incidents, count=300, now=FIXED_NOW)
    load_demo_roster(services.people, services.roster, services.patrols, now=FIXED_NOW)
    return services


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
    qtbot.waitUntil(lambda: shown_in(form.scroll, form.save_button), timeout=5_000)
    assert not shown_in(form.scroll, form.error_label)  # the page is scrolled down to Save, as a person's is
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert "reason to override" in form.error_label.text()
    qtbot.waitUntil(form.override_reason.hasFocus, timeout=5_000)
    QApplication.processEvents()
    assert shown_in(form.scroll, form.override_reason)
    assert form.call_sign.text() == "RURAL21" and form.crew_ids() == [off_shift.id]  # what was typed stays
    QTest.keyClicks(form.override_reason, "Late cover agreed")
    assert form.save() is not None

