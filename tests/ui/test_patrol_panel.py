"""The joint patrol panel: plan -> brief -> start -> log -> end -> dose, with the plan drawn on the real map."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from demo_helpers import demo_on_clock
from font_helpers import text_scaled
from map_helpers import run_js, shown_map
from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, QDate, QEvent, QPoint, Qt, QTime
from PySide6.QtWidgets import QApplication, QDialog

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolInput, patrol_window
from ruralwatch.core.people import PersonInput
from ruralwatch.core.vrm import normalise_vrm
from ruralwatch.patrols.plan import replan
from ruralwatch.services.container import Services
from ruralwatch.services.patrols import PatrolService, candidate_of
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.patrol_panel import PatrolPanel
from ruralwatch.ui.patrol_plan import table_rows

FIXED_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # as in conftest: the demo data's "now"

PATROL_DAY = QDate(2026, 11, 27)  # three days after the demo data's "now": a future patrol


class Clock:
    """The patrol service's clock: fixed, moved on by the test as the patrol goes on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW + timedelta(hours=1))


@pytest.fixture
def demo(services: Services, clock: Clock, monkeypatch) -> Services:
    """Demo incidents and roster in the test database; the patrol service and the window run on the test's
    clock (the log offers typed times once a patrol's planned time is over, so today's date must not leak in)."""
    return demo_on_clock(services, clock, monkeypatch, FIXED_NOW, count=600)


def _ops(services: Services) -> Operations:
    """The panel on its own, as the window would run its background work; problems are shown in the panel."""
    return Operations(services, None, lambda title, message: None)


def _dispose(qtbot, panel: PatrolPanel) -> None:
    qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
    panel.dispose()
    panel.close()
    panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def panel(qtbot, demo: Services, monkeypatch) -> Iterator[PatrolPanel]:
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    widget = PatrolPanel(demo, None, _ops(demo))
    widget.log.confirm = lambda title, question: True
    widget.resize(900, 800)
    widget.show()
    yield widget
    _dispose(qtbot, widget)


@pytest.fixture
def map_view(qtbot, tmp_path: Path) -> Iterator:
    with shown_map(qtbot, tmp_path / "page") as view:
        yield view


def _js(qtbot, view, script: str):
    return run_js(qtbot, view, script)


def _person(services: Services, role: str, independent: bool | None = None):
    """The first active person of the role who may be on the test patrol (Fri 27 Nov 18:00-22:00) without
    breaking a rostering rule: on a late shift, or free that evening."""
    start, end = patrol_window(PATROL_DAY.toPython(), "18:00", "22:00")
    return next(p for p in services.people.list(active_only=True)
                if p.role == role and (independent is None or p.independent_patrol == independent)
                and not [i for i in services.patrols.check_crew([p.id], "general_rural_patrol", start, end, None,
                                                                 roster_rules=True) if i.severity == "override"])


def _tick(form, person_ids: list[str]) -> None:
    for i in range(form.crew.count()):
        item = form.crew.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) in person_ids
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def _fill_form(panel: PatrolPanel, crew: list[str], call_sign: str = "RURAL21") -> None:
    panel.new_patrol()
    form = panel.form
    form.day.setDate(PATROL_DAY)
    form.start.setTime(QTime(18, 0))
    form.end.setTime(QTime(22, 0))
    form.area.setEditText("Uttlesford")
    form.purpose.setCurrentIndex(form.purpose.findData("equipment_theft_prevention"))
    form.vehicle.setText("Ford Ranger YX21 ABC")
    form.call_sign.setText(call_sign)
    form.notes.setPlainText("Meet at Saffron Walden station")
    _tick(form, crew)


def _planned_patrol(qtbot, panel: PatrolPanel, services: Services):
    officer, special = _person(services, "officer"), _person(services, "special")
    _fill_form(panel, [officer.id, special.id])
    record = panel.save_patrol()
    assert record is not None
    with qtbot.waitSignal(panel.planReady, timeout=30_000) as ready:
        panel.suggest_plan()
    plan = ready.args[0]
    assert len(plan.stops) >= 3
    qtbot.waitUntil(lambda: len(panel.record.stops) == len(plan.stops), timeout=5_000)  # the hub told the panel
    return panel.record, plan


def test_plan_brief_start_log_end_and_dose(qtbot, demo, clock, map_view, tmp_path, monkeypatch):
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    panel = PatrolPanel(demo, map_view, _ops(demo))
    panel.log.confirm = lambda title, question: True
    panel.resize(900, 800)
    panel.show()
    try:
        _run_the_whole_patrol(qtbot, panel, demo, clock, map_view, tmp_path)
    finally:
        _dispose(qtbot, panel)


def _run_the_whole_patrol(qtbot, panel, demo, clock, map_view, tmp_path) -> None:
    officer = _person(demo, "officer")
    special = _person(demo, "special")
    _fill_form(panel, [officer.id, special.id], call_sign="rural21")
    assert panel.form.crew_issues.text() == "✓ The crew meets the rules."
    record = panel.save_patrol()
    assert record is not None and record.status == "planned"
    assert record.area == "Uttlesford" and record.call_sign == "RURAL21"
    assert {pid for pid, _ in record.crew} == {officer.id, special.id}
    assert panel.tabs.currentWidget() is panel.plan
    assert panel.selected_patrol_id() == record.id
    assert table_rows(panel.patrol_table)[panel.patrol_table.currentRow()][2] == "Planned"

    # Suggest: the hotspot run happens off the UI thread.
    threads: list[int] = []
    original = PatrolService.suggest

    def recording(self, *args, **kwargs):
        threads.append(threading.get_ident())
        return original(self, *args, **kwargs)

    PatrolService.suggest = recording
    try:
        with qtbot.waitSignal(panel.planReady, timeout=30_000) as ready:
            panel.suggest_plan()
    finally:
        PatrolService.suggest = original
    plan = ready.args[0]
    assert threads and threads[0] != threading.get_ident()
    saved = demo.patrols.get(record.id)
    assert len(plan.stops) >= 3 and len(saved.stops) == len(plan.stops)
    rows = table_rows(panel.plan.table)
    assert [row[0] for row in rows] == [str(s.seq) for s in plan.stops]
    assert [row[4] for row in rows] == [s.label for s in plan.stops]
    assert rows[0][1] == "18:00"  # no base: the first stop is at the start of the window
    assert "Travel" in panel.plan.totals.text() and "240 min window" in panel.plan.totals.text()
    # ... and the route is on the map: one numbered marker per stop.
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routeStopCount()") == len(plan.stops), timeout=10_000)
    # The hotspots that did not fit can be added by hand, the most harmful offered first.
    assert panel.plan.add_choice.count() == len(plan.dropped) > 0
    assert panel.plan.add_choice.currentData() == min(plan.dropped, key=lambda c: (-c.harm, c.key)).key

    # Brief: the PDF is written in the background and names the call sign.
    target = tmp_path / "briefing.pdf"
    with qtbot.waitSignal(panel.briefSaved, timeout=60_000) as briefed:
        panel.brief(target)
    assert briefed.args == [target] and target.exists()
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "RURAL21" in text
    qtbot.waitUntil(lambda: panel.record.status == "briefed", timeout=5_000)

    # Start, arrive at the first stop, stop-check a vehicle of interest.
    assert panel.start_patrol() is not None
    assert panel.record.status == "in_progress"
    assert panel.tabs.isTabEnabled(3)
    log = panel.log
    first_key = plan.stops[0].key
    assert log.stop_choice.currentData() is None  # not at a planned stop until the crew says so
    # Arrived with no stop chosen (no receiver, a moving vehicle): the next stop of the plan, said and selected.
    arrived = panel.log_event("arrived_stop")
    assert arrived is not None and arrived.stop_key == first_key
    assert f"Arrived at stop 1, {plan.stops[0].label}" in log.message.text()
    assert log.stop_choice.currentData() == first_key  # the next events are filed there
    clock.advance(6)
    vehicle = demo.patrols.vehicles_of_interest(clock.now)[0]
    log.vrm.setText(vehicle.vrm.replace(" ", "").lower())
    event = panel.log_event("stop_check")
    assert event is not None and event.flagged
    assert not log.alert.isHidden()
    alert = log.alert_text.text()
    assert "Vehicle of interest" in alert and vehicle.vrm in alert
    assert f"seen {vehicle.times_seen} times" in alert and "last " in alert
    stored = demo.patrols.event(event.id)
    assert stored.flagged and normalise_vrm(stored.vrm) == normalise_vrm(vehicle.vrm)
    assert stored.stop_key == first_key and stored.lat == pytest.approx(plan.stops[0].lat)
    assert log.vrm.text() == ""  # ready for the next one
    log_rows = table_rows(log.table)
    assert log_rows[0][1] == "Vehicle stop-check" and "of interest" in log_rows[0][3]

    # An ordinary VRM: no new alert, the result said in words, and the alert before it still on show.
    log.vrm.setText("AB12 CDE")
    assert panel.log_event("stop_check").flagged is False
    assert "not a vehicle of interest" in log.message.text()
    assert not log.alert.isHidden() and log.alert_texts() == [alert]
    log.dismiss_button.click()
    assert log.alert.isHidden() and log.alert_texts() == []

    clock.advance(8)
    assert panel.log_event("left_stop") is not None
    assert log.stop_choice.currentData() is None  # left: at no planned stop until the next arrival
    clock.advance(10)
    log.stop_choice.setCurrentIndex(log.stop_choice.findData(plan.stops[1].key))
    assert panel.log_event("arrived_stop").stop_key == plan.stops[1].key
    clock.advance(12)
    assert panel.log_event("left_stop") is not None

    # End: the dose lists every planned stop, the first two visited and the rest missed.
    clock.advance(5)
    assert panel.end_patrol() is not None
    assert panel.record.status == "completed"
    assert panel.tabs.currentWidget() is panel.dose
    dose_rows = table_rows(panel.dose.stops)
    assert [row[0] for row in dose_rows] == [s.label for s in plan.stops]
    assert dose_rows[0][2] == "14.0" and dose_rows[1][2] == "12.0"
    assert dose_rows[0][3] == "Yes" and dose_rows[-1][3] == "No — missed"
    assert plan.stops[-1].label in panel.dose.missed.text()
    kinds = dict((row[0], row[1]) for row in table_rows(panel.dose.kinds))
    assert kinds["Vehicle stop-check"] == "2" and kinds["Arrived at hotspot"] == "2"
    assert not panel.log.kind_buttons["note"].isEnabled()
    # Over: the greyed form and event buttons make way for the log, read and put right now (one row showed).
    panel.tabs.setCurrentWidget(log)
    assert log.table.isVisible() and log.correct_button.isVisible()
    assert not any(w.isVisible() for w in (log.where, log.when, log.start_button, log.end_button,
                                              *log.kind_buttons.values()))
    assert panel.problems == []


