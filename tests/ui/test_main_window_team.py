"""The Patrols and Roster docks in the window: map picks go to the patrol log, a logged new incident links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import PersonInput


def test_team_docks_open_from_the_menu_shortcuts(window):
    assert not window.patrol_dock.isVisible() and not window.roster_dock.isVisible()
    window.patrol_dock.toggleViewAction().trigger()
    window.roster_dock.toggleViewAction().trigger()
    assert window.patrol_dock.isVisible() and window.roster_dock.isVisible()
    shortcuts = {a.shortcut().toString() for a in (window.patrol_dock.toggleViewAction(),
                                                   window.roster_dock.toggleViewAction())}
    assert shortcuts == {"Ctrl+Shift+T", "Ctrl+Shift+R"}


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
