"""Auto-fill: fair choices on small hand-checked rosters, gaps explained, and properties on random rosters."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core.times import LOCAL_ZONE
from ruralwatch.rostering.autofill import Assignment, AutofillResult, Gap, autofill
from ruralwatch.rostering.model import (
    AvailabilityException,
    Commitment,
    Duty,
    RosterRules,
    Volunteer,
    WeeklySlot,
)
from ruralwatch.rostering.rules import check_assignment, locality, skill_shortfall

ALL_DAY = tuple(WeeklySlot(day, time(0), time(0)) for day in range(7))
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
SAT = date(2026, 11, 14)
RULES = RosterRules()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_ZONE)


def person(pid: str, **changes: object) -> Volunteer:
    values: dict[str, object] = {"id": pid, "name": pid.title(), "role": "special", "weekly": ALL_DAY}
    values.update(changes)
    return Volunteer(**values)  # type: ignore[arg-type]


def duty(did: str, start: datetime, hours: float = 4, **changes: object) -> Duty:
    values: dict[str, object] = {
        "id": did, "title": did.title(), "kind": "joint_patrol", "start": start,
        "end": start.astimezone(UTC) + timedelta(hours=hours), "min_crew": 1, "max_crew": 2,
    }
    values.update(changes)
    return Duty(**values)  # type: ignore[arg-type]


def worked(pid: str, hours: float, day: date = date(2026, 11, 2), source: str | None = None) -> Commitment:
    start = at(day, 8)
    return Commitment(pid, start, start.astimezone(UTC) + timedelta(hours=hours), source or f"patrol-{pid}-{day}")


def fill(volunteers: list[Volunteer], duties: list[Duty], commitments: list[Commitment] | None = None,
         existing: dict[str, list[str]] | None = None, rules: RosterRules = RULES) -> AutofillResult:
    return autofill(volunteers, duties, existing or {}, commitments or [], rules, NOV_1, NOV_30)


def pairs(result: AutofillResult) -> list[tuple[str, str]]:
    return [(a.duty_id, a.person_id) for a in result.assignments]


# --- fairness ----------------------------------------------------------------------------------------------------


def test_the_person_furthest_below_commitment_gets_the_duty() -> None:
    people = [person("ann"), person("ben"), person("cat")]
    done = [worked("ann", 10), worked("ben", 2), worked("cat", 6)]
    result = fill(people, [duty("d1", at(SAT, 18))], done)
    assert pairs(result) == [("d1", "ben")]
    assert result.gaps == ()


def test_commitment_size_matters_not_just_hours() -> None:
    # Ann has worked more but promised 32 h a month: 22 h below; Ben 14 h below.
    people = [person("ann", monthly_commitment_hours=32.0), person("ben")]
    result = fill(people, [duty("d1", at(SAT, 18))], [worked("ann", 10), worked("ben", 2)])
    assert pairs(result) == [("d1", "ann")]


def test_ties_go_to_fewer_duties_then_id() -> None:
    people = [person("cat"), person("ben"), person("ann")]
    two_short = [worked("ann", 2, date(2026, 11, 2)), worked("ann", 2, date(2026, 11, 3))]
    result = fill(people, [duty("d1", at(SAT, 18))], [*two_short, worked("ben", 4), worked("cat", 4)])
    assert pairs(result) == [("d1", "ben")]  # ben and cat have one duty each; ann two; ben < cat
    assert pairs(fill(people, [duty("d1", at(SAT, 18))])) == [("d1", "ann")]


def test_deficits_are_recomputed_after_each_assignment() -> None:
    people = [person("ann"), person("ben")]
    duties = [duty("d1", at(SAT, 8)), duty("d2", at(SAT + timedelta(days=2), 8))]
    result = fill(people, duties, [worked("ben", 1)])
    assert sorted(pairs(result)) == [("d1", "ann"), ("d2", "ben")]


def test_a_scarce_skill_holder_goes_where_only_they_can() -> None:
    # Dee (the only drone pilot) is furthest below commitment, and the 11 h rest lets her do only one of the
    # two Saturday duties; start order would give her the morning and leave the drone duty empty.
    people = [person("dee", skills=frozenset({"drone"})), person("eve")]
    duties = [duty("morning", at(SAT, 8)), duty("drone", at(SAT, 16), required_skills={"drone": 1})]
    result = fill(people, duties, [worked("eve", 4)])
    assert sorted(pairs(result)) == [("drone", "dee"), ("morning", "eve")]
    assert result.gaps == ()


def test_skilled_places_are_filled_first() -> None:
    people = [person("ann"), person("ben", skills=frozenset({"off_road"})), person("cat")]
    four_by_four = duty("d1", at(SAT, 18), min_crew=2, max_crew=2, required_skills={"off_road": 1})
    result = fill(people, [four_by_four], [worked("ben", 8), worked("cat", 4)])
    assert pairs(result) == [("d1", "ben"), ("d1", "ann")]


def _week_by_week(volunteers: list[Volunteer], duties: list[Duty], commitments: list[Commitment],
                  weeks: list[tuple[date, date]], rules: RosterRules = RULES) -> list[Assignment]:
    """Fill each period in turn, as a coordinator does: each fill sees the assignments of the ones before."""
    held, crew, made = list(commitments), defaultdict[str, list[str]](list), []
    by_id = {d.id: d for d in duties}
    for first, last in weeks:
        result = autofill(volunteers, duties, dict(crew), held, rules, first, last)
        for a in result.assignments:
            on = by_id[a.duty_id]
            held.append(Commitment(a.person_id, on.start, on.end, on.id))
            crew[a.duty_id].append(a.person_id)
        made += result.assignments
    return made


def test_a_fortnight_filled_week_by_week_is_shared_as_if_filled_at_once() -> None:
    # Two evening duties a week for three Specials with the same commitment: each weekly fill started everyone
    # from nothing, so the first two by id got all four duties and Cat none.
    people = [person("ann"), person("ben"), person("cat")]
    mon = date(2026, 11, 9)
    duties = [duty(f"d{n}", at(mon + timedelta(days=day), 18)) for n, day in enumerate((1, 5, 8, 12))]
    weekly = _week_by_week(people, duties, [], [(mon, mon + timedelta(days=6)),
                                                (mon + timedelta(days=7), mon + timedelta(days=13))])
    at_once = autofill(people, duties, {}, [], RULES, mon, mon + timedelta(days=13)).assignments
    count = Counter(a.person_id for a in weekly)
    assert count == Counter(a.person_id for a in at_once) == {"ann": 2, "ben": 1, "cat": 1}


def test_hours_earlier_in_the_month_count_when_filling_a_later_week() -> None:
    # Ann did 10 h on 2 November; filling the week of the 9th, Ben is the one below his commitment.
    people = [person("ann"), person("ben")]
    result = autofill(people, [duty("d1", at(date(2026, 11, 10), 18))], {}, [worked("ann", 10)], RULES,
                      date(2026, 11, 9), date(2026, 11, 15))
    assert pairs(result) == [("d1", "ben")]


def test_duties_already_assigned_later_in_the_month_count() -> None:
    # Week 3 was filled first: Ann is on two duties then, so the week 1 duty goes to Ben.
    people = [person("ann"), person("ben")]
    later = [worked("ann", 4, date(2026, 11, 17), "w3a"), worked("ann", 4, date(2026, 11, 19), "w3b")]
    result = autofill(people, [duty("d1", at(date(2026, 11, 3), 18))], {}, later, RULES,
                      date(2026, 11, 2), date(2026, 11, 8))
    assert pairs(result) == [("d1", "ben")]


def test_another_months_hours_do_not_count() -> None:
    # Ann's busy October is October's, even in a fill across the turn of the month: November's duty sees both
    # start the month from nothing, and Ann is first by id.
    people = [person("ann"), person("ben")]
    october = [worked("ann", 12, date(2026, 10, 30))]
    result = autofill(people, [duty("d1", at(date(2026, 11, 2), 18))], {}, october, RULES,
                      date(2026, 10, 26), date(2026, 11, 8))
    assert pairs(result) == [("d1", "ann")]


def test_hours_logged_count_instead_of_the_planned_length() -> None:
    # Ann's 8-hour duty was stood down after 1 hour (logged); Ben did a full 4 hours.
    people = [person("ann"), person("ben")]
    logged = [Commitment("ann", at(date(2026, 11, 2), 8), at(date(2026, 11, 2), 16), "done-a", hours=1.0),
              worked("ben", 4)]
    assert pairs(fill(people, [duty("d1", at(SAT, 18))], logged)) == [("d1", "ann")]


# --- locality -----------------------------------------------------------------------------------------------

DUNMOW = {"station": "Great Dunmow", "area": "Uttlesford"}
WALDEN = {"station": "Saffron Walden", "area": "Uttlesford"}
MALDON = {"station": "Maldon", "area": "Maldon"}


def test_a_local_volunteer_is_sent_before_one_further_below_commitment() -> None:
    # Mal (Maldon) is furthest below commitment, but Dev is free at Great Dunmow itself.
    people = [person("mal", **MALDON), person("dev", **DUNMOW)]
    result = fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("dev", 6)])
    assert pairs(result) == [("d1", "dev")]


def test_same_area_comes_before_another_district() -> None:
    people = [person("mal", **MALDON), person("sam", **WALDEN)]
    result = fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("sam", 6)])
    assert pairs(result) == [("d1", "sam")]


def test_names_match_whatever_the_case_and_spacing() -> None:
    people = [person("mal", **MALDON), person("dev", station=" great  dunmow", area="")]
    assert pairs(fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("dev", 6)])) == [("d1", "dev")]


def test_fairness_decides_between_people_of_the_same_station() -> None:
    people = [person("ann", **DUNMOW), person("ben", **DUNMOW), person("mal", **MALDON)]
    result = fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("ann", 6), worked("ben", 2)])
    assert pairs(result) == [("d1", "ben")]


def test_someone_further_away_when_no_local_person_may_go() -> None:
    # Dev is away, so the place goes to the nearest who may: Sam (same district) before Mal.
    away = (AvailabilityException(SAT, "away"),)
    people = [person("dev", exceptions=away, **DUNMOW), person("mal", **MALDON), person("sam", **WALDEN)]
    duties = [duty("d1", at(SAT, 18), min_crew=2, max_crew=2, **DUNMOW)]
    assert pairs(fill(people, duties, [worked("sam", 6)])) == [("d1", "sam"), ("d1", "mal")]


def test_a_person_with_no_station_recorded_comes_after_local_people() -> None:
    people = [person("nob"), person("dev", **DUNMOW)]
    assert pairs(fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("dev", 6)])) == [("d1", "dev")]


def test_a_duty_with_no_place_is_local_to_everyone() -> None:
    people = [person("mal", **MALDON), person("dev", **DUNMOW)]
    assert pairs(fill(people, [duty("d1", at(SAT, 18))], [worked("dev", 6)])) == [("d1", "mal")]


def test_a_duty_naming_only_its_area_treats_the_area_as_home() -> None:
    people = [person("mal", **MALDON), person("sam", **WALDEN)]
    area_only = duty("d1", at(SAT, 18), area="Uttlesford")
    assert pairs(fill(people, [area_only], [worked("sam", 6)])) == [("d1", "sam")]
    assert locality(people[1], area_only) == 0


def test_a_local_skill_holder_is_preferred_for_the_skilled_place() -> None:
    people = [person("mal", skills=frozenset({"off_road"}), **MALDON),
              person("dev", skills=frozenset({"off_road"}), **DUNMOW), person("sam", **WALDEN)]
    four_by_four = duty("d1", at(SAT, 18), min_crew=2, max_crew=2, required_skills={"off_road": 1}, **DUNMOW)
    result = fill(people, [four_by_four], [worked("dev", 8), worked("sam", 4)])
    assert pairs(result) == [("d1", "dev"), ("d1", "sam")]


def test_local_people_share_their_stations_duties_fairly() -> None:
    # Four evening duties at Great Dunmow over a week: its three people take them in turn, nobody from Maldon.
    people = [person("ann", **DUNMOW), person("ben", **DUNMOW), person("cat", **DUNMOW), person("mal", **MALDON)]
    duties = [duty(f"d{n}", at(date(2026, 11, 9) + timedelta(days=n), 18), **DUNMOW) for n in range(4)]
    result = fill(people, duties)
    chosen = [pid for _, pid in pairs(result)]
    assert sorted(chosen) == ["ann", "ann", "ben", "cat"]
    assert "mal" not in chosen


def test_a_district_volunteer_further_below_commitment_goes_before_the_station_one() -> None:
    # Dev (Great Dunmow itself) is 6 h below his commitment, Sam (Saffron Walden, same district) 14 h: Sam goes.
    # The strict tiers had sent Dev whatever his hours.
    people = [person("dev", **DUNMOW), person("sam", **WALDEN), person("mal", **MALDON)]
    result = fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("dev", 10), worked("sam", 2)])
    assert pairs(result) == [("d1", "sam")]


def test_the_duty_s_own_station_breaks_a_tie_in_the_district() -> None:
    people = [person("ann", **WALDEN), person("dev", **DUNMOW)]
    assert pairs(fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("ann", 4), worked("dev", 4)])) == [
        ("d1", "dev")]


def test_someone_with_no_commitment_goes_after_every_local_person_below_theirs() -> None:
    # Ian (a regular officer at the station, no commitment) owes no hours: Sam, 15 h below in the district, goes.
    people = [person("ian", role="officer", monthly_commitment_hours=0.0, **DUNMOW), person("sam", **WALDEN)]
    assert pairs(fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("sam", 1)])) == [("d1", "sam")]
    # Once Sam has met his, Ian (no hours yet beyond a commitment he does not have) goes before Sam does more.
    assert pairs(fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("sam", 16)])) == [("d1", "ian")]


def test_beyond_commitment_the_fewest_hours_beyond_go_first() -> None:
    people = [person("ann", **DUNMOW), person("ben", monthly_commitment_hours=8.0, **WALDEN)]
    result = fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("ann", 20), worked("ben", 10)])
    assert pairs(result) == [("d1", "ben")]  # ben 2 h beyond his 8, ann 4 h beyond her 16


def test_people_from_elsewhere_only_when_no_local_person_may_go_even_below_commitment() -> None:
    # Mal is 16 h below and Dev already 4 h beyond: Dev is local, so Dev goes (nearness decides the pool).
    people = [person("mal", **MALDON), person("dev", **DUNMOW)]
    assert pairs(fill(people, [duty("d1", at(SAT, 18), **DUNMOW)], [worked("dev", 20)])) == [("d1", "dev")]


def _october_walk() -> tuple[list[Volunteer], list[Duty]]:
    """The new-user walk: fresh data, 9 people, 16 October evening duties, most at Great Dunmow."""
    evenings = tuple(WeeklySlot(d, time(17), time(23, 30)) for d in range(7))
    weekends = tuple(WeeklySlot(d, time(5), time(23, 30)) for d in (5, 6))
    free = evenings + weekends
    people = [
        person("dev", monthly_commitment_hours=16.0, weekly=free, **DUNMOW),
        person("ian", role="officer", monthly_commitment_hours=0.0, weekly=free, **DUNMOW),
        person("tom", monthly_commitment_hours=12.0, weekly=free, **WALDEN),
        person("amira", monthly_commitment_hours=20.0, weekly=free, **WALDEN),
        person("mal", weekly=free, **MALDON),
        person("cat", weekly=free, station="Chelmsford", area="Chelmsford"),
        person("bea", role="volunteer", monthly_commitment_hours=8.0, weekly=weekends, station="Braintree",
               area="Braintree"),
        person("ola", role="volunteer", monthly_commitment_hours=0.0, weekly=weekends, **WALDEN),
        person("raj", role="officer", monthly_commitment_hours=0.0, weekly=evenings, **MALDON),
    ]
    days = [d for d in (date(2026, 10, 1) + timedelta(days=n) for n in range(31)) if d.weekday() in (1, 2, 4, 5)][:16]
    duties = [duty(f"oct{n:02}", at(day, 18), hours=5, allowed_roles=frozenset({"officer", "special"}),
                   **(WALDEN if n % 4 == 3 else DUNMOW)) for n, day in enumerate(days)]
    return people, duties


def test_the_walk_s_october_is_shared_across_the_district() -> None:
    # The strict tiers gave Dev 40 h of his 16, the regular officer at his station 20 h, and Tom (12 h) and
    # Amira (20 h), in the same district, 5 h and 15 h. Now everyone local meets their commitment, and the hours
    # beyond it are shared: Amira 10, Dev 9, Tom 8, the officer 5.
    people, duties = _october_walk()
    result = autofill(people, duties, {}, [], RULES, date(2026, 10, 1), date(2026, 10, 31))
    assert result.gaps == ()
    by_id = {d.id: d for d in duties}
    hours: Counter[str] = Counter()
    for a in result.assignments:
        if a.person_id == "ian":  # the officer only once every Uttlesford Special had met their commitment
            assert hours["dev"] >= 16 and hours["tom"] >= 12 and hours["amira"] >= 20, hours
        hours[a.person_id] += by_id[a.duty_id].hours
    assert hours == {"amira": 30, "dev": 25, "tom": 20, "ian": 5}
    # Nobody from elsewhere while the district had people free.
    assert not {"mal", "cat", "bea", "raj"} & set(hours)


def test_max_reach_keeps_people_in_their_area() -> None:
    people = [person("mal", **MALDON), person("nob")]
    dunmow = duty("d1", at(SAT, 18), **DUNMOW)
    anywhere = fill([people[0]], [dunmow])
    assert pairs(anywhere) == [("d1", "mal")]
    in_area = fill([people[0]], [dunmow], rules=RosterRules(max_reach="area"))
    assert (in_area.assignments, in_area.gaps) == ((), (Gap("d1", 1, ("1 too far from home",)),))
    # Someone whose home is not recorded is not held back by the limit.
    assert pairs(fill(people, [dunmow], rules=RosterRules(max_reach="station"))) == [("d1", "nob")]


def test_max_reach_station_refuses_another_station_of_the_same_area() -> None:
    sam = person("sam", **WALDEN)
    dunmow = duty("d1", at(SAT, 18), **DUNMOW)
    assert pairs(fill([sam], [dunmow], rules=RosterRules(max_reach="area"))) == [("d1", "sam")]
    breaches = check_assignment(sam, dunmow, [], RosterRules(max_reach="station"))
    assert [b.rule for b in breaches] == ["distance"]
    assert breaches[0].message == ("Sam is based at Saffron Walden and D1 is at Great Dunmow, Uttlesford: people are "
                                   "sent no further than their own station")


def test_an_unknown_reach_is_refused() -> None:
    with pytest.raises(ValueError, match="max_reach"):
        RosterRules(max_reach="county")


# --- hard rules and gaps ----------------------------------------------------------------------------------------


def test_never_double_books_and_explains_the_gap() -> None:
    people = [person("ann"), person("ben", weekly=()), person("cat", weekly=()), person("dan", active=False)]
    busy = Commitment("ann", at(SAT, 17), at(SAT, 20), "patrol-1")
    result = fill(people, [duty("d1", at(SAT, 18))], [busy])
    assert (result.assignments, result.gaps) == ((), (Gap("d1", 1, ("2 unavailable, 1 double-booked",)),))
    # Those below their commitment are told why, in the words the list of people uses.
    assert {b.person_id: b.reasons for b in result.below} == {
        "ann": ("on another duty then (1 duty)",), "ben": ("no availability recorded (1 duty)",),
        "cat": ("no availability recorded (1 duty)",)}


def test_the_times_someone_is_not_available_at_are_one_reason() -> None:
    """Five "not available <time> (4 duties)" phrases for each Special under commitment made the proposal's Why
    column a paragraph of the same words: the times are listed in one reason, most duties first."""
    mornings = (WeeklySlot(SAT.weekday(), time(6), time(12)),)
    sun = SAT + timedelta(days=1)
    duties = [duty("sat1", at(SAT, 18)), duty("sat2", at(SAT + timedelta(days=7), 18)), duty("sun", at(sun, 19))]
    result = fill([person("ann", weekly=mornings, monthly_commitment_hours=16)], duties)
    assert {b.person_id: b.reasons for b in result.below} == {
        "ann": ("not available at their times: Sat 18:00–22:00, Sun 19:00–23:00 (3 duties)",)}
    # One time only: said as before.
    result = fill([person("ann", weekly=mornings, monthly_commitment_hours=16)], duties[:2])
    assert {b.person_id: b.reasons for b in result.below} == {"ann": ("not available Sat 18:00–22:00 (2 duties)",)}


def test_a_missing_skill_is_named() -> None:
    people = [person("ann"), person("ben")]
    drone = duty("d1", at(SAT, 18), min_crew=2, max_crew=2, required_skills={"drone": 1})
    result = fill(people, [drone])
    assert len(result.assignments) == 1  # the second place is kept for a pilot
    assert result.gaps == (Gap("d1", 1, (
        "no one available with Drone pilot (no one on the roster holds it)",
        "1 lacking the skills still needed",
    )),)


def test_a_skill_holder_who_is_busy_is_counted() -> None:
    people = [person("ann"), person("pip", skills=frozenset({"off_road"}))]
    needs_4x4 = duty("d1", at(SAT, 18), required_skills={"off_road": 1})
    result = fill(people, [needs_4x4], [Commitment("pip", at(SAT, 10), at(SAT, 12), "p")])
    assert pairs(result) == [("d1", "ann")]  # min crew met, the skill still missing
    assert result.gaps == (Gap("d1", 1, ("no one available with Off-road / 4x4 driving (1 too little rest)",)),)


def test_existing_crew_is_kept_and_its_time_blocked() -> None:
    people = [person("ann"), person("ben"), person("cat")]
    first = duty("d1", at(SAT, 18), min_crew=2, max_crew=3)
    clash = duty("d2", at(SAT, 19))
    # ann is on d1 but her commitment was not passed: auto-fill still keeps her off d2.
    result = fill(people, [first, clash], [worked("ben", 8)], existing={"d1": ["ann"]})
    assert sorted(pairs(result)) == [("d1", "cat"), ("d2", "ben")]


def test_only_duties_starting_in_the_period_are_filled() -> None:
    people = [person("ann")]
    duties = [duty("oct", at(date(2026, 10, 31), 22)), duty("nov", at(NOV_30, 22)),
              duty("dec", at(date(2026, 12, 1), 0))]
    assert pairs(fill(people, duties, rules=RosterRules(min_rest_hours=0))) == [("nov", "ann")]


def test_inactive_people_and_disallowed_roles_are_never_chosen() -> None:
    people = [person("ann", active=False), person("ben", role="volunteer")]
    result = fill(people, [duty("d1", at(SAT, 18), allowed_roles=frozenset({"special"}))])
    assert result.assignments == ()
    assert result.gaps == (Gap("d1", 1, ("1 role not allowed",)),)


def test_nobody_to_choose_from() -> None:
    assert fill([], [duty("d1", at(SAT, 18))]).gaps == (Gap("d1", 1, ("no one else on the roster",)),)
    assert fill([person("ann")], []) == AutofillResult((), ())
    assert autofill([person("ann")], [duty("d1", at(SAT, 18))], {}, [], RULES, NOV_30, NOV_1) == AutofillResult((), ())


# --- properties on random rosters -----------------------------------------------------------------------------


MONDAY = date(2026, 3, 23)  # the week the clocks go forward, and the next
PERIOD = (MONDAY, MONDAY + timedelta(days=9))
SKILL_KEYS = ("rural_crime", "off_road", "drone", "first_aid")
ROLE_KEYS = ("officer", "special", "volunteer")
clocks = st.sampled_from([time(h, m) for h in range(24) for m in (0, 30)])
days = st.integers(-1, 12).map(lambda n: MONDAY + timedelta(days=n))
slots = st.builds(WeeklySlot, st.integers(0, 6), clocks, clocks)
# Random slots rarely cover a whole duty, so many people are free all day on some weekdays.
whole_days = st.sets(st.integers(0, 6), min_size=3).map(
    lambda weekdays: [WeeklySlot(d, time(0), time(0)) for d in sorted(weekdays)]
)
any_role = st.just(frozenset(ROLE_KEYS)) | st.lists(st.sampled_from(ROLE_KEYS), min_size=1, max_size=3).map(frozenset)
skill_needs = st.just({}) | st.dictionaries(st.sampled_from(SKILL_KEYS), st.integers(1, 2), max_size=2)
# (station, area) of people and duties: two stations share a district; blanks are "not recorded".
HOMES = (("Great Dunmow", "Uttlesford"), ("Saffron Walden", "Uttlesford"), ("Maldon", "Maldon"), ("", ""),
         ("", "Uttlesford"))
homes = st.sampled_from(HOMES)


Case = tuple[list[Volunteer], list[Duty], dict[str, list[str]], list[Commitment], RosterRules]


@st.composite
def rosters(draw: st.DrawFn) -> Case:
    volunteers = [
        Volunteer(
            id=f"v{n}", name=f"Person {n}", role=draw(st.sampled_from(ROLE_KEYS)),
            station=(home := draw(homes))[0], area=home[1],
            skills=frozenset(draw(st.lists(st.sampled_from(SKILL_KEYS), max_size=2))),
            monthly_commitment_hours=draw(st.sampled_from([0.0, 8.0, 16.0, 24.0])),
            active=draw(st.sampled_from([True, True, True, False])),
            weekly=tuple(draw(st.lists(slots, max_size=6) | whole_days)),
            exceptions=tuple(draw(st.lists(
                st.builds(AvailabilityException, days, st.sampled_from(["away", "extra"]), st.none() | clocks,
                          st.none() | clocks), max_size=3,
            ))),
        )
        for n in range(draw(st.integers(2, 8)))
    ]
    duties = []
    for n in range(draw(st.integers(1, 7))):
        start = datetime.combine(draw(days), draw(clocks), LOCAL_ZONE)
        min_crew = draw(st.integers(0, 3))
        duties.append(Duty(
            id=f"d{n}", title=f"Duty {n}", kind="joint_patrol", start=start,
            end=start.astimezone(UTC) + timedelta(minutes=30 * draw(st.integers(1, 20))),
            required_skills=draw(skill_needs), allowed_roles=draw(any_role),
            min_crew=min_crew, max_crew=min_crew + draw(st.integers(0, 2)),
            station=(place := draw(homes))[0], area=place[1],
        ))
    commitments = []
    for n in range(draw(st.integers(0, 6))):
        start = datetime.combine(draw(days), draw(clocks), LOCAL_ZONE)
        commitments.append(Commitment(
            draw(st.sampled_from(volunteers)).id, start,
            start.astimezone(UTC) + timedelta(hours=draw(st.integers(1, 10))), f"patrol{n}",
        ))
    existing: dict[str, list[str]] = defaultdict(list)
    for _ in range(draw(st.integers(0, 3))):
        on, who = draw(st.sampled_from(duties)), draw(st.sampled_from(volunteers))
        if who.id not in existing[on.id]:
            existing[on.id].append(who.id)
            commitments.append(Commitment(who.id, on.start, on.end, on.id))
    rules = RosterRules(min_rest_hours=draw(st.sampled_from([0.0, 4.0, 11.0])),
                        max_weekly_hours=draw(st.sampled_from([6.0, 24.0, 48.0])),
                        max_reach=draw(st.sampled_from(["anywhere", "anywhere", "area", "station"])))
    return volunteers, duties, dict(existing), commitments, rules


def _run(case: Case) -> AutofillResult:
    volunteers, duties, existing, commitments, rules = case
    return autofill(volunteers, duties, existing, commitments, rules, *PERIOD)


def _in_period(d: Duty) -> bool:
    return PERIOD[0] <= d.start.astimezone(LOCAL_ZONE).date() <= PERIOD[1]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rosters())
def test_every_assignment_passes_every_rule_when_replayed(
    case: Case,
) -> None:
    volunteers, duties, existing, commitments, rules = case
    result = _run(case)
    people = {v.id: v for v in volunteers}
    by_id = {d.id: d for d in duties}
    crew = {d.id: list(existing.get(d.id, ())) for d in duties}
    held = list(commitments)
    for a in result.assignments:
        volunteer, on = people[a.person_id], by_id[a.duty_id]
        assert _in_period(on)
        own = [c for c in held if c.person_id == volunteer.id]
        assert check_assignment(volunteer, on, own, rules, [people[p] for p in crew[on.id]]) == [], a
        held.append(Commitment(volunteer.id, on.start, on.end, on.id))
        crew[on.id].append(volunteer.id)

    new_by_duty = {a.duty_id for a in result.assignments}
    gaps = {g.duty_id: g for g in result.gaps}
    assert len(gaps) == len(result.gaps)
    for d in duties:
        members = crew[d.id]
        assert len(members) == len(set(members))
        if d.id in new_by_duty:
            assert len(members) <= d.max_crew
        shortfall = skill_shortfall(d.required_skills, (people[p].skills for p in members))
        below = len(members) < d.min_crew or bool(shortfall)
        assert (d.id in gaps) == (below and _in_period(d))
        if d.id in gaps:
            assert gaps[d.id].missing >= max(d.min_crew - len(members), 1) and gaps[d.id].reasons
        if _in_period(d) and len(members) < min(d.min_crew, d.max_crew):
            # Nobody was left out who could have filled the place without breaking a rule.
            for v in volunteers:
                if v.id not in members:
                    others = [people[p] for p in members]
                    own = [c for c in held if c.person_id == v.id]
                    assert check_assignment(v, d, own, rules, others), (d.id, v.id)


def _replay(case: Case) -> Iterable[tuple[Assignment, Volunteer, Duty, list[Volunteer], list[Commitment]]]:
    """Each assignment in the order decided, with the crew already on its duty and everyone's commitments at the
    moment it was decided."""
    volunteers, duties, existing, commitments, _ = case
    people = {v.id: v for v in volunteers}
    by_id = {d.id: d for d in duties}
    crew = {d.id: list(existing.get(d.id, ())) for d in duties}
    held = list(commitments)
    for a in _run(case).assignments:
        chosen, on = people[a.person_id], by_id[a.duty_id]
        yield a, chosen, on, [people[p] for p in crew[on.id]], list(held)
        held.append(Commitment(chosen.id, on.start, on.end, on.id))
        crew[on.id].append(chosen.id)


def _beyond(person: Volunteer, on: Duty, held: list[Commitment]) -> float:
    """Hours the person has in the duty's month (UK local) beyond their commitment; below it is negative."""
    month = on.start.astimezone(LOCAL_ZONE).timetuple()[:2]
    hours = sum((c.end - c.start).total_seconds() / 3600 for c in held
                if c.person_id == person.id and c.start.astimezone(LOCAL_ZONE).timetuple()[:2] == month)
    return hours - person.monthly_commitment_hours


