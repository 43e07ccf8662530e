"""An edit that leaves the place alone keeps the stored coordinates exactly (a walk saw 51.859541 saved back as
51.859537: the stored point read back from its 1 m grid reference, i.e. moved to that square's centre)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core import geo
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# Points in Essex, stored to 7 decimals as the service stores them.
LATS = st.integers(51_5000000, 52_0000000).map(lambda n: n / 1e7)
LONS = st.integers(2000000, 12000000).map(lambda n: n / 1e7)


def _service(store: Store) -> IncidentService:
    return IncidentService(store, clock=lambda: NOW)


def _record(service: IncidentService, lat: float, lon: float):  # type: ignore[no-untyped-def]
    return service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=lat, lon=lon,
                                        place="Willow Farm"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=LATS, lon=LONS)
def test_an_edit_giving_the_stored_points_own_grid_reference_keeps_its_coordinates(store: Store, lat: float,
                                                                                    lon: float) -> None:
    service = _service(store)
    stored = _record(service, lat, lon)
    edit = IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", grid_ref=stored.grid_ref,
                         place="Willow Farm", description="Builders' waste")
    saved = service.update(stored.id, edit)
    assert (saved.lat, saved.lon) == (stored.lat, stored.lon)
    assert saved.description == "Builders' waste"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=LATS, lon=LONS)
def test_an_edit_giving_its_stored_lat_lon_keeps_them(store: Store, lat: float, lon: float) -> None:
    service = _service(store)
    stored = _record(service, lat, lon)
    saved = service.update(stored.id, stored.to_input())
    assert (saved.lat, saved.lon) == (stored.lat, stored.lon)


def test_a_changed_grid_reference_is_stored_as_typed_to_its_precision(store: Store) -> None:
    service = _service(store)
    stored = _record(service, 51.8595414, 1.1905621)
    edit = stored.to_input()
    moved = IncidentInput(**{**edit.__dict__, "lat": None, "lon": None, "grid_ref": "tm 1980 2270"})
    saved = service.update(stored.id, moved)
    assert saved.grid_ref == "TM 1980 2270"
    point = geo.typed_point("TM 1980 2270")
    assert (saved.lat, saved.lon) == (round(point.lat, 7), round(point.lon, 7))


def test_a_changed_lat_lon_is_stored_as_typed(store: Store) -> None:
    service = _service(store)
    stored = _record(service, 51.8595414, 1.1905621)
    moved = IncidentInput(**{**stored.to_input().__dict__, "lat": "51.86", "lon": "1.19"})
    saved = service.update(stored.id, moved)
    assert (saved.lat, saved.lon) == (51.86, 1.19)
