"""An analyst (who may not record incidents) walked into an Edit button that opened an editable form and then refused
to save, throwing the typing away; and greyed Sync / Central store conflicts said nothing about why. Now Edit is
View and opens the incident read-only, and every greyed action says why in the permission catalogue's words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest

from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.permissions import Actor, role_may_not
from ruralwatch.services.container import Services
from ruralwatch.store import Store
from tests.ui.conftest import FIXED_NOW


@pytest.fixture
def analyst_window(qtbot, store: Store, tmp_path: Path) -> Iterator:
    from ruralwatch.ui.main_window import MainWindow

    services = Services.build(store, clock=lambda: FIXED_NOW)
    incident = services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                       lat=51.8595414, lon=1.1905621, place="Willow Farm"))
    store.actor = Actor("anna", "analyst", "acc-anna")
    win = MainWindow(services, tmp_path / "page")
    win.report_problem = lambda title, message: None
    with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000):
        win.show()
    win.incident = incident
    yield win
    win.dispose()


def test_edit_is_view_for_an_analyst_and_opens_the_incident_read_only(qtbot, analyst_window) -> None:
    win = analyst_window
    assert win.edit_action.text() == "&View" and win.edit_action.isEnabled()
    assert role_may_not("incident.record") in win.edit_action.toolTip()
    assert win.select_incident(win.incident.id)
    win.edit_action.trigger()
    form = win.forms[-1]
    assert form.read_only
    assert form.windowTitle().startswith("Incident: ")
    assert form.save_button.isHidden()
    assert form.place.isReadOnly() and form.description.isReadOnly() and form.grid_ref.isReadOnly()
    assert not form.kind.isEnabled() and not form.status.isEnabled() and not form.pick_button.isEnabled()
    assert role_may_not("incident.record") in form.read_only_note.text() and form.read_only_note.isVisible()
    form.save()  # Ctrl+S: nothing to refuse, nothing lost
    assert form.saved is None and not form.is_modified()
    form.reject()  # closes without asking: nothing was typed
    assert not form.isVisible()


def test_every_greyed_action_says_why_in_the_catalogues_words(analyst_window) -> None:
    win = analyst_window
    sync = win.sync_dock.toggleViewAction()
    for action, permission in ((sync, "sync.exchange"), (win.central_conflicts_action, "sync.trust"),
                               (win.new_action, "incident.record"), (win.delete_action, "incident.delete"),
                               (win.demo_action, "data.purge")):
        assert not action.isEnabled()
        assert role_may_not(permission) in action.toolTip(), action.text()
        assert role_may_not(permission) in action.statusTip(), action.text()


def test_hovering_a_greyed_menu_entry_says_why_in_the_status_bar(qtbot, analyst_window) -> None:
    win = analyst_window
    file_menu = win.menuBar().actions()[0].menu()
    assert file_menu.toolTipsVisible()
    file_menu.popup(win.mapToGlobal(QPoint(10, 10)))
    qtbot.waitExposed(file_menu)
    sync = win.sync_dock.toggleViewAction()
    # From an entry the analyst may use (its status tip shown, then cleared on leaving it) to the greyed one.
    QTest.mouseMove(file_menu, file_menu.actionGeometry(win.import_action).center())
    qtbot.waitUntil(lambda: "Import" in win.statusBar().currentMessage() or file_menu.activeAction() is not None)
    QTest.mouseMove(file_menu, file_menu.actionGeometry(sync).center())
    qtbot.waitUntil(lambda: role_may_not("sync.exchange") in win.statusBar().currentMessage())
    file_menu.close()


def test_a_read_only_form_cannot_tick_a_stolen_items_recovered_box(qtbot, services, store: Store) -> None:
    """The analyst's View ticked "Recovered" by a click or Space: no edit triggers do not stop a checkable cell."""
    from PySide6.QtCore import Qt

    from ruralwatch.core.incident import StolenItemInput
    from ruralwatch.ui.incident_form import IncidentDialog

    theft = services.incidents.record(IncidentInput(
        kind="equipment_theft", occurred_start="2026-11-20 09:30", lat=51.8595414, lon=1.1905621,
        place="Willow Farm", items=[StolenItemInput(category="tools", description="Chainsaw")]))
    store.actor = Actor("anna", "analyst", "acc-anna")
    form = IncidentDialog(services.incidents, services.incidents.get(theft.id))
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    table = form.items.table
    recovered = table.item(0, 8)
    assert form.read_only and recovered.checkState() == Qt.CheckState.Unchecked
    table.scrollToItem(recovered)
    cell = table.visualItemRect(recovered)
    box = QPoint(cell.left() + 11, cell.center().y())  # the check box, drawn at the cell's left
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=box)
    assert recovered.checkState() == Qt.CheckState.Unchecked
    table.setCurrentItem(recovered)
    QTest.keyClick(table, Qt.Key.Key_Space)
    assert recovered.checkState() == Qt.CheckState.Unchecked
    assert not form.is_modified()
