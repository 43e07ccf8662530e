"""validate_incident: every problem at once, each naming its field; storable values otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput, validate_incident
from ruralwatch.core.kinds import ALL_DETAIL_FIELDS

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make(**overrides: Any) -> IncidentInput:
    fields: dict[str, Any] = {"kind": "fly_tipping", "occurred_start": "2026-11-20 09:30", "lat": 51.9, "lon": 0.3}
    fields.update(overrides)
    return IncidentInput(**fields)


def error_fields(inp: IncidentInput) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        validate_incident(inp, now=NOW)
    return [e.field for e in excinfo.value.errors]


def test_a_valid_incident_gives_storable_values() -> None:
    valid = validate_incident(make(place="  Brook Farm ", description="Tyres dumped"), now=NOW)
    values = valid.values
    assert values["kind"] == "fly_tipping"
    assert values["occurred_start"] == "2026-11-20T09:30:00Z"  # GMT in November
    assert values["reported_at"] == "2026-11-25T12:00:00Z"  # defaults to now
    assert values["occurred_end"] is None
    assert (values["lat"], values["lon"]) == (51.9, 0.3)
    assert values["place"] == "Brook Farm"
    assert values["status"] == "open"
    assert values["subkind"] is None
    assert all(values[f.key] is None for f in ALL_DETAIL_FIELDS)
    assert valid.vehicles == [] and valid.items == []


def test_local_time_in_summer_is_stored_as_utc() -> None:
    values = validate_incident(make(occurred_start="2026-07-01 00:30"), now=NOW).values
    assert values["occurred_start"] == "2026-06-30T23:30:00Z"


def test_many_errors_are_collected_at_once_with_their_field_names() -> None:
    inp = IncidentInput(
        kind="alien_abduction",
        occurred_start="",
        status="lost",
        reporter_phone="call me",
        crime_reference="x" * 41,
        details={"not_a_field": 1},
        vehicles=[VehicleInput(vrm="!!!", role="driver")],
    )
    fields = error_fields(inp)
    assert set(fields) == {
        "kind", "occurred_start", "location", "status", "reporter_phone", "crime_reference", "not_a_field",
        "vehicles[0].vrm", "vehicles[0].role",
    }
    assert len(fields) == len(set(fields))


def test_the_message_lists_every_problem() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_incident(make(kind="nope", status="lost"), now=NOW)
    assert "kind:" in str(excinfo.value) and "status:" in str(excinfo.value)


def test_unparseable_time_names_its_field() -> None:
    assert error_fields(make(occurred_start="last tuesday")) == ["occurred_start"]


@pytest.mark.parametrize("field", ["occurred_start", "occurred_end", "reported_at"])
def test_future_times_are_rejected(field: str) -> None:
    future = (NOW + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    overrides: dict[str, Any] = {field: future}
    if field != "occurred_start":
        overrides["occurred_start"] = "2026-11-25 11:00"
    assert field in error_fields(make(**overrides))


def test_a_few_minutes_of_clock_drift_is_tolerated() -> None:
    soon = NOW + timedelta(minutes=4)
    values = validate_incident(make(occurred_start=soon, reported_at=soon), now=NOW).values
    assert values["occurred_start"] == "2026-11-25T12:04:00Z"


def test_end_before_start_is_rejected() -> None:
    assert error_fields(make(occurred_start="2026-11-20 10:00", occurred_end="2026-11-20 09:00")) == ["occurred_end"]


def test_end_after_start_is_kept() -> None:
    values = validate_incident(make(occurred_end="2026-11-20 11:00"), now=NOW).values
    assert values["occurred_end"] == "2026-11-20T11:00:00Z"


def test_reported_before_it_happened_is_rejected() -> None:
    assert error_fields(make(reported_at="2026-11-19 10:00")) == ["reported_at"]


def test_grid_reference_is_used_when_lat_lon_are_missing() -> None:
    values = validate_incident(make(lat=None, lon="", grid_ref="TL 81234 23456"), now=NOW).values
    # The centre of that 1 m square, between Braintree and Coggeshall.
    assert values["lat"] == pytest.approx(51.8802, abs=1e-3)
    assert values["lon"] == pytest.approx(0.6317, abs=1e-3)


def test_lat_lon_win_over_a_grid_reference() -> None:
    values = validate_incident(make(lat="52.0", lon="0.5", grid_ref="TL 81234 23456"), now=NOW).values
    assert (values["lat"], values["lon"]) == (52.0, 0.5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lat": None, "lon": None}, "location"),
        ({"lat": None, "lon": None, "grid_ref": "TL 812 23456"}, "grid_ref"),
        ({"lat": "fifty", "lon": "0.3"}, "lat"),
        ({"lat": "51.9", "lon": "east"}, "lon"),
        ({"lat": "0.3", "lon": "51.9"}, "location"),
        ({"lat": "nan", "lon": "0.3"}, "location"),
        ({"lat": "51.9", "lon": None}, "lon"),
    ],
)
def test_bad_locations_name_their_field(overrides: dict[str, Any], field: str) -> None:
    assert error_fields(make(**overrides)) == [field]


def test_coordinates_are_rounded_to_seven_places() -> None:
    values = validate_incident(make(lat=51.123456789, lon=0.987654321), now=NOW).values
    assert (values["lat"], values["lon"]) == (51.1234568, 0.9876543)


def test_details_of_the_kind_are_converted() -> None:
    inp = make(kind="unlawful_encampment", details={
        "enc_caravans": "12", "enc_vehicles": 3, "enc_land_type": "council", "enc_notice": "s61",
        "enc_date_left": "2026-11-22",
    })
    values = validate_incident(inp, now=NOW).values
    assert values["enc_caravans"] == 12
    assert values["enc_vehicles"] == 3
    assert values["enc_people"] is None
    assert values["enc_land_type"] == "council"
    assert values["enc_date_left"] == "2026-11-22"


@pytest.mark.parametrize(("raw", "stored"), [(True, 1), ("yes", 1), ("N", 0), ("false", 0), ("", None)])
def test_boolean_details(raw: Any, stored: int | None) -> None:
    inp = make(kind="hare_coursing", details={"hc_landowner_informed": raw})
    assert validate_incident(inp, now=NOW).values["hc_landowner_informed"] == stored


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"hc_people": "many"}, "hc_people"),
        ({"hc_people": 201}, "hc_people"),
        ({"hc_dogs": -1}, "hc_dogs"),
        ({"hc_landowner_informed": "perhaps"}, "hc_landowner_informed"),
    ],
)
def test_bad_details_name_their_field(details: dict[str, Any], field: str) -> None:
    assert error_fields(make(kind="hare_coursing", details=details)) == [field]


def test_bad_choice_and_date_details() -> None:
    inp = make(kind="unlawful_encampment", details={"enc_land_type": "moon", "enc_date_left": "soon"})
    assert error_fields(inp) == ["enc_land_type", "enc_date_left"]


def test_details_of_another_kind_are_dropped() -> None:
    inp = make(kind="fly_tipping", details={"hc_people": 4, "enc_caravans": 3})
    values = validate_incident(inp, now=NOW).values
    assert values["hc_people"] is None and values["enc_caravans"] is None


def test_unknown_detail_keys_are_rejected() -> None:
    assert error_fields(make(details={"colour_of_van": "white"})) == ["colour_of_van"]


def test_subkind_only_for_kinds_that_have_them() -> None:
    values = validate_incident(make(kind="equipment_theft", subkind="gps_unit"), now=NOW).values
    assert values["subkind"] == "gps_unit"
    assert error_fields(make(kind="equipment_theft", subkind="spaceship")) == ["subkind"]
    assert error_fields(make(kind="fly_tipping", subkind="gps_unit")) == ["subkind"]


def test_stolen_items_only_for_equipment_theft() -> None:
    assert error_fields(make(kind="fuel_theft", items=[StolenItemInput(category="tools")])) == ["items"]


def test_stolen_items_are_converted() -> None:
    inp = make(kind="equipment_theft", items=[
        StolenItemInput(category="gps_unit", serial_number=" ab123 ", value_gbp="£1,234.56", marking="cesar"),
        StolenItemInput(category="tools", value_gbp=Decimal("99.5"), recovered=True),
        StolenItemInput(category="quad_atv", value_gbp=None),
        StolenItemInput(category="quad_atv", value_gbp=250),
    ])
    items = validate_incident(inp, now=NOW).items
    assert [i["value_pence"] for i in items] == [123456, 9950, None, 25000]
    assert items[0]["serial_number"] == "AB123"
    assert items[0]["marking"] == "cesar"
    assert [i["recovered"] for i in items] == [0, 1, 0, 0]


@pytest.mark.parametrize("value", ["lots", "-5", "£10,000,000.01", "1e9", "12.3.4"])
def test_bad_money_is_rejected(value: str) -> None:
    inp = make(kind="equipment_theft", items=[StolenItemInput(category="tools", value_gbp=value)])
    assert error_fields(inp) == ["items[0].value_gbp"]


@pytest.mark.parametrize("value", ["NaN", "snan"])
def test_not_a_number_money_is_a_validation_error(value: str) -> None:
    inp = make(kind="equipment_theft", items=[StolenItemInput(category="tools", value_gbp=value)])
    assert error_fields(inp) == ["items[0].value_gbp"]


def test_bad_item_category_and_marking() -> None:
    inp = make(kind="equipment_theft", items=[StolenItemInput(category="boat", marking="paint")])
    assert error_fields(inp) == ["items[0].category", "items[0].marking"]


def test_vrms_are_normalised_and_roles_default_to_suspect() -> None:
    inp = make(vehicles=[VehicleInput(vrm="ab12 cde", role=""), VehicleInput(vrm="a-123-bcd", role="witness")])
    vehicles = validate_incident(inp, now=NOW).vehicles
    assert [(v["vrm"], v["role"]) for v in vehicles] == [("AB12CDE", "suspect"), ("A123BCD", "witness")]


def test_bad_vrm_in_second_vehicle_names_its_index() -> None:
    inp = make(vehicles=[VehicleInput(vrm="AB12CDE"), VehicleInput(vrm="not a plate")])
    assert error_fields(inp) == ["vehicles[1].vrm"]


@pytest.mark.parametrize(("field", "limit"), [("place", 200), ("description", 10_000), ("reporter_name", 200)])
def test_text_length_limits(field: str, limit: int) -> None:
    validate_incident(make(**{field: "x" * limit}), now=NOW)
    assert error_fields(make(**{field: "x" * (limit + 1)})) == [field]


@pytest.mark.parametrize("phone", ["01632 960123", "+44 (0)1632 960123", "999-999"])
def test_phone_numbers_accepted(phone: str) -> None:
    assert validate_incident(make(reporter_phone=phone), now=NOW).values["reporter_phone"] == phone


def test_a_latitude_and_longitude_given_as_the_grid_reference_places_the_incident() -> None:
    values = validate_incident(make(lat=None, lon=None, grid_ref="51.8802, 0.2712"), now=NOW).values
    assert (values["lat"], values["lon"]) == (51.8802, 0.2712)
