"""A joint-patrol duty on the roster becomes its patrol (services/patrols/duties.py): one commitment, logged by its
crew, its hours counted once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.core.permissions import SYSTEM, Actor, PermissionDeniedError
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.hours import worked_hours
from ruralwatch.services.container import Services
from ruralwatch.store import Store

# The morning after the duty: the crew log it afterwards, so no test reads today's date.
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
DAY = date(2026, 12, 7)


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store, clock=lambda: NOW)


def _person(services: Services, name: str, role: str, **extra: object) -> str:
    person = services.people.add(PersonInput(name=name, role=role, station="Maldon", **extra))  # type: ignore[arg-type]
    services.people.set_weekly(person.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    return person.id


def _duty(services: Services, kind: str = "joint_patrol", area: str = "Maldon", start: str = "18:00",
          end: str = "22:00", day: date = DAY) -> str:
    return services.roster.add_duty(DutyInput(
        title="Evening hare coursing patrol", kind=kind, start=f"{day.isoformat()} {start}",
        end=f"{day.isoformat()} {end}", station="Maldon", area=area, max_crew=3, notes="Meet at the yard",
    )).id


@pytest.fixture
def crewed(services: Services) -> tuple[str, str, str]:
    """(duty, officer, special): a joint-patrol duty crewed by an officer and a Special."""
    officer = _person(services, "PC Olive Oak", "officer")
    special = _person(services, "SC Sam Reed", "special")
    duty = _duty(services)
    services.roster.assign(duty, officer)
    services.roster.assign(duty, special)
    return duty, officer, special


def _hours(services: Services) -> dict[str, float]:
    entries = services.hours.entries("2026-12", "2026-12")
    return {str(k): float(v) for k, v in entries.groupby("name")["hours"].sum().items()}


def _audited(store: Store, table: str, record_id: str) -> list[tuple[str, str, dict[str, object]]]:
    return [(actor, action, json.loads(changes or "{}")) for actor, action, changes in store.db.execute(
        "SELECT actor, action, changes FROM audit_log WHERE target_table = ? AND record_id = ? ORDER BY seq",
        [table, record_id])]


def test_the_patrol_takes_the_duty_and_the_duty_is_linked_to_it(services: Services, crewed) -> None:
    duty_id, officer, special = crewed
    record, issues = services.patrols.plan_from_duty(duty_id)
    duty = services.roster.duty(duty_id)
    assert duty.patrol_id == record.id
    assert (record.start, record.end) == (duty.start, duty.end)
    assert times.format_local(times.to_storage(record.start)) == "2026-12-07 18:00"
    assert (record.title, record.area, record.purpose) == ("Evening hare coursing patrol", "Maldon",
                                                           "general_rural_patrol")
    assert record.notes == "Station: Maldon\nMeet at the yard"
    assert {pid for pid, _ in record.crew} == {officer, special}
    assert record.status == "planned" and not issues
    # One commitment, not two: the calendar shows the duty only, and each crew member is committed once then.
    assert services.roster.patrols(DAY, DAY) == []
    assert sorted(c.source_id for c in services.roster.commitments([special])) == [duty_id]
    # Audited as the patrol actions are: the patrol, its crew places, and the duty's link.
    assert [a for _, a, _ in _audited(services.store, "patrols", record.id)] == ["create"]
    assert any(c.get("patrol_id") == [None, record.id] for _, _, c in _audited(services.store, "duties", duty_id))


def test_crew_rules_are_checked_with_the_messages_of_a_patrol_and_nothing_is_kept(services: Services) -> None:
    volunteer = _person(services, "Val Watch", "volunteer")
    duty_id = _duty(services)
    services.roster.assign(duty_id, volunteer)
    with pytest.raises(ValidationError) as refused:
        services.patrols.plan_from_duty(duty_id)
    with pytest.raises(ValidationError) as by_hand:
        services.patrols.create(PatrolInput(day=DAY, start="18:00", end="22:00", area="Maldon",
                                            purpose="general_rural_patrol", crew=[volunteer]), override_reason="")
    # The same words; planned by hand beside the duty, the duty is also "another duty" at that time.
    assert str(by_hand.value) == f"{refused.value}; Val Watch is already on Evening hare coursing patrol " \
                                 "(Mon 07 Dec 18:00-22:00)."
    assert "police officer" in str(refused.value)
    assert services.roster.duty(duty_id).patrol_id is None
    assert services.store.db.execute("SELECT count(*) FROM patrols").fetchone()[0] == 0


def test_a_duty_that_is_not_a_joint_patrol_or_has_no_area_or_a_patrol_is_refused(services: Services, crewed) -> None:
    duty_id, officer, _ = crewed
    training = _duty(services, kind="training", day=date(2026, 12, 9))
    with pytest.raises(ValidationError, match="only a joint-patrol duty becomes a patrol; this one is training"):
        services.patrols.plan_from_duty(training)
    nowhere = _duty(services, area="", day=date(2026, 12, 10))
    with pytest.raises(ValidationError, match="the duty has no area"):
        services.patrols.plan_from_duty(nowhere)
    first, _ = services.patrols.plan_from_duty(duty_id)
    with pytest.raises(ValidationError, match=f"already planned as patrol {first.id[:8]}"):
        services.patrols.plan_from_duty(duty_id)
    # Its patrol called off, the duty (still on) can be planned again.
    services.patrols.cancel(first.id)
    again, _ = services.patrols.plan_from_duty(duty_id)
    assert services.roster.duty(duty_id).patrol_id == again.id != first.id
    assert officer in {pid for pid, _ in again.crew}


def test_a_special_on_the_duty_may_make_it_a_patrol_another_may_not(services: Services, crewed) -> None:
    duty_id, _, special = crewed
    other = _person(services, "SC Other", "special")
    store = services.store
    store.actor = Actor("sc-other", "special", "acc-2", other)
    with pytest.raises(PermissionDeniedError, match="may not: create and plan patrols"):
        services.patrols.plan_from_duty(duty_id)
    store.actor = Actor("analyst", "analyst", "acc-3", special)  # an analyst never, even linked to the crew
    with pytest.raises(PermissionDeniedError):
        services.patrols.plan_from_duty(duty_id)
    assert services.roster.duty(duty_id).patrol_id is None
    store.actor = Actor("sc-sam", "special", "acc-1", special)
    record, _ = services.patrols.plan_from_duty(duty_id)
    assert services.roster.duty(duty_id).patrol_id == record.id
    assert {a for a, _, _ in _audited(store, "patrols", record.id)} == {"sc-sam"}


def test_the_crew_start_log_and_end_it_the_duty_completes_and_hours_count_once(services: Services,
                                                                                  crewed) -> None:
    duty_id, _, special = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    services.store.actor = Actor("sc-sam", "special", "acc-1", special)
    services.patrols.start(record.id, "2026-12-07 18:10")
    services.patrols.log(record.id, PatrolEventInput(kind="note", at="2026-12-07 19:00", detail="Quiet lanes"))
    ended = services.patrols.end(record.id, "2026-12-07 21:40")
    assert ended.status == "completed"
    assert services.roster.duty(duty_id).status == "completed"  # the Special ended it: the duty took place
    assert [(a, c["status"]) for a, act, c in _audited(services.store, "duties", duty_id)
            if act == "update" and "status" in c] == [("sc-sam", ["planned", "completed"])]
    services.store.actor = SYSTEM
    # The coordinator marking it completed again changes nothing: 3.5 h as logged, once, not 3.5 + 4.
    services.roster.set_status(duty_id, "completed")
    assert _hours(services) == {"PC Olive Oak": 3.5, "SC Sam Reed": 3.5}
    summary = services.hours.summary("2026-12", "2026-12")
    assert summary.by_person.set_index("name").loc["SC Sam Reed", "hours"] == 3.5


def test_a_duty_completed_before_its_patrol_ends_counts_until_the_patrol_does(services: Services, crewed) -> None:
    duty_id, _, _ = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    services.roster.set_status(duty_id, "completed")  # the patrol never logged: the duty's planned 4 h
    assert _hours(services) == {"PC Olive Oak": 4.0, "SC Sam Reed": 4.0}
    services.patrols.start(record.id, "2026-12-07 18:30")
    services.patrols.end(record.id, "2026-12-07 21:30")
    assert _hours(services) == {"PC Olive Oak": 3.0, "SC Sam Reed": 3.0}  # now the patrol's, instead


def test_the_duty_crew_reaches_the_patrol_and_the_patrol_reaches_the_duty(services: Services, crewed) -> None:
    duty_id, officer, special = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    third = _person(services, "SC Third", "special", independent_patrol=True)
    services.roster.assign(duty_id, third)
    assert {pid for pid, _ in services.patrols.get(record.id).crew} == {officer, special, third}
    services.roster.unassign(duty_id, special)
    assert {pid for pid, _ in services.patrols.get(record.id).crew} == {officer, third}
    # Moved and re-crewed in Team ▸ Patrols: the duty follows, so the roster still sees one commitment.
    services.patrols.update(record.id, PatrolInput(
        day=DAY, start="19:00", end="23:00", area="Maldon", purpose="hare_coursing_operation",
        title=record.title, crew=[officer, special]), override_reason="")
    duty = services.roster.duty(duty_id)
    assert times.format_local(times.to_storage(duty.start)) == "2026-12-07 19:00"
    assert {pid for pid, _ in duty.crew} == {officer, special}
    # The duty's own form may not move it behind the patrol's back.
    with pytest.raises(ValidationError, match="change its day and times in Team ▸ Patrols"):
        services.roster.update_duty(duty_id, DutyInput(
            title=duty.title, kind=duty.kind, start="2026-12-07 17:00", end="2026-12-07 21:00", station="Maldon",
            area="Maldon", max_crew=3))


def test_crew_added_in_team_patrols_keeps_to_the_duty_maximum_as_the_duty_does(services: Services,
                                                                                 crewed) -> None:
    duty_id, officer, special = crewed  # max_crew 3
    record, _ = services.patrols.plan_from_duty(duty_id)
    third = _person(services, "SC Third", "special", independent_patrol=True)
    fourth = _person(services, "SC Fourth", "special", independent_patrol=True)
    crew = [officer, special, third, fourth]
    inp = PatrolInput(day=DAY, start="18:00", end="22:00", area="Maldon", purpose="general_rural_patrol",
                      title=record.title, crew=crew)
    with pytest.raises(RuleBreachError) as on_patrol:
        services.patrols.update(record.id, inp, override_reason="")
    assert [(i.code, i.person_id) for i in on_patrol.value.issues] == [("full", fourth)]
    assert len(services.roster.duty(duty_id).crew) == 2 and len(services.patrols.get(record.id).crew) == 2
    # One rule, one wording: the duty itself, filled to three, says the same of a fourth.
    services.roster.assign(duty_id, third)
    with pytest.raises(RuleBreachError) as on_duty:
        services.roster.assign(duty_id, fourth)
    text = "Evening hare coursing patrol already has its full crew of 3"
    assert on_duty.value.breaches[0].message == text
    assert on_patrol.value.issues[0].message == text + "."
    # The patrol form's preview says so before saving, and a reason keeps them on both, recorded on both.
    preview = services.patrols.check_crew(crew, "general_rural_patrol", record.start, record.end, record.id,
                                          roster_rules=True)
    assert [(i.severity, i.code) for i in preview if i.person_id == fourth] == [("override", "full")]
    services.patrols.update(record.id, inp, override_reason="a fourth for the farm visits")
    duty = services.roster.duty(duty_id)
    assert {pid for pid, _ in duty.crew} == set(crew)
    assert services.roster.overrides(duty_id) == [("SC Fourth", "a fourth for the farm visits", ["full"])]
    assert [(n, rules) for n, _, rules in services.patrols.overrides(record.id)] == [("SC Fourth", ["full"])]


def test_crew_put_on_the_duty_meets_its_patrols_crew_rules(services: Services, crewed) -> None:
    duty_id, officer, special = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    # Already on another patrol at that time: a duty may keep them with a reason, a patrol may not.
    busy = _person(services, "SC Busy", "special", independent_patrol=True)
    services.patrols.create(PatrolInput(day=DAY, start="19:00", end="21:00", area="Maldon",
                                        purpose="general_rural_patrol", title="Village watch", crew=[busy]),
                            override_reason="")
    with pytest.raises(ValidationError) as by_hand:
        services.patrols.update(record.id, PatrolInput(
            day=DAY, start="18:00", end="22:00", area="Maldon", purpose="general_rural_patrol",
            title=record.title, crew=[officer, special, busy]), override_reason="x")
    with pytest.raises(ValidationError) as refused:
        services.roster.check(duty_id, busy)
    with pytest.raises(ValidationError) as on_duty:
        services.roster.assign(duty_id, busy, override_reason="agreed")
    # The patrol's words (without the form's field name: the message names the person).
    assert str(refused.value) == str(on_duty.value) == by_hand.value.errors[0].message
    assert [e.field for e in on_duty.value.errors] == ["crew"]
    assert "SC Busy is already on Village watch" in str(on_duty.value)
    assert busy not in {pid for pid, _ in services.roster.duty(duty_id).crew}
    assert busy not in {pid for pid, _ in services.patrols.get(record.id).crew}
    # With nobody left to lead it, a Special without independent patrol status may not be its only crew.
    services.roster.unassign(duty_id, special)
    lead = _person(services, "SC Lead", "special", independent_patrol=True)
    services.roster.assign(duty_id, lead)
    services.roster.unassign(duty_id, officer)
    services.roster.unassign(duty_id, lead)  # the last one: crewed again from nothing, a lead first
    novice = _person(services, "SC Novice", "special")
    with pytest.raises(ValidationError, match="The crew needs a police officer"):
        services.roster.assign(duty_id, novice)
    services.roster.assign(duty_id, officer)
    services.roster.assign(duty_id, novice)
    assert {pid for pid, _ in services.patrols.get(record.id).crew} == {officer, novice}
    # A duty without a patrol, or whose patrol has started, is the roster's alone.
    other = _duty(services, day=date(2026, 12, 9))
    assert services.roster.check(other, novice) == []


def test_taking_the_only_lead_off_the_duty_is_refused_while_its_patrol_has_not_started(services: Services,
                                                                                        crewed) -> None:
    """Taking the only officer off the duty took them off its patrol too, leaving a Special without independent
    patrol status to lead it: refused in the patrol's own words, and nothing changes."""
    duty_id, officer, special = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    with pytest.raises(ValidationError) as refused:
        services.roster.unassign(duty_id, officer)
    assert str(refused.value) == ("The crew needs a police officer or a Special Constable with independent patrol "
                                  "status.")
    assert [e.field for e in refused.value.errors] == ["crew"]
    assert {pid for pid, _ in services.roster.duty(duty_id).crew} == {officer, special}
    assert {pid for pid, _ in services.patrols.get(record.id).crew} == {officer, special}
    # Once it has started the duty's crew is the roster's alone.
    services.patrols.start(record.id, "2026-12-07 18:05")
    services.roster.unassign(duty_id, officer)
    assert {pid for pid, _ in services.roster.duty(duty_id).crew} == {special}