def test_a_crew_without_a_lead_is_refused_and_the_input_kept(qtbot, panel, demo):
    special = _person(demo, "special", independent=False)
    volunteer = _person(demo, "volunteer")
    before = len(demo.patrols.list())
    panel.form.scroll.verticalScrollBar().setValue(panel.form.scroll.verticalScrollBar().maximum())
    panel.new_patrol()
    assert panel.form.scroll.verticalScrollBar().value() == 0  # the title and day in sight
    assert "Tick the crew" in panel.form.crew_issues.text()  # a hint before anything is done, not an error
    assert "Must fix" not in panel.form.crew_issues.text()
    _fill_form(panel, [special.id, volunteer.id])
    # Checked as the crew is ticked, before any save: the error and the volunteer warning, in words.
    live = panel.form.crew_issues.text()
    assert "Must fix" in live and "needs a police officer" in live
    assert "Warning" in live and volunteer.name in live

    assert panel.save_patrol() is None
    assert len(demo.patrols.list()) == before
    form = panel.form
    assert not form.error_label.isHidden()
    assert "Not saved" in form.error_label.text() and "Crew" in form.error_label.text()
    assert "Special Constable with independent patrol status" in form.error_label.text()
    assert "border" in form.crew.styleSheet()
    # Everything typed is still there.
    assert form.day.date() == PATROL_DAY and form.area.currentText() == "Uttlesford"
    assert form.call_sign.text() == "RURAL21" and form.vehicle.text() == "Ford Ranger YX21 ABC"
    assert form.notes.toPlainText() == "Meet at Saffron Walden station"
    assert sorted(form.crew_ids()) == sorted([special.id, volunteer.id])

    # Adding an officer fixes it; the save goes through.
    officer = _person(demo, "officer")
    _tick(form, [special.id, volunteer.id, officer.id])
    assert "Must fix" not in form.crew_issues.text()
    record = panel.save_patrol()
    assert record is not None and len(record.crew) == 3
    assert form.error_label.isHidden() and form.crew.styleSheet() == ""


def test_bad_fields_are_marked(qtbot, panel, demo):
    _fill_form(panel, [_person(demo, "officer").id])
    panel.form.area.setEditText("Atlantis")
    panel.form.base.setText("not a grid ref")
    assert panel.save_patrol() is None
    text = panel.form.error_label.text()
    assert "Base" in text
    assert "border" in panel.form.base.styleSheet()
    panel.form.base.clear()
    assert panel.save_patrol() is None
    assert "Area" in panel.form.error_label.text() and "border" in panel.form.area.styleSheet()


def test_reorder_drop_and_add_recompute_the_times(qtbot, panel, demo):
    record, plan = _planned_patrol(qtbot, panel, demo)
    editor = panel.plan
    keys = [s.key for s in record.stops]
    arrivals = [s.arrive for s in record.stops]

    editor.table.selectRow(0)
    moved = editor.move(1)
    assert moved is not None
    saved = demo.patrols.get(record.id)
    assert [s.key for s in saved.stops][:2] == [keys[1], keys[0]]
    assert saved.stops[0].arrive == arrivals[0]  # the new first stop is at the start of the window
    # Times recomputed for the new order, exactly as the planner times that order.
    expected = replan([candidate_of(s) for s in saved.stops], saved.start, saved.end, saved.settings, saved.base)
    assert [times.to_storage(s.arrive) for s in saved.stops] == [times.to_storage(s.arrive) for s in expected.stops]
    assert [s.arrive for s in saved.stops] != arrivals
    assert table_rows(editor.table)[2][1] == times.to_local(expected.stops[2].arrive).strftime("%H:%M")
    assert editor.selected_row() == 1
    assert table_rows(editor.table)[1][4] == record.stops[0].label

    editor.table.selectRow(1)
    editor.move(-1)
    assert [s.key for s in demo.patrols.get(record.id).stops] == keys

    editor.table.selectRow(0)
    editor.drop()
    saved = demo.patrols.get(record.id)
    assert [s.key for s in saved.stops] == keys[1:]
    assert saved.stops[0].arrive == arrivals[0] and saved.stops[0].seq == 1
    assert editor.table.rowCount() == len(keys) - 1
    # A dropped stop is offered again, and added back at the end it gets the same times as before.
    short = demo.patrols.get(record.id)
    last = short.stops[-1]
    editor.table.selectRow(editor.table.rowCount() - 1)
    editor.drop()
    assert editor.add_choice.findData(last.key) >= 0 and editor.add_choice.findData(keys[0]) >= 0
    editor.table.clearSelection()
    editor.add_choice.setCurrentIndex(editor.add_choice.findData(last.key))
    editor.add_button.click()
    assert demo.patrols.get(record.id).stops == short.stops
    assert editor.add_choice.findData(last.key) < 0

    # Longer dwell: fewer stops fit, the rest are named as taken off.
    editor.dwell.setValue(60)
    editor.apply_settings()
    saved = demo.patrols.get(record.id)
    assert saved.settings.dwell_minutes == 60
    assert all(s.dwell_minutes == 60 for s in saved.stops) and len(saved.stops) <= 4
    assert "Did not fit" in editor.note.text()
    assert panel.problems == []


def test_the_plan_shows_its_settings_as_stored_and_leaving_them_unchanged_writes_nothing(qtbot, panel, demo):
    # A default dwell of 12.5 minutes showed 13 (a road factor of 1.355, 1.35 or 1.36), and leaving the box (Tab)
    # retimed and saved the plan with the rounded value, though nobody had changed it.
    demo.patrols.set_default_settings(12.5, 1.355, 42.7)
    record, _plan = _planned_patrol(qtbot, panel, demo)
    editor = panel.plan
    assert (record.settings.dwell_minutes, record.settings.road_factor, record.settings.speed_kmh) == (12.5, 1.355,
                                                                                                      42.7)
    assert [editor.dwell.text(), editor.road_factor.text(), editor.speed.text()] == ["12.5 min", "1.355",
                                                                                     "42.7 km/h"]
    for box in (editor.dwell, editor.road_factor, editor.speed):
        box.editingFinished.emit()  # Tab through each box
    assert demo.patrols.get(record.id) == record
    # A value typed is the one used.
    editor.dwell.setValue(15)
    editor.dwell.editingFinished.emit()
    saved = demo.patrols.get(record.id).settings
    assert (saved.dwell_minutes, saved.road_factor, saved.speed_kmh) == (15, 1.355, 42.7)