def _could_have_gone(case: Case, other: Volunteer, chosen: Volunteer, on: Duty, members: list[Volunteer],
                     held: list[Commitment]) -> bool:
    """`other` breaks no rule for the place and holds the needed skills the chosen person brought."""
    shortfall = skill_shortfall(on.required_skills, (m.skills for m in members))
    brought = chosen.skills & set(shortfall)
    if other.id == chosen.id or other in members or not brought <= other.skills:
        return False
    own = [c for c in held if c.person_id == other.id]
    return not check_assignment(other, on, own, case[4], members)


LOCAL = 1  # rules.locality: 0 the duty's own station, 1 its area, 2 elsewhere


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rosters())
def test_nobody_local_who_could_have_gone_was_passed_over_for_someone_from_elsewhere(case: Case) -> None:
    """Replaying the assignments in the order decided: when someone from elsewhere was sent to a place, no local
    person (of the duty's station or area) breaking no rule at that moment was left out."""
    for a, chosen, on, members, held in _replay(case):
        if locality(chosen, on) > LOCAL:
            for other in case[0]:
                if locality(other, on) <= LOCAL:
                    assert not _could_have_gone(case, other, chosen, on, members, held), (a, other.id)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rosters())
def test_no_local_person_is_left_below_commitment_while_another_is_given_hours_beyond_theirs(case: Case) -> None:
    """The fairness a coordinator checks: whenever auto-fill gave a place to someone who had already met their
    commitment that month (or has none), no local person of that duty who breaks no rule was still below theirs;
    and more generally nobody of the same pool (local, or elsewhere) further below commitment was passed over."""
    for a, chosen, on, members, held in _replay(case):
        pool = locality(chosen, on) <= LOCAL
        mine = _beyond(chosen, on, held)
        for other in case[0]:
            if (locality(other, on) <= LOCAL) != pool or not _could_have_gone(case, other, chosen, on, members, held):
                continue
            theirs = _beyond(other, on, held)
            if mine >= 0 and pool:
                assert theirs >= 0, (a, other.id, "left below commitment", theirs, mine)
            assert theirs >= mine - 1e-6, (a, other.id, theirs, mine)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rosters(), seed=st.integers(0, 1000))