def test_crew_the_patrol_puts_on_its_duty_carry_the_reasons_recorded_on_the_patrol(services: Services,
                                                                                    crewed) -> None:
    """Moved in Team ▸ Patrols with a reason given again for the new time, the duty kept the old time's reason;
    a crew place's reason is the one on the patrol."""
    duty_id, officer, special = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    late = services.people.add(PersonInput(name="SC Dawn Only", role="special", independent_patrol=True)).id
    crew = [officer, special, late]
    services.patrols.update(record.id, PatrolInput(
        day=DAY, start="18:00", end="22:00", area="Maldon", purpose="general_rural_patrol", title=record.title,
        crew=crew), override_reason="swapped shifts")
    assert services.roster.overrides(duty_id) == [("SC Dawn Only", "swapped shifts", ["unavailable"])]
    services.patrols.update(record.id, PatrolInput(
        day=DAY, start="19:00", end="23:00", area="Maldon", purpose="general_rural_patrol", title=record.title,
        crew=crew), override_reason="asked again for the later time")
    assert services.patrols.overrides(record.id) == [
        ("SC Dawn Only", "asked again for the later time", ["unavailable"])]
    assert services.roster.overrides(duty_id) == services.patrols.overrides(record.id)


def test_a_patrol_moved_to_when_a_person_is_free_drops_their_old_reason_on_its_duty(services: Services,
                                                                                  crewed) -> None:
    """Moved to a time the person is available, the patrol's place dropped its override but the duty kept
    "swapped shifts" for a rule no longer broken; the reason goes from both, and stays in the audit log."""
    duty_id, officer, special = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    late = services.people.add(PersonInput(name="SC Late Only", role="special", independent_patrol=True)).id
    services.people.set_weekly(late, [WeeklySlotInput(d, "20:00", "23:30") for d in range(7)])
    crew = [officer, special, late]
    services.patrols.update(record.id, PatrolInput(
        day=DAY, start="18:00", end="22:00", area="Maldon", purpose="general_rural_patrol", title=record.title,
        crew=crew), override_reason="swapped shifts")
    assert services.roster.overrides(duty_id) == [("SC Late Only", "swapped shifts", ["unavailable"])]
    _, issues = services.patrols.update(record.id, PatrolInput(
        day=DAY, start="20:00", end="23:00", area="Maldon", purpose="general_rural_patrol", title=record.title,
        crew=crew), override_reason="")
    assert not [i for i in issues if i.person_id == late]
    assert services.patrols.overrides(record.id) == []
    assert services.roster.overrides(duty_id) == []
    assert services.roster.override_reasons(duty_id) == {}
    assert times.format_local(times.to_storage(services.roster.duty(duty_id).start)) == "2026-12-07 20:00"
    logged = " ".join(str(e.changes) for e in services.audit.entries() if e.table == "duty_assignments")
    assert "swapped shifts" in logged
    # Not moved (only the crew changed), a reason recorded on the duty stays.
    services.patrols.update(record.id, PatrolInput(
        day=DAY, start="18:00", end="22:00", area="Maldon", purpose="general_rural_patrol", title=record.title,
        crew=crew), override_reason="asked again")
    services.patrols.update(record.id, PatrolInput(
        day=DAY, start="18:00", end="22:00", area="Maldon", purpose="general_rural_patrol", title=record.title,
        crew=[officer, late]), override_reason="")
    assert [r for _, r, _ in services.roster.overrides(duty_id)] == ["asked again"]


