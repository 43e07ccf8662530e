"""Saving an incident's form without touching its place keeps the stored coordinates exactly: a walk saw Lat/lon
51.859541 become 51.859537 (Save read the grid reference box back, i.e. the centre of the stored point's 1 m square).
A place typed anew is still stored as typed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from ruralwatch.core import geo
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.store import Store
from tests.ui.conftest import FIXED_NOW

LATS = st.integers(51_5000000, 52_0000000).map(lambda n: n / 1e7)
LONS = st.integers(2000000, 12000000).map(lambda n: n / 1e7)


def _services(store: Store) -> Services:
    return Services.build(store, clock=lambda: FIXED_NOW)


def _record(services: Services, lat: float, lon: float, **more):  # type: ignore[no-untyped-def]
    return services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=lat,
                                                   lon=lon, place="Willow Farm", **more))


def _form(qtbot, services: Services, incident):  # type: ignore[no-untyped-def]
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents, services.incidents.get(incident.id))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=LATS, lon=LONS)
def test_saving_with_the_place_untouched_keeps_the_stored_coordinates(qtbot, store: Store, lat: float,
                                                                      lon: float) -> None:
    services = _services(store)
    stored = _record(services, lat, lon)
    dialog = _form(qtbot, services, stored)
    # Tabbing through the place boxes, as a person filling the form does, reads nothing back either.
    for box in (dialog.grid_ref, dialog.lat, dialog.lon):
        box.editingFinished.emit()
    dialog.description.setPlainText("Builders' waste dumped in field entrance.")
    dialog.save()
    assert dialog.saved is not None
    assert (dialog.saved.lat, dialog.saved.lon) == (stored.lat, stored.lon)
    assert dialog.saved.description == "Builders' waste dumped in field entrance."


def test_an_eight_figure_reference_stays_eight_figures_after_an_edit(qtbot, store: Store) -> None:
    services = _services(store)
    stored = _record(services, None, None, grid_ref="TL 8500 0700")  # type: ignore[arg-type]
    dialog = _form(qtbot, services, stored)
    dialog.lat.editingFinished.emit()
    dialog.place.setText("Brook Farm")
    dialog.save()
    assert dialog.saved is not None
    assert dialog.saved.grid_ref == "TL 8500 0700"
    assert (dialog.saved.lat, dialog.saved.lon) == (stored.lat, stored.lon)


def test_a_grid_reference_typed_over_the_old_one_is_stored_as_typed(qtbot, store: Store) -> None:
    services = _services(store)
    stored = _record(services, 51.8595414, 1.1905621)
    dialog = _form(qtbot, services, stored)
    dialog.grid_ref.clear()
    qtbot.keyClicks(dialog.grid_ref, "TM 1980 2270")
    qtbot.keyClick(dialog.grid_ref, Qt.Key.Key_Return)
    dialog.save()
    assert dialog.saved is not None
    assert dialog.saved.grid_ref == "TM 1980 2270"
    point = geo.typed_point("TM 1980 2270")
    assert (dialog.saved.lat, dialog.saved.lon) == (round(point.lat, 7), round(point.lon, 7))


def test_a_latitude_typed_over_the_old_one_is_stored_as_typed(qtbot, store: Store) -> None:
    services = _services(store)
    stored = _record(services, 51.8595414, 1.1905621)
    dialog = _form(qtbot, services, stored)
    dialog.lat.setText("51.8612")
    dialog.lat.editingFinished.emit()
    dialog.save()
    assert dialog.saved is not None
    assert (dialog.saved.lat, dialog.saved.lon) == (51.8612, 1.190562)
