"""Rostering rules: one passing and one failing case per rule, availability across midnight and clock changes."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.times import LOCAL_ZONE
from ruralwatch.rostering.availability import availability_gaps, is_available, local_instant
from ruralwatch.rostering.model import (
    AvailabilityException,
    Commitment,
    Duty,
    RosterRules,
    RuleBreach,
    SkillNeeds,
    Volunteer,
    WeeklySlot,
)
from ruralwatch.rostering.rules import check_assignment, hours_text

RULES = RosterRules()
ALL_DAY = tuple(WeeklySlot(day, time(0), time(0)) for day in range(7))  # 24 hours every day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_ZONE)


def person(**changes: object) -> Volunteer:
    values: dict[str, object] = {"id": "p1", "name": "Sam Reed", "role": "special", "weekly": ALL_DAY}
    values.update(changes)
    return Volunteer(**values)  # type: ignore[arg-type]


def duty(start: datetime, hours: float = 4, **changes: object) -> Duty:
    values: dict[str, object] = {
        "id": "d1", "title": "Dawn patrol", "kind": "joint_patrol", "start": start,
        "end": start.astimezone(UTC) + timedelta(hours=hours),  # real hours, even across a clock change
    }
    values.update(changes)
    return Duty(**values)  # type: ignore[arg-type]


def commitment(start: datetime, hours: float, source: str = "other", person_id: str = "p1") -> Commitment:
    return Commitment(person_id, start, start.astimezone(UTC) + timedelta(hours=hours), source)


def codes(breaches: list[RuleBreach]) -> list[str]:
    return [b.rule for b in breaches]


SAT = date(2026, 11, 14)  # a Saturday with no clock change near it


def test_everything_fits() -> None:
    assert check_assignment(person(), duty(at(SAT, 18)), [], RULES) == []


# --- inactive and role -----------------------------------------------------------------------------------------


def test_inactive() -> None:
    breaches = check_assignment(person(active=False), duty(at(SAT, 18)), [], RULES)
    assert codes(breaches) == ["inactive"]
    assert breaches[0].message == "Sam Reed has left and can no longer be rostered"


def test_role() -> None:
    officers_only = duty(at(SAT, 18), allowed_roles=frozenset({"officer", "special"}))
    assert check_assignment(person(role="special"), officers_only, [], RULES) == []
    breaches = check_assignment(person(role="volunteer"), officers_only, [], RULES)
    assert codes(breaches) == ["role"]
    assert breaches[0].message == (
        "Sam Reed is a Community volunteer, and Dawn patrol is only for Police officer (RET) or Special Constable"
    )


# --- availability -------------------------------------------------------------------------------------------------


def test_outside_weekly_slots() -> None:
    evenings = person(weekly=(WeeklySlot(5, time(18), time(22)),))
    assert check_assignment(evenings, duty(at(SAT, 18), 4), [], RULES) == []
    breaches = check_assignment(evenings, duty(at(SAT, 19), 4), [], RULES)
    assert codes(breaches) == ["unavailable"]
    assert breaches[0].message == (
        "Sam Reed is not available on Sat 14 Nov from 22:00 to 23:00 (outside their availability)"
    )


def test_away_exception_whole_day_and_part() -> None:
    away = person(exceptions=(AvailabilityException(SAT, "away"),))
    breaches = check_assignment(away, duty(at(SAT, 18)), [], RULES)
    assert codes(breaches) == ["unavailable"]
    assert breaches[0].message == "Sam Reed is away on Sat 14 Nov"
    assert check_assignment(away, duty(at(SAT + timedelta(days=1), 18)), [], RULES) == []

    afternoon = person(exceptions=(AvailabilityException(SAT, "away", time(12), time(16)),))
    assert check_assignment(afternoon, duty(at(SAT, 18)), [], RULES) == []
    breaches = check_assignment(afternoon, duty(at(SAT, 15)), [], RULES)
    assert [b.message for b in breaches] == ["Sam Reed is away on Sat 14 Nov from 12:00 to 16:00"]


def test_overnight_slot_covers_the_next_morning() -> None:
    friday_nights = person(weekly=(WeeklySlot(4, time(20), time(4)),))  # Fri 20:00 - Sat 04:00
    assert check_assignment(friday_nights, duty(at(SAT - timedelta(days=1), 22), 6), [], RULES) == []
    assert check_assignment(friday_nights, duty(at(SAT, 1), 2), [], RULES) == []
    breaches = check_assignment(friday_nights, duty(at(SAT, 3), 2), [], RULES)
    assert [b.message for b in breaches] == [
        "Sam Reed is not available on Sat 14 Nov from 04:00 to 05:00 (outside their availability)"
    ]


def test_slots_that_touch_join_up() -> None:
    split = person(weekly=(WeeklySlot(5, time(18), time(0)), WeeklySlot(6, time(0), time(3))))
    assert is_available(split, at(SAT, 20), at(SAT + timedelta(days=1), 2))
    assert not is_available(split, at(SAT, 20), at(SAT + timedelta(days=1), 4))


def test_extra_exception() -> None:
    extra = person(weekly=(), exceptions=(AvailabilityException(SAT, "extra", time(10), time(14)),))
    assert check_assignment(extra, duty(at(SAT, 10), 4), [], RULES) == []
    breaches = check_assignment(extra, duty(at(SAT, 11), 4), [], RULES)
    assert [b.message for b in breaches] == [
        "Sam Reed is not available on Sat 14 Nov from 14:00 to 15:00 (outside their availability)"
    ]
    nobody = person(weekly=())
    assert availability_gaps(nobody, at(SAT, 10), at(SAT, 12)) == (
        "Sam Reed is not available on Sat 14 Nov from 10:00 to 12:00 (no availability is recorded)"
    )


def test_extra_extends_a_slot_and_away_beats_extra() -> None:
    extended = person(
        weekly=(WeeklySlot(5, time(18), time(22)),),
        exceptions=(AvailabilityException(SAT, "extra", time(22), None),),  # to midnight
    )
    assert is_available(extended, at(SAT, 18), at(SAT + timedelta(days=1), 0))
    both = person(exceptions=(AvailabilityException(SAT, "extra"), AvailabilityException(SAT, "away", time(20))))
    assert is_available(both, at(SAT, 10), at(SAT, 20))
    assert availability_gaps(both, at(SAT, 19), at(SAT, 21)) == "Sam Reed is away on Sat 14 Nov from 20:00 to 24:00"


def test_overnight_away_reaches_the_next_day() -> None:
    away = person(exceptions=(AvailabilityException(SAT, "away", time(22), time(6)),))
    assert not is_available(away, at(SAT + timedelta(days=1), 5), at(SAT + timedelta(days=1), 7))
    assert is_available(away, at(SAT + timedelta(days=1), 6), at(SAT + timedelta(days=1), 8))


# --- the clocks changing: 2026-03-29 (forward) and 2026-10-25 (back) ----------------------------------------


SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def test_spring_forward_slot_is_wall_clock() -> None:
    # Sun 00:00-04:00 local is only three real hours: 00:00 GMT (00:00 UTC) to 04:00 BST (03:00 UTC).
    sunday_small_hours = person(weekly=(WeeklySlot(6, time(0), time(4)),))
    assert check_assignment(sunday_small_hours, duty(utc(SPRING, 0), 3), [], RULES) == []
    breaches = check_assignment(sunday_small_hours, duty(utc(SPRING, 0), 3.5), [], RULES)
    assert [b.message for b in breaches] == [
        "Sam Reed is not available on Sun 29 Mar from 04:00 to 04:30 (outside their availability)"
    ]


def test_a_skipped_time_is_read_as_the_moment_the_clocks_change() -> None:
    assert local_instant(SPRING, time(1, 30)) == utc(SPRING, 1).timestamp()
    from_half_past_one = person(weekly=(WeeklySlot(6, time(1, 30), time(5)),))
    assert is_available(from_half_past_one, at(SPRING, 2), at(SPRING, 5))
    assert not is_available(from_half_past_one, utc(SPRING, 0, 30), at(SPRING, 5))


def test_autumn_back_overnight_slot_is_wall_clock() -> None:
    # Sat 20:00 BST (19:00 UTC) to Sun 02:00 GMT (02:00 UTC) is seven real hours.
    saturday_nights = person(weekly=(WeeklySlot(5, time(20), time(2)),))
    saturday = AUTUMN - timedelta(days=1)
    assert check_assignment(saturday_nights, duty(utc(saturday, 19), 7), [], RULES) == []
    assert codes(check_assignment(saturday_nights, duty(utc(saturday, 19), 7.5), [], RULES)) == ["unavailable"]


def test_dst_week_counts_real_hours_for_rest_and_the_week() -> None:
    saturday = AUTUMN - timedelta(days=1)
    night = duty(at(saturday, 22), hours=9)  # 22:00 BST to 06:00 GMT: nine real hours, eight on the clock
    assert check_assignment(person(), night, [], RosterRules(max_weekly_hours=9)) == []
    breaches = check_assignment(person(), night, [], RosterRules(max_weekly_hours=8.5))
    assert [b.message for b in breaches] == [
        "Sam Reed would be committed for 9 h in the week beginning Mon 19 Oct (limit 8 h 30 min)"
    ]
    # Ended 20:00 BST on Saturday, starts 06:00 GMT on Sunday: ten hours on the clock, eleven real ones.
    earlier = commitment(at(saturday, 16), 4)
    assert check_assignment(person(), duty(at(AUTUMN, 6)), [earlier], RULES) == []
    assert codes(check_assignment(person(), duty(at(AUTUMN, 5, 59)), [earlier], RULES)) == ["rest"]


def test_a_time_that_happens_twice_starts_first_and_ends_last() -> None:
    # 01:00-02:00 happens twice on 25 Oct: 00:00-01:30 runs until the clock shows 01:30 for the second time.
    until_half_past_one = person(weekly=(WeeklySlot(6, time(0), time(1, 30)),))
    assert is_available(until_half_past_one, at(AUTUMN, 0), utc(AUTUMN, 1, 30))
    assert not is_available(until_half_past_one, at(AUTUMN, 0), utc(AUTUMN, 1, 45))
    from_half_past_one = person(weekly=(WeeklySlot(6, time(1, 30), time(3)),))
    assert is_available(from_half_past_one, utc(AUTUMN, 0, 30), at(AUTUMN, 3))  # 01:30 BST
    assert not is_available(from_half_past_one, utc(AUTUMN, 0, 15), at(AUTUMN, 3))


# --- double booking and rest -------------------------------------------------------------------------------------


def test_double_booked() -> None:
    evening = duty(at(SAT, 18))
    overlapping = commitment(at(SAT, 21), 3)
    breaches = check_assignment(person(), evening, [overlapping], RosterRules(min_rest_hours=0))
    assert codes(breaches) == ["double_booked"]
    assert breaches[0].message == "Sam Reed is already committed on Sat 14 Nov from 21:00 to 24:00"
    back_to_back = commitment(at(SAT, 22), 3)
    assert check_assignment(person(), evening, [back_to_back], RosterRules(min_rest_hours=0)) == []


def test_own_duty_and_other_people_are_ignored() -> None:
    evening = duty(at(SAT, 18))
    mine = commitment(at(SAT, 18), 4, source="d1")
    someone_elses = commitment(at(SAT, 18), 4, person_id="p2")
    assert check_assignment(person(), evening, [mine, someone_elses], RULES) == []


def test_already_on_the_crew_is_double_booked() -> None:
    breaches = check_assignment(person(), duty(at(SAT, 18)), [], RULES, crew=[person()])
    assert breaches == [RuleBreach("double_booked", "Sam Reed is already on Dawn patrol")]


def test_rest_at_10h59_fails_and_11h_passes() -> None:
    evening = duty(at(SAT, 18))  # 18:00-22:00
    ended_early_morning = commitment(at(SAT, 3), 4)  # ends 07:00, 11 h before
    assert check_assignment(person(), evening, [ended_early_morning], RULES) == []
    ended_a_minute_later = commitment(at(SAT, 3, 1), 4)  # ends 07:01, 10 h 59 min before
    breaches = check_assignment(person(), evening, [ended_a_minute_later], RULES)
    assert codes(breaches) == ["rest"]
    assert breaches[0].message == (
        "Sam Reed would have only 10 h 59 min rest between a commitment ending Sat 14 Nov 07:01 and this duty"
        " (minimum 11 h)"
    )
    next_morning = commitment(at(SAT + timedelta(days=1), 9), 2)  # starts 11 h after 22:00
    assert check_assignment(person(), evening, [next_morning], RULES) == []
    too_soon = commitment(at(SAT + timedelta(days=1), 8, 59), 2)
    assert [b.message for b in check_assignment(person(), evening, [too_soon], RULES)] == [
        "Sam Reed would have only 10 h 59 min rest between this duty and a commitment starting Sun 15 Nov 08:59"
        " (minimum 11 h)"
    ]


def test_rest_is_configurable() -> None:
    evening = duty(at(SAT, 18))
    lunchtime = commitment(at(SAT, 12), 2)
    assert codes(check_assignment(person(), evening, [lunchtime], RULES)) == ["rest"]
    assert check_assignment(person(), evening, [lunchtime], RosterRules(min_rest_hours=4)) == []


# --- weekly hours ----------------------------------------------------------------------------------------------


MONDAY = date(2026, 11, 9)


def test_weekly_hours() -> None:
    rules = RosterRules(min_rest_hours=0, max_weekly_hours=24)
    week = [commitment(at(MONDAY + timedelta(days=i), 8), 5) for i in range(4)]  # 20 h
    assert check_assignment(person(), duty(at(SAT, 18), 4), week, rules) == []
    breaches = check_assignment(person(), duty(at(SAT, 18), 5), week, rules)
    assert codes(breaches) == ["weekly_hours"]
    assert breaches[0].message == "Sam Reed would be committed for 25 h in the week beginning Mon 9 Nov (limit 24 h)"
    last_sunday = commitment(at(MONDAY - timedelta(days=1), 8), 5)  # the ISO week before
    assert check_assignment(person(), duty(at(SAT, 18), 4), [*week, last_sunday], rules) == []


def test_a_duty_spanning_weeks_counts_in_the_week_it_starts() -> None:
    rules = RosterRules(min_rest_hours=0, max_weekly_hours=10)
    next_week = [commitment(at(MONDAY + timedelta(days=7), 12), 8)]
    sunday_night = duty(at(MONDAY + timedelta(days=6), 22), 6)  # Sun 22:00 - Mon 04:00
    assert check_assignment(person(), sunday_night, next_week, rules) == []
    this_week = [commitment(at(MONDAY, 12), 5)]
    assert codes(check_assignment(person(), sunday_night, this_week, rules)) == ["weekly_hours"]


# --- skills and full -----------------------------------------------------------------------------------------


def test_skills() -> None:
    drone_patrol = duty(at(SAT, 18), required_skills={"drone": 1}, max_crew=2)
    plain = person(id="p2", name="Alex Cole")
    pilot = person(id="p3", name="Jo Pike", skills=frozenset({"drone"}))
    assert check_assignment(plain, drone_patrol, [], RULES) == []  # one place is still left for a pilot
    assert check_assignment(pilot, drone_patrol, [], RULES, crew=[plain]) == []
    breaches = check_assignment(person(), drone_patrol, [], RULES, crew=[plain])
    assert codes(breaches) == ["skills"]
    assert breaches[0].message == (
        "Sam Reed has none of the skills still needed (Drone pilot: 1 more); taking them would leave no place"
    )


def test_skills_count_one_place_per_need() -> None:
    two_skills = duty(at(SAT, 18), required_skills={"drone": 1, "off_road": 1}, max_crew=2)
    breaches = check_assignment(person(), two_skills, [], RULES)
    assert [b.message for b in breaches] == [
        "Sam Reed has none of the skills still needed (Off-road / 4x4 driving: 1 more, Drone pilot: 1 more);"
        " taking them would leave only 1 place"
    ]
    assert check_assignment(person(skills=frozenset({"off_road"})), two_skills, [], RULES) == []


def test_a_holder_is_never_refused_for_skills() -> None:
    impossible = duty(at(SAT, 18), required_skills={"drone": 3}, max_crew=2)  # more pilots than places
    assert check_assignment(person(skills=frozenset({"drone"})), impossible, [], RULES) == []
    assert codes(check_assignment(person(), impossible, [], RULES)) == ["skills"]


def test_full() -> None:
    pair = duty(at(SAT, 18), max_crew=2, required_skills={"drone": 1})
    crew = [person(id="p2", name="A"), person(id="p3", name="B")]
    assert check_assignment(person(), pair, [], RULES, crew=crew[:1]) == [
        RuleBreach("skills", "Sam Reed has none of the skills still needed (Drone pilot: 1 more); taking them would"
                             " leave no place")
    ]
    breaches = check_assignment(person(), pair, [], RULES, crew=crew)
    assert breaches == [RuleBreach("full", "Dawn patrol already has its full crew of 2")]


def test_every_breach_is_reported_in_order() -> None:
    rules = RosterRules(max_weekly_hours=4)
    gone = person(active=False, role="volunteer", weekly=())
    busy = [commitment(at(SAT, 17), 2), commitment(at(SAT, 8), 2)]
    officers_only = duty(at(SAT, 18), allowed_roles=frozenset({"officer"}), max_crew=1)
    assert codes(check_assignment(gone, officers_only, busy, rules, crew=[person(id="p2")])) == [
        "inactive", "role", "unavailable", "double_booked", "rest", "weekly_hours", "full"
    ]


# --- model and helpers -----------------------------------------------------------------------------------------


def test_duty_is_frozen_hashable_and_built_from_a_dict() -> None:
    one = duty(at(SAT, 18), required_skills={"drone": 1, "first_aid": 0}, allowed_roles=["special"])
    two = duty(at(SAT, 18), required_skills=SkillNeeds([("drone", 1)]), allowed_roles=frozenset({"special"}))
    assert one == two and hash(one) == hash(two)
    assert dict(one.required_skills) == {"drone": 1} and one.required_skills == {"drone": 1}
    assert pickle.loads(pickle.dumps(one)) == one
    with pytest.raises(TypeError):
        one.required_skills["drone"] = 2  # type: ignore[index]
    with pytest.raises(ValueError, match="timezone-aware"):
        duty(datetime(2026, 11, 14, 18))
    with pytest.raises(ValueError, match="ends before"):
        duty(at(SAT, 18), hours=0)
    with pytest.raises(ValueError):
        SkillNeeds({"drone": -1})
    with pytest.raises(ValueError):
        WeeklySlot(7, time(1), time(2))
    with pytest.raises(ValueError):
        AvailabilityException(SAT, "holiday")


def test_hours_text() -> None:
    assert [hours_text(s) for s in (39_600, 39_540, 39_599.9, 2_700, 0)] == ["11 h", "10 h 59 min", "10 h 59 min",
                                                                               "45 min", "0 min"]


# --- property: the merged calendar agrees with reading the wall clock quarter-hour by quarter-hour -----------


QUARTERS = [time(h, m) for h in range(24) for m in (0, 15, 30, 45)]
# Mondays of an ordinary week and of the weeks the clocks go forward and back.
WEEKS = (date(2026, 11, 2), date(2026, 3, 23), date(2026, 10, 19))
# When the clocks go back, 01:00-02:00 happens twice and a span starting or ending then has no single
# wall-clock reading (see the unit tests above); everywhere else the wall clock is the definition.
NOT_TWICE = [q for q in QUARTERS if q.hour != 1]


def _in_span(day: date, moment: date, clock: time, start: time | None, end: time | None) -> bool:
    """Is wall-clock (moment, clock) inside a span set on `day`, reading only the wall clock?"""
    begin = start or time(0)
    runs_over = end is not None and end <= begin
    if moment == day:
        return clock >= begin and (runs_over or end is None or clock < end)
    return runs_over and moment == day + timedelta(days=1) and end is not None and clock < end


def _free_at(volunteer: Volunteer, moment: datetime) -> bool:
    local = moment.astimezone(LOCAL_ZONE)
    on, clock = local.date(), local.time()
    days = (on, on - timedelta(days=1))
    available = any(
        _in_span(day, on, clock, s.start, s.end) for day in days for s in volunteer.weekly if s.weekday == day.weekday()
    ) or any(_in_span(e.on, on, clock, e.start, e.end) for e in volunteer.exceptions if e.kind == "extra")
    away = any(_in_span(e.on, on, clock, e.start, e.end) for e in volunteer.exceptions if e.kind == "away")
    return available and not away


@settings(max_examples=200, deadline=None)
@given(data=st.data(), monday=st.sampled_from(WEEKS), start=st.integers(0, 6 * 96), quarters=st.integers(1, 40))
def test_calendar_matches_the_wall_clock(data: st.DataObject, monday: date, start: int, quarters: int) -> None:
    clocks = st.sampled_from(NOT_TWICE if monday.month == 10 else QUARTERS)
    days = st.integers(0, 6).map(lambda n: monday + timedelta(days=n))
    weekly = data.draw(st.lists(st.builds(WeeklySlot, st.integers(0, 6), clocks, clocks), max_size=5))
    exceptions = data.draw(st.lists(
        st.builds(AvailabilityException, days, st.sampled_from(["away", "extra"]), st.none() | clocks,
                  st.none() | clocks),
        max_size=4,
    ))
    volunteer = person(weekly=tuple(weekly), exceptions=tuple(exceptions))
    begin = at(monday, 0).astimezone(UTC) + timedelta(minutes=15 * start)
    end = begin + timedelta(minutes=15 * quarters)
    expected = all(_free_at(volunteer, begin + timedelta(minutes=15 * q)) for q in range(quarters))
    assert is_available(volunteer, begin, end) == expected
    assert (availability_gaps(volunteer, begin, end) is None) == expected
