"""Crime harm weights: the Essex CCHI defaults, value bands for equipment theft, and the analyst's overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Transformer

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import KINDS
from ruralwatch.services.analysis import AnalysisService, HotspotQuery
from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.harm import MAX_DAYS, HarmService, default_weights, value_band
from ruralwatch.store import Store, open_store

# Every data.police.uk street-level category except anti-social behaviour, with its Essex CCHI weight in days
# (resources/harm/cchi_weights_by_force_category.csv, force "Essex").
ESSEX_DAYS = {
    "Violence and sexual offences": 191.9,
    "Public order": 7.5,
    "Criminal damage and arson": 15.97,
    "Shoplifting": 1.0,
    "Other theft": 2.0,
    "Vehicle crime": 5.0,
    "Burglary": 245.91,
    "Drugs": 3.72,
    "Theft from the person": 2.0,
    "Robbery": 365.0,
    "Possession of weapons": 273.75,
    "Bicycle theft": 2.0,
    "Other crime": 10.0,
}
BANDS = ("under_500", "500_to_10000", "10000_to_100000", "100000_plus")


@pytest.fixture
def harm(store: Store) -> HarmService:
    return HarmService(store)


# --- defaults -------------------------------------------------------------------------------------------------


def test_defaults_hold_every_police_uk_category_with_the_essex_weight(harm: HarmService):
    weights = harm.weights()
    published = {key: w for key, w in weights.items() if key.startswith("police_uk:")}
    assert set(published) == {f"police_uk:{name}" for name in ESSEX_DAYS} | {"police_uk:Anti-social behaviour"}
    assert weights["police_uk:Anti-social behaviour"].days == 0.0
    for name, days in ESSEX_DAYS.items():
        weight = weights[f"police_uk:{name}"]
        assert weight.days == pytest.approx(days), name
        assert weight.default_days == pytest.approx(days)
        assert not weight.overridden
        assert weight.note.startswith("Essex weight")
        assert harm.for_crime_type(name) == pytest.approx(days)
    assert harm.for_crime_type("Burglary") == 245.91
    assert harm.for_crime_type("Robbery") == 365.0


def test_defaults_hold_every_ruralwatch_kind_and_each_value_band(harm: HarmService):
    weights = harm.weights()
    for kind in KINDS:
        assert f"kind:{kind.key}" in weights, kind.key
        assert harm.for_incident(kind.key) == weights[f"kind:{kind.key}"].days
    for band in BANDS:
        assert f"kind:equipment_theft:{band}" in weights
    assert weights["kind:farm_burglary"].days == 183.5
    assert weights["kind:hare_coursing"].days == 10.0
    assert weights["kind:suspicious_activity"].days == 0.0
    assert "Nearest CCHI offence" in weights["kind:fly_tipping"].note


def test_heritage_crime_takes_the_chosen_forces_criminal_damage_weight(store: Store, harm: HarmService):
    """A Norfolk walk's Harm weights read 'heritage crime 15.97 days: Criminal damage and arson (Essex mix)': Essex's
    weight under another force. It is now the chosen force's weight for that published crime type."""
    from ruralwatch.services.geography import GeographyService

    assert harm.for_incident("heritage_crime") == 15.97  # Essex
    GeographyService(store).use_force("Norfolk")
    weight = harm.weights()["kind:heritage_crime"]
    assert weight.days == weight.default_days == 11.18 == harm.for_crime_type("Criminal damage and arson")
    assert "Norfolk weight" in weight.note and "Essex mix" not in weight.note


@pytest.mark.parametrize("crime_type", ["Anti-social behaviour", "Not a category", "", "burglary"])
def test_anti_social_behaviour_and_unknown_categories_carry_no_harm(harm: HarmService, crime_type: str):
    assert harm.for_crime_type(crime_type) == 0.0


@pytest.mark.parametrize("kind", ["not_a_kind", "", "equipment_theft:under_500"])
def test_unknown_incident_kinds_carry_no_harm(harm: HarmService, kind: str):
    assert harm.for_incident(kind) == 0.0