def test_log_place_from_map_grid_reference_and_new_incident(qtbot, panel, demo, clock):
    record, plan = _planned_patrol(qtbot, panel, demo)
    panel.start_patrol()
    log = panel.log

    # A stop-check needs a VRM: refused, the field marked, nothing stored.
    before = len(demo.patrols.log_of(record.id))
    assert panel.log_event("stop_check") is None
    assert "Not logged" in log.message.text() and "border" in log.vrm.styleSheet()
    assert len(demo.patrols.log_of(record.id)) == before

    # The window can take the map back (an incident form wants a click).
    with qtbot.waitSignal(panel.pickRequested) as asked:
        panel.form.pick_base.setChecked(True)
    assert asked.args == [True]
    with qtbot.waitSignal(panel.pickRequested) as released:
        panel.cancel_pick()
    assert released.args == [False] and not panel.form.pick_base.isChecked()

    # A place picked on the map: the panel asks for clicks, the window hands one back.
    with qtbot.waitSignal(panel.pickRequested) as asked:
        log.pick_button.setChecked(True)
    assert asked.args == [True]
    with qtbot.waitSignal(panel.pickRequested) as stopped:
        panel.place_picked(51.954, 0.344)
    assert stopped.args == [False] and not log.pick_button.isChecked()
    clock.advance(3)
    with qtbot.waitSignal(panel.newIncidentRequested) as wanted:
        event = panel.log_event("new_incident")
    assert event is not None and event.kind == "new_incident"
    event_id, lat, lon = wanted.args
    assert event_id == event.id and (lat, lon) == pytest.approx((51.954, 0.344))
    assert log.picked is None  # one place per event

    # A typed grid reference.
    log.grid_ref.setText("TL 6091 3053")
    log.stop_choice.setCurrentIndex(0)  # not at a planned stop
    note = panel.log_event("note")
    assert note.stop_key is None and note.lat == pytest.approx(51.95, abs=0.001)

    # No place at all: the incident form still opens, without a location.
    log.stop_choice.setCurrentIndex(0)
    with qtbot.waitSignal(panel.newIncidentRequested) as unplaced:
        panel.log_event("new_incident")
    assert math.isnan(unplaced.args[1]) and math.isnan(unplaced.args[2])
    demo.patrols.link_incident(event.id, "incident-1")
    assert demo.patrols.event(event.id).incident_id == "incident-1"


def test_the_list_follows_the_hub_and_cancel(qtbot, panel, demo):
    from ruralwatch.core.patrol import PatrolInput

    officer = _person(demo, "officer")
    created, _ = demo.patrols.create(PatrolInput(day="2026-11-28", start="06:00", end="10:00", area="Braintree",
                                                 purpose="hare_coursing_operation", crew=[officer.id]))
    qtbot.waitUntil(lambda: created.id in panel._listed, timeout=5_000)
    assert panel.select_patrol(created.id)
    assert panel.open_selected().id == created.id
    assert panel.tabs.currentWidget() is panel.plan
    assert "Hare coursing operation, Braintree" in panel.form.heading.text()
    assert panel.cancel_selected() is True
    assert demo.patrols.get(created.id).status == "cancelled"
    qtbot.waitUntil(lambda: panel.record.status == "cancelled", timeout=5_000)
    assert not panel.plan.suggest_button.isEnabled() and not panel.form.save_button.isEnabled()

    # A person added elsewhere appears in the crew list.
    demo.people.add(PersonInput(name="Zed Newcomer", role="officer", collar_number="PC9999"))
    qtbot.waitUntil(lambda: any("Zed Newcomer" in panel.form.crew.item(i).text()
                                for i in range(panel.form.crew.count())), timeout=5_000)


def test_period_dosage_of_the_demo_patrols(qtbot, panel, demo):
    panel.dose.period_from.setDate(QDate(2026, 8, 1))
    panel.dose.period_to.setDate(QDate(2026, 11, 24))
    with qtbot.waitSignal(panel.dosageReady, timeout=30_000) as ready:
        panel.show_dosage()
    rows = ready.args[0]
    assert rows and all(r.visits >= 1 and r.minutes > 0 for r in rows)
    table = table_rows(panel.dose.period_table)
    assert len(table) == len(rows) and table[0][0] == rows[0].label
    assert "places visited" in panel.dose.period_status.text()

    # A completed demo patrol opens on its dose.
    done = next(p for p in demo.patrols.list(status="completed"))
    panel.open_patrol(done.id)
    assert panel.tabs.currentWidget() is panel.dose
    assert panel.dose.stops.rowCount() == len(done.stops)
    assert not panel.plan.suggest_button.isEnabled()


def test_a_crew_member_off_shift_needs_a_reason_which_is_recorded(qtbot, panel: PatrolPanel, demo) -> None:
    start, end = patrol_window(PATROL_DAY.toPython(), "18:00", "22:00")
    off_shift = next(p for p in demo.people.list(active_only=True) if p.role == "officer" and [
        i for i in demo.patrols.check_crew([p.id], "general_rural_patrol", start, end, None, roster_rules=True)
        if i.severity == "override"])
    special = _person(demo, "special")
    before = len(demo.patrols.list())
    _fill_form(panel, [off_shift.id, special.id])
    form = panel.form
    assert "Needs a reason" in form.crew_issues.text() and off_shift.name in form.crew_issues.text()
    assert form.override_reason.isVisible()
    assert panel.save_patrol() is None  # no reason: refused, everything typed kept
    assert "reason to override" in form.error_label.text() and form.override_reason.hasFocus()
    # Its last line in sight as in a docked panel at 1366x768 (584 px for the message): the heading and a
    # refusal of two lines fit without scrolling (the area kept room for two lines and cut off the third).
    area = form.error_label
    needed = area.label.heightForWidth(584)
    assert needed <= area.height() - 4, (needed, area.height(), area.text())
    assert form.call_sign.text() == "RURAL21" and sorted(form.crew_ids()) == sorted([off_shift.id, special.id])
    assert len(demo.patrols.list()) == before
    form.override_reason.setText("Late cover agreed with the inspector")
    record = panel.save_patrol()
    assert record is not None
    assert demo.patrols.overrides(record.id) == [
        (off_shift.name, "Late cover agreed with the inspector", ["unavailable"])]
    assert form.override_reason.text() == ""


