"""The Patrols and Roster docks in the window: map picks go to the patrol log, a logged new incident links."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import PersonInput, WeeklySlotInput


def test_team_docks_open_from_the_menu_shortcuts(window):
    assert not window.patrol_dock.isVisible() and not window.roster_dock.isVisible()
    window.patrol_dock.toggleViewAction().trigger()
    window.roster_dock.toggleViewAction().trigger()
    assert window.patrol_dock.isVisible() and window.roster_dock.isVisible()
    shortcuts = {a.shortcut().toString() for a in (window.patrol_dock.toggleViewAction(),
                                                   window.roster_dock.toggleViewAction())}
    assert shortcuts == {"Ctrl+Shift+T", "Ctrl+Shift+R"}


def test_a_panel_open_behind_another_tab_comes_to_the_front_on_its_shortcut(qtbot, window):
    """A walk: Roster and Patrols open as tabs, Patrols in front; Ctrl+Shift+R to see the roster closed it."""
    window.roster_dock.toggleViewAction().trigger()
    window.patrol_dock.toggleViewAction().trigger()  # opened last: in front, the roster behind its tab
    qtbot.waitUntil(lambda: window.roster_dock.visibleRegion().isEmpty(), timeout=2_000)
    assert window.roster_dock.isVisible()
    window.roster_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: not window.roster_dock.visibleRegion().isEmpty(), timeout=2_000)
    assert window.roster_dock.toggleViewAction().isChecked() and window.patrol_dock.isVisible()
    window.roster_dock.toggleViewAction().trigger()  # in front now: the shortcut closes it, as before
    assert not window.roster_dock.isVisible() and window.patrol_dock.isVisible()


def test_a_map_click_while_the_patrol_log_picks_goes_to_the_patrol_not_a_form(qtbot, window):
    form = window.new_incident()
    form.pick_button.setChecked(True)
    assert window._picking_form is form
    picked: list[tuple[float, float]] = []
    window.patrol_panel.place_picked = lambda lat, lon: picked.append((lat, lon))
    window.patrol_panel.pickRequested.emit(True)
    assert not form.pick_button.isChecked(), "one picker at a time"
    window._on_map_clicked(51.95, 0.35)
    assert picked == [(51.95, 0.35)]


def test_a_new_incident_logged_on_a_patrol_opens_the_form_there_and_links_it(qtbot, window, services):
    officer = services.people.add(PersonInput(name="PC Officer", role="officer")).id
    start = datetime.now(UTC) - timedelta(hours=1)
    local = times.to_local(start)
    record, _ = services.patrols.create(PatrolInput(
        day=local.date().isoformat(), start=local.strftime("%H:%M"),
        end=(local + timedelta(hours=3)).strftime("%H:%M"), area="Maldon", purpose="general_rural_patrol",
        crew=[officer],
    ))
    services.patrols.start(record.id, at=start)
    event = services.patrols.log(record.id, PatrolEventInput(kind="new_incident", grid_ref="TL 8500 0700"))
    window.patrol_panel.newIncidentRequested.emit(event.id, event.lat, event.lon)
    form = window.forms[-1]
    assert form.grid_ref.text().replace(" ", "").startswith("TL8500")
    form.description.setPlainText("Fly-tipping found on patrol")
    form.kind.setCurrentIndex(form.kind.findData("fly_tipping"))
    form.save()
    assert form.saved is not None
    assert services.patrols.event(event.id).incident_id == form.saved.id


def test_a_list_of_vehicles_of_interest_is_imported_from_the_team_menu(qtbot, window, monkeypatch):
    """The file and the source are asked for, the import runs in the background, and its counts stay on screen;
    a stop-checked vehicle on the list is then of interest."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

    hotlist = Path(__file__).resolve().parents[1] / "fixtures" / "vehicle-lists" / "anpr-hotlist-sample.csv"
    team = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Team")
    assert window.vehicle_list_action in team.actions() and window.vehicle_list_action.isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(hotlist), "")))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("ANPR hotlist", True)))
    window.vehicle_list_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in window.findChildren(QMessageBox)),
                    timeout=30_000)
    box = next(w for w in window.findChildren(QMessageBox) if w.isVisible())
    assert "4 added" in box.text() and "3 rejected" in box.text()
    box.accept()
    assert window.services.vehicles.check("KX19ABC", at=datetime(2026, 11, 24, 12, 0, tzinfo=UTC)).of_interest


def test_refresh_reads_the_panels_again_after_the_command_line_wrote(qtbot, window, services):
    """A walk: people and duties added with `ruralwatch people add` beside the open window stayed out of the Roster
    panel, Refresh included ('Reload incidents'), until the next sign-in. Another process writes through a store
    of its own, so this window's change hub never hears of it."""
    from ruralwatch.services.container import Services
    from ruralwatch.store.database import open_store

    window.roster_dock.toggleViewAction().trigger()
    assert window.roster_panel.people_tab.table.rowCount() == 0
    other = open_store(services.store.path)  # the command line's connection
    try:
        elsewhere = Services.build(other)
        officer = elsewhere.people.add(PersonInput(name="PC Jo Smith", role="officer", collar_number="4471"))
        elsewhere.patrols.create(PatrolInput(day="2026-12-08", start="18:00", end="22:00", area="Maldon",
                                             purpose="general_rural_patrol", crew=[officer.id]))
    finally:
        other.close()
    assert window.roster_panel.people_tab.table.rowCount() == 0
    window.refresh_action.trigger()
    assert window.roster_panel.people_tab.table.item(0, 0).text() == "PC Jo Smith"
    assert window.patrol_panel.patrol_table.rowCount() == 1