# --- equipment theft value bands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pence", "band", "default_days"),
    [
        (49_900, "under_500", 2.0),  # £499
        (49_999, "under_500", 2.0),  # £499.99
        (50_000, "500_to_10000", 10.0),  # £500
        (999_999, "500_to_10000", 10.0),  # £9,999.99
        (1_000_000, "10000_to_100000", 365.0),  # £10,000
        (9_999_999, "10000_to_100000", 365.0),  # £99,999.99
        (10_000_000, "100000_plus", 1095.0),  # £100,000
        (25_000_000, "100000_plus", 1095.0),  # £250,000
    ],
)
def test_equipment_theft_is_weighted_by_the_value_band(harm: HarmService, pence: int, band: str, default_days: float):
    assert value_band(pence / 100) == band
    assert harm.for_incident("equipment_theft", pence) == default_days
    # The defaults of two bands coincide with others, so make every band distinct and check the lookup again.
    for number, name in enumerate(BANDS, start=1):
        harm.set_weight(f"kind:equipment_theft:{name}", 11.0 * number, "distinct weights for the test")
    harm.set_weight("kind:equipment_theft", 99.0, "no value recorded")
    assert harm.for_incident("equipment_theft", pence) == 11.0 * (BANDS.index(band) + 1)


def test_equipment_theft_without_a_value_uses_the_kind_weight(harm: HarmService):
    harm.set_weight("kind:equipment_theft", 7.0, "no value recorded")
    assert harm.for_incident("equipment_theft") == 7.0
    assert harm.for_incident("equipment_theft", None) == 7.0


def test_lookups_accept_a_weights_snapshot(harm: HarmService):
    snapshot = harm.weights()
    harm.set_weight("police_uk:Burglary", 1.0, "later change")
    assert harm.for_crime_type("Burglary", snapshot) == 245.91
    assert harm.for_crime_type("Burglary") == 1.0


# --- overrides ------------------------------------------------------------------------------------------------


def test_set_weight_keeps_days_note_and_time(harm: HarmService):
    changes = []
    harm.hub.subscribe(changes.append)
    weight = harm.set_weight("police_uk:Burglary", 300, "  rural burglary is worse here  ")
    assert weight.days == 300.0
    assert weight.default_days == 245.91
    assert weight.overridden
    assert weight.note == "rural burglary is worse here"
    assert weight.updated_at and weight.updated_at.endswith("Z")
    assert harm.weights()["police_uk:Burglary"] == weight
    assert harm.for_crime_type("Burglary") == 300.0
    assert [(c.topic, c.ids) for c in changes] == [("harm", ("police_uk:Burglary",))]
    # Setting again replaces the override (one row per key).
    harm.set_weight("police_uk:Burglary", 250, "second thoughts")
    assert harm.weights()["police_uk:Burglary"].days == 250.0
    assert harm.store.db.execute("SELECT COUNT(*) FROM harm_overrides").fetchone()[0] == 1


@pytest.mark.parametrize("note", ["", "   ", "\t\n"])
def test_set_weight_requires_a_note(harm: HarmService, note: str):
    with pytest.raises(ValidationError) as caught:
        harm.set_weight("police_uk:Burglary", 300, note)
    assert [e.field for e in caught.value.errors] == ["note"]
    assert harm.for_crime_type("Burglary") == 245.91


@pytest.mark.parametrize("key", ["police_uk:burglary", "Burglary", "kind:nope",
                                 "kind:equipment_theft:over_9000", ""])
def test_set_weight_rejects_unknown_keys(harm: HarmService, key: str):
    with pytest.raises(ValidationError) as caught:
        harm.set_weight(key, 5, "a reason")
    assert [e.field for e in caught.value.errors] == ["key"]
    assert harm.store.db.execute("SELECT COUNT(*) FROM harm_overrides").fetchone()[0] == 0


@pytest.mark.parametrize("days", [-0.01, -1, 36_500.01, 1e9, float("nan"), float("inf")])
def test_set_weight_rejects_days_out_of_range(harm: HarmService, days: float):
    with pytest.raises(ValidationError) as caught:
        harm.set_weight("police_uk:Robbery", days, "a reason")
    assert [e.field for e in caught.value.errors] == ["days"]
    assert harm.for_crime_type("Robbery") == 365.0


@pytest.mark.parametrize("days", [0, MAX_DAYS, 36_500])
def test_set_weight_accepts_the_ends_of_the_range(harm: HarmService, days: float):
    assert harm.set_weight("police_uk:Robbery", days, "edge").days == days


