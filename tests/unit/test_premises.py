"""The premises register: the serial normaliser (hypothesis), validation that names every bad field, the service's
rules (contacts, repeat victimisation within the window, serial checks, links), retention of premises contacts,
the demo premises, and premises syncing between two laptops."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fixtures.laptops import Laptop, trust_each_other
from hypothesis import given
from hypothesis import strategies as st

from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.incident import IncidentInput, StolenItemInput
from ruralwatch.core.permissions import Actor
from ruralwatch.core.premises import (
    PremisesInput,
    PropertyInput,
    VisitInput,
    normalise_serial,
    validate_premises,
    validate_property,
)
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo, load_demo_premises, remove_demo_premises
from ruralwatch.services.retention import PREMISES
from ruralwatch.store import Store

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
FARM = PremisesInput("Grange Farm", "farm", "TL 61234 35678", contact_name="Jo Farmer", contact_phone="01632 960001",
                     contact_email="jo@example.org", schemes=["Farm Watch"])

serial_text = st.text(alphabet="ABCXYZabcxyz0123456789", min_size=1, max_size=16)
separators = st.text(alphabet=" -\t‐–—/.", max_size=3)


@given(serial_text)
def test_normalising_is_idempotent_and_upper_case(text: str) -> None:
    once = normalise_serial(text)
    assert normalise_serial(once) == once and once == once.upper() and once.isalnum()


@given(serial_text, st.lists(st.tuples(st.integers(0, 16), separators), max_size=4), st.booleans())
def test_spaces_dashes_and_case_do_not_matter(text: str, inserts: list[tuple[int, str]], lower: bool) -> None:
    written = text.lower() if lower else text
    for position, sep in inserts:
        written = written[:position] + sep + written[position:]
    assert normalise_serial(written) == normalise_serial(text)


@given(serial_text, serial_text)
def test_different_serials_stay_different(a: str, b: str) -> None:
    assert (normalise_serial(a) == normalise_serial(b)) == (a.upper() == b.upper())


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store, clock=lambda: NOW)


def _theft(when: str, premises_id: str | None = None, serial: str = "", kind: str = "equipment_theft") -> IncidentInput:
    items = [StolenItemInput("gps_unit", make="John Deere", serial_number=serial)] if serial else []
    return IncidentInput(kind=kind, occurred_start=when, grid_ref="TL 61234 35678", items=items,
                         premises_id=premises_id)


def test_validation_names_every_bad_field_and_keeps_nothing(services: Services) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_premises(PremisesInput("", "castle", "TI 1234 5678", contact_phone="call me",
                                        contact_email="nobody", schemes=["Pony Club"], registered_on="soon"))
    assert {e.field for e in caught.value.errors} == {"name", "kind", "grid_ref", "contact_phone", "contact_email",
                                                       "schemes", "registered_on"}
    with pytest.raises(ValidationError) as caught:
        validate_property(PropertyInput("spaceship", marking="tattoo"))
    assert {e.field for e in caught.value.errors} == {"kind", "marking", "serial_number"}
    with pytest.raises(ValidationError):
        services.premises.add(PremisesInput("Nowhere", "farm", ""))
    assert services.premises.list() == []
    # Lat/lon give the same stored point as the grid reference does.
    by_ref = validate_premises(FARM)
    by_point = validate_premises(PremisesInput("Grange Farm", "farm", lat=by_ref["lat"], lon=by_ref["lon"]))
    assert by_point["grid_ref"] == by_ref["grid_ref"] == "TL 61234 35678"


def test_contacts_only_for_entitled_roles_and_kept_from_a_blank_form(services: Services, store: Store) -> None:
    farm = services.premises.add(FARM)
    assert farm.schemes == ("farm_watch",) and farm.contact_email == "jo@example.org"
    store.actor = Actor("sc1", "special")
    shown = services.premises.get(farm.id)
    assert (shown.contact_name, shown.contact_phone, shown.contact_email) == ("", "", "")
    services.premises.update(farm.id, PremisesInput("Grange Farm", "farm", "TL 61234 35678", address="Grange Lane"))
    store.actor = Actor("ret1", "ret_officer")
    kept = services.premises.get(farm.id)
    assert (kept.contact_name, kept.address) == ("Jo Farmer", "Grange Lane")


def test_repeat_victimisation_within_the_window(services: Services) -> None:
    farm = services.premises.add(FARM).id
    other = services.premises.add(PremisesInput("Moat Hall", "estate", "TL 68882 32796")).id
    old = services.incidents.record(_theft("2025-10-01 03:00", farm)).id  # over a year before
    first = services.incidents.record(_theft("2026-05-02 03:00", farm)).id
    services.incidents.record(_theft("2026-11-01 03:00", other))
    second = services.incidents.record(_theft("2026-11-20 02:00", farm)).id
    later = services.incidents.record(_theft("2026-11-23 02:00", farm)).id
    found = services.premises.repeat_for_incident(second)
    assert found is not None and [i.id for i in found.earlier] == [first]  # not the old one, not the later one
    assert "had 1 incident in the 365 days before" in found.warning()
    assert [i.id for i in services.premises.repeat_for_incident(second, days=500).earlier] == [first, old]
    services.premises.set_repeat_window(30)
    assert services.premises.repeat_window() == 30
    assert not services.premises.repeat_for_incident(second).victimised_before
    assert [i.id for i in services.premises.repeat_for_incident(later).earlier] == [second]
    # Before recording: the form asks for the premises it is about to link.
    assert [i.id for i in services.premises.repeat_for_premises(farm, NOW).earlier] == [later, second]
    with pytest.raises(ValidationError):
        services.premises.set_repeat_window(0)
    # An incident at no premises, or linked to one removed since, is no repeat.
    assert services.premises.repeat_for_incident(services.incidents.record(_theft("2026-11-21 01:00")).id) is None


def test_link_edit_and_a_link_to_an_unknown_premises_is_refused(services: Services) -> None:
    farm = services.premises.add(FARM).id
    incident = services.incidents.record(_theft("2026-11-20 02:00")).id
    with pytest.raises(ValidationError, match="no premises"):
        services.incidents.record(_theft("2026-11-20 02:00", "not-a-premises"))
    services.premises.link(incident, farm)
    assert services.incidents.get(incident).premises_id == farm
    # An edit through the form (to_input) keeps the link; "" removes it.
    edited = services.incidents.get(incident).to_input()
    edited.description = "Cab window smashed"
    assert services.incidents.update(incident, edited).premises_id == farm
    edited.premises_id = ""
    assert services.incidents.update(incident, edited).premises_id is None
    with pytest.raises(NotFoundError):
        services.premises.link("nope", farm)


def test_serial_check_finds_stolen_and_registered_in_any_spelling(services: Services, store: Store) -> None:
    farm = services.premises.add(FARM).id
    services.premises.add_property(farm, PropertyInput("gps_unit", "John Deere", "StarFire", "sf-6000 12"))
    theft = services.incidents.record(_theft("2026-11-20 02:00", farm, serial="SF 600012")).id
    services.incidents.record(_theft("2026-11-21 02:00", serial="SF600013"))
    found = services.premises.check_serial("sf600012")
    assert found.stolen and [(m.source, m.incident_id or m.premises_id) for m in found.matches] == [
        ("stolen", theft), ("registered", farm)]
    assert "Grange Farm" in found.matches[0].where and found.matches[0].when == "2026-11-20T02:00:00Z"
    assert not services.premises.check_serial("SF-6000-14").matches
    entries = store.db.execute("SELECT changes FROM audit_log WHERE action = 'property_check'").fetchall()
    assert len(entries) == 2 and "SF600012" in entries[0][0]
    with pytest.raises(ValidationError):
        services.premises.check_serial(" - ")


def test_deleting_premises_takes_its_property_and_visits_out_of_checks(services: Services) -> None:
    farm = services.premises.add(FARM).id
    item = services.premises.add_property(farm, PropertyInput("quad_atv", "Honda", "TRX420", "HON-1"))
    services.premises.add_visit(farm, VisitInput("2026-10-01", "PC Smith", "Mark the quad"))
    assert services.premises.update_property(item.id, PropertyInput("quad_atv", "Honda", "TRX420", "HON-1",
                                                                    marking="cesar")).marking == "cesar"
    services.premises.delete(farm)
    assert services.premises.list() == [] and not services.premises.check_serial("HON1").matches


def test_retention_clears_contacts_of_premises_that_left(services: Services) -> None:
    left = services.premises.add(PremisesInput(**{**FARM.__dict__, "registered_on": "2020-01-01",
                                                  "closed_on": "2025-06-01"})).id
    staying = services.premises.add(PremisesInput("Moat Hall", "estate", "TL 68882 32796",
                                                  contact_name="Sam Estate")).id
    preview = services.retention.preview(date(2026, 11, 24))
    due = preview.category(PREMISES).records
    assert [(r.record_id, r.due_on, r.fields) for r in due] == [
        (left, date(2026, 6, 1), ("contact_name", "contact_phone", "contact_email"))]
    result = services.retention.apply(date(2026, 11, 24))
    assert result.counts[PREMISES] == 1
    cleared, kept = services.premises.get(left), services.premises.get(staying)
    assert (cleared.contact_name, cleared.contact_phone, cleared.name) == ("", "", "Grange Farm")
    assert kept.contact_name == "Sam Estate"
    assert services.retention.apply(date(2026, 11, 24)).counts[PREMISES] == 0


def test_demo_premises_show_every_feature_and_load_once(services: Services) -> None:
    load_demo(services.incidents, count=200, now=NOW)
    assert load_demo_premises(services.premises, services.incidents, now=NOW) == (6, 2)  # premises, thefts
    assert load_demo_premises(services.premises, services.incidents, now=NOW) == (0, 0)
    listed = services.premises.list()
    assert len(listed) == 6 and all(p.synthetic for p in listed)
    assert {s for p in listed for s in p.schemes} >= {"farm_watch", "horse_watch", "church_watch"}
    grange = services.premises.resolve("Grange Farm (demo)")
    assert services.premises.visits(grange)
    thefts = services.premises.incidents_at(grange)
    assert len(thefts) == 2 and services.premises.repeat_for_incident(thefts[0].id).victimised_before
    found = services.premises.check_serial("demo gf 0001")
    assert {m.source for m in found.matches} == {"stolen", "registered"}
    # Brook Farm lies beside the near-repeat series of GPS thefts near Radwinter: a premises to visit.
    load_demo(services.incidents, count=600, now=NOW)
    assert [v.name for v in services.premises.to_visit()] == ["Brook Farm (demo)"]
    assert remove_demo_premises(services.premises) == 6 and services.premises.list() == []
    assert load_demo_premises(services.premises, services.incidents, now=NOW).premises == 6
    assert services.audit.verify().ok


def test_premises_sync_between_two_laptops(tmp_path: Path) -> None:
    a, b = Laptop(tmp_path / "a.db"), Laptop(tmp_path / "b.db")
    try:
        trust_each_other(a, b)
        farm = a.services.premises.add(FARM)
        item = a.services.premises.add_property(farm.id, PropertyInput("gps_unit", "John Deere", "StarFire",
                                                                       "JD-77", "datatag", photos=["jd.jpg"]))
        a.services.premises.add_visit(farm.id, VisitInput("2026-10-01", "PC Smith", "Lock the cab"))
        theft = a.services.incidents.record(_theft("2026-11-20 02:00", farm.id, serial="JD 77")).id
        assert a.send_to(b, tmp_path).status == "applied"
        got = b.services.premises.get(farm.id)
        assert got == a.services.premises.get(farm.id)
        assert b.services.premises.property(farm.id) == [item]
        assert [v.advice for v in b.services.premises.visits(farm.id)] == ["Lock the cab"]
        assert b.services.incidents.get(theft).premises_id == farm.id
        assert {m.source for m in b.services.premises.check_serial("jd77").matches} == {"stolen", "registered"}
        # Edits on both sides to different fields merge; the property removed on B is gone on A.
        b.services.premises.update(farm.id, PremisesInput(**{**FARM.__dict__, "schemes": ["farm_watch",
                                                                                         "horse_watch"]}))
        b.services.premises.remove_property(item.id)
        a.services.premises.add_visit(farm.id, VisitInput("2026-11-21", "PC Jones", "Marked the quad"))
        assert b.send_to(a, tmp_path).status == "applied"
        assert a.send_to(b, tmp_path).status == "applied"
        for laptop in (a, b):
            assert laptop.services.premises.get(farm.id).schemes == ("farm_watch", "horse_watch")
            assert laptop.services.premises.property(farm.id) == []
            assert len(laptop.services.premises.visits(farm.id)) == 2
            assert laptop.services.audit.verify().ok
    finally:
        a.store.close()
        b.store.close()


def test_a_grid_reference_is_kept_at_the_precision_typed(services: Services) -> None:
    """"TL 8500 0700" typed had come back as "TL 85005 07005" (its 10 m square's centre, to the metre)."""
    farm = services.premises.add(PremisesInput("Hall Farm", "farm", "tl85000700"))
    assert services.premises.get(farm.id).grid_ref == "TL 8500 0700"
    assert 585_004 < services.premises.get(farm.id).easting < 585_006  # the point is the square's centre
    incident = services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-01 03:00",
                                                       grid_ref="TL 8500 0700"))
    assert services.incidents.get(incident.id).grid_ref == "TL 8500 0700"
    clicked = services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-01 03:00",
                                                      lat=51.7, lon=0.7))
    assert len(services.incidents.get(clicked.id).grid_ref.replace(" ", "")) == 12  # a point: to the metre


@pytest.mark.parametrize("typed", ["561234, 235678", "561234 235678", "561234235678", "TL 61234 35678"])
def test_a_premises_takes_a_grid_reference_as_every_grid_reference_box_does(typed: str) -> None:
    """The incident form, the patrol log and the command line read an easting and northing without letters (and a
    pasted latitude and longitude); the premises form refused them as 'not an OS grid reference'."""
    values = validate_premises(PremisesInput("Grange Farm", "farm", typed))
    assert values["grid_ref"] == "TL 61234 35678"
    assert abs(values["easting"] - 561_234) <= 0.5 and abs(values["northing"] - 235_678) <= 0.5  # (a square's centre)


def test_a_premises_takes_a_pasted_latitude_and_longitude() -> None:
    values = validate_premises(PremisesInput("Grange Farm", "farm", "51.8802, 0.2712"))
    assert (values["lat"], values["lon"]) == (51.8802, 0.2712) and values["grid_ref"].startswith("TL ")
    with pytest.raises(ValidationError) as refused:  # neither reading is in GB: one message on the box
        validate_premises(PremisesInput("Grange Farm", "farm", "12.5, 140.1"))
    assert [e.field for e in refused.value.errors] == ["grid_ref"]
