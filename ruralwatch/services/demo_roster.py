"""Demo people, roster and completed joint patrols, to go with the demo incidents (services.demo).

About 40 people (RET officers, Special Constables, Farm Watch volunteers) with skills and weekly availability;
two months of completed duties (hours to report) and the coming month of open duties for auto-fill; about
three months of completed joint patrols with their logs, planned from the demo incidents' hotspots so the dose
views have something real-looking. Deterministic for a seed and a date; ids come from the seed, so loading
twice adds nothing. Every row is flagged `synthetic`; names are invented, phone numbers are in Ofcom's
drama ranges (01632 960xxx, 07700 900xxx) and emails use example.org.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback
from ruralwatch.core.patrol_plan import PlanStop, settings_to_json, stops_to_json
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.people import DutyInput, PersonInput, collar_key, validate_duty, validate_person
from ruralwatch.patrols.plan import Plan, PlanSettings, suggest_plan
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols import TOPIC as PATROLS_TOPIC
from ruralwatch.services.patrols import PatrolService
from ruralwatch.services.people import TOPIC as PEOPLE_TOPIC
from ruralwatch.services.people import PeopleService
from ruralwatch.services.roster import TOPIC as ROSTER_TOPIC
from ruralwatch.services.roster import RosterService
from ruralwatch.store.audit import audit_batch
from ruralwatch.store.database import Store
from ruralwatch.store.syncable import SyncTable

ROSTER_NAMESPACE = uuid.UUID("0b6f7f55-2a4e-4d8e-8f43-3c1d9d2e7a11")
FIRST = ("Amelia", "Ben", "Chloe", "Dan", "Ellie", "Finn", "Grace", "Harry", "Isla", "Jack", "Kate", "Liam",
         "Megan", "Nathan", "Olivia", "Paul", "Rosie", "Sam", "Tom", "Una", "Vikram", "Will", "Zara", "Aisha",
         "Callum", "Dev", "Erin", "Gareth", "Hannah", "Imran", "Jess", "Kieran", "Lucy", "Mo", "Niamh", "Owen",
         "Priya", "Rhys", "Sophie", "Tariq")
LAST = ("Archer", "Barker", "Cole", "Dawson", "Ellis", "Fletcher", "Gray", "Hughes", "Irving", "Jarvis", "Kemp",
        "Lowe", "Marsh", "Nash", "Osborne", "Pryce", "Quinn", "Reed", "Shaw", "Thorne", "Underwood", "Vaughan",
        "Webb", "Young")
# (station, district the station patrols, base lat/lon)
STATIONS = (
    ("Saffron Walden", "Uttlesford", (52.0226, 0.2428)),
    ("Great Dunmow", "Uttlesford", (51.8722, 0.3637)),
    ("Braintree", "Braintree", (51.8781, 0.5527)),
    ("Maldon", "Maldon", (51.7318, 0.6758)),
)
# Weekly patterns people commonly give: weekday evenings, weekend days, dawn (hare coursing hours).
PATTERNS = (
    ((0, "18:00", "23:30"), (2, "18:00", "23:30"), (5, "07:00", "21:00")),
    ((1, "17:30", "23:00"), (3, "17:30", "23:00"), (6, "06:00", "18:00")),
    ((4, "17:00", "02:00"), (5, "05:00", "22:00")),
    ((5, "05:00", "13:00"), (6, "05:00", "13:00"), (2, "18:00", "22:00")),
    ((0, "09:00", "17:00"), (1, "09:00", "17:00"), (2, "09:00", "17:00"), (3, "09:00", "17:00")),
    ((3, "18:00", "23:59"), (4, "18:00", "23:59"), (6, "08:00", "20:00")),
)
# Duty templates: (title, kind, weekday, start, hours, needed skills, min crew, max crew, allowed roles)
DUTY_TEMPLATES: tuple[tuple[str, str, int, str, int, dict[str, int], int, int, tuple[str, ...]], ...] = (
    ("Dawn hare coursing patrol", "joint_patrol", 5, "06:00", 5, {"off_road": 1}, 2, 3, ("officer", "special")),
    ("Evening rural crime patrol", "joint_patrol", 2, "18:30", 4, {"rural_crime": 1}, 2, 3, ("officer", "special")),
    ("Farm Watch surgery", "event", 6, "10:00", 3, {}, 1, 3, ("officer", "special", "volunteer")),
    ("Plant theft prevention patrol", "joint_patrol", 4, "19:00", 4, {}, 2, 2, ("officer", "special")),
    ("Rural crime training", "training", 1, "19:00", 3, {}, 1, 4, ("special", "volunteer")),
)


@dataclass(frozen=True)
class DemoRosterLoaded:
    """What loading the demo roster added, and the demo people left out."""

    people: int
    duties: int
    patrols: int
    # "Dev Hughes (SC4125)": demo people whose collar number or name a real person already has (left out, so
    # one collar number stays one person's and a name finds the real person).
    left_out: tuple[str, ...] = ()


ROSTER_STEPS = 5  # progress reports of load_demo_roster (its last one is the whole roster done)


class _Steps:
    """load_demo_roster's steps as progress reports; the place Cancel stops it (inside its transaction)."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.progress, self.done = progress, 0

    def say(self, note: str) -> None:
        if self.progress is not None and not self.progress(self.done, ROSTER_STEPS, note):
            raise CancelledError("cancelled: no demo data was loaded")
        self.done += 1