def test_one_click_in_a_time_box_then_typing_sets_it(qtbot, panel: PatrolPanel) -> None:
    """It needed a double-click: one click only put the cursor between the digits, where typing did nothing."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    panel.new_patrol()
    form = panel.form
    for edit, typed, expected in ((form.start, "2130", "21:30"), (form.end, "0115", "01:15")):
        line = edit.lineEdit()
        form.title.setFocus()
        QTest.mouseClick(line, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(4, line.height() // 2))
        QTest.keyClicks(edit, typed)
        assert edit.time().toString("HH:mm") == expected
    # Entering the box by a click on its minutes still fills a whole time typed from the hours (it gave "18:19").
    line = form.start.lineEdit()
    form.title.setFocus()
    QTest.mouseClick(line, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(line.width() - 6, line.height() // 2))
    QTest.keyClicks(form.start, "1930")
    assert form.start.time().toString("HH:mm") == "19:30"
    # A second click, on the minutes, changes only them.
    QTest.mouseClick(line, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(line.width() - 6, line.height() // 2))
    QTest.keyClicks(form.start, "45")
    assert form.start.time().toString("HH:mm") == "19:45"
    # Select all, then a whole time: it was silently dropped ("1" alone is no time).
    QTest.keyClick(form.start, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(form.start, "1900")
    assert form.start.time().toString("HH:mm") == "19:00"


def test_the_crew_list_says_who_is_free_and_their_skills_before_a_tick(qtbot, panel: PatrolPanel, demo) -> None:
    officer = _person(demo, "officer")
    panel.new_patrol()
    form = panel.form
    form.day.setDate(PATROL_DAY)
    form.start.setTime(QTime(18, 0))  # the clock's evening has begun: a new patrol is offered from 18:15
    form.end.setTime(QTime(22, 0))
    entries = {form.crew.item(i).data(Qt.ItemDataRole.UserRole): form.crew.item(i) for i in range(form.crew.count())}
    assert "✓ available" in entries[officer.id].text()
    assert entries[officer.id].toolTip().startswith("Skills: ")
    start, end = patrol_window(PATROL_DAY.toPython(), "18:00", "22:00")
    busy = next(p for p in demo.people.list(active_only=True)
                if demo.patrols.crew_hints([p.id], "general_rural_patrol", start, end)[p.id])
    issue = demo.patrols.crew_hints([busy.id], "general_rural_patrol", start, end)[busy.id][0]
    assert "✖ " in entries[busy.id].text() and issue.message in entries[busy.id].toolTip()
    assert form.crew_ids() == []  # nothing ticked: the hints come first
    # Another day: worked out again.
    form.day.setDate(PATROL_DAY.addDays(1))
    again = demo.patrols.crew_hints([busy.id], "general_rural_patrol",
                                    *patrol_window(PATROL_DAY.addDays(1).toPython(), "18:00", "22:00"))[busy.id]
    assert ("✓ available" in entries[busy.id].text()) == (again == [])


def test_a_stop_check_alert_comes_into_view_in_a_short_dock_and_the_tabs_stay(qtbot, demo, clock, monkeypatch):
    """At 1366x768 the alert sat below the log buttons, out of sight, and bringing it into view scrolled the dock
    (tab bar and all) instead of the Log page."""
    from PySide6.QtWidgets import QScrollArea

    from ruralwatch.ui.widgets.docks import DockScrollArea

    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    panel = PatrolPanel(demo, None, _ops(demo))
    panel.log.confirm = lambda title, question: True
    dock = DockScrollArea(panel)  # as the window docks it
    dock.resize(500, 400)
    dock.show()
    try:
        _planned_patrol(qtbot, panel, demo)
        assert panel.start_patrol() is not None
        panel.tabs.setCurrentWidget(panel.log)
        assert dock.verticalScrollBar().maximum() == 0  # each page scrolls itself; the panel fits the dock
        vehicles = demo.patrols.vehicles_of_interest(clock.now)
        panel.log.vrm.setText(vehicles[0].vrm)
        event = panel.log_event("stop_check")
        assert event is not None and event.flagged
        qtbot.waitUntil(lambda: not panel.log.alert.visibleRegion().isEmpty(), timeout=5_000)
        assert not panel.tabs.tabBar().visibleRegion().isEmpty()
        # Logged while another tab is on top (the map, the plan): the alert is in view when the log is shown.
        panel.log.findChild(QScrollArea).verticalScrollBar().setValue(0)
        panel.tabs.setCurrentWidget(panel.plan)
        panel.log.vrm.setText(vehicles[1].vrm)
        assert panel.log_event("stop_check").flagged
        panel.tabs.setCurrentWidget(panel.log)
        qtbot.waitUntil(lambda: not panel.log.alert.visibleRegion().isEmpty(), timeout=5_000)
    finally:
        _dispose(qtbot, panel)


def test_a_whole_date_and_time_typed_after_select_all_is_the_one_typed(qtbot) -> None:
    """Qt took the "-" after a full year as "next part" again: "2026-03-15 14:00" became 2026-12-03 15:14."""
    from PySide6.QtCore import QDate, QDateTime
    from PySide6.QtTest import QTest

    from ruralwatch.ui.incident_form import _datetime_edit

    edit = _datetime_edit()
    qtbot.addWidget(edit)
    edit.setDateTime(QDateTime(QDate(2026, 12, 6), QTime(18, 30)))
    edit.show()
    for typed in ("2026-03-15 14:00", "2026-11-30 09:30"):
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(edit, typed)
        assert edit.dateTime().toString("yyyy-MM-dd HH:mm") == typed
    # A separator typed to leave a part early still moves on: the month "1" then "-".
    QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(edit, "2026-1-25 09:30")
    assert edit.dateTime().toString("yyyy-MM-dd HH:mm") == "2026-01-25 09:30"


def test_the_dose_page_fits_a_docked_panel_under_larger_text(qtbot, panel: PatrolPanel, demo) -> None:
    """With Larger text the Dose page's tables scrolled sideways in a 1366x768 dock: eight columns of figures."""
    from PySide6.QtWidgets import QScrollArea

    with text_scaled():
        panel.resize(520, 700)
        done = next(p for p in demo.patrols.list(status="completed"))
        panel.open_patrol(done.id)
        assert panel.tabs.currentWidget() is panel.dose
        panel.dose.period_from.setDate(QDate(2026, 8, 1))
        panel.dose.period_to.setDate(QDate(2026, 11, 24))
        with qtbot.waitSignal(panel.dosageReady, timeout=30_000):
            panel.show_dosage()
        page = panel.dose.findChild(QScrollArea)
        for table in (panel.dose.stops, panel.dose.period_table):
            qtbot.waitUntil(lambda t=table: t.horizontalHeader().length() <= t.viewport().width()
                            and not t.horizontalScrollBar().isVisible(), timeout=5_000)
            assert table.item(0, 0).toolTip() == table.item(0, 0).text()  # an elided name whole in its tooltip
        assert page.horizontalScrollBar().maximum() == 0  # nor does the page
        assert all(panel.dose.stops.isColumnHidden(c) for c in (4, 5, 6))  # no track: its columns are empty


def test_a_new_patrol_is_for_tonight_until_the_evening_has_begun(qtbot, panel: PatrolPanel, monkeypatch) -> None:
    """A walk: at 02:00 an officer pressed New patrol to plan tonight's and got tomorrow's date (and tomorrow's
    crew availability) unless they noticed and changed it; another at 21:35 got tomorrow's evening, and the patrol
    it started that night was "planned for" tomorrow. Once the evening has begun: today, from the next quarter."""
    from ruralwatch.core import times

    for now, day, start, end in ((datetime(2026, 12, 7, 1, 52, tzinfo=UTC), QDate(2026, 12, 7), "18:00", "22:00"),
                                 (datetime(2026, 12, 7, 17, 59, tzinfo=UTC), QDate(2026, 12, 7), "18:00", "22:00"),
                                 (datetime(2026, 12, 7, 21, 35, tzinfo=UTC), QDate(2026, 12, 7), "21:45", "01:45")):
        monkeypatch.setattr(times, "utc_now", lambda now=now: now)
        panel.new_patrol()
        assert panel.form.day.date() == day, now
        assert (panel.form.start.time().toString("HH:mm"), panel.form.end.time().toString("HH:mm")) == (start, end)


def test_a_patrol_logged_afterwards_takes_the_times_typed(qtbot, panel: PatrolPanel, demo, clock) -> None:
    """Logged the next morning: the log offers the planned times to correct instead of stamping "now", refuses a
    wrong day with the reason, and the Special's hours follow the times typed."""
    from PySide6.QtCore import QDateTime

    from ruralwatch.ui.patrol_log import UK

    clock.now = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # the patrol was 27 Nov 18:00-22:00 (GMT)
    record, _ = _planned_patrol(qtbot, panel, demo)
    panel.new_patrol()  # opened afresh from the list, as the next morning (the Log tab is enabled after it's set)
    panel.open_patrol(record.id)
    special = next(p for p in demo.people.list() if p.id in {pid for pid, _ in record.crew} and p.role == "special")

    def officer_of(patrol) -> str:
        return next(p.id for p in demo.people.list() if p.id in {pid for pid, _ in patrol.crew} and p.role == "officer")
    log = panel.log
    assert not log.when_now.isChecked() and log.when.isEnabled()
    assert log.when.dateTime() == QDateTime(PATROL_DAY, QTime(18, 0), UK)  # the planned start, to correct

    log.when.setDateTime(QDateTime(PATROL_DAY.addDays(-1), QTime(18, 5), UK))  # the wrong day
    assert panel.start_patrol() is None
    assert "more than 12 hours from the planned 2026-11-27 18:00–22:00" in log.message.text()
    assert log.when.toolTip() and demo.patrols.get(record.id).status == "planned"

    log.when.setDateTime(QDateTime(PATROL_DAY, QTime(18, 5), UK))
    assert panel.start_patrol().started_at == "2026-11-27T18:05:00Z"
    assert "2026-11-27 18:05" in log.message.text()
    assert not log.when_now.isChecked() and log.when.dateTime() == QDateTime(PATROL_DAY, QTime(22, 0), UK)
    log.when.setDateTime(QDateTime(PATROL_DAY, QTime(20, 0), UK))
    assert panel.log_event("note").at == "2026-11-27T20:00:00Z"

    # A patrol running now, opened in between: stamped now; back to this one: the planned end to correct.
    live, _ = demo.patrols.create(PatrolInput(day="2026-11-28", start="07:00", end="11:00", area="Uttlesford",
                                              purpose="general_rural_patrol", crew=[officer_of(record)]),
                                  override_reason="Covering")
    demo.patrols.start(live.id)
    panel.open_patrol(live.id)
    assert log.when_now.isChecked() and not log.when.isEnabled()
    assert log.when.text() == "now"  # not a stale date greyed out (it showed 2000-01-01 00:00)
    panel.open_patrol(record.id)
    assert not log.when_now.isChecked() and log.when.dateTime() == QDateTime(PATROL_DAY, QTime(22, 0), UK)

    def hours() -> float:
        rows = demo.hours.summary("2026-11", "2026-11").by_person
        return float(rows.set_index("person_id").loc[special.id, "hours"])

    before = hours()
    log.when.setDateTime(QDateTime(PATROL_DAY, QTime(21, 35), UK))
    assert panel.end_patrol().ended_at == "2026-11-27T21:35:00Z"
    assert hours() - before == pytest.approx(3.5)


