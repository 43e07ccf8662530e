"""Retention of personal data: settings, what the preview lists, and anonymisation that keeps the statistics."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ruralwatch.core.clock import Hlc, HybridLogicalClock
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.core.people import DutyInput, PersonInput
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.services.retention import (
    EXCEPTION_NOTES,
    PREMISES,
    REPORTER,
    SUSPECT_VRM,
    TRACKS,
    VICTIM_VRM,
    VOLUNTEER,
    PreviewChangedError,
    RetentionService,
    RetentionSettings,
    add_months,
    anonymous_name,
)
from ruralwatch.store import Store
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.store.syncable import SYNC_FIELDS

AS_OF = date(2026, 6, 15)
TODAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Wall:
    """A wall clock the test moves, so a change can be made "13 months ago" with a genuine clock."""

    def __init__(self) -> None:
        self.millis = 0

    def at(self, day: str) -> None:
        self.millis = int(datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp() * 1000)

    def real(self) -> None:
        self.millis = time.time_ns() // 1_000_000


@dataclass
class World:
    services: Services
    retention: RetentionService
    wall: Wall
    ids: dict[str, str]


def _incident(**overrides: Any) -> IncidentInput:
    values: dict[str, Any] = {
        "kind": "fly_tipping", "occurred_start": "2025-01-05 09:30", "lat": 51.9, "lon": 0.3, "place": "Brook Farm",
        "reporter_name": "Alice Farmer", "reporter_phone": "01799 123456",
    }
    values.update(overrides)
    return IncidentInput(**values)


def _build(store: Store) -> World:
    """Incidents and people whose retention clocks start on known days before AS_OF (2026-06-15)."""
    wall = Wall()
    store.clock = HybridLogicalClock(store.device_id, wall_millis=lambda: wall.millis)
    services = Services.build(store)
    retention = RetentionService(store, services.hub, clock=lambda: TODAY)
    ids: dict[str, str] = {}
    incidents, people, roster = services.incidents, services.people, services.roster

    wall.at("2024-01-02")
    ids["open"] = incidents.record(_incident(
        kind="hare_coursing", occurred_start="2023-12-30 07:00", reporter_name="Owen Open",
        reporter_phone="07700 900001", vehicles=[VehicleInput("AB12CDE", "victim")],
    )).id
    ids["nfa_no_reporter"] = incidents.record(_incident(
        occurred_start="2024-01-01 10:00", reporter_name="", reporter_phone="", status="no_further_action",
        vehicles=[VehicleInput("CD34EFG", "witness")],
    )).id
    ids["deleted_open"] = incidents.record(_incident(reporter_name="Dee Leted", reporter_phone="07700 900002")).id

    # Closed 13 months before AS_OF: recorded open, its status changed later (the "status" field clock).
    wall.at("2025-05-01")
    closed_13 = incidents.record(_incident(
        kind="equipment_theft", occurred_start="2025-04-30 22:00", reporter_name="Carol Closed",
        reporter_phone="07700 900003",
        vehicles=[VehicleInput("EF56GHJ", "victim", make="Land Rover"), VehicleInput("GH78JKL", "witness"),
                  VehicleInput("JK90LMN", "suspect", make="Subaru")],
    ))
    ids["closed_13"] = closed_13.id
    wall.at("2025-05-10")
    incidents.update(closed_13.id, _with_status(closed_13.to_input(), "closed"))
    incidents.delete(ids["deleted_open"])  # deleted (not closed) on 2025-05-10: the deletion starts its clock
    wall.at("2025-05-12")
    # Demo (synthetic) rows follow the same rules.
    incidents.record_many([("d0000000-0000-4000-8000-000000000001", _incident(
        kind="hare_coursing", occurred_start="2025-05-11 06:00", status="closed", reporter_name="Demo Reporter",
        reporter_phone="07700 900004",
    ))], synthetic=True)
    ids["demo"] = "d0000000-0000-4000-8000-000000000001"

    # Closed 11 months before AS_OF, recorded as closed (the insert clock "*").
    wall.at("2025-07-10")
    ids["closed_11"] = incidents.record(_incident(
        occurred_start="2025-07-09 23:00", status="closed", reporter_name="Bob Recent", reporter_phone="07700 900005",
        vehicles=[VehicleInput("LM12NPR", "victim")],
    )).id

    # People: Leaver left 7 months before AS_OF, Recent 5 months before, Active never.
    wall.at("2025-06-01")
    leaver = people.add(PersonInput(name="Lee Leaver", role="special", collar_number="SC999", station="Maldon",
                                    phone="07700 900010", email="lee@example.org", notes="Prefers nights"))
    recent = people.add(PersonInput(name="Rita Recent", role="volunteer", phone="07700 900011"))
    active = people.add(PersonInput(name="Andy Active", role="special", phone="07700 900012",
                                    email="andy@example.org", notes="Off-road trained"))
    ids.update(leaver=leaver.id, recent=recent.id, active=active.id)
    ids["leaver_away"] = people.add_exception(leaver.id, "2025-08-01", "away", note="hospital appointment")
    ids["active_away"] = people.add_exception(active.id, "2025-08-01", "away", note="wedding")
    for day, crew in (("2025-06-07", (leaver.id, active.id)), ("2025-06-14", (leaver.id, recent.id))):
        duty = roster.add_duty(DutyInput(title="Dawn patrol", kind="joint_patrol", start=f"{day} 06:00",
                                         end=f"{day} 10:00", station="Maldon", max_crew=3))
        for person_id in crew:
            roster.assign(duty.id, person_id, override_reason="test set-up")
        roster.set_status(duty.id, "completed")
    wall.at("2025-11-10")
    people.mark_left(leaver.id, date(2025, 11, 10))
    wall.at("2026-01-20")
    people.mark_left(recent.id, date(2026, 1, 20))

    wall.real()  # from here on changes get today's clocks, as they would on the laptop
    return World(services, retention, wall, ids)


def _with_status(inp: IncidentInput, status: str) -> IncidentInput:
    inp.status = status
    return inp


@pytest.fixture
def world(store: Store) -> World:
    return _build(store)


def _snapshot(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """Every row of every syncable table, by (table, id)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for table in SYNCABLE_TABLES:
        for row in store.db.query(f"SELECT * FROM [{table}]"):
            rows[(table, row["id"])] = row
    return rows