def _id(seed: int, *parts: object) -> str:
    return str(uuid.uuid5(ROSTER_NAMESPACE, ":".join(str(p) for p in (seed, *parts))))


def load_demo_roster(
    people: PeopleService, roster: RosterService, patrols: PatrolService, seed: int = 2026,
    now: datetime | None = None, progress: ProgressCallback | None = None,
) -> DemoRosterLoaded:
    """Load the demo roster and patrols; returns counts of what was added. Idempotent for a seed and day.

    A demo person whose collar number or name a real person already has is left out (and named in the result):
    the demo added a second "Dev Hughes" with the real one's SC4125.

    `progress(done, ROSTER_STEPS, note)` before each step; False cancels (CancelledError) with nothing added: the
    whole roster is one transaction."""
    people.store.actor.require("data.purge")
    now = now or times.utc_now()
    rng = random.Random(seed)
    store = people.store
    today = times.to_local(now).date()
    added = {"people": 0, "duties": 0, "patrols": 0}
    left_out: list[str] = []
    # One transaction and one audit entry for the whole set, a line per row (store.audit.audit_batch): a demo
    # half loaded is worse than none, and an entry per row was most of the load.
    steps = _Steps(progress)
    with audit_batch(store, "load_demo_roster", None, None, {"seed": seed}):
        steps.say("Adding the demo people")
        person_ids = _people(people, rng, seed, today, added, left_out)
        steps.say("Adding the demo duties")
        _duties(roster, rng, seed, today, added)
        steps.say("Filling the past demo duties")
        # Past duties: fill them as a coordinator would have, then mark them done so they count as hours.
        roster.autofill(today - timedelta(days=61), today - timedelta(days=1), apply=True)
        duties = roster.duties_table
        with store.transaction():
            for (duty_id,) in store.db.execute(
                "SELECT id FROM duties WHERE synthetic = 1 AND status = 'planned' AND ends_at < ? AND deleted = 0",
                [times.to_storage(now)],
            ).fetchall():
                duties.update(duty_id, {"status": "completed"})
        steps.say("Adding the demo patrols")
        _patrols(patrols, rng, seed, now, person_ids, added)
        steps.say("Recording the demo roster in the audit log")  # the last check for Cancel, still inside it
    # The rows above are written through the tables, below the services' own announcements: say what changed, so
    # the Patrols and Roster panels list them (the Patrols list stayed empty until its filter was changed).
    for hub, topic in ((people.hub, PEOPLE_TOPIC), (roster.hub, ROSTER_TOPIC), (patrols.hub, PATROLS_TOPIC)):
        hub.publish(Change(topic, "bulk"))
    return DemoRosterLoaded(added["people"], added["duties"], added["patrols"], tuple(left_out))


