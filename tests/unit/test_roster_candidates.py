"""Who may be put on a duty ("Assign someone", `duty candidates`), and why the others may not, in few words; and
auto-fill saying why those below their commitment got no more (the same words)."""

from __future__ import annotations

from datetime import date

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.services.container import Services
from ruralwatch.store import Store


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


def _person(services: Services, name: str, role: str = "special", station: str = "Maldon") -> str:
    person = services.people.add(PersonInput(name=name, role=role, station=station))
    services.people.set_weekly(person.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    return person.id


def _duty(services: Services, day: int, roles: list[str] | None = None, max_crew: int = 2) -> str:
    return services.roster.add_duty(DutyInput(
        title=f"Evening patrol {day}", kind="joint_patrol", start=f"2026-12-{day:02d} 18:00",
        end=f"2026-12-{day:02d} 22:00", station="Maldon", allowed_roles=roles or ["officer", "special"],
        max_crew=max_crew,
    )).id


def test_free_people_come_first_and_the_others_say_why_not(services: Services) -> None:
    on_it = _person(services, "Ann On-it")
    away = _person(services, "Bea Away")
    busy = _person(services, "Cal Busy")
    volunteer = _person(services, "Dee Volunteer", role="volunteer")
    elsewhere = _person(services, "Eve Elsewhere", station="Braintree")
    free = _person(services, "Zac Free")
    services.people.add_exceptions(away, "2026-12-03", "2026-12-09", "away")
    duty = _duty(services, 5)
    services.roster.assign(duty, on_it)
    services.roster.assign(_other(services), busy)

    found = services.roster.candidates(duty)

    assert on_it not in [c.person_id for c in found]  # already on it: not offered
    # Free first, most owed this month first, then fewest duties, then by name (not by station: Eve from Braintree
    # owes as much as Zac from Maldon), then the others by name, each with its reason.
    assert [(c.name, c.free) for c in found] == [
        ("Eve Elsewhere", True), ("Zac Free", True), ("Bea Away", False), ("Cal Busy", False),
        ("Dee Volunteer", False),
    ]
    why = {c.person_id: c.why_not for c in found}
    assert why[away] == "away 3–9 Dec"
    assert why[busy] == "on another duty then"
    assert why[volunteer] == "role not allowed on this duty"
    assert why[free] == why[elsewhere] == ""
    # The same rules as assigning: everyone listed free is assigned without a reason.
    assert services.roster.check(duty, free) == [] and services.roster.check(duty, elsewhere) == []


def _other(services: Services) -> str:
    return services.roster.add_duty(DutyInput(
        title="Farm watch", kind="joint_patrol", start="2026-12-05 19:00", end="2026-12-05 21:00",
        station="Maldon")).id


def test_a_refused_assignment_says_the_words_the_list_shows(services: Services) -> None:
    away = _person(services, "Bea Away")
    services.people.add_exceptions(away, "2026-12-03", "2026-12-09", "away")
    duty = _duty(services, 5)
    with pytest.raises(RuleBreachError) as caught:
        services.roster.assign(duty, away)
    assert str(caught.value).startswith("not free (away 3–9 Dec): Bea Away is away on Sat 5 Dec")
    assert services.roster.duty(duty).crew == ()


def test_autofill_says_why_specials_below_commitment_got_nothing(services: Services) -> None:
    """RET officers got every Saturday night at Maldon while the Maldon Specials had 0 of 16 h: right (the Specials
    were not free then), but nothing said so."""
    officer = services.people.add(PersonInput(name="Ray Officer", role="officer", station="Maldon",
                                              monthly_commitment_hours=0))
    services.people.set_weekly(officer.id, [WeeklySlotInput(5, "17:00", "23:30")])
    weekdays = services.people.add(PersonInput(name="Wes Weekdays", role="special", station="Maldon"))
    services.people.set_weekly(weekdays.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(5)])
    holiday = _person(services, "Hal Holiday")
    services.people.add_exceptions(holiday, "2026-12-01", "2026-12-31", "away")
    saturdays = [_duty(services, day) for day in (5, 12, 19)]

    outcome = services.roster.autofill(date(2026, 12, 1), date(2026, 12, 31), apply=False)

    assert {(d.id, pid) for d, pid, _ in outcome.assignments} == {(d, officer.id) for d in saturdays}
    below = {name: (b.hours, b.commitment, b.reasons) for b, name in outcome.below}
    assert below == {
        "Wes Weekdays": (0.0, 16.0, ("not available Sat 18:00–22:00 (3 duties)",)),
        "Hal Holiday": (0.0, 16.0, ("away 1–31 Dec (3 duties)",)),
    }
    assert "Ray Officer" not in below  # no commitment: never "below"
    assert outcome.to_dict()["below_commitment"][0]["reasons"]


@pytest.mark.parametrize("status", ["cancelled", "completed"])
def test_no_candidates_are_listed_for_a_duty_nobody_can_be_put_on(services: Services, status: str) -> None:
    # `duty candidates` listed "3 of 40 people free to take it" for a cancelled duty that assign then refused.
    _person(services, "Zac Free")
    duty = _duty(services, 5)
    services.roster.set_status(duty, status)
    with pytest.raises(ValidationError, match=f"the duty is {status}: nobody can be put on it"):
        services.roster.candidates(duty)