def _typed_availability(window, services) -> str:
    """A person selected on the Roster's People tab with a weekly slot typed and Save not pressed."""
    person = services.people.add(PersonInput(name="Sam Reed", role="special")).id
    window.roster_dock.show()
    people = window.roster_panel.people_tab
    people.refresh()
    assert people.select_person(person)
    people.weekly.add_row(0, time(18, 0), time(23, 0))
    assert window.unsaved_panel_changes() == ["the weekly availability of Sam Reed"]
    return person


def test_closing_with_availability_not_saved_asks_save_discard_or_cancel(qtbot, window, services):
    """A coordinator typed a Special's evenings, then closed the window: they were lost without a word."""
    from ruralwatch.ui.widgets.unsaved import CANCEL, DISCARD, SAVE

    person = _typed_availability(window, services)
    asked: list[str] = []
    answer = [CANCEL]
    window.ask_unsaved_panels = lambda title, question: asked.append(f"{title}: {question}") or answer[0]
    window.close()
    assert window.isVisible() and services.people.weekly_pattern(person) == []  # Cancel: nothing lost, nothing saved
    assert asked == ["Close RuralWatch: The Roster panel has changes that are not saved: the weekly availability "
                     "of Sam Reed.\n\nSave them before closing?"]
    assert window.roster_panel.people_tab.weekly.slots()  # still as typed
    answer[0] = SAVE
    with qtbot.waitSignal(window.closed):
        window.close()
    assert [(s.weekday, s.start.hour, s.end.hour) for s in services.people.weekly_pattern(person)] == [(0, 18, 23)]
    assert len(asked) == 2

    window.show()  # Discard closes without saving
    window._unsaved_settled = False
    window.roster_panel.people_tab.weekly.add_row(2, time(19, 0), time(22, 0))
    answer[0] = DISCARD
    with qtbot.waitSignal(window.closed):
        window.close()
    assert len(services.people.weekly_pattern(person)) == 1 and len(asked) == 3


def test_signing_out_with_availability_not_saved_asks_and_a_refused_save_keeps_the_window(qtbot, window, services,
                                                                                         monkeypatch):
    from types import SimpleNamespace

    from ruralwatch.ui.widgets.unsaved import CANCEL, SAVE

    _typed_availability(window, services)
    monkeypatch.setattr(window, "idle_lock", SimpleNamespace(dispose=lambda: None))  # as if signed in
    answers = iter([CANCEL, SAVE])
    asked: list[str] = []
    window.ask_unsaved_panels = lambda title, question: asked.append(title) or next(answers)
    assert not window.sign_out() and window.isVisible() and not window.signed_out
    # A slot the rules refuse (it repeats the one typed): Save fails, the window stays with the reason shown.
    window.roster_panel.people_tab.weekly.add_row(0, time(18, 0), time(23, 0))
    assert not window.sign_out() and window.isVisible() and not window.signed_out
    assert asked == ["Sign out", "Sign out"]
    assert "Not saved" in window.roster_panel.people_tab.weekly_status.text()
    assert window.roster_dock.isVisible()


def test_the_roster_in_front_has_the_window_s_width_and_a_week_of_availability(qtbot, window, services):
    """At 1366x768 the docked Roster could not be widened past about 500 px (the table and the map kept theirs):
    the month showed one week at a time, and a person's usual week two rows. In front, the roster now has the
    window's width; another panel in front, or the roster closed, and the incidents and the map are back."""
    window.resize(1366, 768)
    person = services.people.add(PersonInput(name="Dev Hughes", role="special"))
    services.people.set_weekly(person.id, [WeeklySlotInput(day, "18:00", "22:00") for day in range(7)])
    window.show_roster_tab("people")
    qtbot.waitUntil(lambda: window.roster_has_the_width() and window.roster_dock.width() >= window.width() - 20,
                    timeout=5_000)
    assert window.centralWidget().isHidden()
    people = window.roster_panel.people_tab
    qtbot.waitUntil(lambda: people.select_person(person.id), timeout=5_000)  # listed once the panel has refreshed
    table = people.weekly.table
    qtbot.waitUntil(lambda: table.rowCount() == 7, timeout=5_000)
    qtbot.waitUntil(lambda: table.rowViewportPosition(6) + table.rowHeight(6) <= table.viewport().height(),
                    timeout=5_000)  # Monday to Sunday, none scrolled out of sight
    assert table.rowViewportPosition(0) == 0

    window.patrol_dock.toggleViewAction().trigger()  # another panel in front: the incidents and the map are back
    qtbot.waitUntil(lambda: not window.centralWidget().isHidden(), timeout=5_000)
    assert not window.roster_has_the_width() and window.map.isVisible()
    window.roster_dock.toggleViewAction().trigger()  # behind Patrols: brought to the front, the width again
    qtbot.waitUntil(window.roster_has_the_width, timeout=5_000)
    window.roster_dock.toggleViewAction().trigger()  # closed
    qtbot.waitUntil(lambda: not window.centralWidget().isHidden(), timeout=5_000)
    assert window.table.isVisible()


def test_find_while_the_roster_has_the_width_brings_the_incidents_back(qtbot, window):
    """Ctrl+F with the roster in front moved the focus to a hidden search box: nothing visible happened."""
    window.resize(1366, 768)
    window.show_roster_tab("duties")
    qtbot.waitUntil(window.roster_has_the_width, timeout=5_000)
    window.find_action.trigger()
    qtbot.waitUntil(lambda: not window.centralWidget().isHidden(), timeout=5_000)
    assert not window.roster_has_the_width() and window.search.isVisible()