def _real_identities(store: Store) -> tuple[set[str], set[str]]:
    """Collar numbers (by `collar_key`: spaces ignored, any case) and names (any case) of the real people on record."""
    collars: set[str] = set()
    names: set[str] = set()
    for name, collar in store.db.execute(
        "SELECT name, collar_number FROM people WHERE deleted = 0 AND synthetic = 0"
    ).fetchall():
        names.add(" ".join(str(name or "").split()).casefold())
        if collar and str(collar).strip():
            collars.add(collar_key(str(collar)))
    return collars, names


def _existing(store: Store, table: str) -> dict[str, list[tuple[str, str]]]:
    """Demo ids already stored -> the (table, id) rows to bring back if `demo --remove` took them away."""
    found: dict[str, list[tuple[str, str]]] = {}
    children = {"people": ("availability", "availability_exceptions", "duty_assignments"),
                "duties": ("duty_assignments",), "patrols": ("patrol_crew", "patrol_events")}[table]
    column = {"people": "person_id", "duties": "duty_id", "patrols": "patrol_id"}[table]
    for (row_id,) in store.db.execute(f"SELECT id FROM {table} WHERE synthetic = 1 OR synthetic IS NULL"):
        rows = [(table, row_id)]
        for child in children:
            rows += [(child, cid) for (cid,) in store.db.execute(
                f"SELECT id FROM {child} WHERE {column} = ? AND deleted = 1", [row_id])]
        found[row_id] = rows
    # Real rows that happen to share an id (never, with uuid5 of the seed) are left alone by _restore.
    for (row_id,) in store.db.execute(f"SELECT id FROM {table} WHERE synthetic = 0"):
        found.setdefault(row_id, [])
    return found


def _restore(any_table: SyncTable, rows: list[tuple[str, str]]) -> int:
    """Lift the tombstones `demo --remove` left on a demo row and its children (live rows stay as they are).

    Returns 1 when the demo row itself came back, for the count of what was added.
    """
    restored = [SyncTable(any_table.store, table, any_table.clock).restore(row_id) for table, row_id in rows]
    return int(bool(restored) and restored[0])


def _people(
    service: PeopleService, rng: random.Random, seed: int, today: date, added: dict[str, int],
    left_out: list[str],
) -> dict[str, list[str]]:
    table, weekly, exceptions = service.people, service.weekly, service.exceptions
    by_role: dict[str, list[str]] = {"officer": [], "special": [], "volunteer": []}
    roles = ["officer"] * 6 + ["special"] * 28 + ["volunteer"] * 6
    store = service.store
    existing = _existing(store, "people")
    real_collars, real_names = _real_identities(store)
    with store.transaction():
        for n, role in enumerate(roles):
            person_id = _id(seed, "person", n)
            name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
            collar = f"{'SC' if role == 'special' else 'PC' if role == 'officer' else 'FW'}{4100 + n}"
            taken = collar_key(collar) in real_collars or name.casefold() in real_names
            if person_id in existing:
                if taken and not _live(store, person_id):  # not brought back over a real person's number
                    left_out.append(f"{name} ({collar})")
                    continue
                by_role[role].append(person_id)
                added["people"] += _restore(service.people, existing[person_id])
                continue
            station = STATIONS[n % len(STATIONS)][0]
            skills = [s for s, p in (("rural_crime", 0.6), ("off_road", 0.25), ("first_aid", 0.7), ("drone", 0.08),
                                     ("wildlife_crime", 0.15)) if rng.random() < p]
            if role == "officer":
                skills = sorted(set(skills) | {"rural_crime"})
            values = validate_person(PersonInput(
                name=name, role=role, collar_number=collar,
                rank="ssgt" if role == "special" and n % 9 == 0 else "sc" if role == "special" else "",
                independent_patrol=role == "officer" or (role == "special" and rng.random() < 0.45),
                driving_authorised=role != "volunteer" and rng.random() < 0.7, skills=skills, station=station,
                area=next(d for s, d, _ in STATIONS if s == station),
                monthly_commitment_hours=16 if role == "special" else (8 if role == "volunteer" else 0),
                phone=f"07700 900{n:03d}", email=f"demo.person{n}@example.org",
            ))
            pattern: Iterator[tuple[int, str, str]]
            if role == "officer":
                # RET officers on shifts, five days in seven: earlies cover dawn hare coursing, lates the joint
                # evening patrols with the Specials (a late shift ends at midnight).
                shift = ("06:00", "16:00") if n % 2 == 0 else ("14:00", "00:00")
                pattern = ((d, *shift) for d in range(0, 7) if (d + n) % 7 < 5)
            else:
                pattern = iter(PATTERNS[rng.randrange(len(PATTERNS))])
            away = today + timedelta(days=rng.randint(3, 25)) if rng.random() < 0.2 else None
            # Drawn before deciding, so leaving one person out changes nothing else in the demo.
            if taken:
                left_out.append(f"{name} ({collar})")
                continue
            by_role[role].append(person_id)
            table.insert({**values, "skills": json.dumps(values["skills"]), "synthetic": 1}, row_id=person_id)
            added["people"] += 1
            for k, (weekday, start, end) in enumerate(pattern):
                weekly.insert({"person_id": person_id, "weekday": weekday, "start_time": start, "end_time": end},
                              row_id=_id(seed, "slot", n, k))
            if away is not None:
                exceptions.insert({"person_id": person_id, "on_date": away.isoformat(), "kind": "away",
                                   "note": "Holiday"}, row_id=_id(seed, "away", n))
    return by_role


