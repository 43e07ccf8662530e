"""Near-repeat risk zones on the window's map: drawn for recent thefts, in the legend, a layer that can be
switched off, and redrawn when the zone settings change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from map_helpers import run_js

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.store import Store

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


@pytest.fixture
def services(store: Store) -> Services:
    """The window's services read this fixed time: the zones live now do not depend on today's date."""
    return Services.build(store, clock=lambda: NOW)


def _radii(qtbot, window) -> list[float]:
    """The radius in metres of each zone ring on the map (the page draws on a canvas: no elements to count)."""
    return run_js(qtbot, window.map, "Object.values(rw.leafletMap._layers)"
                                     ".filter((l) => l.options && l.options.className === 'rw-near-repeat')"
                                     ".map((l) => l.getRadius())")


def test_zones_of_recent_thefts_are_drawn_in_the_legend_and_can_be_switched_off(qtbot, services, window):
    services.near_repeat.set_zone_settings(400, 14)
    recorded = [
        services.incidents.record(IncidentInput(kind=kind, occurred_start=when, lat=51.93, lon=0.30 + k * 0.05,
                                                place=f"Farm {k}"))
        for k, (kind, when) in enumerate([("farm_burglary", "2026-11-20 10:00"),
                                          ("equipment_theft", "2026-11-22 03:00"),
                                          ("fly_tipping", "2026-11-23 10:00"),  # not a theft: no zone
                                          ("fuel_theft", "2026-10-01 10:00")])]  # over 14 days ago
    assert len(recorded) == 4
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.nearRepeatZoneCount()") == 2, timeout=10_000)
    window.map.run_js("rw.setLegendFolded(false)")
    assert "Near-repeat risk zone" in run_js(qtbot, window.map, "rw.legendText()")
    assert _radii(qtbot, window) == [400, 400]
    # The layer control lists the zones; switched off they leave the map and the key.
    assert "Near-repeat risk zones" in run_js(
        qtbot, window.map, "document.querySelector('.leaflet-control-layers').textContent")
    window.map.set_near_repeat_visible(False)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.nearRepeatOnMap()") is False, timeout=10_000)
    assert "Near-repeat risk zone" not in run_js(qtbot, window.map, "rw.legendText()")
    window.map.set_near_repeat_visible(True)
    # A shorter zone setting: redrawn from the change, the burglary of the 20th is no longer live.
    services.near_repeat.set_zone_settings(400, 3)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.nearRepeatZoneCount()") == 1, timeout=10_000)
    assert _radii(qtbot, window) == [400]
    assert window.problems == []


def test_recording_a_theft_in_the_window_tells_the_officer_its_zone(qtbot, services, window):
    from PySide6.QtCore import QDateTime

    from ruralwatch.ui.incident_form import UK

    services.near_repeat.set_zone_settings(400, 14)
    services.incidents.record(IncidentInput(kind="equipment_theft", occurred_start="2026-11-20 10:00",
                                            grid_ref="TL 61234 32556", place="Hall Farm"))
    form = window.new_incident()
    form.kind.setCurrentIndex(form.kind.findData("fuel_theft"))
    form.grid_ref.setText("TL 61234 32456")  # 100 m south of the theft at Hall Farm
    form.place.setText("Brook Farm")
    when = QDateTime.fromString("2026-11-23 10:00", "yyyy-MM-dd HH:mm")
    when.setTimeZone(UK)
    for edit in (form.occurred_start, form.occurred_end, form.reported_at):
        edit.setDateTime(when)
    with qtbot.waitSignal(window.map.incidents_shown, timeout=10_000):
        form.save()
    assert form.saved is not None
    message = window.statusBar().currentMessage()
    assert message.startswith("Incident saved. Near-repeat risk zone: 400 m round it until 2026-12-07 10:00")
    assert "1 earlier incident(s) inside it, the latest equipment theft at Hall Farm 100 m away, 3 day(s) before" \
        in message


def test_recording_a_theft_says_how_many_registered_premises_are_in_its_zone(qtbot, services, window):
    from PySide6.QtCore import QDateTime

    from ruralwatch.core.premises import PremisesInput
    from ruralwatch.ui.incident_form import UK

    services.near_repeat.set_zone_settings(400, 14)
    for name, ref in (("Near Farm", "TL 61234 35778"), ("Brook Farm", "TL 61434 35678"),
                      ("Far Farm", "TL 65234 35678")):
        services.premises.add(PremisesInput(name, "farm", ref))
    form = window.new_incident()
    form.kind.setCurrentIndex(form.kind.findData("fuel_theft"))
    form.grid_ref.setText("TL 61234 35678")
    form.place.setText("Hall Farm")
    when = QDateTime.fromString("2026-11-23 10:00", "yyyy-MM-dd HH:mm")
    when.setTimeZone(UK)
    for edit in (form.occurred_start, form.occurred_end, form.reported_at):
        edit.setDateTime(when)
    with qtbot.waitSignal(window.map.incidents_shown, timeout=10_000):
        form.save()
    assert form.saved is not None
    message = window.statusBar().currentMessage()
    assert "Near-repeat risk zone: 400 m" in message
    assert message.endswith("2 registered premises in the zone (Team ▸ Premises ▸ To visit).")
