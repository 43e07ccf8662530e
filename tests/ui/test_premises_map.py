"""Registered premises on the window's map: a house square each (those with a place), red-outlined when victimised
within the repeat window, a popup with name, kind and schemes but never the contact, their own layer in the layer
control and rows in the key, redrawn when the register or the repeat window changes; the page stays offline."""

from __future__ import annotations

import pytest
from conftest import FIXED_NOW
from map_helpers import run_js

from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.premises import PremisesInput
from ruralwatch.services.container import Services
from ruralwatch.store import Store


@pytest.fixture
def services(store: Store) -> Services:
    """The window's services read this fixed time: the repeat window does not depend on today's date."""
    return Services.build(store, clock=lambda: FIXED_NOW)


def _looks(qtbot, window) -> list[dict]:
    return run_js(qtbot, window.map, "[...document.querySelectorAll('.rw-premises')].map((e) => ({"
                                     "repeat: e.classList.contains('rw-premises-repeat'), "
                                     "outline: e.querySelector('rect').getAttribute('stroke')}))")


def test_premises_are_drawn_repeat_victims_outlined_red_in_the_key_and_switchable(qtbot, services, window):
    grange = services.premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678", contact_name="Jo Farmer",
                                                 contact_phone="01632 960001", schemes=["farm_watch"]))
    services.premises.add(PremisesInput("St Mary's Church", "church", "TL 60695 37202", schemes=["church_watch"]))
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.premisesCount()") == 2, timeout=10_000)
    window.map.run_js("rw.setView(51.99, 0.36, 14)")
    qtbot.waitUntil(lambda: len(_looks(qtbot, window)) == 2, timeout=10_000)
    assert [look["repeat"] for look in _looks(qtbot, window)] == [False, False]
    services.incidents.record(IncidentInput(kind="equipment_theft", occurred_start="2026-11-01 03:00",
                                            grid_ref="TL 61234 35678", premises_id=grange.id))
    qtbot.waitUntil(lambda: sum(look["repeat"] for look in _looks(qtbot, window)) == 1, timeout=10_000)
    red = next(look for look in _looks(qtbot, window) if look["repeat"])
    assert red["outline"] == "#e53935"

    window.map.run_js("rw.setLegendFolded(false)")
    legend = run_js(qtbot, window.map, "rw.legendText()")
    assert "Registered premises" in legend and "Premises victimised within the repeat window" in legend
    assert "Registered premises" in run_js(
        qtbot, window.map, "document.querySelector('.leaflet-control-layers').textContent")
    popup = run_js(qtbot, window.map, "(function () { let text = null; rw.leafletMap.eachLayer((l) => {"
                                      " if (l.options && l.options.title === 'Grange Farm' && l.getPopup()) {"
                                      " l.openPopup(); text = l.getPopup().getElement().textContent; } });"
                                      " return text; })()")
    assert "Grange Farm" in popup and "Farm Watch" in popup and "Victimised within 365 days: 1 incident" in popup
    assert "Jo Farmer" not in popup and "01632" not in popup

    # A shorter repeat window: the theft of 1 November no longer counts, the red outline goes.
    services.premises.set_repeat_window(10)
    qtbot.waitUntil(lambda: sum(look["repeat"] for look in _looks(qtbot, window)) == 0, timeout=10_000)
    window.map.set_premises_visible(False)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.premisesOnMap()") is False, timeout=10_000)
    assert "Registered premises" not in run_js(qtbot, window.map, "rw.legendText()")
    assert window.map.guard.blocked == [] and window.problems == []