def _vehicle(store: Store, incident_id: str, role: str) -> str:
    return str(store.db.execute(
        "SELECT id FROM incident_vehicles WHERE incident_id = ? AND role = ?", [incident_id, role]
    ).fetchone()[0])


# --- settings -------------------------------------------------------------------------------------------------


def test_settings_default_to_the_policy_and_persist(store: Store) -> None:
    retention = RetentionService(store)
    assert retention.settings() == RetentionSettings(12, 6, 12, 0)
    changed = retention.set_settings(reporter_months=24, suspect_vrm_months="36")
    assert changed == RetentionSettings(24, 6, 12, 36)
    assert RetentionService(store).settings() == changed
    assert retention.set_settings(volunteer_months=0).volunteer_months == 0


def test_bad_settings_name_each_field_and_change_nothing(store: Store) -> None:
    retention = RetentionService(store)
    with pytest.raises(ValidationError) as caught:
        retention.set_settings(reporter_months=-1, volunteer_months="soon", victim_vrm_months=True,
                               suspect_vrm_months=1201)
    assert {e.field for e in caught.value.errors} == {
        "reporter_months", "volunteer_months", "victim_vrm_months", "suspect_vrm_months"}
    with pytest.raises(ValidationError) as caught:
        retention.set_settings(reporter_months=6, volunteer_months=-3)  # one bad value: the good one waits too
    assert [e.field for e in caught.value.errors] == ["volunteer_months"]
    assert retention.settings() == RetentionSettings()


def test_add_months_keeps_the_day_or_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2025, 5, 10), 13) == date(2026, 6, 10)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


# --- preview --------------------------------------------------------------------------------------------------


def test_preview_lists_exactly_what_is_due(world: World) -> None:
    ids, store = world.ids, world.services.store
    preview = world.retention.preview(AS_OF)

    reporters = preview.category(REPORTER)
    assert {r.record_id: (r.clock_started, r.due_on) for r in reporters.records} == {
        ids["closed_13"]: (date(2025, 5, 10), date(2026, 5, 10)),
        ids["deleted_open"]: (date(2025, 5, 10), date(2026, 5, 10)),
        ids["demo"]: (date(2025, 5, 12), date(2026, 5, 12)),
    }  # closed 11 months ago, open, and nothing to remove: not listed
    assert {r.fields for r in reporters.records} == {("reporter_name", "reporter_phone")}

    victims = preview.category(VICTIM_VRM)
    assert {r.record_id for r in victims.records} == {
        _vehicle(store, ids["closed_13"], "victim"), _vehicle(store, ids["closed_13"], "witness"),
        _vehicle(store, ids["nfa_no_reporter"], "witness"),  # NFA counts as closed (since 2024-01-02)
    }
    assert preview.category(SUSPECT_VRM).records == ()  # kept by default: vehicles-of-interest intelligence

    leavers = preview.category(VOLUNTEER)
    assert [(r.record_id, r.clock_started, r.due_on) for r in leavers.records] == [
        (ids["leaver"], date(2025, 11, 10), date(2026, 5, 10))]
    assert leavers.records[0].fields == ("name", "phone", "email", "notes", "collar_number", EXCEPTION_NOTES)
    assert preview.total == 7

    # Later, Bob's incident (closed 2025-07-10) and Rita (left 2026-01-20) come due too.
    later = world.retention.preview(date(2026, 7, 20))
    assert ids["closed_11"] in {r.record_id for r in later.category(REPORTER).records}
    assert world.retention.preview(date(2026, 7, 19)).category(VOLUNTEER).count == 1
    assert {r.record_id for r in later.category(VOLUNTEER).records} == {ids["leaver"], ids["recent"]}
    assert ids["open"] not in {r.record_id for r in world.retention.preview(date(2040, 1, 1)).records()}