def test_a_half_typed_area_takes_the_one_area_it_stands_for(qtbot, panel: PatrolPanel, demo) -> None:
    """A walk typed 'Uttles' and Enter: the box kept 'Uttles' and the save was refused. Enter or leaving the box
    takes the one area beginning with it; several keep the text and list them."""
    panel.new_patrol()
    panel.activateWindow()
    box = panel.form.area
    edit = box.lineEdit()
    edit.setFocus()
    qtbot.keyClicks(edit, "uttles")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert box.currentText() == "Uttlesford"

    box.setEditText("")
    qtbot.keyClicks(edit, "br")  # Braintree, Brentwood and wards
    popup = box.completer().popup()
    popup.show()  # as typing opens it on a real display: the completer then hides it after the Enter it passes on
    qtbot.keyClick(QApplication.activePopupWidget() or edit, Qt.Key.Key_Return)
    assert box.currentText() == "br"
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    shown = [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())]
    assert "Braintree" in shown and "Brentwood" in shown
    popup.hide()

    box.setEditText("braint")
    edit.editingFinished.emit()  # as leaving the box does
    assert box.currentText() == "Braintree"
    panel.form.day.setDate(PATROL_DAY)
    _tick(panel.form, [_person(demo, "officer").id])
    record = panel.save_patrol()
    assert record is not None and record.area == "Braintree"


def test_tab_on_a_beginning_several_areas_share_lists_them_and_stays(qtbot, panel: PatrolPanel, demo) -> None:
    """A walk typed "epping" and Tab: the box kept "epping" and the save refused it ("3 districts or wards begin
    with 'epping'"). Tab now opens the list of them and the cursor stays; with one area it takes it and moves on."""
    from PySide6.QtWidgets import QApplication

    panel.new_patrol()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel.window())
    box = panel.form.area
    edit = box.lineEdit()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, "br")  # Braintree, Brentwood and wards
    popup = box.completer().popup()
    popup.hide()
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    shown = [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())]
    # The areas it begins, as the save's refusal names them (not every ward whose name holds "br" somewhere).
    assert shown == demo.geography.areas_starting_with("br") and "Braintree" in shown and "Brentwood" in shown
    assert box.currentText() == "br"
    assert QApplication.focusWidget() in (box, edit)
    # With the list open (as typing leaves it on a real display), Tab still stays.
    qtbot.keyClick(popup, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() in (box, edit)
    popup.hide()
    assert box.completer().filterMode() == Qt.MatchFlag.MatchContains  # typing finds names anywhere again
    box.setEditText("")
    qtbot.keyClicks(edit, "uttles")
    popup.hide()
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: box.currentText() == "Uttlesford")
    assert QApplication.focusWidget() not in (box, edit)


def test_a_beginning_several_areas_share_is_refused_naming_them_as_on_the_command_line(qtbot, panel, demo):
    """The rule lives in the geography service: the window's save says what `patrol create --area br` says."""
    panel.new_patrol()
    panel.form.day.setDate(PATROL_DAY)
    _tick(panel.form, [_person(demo, "officer").id])
    panel.form.area.setEditText("br")
    before = len(demo.patrols.list())
    assert panel.save_patrol() is None
    text = panel.form.error_label.text()
    assert "begin with 'br'" in text and "Braintree" in text and "Brentwood" in text
    assert panel.form.area.currentText() == "br" and len(demo.patrols.list()) == before


def test_the_crew_filter_finds_a_collar_number_however_it_is_spaced_or_cased(qtbot, panel: PatrolPanel,
                                                                             demo) -> None:
    """A walk typed "SC7125" into the crew filter and found nobody: the Special is stored as "SC 7125". Collar
    numbers are compared as everywhere else (collar_key), names and roles as typed in any case."""
    from ruralwatch.core.people import PersonInput

    dev = demo.people.add(PersonInput(name="Ruth Oakley", role="special", collar_number="SC 7125"))
    ann = demo.people.add(PersonInput(name="Tom Pike", role="special", collar_number="SC7126"))
    panel.new_patrol()
    form = panel.form
    form.available_only.setChecked(False)  # the two added have no availability yet: free or not, they are found
    form.reload_people()

    def shown() -> set[str]:
        return {form.crew.item(i).data(Qt.ItemDataRole.UserRole) for i in range(form.crew.count())
                if not form.crew.item(i).isHidden()}

    everyone = shown()
    assert {dev.id, ann.id} <= everyone
    for typed in ("SC7125", "sc 7125", "s c7 1 25", " SC 7125 ", "7125"):
        form.crew_filter.setText(typed)
        assert shown() == {dev.id}, typed
    form.crew_filter.setText("sc 712")  # a beginning of both
    assert {dev.id, ann.id} <= shown() and len(shown()) < len(everyone)
    form.crew_filter.setText("ruth  OAKLEY")
    assert shown() == {dev.id}
    form.crew_filter.setText("SC7127X")
    assert shown() == set()
    form.crew_filter.clear()
    assert shown() == everyone


def test_the_crew_check_and_the_reason_box_move_nothing_under_them(qtbot, panel: PatrolPanel, demo) -> None:
    """A walk at 1366x768: ticking the crew changed the check's lines and showed the reason box, and the boxes
    under them moved; a reason typed where the box had been went elsewhere. Both keep their room now."""
    from test_message_area import where

    start, end = patrol_window(PATROL_DAY.toPython(), "18:00", "22:00")
    off_shift = next(p for p in demo.people.list(active_only=True) if p.role == "officer" and [
        i for i in demo.patrols.check_crew([p.id], "general_rural_patrol", start, end, None, roster_rules=True)
        if i.severity == "override"])
    _fill_form(panel, [])
    form = panel.form
    below = (form.override_reason, form.save_button)  # the reason box under the list, above the check
    before = where(form, *below)
    assert "Tick the crew" in form.crew_issues.text()
    _tick(form, [off_shift.id])
    assert "Needs a reason" in form.crew_issues.text() and form.override_reason.isVisible()
    assert where(form, *below) == before
    assert panel.save_patrol() is None  # refused: the summary appears over Save
    assert form.error_label.isVisible()
    assert where(form, form.override_reason) == before[:1]


def test_the_details_page_has_save_in_view_no_gap_and_the_whole_crew_check(qtbot, panel: PatrolPanel,
                                                                           demo) -> None:
    """A new officer's walk at 1366x768: a large gap under the title (a hidden message's room), Save below the
    fold, and four "Needs a reason" lines in a 2-line scroll box."""
    start, end = patrol_window(PATROL_DAY.toPython(), "04:00", "09:00")
    off_shift = [p.id for p in demo.people.list(active_only=True) if [
        i for i in demo.patrols.check_crew([p.id], "general_rural_patrol", start, end, None, roster_rules=True)
        if i.severity == "override"]][:4]
    assert len(off_shift) == 4
    form = panel.form
    panel.resize(480, 560)  # a docked panel at 1366x768
    _fill_form(panel, [])
    panel.tabs.setCurrentWidget(form)
    qtbot.waitExposed(form)
    form.start.setTime(QTime(4, 0))
    form.end.setTime(QTime(9, 0))
    _tick(form, off_shift)
    QApplication.processEvents()
    line = form.fontMetrics().lineSpacing()
    heading_bottom = form.heading.mapTo(form, form.heading.rect().bottomLeft()).y()
    assert form.title.mapTo(form, QPoint(0, 0)).y() - heading_bottom < 2 * line  # no empty room under the title
    # Save in view without scrolling, wherever the page is scrolled to.
    assert not form.scroll.isAncestorOf(form.save_button)
    assert form.rect().contains(form.save_button.mapTo(form, form.save_button.rect().bottomRight()))
    # Every line of the check shown, none behind a scroll bar of its own.
    issues = form.crew_issues
    assert issues.text().count("Needs a reason") == 4
    qtbot.waitUntil(lambda: issues.height() >= issues.heightForWidth(issues.width()), timeout=5_000)


def test_why_a_log_entry_was_refused_comes_into_view_in_a_short_dock(qtbot, demo, clock, monkeypatch) -> None:
    """A walk at 1366x768: 'Not logged: …' sat under the buttons and the alert, below the fold, so nothing said why
    a sighting was not logged."""
    from PySide6.QtWidgets import QScrollArea

    from ruralwatch.ui.widgets.docks import DockScrollArea

    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    panel = PatrolPanel(demo, None, _ops(demo))
    panel.log.confirm = lambda title, question: True
    dock = DockScrollArea(panel)
    dock.resize(500, 400)
    dock.show()
    try:
        _planned_patrol(qtbot, panel, demo)
        assert panel.start_patrol() is not None
        panel.tabs.setCurrentWidget(panel.log)
        page = panel.log.findChild(QScrollArea)
        page.verticalScrollBar().setValue(0)
        log = panel.log
        log.grid_ref.setText("not a place")
        assert log.log_event("person_spoken") is None
        assert log.message.text().startswith("Not logged") and "grid ref" in log.message.text()
        message = log.message
        qtbot.waitUntil(lambda: message.visibleRegion().boundingRect().height() == message.height(), timeout=5_000)
        assert not panel.tabs.tabBar().visibleRegion().isEmpty()
    finally:
        _dispose(qtbot, panel)


