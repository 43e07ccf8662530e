"""The Premises panel: the register filtered, a premises added through the form (a wrong grid reference marked and
what was typed kept), property and a visit added, a repeat victim flagged, a serial checked; it fits a 500 px
dock at 1366x768, and is reachable from the Team menu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import FIXED_NOW
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from ruralwatch.core.incident import IncidentInput, StolenItemInput
from ruralwatch.core.permissions import Actor
from ruralwatch.core.premises import PremisesInput, PropertyInput, VisitInput
from ruralwatch.services.container import Services
from ruralwatch.services.demo import DEMO_PREMISES, load_demo_premises
from ruralwatch.store import Store
from ruralwatch.ui.premises_panel import PremisesPanel


@pytest.fixture
def clocked(store: Store) -> Services:
    return Services.build(store, clock=lambda: FIXED_NOW)


@pytest.fixture
def panel(qtbot, clocked: Services) -> Iterator[PremisesPanel]:
    widget = PremisesPanel(clocked)
    qtbot.addWidget(widget)
    widget.resize(500, 700)
    widget.show()
    yield widget
    widget.dispose()


def _names(panel: PremisesPanel) -> list[str]:
    return [panel.table.item(row, 0).text() for row in range(panel.table.rowCount())]


def test_a_premises_is_added_and_a_wrong_grid_reference_keeps_what_was_typed(qtbot, panel: PremisesPanel) -> None:
    dialog = panel.open_new()
    dialog.name.setText("Grange Farm")
    dialog.grid_ref.setText("TI 1234 5678")
    dialog.contact_phone.setText("01632 960001")
    dialog.scheme_boxes["farm_watch"].setChecked(True)
    assert dialog.save() is False
    assert dialog.isVisible() and "Grid reference" in dialog.error_label.text()
    assert (dialog.name.text(), dialog.grid_ref.text(), dialog.contact_phone.text()) == (
        "Grange Farm", "TI 1234 5678", "01632 960001")
    assert dialog.scheme_boxes["farm_watch"].isChecked()
    assert panel.service.list() == []
    dialog.grid_ref.setText("TL 61234 35678")
    with qtbot.waitSignal(panel.premises_saved, timeout=5_000):
        assert dialog.save()
    assert _names(panel) == ["Grange Farm"] and panel.selected_id() is not None
    assert "TL 61234 35678" in panel.details.text() and "Farm Watch" in panel.details.text()

    edit = panel.open_edit()
    assert edit is not None and edit.grid_ref.text() == "TL 61234 35678"
    edit.address.setText("Grange Lane")
    with qtbot.waitSignal(panel.premises_saved, timeout=5_000):
        assert edit.save()
    assert panel.service.get(panel.selected_id()).address == "Grange Lane"


def test_property_visits_incidents_and_the_repeat_flag(qtbot, panel: PremisesPanel, clocked: Services) -> None:
    farm = clocked.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678"))
    clocked.premises.add(PremisesInput("St Mary's Church", "church", "TL 60695 37202", schemes=["church_watch"]))
    qtbot.waitUntil(lambda: len(_names(panel)) == 2, timeout=5_000)  # the hub refreshes the panel
    panel.filter.setText("church")
    qtbot.waitUntil(lambda: _names(panel) == ["St Mary's Church"], timeout=5_000)
    panel.filter.clear()
    panel.scheme_filter.setCurrentIndex(panel.scheme_filter.findData("church_watch"))
    assert _names(panel) == ["St Mary's Church"]
    panel.scheme_filter.setCurrentIndex(0)
    assert panel.select(farm.id)

    item = panel.open_add_property()
    assert item is not None
    item.kind.setCurrentIndex(item.kind.findData("gps_unit"))
    item.make.setText("John Deere")
    item.serial_number.setText("jd-sf 0001")
    item.photos.setPlainText("photos/starfire.jpg")
    with qtbot.waitSignal(panel.property_saved, timeout=5_000):
        assert item.save()
    assert panel.property_table.rowCount() == 1 and panel.property_table.item(0, 1).text() == "jd-sf 0001"
    assert "saved" in panel.status.text()
    church = next(p.id for p in clocked.premises.list() if p.name.startswith("St Mary"))
    assert panel.select(church) and panel.status.text() == ""  # the note was about the farm
    assert panel.select(farm.id)

    visit = panel.open_add_visit()
    assert visit is not None
    visit.visited_on.setText("2026-10-01")
    visit.officer.setText("PC Smith")
    visit.advice.setPlainText("Keep the GPS in the office")
    with qtbot.waitSignal(panel.visit_saved, timeout=5_000):
        assert visit.save()
    assert panel.visits_table.item(0, 2).text() == "Keep the GPS in the office"

    for when in ("2026-05-02 03:00", "2026-11-20 02:00"):
        clocked.incidents.record(IncidentInput(
            kind="equipment_theft", occurred_start=when, grid_ref="TL 61234 35678", premises_id=farm.id,
            items=[StolenItemInput("gps_unit", serial_number="JDSF0001")]))
    qtbot.waitUntil(lambda: panel.incidents_table.rowCount() == 2, timeout=5_000)
    assert "Repeat victim: 2 incidents within 365 days" in panel.details.text()

    check = panel.open_serial_check()
    check.serial.setText("JD SF 0001")
    with qtbot.waitSignal(check.checked, timeout=5_000):
        check.check_button.click()
    assert check.result is not None and check.result.stolen
    assert "STOLEN" in check.verdict.text() and check.matches.rowCount() == 3  # two thefts, one registration
    check.show()
    qtbot.waitExposed(check)
    assert check.matches.horizontalHeader().length() <= check.matches.viewport().width()  # where and when in sight
    check.serial.setText("--")
    check.check()
    assert check.matches.rowCount() == 0 and check.verdict.isVisible()


def test_a_role_that_may_not_see_contacts_does_not_erase_them(qtbot, clocked: Services, store: Store) -> None:
    farm = clocked.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678", contact_name="Jo Farmer"))
    store.actor = Actor("sc1", "special")
    widget = PremisesPanel(clocked)
    qtbot.addWidget(widget)
    try:
        assert widget.select(farm.id)
        dialog = widget.open_edit()
        assert dialog is not None and dialog.contact_name.text() == "" and not dialog.contact_name.isVisibleTo(dialog)
        dialog.notes.setPlainText("Dogs loose at night")
        with qtbot.waitSignal(widget.premises_saved, timeout=5_000):
            assert dialog.save()
        store.actor = Actor("ret", "ret_officer")
        assert clocked.premises.get(farm.id).contact_name == "Jo Farmer"
    finally:
        widget.dispose()


def test_an_analyst_sees_the_register_but_cannot_edit_it(qtbot, clocked: Services, store: Store) -> None:
    clocked.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678"))
    store.actor = Actor("an1", "analyst")
    widget = PremisesPanel(clocked)
    qtbot.addWidget(widget)
    try:
        assert _names(widget) == ["Grange Farm"] and not widget.new_button.isEnabled()
        widget.select(clocked.premises.list()[0].id)
        assert not widget.add_property_button.isEnabled() and widget.check_button.isEnabled()
    finally:
        widget.dispose()


def test_the_panel_fits_a_laptop_width_dock(qtbot, panel: PremisesPanel, clocked: Services) -> None:
    load_demo_premises(clocked.premises, clocked.incidents, now=FIXED_NOW)
    qtbot.waitUntil(lambda: len(_names(panel)) == len(DEMO_PREMISES), timeout=5_000)
    panel.select(clocked.premises.resolve("Grange Farm (demo)"))
    qtbot.waitUntil(lambda: 0 < panel.minimumSizeHint().width() <= 500)
    assert panel.property_table.rowCount() == 3 and panel.incidents_table.rowCount() == 2
    panel.show_to_visit()  # the view chooser and the to-visit columns fit too
    assert 0 < panel.minimumSizeHint().width() <= 500


def test_the_names_keep_their_width_in_a_laptop_width_dock(qtbot, panel: PremisesPanel, clocked: Services) -> None:
    """Docked at 1366x768 the kind, grid reference and schemes took the width and cut the names to a letter or two:
    now every column shows within the panel, the names whole, the longest kinds and schemes wrapped."""
    load_demo_premises(clocked.premises, clocked.incidents, now=FIXED_NOW)
    qtbot.waitUntil(lambda: len(_names(panel)) == len(DEMO_PREMISES), timeout=5_000)
    table, header = panel.table, panel.table.horizontalHeader()
    name_width = max(table.fontMetrics().horizontalAdvance(name) for name in _names(panel) if len(name) <= 20)
    assert header.sectionSize(0) > name_width  # "Oak Lodge Stables (demo)" and shorter: on one line
    qtbot.waitUntil(lambda: header.length() <= table.viewport().width())  # no sideways scrolling
    assert header.sectionSize(3) >= table.fontMetrics().horizontalAdvance("Farm Watch")


def test_the_team_menu_opens_the_panel_and_checks_a_serial(qtbot, window, services: Services) -> None:
    window.resize(1366, 768)
    team = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Team")
    assert window.premises_dock.toggleViewAction() in team.actions()
    assert window.serial_check_action in team.actions()
    assert window.premises_dock.toggleViewAction().shortcut().toString() == "Ctrl+Shift+M"
    window.premises_dock.toggleViewAction().trigger()
    qtbot.waitUntil(window.premises_dock.isVisible)
    services.premises.add_property(services.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678")).id,
                                   PropertyInput("quad_atv", "Honda", "TRX420", "HON-1"))
    qtbot.waitUntil(lambda: window.premises_panel.table.rowCount() == 1, timeout=5_000)
    dialog = window.check_serial()
    dialog.serial.setText("hon 1")
    found = dialog.check()
    assert found is not None and not found.stolen and "registered, not reported stolen" in dialog.verdict.text()
    dialog.close()


def test_the_incident_form_links_a_premises_and_flags_a_repeat_victim(qtbot, window, services: Services) -> None:
    farm = services.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678"))
    services.incidents.record(IncidentInput(kind="equipment_theft", occurred_start="2026-11-01 03:00",
                                            grid_ref="TL 61234 35678", premises_id=farm.id))
    form = window.new_incident()
    form.kind.setCurrentIndex(form.kind.findData("equipment_theft"))
    form.grid_ref.setText("TL 61234 35678")
    form.occurred_start.setDateTime(form.occurred_start.dateTime().fromString("2026-11-20 02:00",
                                                                             "yyyy-MM-dd HH:mm"))
    form.premises_combo.setEditText("Nowhere Farm")
    form.save()
    assert form.saved is None and "not on the premises register" in form.error_label.text()
    assert form.premises_combo.currentText() == "Nowhere Farm"  # kept as typed
    form.premises_combo.setCurrentIndex(form.premises_combo.findData(farm.id))
    assert form.repeat_label.isVisibleTo(form) and "Victimised before: 1 incident" in form.repeat_label.text()
    form.save()
    assert form.saved is not None and form.saved.premises_id == farm.id
    edit = window.open_incident(form.saved.id)
    assert edit is not None and edit.chosen_premises() == farm.id and not edit.is_modified()
    edit.description.setPlainText("Cab window smashed")
    edit.save()
    assert services.incidents.get(form.saved.id).premises_id == farm.id  # an edit keeps the link


def test_the_to_visit_view_lists_premises_near_a_recent_theft(qtbot, panel: PremisesPanel, clocked: Services) -> None:
    clocked.near_repeat.set_zone_settings(400, 14)
    near = clocked.premises.add(PremisesInput("Near Farm", "farm", "TL 61234 35878", schemes=["farm_watch"]))
    clocked.premises.add(PremisesInput("Far Farm", "farm", "TL 65234 35678"))
    clocked.premises.add_visit(near.id, VisitInput("2026-09-01", "PC Olive", "Lock the yard"))
    clocked.incidents.record(IncidentInput(kind="fuel_theft", occurred_start="2026-08-01 03:00",
                                           grid_ref="TL 61234 35878", premises_id=near.id))
    qtbot.waitUntil(lambda: len(_names(panel)) == 2, timeout=5_000)
    panel.show_to_visit()
    assert _names(panel) == [] and "No premises to visit" in panel.count_label.text()
    clocked.incidents.record(IncidentInput(kind="equipment_theft", occurred_start="2026-11-22 03:00",
                                           grid_ref="TL 61234 35678", place="Hall Farm"))
    qtbot.waitUntil(lambda: _names(panel) == ["Near Farm"], timeout=5_000)  # the hub refreshes the view
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers == ["Name", "Incident nearby", "Last visit", "Repeat victim"]
    assert panel.table.item(0, 1).text().startswith("Equipment theft 2026-11-22, ")
    assert panel.table.item(0, 2).text() == "2026-09-01" and panel.table.item(0, 3).text().startswith("Yes: 1")
    assert "1 premises to visit" in panel.count_label.text()
    assert panel.select(near.id) and "Near Farm" in panel.details.text()  # the details follow as in the register
    panel.filter.setText("brook")
    qtbot.waitUntil(lambda: _names(panel) == [], timeout=5_000)
    panel.filter.clear()
    panel.show_to_visit(False)
    qtbot.waitUntil(lambda: len(_names(panel)) == 2, timeout=5_000)
    assert panel.table.horizontalHeaderItem(1).text() == "Kind"



def _double_click(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_double_click_on_an_incident_or_a_serial_match_opens_it(qtbot, panel: PremisesPanel,
                                                                 clocked: Services) -> None:
    farm = clocked.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678"))
    clocked.premises.add_property(farm.id, PropertyInput("gps_unit", "John Deere", "StarFire", "JDSF0001"))
    theft = clocked.incidents.record(IncidentInput(
        kind="equipment_theft", occurred_start="2026-11-20 02:00", grid_ref="TL 61234 35678", premises_id=farm.id,
        items=[StolenItemInput("gps_unit", serial_number="JDSF0001")]))
    qtbot.waitUntil(lambda: len(_names(panel)) == 1, timeout=5_000)
    assert panel.select(farm.id)
    panel.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: panel.incidents_table.rowCount() == 1, timeout=5_000)
    with qtbot.waitSignal(panel.incident_requested, timeout=5_000) as opened:
        _double_click(qtbot, panel.incidents_table, 0)
    assert opened.args == [theft.id]
    panel.incidents_table.setFocus()
    with qtbot.waitSignal(panel.incident_requested, timeout=5_000) as opened:  # Enter on the row too
        qtbot.keyClick(panel.incidents_table, Qt.Key.Key_Return)
    assert opened.args == [theft.id]

    check = panel.open_serial_check()
    assert not check.isModal()  # the incident form it opens must take clicks
    check.serial.setText("jd sf 0001")
    check.check()
    rows = {check.matches.item(r, 0).text(): r for r in range(check.matches.rowCount())}
    with qtbot.waitSignal(panel.incident_requested, timeout=5_000) as opened:
        _double_click(qtbot, check.matches, rows["Stolen"])
    assert opened.args == [theft.id]
    panel.filter.setText("church")  # a registered match selects its premises, even when filtered out
    qtbot.waitUntil(lambda: _names(panel) == [], timeout=5_000)
    _double_click(qtbot, check.matches, rows["Registered"])
    qtbot.waitUntil(lambda: panel.selected_id() == farm.id, timeout=5_000)
    assert panel.open_serial_check() is check  # one check window, raised again
    check.close()


def test_the_window_opens_an_incident_double_clicked_in_the_premises_panel(qtbot, window,
                                                                            services: Services) -> None:
    farm = services.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678"))
    theft = services.incidents.record(IncidentInput(kind="equipment_theft", occurred_start="2026-11-20 02:00",
                                                    grid_ref="TL 61234 35678", premises_id=farm.id))
    # The table reloads a moment after a change: the panel, built when first opened, may be quicker than that.
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=5_000)
    panel = window.premises_panel
    window.premises_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=5_000)
    assert panel.select(farm.id)
    panel.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: panel.incidents_table.isVisible() and panel.incidents_table.rowCount() == 1,
                    timeout=5_000)
    _double_click(qtbot, panel.incidents_table, 0)
    qtbot.waitUntil(lambda: any(f.incident and f.incident.id == theft.id for f in window.forms), timeout=5_000)
    assert window.selected_id() == theft.id  # and its row in the table is selected


def test_the_premises_form_picks_its_grid_reference_on_the_map(qtbot, window, services: Services) -> None:
    panel = window.premises_panel
    window.premises_dock.toggleViewAction().trigger()
    incident_form = window.new_incident()
    incident_form.pick_button.setChecked(True)
    dialog = panel.open_new()
    qtbot.waitExposed(dialog)
    assert not dialog.isModal()  # a window-modal form would block the map it picks on
    dialog.name.setText("Grange Farm")
    qtbot.mouseClick(dialog.pick_button, Qt.MouseButton.LeftButton)
    assert window.picking.form is dialog and not incident_form.pick_button.isChecked()  # one picker at a time
    assert window.statusBar().currentMessage().startswith("Click the map at the premises")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc stops picking, the form stays
    assert dialog.isVisible() and window.picking.form is None
    dialog.pick_button.click()
    window.map.map_clicked.emit(51.95, 0.35)
    assert dialog.grid_ref.text().startswith("TL ") and len(dialog.grid_ref.text().replace(" ", "")) == 12
    assert not dialog.pick_button.isChecked() and window.picking.form is None
    with qtbot.waitSignal(panel.premises_saved, timeout=5_000) as saved:
        assert dialog.save()
    assert abs(saved.args[0].lat - 51.95) < 1e-4 and abs(saved.args[0].lon - 0.35) < 1e-4
    edit = panel.open_edit()
    assert edit is not None
    edit.pick_button.click()
    assert window.picking.form is edit
    edit.close()  # a closed form stops picking
    assert window.picking.form is None
    incident_form.close()