def test_cancelling_the_duty_calls_off_its_patrol_unless_it_ran(services: Services, crewed) -> None:
    duty_id, _, _ = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    services.roster.set_status(duty_id, "cancelled")
    assert services.patrols.get(record.id).status == "cancelled"
    running_duty = _duty(services, day=date(2026, 12, 5))
    services.roster.assign(running_duty, crewed[1])
    running, _ = services.patrols.plan_from_duty(running_duty)
    services.patrols.start(running.id, "2026-12-05 18:00")
    with pytest.raises(ValidationError, match="its patrol is in progress"):
        services.roster.set_status(running_duty, "cancelled")
    assert services.roster.duty(running_duty).status == "planned"


def test_an_override_given_on_the_duty_stands_for_the_patrol(services: Services) -> None:
    officer = _person(services, "PC Olive Oak", "officer")
    late = services.people.add(PersonInput(name="SC Dawn Only", role="special", independent_patrol=True)).id
    duty_id = _duty(services)
    services.roster.assign(duty_id, officer)
    services.roster.assign(duty_id, late, override_reason="agreed with the sergeant")
    record, issues = services.patrols.plan_from_duty(duty_id)
    assert dict((n, r) for n, r, _ in services.patrols.overrides(record.id)) == {
        "SC Dawn Only": "agreed with the sergeant"}
    # Someone who was free when assigned and is away now breaks the rule unexplained: asked for a reason, in a
    # patrol's words, and nothing is kept.
    evening = _person(services, "SC Evening", "special", independent_patrol=True)
    second = _duty(services, day=date(2026, 12, 9))
    services.roster.assign(second, evening)
    services.people.set_weekly(evening, [])
    with pytest.raises(RuleBreachError, match="Give a reason to override"):
        services.patrols.plan_from_duty(second)
    assert services.roster.duty(second).patrol_id is None
    with_reason, _ = services.patrols.plan_from_duty(second, override_reason="swapped shifts")
    assert [r for _, r, _ in services.patrols.overrides(with_reason.id)] == ["swapped shifts"]
    assert not [i for i in issues if i.severity == "error"]