def test_an_analyst_sees_patrols_but_is_not_offered_planning_them(qtbot, demo: Services, monkeypatch) -> None:
    """A walk's analyst pressed New patrol, typed a whole patrol and was refused at Save ('may not: create and
    plan patrols'). For a role without patrol.plan the buttons that change patrols are greyed, saying who may."""
    from ruralwatch.core.permissions import Actor

    officer = _person(demo, "officer")
    created, _ = demo.patrols.create(PatrolInput(day="2026-11-28", start="06:00", end="10:00", area="Uttlesford",
                                                 purpose="equipment_theft_prevention", crew=[officer.id]))
    demo.patrols.suggest_for(created.id)
    planned = demo.patrols.get(created.id)
    assert planned.stops
    demo.store.actor = Actor("an1", "analyst")
    widget = PatrolPanel(demo, None, _ops(demo))
    try:
        for button in (widget.new_button, widget.cancel_button, widget.form.save_button):
            assert not button.isEnabled() and "may not plan patrols" in button.toolTip(), button.text()
        widget.open_patrol(planned.id)
        assert not widget.form.save_button.isEnabled()
        assert not widget.plan.suggest_button.isEnabled() and not widget.plan.brief_button.isEnabled()
        assert widget.plan.table.rowCount() == len(planned.stops)  # the plan is there to read
    finally:
        _dispose(qtbot, widget)


def test_a_force_with_published_crime_only_gets_a_plan_from_it_and_the_panel_says_so(qtbot, services: Services,
                                                                                    monkeypatch) -> None:
    """A Norfolk walk (published crime only) pressed Suggest plan and got nothing beside a Hotspots tab full of
    hotspots. The plan now weighs published crime when none of ours fall in the area, and says so under the table;
    the source box chooses ours, published crime or both."""
    from ruralwatch.core.patrol_plan import PLAN_SOURCES

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
    services.published.import_paths(sorted(fixtures.glob("2018-1?-suffolk-street-every12th.csv")))
    services.geography.use_force("Suffolk")
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    created, _ = services.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                     purpose="general_rural_patrol", crew=[officer]))
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    widget = PatrolPanel(services, None, _ops(services))
    try:
        widget.open_patrol(created.id)
        editor = widget.plan
        assert [editor.source.itemData(i) for i in range(editor.source.count())] == [k for k, _ in PLAN_SOURCES]
        assert editor.source.currentData() == "auto"
        with qtbot.waitSignal(widget.planReady, timeout=30_000) as ready:
            widget.suggest_plan()
        assert ready.args[0].stops and ready.args[0].source == "published"
        qtbot.waitUntil(lambda: bool(widget.record.stops), timeout=5_000)
        assert editor.source_note.text().startswith("None of our incidents in Ipswich fall in 2018-02 to 2019-01, so:"
                                                    " Stops from published crime")
        assert "anonymised map points" in editor.source_note.text()
        assert all(row[5] == "harm hotspot of published crime, 2018-10 to 2018-12" for row in table_rows(editor.table))
        # Our incidents chosen (there are none): the plan is empty and says why, and the choice is kept.
        editor.source.setCurrentIndex(editor.source.findData("incidents"))
        editor.source.activated.emit(editor.source.currentIndex())
        qtbot.waitUntil(lambda: services.patrols.get(created.id).settings.harm_source == "incidents", timeout=5_000)
        with qtbot.waitSignal(widget.planReady, timeout=30_000) as ready:
            widget.suggest_plan()
        assert not ready.args[0].stops
        qtbot.waitUntil(lambda: editor.note.text().startswith("No incidents of our own are recorded yet. Choose "
                                                              "published crime"), timeout=5_000)
        assert editor.source_note.text() == ""
    finally:
        _dispose(qtbot, widget)


def test_a_plan_from_both_shows_its_month_split_and_keeps_it_when_new_data_comes(qtbot, services: Services,
                                                                                monkeypatch) -> None:
    """Both summed our incidents and published crime over the same months (a crime of ours later published counted
    twice) and the Plan tab worked its words out again each time it showed a saved plan. The tab now shows which
    months came from which source, as they were when the plan was saved."""
    from PySide6.QtWidgets import QScrollArea

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
    suffolk = sorted(fixtures.glob("2018-1?-suffolk-street-every12th.csv"))
    services.published.import_paths(suffolk[:2])  # 2018-10 and 2018-11
    services.geography.use_force("Suffolk")
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    created, _ = services.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                     purpose="general_rural_patrol", crew=[officer]))
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    split = "(published crime 2018-10 to 2018-11; our incidents 2018-02 to 2018-09 and 2018-12 to 2019-01)"
    widget = PatrolPanel(services, None, _ops(services))
    try:
        widget.open_patrol(created.id)
        editor = widget.plan
        editor.source.setCurrentIndex(editor.source.findData("all"))
        assert editor.source.currentText() == "Both, each month once"
        editor.source.activated.emit(editor.source.currentIndex())
        qtbot.waitUntil(lambda: services.patrols.get(created.id).settings.harm_source == "all", timeout=5_000)
        with qtbot.waitSignal(widget.planReady, timeout=30_000) as ready:
            widget.suggest_plan()
        assert ready.args[0].stops and ready.args[0].source == "all"
        qtbot.waitUntil(lambda: bool(widget.record.stops), timeout=5_000)
        assert editor.source_note.text().startswith(f"Stops from both sources, each month from one {split}, so a "
                                                    "crime we recorded that was later published counts once.")
        # In a laptop's dock (1366x768: 640 x 620) the words are in sight: the table gives up its room, the page
        # does not scroll them below the fold (Qt sized it for its labels wrapped at their narrowest).
        widget.resize(640, 620)
        widget.show()
        page = editor.findChild(QScrollArea)
        qtbot.waitUntil(lambda: page.widget().height() <= page.viewport().height(), timeout=5_000)
        assert page.verticalScrollBar().maximum() == 0
        note_bottom = editor.source_note.mapTo(page.widget(), editor.source_note.rect().bottomLeft()).y()
        assert note_bottom <= page.viewport().height() and editor.table.height() >= 160
        # An edit keeps the words under the table (they went blank after a move).
        editor.table.selectRow(0)
        assert editor.drop() is not None
        assert split in editor.source_note.text()
    finally:
        _dispose(qtbot, widget)

    services.published.import_paths(suffolk[2:])  # December comes out after the plan was saved
    again = PatrolPanel(services, None, _ops(services))
    try:
        again.open_patrol(created.id)
        assert split in again.plan.source_note.text()
        assert "2018-10 to 2018-12" not in again.plan.source_note.text()
    finally:
        _dispose(qtbot, again)


def _preview_uttlesford(qtbot, widget: PatrolPanel) -> tuple[Any, Any]:
    """Preview a targeted plan… for Uttlesford one morning: (the dialog, the plan it emitted)."""
    dialog = widget.preview_plan()
    assert dialog is not None
    dialog.area.setEditText("Uttlesford")
    dialog.day.setDate(QDate(2026, 11, 28))
    dialog.start.setTime(QTime(6, 0))
    dialog.end.setTime(QTime(10, 0))
    with qtbot.waitSignal(dialog.previewed, timeout=30_000) as blocker:
        dialog.preview_button.click()
    return dialog, blocker.args[0]


def test_the_previewed_plan_is_drawn_on_the_map_until_the_preview_closes(qtbot, demo: Services,
                                                                          tmp_path: Path) -> None:
    """The preview listed its stops in a table only: an analyst could not see where the patrol would go. Its route is
    on the map while the preview is open, and the map goes back to the open patrol's own route when it closes."""
    from ruralwatch.core.permissions import Actor

    demo.store.actor = Actor("an1", "analyst")
    with shown_map(qtbot, tmp_path / "page") as view:
        widget = PatrolPanel(demo, view, _ops(demo))
        try:
            assert run_js(qtbot, view, "rw.routeStopCount()") == 0
            dialog, plan = _preview_uttlesford(qtbot, widget)
            stops = len(plan.stops)
            assert stops > 0
            qtbot.waitUntil(lambda: run_js(qtbot, view, "rw.routeStopCount()") == stops, timeout=10_000)
            dialog.close()
            qtbot.waitUntil(lambda: run_js(qtbot, view, "rw.routeStopCount()") == 0, timeout=10_000)
        finally:
            _dispose(qtbot, widget)