def test_preview_holds_no_personal_values(world: World) -> None:
    text = json.dumps(world.retention.preview(date(2040, 1, 1)).to_dict())
    for value in ("Alice", "Carol", "Demo Reporter", "07700", "EF56", "GH78", "Lee Leaver", "SC999", "example.org",
                  "Prefers", "hospital", "Brook Farm"):
        assert value not in text


def test_zero_months_means_never_and_suspect_vrms_are_a_setting(world: World) -> None:
    world.retention.set_settings(reporter_months=0, victim_vrm_months=0, suspect_vrm_months=12)
    preview = world.retention.preview(AS_OF)
    assert preview.category(REPORTER).records == () and preview.category(VICTIM_VRM).records == ()
    assert [r.record_id for r in preview.category(SUSPECT_VRM).records] == [
        _vehicle(world.services.store, world.ids["closed_13"], "suspect")]


def test_a_reopened_incident_is_not_due_and_closing_again_restarts_the_clock(world: World) -> None:
    incidents, closed_13 = world.services.incidents, world.ids["closed_13"]
    world.wall.at("2026-02-01")
    incidents.update(closed_13, _with_status(incidents.get(closed_13).to_input(), "open"))
    assert closed_13 not in {r.record_id for r in world.retention.preview(AS_OF).records()}
    incidents.update(closed_13, _with_status(incidents.get(closed_13).to_input(), "closed"))
    record = next(r for r in world.retention.preview(date(2040, 1, 1)).records() if r.record_id == closed_13)
    assert (record.clock_started, record.due_on) == (date(2026, 2, 1), date(2027, 2, 1))


def test_damaged_clock_bookkeeping_falls_back_to_updated_at(world: World) -> None:
    store = world.services.store
    with store.transaction():
        store.db.execute("UPDATE incidents SET field_hlc = 'not json', updated_at = '2025-02-03T10:00:00Z'"
                         " WHERE id = ?", [world.ids["closed_11"]])
    record = next(r for r in world.retention.preview(AS_OF).records() if r.record_id == world.ids["closed_11"])
    assert (record.clock_started, record.due_on) == (date(2025, 2, 3), date(2026, 2, 3))


# --- apply ----------------------------------------------------------------------------------------------------


def test_apply_anonymises_what_is_due_and_nothing_else(world: World) -> None:
    store, ids = world.services.store, world.ids
    before = _snapshot(store)
    result = world.retention.apply(AS_OF)
    after = _snapshot(store)
    assert result.counts == {REPORTER: 3, VOLUNTEER: 1, VICTIM_VRM: 3, SUSPECT_VRM: 0, TRACKS: 0,
                             PREMISES: 0}

    changed = {
        (key, name): (before[key][name], after[key][name])
        for key in before
        for name in before[key]
        if name not in SYNC_FIELDS and before[key][name] != after[key][name]
    }
    expected: dict[tuple[tuple[str, str], str], Any] = {}
    for incident in ("closed_13", "deleted_open", "demo"):
        expected[(("incidents", ids[incident]), "reporter_name")] = None
        expected[(("incidents", ids[incident]), "reporter_phone")] = None
    for incident, role in (("closed_13", "victim"), ("closed_13", "witness"), ("nfa_no_reporter", "witness")):
        expected[(("incident_vehicles", _vehicle(store, ids[incident], role)), "vrm")] = ""
    leaver = ("people", ids["leaver"])
    expected.update({(leaver, "name"): anonymous_name(ids["leaver"], "special"), (leaver, "phone"): None,
                     (leaver, "email"): None, (leaver, "notes"): None, (leaver, "collar_number"): None,
                     (("availability_exceptions", ids["leaver_away"]), "note"): None})
    assert {key: new for key, (_, new) in changed.items()} == expected
    assert result.fields_changed == len(expected)
    assert after[leaver]["name"].startswith("Former volunteer ")
    # Rows nothing was due on keep even their clocks.
    untouched = {key for key in before if key not in {k for k, _ in expected}}
    assert all(before[key] == after[key] for key in untouched)
    assert set(before) == set(after)  # nothing added, nothing removed