# --- the hours rule, for any statuses and times ---------------------------------------------------------------

STATUSES = ("planned", "briefed", "in_progress", "completed", "cancelled")


@settings(max_examples=200, deadline=None)
@given(duty_status=st.sampled_from(("planned", "completed", "cancelled")), patrol_status=st.sampled_from(STATUSES),
       patrol_deleted=st.booleans(), linked=st.booleans(), planned_h=st.integers(1, 12),
       logged_min=st.integers(1, 14 * 60), recorded=st.none() | st.floats(0.5, 12))
def test_a_duty_and_its_patrol_never_count_twice(duty_status: str, patrol_status: str, patrol_deleted: bool,
                                                  linked: bool, planned_h: int, logged_min: int,
                                                  recorded: float | None) -> None:
    start = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    stored = times.to_storage
    from datetime import timedelta

    duty = {"id": "d", "kind": "joint_patrol", "starts_at": stored(start),
            "ends_at": stored(start + timedelta(hours=planned_h)), "status": duty_status,
            "patrol_id": "p" if linked else None}
    patrols = [] if patrol_deleted else [{
        "id": "p", "status": patrol_status, "starts_at": stored(start), "ends_at": stored(start + timedelta(hours=4)),
        "started_at": stored(start), "ended_at": stored(start + timedelta(minutes=logged_min))}]
    worked = worked_hours([duty], [{"duty_id": "d", "person_id": "sc", "hours": recorded}], patrols,
                          [{"patrol_id": "p", "person_id": "sc"}], ["sc"])
    patrol_done = not patrol_deleted and patrol_status == "completed"
    duty_hours = recorded if recorded is not None else float(planned_h)
    patrol_hours = logged_min / 60
    if linked:  # one piece of work: the patrol's hours once it is completed, else the completed duty's, never both
        expected = [patrol_hours] if patrol_done else [duty_hours] if duty_status == "completed" else []
    else:  # two pieces of work: each counts on its own
        expected = ([duty_hours] if duty_status == "completed" else []) + ([patrol_hours] if patrol_done else [])
    assert sorted(w.hours for w in worked) == pytest.approx(sorted(round(h, 2) for h in expected))


