"""Joint patrols through the service: crew rules, plan from hotspots, briefing, the log, dose and dosage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import Store, open_store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def services(store: Store) -> Services:
    built = Services.build(store)
    load_demo(built.incidents, count=900, now=NOW)
    built.patrols._now = lambda: NOW  # the patrol's clock: events are stamped "now"
    return built


def _crew(services: Services) -> tuple[str, str, str]:
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    special = services.people.add(PersonInput(name="SC Special", role="special", skills=["off_road"])).id
    volunteer = services.people.add(PersonInput(name="FW Volunteer", role="volunteer")).id
    return officer, special, volunteer


def _patrol(services: Services, crew: list[str], day: str = "2026-11-20", start: str = "06:00",
            end: str = "10:00") -> str:
    record, _ = services.patrols.create(PatrolInput(
        day=day, start=start, end=end, area="Uttlesford", purpose="hare_coursing_operation", crew=crew,
        call_sign="RURAL11", vehicle="Ford Ranger",
    ))
    return record.id


def test_a_crew_without_an_officer_or_independent_special_is_refused(services: Services) -> None:
    _, special, volunteer = _crew(services)
    with pytest.raises(ValidationError, match="independent"):
        _patrol(services, [special, volunteer])
    assert services.patrols.list() == []


def test_missing_skills_are_warned_not_refused(services: Services) -> None:
    officer, _, _ = _crew(services)
    record, issues = services.patrols.create(PatrolInput(
        day="2026-11-20", start="06:00", end="10:00", area="Uttlesford", purpose="hare_coursing_operation",
        crew=[officer],
    ))
    assert record.status == "planned"
    assert any(i.code == "missing_skill" and i.severity == "warning" for i in issues)


def test_nobody_is_on_two_patrols_at_once(services: Services) -> None:
    officer, special, _ = _crew(services)
    _patrol(services, [officer, special])
    with pytest.raises(ValidationError, match="[Dd]ouble|already|another"):
        _patrol(services, [officer], start="08:00", end="11:00")


def test_an_unknown_area_is_one_clear_error(services: Services) -> None:
    officer, _, _ = _crew(services)
    with pytest.raises(ValidationError) as caught:
        services.patrols.create(PatrolInput(day="2026-11-20", start="06:00", end="10:00", area="Atlantis",
                                            purpose="general_rural_patrol", crew=[officer]))
    assert caught.value.errors[0].field == "area"


def test_suggested_plan_visits_hotspots_inside_the_window(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    assert plan.stops
    assert plan.travel_minutes + plan.dwell_minutes <= plan.window_minutes + 1e-6
    saved = services.patrols.get(patrol_id).stops
    assert [s.key for s in saved] == [s.key for s in plan.stops]
    assert all(s.dwell_minutes == 15 for s in saved)


def test_a_plan_with_nothing_to_visit_says_why(services: Services, store: Store) -> None:
    """A walk with published crime only read 'no hotspots or recent incidents in that area to plan from'; an empty
    plan says what it looked at (12 calendar months, not the 13 a 31-day step gave) and what to do."""
    start = datetime(2030, 6, 1, 17, 0, tzinfo=UTC)  # years after the demo's incidents
    assert not services.patrols.plan_for_window("Uttlesford", "2030-06-01", "18:00", "22:00").stops
    assert services.patrols.nothing_to_plan("uttles", start) == (
        "None of our incidents in Uttlesford fall in 2029-07 to 2030-06 or the last 28 days. Add places by hand or "
        "choose another area.")
    empty = Services.build(open_store(store.path.parent / "empty.db"))
    try:
        assert empty.patrols.nothing_to_plan("Uttlesford", start) == (
            "No incidents of our own are recorded yet and no published crime is imported: record incidents, import "
            "data.police.uk files, or add places by hand.")
    finally:
        empty.store.close()


def test_briefing_pdf_lists_route_crew_and_vehicles(services: Services, tmp_path: Path) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    out = services.patrols.brief(patrol_id, tmp_path / "brief.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "RURAL11" in text and "PC Officer" in text and "SC Special" in text
    assert plan.stops[0].label in text
    vehicles = services.patrols.vehicles_of_interest(services.patrols.get(patrol_id).start)
    assert vehicles and vehicles[0].vrm in text
    assert services.patrols.get(patrol_id).status == "briefed"


def test_briefing_lists_near_repeat_zones_in_its_area_live_at_the_start(services: Services) -> None:
    from ruralwatch.core.incident import IncidentInput

    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    services.near_repeat.set_zone_settings(300, 10)
    inside = services.incidents.record(IncidentInput(
        kind="farm_burglary", occurred_start="2026-11-15 02:00", lat=51.954, lon=0.344, place="Zone Test Farm"))
    services.incidents.record(IncidentInput(  # in Colchester, not Uttlesford
        kind="farm_burglary", occurred_start="2026-11-15 02:00", lat=51.889, lon=0.901, place="Elsewhere Farm"))
    services.incidents.record(IncidentInput(  # over 10 days before the patrol
        kind="farm_burglary", occurred_start="2026-11-05 02:00", lat=51.954, lon=0.344, place="Old Farm"))
    zones = services.patrols.briefing(patrol_id).zones
    places = [z.place for z in zones]
    assert "Zone Test Farm" in places and "Elsewhere Farm" not in places and "Old Farm" not in places
    zone = next(z for z in zones if z.place == "Zone Test Farm")
    assert zone.radius_m == 300.0 and zone.until == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert services.incidents.get(inside.id).place == "Zone Test Farm"


def test_briefing_lists_repeat_victims_and_premises_to_visit_in_its_area(services: Services,
                                                                       tmp_path: Path) -> None:
    from ruralwatch.core.incident import IncidentInput
    from ruralwatch.core.premises import PremisesInput, VisitInput

    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    services.near_repeat.set_zone_settings(400, 10)
    premises = services.premises
    grange = premises.add(PremisesInput("Grange Test Farm", "farm", "TL 61234 35678", contact_name="Jo Farmer",
                                        contact_phone="01632 960001", schemes=["farm_watch"]))
    brook = premises.add(PremisesInput("Brook Test Farm", "farm", "TL 62000 30000", contact_name="Al Brook"))
    away = premises.add(PremisesInput("Colchester Test Farm", "farm", "TM 00000 25000"))  # not in Uttlesford
    premises.add_visit(brook.id, VisitInput("2026-09-01", "PC Olive", "Lock the yard"))
    for when, ref, where in (("2026-05-02 03:00", "TL 61234 35678", grange.id),
                             ("2026-10-20 03:00", "TL 61234 35678", grange.id),
                             ("2026-10-20 03:00", "TM 00000 25000", away.id),
                             ("2026-11-18 03:00", "TL 62000 30200", None)):  # 200 m from Brook Test Farm
        services.incidents.record(IncidentInput(kind="equipment_theft", occurred_start=when, grid_ref=ref,
                                                premises_id=where, place="Test Lane"))
    briefing = services.patrols.briefing(patrol_id)
    victims = {v.name: v for v in briefing.repeat_victims}
    assert "Grange Test Farm" in victims and "Colchester Test Farm" not in victims
    assert victims["Grange Test Farm"].incidents == 2 and victims["Grange Test Farm"].schemes == ("Farm Watch",)
    visits = [v for v in briefing.premises_to_visit if v.name.endswith("Test Farm")]
    assert [(v.name, v.last_visit, v.repeat) for v in visits] == [("Brook Test Farm", "2026-09-01", False)]
    out = services.patrols.brief(patrol_id, tmp_path / "brief.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Repeat victims in this area" in text and "Grange Test Farm" in text
    assert "Premises to visit" in text and "Brook Test Farm" in text
    assert "Jo Farmer" not in text and "01632 960001" not in text and "Al Brook" not in text


def test_log_flags_a_vehicle_of_interest_and_dose_adds_up(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    start = plan.start
    services.patrols.start(patrol_id, at=start)
    first, second = plan.stops[0].key, plan.stops[1].key
    suspect = services.patrols.vehicles_of_interest(NOW)[0].vrm

    def log(kind: str, minutes: int, **extra: str) -> object:
        return services.patrols.log(patrol_id, PatrolEventInput(kind=kind, at=start + timedelta(minutes=minutes),
                                                                **extra))

    log("arrived_stop", 0, stop_key=first)
    checked = log("stop_check", 5, stop_key=first, vrm=suspect)
    innocent = log("stop_check", 6, stop_key=first, vrm="AB12 CDE")
    log("left_stop", 12, stop_key=first)
    log("arrived_stop", 20, stop_key=second)
    log("left_stop", 38, stop_key=second)
    log("stop_check", 50, stop_key=plan.stops[2].key, vrm="AB12 CDF")  # no "arrived" logged there
    services.patrols.end(patrol_id, at=start + timedelta(minutes=200))
    assert checked.flagged and not innocent.flagged
    assert checked.lat == plan.stops[0].lat  # the place comes from the planned stop
    dose = services.patrols.dose(patrol_id)
    minutes = {s.key: s.actual_minutes for s in dose.stops}
    assert (minutes[first], minutes[second]) == (12.0, 18.0)
    assert len(dose.missed) == len(plan.stops) - 3
    assert dose.events_by_kind["Vehicle stop-check"] == 3
    # Anything logged at a stop says the crew was there, "arrived" or not.
    assert plan.stops[2].label not in dose.missed and plan.stops[3].label in dose.missed
    dosage = {d.key: d for d in services.patrols.dosage(start - timedelta(days=1), start + timedelta(days=1))}
    assert (dosage[first].visits, dosage[first].minutes) == (1, 12.0)


def test_events_need_a_started_patrol_and_a_valid_grid_reference(services: Services) -> None:
    officer, _, _ = _crew(services)
    patrol_id = _patrol(services, [officer])
    with pytest.raises(ValidationError, match="start the patrol"):
        services.patrols.log(patrol_id, PatrolEventInput(kind="note"))
    services.patrols.start(patrol_id, at=NOW - timedelta(hours=1))
    with pytest.raises(ValidationError) as caught:
        services.patrols.log(patrol_id, PatrolEventInput(kind="person_spoken", grid_ref="TL 12345"))
    assert caught.value.errors[0].field == "grid_ref"
    event = services.patrols.log(patrol_id, PatrolEventInput(kind="person_spoken", grid_ref="TL 5400 3000"))
    assert 51.9 < event.lat < 52.0
    assert [e.kind for e in services.patrols.log_of(patrol_id)] == ["patrol_started", "person_spoken"]


def test_patrol_hours_count_for_the_crew(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    services.patrols.start(patrol_id, at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    services.patrols.end(patrol_id, at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    rows = services.hours.summary("2026-11", "2026-11").by_person
    assert rows.set_index("name").loc["SC Special", "hours"] == 3.5


def test_a_patrol_logged_afterwards_takes_the_real_times_checked(services: Services) -> None:
    """Logged the next morning: the typed start and end, not the time of typing, give the crew their hours."""
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special], day="2026-11-19", start="18:00", end="22:00")
    patrols = services.patrols  # the clock says 2026-11-20 12:00 UTC: the morning after
    with pytest.raises(ValidationError, match="more than 12 hours from the planned 2026-11-19 18:00–22:00"):
        patrols.start(patrol_id, at="2026-11-18 18:10")  # the wrong day
    with pytest.raises(ValidationError, match="is in the future"):
        patrols.start(patrol_id, at="2026-11-20 18:10")
    with pytest.raises(ValidationError, match="not a date and time"):
        patrols.start(patrol_id, at="yesterday")
    assert patrols.get(patrol_id).status == "planned"  # nothing changed
    started = patrols.start(patrol_id, at="2026-11-19 18:10")  # UK local (GMT in November)
    assert started.started_at == "2026-11-19T18:10:00Z"
    patrols.log(patrol_id, PatrolEventInput(kind="note", at="2026-11-19 21:00"))
    with pytest.raises(ValidationError, match=r"must be after the start \(2026-11-19 18:10\)"):
        patrols.end(patrol_id, at="2026-11-19 18:10")
    with pytest.raises(ValidationError, match=r"before the last event logged \(2026-11-19 21:00\)"):
        patrols.end(patrol_id, at="2026-11-19 20:00")
    assert patrols.get(patrol_id).status == "in_progress"
    ended = patrols.end(patrol_id, at="2026-11-19 22:40")
    assert ended.ended_at == "2026-11-19T22:40:00Z"
    rows = services.hours.summary("2026-11", "2026-11").by_person
    assert rows.set_index("name").loc["SC Special", "hours"] == 4.5


# --- rostering rules on the crew ---------------------------------------------------------------------------------


def _available(services: Services, person_id: str, weekday: int = 4, start: str = "00:00", end: str = "24:00") -> None:
    services.people.set_weekly(person_id, [WeeklySlotInput(weekday, start, end)])


def _window(day: str = "2026-11-20", start: str = "06:00", end: str = "10:00") -> PatrolInput:
    return PatrolInput(day=day, start=start, end=end, area="Uttlesford", purpose="general_rural_patrol",
                       crew=[], call_sign="RURAL11")


def test_the_live_check_lists_rostering_rules_only_when_asked(services: Services) -> None:
    officer, special, _ = _crew(services)
    _available(services, officer)
    start, end = datetime(2026, 11, 20, 6, tzinfo=UTC), datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert all(i.severity != "override" for i in services.patrols.check_crew([officer, special],
                                                                            "general_rural_patrol", start, end))
    issues = services.patrols.check_crew([officer, special], "general_rural_patrol", start, end, roster_rules=True)
    assert [(i.severity, i.code, i.person_id) for i in issues] == [("override", "unavailable", special)]
    assert issues[0].message == ("SC Special is not available on Fri 20 Nov from 06:00 to 10:00 "
                                 "(no availability is recorded).")


def test_crew_hints_say_for_each_person_what_stands_in_the_way(services: Services) -> None:
    officer, special, volunteer = _crew(services)
    _available(services, officer)
    _available(services, volunteer)
    start, end = datetime(2026, 11, 20, 6, tzinfo=UTC), datetime(2026, 11, 20, 10, tzinfo=UTC)
    hints = services.patrols.crew_hints([officer, special, volunteer], "general_rural_patrol", start, end)
    assert hints[officer] == [] and hints[volunteer] == []  # the volunteer's role speaks for itself
    assert [(i.code, i.person_id) for i in hints[special]] == [("unavailable", special)]
    assert services.patrols.crew_hints([], "general_rural_patrol", start, end) == {}


def test_every_broken_rule_is_reported_and_nothing_saved_without_a_reason(services: Services) -> None:
    officer, special, _ = _crew(services)
    _available(services, officer)
    _available(services, special)
    # The officer finishes a duty at 02:00 (4 h rest); the special has 22 h of duties that week (limit 24 h).
    late = services.roster.add_duty(DutyInput(title="Night op", kind="operation", start="2026-11-19 20:00",
                                              end="2026-11-20 02:00", min_crew=1, max_crew=3))
    services.roster.assign(late.id, officer, "Called in")
    for day in (16, 17):
        long_day = services.roster.add_duty(DutyInput(title="Show", kind="event", start=f"2026-11-{day} 06:00",
                                                      end=f"2026-11-{day} 17:00", min_crew=1, max_crew=3))
        services.roster.assign(long_day.id, special, "Show day")
    with pytest.raises(RuleBreachError) as refused:
        services.patrols.create(replace(_window(), crew=[officer, special]), override_reason="  ")
    assert [(b.rule, i.person_id) for b, i in zip(refused.value.breaches, refused.value.issues, strict=True)] == [
        ("rest", officer), ("weekly_hours", special)]
    assert "would have only 4 h rest between a commitment ending Fri 20 Nov 02:00 and this patrol" in str(refused.value)
    assert "26 h in the week beginning Mon 16 Nov (limit 24 h)" in str(refused.value)
    assert refused.value.errors[0].field == "crew" and "reason to override" in str(refused.value)
    assert services.patrols.list() == []


def test_an_override_reason_is_recorded_with_the_crew_place_and_audited(services: Services) -> None:
    officer, special, _ = _crew(services)
    _available(services, officer)
    record, issues = services.patrols.create(replace(_window(), crew=[officer, special]),
                                             override_reason="Agreed with the duty sergeant")
    assert [(i.severity, i.code) for i in issues] == [("override", "unavailable")]
    assert services.patrols.overrides(record.id) == [("SC Special", "Agreed with the duty sergeant", ["unavailable"])]
    row = services.store.db.execute("SELECT id, override_reason, overridden_rules FROM patrol_crew "
                                    "WHERE person_id = ?", [special]).fetchone()
    assert row[1:] == ("Agreed with the duty sergeant", '["unavailable"]')  # in the row: it syncs with it
    inserted = services.store.db.execute(
        "SELECT changes FROM audit_log WHERE target_table = 'patrol_crew' AND record_id = ?", [row[0]]).fetchone()
    assert "Agreed with the duty sergeant" in inserted[0]
    # The live check on the saved patrol shows the override as recorded, not as something to fix.
    live = services.patrols.check_crew([officer, special], "general_rural_patrol", record.start, record.end,
                                       record.id, roster_rules=True)
    assert [(i.severity, i.code) for i in live] == [("warning", "unavailable")]
    assert live[0].message.endswith("Overridden: Agreed with the duty sergeant")


def test_saving_again_asks_only_about_new_crew(services: Services) -> None:
    officer, special, volunteer = _crew(services)
    _available(services, officer)
    record, _ = services.patrols.create(replace(_window(), crew=[officer, special]), override_reason="Short notice")
    # Saving again with the same crew needs no reason: the override is on record.
    again, _ = services.patrols.update(record.id, replace(_window(), crew=[officer, special], notes="x"),
                                       override_reason="")
    assert again.notes == "x"
    with pytest.raises(RuleBreachError, match="FW Volunteer is not available"):
        services.patrols.update(record.id, replace(_window(), crew=[officer, special, volunteer]), override_reason="")
    services.patrols.update(record.id, replace(_window(), crew=[officer, special, volunteer]),
                            override_reason="Farm Watch lead for the village")
    assert sorted(services.patrols.overrides(record.id)) == [
        ("FW Volunteer", "Farm Watch lead for the village", ["unavailable"]),
        ("SC Special", "Short notice", ["unavailable"]),
    ]


def test_someone_who_has_left_needs_a_reason_too(services: Services) -> None:
    officer, special, _ = _crew(services)
    _available(services, officer)
    _available(services, special)
    services.people.mark_left(special, datetime(2026, 11, 1).date())
    with pytest.raises(RuleBreachError, match="SC Special has left"):
        services.patrols.create(replace(_window(), crew=[officer, special]), override_reason="")


def test_callers_that_give_no_reason_argument_are_not_refused(services: Services) -> None:
    # The window's form (before it asks for a reason) saves as it did, and is shown the broken rules.
    officer, _, _ = _crew(services)
    _available(services, officer, weekday=0)  # Mondays only; the patrol is on a Friday
    record, issues = services.patrols.create(replace(_window(), crew=[officer]))
    assert record.status == "planned"
    assert [(i.severity, i.code) for i in issues] == [("override", "unavailable")]
    assert services.patrols.overrides(record.id) == []


def test_the_patrols_own_duty_is_not_a_clash_or_a_rest_problem(services: Services) -> None:
    officer, _, _ = _crew(services)
    _available(services, officer)
    record, _ = services.patrols.create(replace(_window(), crew=[officer]), override_reason="")
    duty = services.roster.add_duty(DutyInput(title="Patrol", kind="joint_patrol", start="2026-11-20 06:00",
                                              end="2026-11-20 10:00", min_crew=1, max_crew=2))
    services.store.db.execute("UPDATE duties SET patrol_id = ? WHERE id = ?", [record.id, duty.id])
    services.roster.assign(duty.id, officer)
    issues = services.patrols.check_crew([officer], "general_rural_patrol", record.start, record.end, record.id,
                                         roster_rules=True)
    assert all(i.severity == "warning" for i in issues)


def test_an_override_given_for_one_time_is_asked_for_again_when_the_patrol_moves(services: Services) -> None:
    officer, special, _ = _crew(services)
    _available(services, officer)
    record, _ = services.patrols.create(replace(_window(), crew=[officer, special]), override_reason="Short notice")
    later = replace(_window(start="18:00", end="22:00"), crew=[officer, special])
    with pytest.raises(RuleBreachError, match="SC Special is not available"):
        services.patrols.update(record.id, later, override_reason="")
    assert services.patrols.overrides(record.id) == [("SC Special", "Short notice", ["unavailable"])]  # unchanged
    services.patrols.update(record.id, later, override_reason="Evening cover agreed")
    assert services.patrols.overrides(record.id) == [("SC Special", "Evening cover agreed", ["unavailable"])]
    # Moving the officer's patrol to a day they are available clears what no longer applies.
    _available(services, special, weekday=4)
    services.patrols.update(record.id, replace(_window(start="12:00", end="14:00"), crew=[officer, special]),
                            override_reason="")
    assert services.patrols.overrides(record.id) == []


def test_a_stop_checked_registration_reaches_the_audit_only_as_a_mark(store: Store) -> None:
    """Analysts read the audit log and see no personal data: a logged VRM is written as the personal mark."""
    services = Services.build(store)
    services.patrols._now = lambda: NOW
    officer, _, _ = _crew(services)
    patrol_id = _patrol(services, [officer])
    services.patrols.start(patrol_id, at=NOW - timedelta(hours=1))
    event = services.patrols.log(patrol_id, PatrolEventInput(kind="stop_check", at=NOW, grid_ref="TL 5400 3000",
                                                             vrm="AB12 CDE"))
    entries = [e for e in services.audit.entries(record_id=event.id) if e.table == "patrol_events"]
    assert entries and all("[personal data]" in str((e.changes or {})["vrm"]) for e in entries)
    everything = " ".join(str(e.changes) for e in services.audit.entries())
    assert "AB12" not in everything


def test_a_patrol_run_early_no_longer_holds_its_crew_at_the_planned_time(services: Services) -> None:
    """Planned for the 21st, run and ended on the 20th: the crew is free on the 21st and busy on the 20th."""
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special], day="2026-11-21")
    ran_from = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    # Started and ended live (a typed time is kept within 12 hours of the plan; "now" is the crew's choice).
    services.patrols._now = lambda: ran_from
    services.patrols.start(patrol_id)
    services.patrols._now = lambda: ran_from + timedelta(hours=3)
    services.patrols.end(patrol_id)

    def clashes(start: datetime) -> set[str]:
        issues = services.patrols.check_crew([officer], "general_rural_patrol", start, start + timedelta(hours=2))
        return {i.code for i in issues if i.person_id == officer}

    assert "double_booked" not in clashes(datetime(2026, 11, 21, 6, 30, tzinfo=UTC))
    assert "double_booked" in clashes(ran_from + timedelta(hours=1))


def test_while_a_patrol_runs_its_stops_still_to_come_are_not_missed(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    services.patrols.start(patrol_id, at=plan.start)
    services.patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=plan.stops[0].arrive,
                                                     stop_key=plan.stops[0].key))
    services.patrols._now = lambda: plan.stops[1].arrive + timedelta(minutes=5)  # the second stop is overdue
    dose = services.patrols.dose(patrol_id)
    assert dose.missed == [plan.stops[1].label]
    assert [s.due for s in dose.stops] == [True, True] + [False] * (len(plan.stops) - 2)
    services.patrols.end(patrol_id, at=plan.stops[1].arrive + timedelta(minutes=6))
    assert len(services.patrols.dose(patrol_id).missed) == len(plan.stops) - 1  # over: all not visited are missed


def test_an_officer_with_no_availability_recorded_crews_a_patrol_without_a_reason(services: Services) -> None:
    """A regular officer's shifts are in the force's duty system: a walk's officer, who had given no availability
    here, needed an override reason to crew their own patrol. A day away recorded here still counts, and a Special
    with no availability still needs a reason."""
    officer, special, _ = _crew(services)
    record, issues = services.patrols.create(replace(_window(), crew=[officer]))
    assert issues == [] and services.patrols.overrides(record.id) == []
    services.people.add_exception(officer, "2026-11-27", "away", note="Annual leave")
    with pytest.raises(RuleBreachError, match="PC Officer is away"):
        services.patrols.create(replace(_window(day="2026-11-27"), crew=[officer]), override_reason="")
    with pytest.raises(RuleBreachError, match="SC Special is not available") as refused:
        services.patrols.create(replace(_window(day="2026-11-21"), crew=[officer, special]), override_reason="")
    assert "PC Officer" not in str(refused.value)


def test_arrived_with_no_stop_named_goes_to_the_next_stop_of_the_plan_not_yet_arrived_at(services: Services) -> None:
    """Pressing Arrived says the crew reached a stop: an officer with no receiver was refused for not choosing it
    first. It goes to the next stop of the plan not yet arrived at; at a given place, the stop there; refused once
    every stop has been arrived at (nothing written)."""
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    stops = plan.stops
    assert len(stops) >= 3
    services.patrols.start(patrol_id, at=plan.start)
    log = services.patrols.log

    def arrive(**where: object) -> str | None:
        return log(patrol_id, PatrolEventInput(kind="arrived_stop", at=plan.start, **where)).stop_key  # type: ignore[arg-type]

    assert arrive() == stops[0].key
    assert arrive(stop_key="3") == stops[2].key  # a stop named is kept: out of order here
    assert arrive() == stops[1].key  # the first not yet arrived at, in plan order (1 and 3 were)
    # At a place: the stop there, never the next one of the plan the crew is not at.
    assert arrive(lat=stops[2].lat, lon=stops[2].lon) == stops[2].key
    with pytest.raises(ValidationError, match="no planned stop within 200 m"):
        arrive(lat=stops[0].lat + 0.05, lon=stops[0].lon)
    for stop in stops[3:]:
        assert arrive() == stop.key
    before = len(services.patrols.log_of(patrol_id))
    with pytest.raises(ValidationError, match=f"all {len(stops)} planned stops have been arrived at"):
        arrive()
    assert len(services.patrols.log_of(patrol_id)) == before
    assert services.patrols.dose(patrol_id).missed == []