def test_statistics_are_the_same_after_anonymising(world: World) -> None:
    services = world.services

    def stats() -> tuple[Any, ...]:
        kinds = services.store.db.execute(
            "SELECT kind, status, synthetic, deleted, COUNT(*) FROM incidents GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ).fetchall()
        vehicles = services.store.db.execute(
            "SELECT role, make, COUNT(*) FROM incident_vehicles GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        summary = services.hours.summary("2025-06", "2025-06", include_inactive=True)
        hours = sorted(summary.by_person[["person_id", "month", "hours"]].itertuples(index=False, name=None))
        by_station = sorted(summary.by_station.itertuples(index=False, name=None))
        return kinds, vehicles, hours, by_station

    before = stats()
    assert world.retention.apply(AS_OF).total == 7
    assert stats() == before
    hours = services.hours.summary("2025-06", "2025-06", include_inactive=True).by_person
    leaver_line = hours[hours["person_id"] == world.ids["leaver"]]
    assert leaver_line["name"].tolist() == [anonymous_name(world.ids["leaver"], "special")]
    assert leaver_line["hours"].tolist() == [8.0]


def test_changes_carry_new_clocks_so_they_sync(world: World) -> None:
    store = world.services.store
    before = _snapshot(store)
    newest_before = max(row["hlc"] for row in before.values())
    world.retention.apply(AS_OF)
    after = _snapshot(store)
    for key, row in after.items():
        changed = [n for n in row if n not in SYNC_FIELDS and row[n] != before[key][n]]
        if not changed:
            continue
        clocks = json.loads(row["field_hlc"])
        assert row["hlc"] > newest_before and row["device_id"] == store.device_id
        for name in changed:
            assert clocks[name] == row["hlc"], (key, name)
        old = json.loads(before[key]["field_hlc"])
        assert {n: c for n, c in clocks.items() if n not in changed} == old  # other fields keep their clocks
        assert Hlc.decode(row["hlc"]).millis >= Hlc.decode(before[key]["hlc"]).millis


def test_applying_twice_changes_nothing_the_second_time(world: World) -> None:
    seen: list[Change] = []
    world.services.hub.subscribe(seen.append)
    first = world.retention.apply(AS_OF)
    assert {c.topic for c in seen} == {"incidents", "people"}
    assert set(next(c for c in seen if c.topic == "incidents").ids) == {
        world.ids["closed_13"], world.ids["deleted_open"], world.ids["demo"], world.ids["nfa_no_reporter"]}
    assert next(c for c in seen if c.topic == "people").ids == (world.ids["leaver"],)
    snapshot = _snapshot(world.services.store)
    seen.clear()
    assert world.retention.preview(AS_OF).total == 0
    second = world.retention.apply(AS_OF)
    assert (second.total, second.fields_changed) == (0, 0)
    assert _snapshot(world.services.store) == snapshot and seen == []
    assert world.retention.last_run()["total"] == first.total  # the empty second run does not overwrite it


def test_apply_with_a_stale_preview_token_changes_nothing(world: World) -> None:
    preview = world.retention.preview(AS_OF)
    world.retention.set_settings(suspect_vrm_months=12)  # now the suspect VRM is due as well
    snapshot = _snapshot(world.services.store)
    with pytest.raises(PreviewChangedError):
        world.retention.apply(AS_OF, preview.token)
    assert _snapshot(world.services.store) == snapshot
    fresh = world.retention.preview(AS_OF)
    assert world.retention.apply(AS_OF, fresh.token).total == fresh.total == 8


def test_apply_refuses_a_future_date(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        world.retention.apply(date(2026, 11, 26))
    assert caught.value.errors[0].field == "as_of"
    assert world.retention.preview(date(2026, 11, 26)).total > 0  # previewing the future is fine


def test_anonymised_incidents_still_read_edit_free_and_export(world: World, tmp_path: Any) -> None:
    from ruralwatch.io.exports import ExportData, ExportOptions, export

    world.retention.apply(AS_OF)
    incident = world.services.incidents.get(world.ids["closed_13"])
    assert (incident.reporter_name, incident.reporter_phone) == ("", "")
    assert sorted(v["vrm"] for v in incident.vehicles) == ["", "", "JK90LMN"]
    options = ExportOptions.parse(None, None, [], True)
    export(ExportData(world.services.incidents.list(), options), "xlsx", tmp_path / "out.xlsx")
    export(ExportData(world.services.incidents.list(), options), "csv", tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "Carol" not in text and "EF56" not in text and "JK90" in text
    person = world.services.people.get(world.ids["leaver"])
    assert (person.phone, person.email, person.notes, person.collar_number) == ("", "", "", "")