def _live(store: Store, person_id: str) -> bool:
    row = store.db.execute("SELECT deleted FROM people WHERE id = ?", [person_id]).fetchone()
    return bool(row) and not row[0]


def _duties(roster: RosterService, rng: random.Random, seed: int, today: date, added: dict[str, int]) -> None:
    store = roster.store
    existing = _existing(store, "duties")
    first = today - timedelta(days=61)
    with store.transaction():
        for offset in range(0, 61 + 31):
            day = first + timedelta(days=offset)
            for t, (title, kind, weekday, start, hours, skills, lo, hi, roles) in enumerate(DUTY_TEMPLATES):
                if day.weekday() != weekday:
                    continue
                for s, (station, district, _) in enumerate(STATIONS):
                    if kind == "training" and s % 2:
                        continue
                    duty_id = _id(seed, "duty", day.isoformat(), t, s)
                    if duty_id in existing:
                        added["duties"] += _restore(roster.duties_table, existing[duty_id])
                        continue
                    begin = datetime.combine(day, time.fromisoformat(start), times.LOCAL_ZONE)
                    values = validate_duty(DutyInput(
                        title=title, kind=kind, start=begin, end=begin + timedelta(hours=hours), station=station,
                        area=district, required_skills=dict(skills), allowed_roles=list(roles), min_crew=lo,
                        max_crew=hi,
                    ))
                    roster.duties_table.insert({
                        **values, "required_skills": json.dumps(values["required_skills"]),
                        "allowed_roles": json.dumps(values["allowed_roles"]), "synthetic": 1,
                    }, row_id=duty_id)
                    added["duties"] += 1


