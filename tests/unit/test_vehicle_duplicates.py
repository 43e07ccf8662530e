"""validate_incident refuses the same vehicle twice in the same role on one incident."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, VehicleInput, validate_incident
from ruralwatch.services.demo import demo_incidents

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def with_vehicles(*vehicles: VehicleInput) -> IncidentInput:
    return IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 07:00", lat=51.9, lon=0.3,
                         vehicles=list(vehicles))


def test_the_same_vrm_in_the_same_role_twice_is_an_error_on_the_second() -> None:
    inp = with_vehicles(VehicleInput("AB12CDE"), VehicleInput("A123BCD"), VehicleInput("ab12 cde"))
    with pytest.raises(ValidationError) as excinfo:
        validate_incident(inp, now=NOW)
    assert [(e.field, e.message) for e in excinfo.value.errors] == [("vehicles[2].vrm", "AB12 CDE is listed twice")]


def test_the_same_vrm_in_different_roles_is_allowed() -> None:
    valid = validate_incident(with_vehicles(VehicleInput("AB12CDE", "suspect"), VehicleInput("AB12CDE", "victim")),
                              now=NOW)
    assert [(v["vrm"], v["role"]) for v in valid.vehicles] == [("AB12CDE", "suspect"), ("AB12CDE", "victim")]


def test_the_default_role_counts_as_suspect() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_incident(with_vehicles(VehicleInput("AB12CDE", ""), VehicleInput("AB12CDE", "suspect")), now=NOW)
    assert [e.field for e in excinfo.value.errors] == ["vehicles[1].vrm"]


def test_invalid_registrations_are_not_also_called_duplicates() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_incident(with_vehicles(VehicleInput("XX"), VehicleInput("XX")), now=NOW)
    assert all("not a UK registration" in e.message for e in excinfo.value.errors)
    assert len(excinfo.value.errors) == 2


@pytest.mark.parametrize("seed", [2026, 1, 5])
def test_the_demo_data_never_lists_a_vehicle_twice(seed: int) -> None:
    for _, inp in demo_incidents(seed, 3000, NOW):
        pairs = [(v.vrm, v.role) for v in inp.vehicles]
        assert len(pairs) == len(set(pairs))