def _planned(services: Services) -> dict[str, float]:
    by_person = services.hours.summary("2026-12", "2026-12").by_person
    return {str(k): float(v) for k, v in by_person.set_index("name")["planned"].items() if v}


def test_a_duty_whose_patrol_was_called_off_still_counts_as_planned_hours(services: Services, crewed) -> None:
    """The Hours tab's 'planned' lost the duty: its patrol cancelled (or deleted) while the duty stayed planned, to
    be planned again, and neither the duty (linked) nor the patrol (not open) was counted."""
    duty_id, _, _ = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    assert _planned(services) == {"SC Sam Reed": 4.0}  # through the patrol, once
    services.patrols.cancel(record.id)
    assert services.roster.duty(duty_id).status == "planned"
    assert _planned(services) == {"SC Sam Reed": 4.0}  # through the duty now
    again, _ = services.patrols.plan_from_duty(duty_id)
    services.patrols.delete(again.id)
    assert _planned(services) == {"SC Sam Reed": 4.0}


def test_a_duty_completed_while_its_patrol_is_planned_counts_once_as_worked(services: Services, crewed) -> None:
    """Marked completed while its patrol was still planned, the duty counted as hours given and the patrol's planned
    hours as well, 4 h twice, until the patrol ended."""
    duty_id, _, _ = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    services.roster.set_status(duty_id, "completed")
    assert services.patrols.get(record.id).status == "planned"
    assert _hours(services) == {"PC Olive Oak": 4.0, "SC Sam Reed": 4.0}
    assert _planned(services) == {}
    services.patrols.start(record.id, "2026-12-07 18:30")  # running: still the duty's, once
    assert _planned(services) == {}
    services.patrols.end(record.id, "2026-12-07 21:30")
    assert _hours(services) == {"PC Olive Oak": 3.0, "SC Sam Reed": 3.0} and _planned(services) == {}


def test_deleting_the_duty_calls_off_its_patrol_as_cancelling_does(services: Services, crewed) -> None:
    """A deleted duty left its planned patrol in everyone's list, crewed for a commitment no longer rostered."""
    duty_id, _, _ = crewed
    record, _ = services.patrols.plan_from_duty(duty_id)
    services.roster.delete_duty(duty_id)
    assert services.patrols.get(record.id).status == "cancelled"