def test_an_analyst_previews_a_harm_targeted_plan_and_exports_a_plan_pack(qtbot, demo: Services,
                                                                          tmp_path: Path) -> None:
    """Analysts target patrols by crime harm, but the window offered them nothing (the command line's `patrol plan`
    previewed one). Preview a targeted plan… suggests it and writes the plan pack, and records no patrol; a role the
    services refuse sees the button greyed, saying who may."""
    from ruralwatch.core.permissions import Actor, PermissionDeniedError

    before = len(demo.patrols.list())
    demo.store.actor = Actor("an1", "analyst")
    widget = PatrolPanel(demo, None, _ops(demo))
    try:
        assert widget.preview_button.isEnabled() and not widget.new_button.isEnabled()
        assert "Preview a targeted plan" in widget.new_button.toolTip()
        dialog, plan = _preview_uttlesford(qtbot, widget)
        assert plan.stops and dialog.table.rowCount() == len(plan.stops)
        assert dialog.export_button.isEnabled()
        pack = tmp_path / "uttlesford-pack.pdf"
        with qtbot.waitSignal(dialog.exported, timeout=30_000):
            dialog.export(pack)
        assert pack.read_bytes().startswith(b"%PDF")
        assert len(demo.patrols.list()) == before  # nothing recorded
        dialog.close()
    finally:
        _dispose(qtbot, widget)
    demo.store.actor = Actor("sc1", "special")
    special = PatrolPanel(demo, None, _ops(demo))
    try:
        assert not special.preview_button.isEnabled()
        # The catalogue's words, as the service's refusal (and 'patrol plan' on the command line) gives them.
        with pytest.raises(PermissionDeniedError) as refused:
            demo.patrols.suggest("Maldon", FIXED_NOW, FIXED_NOW)
        said = str(refused.value).split(" may not: ", 1)[1]
        assert special.preview_button.toolTip() == (
            f"Your role may not: {said}; RET officers, Specials coordinators, analysts and administrators may")
        assert special.preview_plan() is None
    finally:
        _dispose(qtbot, special)


def test_an_event_is_credited_only_to_a_stop_the_crew_chose_or_is_at(qtbot, panel, demo, clock):
    """A walk's stop-check went under stop 1, pre-filled from the plan, and the dose said a stop never reached was
    visited. Not at a stop by default; what the officer chose holds for the next events until Arrived or Left."""
    record, plan = _planned_patrol(qtbot, panel, demo)
    panel.start_patrol()
    log = panel.log
    first, second = plan.stops[0], plan.stops[1]
    assert log.stop_choice.currentData() is None
    log.vrm.setText("AB12 CDE")
    clock.advance(2)
    check = panel.log_event("stop_check")
    assert check is not None and check.stop_key is None
    assert not any(s.visited for s in demo.patrols.dose(record.id).stops)
    assert log.stop_choice.currentData() is None

    # Chosen by hand: kept for every check at that stop, then Left puts the crew back at no stop.
    log.stop_choice.setCurrentIndex(log.stop_choice.findData(second.key))
    for vrm in ("AB12 CDF", "AB12 CDG"):
        log.vrm.setText(vrm)
        clock.advance(1)
        assert panel.log_event("stop_check").stop_key == second.key
        assert log.stop_choice.currentData() == second.key
    clock.advance(1)
    assert panel.log_event("left_stop").stop_key == second.key
    assert log.stop_choice.currentData() is None

    # A live position: the stop whose dose radius it is in; well away from the stop, no stop again.
    radius = demo.patrols.dose_radius_m()
    log.set_position(first.lat, first.lon)
    assert log.stop_choice.currentData() == first.key
    clock.advance(1)
    assert panel.log_event("note").stop_key == first.key
    log.set_position(first.lat + 3 * radius / 111_000, first.lon)  # three radii north
    assert log.stop_choice.currentData() is None
    clock.advance(1)
    assert panel.log_event("note").stop_key is None
    # "No planned stop" chosen by hand is not overridden by the receiver.
    log.set_position(first.lat, first.lon)
    log.stop_choice.setCurrentIndex(0)
    log.set_position(first.lat, first.lon + 1e-5)
    assert log.stop_choice.currentData() is None
    dose = {s.key: s.visited for s in demo.patrols.dose(record.id).stops}
    assert {key for key, visited in dose.items() if visited} == {first.key, second.key}


def test_the_plan_says_dwell_and_road_factor_in_plain_words_and_the_dose_tab_explains_itself(panel) -> None:
    """A new officer's walk: "Dwell", "Road factor" and "Dose" were jargon. Plain words first, the analysts' term
    after it or in the hover text."""
    from PySide6.QtWidgets import QLabel

    editor = panel.plan
    buddies = {label.buddy(): label.text().replace("&", "") for label in editor.findChildren(QLabel)
               if label.buddy() is not None}
    assert buddies[editor.dwell] == "Time at stop (dwell)"
    assert "Road distance vs straight line" in editor.road_factor.toolTip()
    assert "at each stop" in editor.dwell.toolTip()
    labels = {label.buddy(): label for label in editor.findChildren(QLabel) if label.buddy() is not None}
    assert labels[editor.road_factor].toolTip() == editor.road_factor.toolTip()  # hovering the words explains too
    header = editor.table.horizontalHeaderItem(3)
    assert header.text() == "At stop" and "dwell" in header.toolTip()
    assert "minutes spent at each planned stop" in panel.tabs.tabToolTip(panel.tabs.indexOf(panel.dose))


def _answer_correction(log, fill) -> list[Any]:
    """The correction dialog as a person answers it: `fill(dialog)` types, then Save (or Withdraw) is pressed; a
    refusal leaves it open (noted), and Cancel closes it then."""
    seen: list[Any] = []

    def run(dialog) -> bool:
        fill(dialog)
        dialog.submit()
        seen.append(dialog)
        if dialog.result() != dialog.DialogCode.Accepted:
            return False
        return True

    log.open_dialog = run
    return seen


def test_a_logged_event_is_corrected_and_withdrawn_from_the_log_and_the_dose_follows(qtbot, panel, demo, clock):
    """An Arrived credited to the wrong stop stayed "visited" in the Dose tab: select it, Correct… to the right stop
    (the Dose tab follows); a note logged by mistake is withdrawn and stays in the log, greyed, with the reason."""
    from ruralwatch.core.vocab import PATROL_EVENT_NAMES

    record, plan = _planned_patrol(qtbot, panel, demo)
    panel.start_patrol()
    log = panel.log
    first, second = plan.stops[0], plan.stops[1]
    log.stop_choice.setCurrentIndex(log.stop_choice.findData(first.key))
    clock.advance(2)
    arrived = panel.log_event("arrived_stop")
    log.stop_choice.setCurrentIndex(0)  # "No planned stop"
    log.detail.setText("Wrong patrol's note")
    clock.advance(1)
    note = panel.log_event("note")
    visited = lambda: {s.key for s in panel.dose.dose.stops if s.visited} if panel.dose.dose else set()  # noqa: E731
    assert first.key in visited()
    assert not log.correct_button.isEnabled() and "Select an event" in log.correct_button.toolTip()

    log.select_event(arrived.id)
    assert log.correct_button.isEnabled() and log.withdraw_button.isEnabled()
    # Refused first (a time before the start): the dialog stays open with what was typed, nothing changes.
    seen = _answer_correction(log, lambda d: (d.stop.setCurrentIndex(d.stop.findData(second.key)),
                                              d.when.setDateTime(d.when.dateTime().addDays(-1))))
    assert log.correct_selected() is None
    assert seen[0].stop.currentData() == second.key and "before the patrol started" in seen[0].errors.text()
    assert demo.patrols.event(arrived.id).stop_key == first.key
    seen = _answer_correction(log, lambda d: (d.stop.setCurrentIndex(d.stop.findData(second.key)),
                                              d.reason.setText("it was the second farm")))
    done = log.correct_selected()
    assert done is not None and done.stop_key == second.key
    qtbot.waitUntil(lambda: second.key in visited() and first.key not in visited())
    row = next(r for r in range(log.table.rowCount())
               if log.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == arrived.id)
    assert log.table.item(row, 1).text() == f"{PATROL_EVENT_NAMES['arrived_stop']} (corrected)"
    assert log.table.item(row, 2).text() == f"{second.seq}. {second.label}"
    assert "it was the second farm" in log.table.item(row, 1).toolTip()

    log.select_event(note.id)
    _answer_correction(log, lambda d: d.reason.setText("logged on the wrong patrol"))
    assert log.correct_selected(withdraw=True).withdrawn
    row = next(r for r in range(log.table.rowCount())
               if log.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == note.id)
    assert log.table.item(row, 1).text() == "Note (withdrawn)"
    assert log.table.item(row, 4).text() == "Withdrawn: logged on the wrong patrol — was: Wrong patrol's note"
    assert log.table.item(row, 0).font().italic()
    log.select_event(note.id)  # withdrawn: nothing more to do with it, and the buttons say why
    assert not log.withdraw_button.isEnabled() and "withdrawn" in log.withdraw_button.toolTip()
    assert "Note" not in demo.patrols.dose(record.id).events_by_kind

    # From the keyboard: F2 in the log corrects the selected event (Delete withdraws it).
    log.select_event(arrived.id)
    log.table.setFocus()
    seen = _answer_correction(log, lambda d: d.note.setText("Second farm, gate open"))
    qtbot.keyClick(log.table, Qt.Key.Key_F2)
    assert seen and demo.patrols.event(arrived.id).detail == "Second farm, gate open"


