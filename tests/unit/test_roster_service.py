"""People, duties, assignments under the rules, auto-fill, calendars and hours, through the services."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.services.container import Services
from ruralwatch.services.roster import RuleBrokenError
from ruralwatch.store import Store

MONDAY = date(2026, 12, 7)


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


def _special(services: Services, name: str, skills: tuple[str, ...] = (), evenings: bool = True) -> str:
    person = services.people.add(PersonInput(name=name, role="special", skills=list(skills), station="Maldon"))
    if evenings:
        services.people.set_weekly(person.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    return person.id


def _duty(services: Services, day: int = 7, needs: dict[str, int] | None = None, min_crew: int = 1,
          start: str = "18:00", end: str = "22:00") -> str:
    return services.roster.add_duty(DutyInput(
        title="Evening patrol", kind="joint_patrol", start=f"2026-12-{day:02d} {start}",
        end=f"2026-12-{day:02d} {end}", station="Maldon", required_skills=needs or {}, min_crew=min_crew,
        max_crew=max(2, min_crew),
    )).id


def test_a_bad_person_names_every_field_and_stores_nothing(services: Services) -> None:
    with pytest.raises(ValidationError) as caught:
        services.people.add(PersonInput(name=" ", role="chief", skills=["juggling"], phone="call me",
                                        monthly_commitment_hours="lots"))
    assert {e.field for e in caught.value.errors} == {"name", "role", "skills", "phone", "monthly_commitment_hours"}
    assert services.people.list() == []


def test_a_special_gets_the_default_commitment_and_rank(services: Services) -> None:
    person = services.people.add(PersonInput(name="Sam  Reed", role="special"))
    assert (person.name, person.rank, person.monthly_commitment_hours) == ("Sam Reed", "sc", 16.0)
    assert services.people.find("sam reed").id == person.id


def test_assigning_outside_availability_is_refused_then_allowed_with_a_recorded_reason(services: Services) -> None:
    person = _special(services, "Dawn Only", evenings=False)
    duty = _duty(services)
    with pytest.raises(RuleBrokenError) as caught:
        services.roster.assign(duty, person)
    assert [b.rule for b in caught.value.breaches] == ["unavailable"]
    assert services.roster.duty(duty).crew == ()
    services.roster.assign(duty, person, override_reason="Agreed by phone with the coordinator")
    assert services.roster.overrides(duty) == [("Dawn Only", "Agreed by phone with the coordinator", ["unavailable"])]


def test_double_booking_is_caught_across_duties(services: Services) -> None:
    person = _special(services, "Busy Bee")
    first, second = _duty(services), _duty(services, start="20:00", end="23:00")
    services.roster.assign(first, person)
    assert "double_booked" in [b.rule for b in services.roster.check(second, person)]


def test_autofill_fills_skill_places_first_and_reports_gaps(services: Services) -> None:
    driver = _special(services, "Off Roader", skills=("off_road",))
    _special(services, "Plain Special")
    needs_driver = _duty(services, needs={"off_road": 1}, min_crew=1)
    short = _duty(services, day=8, min_crew=3)
    outcome = services.roster.autofill(MONDAY, date(2026, 12, 8))
    crew = {d: [pid for pid, _ in services.roster.duty(d).crew] for d in (needs_driver, short)}
    assert crew[needs_driver] == [driver]
    assert len(crew[short]) == 2
    assert [(g[0].id, g[1]) for g in outcome.gaps] == [(short, 1)]


def test_autofill_dry_run_changes_nothing(services: Services) -> None:
    _special(services, "Someone")
    duty = _duty(services)
    outcome = services.roster.autofill(MONDAY, MONDAY, apply=False)
    assert len(outcome.assignments) == 1
    assert services.roster.duty(duty).crew == ()


def test_calendar_of_a_person_parses_back_with_uk_times(services: Services) -> None:
    person = _special(services, "Cal Endar")
    duty = _duty(services)
    services.roster.assign(duty, person)
    data = services.roster.calendar(MONDAY, MONDAY, person_id=person)
    events = [c for c in icalendar.Calendar.from_ical(data).walk("VEVENT")]
    assert len(events) == 1
    assert events[0]["DTSTART"].dt.isoformat() == "2026-12-07T18:00:00+00:00"
    assert "Cal Endar" in str(events[0]["DESCRIPTION"])


def test_hours_count_completed_duties_against_commitment(services: Services) -> None:
    busy, idle = _special(services, "Busy"), _special(services, "Idle")
    duty = services.roster.add_duty(DutyInput(title="Evening patrol", kind="joint_patrol", start="2026-10-07 18:00",
                                              end="2026-10-07 22:00")).id
    services.roster.assign(duty, busy, override_reason="recorded afterwards")
    services.roster.set_status(duty, "completed")
    summary = services.hours.summary("2026-10", "2026-12")
    rows = {(r.name, r.month): (r.hours, r.commitment, bool(r.below)) for r in summary.by_person.itertuples()}
    assert rows[("Busy", "2026-10")] == (4.0, 16.0, True)
    assert rows[("Idle", "2026-10")] == (0.0, 16.0, True)
    # The months still running or to come are not judged yet.
    assert not any(below for (_, month), (_, _, below) in rows.items() if month >= "2026-11")
    assert summary.by_kind.to_dict(orient="records") == [{"kind": "joint_patrol", "hours": 4.0}]
    assert idle


def test_someone_on_a_duty_cannot_be_deleted_only_marked_left(services: Services) -> None:
    person = _special(services, "Leaver")
    services.roster.assign(_duty(services), person)
    with pytest.raises(ValidationError):
        services.people.remove(person)
    assert services.people.mark_left(person, MONDAY).active is False
    assert "inactive" in [b.rule for b in services.roster.check(_duty(services, day=9), person)]
