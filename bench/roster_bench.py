"""Benchmark: auto-fill a month of duties (about 1,500 places) from 500 volunteers.

    .venv/bin/python bench/roster_bench.py [--people 500] [--duties-per-day 25] [--runs 3] [--seed 7]

Synthetic roster for November 2026 (seeded, so every run builds the same one): people with 2-5 weekly slots
(some past midnight), a few away and extra days, skills from common (first aid) to rare (drone), and some
existing patrol commitments; duties on seven shift patterns, crew 1-3 (about two on average), a third needing
a skill. People and duties belong to eight stations in four districts (a few people with no station
recorded), so auto-fill's locality ranking (own station, then own district, then anywhere) is exercised;
`--max-reach area` also times the furthest-sent rule. Assignments are counted by how far people were sent.
One untimed warm-up, then each timed run starts cold (availability caches cleared).
Target: auto-fill < 2 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruralwatch.core.times import LOCAL_ZONE  # noqa: E402
from ruralwatch.rostering import availability  # noqa: E402
from ruralwatch.rostering.autofill import autofill  # noqa: E402
from ruralwatch.rostering.model import (  # noqa: E402
    AvailabilityException,
    Commitment,
    Duty,
    RosterRules,
    Volunteer,
    WeeklySlot,
)
from ruralwatch.rostering.rules import check_assignment, locality  # noqa: E402

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
ROLES = (("officer", 0.15), ("special", 0.45), ("volunteer", 0.40))
SKILL_SHARE = {"first_aid": 0.5, "rural_crime": 0.4, "off_road": 0.15, "wildlife_crime": 0.08, "drone": 0.03}
SLOT_STARTS = (6, 8, 10, 14, 17, 18, 19, 20, 22)
SHIFTS = ((6, 4), (8, 6), (10, 4), (14, 6), (18, 4), (19, 5), (22, 6))  # (start hour, hours)
STATIONS = (("Great Dunmow", "Uttlesford"), ("Saffron Walden", "Uttlesford"), ("Maldon", "Maldon"),
            ("Burnham-on-Crouch", "Maldon"), ("Braintree", "Braintree"), ("Halstead", "Braintree"),
            ("Chelmsford", "Chelmsford"), ("South Woodham Ferrers", "Chelmsford"))


def make_people(rng: random.Random, count: int) -> list[Volunteer]:
    people = []
    for n in range(count):
        role = rng.choices([r for r, _ in ROLES], [w for _, w in ROLES])[0]
        skills = frozenset(s for s, share in SKILL_SHARE.items() if rng.random() < share)
        slots = []
        for _ in range(rng.randint(2, 5)):
            start = rng.choice(SLOT_STARTS)
            end = (start + rng.randint(4, 10)) % 24
            slots.append(WeeklySlot(rng.randrange(7), clock(start), clock(end)))
        exceptions = [
            AvailabilityException(FIRST + timedelta(days=rng.randrange(30)), "away") for _ in range(rng.randint(0, 3))
        ]
        if rng.random() < 0.3:
            exceptions.append(AvailabilityException(FIRST + timedelta(days=rng.randrange(30)), "extra",
                                                    clock(rng.choice(SLOT_STARTS)), clock(23)))
        people.append(Volunteer(
            id=f"p{n:04d}", name=f"Person {n}", role=role, skills=skills,
            monthly_commitment_hours=float(rng.choice((8, 12, 16, 16, 20, 24))), active=rng.random() > 0.03,
            weekly=tuple(slots), exceptions=tuple(exceptions),
        ))
    return people


def make_duties(rng: random.Random, per_day: int) -> list[Duty]:
    duties = []
    on = FIRST
    while on <= LAST:
        for k in range(per_day):
            hour, hours = rng.choice(SHIFTS)
            start = datetime.combine(on, clock(hour), LOCAL_ZONE)
            min_crew = rng.choice((1, 2, 2, 3))
            needs: dict[str, int] = {}
            if rng.random() < 0.33:
                needs[rng.choices(list(SKILL_SHARE), [1, 1, 1, 0.5, 0.3])[0]] = 1
            roles = frozenset({"officer", "special"}) if rng.random() < 0.2 else frozenset(r for r, _ in ROLES)
            duties.append(Duty(
                id=f"d{on:%m%d}-{k:02d}", title=f"Duty {on:%d %b} #{k}", kind="joint_patrol", start=start,
                end=start + timedelta(hours=hours), required_skills=needs, allowed_roles=roles, min_crew=min_crew,
                max_crew=min_crew + 1,
            ))
        on += timedelta(days=1)
    return duties


def place_at_stations(rng: random.Random, people: list[Volunteer],
                      duties: list[Duty]) -> tuple[list[Volunteer], list[Duty]]:
    """Stations from their own generator, so the roster is otherwise the one measured before stations."""
    homed = []
    for person in people:
        station, area = rng.choice(STATIONS) if rng.random() > 0.05 else ("", "")
        homed.append(replace(person, station=station, area=area))
    placed = []
    for duty in duties:
        station, area = rng.choice(STATIONS)
        placed.append(replace(duty, station=station, area=area))
    return homed, placed


def make_commitments(rng: random.Random, people: list[Volunteer]) -> list[Commitment]:
    found = []
    for person in people:
        if rng.random() < 0.3:
            for j in range(rng.randint(1, 3)):
                start = datetime.combine(FIRST + timedelta(days=rng.randrange(30)), clock(rng.choice((9, 13, 19))),
                                         LOCAL_ZONE)
                found.append(Commitment(person.id, start, start + timedelta(hours=3), f"patrol-{person.id}-{j}"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--duties-per-day", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-reach", choices=("station", "area", "anywhere"), default="anywhere")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    people = make_people(rng, args.people)
    duties = make_duties(rng, args.duties_per_day)
    commitments = make_commitments(rng, people)
    people, duties = place_at_stations(random.Random(args.seed + 1), people, duties)
    rules = RosterRules(max_reach=args.max_reach)
    places = sum(d.min_crew for d in duties)
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    print(f"{len(people)} people, {len(duties)} duties, {places} places to fill, {len(commitments)} commitments")

    times = []
    result = autofill(people, duties, {}, commitments, rules, FIRST, LAST)  # untimed: imports and first calls
    for _ in range(max(1, args.runs)):
        availability.calendar_for.cache_clear()
        availability.local_instant.cache_clear()
        began = time.perf_counter()
        result = autofill(people, duties, {}, commitments, rules, FIRST, LAST)
        times.append(time.perf_counter() - began)
    print(f"autofill: best {min(times):.3f} s, worst {max(times):.3f} s over {args.runs} cold runs (target < 2 s)")
    filled = len(result.assignments)
    missing = sum(g.missing for g in result.gaps)
    print(f"  {filled} assignments, {len(result.gaps)} duties with gaps, {missing} places missing")
    by_person = {p.id: p for p in people}
    by_duty = {d.id: d for d in duties}
    tiers = Counter(locality(by_person[a.person_id], by_duty[a.duty_id]) for a in result.assignments)
    print(f"  sent: {tiers[0]} to their own station, {tiers[1]} within their district, {tiers[2]} further"
          f" (max reach: {rules.max_reach})")
    if result.gaps:
        print(f"  e.g. {result.gaps[0].duty_id}: {'; '.join(result.gaps[0].reasons)}")

    sample = duties[:200]
    began = time.perf_counter()
    calls = 0
    for duty in sample:
        for person in people[:50]:
            check_assignment(person, duty, [c for c in commitments if c.person_id == person.id], rules)
            calls += 1
    spent = time.perf_counter() - began
    print(f"check_assignment: {calls} calls, {spent / calls * 1e6:.1f} us each")


if __name__ == "__main__":
    main()