def test_deterministic_and_independent_of_input_order(
    case: Case, seed: int,
) -> None:
    volunteers, duties, existing, commitments, rules = case
    first = _run(case)
    assert _run(case) == first
    shuffle = random.Random(seed)
    mixed = [list(volunteers), list(duties), list(commitments)]
    for items in mixed:
        shuffle.shuffle(items)
    assert _run((mixed[0], mixed[1], existing, mixed[2], rules)) == first  # type: ignore[arg-type]


# Fortnights: one inside March, one across the end of March (and the clocks going forward).
FORTNIGHTS = (date(2026, 3, 9), date(2026, 3, 23))
Fortnight = tuple[list[Volunteer], list[Duty], list[Commitment], RosterRules, date]


@st.composite
def fortnights(draw: st.DrawFn) -> Fortnight:
    """Everyone free at any time for any duty, so only fairness (and rest and weekly hours) decides who goes."""
    monday = draw(st.sampled_from(FORTNIGHTS))
    volunteers = [person(f"v{n}", monthly_commitment_hours=draw(st.sampled_from([0.0, 8.0, 16.0, 20.0, 24.0])))
                  for n in range(draw(st.integers(2, 6)))]
    duties = []
    for n in range(draw(st.integers(1, 12))):
        start = datetime.combine(monday + timedelta(days=draw(st.integers(0, 13))), draw(clocks), LOCAL_ZONE)
        crew = draw(st.integers(1, 2))
        duties.append(duty(f"d{n}", start, hours=draw(st.integers(2, 8)), min_crew=crew,
                           max_crew=crew + draw(st.integers(0, 1))))
    # Hours already done earlier in the month.
    month_start = monday.replace(day=1)
    done = []
    for n in range(draw(st.integers(0, 5))):
        day = month_start + timedelta(days=draw(st.integers(0, (monday - month_start).days - 1)))
        start = datetime.combine(day, time(8), LOCAL_ZONE)
        done.append(Commitment(draw(st.sampled_from(volunteers)).id, start,
                               start.astimezone(UTC) + timedelta(hours=draw(st.integers(1, 8))), f"done{n}"))
    rules = RosterRules(min_rest_hours=draw(st.sampled_from([0.0, 11.0])),
                        max_weekly_hours=draw(st.sampled_from([12.0, 24.0, 48.0])))
    return volunteers, duties, done, rules, monday