def _patrols(service: PatrolService, rng: random.Random, seed: int, now: datetime,
             person_ids: dict[str, list[str]], added: dict[str, int]) -> None:
    store = service.store
    existing = _existing(store, "patrols")
    today = times.to_local(now).date()
    candidates = {district: service.candidates(district, now, "general_rural_patrol", 25)
                  for district in dict.fromkeys(d for _, d, _ in STATIONS)}
    settings = PlanSettings()
    events = service.repo.events
    # A station's patrols share its district's candidates, its base and a 4-hour window, so suggest_plan picks
    # the same route for each (it is deterministic, and times are offsets from the start): plan once per station
    # and move that plan to each day (4 route searches instead of 26: a tenth of the demo's time).
    planned: dict[tuple[str, timedelta], Plan] = {}
    with store.transaction():
        for week in range(13, 0, -1):
            for slot in range(2):
                n = week * 2 + slot
                day = today - timedelta(days=week * 7 - slot * 3)
                patrol_id = _id(seed, "patrol", day.isoformat(), slot)
                if patrol_id in existing:
                    added["patrols"] += _restore(service.repo.patrols, existing[patrol_id])
                    continue
                station, district, base = STATIONS[n % len(STATIONS)]
                start_hour = 6 if slot == 0 else 18
                begin = datetime.combine(day, time(start_hour, 0), times.LOCAL_ZONE).astimezone(UTC)
                end = begin + timedelta(hours=4)
                pool = candidates[district]
                if not pool:
                    continue
                first = planned.get((station, end - begin))
                if first is None:
                    plan = planned[(station, end - begin)] = suggest_plan(pool, begin, end, settings, base)
                else:
                    plan = _moved(first, begin - first.start)
                purpose = "hare_coursing_operation" if slot == 0 else "equipment_theft_prevention"
                service.repo.patrols.insert({
                    "title": f"Joint patrol {district} ({'dawn' if slot == 0 else 'evening'})",
                    "starts_at": times.to_storage(begin), "ends_at": times.to_storage(end), "area_kind": "district",
                    "area_name": district, "purpose": purpose, "vehicle": f"Ford Ranger YX00 {n:03d}"[:20],
                    "call_sign": f"RURAL{n % 4 + 1}{slot + 1}", "status": PatrolStatus.COMPLETED.value,
                    "plan": stops_to_json(plan.stops), "plan_settings": settings_to_json(settings),
                    "start_lat": base[0], "start_lon": base[1], "started_at": times.to_storage(begin),
                    "ended_at": times.to_storage(end), "briefed_at": times.to_storage(begin - timedelta(hours=1)),
                    "notes": "", "synthetic": 1,
                }, row_id=patrol_id)
                added["patrols"] += 1
                crew = [person_ids["officer"][n % len(person_ids["officer"])],
                        person_ids["special"][n % len(person_ids["special"])]]
                for k, person_id in enumerate(crew):
                    service.repo.crew.insert({"patrol_id": patrol_id, "person_id": person_id},
                                             row_id=_id(seed, "crew", patrol_id, k))
                _log(events, rng, seed, patrol_id, plan, begin, end, service)


def _moved(plan: Plan, by: timedelta) -> Plan:
    """`plan` in a window `by` later: the same stops, each arriving and leaving `by` later (exactly the times
    suggest_plan gives for that window, its times being the window's start plus minutes, capped at its end)."""
    stops = tuple(replace(stop, arrive=stop.arrive + by, leave=stop.leave + by) for stop in plan.stops)
    return replace(plan, stops=stops, start=plan.start + by, end=plan.end + by)


def _log(events: SyncTable, rng: random.Random, seed: int, patrol_id: str, plan: Plan, begin: datetime,
         end: datetime, service: PatrolService) -> None:
    entries: list[tuple[str, datetime, PlanStop | None, dict[str, Any]]] = [("patrol_started", begin, None, {})]
    vehicles = [v.vrm for v in service.vehicles_of_interest(begin)]
    for stop in plan.stops:
        if rng.random() < 0.15:  # a call elsewhere: the stop is missed
            continue
        arrive = stop.arrive + timedelta(minutes=rng.randint(-3, 6))
        stay = max(4, stop.dwell_minutes + rng.randint(-6, 5))
        entries.append(("arrived_stop", arrive, stop, {}))
        if rng.random() < 0.35:
            flagged = bool(vehicles) and rng.random() < 0.4
            vrm = rng.choice(vehicles) if flagged else "AB12 CDE"
            entries.append(("stop_check", arrive + timedelta(minutes=stay / 2), stop,
                            {"vrm": vrm.replace(" ", ""), "vrm_flagged": int(flagged),
                             "detail": "Occupants spoken to, vehicle searched, nothing found" if flagged
                             else "Local farm worker, all in order"}))
        elif rng.random() < 0.4:
            entries.append(("person_spoken", arrive + timedelta(minutes=stay / 2), stop,
                            {"detail": "Landowner spoken to, crime prevention advice given"}))
        entries.append(("left_stop", arrive + timedelta(minutes=stay), stop, {}))
    entries.append(("patrol_ended", end, None, {}))
    for k, (kind, at, here, extra) in enumerate(entries):
        events.insert({
            "patrol_id": patrol_id, "kind": kind, "at": times.to_storage(min(at, end)),
            "lat": here.lat if here else None, "lon": here.lon if here else None,
            "stop_key": here.key if here else None, "vrm": extra.get("vrm"), "vrm_flagged": extra.get("vrm_flagged", 0),
            "detail": extra.get("detail", ""), "incident_id": None,
        }, row_id=_id(seed, "event", patrol_id, k))


