"""Every panel shows data that changed while it was closed: the demo roster and patrols, loaded from the window,
are in the Patrols and Roster panels the first time they are opened (they were empty until a filter changed)."""

from __future__ import annotations

from datetime import UTC, datetime

from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.container import Services
from ruralwatch.services.demo_roster import load_demo_roster
from ruralwatch.store import Store

FIXED_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # as tests/ui/conftest.py

def test_loading_the_demo_roster_announces_people_duties_and_patrols(store: Store) -> None:
    hub = ChangeHub()
    topics: list[str] = []
    hub.subscribe(lambda change: topics.append(change.topic))
    services = Services.build(store, hub=hub)
    load_demo_roster(services.people, services.roster, services.patrols, now=FIXED_NOW)
    assert {"people", "duties", "patrols"} <= set(topics)


def test_the_demo_patrols_are_listed_the_first_time_the_panel_opens(qtbot, demo_service, window) -> None:
    assert window.patrol_panel.patrol_table.rowCount() == 0
    task = window.ops.run("Loading demo data…", lambda services, _progress: load_demo_roster(
        services.people, services.roster, services.patrols, now=FIXED_NOW))
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    window.patrol_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: window.patrol_panel.patrol_table.rowCount() > 0, timeout=5_000)
    window.roster_dock.toggleViewAction().trigger()
    people = window.roster_panel.people_tab
    qtbot.waitUntil(lambda: people.table.rowCount() >= 40, timeout=5_000)


def test_removing_the_demo_empties_the_open_patrols_and_roster_panels(qtbot, demo_service, window,
                                                                      monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    task = window.ops.run("Loading demo data…", lambda services, _progress: load_demo_roster(
        services.people, services.roster, services.patrols, now=FIXED_NOW))
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    window.patrol_dock.toggleViewAction().trigger()
    window.roster_dock.toggleViewAction().trigger()
    people = window.roster_panel.people_tab
    qtbot.waitUntil(lambda: window.patrol_panel.patrol_table.rowCount() > 0 and people.table.rowCount() >= 40,
                    timeout=5_000)
    panel = window.patrol_panel
    demo_patrol = panel.services.patrols.list()[0]
    assert panel.open_patrol(demo_patrol.id) is not None and panel.form.title.text()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_args: QMessageBox.StandardButton.Yes))
    window.remove_demo_action.trigger()
    qtbot.waitUntil(lambda: window.patrol_panel.patrol_table.rowCount() == 0 and people.table.rowCount() == 0,
                    timeout=30_000)
    assert people.count_label.text().startswith("0 active")
    qtbot.waitUntil(lambda: panel.record is None, timeout=5_000)
    assert panel.form.title.text() != demo_patrol.title and panel.tabs.currentIndex() == 0  # not the removed one