def _spread(volunteers: list[Volunteer], duties: list[Duty], done: list[Commitment],
            made: Iterable[Assignment]) -> float:
    """How unfair a roster is, as auto-fill judges it: per month, the spread between the person furthest above
    their commitment and the one furthest below (hours - monthly commitment); the worst month."""
    by_id = {d.id: d for d in duties}
    held = [(c.person_id, c.start, c.end) for c in done]
    held += [(a.person_id, by_id[a.duty_id].start, by_id[a.duty_id].end) for a in made]
    hours: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: {v.id: 0.0 for v in volunteers})
    for pid, start, end in held:
        local = start.astimezone(LOCAL_ZONE)
        hours[(local.year, local.month)][pid] += (end - start).total_seconds() / 3600
    commitment = {v.id: v.monthly_commitment_hours for v in volunteers}
    return max((max(h[p] - commitment[p] for p in h) - min(h[p] - commitment[p] for p in h)
                for h in hours.values()), default=0.0)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=fortnights())
def test_filling_week_by_week_ends_as_fair_as_filling_the_fortnight_at_once(case: Fortnight) -> None:
    volunteers, duties, done, rules, monday = case
    sunday = monday + timedelta(days=6)
    at_once = autofill(volunteers, duties, {}, done, rules, monday, sunday + timedelta(days=7)).assignments
    weeks = [(monday, sunday), (sunday + timedelta(days=1), sunday + timedelta(days=7))]
    weekly = _week_by_week(volunteers, duties, done, weeks, rules)
    assert len(weekly) == len(at_once)
    assert _spread(volunteers, duties, done, weekly) <= _spread(volunteers, duties, done, at_once) + 1e-6


def test_assignment_is_a_frozen_record() -> None:
    assert Assignment("d1", "ann") == Assignment("d1", "ann")
    with pytest.raises(AttributeError):
        Assignment("d1", "ann").duty_id = "d2"  # type: ignore[misc]