def test_a_withdrawn_event_is_restored_and_the_patrol_s_end_corrected_from_the_log(qtbot, panel, demo, clock):
    """An Arrived withdrawn by mistake comes back (Undo withdrawal…, or Delete on it) and counts again; End pressed
    three hours late back at the station is corrected (Correct start and end…), the heading and the dose follow;
    a refused time keeps the dialog open with what was typed."""
    record, plan = _planned_patrol(qtbot, panel, demo)
    panel.start_patrol()
    log = panel.log
    first = plan.stops[0]
    log.stop_choice.setCurrentIndex(log.stop_choice.findData(first.key))
    clock.advance(20)
    arrived = panel.log_event("arrived_stop")
    clock.advance(30)
    left = panel.log_event("left_stop")
    log.select_event(arrived.id)
    assert not log.withdraw_button.isHidden() and log.restore_button.isHidden()
    _answer_correction(log, lambda d: d.reason.setText("wrong button"))
    assert log.correct_selected(withdraw=True).withdrawn
    log.select_event(arrived.id)
    assert not log.restore_button.isHidden() and log.withdraw_button.isHidden()
    assert log.restore_button.isEnabled() and not log.correct_button.isEnabled()
    log.table.setFocus()
    seen = _answer_correction(log, lambda d: d.reason.setText("it was the right button"))
    qtbot.keyClick(log.table, Qt.Key.Key_Delete)  # Delete on a withdrawn event restores it
    assert seen and seen[0].mode == "restore" and not demo.patrols.event(arrived.id).withdrawn
    assert not log.withdraw_button.isHidden() and "Restored: " in log.message.text()
    row = next(r for r in range(log.table.rowCount())
               if log.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == arrived.id)
    assert log.table.item(row, 1).text().endswith("(restored)")  # read in the row, as "(withdrawn)" was
    assert log.table.item(row, 1).toolTip().startswith("Restored by ")
    assert log.table.item(row, 1).toolTip().endswith(": it was the right button")
    assert demo.patrols.dose(record.id).stops[0].visited

    assert log.times_button.isHidden()  # while it runs, End is where its end is set
    clock.advance(180)  # End pressed back at the station, three hours on
    assert panel.end_patrol(ask=False) is not None
    log = panel.log
    assert not log.times_button.isHidden() and log.times_button.isEnabled()
    started = demo.patrols.get(record.id).started_at
    refused = []

    def answer(dialog) -> bool:
        # First a time before the Left logged at the stop: refused, naming it; then 20 minutes after it.
        dialog.ended.setDateTime(dialog.started.dateTime().addSecs(30 * 60))
        dialog.reason.setText("End pressed back at the station")
        dialog.submit()
        refused.append((dialog.errors.text(), dialog.reason.text(), dialog.result()))
        dialog.ended.setDateTime(dialog.started.dateTime().addSecs(70 * 60))
        dialog.submit()
        return dialog.result() == dialog.DialogCode.Accepted

    log.open_dialog = answer
    done = log.correct_times()
    (errors, reason, result), = refused
    assert "would fall after the end" in errors and left.id[:8] in errors and reason.startswith("End pressed")
    assert result != QDialog.DialogCode.Accepted
    assert done is not None and done.started_at == started
    assert times.from_storage(done.ended_at) - times.from_storage(started) == timedelta(minutes=70)
    assert f"ran {times.format_local(started)[11:16]}–{times.format_local(done.ended_at)[11:16]}" in log.heading.text()
    assert log.events[-1].kind == "patrol_ended" and log.events[-1].at == done.ended_at
    assert panel.dose.patrol is not None and panel.dose.patrol.ended_at == done.ended_at


def test_the_planners_crime_types_leave_shoplifting_out_and_are_kept_with_the_patrol(qtbot, services: Services,
                                                                                    monkeypatch) -> None:
    """An analyst targeting rural patrols untick Shoplifting in the plan's Crime types (the Analysis panel's
    widget): the choice is kept with the patrol, Suggest plan leaves it out and the note under the table says so;
    the next new patrol starts with the same choice."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
    services.published.import_paths(sorted(fixtures.glob("2018-1?-suffolk-street-every12th.csv")))
    services.geography.use_force("Suffolk")
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    created, _ = services.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                     purpose="general_rural_patrol", crew=[officer]))
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    widget = PatrolPanel(services, None, _ops(services))
    try:
        widget.open_patrol(created.id)
        editor = widget.plan
        assert editor.plan_types.text() == "Crime types: all"
        editor.plan_types.set_left_out(("Shoplifting",))
        qtbot.waitUntil(lambda: services.patrols.get(created.id).settings.exclude_types == ("Shoplifting",),
                        timeout=5_000)
        with qtbot.waitSignal(widget.planReady, timeout=30_000) as ready:
            widget.suggest_plan()
        assert ready.args[0].stops and ready.args[0].source_note.endswith("Crime types: all but Shoplifting.")
        qtbot.waitUntil(lambda: editor.source_note.text().endswith("Crime types: all but Shoplifting."),
                        timeout=5_000)
        later, _ = services.patrols.create(PatrolInput(day="2019-01-21", start="18:00", end="22:00", area="Ipswich",
                                                       purpose="general_rural_patrol", crew=[officer]))
        widget.open_patrol(later.id)
        assert editor.plan_types.left_out() == ("Shoplifting",)  # remembered for the next patrol
        assert editor.settings().exclude_types == ("Shoplifting",)
    finally:
        _dispose(qtbot, widget)


def test_choosing_none_then_hare_coursing_leaves_no_error_and_says_published_crime_is_not_used(
        qtbot, services: Services, monkeypatch) -> None:
    """Crime types > None, then tick Hare coursing, then Suggest plan, with only published crime held: a walk saw a
    red "Places not found: exclude_types: every crime type is left out" stay under every Patrols tab. The moment
    nothing is chosen is said under the plan and goes once a type is ticked; the empty plan's note says in plain
    words that published crime holds none of the chosen types; no field name shows anywhere."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
    services.published.import_paths(sorted(fixtures.glob("2018-1?-suffolk-street-every12th.csv")))
    services.geography.use_force("Suffolk")
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    created, _ = services.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                     purpose="general_rural_patrol", crew=[officer]))
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    widget = PatrolPanel(services, None, _ops(services))
    try:
        widget.open_patrol(created.id)
        editor = widget.plan
        every = tuple(editor.plan_types.keys())
        editor.plan_types.set_left_out(every)  # None
        qtbot.waitUntil(lambda: "No crime type is chosen" in editor.note.text(), timeout=5_000)
        editor.plan_types.set_left_out(tuple(key for key in every if key != "hare_coursing"))
        qtbot.waitUntil(lambda: not editor._loading_pool and "No crime type" not in editor.note.text(),
                        timeout=30_000)
        with qtbot.waitSignal(widget.planReady, timeout=30_000):
            widget.suggest_plan()
        qtbot.waitUntil(lambda: "Published crime holds none of the chosen crime types" in editor.note.text(),
                        timeout=5_000)
        assert widget.problems == []
        shown = " ".join((editor.note.text(), editor.source_note.text(), widget.status.text()))
        assert "exclude_types" not in shown and "left out: choose" not in shown
    finally:
        _dispose(qtbot, widget)


def test_a_cancelled_background_run_is_not_shown_as_a_problem(qtbot, services: Services) -> None:
    """A walk read "Places not found: cancelled" after ticking one more crime type: a run cancelled (or superseded)
    is not an error; the caller's clean-up still runs."""
    widget = PatrolPanel(services, None, _ops(services))
    try:
        cleaned: list[bool] = []

        def cancel_itself(_services: Services) -> None:
            widget.ops.running[-1].cancelled.set()  # as the progress dialog's Cancel does

        widget.in_background("Finding places worth a visit…", cancel_itself, lambda _result: None,
                             "Places not found", lambda: cleaned.append(True))
        qtbot.waitUntil(lambda: bool(cleaned), timeout=10_000)
        assert widget.problems == [] and "cancelled" not in widget.status.text()
    finally:
        _dispose(qtbot, widget)


def test_a_crew_rule_refusal_is_one_line_the_crew_check_has_the_names(qtbot, panel: PatrolPanel, demo) -> None:
    """A walk saved a crew of two off-shift officers: the refusal repeated every rule of the crew check over Save,
    was cut off, and left the crew list ~3 rows in view. The check names them; the refusal says what to do."""
    start, end = patrol_window(PATROL_DAY.toPython(), "18:00", "22:00")
    off_shift = [p for p in demo.people.list(active_only=True) if p.role == "officer" and [
        i for i in demo.patrols.check_crew([p.id], "general_rural_patrol", start, end, None, roster_rules=True)
        if i.severity == "override"]][:2]
    assert len(off_shift) == 2
    _fill_form(panel, [p.id for p in off_shift] + [_person(demo, "special").id])
    form = panel.form
    assert all(p.name in form.crew_issues.text() for p in off_shift)
    assert panel.save_patrol() is None
    text = form.error_label.text()
    assert "reason to override" in text and not any(p.name in text for p in off_shift)
    assert not form.error_label.overflows()
    assert form.override_reason.hasFocus() and "border" in form.crew.styleSheet()