def demo_people_in_use(store: Store) -> list[str]:
    """Demo people on the crew of a real (not demo) patrol or assigned to a real duty: removing the demo keeps them,
    as PeopleService.remove keeps anyone on a duty or patrol, so the real record still says who was on it (a
    patrol's crew names came from its people, and a removed person's went blank) and their hours stay counted."""
    return [person_id for (person_id,) in store.db.execute(
        "SELECT id FROM people WHERE synthetic = 1 AND deleted = 0 AND id IN ("
        " SELECT c.person_id FROM patrol_crew c JOIN patrols p ON p.id = c.patrol_id"
        "  WHERE c.deleted = 0 AND p.deleted = 0 AND COALESCE(p.synthetic, 0) = 0"
        " UNION SELECT a.person_id FROM duty_assignments a JOIN duties d ON d.id = a.duty_id"
        "  WHERE a.deleted = 0 AND d.deleted = 0 AND COALESCE(d.synthetic, 0) = 0)"
        " ORDER BY name, id")]


def remove_demo_roster(people: PeopleService) -> int:
    """Tombstone every synthetic person, duty and patrol with what hangs off them, in one transaction.

    Returns how many people, duties and patrols were removed. Real rows are never touched, and neither are the demo
    people a real patrol or duty still names (demo_people_in_use): the real record keeps who was on it.
    """
    store = people.store
    store.actor.require("data.purge")
    removed = 0
    kept = set(demo_people_in_use(store))
    children = {
        "people": (("availability", "person_id"), ("availability_exceptions", "person_id")),
        "duties": (("duty_assignments", "duty_id"),),
        "patrols": (("patrol_crew", "patrol_id"), ("patrol_events", "patrol_id")),
    }
    with audit_batch(store, "remove_demo_roster"):
        for table in ("patrols", "duties", "people"):
            ids = [row[0] for row in store.db.execute(f"SELECT id FROM {table} WHERE synthetic = 1 AND deleted = 0")
                   if row[0] not in kept]
            for child, column in children[table]:
                rows = SyncTable(store, child, people.people.clock)
                for row_id in ids:
                    for (child_id,) in store.db.execute(
                        f"SELECT id FROM {child} WHERE {column} = ? AND deleted = 0", [row_id]
                    ).fetchall():
                        rows.tombstone(child_id)
            if table == "people":  # a demo person's places on demo duties went with those duties above
                assignments = SyncTable(store, "duty_assignments", people.people.clock)
                for row_id in ids:
                    for (child_id,) in store.db.execute(
                        "SELECT id FROM duty_assignments WHERE person_id = ? AND deleted = 0", [row_id]
                    ).fetchall():
                        assignments.tombstone(child_id)
            parent = SyncTable(store, table, people.people.clock)
            for row_id in ids:
                parent.tombstone(row_id)
            removed += len(ids)
    if removed:  # as after loading: the open Patrols and Roster panels drop the removed rows at once
        for topic in (PEOPLE_TOPIC, ROSTER_TOPIC, PATROLS_TOPIC):
            people.hub.publish(Change(topic, "bulk"))
    return removed
