"""Alerts to the community (issue 20): the rounded window, the warnings on an officer's texts, the workflow
(draft -> approved -> issued) with its refusals, the audit, and the alert travelling by sync like incidents."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ruralwatch.central.laptop_schema import laptop_schema
from ruralwatch.central.sqlite_engine import SqliteCentral
from ruralwatch.core.alert import TimeWindow, text_warnings, window_for
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.core.permissions import Actor
from ruralwatch.services.alerts import AlertStateError
from ruralwatch.services.container import Services
from ruralwatch.store import Store, open_store

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
OFFICER, SPECIAL, SERGEANT = Actor("pc1", "ret_officer"), Actor("sc1", "special"), Actor("sgt", "administrator")
COORDINATOR = Actor("coord", "coordinator")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (at(3, 19, 42), None, "evening of 3 March 2026"),
    (at(3, 7, 5), None, "morning of 3 March 2026"),
    (at(3, 13, 0), at(3, 16, 30), "afternoon of 3 March 2026"),
    (at(3, 23, 10), None, "overnight 3–4 March 2026"),
    (at(4, 2, 10), at(4, 4, 0), "overnight 3–4 March 2026"),
    (at(3, 10, 0), at(3, 19, 0), "3 March 2026"),
    (at(3, 10, 0), at(5, 9, 0), "3–5 March 2026"),
    (at(31, 21, 0), at(1, 9, 0, month=4), "31 March–1 April 2026"),
    (at(30, 12, 0, month=6), None, "afternoon of 30 June 2026"),  # British Summer Time: 13:00 local
])
def test_the_window_is_rounded_to_a_part_of_the_day_or_whole_days(
        start: datetime, end: datetime | None, expected: str) -> None:
    window = window_for(start, end)
    assert window.text() == expected
    assert not window.check()
    assert ":" not in window.phrase()


def test_a_window_that_does_not_hold_together_is_refused() -> None:
    assert TimeWindow(date(2026, 3, 3), date(2026, 3, 5), "evening").check()
    assert TimeWindow(date(2026, 3, 3), date(2026, 3, 3), "overnight").check()
    assert TimeWindow(date(2026, 3, 5), date(2026, 3, 3)).check()


@pytest.mark.parametrize(("text", "kind"), [
    ("A silver pick-up AB12 CDE was seen", "registration"),
    ("pick-up AB12CDE", "registration"),
    ("Coursers at TL 54000 30000 at dawn", "grid_ref"),
    ("near tl5430", "grid_ref"),
    ("Call Mr Smith on 07700 900456", "phone"),
    ("ring +44 1632 960123", "phone"),
    ("email farm@example.org", "email"),
])
def test_personal_or_fine_details_in_an_officers_text_are_flagged(text: str, kind: str) -> None:
    assert [w.kind for w in text_warnings(text, "summary")] == [kind]


@pytest.mark.parametrize("text", [
    "Call 999 if it is happening now, 101 otherwise, or Crimestoppers on 0800 555 111.",
    "Seen on the A120 and the B1053 on 12 May 2026, heading for the M11.",
    "Two men with lurchers in 2026; a 4x4 left at 0600 hours.",
])
def test_ordinary_wording_is_not_flagged(text: str) -> None:
    assert text_warnings(text, "summary") == []


def test_a_registration_on_the_incident_is_found_in_any_case_and_spacing_unless_released() -> None:
    assert [w.found for w in text_warnings("van ab 12 cde again", "summary", known_vrms=frozenset({"AB12CDE"}))] \
        == ["AB12 CDE"]
    assert text_warnings("AB12 CDE again", "summary", frozenset({"AB12CDE"}), frozenset({"AB12CDE"})) == []


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store, clock=lambda: NOW)


def _coursing(services: Services, place: str = "Brook Farm, near Thaxted") -> str:
    return services.incidents.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-03-03 19:42", lat=51.954, lon=0.344, place=place,
        reporter_name="Mary Reporter", reporter_phone="07700 900456",
        vehicles=[VehicleInput("AB12CDE", role="suspect", make="Mitsubishi", model="L200", colour="Silver"),
                  VehicleInput("CD34EFG", role="victim", make="Land Rover", colour="Green")])).id


def test_a_draft_names_the_ward_the_rounded_window_and_no_place(services: Services) -> None:
    incident_id = _coursing(services)
    draft = services.alerts.draft_for_incident(incident_id)
    assert (draft.area_level, draft.district) == ("ward", "Uttlesford") and draft.ward
    assert draft.window.text() == "evening of 3 March 2026"
    assert "Brook Farm" not in draft.summary and "19:42" not in draft.summary
    district = services.alerts.draft_for_incident(incident_id, "district")
    assert district.area_text == "Uttlesford" and district.ward == draft.ward
    text = "\n".join(services.alerts.preview(draft).lines)
    assert "Silver Mitsubishi L200" in text and "AB12" not in text
    assert "Land Rover" not in text  # only suspects' vehicles are described


def test_the_workflow_refuses_what_it_must_and_audits_every_step(services: Services, tmp_path: Path) -> None:
    store = services.store
    incident_id = _coursing(services)
    store.actor = SPECIAL
    draft = services.alerts.draft_for_incident(incident_id)
    with pytest.raises(ValidationError, match="summary"):
        services.alerts.compose(replace(draft, summary="  "))
    alert = services.alerts.compose(replace(draft, summary=draft.summary + " Silver pick-up AB12 CDE."))
    assert alert.status == "draft" and alert.composed_by == "sc1"

    store.actor = COORDINATOR
    with pytest.raises(AlertStateError, match="draft"):
        services.alerts.export(alert.id, "text", tmp_path / "draft.txt")
    assert not (tmp_path / "draft.txt").exists()

    store.actor = OFFICER
    with pytest.raises(AlertStateError, match="warnings"):
        services.alerts.approve(alert.id)  # the registration in the summary is not released
    vehicles = services.alerts.vehicles_of(incident_id)
    suspect = next(v for v in vehicles if v.role == "suspect")
    store.actor = SPECIAL
    alert = services.alerts.update(alert.id, replace(alert.input(), released_vehicles=frozenset({suspect.id})))
    store.actor = OFFICER
    alert = services.alerts.approve(alert.id)
    assert (alert.status, alert.approved_by) == ("approved", "pc1")

    store.actor = SPECIAL  # an edit after approval needs approving again
    edited = services.alerts.update(alert.id, replace(alert.input(), advice="Lock gates."))
    assert (edited.status, edited.approved_by) == ("draft", "")
    store.actor = OFFICER
    services.alerts.approve(alert.id)

    store.actor = COORDINATOR
    out = services.alerts.export(alert.id, "html", tmp_path / "alert.html")
    html = out.read_text(encoding="utf-8")
    assert "AB12 CDE" in html and "CD34" not in html and "Brook Farm" not in html and "Mary" not in html
    issued = services.alerts.get(alert.id)
    assert (issued.status, issued.issued_by) == ("issued", "coord")
    services.alerts.export(alert.id, "pdf", tmp_path / "alert.pdf")  # issued alerts export again
    assert services.alerts.recipients(alert.id) == []  # no premises in the register
    store.actor = SPECIAL
    with pytest.raises(AlertStateError, match="issued"):
        services.alerts.update(alert.id, replace(alert.input(), advice="Too late."))

    entries = store.db.execute("SELECT action, actor, changes FROM audit_log WHERE target_table = "
                               "'community_alerts' ORDER BY seq").fetchall()
    actions = [(action, actor) for action, actor, _ in entries]
    assert actions[0] == ("create", "sc1")
    assert ("alert_export", "coord") in actions and actions.count(("alert_export", "coord")) == 2
    assert sum(1 for _, _, changes in entries if '"approved"' in changes) >= 2
    assert all("Mary" not in changes and "07700" not in changes for _, _, changes in entries)


def test_the_composer_does_not_approve_their_own_alert_unless_administrator(services: Services) -> None:
    store = services.store
    incident_id = _coursing(services)
    store.actor = OFFICER
    mine = services.alerts.compose(services.alerts.draft_for_incident(incident_id))
    with pytest.raises(AlertStateError, match="your own"):
        services.alerts.approve(mine.id)
    store.actor = SERGEANT
    own = services.alerts.compose(services.alerts.draft_for_incident(incident_id))
    assert services.alerts.approve(own.id).status == "approved"


def test_bad_input_changes_nothing(services: Services, tmp_path: Path) -> None:
    incident_id = _coursing(services)
    draft = services.alerts.draft_for_incident(incident_id)
    before = services.store.db.execute("SELECT count(*) FROM community_alerts").fetchone()
    with pytest.raises(ValidationError):
        services.alerts.compose(replace(draft, released_vehicles=frozenset({"not-a-vehicle"})))
    with pytest.raises(ValidationError):
        services.alerts.compose(replace(draft, kind="burglary_of_mars"))
    with pytest.raises(ValidationError):
        services.alerts.compose(replace(draft, window=TimeWindow(date(2026, 3, 3), date(2026, 3, 1))))
    alert = services.alerts.approve(services.alerts.compose(draft).id)
    with pytest.raises(ValidationError):
        services.alerts.export(alert.id, "docx", tmp_path / "a.docx")
    assert services.store.db.execute("SELECT count(*) FROM community_alerts").fetchone()[0] == before[0] + 1
    assert services.alerts.get(alert.id).status == "approved"


def test_an_alert_outlives_its_incident(services: Services, tmp_path: Path) -> None:
    incident_id = _coursing(services)
    vehicles = services.alerts.vehicles_of(incident_id)
    draft = replace(services.alerts.draft_for_incident(incident_id), released_vehicles=frozenset({vehicles[0].id}))
    alert = services.alerts.approve(services.alerts.compose(draft).id)
    services.incidents.delete(incident_id)
    assert "AB12 CDE" in "\n".join(services.alerts.public(alert.id).lines)
    out = services.alerts.export(alert.id, "text", tmp_path / "a.txt")
    assert "AB12 CDE" in out.read_text(encoding="utf-8")


def test_a_hotspot_alert_names_its_area_and_window(services: Services) -> None:
    draft = services.alerts.draft_for_point(51.954, 0.344, "equipment_theft", at(1, 10), at(20, 10))
    assert draft.incident_id is None and draft.district == "Uttlesford"
    assert draft.window.text() == "1–20 March 2026"
    alert = services.alerts.compose(draft)
    assert services.alerts.get(alert.id).window == draft.window


def test_an_alert_syncs_to_another_laptop_and_the_central_store_carries_its_table(tmp_path: Path) -> None:
    assert "community_alerts" in [spec.name for spec in laptop_schema().syncable]
    spec = laptop_schema().table("community_alerts")
    assert {"area_level", "ward", "district", "released_vehicles", "status"} <= set(spec.names)
    assert "lat" not in spec.names and "place" not in spec.names  # nothing finer than the area is stored
    assert [(k.column, k.table) for k in spec.foreign_keys] == [("incident_id", "incidents")]

    laptop_store, central_store = open_store(tmp_path / "laptop.db"), open_store(tmp_path / "central.db")
    try:
        laptop, central = Services.build(laptop_store, clock=lambda: NOW), Services.build(central_store)
        identity = laptop.sync.identity()
        central.sync.trust(identity.device_id, identity.public_key, name="laptop")
        alert = laptop.alerts.compose(laptop.alerts.draft_for_incident(_coursing(laptop)))
        laptop.alerts.approve(alert.id)
        package = tmp_path / "laptop.rwsync"
        laptop.sync.export(package)
        assert central.sync.import_package(package).status == "applied"
        received = central.alerts.get(alert.id)
        assert (received.status, received.summary, received.area) == ("approved", alert.summary, alert.area)
        counts = {t.table: t.live for t in SqliteCentral(central_store).status().tables}
        assert counts["community_alerts"] == 1
        stored = json.loads(central_store.db.execute(
            "SELECT released_vehicles FROM community_alerts").fetchone()[0])
        assert stored == []
    finally:
        laptop_store.close()
        central_store.close()


def test_the_coordinator_sees_the_scheme_members_of_the_register_in_the_area(services: Services) -> None:
    """Grange Farm (demo) is in Farm Watch at Thaxted: an alert for its theft lists it; contacts by role."""
    from ruralwatch.services.demo import load_demo_premises

    load_demo_premises(services.premises, services.incidents, now=NOW)
    grange = next(p for p in services.premises.list() if p.name.startswith("Grange Farm"))
    incident_id = services.premises.incidents_at(grange.id)[0].id
    alert = services.alerts.compose(services.alerts.draft_for_incident(incident_id, "district"))
    members = services.alerts.recipients(alert.id)
    ours = [m for m in members if m.premises == grange.name]
    assert [m.scheme for m in ours] == ["Farm Watch"] and ours[0].contact  # an administrator sees the contact
    assert all(m.premises != "" for m in members)
    services.store.actor = COORDINATOR  # may send, may not see premises contacts
    assert [m.contact for m in services.alerts.recipients(alert.id) if m.premises == grange.name] == [""]


def test_an_alert_about_demo_data_says_so_and_goes_with_the_demo(services: Services, tmp_path: Path) -> None:
    from ruralwatch.services.demo import load_demo
    from ruralwatch.services.demo_set import remove_demo_set

    load_demo(services.incidents, count=30, now=NOW)
    demo_incident = services.store.db.execute("SELECT id FROM incidents WHERE synthetic = 1 LIMIT 1").fetchone()[0]
    alert = services.alerts.compose(services.alerts.draft_for_incident(demo_incident, "district"))
    services.alerts.approve(alert.id)
    text = services.alerts.export(alert.id, "text", tmp_path / "alert.txt").read_text(encoding="utf-8")
    assert text.startswith("DEMO DATA, NOT A REAL ALERT") and "(demo data, not a real alert)" in text
    own = services.alerts.compose(services.alerts.draft_for_incident(_coursing(services), "district"))
    assert "DEMO" not in "\n".join(services.alerts.public(own.id).lines)

    removed = remove_demo_set(services)
    assert removed.alerts == 1
    assert [a.id for a in services.alerts.list()] == [own.id]