def test_override_survives_reopening_the_store(db_path: Path):
    first = open_store(db_path)
    try:
        HarmService(first).set_weight("kind:hare_coursing", 60, "coursing season pressure")
    finally:
        first.close()
    again = open_store(db_path)
    try:
        weight = HarmService(again).weights()["kind:hare_coursing"]
        assert (weight.days, weight.default_days, weight.overridden) == (60.0, 10.0, True)
        assert weight.note == "coursing season pressure"
        assert HarmService(again).for_incident("hare_coursing") == 60.0
    finally:
        again.close()


def test_reset_restores_the_default(harm: HarmService):
    default_note = default_weights()["police_uk:Drugs"].note
    harm.set_weight("police_uk:Drugs", 50, "county lines")
    changes = []
    harm.hub.subscribe(changes.append)
    weight = harm.reset_weight("police_uk:Drugs")
    assert (weight.days, weight.overridden, weight.note, weight.updated_at) == (3.72, False, default_note, None)
    assert harm.for_crime_type("Drugs") == 3.72
    assert [c.topic for c in changes] == ["harm"]
    # Resetting a weight that was never changed is harmless.
    assert harm.reset_weight("police_uk:Drugs").days == 3.72


def test_overrides_are_seen_by_every_service_on_the_store(store: Store):
    hub = ChangeHub()
    HarmService(store, hub).set_weight("police_uk:Shoplifting", 4, "a reason")
    assert HarmService(store).for_crime_type("Shoplifting") == 4.0


def test_an_override_for_a_key_no_longer_in_the_catalogue_is_ignored(harm: HarmService):
    harm.store.db.execute("INSERT INTO harm_overrides(key, days, note, updated_at) VALUES "
                          "('police_uk:Retired category', 9, 'old', '2020-01-01T00:00:00Z')")
    assert "police_uk:Retired category" not in harm.weights()
    assert harm.for_crime_type("Retired category") == 0.0


# --- overrides reach the analysis -------------------------------------------------------------------------------

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _insert(store: Store, rows: list[tuple[float, float, str]]) -> None:
    for number, (east, north, crime_type) in enumerate(rows):
        lon, lat = _TO_WGS84.transform(east, north)
        store.db.execute(
            "INSERT INTO published_crimes(dedupe_key, crime_id, month, lon, lat, easting, northing, location, "
            "lsoa_code, lsoa_name, crime_type) VALUES (?, ?, '2024-03', ?, ?, ?, ?, 'On or near A', 'E01', "
            "'Chelmsford 001A', ?)",
            [f"key-{number}", f"crime-{number}", lon, lat, east, north, crime_type],
        )
    store.db.conn.commit()


def test_overrides_change_hotspot_harm_totals(store: Store, harm: HarmService):
    burglary_cell, shop_cell = (570_125.0, 206_875.0), (590_125.0, 220_125.0)
    _insert(store, [(*burglary_cell, "Burglary")] + [(*shop_cell, "Shoplifting")] * 10)
    analysis = AnalysisService(store, harm)
    query = HotspotQuery(method="grid", weight="harm", top_n=5)

    before = analysis.hotspots(query)
    assert before.total_weight == pytest.approx(245.91 + 10 * 1.0)
    assert [(h.easting, h.northing, h.value) for h in before.hotspots] == [
        (*burglary_cell, pytest.approx(245.91)), (*shop_cell, pytest.approx(10.0))]

    harm.set_weight("police_uk:Shoplifting", 100, "organised shoplifting")
    after = analysis.hotspots(query)
    assert after.total_weight == pytest.approx(245.91 + 10 * 100.0)
    assert [(h.easting, h.northing, h.value) for h in after.hotspots] == [
        (*shop_cell, pytest.approx(1000.0)), (*burglary_cell, pytest.approx(245.91))]

    harm.reset_weight("police_uk:Shoplifting")
    assert analysis.hotspots(query).total_weight == pytest.approx(before.total_weight)


def test_anti_social_behaviour_is_listed_at_zero_and_can_be_weighted(harm: HarmService):
    assert harm.for_crime_type("Anti-social behaviour") == 0.0
    harm.set_weight("police_uk:Anti-social behaviour", 1.0, "Force policy: count ASB at one day")
    assert harm.for_crime_type("Anti-social behaviour") == 1.0
