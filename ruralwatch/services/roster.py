"""Duties and who is on them: assigning under the rostering rules, auto-fill, calendars.

The rules live in ruralwatch.rostering; this service feeds them from the database, so the window and the CLI
refuse the same assignments. A coordinator may override a broken rule only with a recorded reason.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, NotFoundError, ValidationError
from ruralwatch.core.people import DutyInput, DutyRecord, duty_from_row, validate_duty
from ruralwatch.core.permissions import ROSTER_LINKED_ROLES
from ruralwatch.core.vocab import DUTY_KIND_NAMES, PATROL_PURPOSE_NAMES, PATROL_STATUS_NAMES, SKILL_NAMES
from ruralwatch.rostering import autofill as autofill_mod
from ruralwatch.rostering.availability import away_during, away_text, format_day
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.hours import counted_hours
from ruralwatch.rostering.model import REACHES, AvailabilityException, Commitment, Duty, RosterRules, RuleBreach
from ruralwatch.rostering.rules import check_assignment, locality, seconds
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.people import PeopleService, exception_from_row
from ruralwatch.services.policies import (
    MAX_REACH,
    MAX_WEEKLY_HOURS,
    MIN_REST_HOURS,
    PendingPolicies,
    Policy,
    write_pending,
)
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.syncable import SyncTable, resolve_id

if TYPE_CHECKING:
    from ruralwatch.io.ical import CalendarDuty
    from ruralwatch.patrols.crew import CrewIssue

# The calendar writer (icalendar) and pandas are imported by the exports that use them: everything that builds
# the services imports this module (issue 21).

TOPIC = "duties"
PATROLS_TOPIC = "patrols"  # services.patrols.TOPIC (that package imports this one)
# A patrol in these states has not started: its crew still follows its duty's (and is cancelled with it).
NOT_STARTED = ("planned", "briefed")
MAX_WEEKLY_REPEATS = 53  # "Repeat weekly until": a year of weeks at most
# Each rule is a per-laptop policy in its own meta key (ruralwatch.services.policies).
RULE_POLICIES = {"min_rest_hours": MIN_REST_HOURS, "max_weekly_hours": MAX_WEEKLY_HOURS}


@dataclass(frozen=True)
class AutofillOutcome:
    assignments: list[tuple[DutyRecord, str, str]]  # (duty, person id, person name)
    gaps: list[tuple[DutyRecord, int, tuple[str, ...]]]  # (duty, places missing, why)
    applied: bool
    # (who, their name): everyone still below their month's commitment, with why the duties went to others
    below: list[tuple[autofill_mod.BelowCommitment, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "assignments": [
                {"duty_id": d.id, "duty": d.title, "start": times.to_storage(d.start), "person_id": pid,
                 "person": name}
                for d, pid, name in self.assignments
            ],
            "gaps": [
                {"duty_id": d.id, "duty": d.title, "start": times.to_storage(d.start), "missing": missing,
                 "reasons": list(reasons)}
                for d, missing, reasons in self.gaps
            ],
            "below_commitment": [
                {"person_id": b.person_id, "person": name, "month": f"{b.month[0]:04d}-{b.month[1]:02d}",
                 "hours": b.hours, "commitment": b.commitment, "reasons": list(b.reasons)}
                for b, name in self.below
            ],
        }


@dataclass(frozen=True)
class Candidate:
    """Someone who could be put on a duty, and the rules it would break (none: free to take it)."""

    person_id: str
    name: str
    role: str
    station: str
    breaches: tuple[RuleBreach, ...]
    nearness: int  # rules.locality: 0 the duty's own station, 1 its area, 2 elsewhere
    standing: autofill_mod.MonthStanding  # against their commitment in the duty's month

    @property
    def free(self) -> bool:
        return not self.breaches

    @property
    def why_not(self) -> str:
        """``away 3–9 Jan; on another duty then`` (empty when free)."""
        return "; ".join(dict.fromkeys(b.short or b.message for b in self.breaches))


@dataclass(frozen=True)
class RosterPatrol:
    """A joint patrol as the Duties calendar shows it beside the duties: a commitment of its crew like a duty,
    edited in the Patrols panel, not here."""

    id: str
    title: str  # "Patrol RURAL21: Hare coursing operation, Uttlesford", as in the .ics file
    start: datetime
    end: datetime
    status: str  # a PatrolStatus value: planned, briefed, in_progress or completed
    crew: tuple[str, ...]


class RosterService:
    def __init__(self, store: Store, people: PeopleService, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.people = people
        self.hub = hub or ChangeHub()
        self._now = clock
        self.duties_table = SyncTable(store, "duties", lambda: self._now())  # created_at/updated_at
        self.assignments = SyncTable(store, "duty_assignments", lambda: self._now())
        # The crew and status of the patrol a joint-patrol duty stands for follow the duty (services/patrols).
        self.patrol_rows = SyncTable(store, "patrols", lambda: self._now())
        self.patrol_crew = SyncTable(store, "patrol_crew", lambda: self._now())
        # Set by the patrol service (which builds on this one): the crew errors a duty's patrol not yet started
        # would have with someone put on the duty, so the crew copied onto it meets the patrol's own rules.
        # With `leaving` True: the errors it would have with them taken off (nobody left to lead it).
        self.patrol_crew_errors: Callable[[str, str, bool], list[CrewIssue]] | None = None

    # --- settings -----------------------------------------------------------------------------------------

    def rules(self) -> RosterRules:
        return RosterRules(
            **{name: policy.read(self.store) for name, policy in RULE_POLICIES.items()},
            max_reach=MAX_REACH.read(self.store),
        )

    def set_rules(self, min_rest_hours: float, max_weekly_hours: float,
                  max_reach: str | None = None) -> RosterRules:
        """Change the limits; `max_reach` None keeps the furthest-sent setting as it is."""
        write_pending(self.store, [self.rules_change(min_rest_hours, max_weekly_hours, max_reach)])
        return self.rules()

    def rules_change(self, min_rest_hours: float, max_weekly_hours: float,
                     max_reach: str | None = None) -> PendingPolicies:
        """The limits checked (every one: Settings marks each refused box), not yet written."""
        self.store.actor.require("roster.edit")
        errors: list[FieldError] = []
        if not 0 <= min_rest_hours <= 48:
            errors.append(FieldError("min_rest_hours", "rest between duties is 0 to 48 hours"))
        if not 1 <= max_weekly_hours <= 168:
            errors.append(FieldError("max_weekly_hours", "weekly hours are 1 to 168"))
        if max_reach is not None and max_reach not in REACHES:
            errors.append(FieldError("max_reach", f"{max_reach!r} is not one of {', '.join(REACHES)}"))
        if errors:
            raise ValidationError(errors)
        chosen: list[tuple[Policy[Any], object]] = [(MIN_REST_HOURS, min_rest_hours),
                                                     (MAX_WEEKLY_HOURS, max_weekly_hours)]
        if max_reach is not None:
            chosen.append((MAX_REACH, max_reach))
        return PendingPolicies(tuple(chosen))

    # --- duties -------------------------------------------------------------------------------------------

    def add_duty(self, inp: DutyInput, synthetic: bool = False) -> DutyRecord:
        return self.add_duties(inp, synthetic=synthetic)[0]

    def add_duties(self, inp: DutyInput, repeat_weekly_until: date | None = None,
                   synthetic: bool = False) -> list[DutyRecord]:
        """The duty, and with `repeat_weekly_until` the same duty every week up to that local date (inclusive),
        in one transaction: a month of Saturday patrols took sixteen dialogs. Each week keeps the UK wall-clock
        times (18:00-23:00 stays 18:00-23:00 across a clock change, so the real length of a night duty over the
        change night is an hour more or less)."""
        self.store.actor.require("roster.edit")
        values = self._validated(inp)
        rows = [values]
        if repeat_weekly_until is not None:
            rows = _weekly(values, repeat_weekly_until)
        with self.store.transaction():
            ids = [self.duties_table.insert({**_encode(row), "synthetic": int(synthetic)}) for row in rows]
        self.hub.publish(Change(TOPIC, "created", tuple(ids)))
        found = {d.id: d for d in self._records(f"d.id IN ({','.join('?' * len(ids))})", ids)}
        return [found[duty_id] for duty_id in ids]

    def update_duty(self, duty_id: str, inp: DutyInput) -> DutyRecord:
        self.store.actor.require("roster.edit")
        current = self.duty(duty_id)
        values = self._validated(inp, current.area)
        if values["max_crew"] < len(current.crew):  # type: ignore[operator]
            raise ValidationError.single("max_crew", f"{len(current.crew)} people are already on this duty")
        patrol = self._patrol_status(current.patrol_id)
        if patrol and patrol != "cancelled" and (values["starts_at"], values["ends_at"]) != (
                times.to_storage(current.start), times.to_storage(current.end)):
            # One commitment, one time: the patrol's plan is timed on it, and the duty follows the patrol.
            raise ValidationError.single("start", "this duty is planned as a patrol: change its day and times in "
                                                  "Team ▸ Patrols (the duty follows)")
        values["patrol_id"] = current.patrol_id  # the link is made and kept by the patrol, not by the form
        with self.store.transaction():
            self.duties_table.update(duty_id, _encode(values))
        self.hub.publish(Change(TOPIC, "updated", (duty_id,)))
        return self.duty(duty_id)

    def _validated(self, inp: DutyInput, stored_area: str = "") -> dict[str, object]:
        """validate_duty's values with the area one of the force's districts by the rule a person's area follows
        (geography.checked_district: "uttles" is Uttlesford; an area stored before the check stays while left
        unchanged), so auto-fill's "same area" compares districts; every bad field named at once."""
        return self.people.geography.with_checked_district(lambda: validate_duty(inp), inp.area, stored_area)

    def set_status(self, duty_id: str, status: str) -> DutyRecord:
        self.store.actor.require("roster.edit")
        if status not in ("planned", "completed", "cancelled"):
            raise ValidationError.single("status", f"{status!r} is not planned, completed or cancelled")
        duty = self.duty(duty_id)
        patrol = self._patrol_status(duty.patrol_id)
        if status == "cancelled" and patrol in ("in_progress", "completed"):
            raise ValidationError.single("status", f"its patrol is {str(patrol).replace('_', ' ')}: a duty that took "
                                                   "place is not cancelled")
        with self.store.transaction():
            self.duties_table.update(duty_id, {"status": status})
            if status == "cancelled" and patrol in NOT_STARTED:  # the patrol it stands for is off too
                self.patrol_rows.update(str(duty.patrol_id), {"status": "cancelled"})
        self.hub.publish(Change(TOPIC, "updated", (duty_id,)))
        if status == "cancelled" and patrol in NOT_STARTED:
            self.hub.publish(Change(PATROLS_TOPIC, "updated", (str(duty.patrol_id),)))
        return self.duty(duty_id)

    def delete_duty(self, duty_id: str) -> None:
        self.store.actor.require("roster.edit")
        duty = self.duty(duty_id)
        patrol = self._patrol_status(duty.patrol_id)
        with self.store.transaction():
            for person_id, _ in duty.crew:
                self._unassign(duty_id, person_id)
            self.duties_table.tombstone(duty_id)
            if patrol in NOT_STARTED:  # as set_status "cancelled": the patrol it stood for is off too
                self.patrol_rows.update(str(duty.patrol_id), {"status": "cancelled"})
        self.hub.publish(Change(TOPIC, "deleted", (duty_id,)))
        if patrol in NOT_STARTED:
            self.hub.publish(Change(PATROLS_TOPIC, "updated", (str(duty.patrol_id),)))

    def duty(self, duty_id: str) -> DutyRecord:
        found = self._records("d.id = ?", [duty_id])
        if not found:  # a short id, as `duty list` prints
            found = self._records("d.id = ?", [resolve_id(self.store, "duties", duty_id, "duty")])
        if not found:
            raise NotFoundError(f"no duty with id {duty_id}")
        return found[0]

    def own_duties_first(self) -> str | None:
        """Whose duties the signed-in account is shown first: its own person's when it is someone on the roster
        (a Special or RET officer linked to their entry) who does not run it; None (everyone) for those who do."""
        actor = self.store.actor
        if actor.role in ROSTER_LINKED_ROLES and actor.person_id and not actor.can("roster.edit"):
            return actor.person_id
        return None

    def duties(self, start: date, end: date, person_id: str | None = None) -> list[DutyRecord]:
        """Duties starting on local dates start..end inclusive, by start time; optionally one person's."""
        lo, hi = _local_day_bounds(start, end)
        records = self._records("d.starts_at >= ? AND d.starts_at < ?", [lo, hi])
        if person_id:
            records = [r for r in records if any(pid == person_id for pid, _ in r.crew)]
        return records

    def _records(self, where: str, params: list[Any]) -> list[DutyRecord]:
        rows = list(
            self.store.db.query(
                f"SELECT d.* FROM duties d WHERE d.deleted = 0 AND {where} ORDER BY d.starts_at, d.title", params
            )
        )
        if not rows:
            return []
        crew: dict[str, list[tuple[str, str]]] = defaultdict(list)
        # (duty, person) -> when the assignment was made, for those made overriding "unavailable": a day away
        # recorded before it was known to the coordinator then, and is not flagged again.
        knowingly: dict[tuple[str, str], str] = {}
        marks = ",".join("?" * len(rows))
        for row in self.store.db.execute(
            f"SELECT a.duty_id, p.id, p.name, a.overridden_rules, a.hlc FROM duty_assignments a"
            f" JOIN people p ON p.id = a.person_id"
            f" WHERE a.deleted = 0 AND a.duty_id IN ({marks}) ORDER BY a.created_at, p.name",
            [r["id"] for r in rows],
        ):
            crew[row[0]].append((row[1], row[2]))
            if "unavailable" in json.loads(row[3] or "[]"):
                knowingly[(row[0], row[1])] = row[4]
        away = self._crew_away(rows, crew, knowingly)
        # A duty that became a patrol counts that patrol's hours (rostering.hours): shown as the reports count them.
        linked = [r["patrol_id"] for r in rows if r["patrol_id"]]
        patrols = {p["id"]: p for p in self.store.db.query(
            f"SELECT id, status, starts_at, ends_at, started_at, ended_at FROM patrols WHERE deleted = 0"
            f" AND id IN ({','.join('?' * len(linked))})", linked)} if linked else {}
        found = []
        for row in rows:
            patrol = patrols.get(row["patrol_id"])
            counted, logged = counted_hours(row, patrol)
            ran = patrol if patrol is not None and patrol["status"] in ("in_progress", "completed") else None
            started, ended = (ran["started_at"], ran["ended_at"]) if ran is not None else (None, None)
            found.append(replace(
                duty_from_row(row, tuple(crew.get(row["id"], ())), away.get(row["id"], ())),
                counted=counted, logged=logged,
                actual_start=times.from_storage(started) if started else None,
                actual_end=times.from_storage(ended) if started and ended else None))
        return found

    def _crew_away(self, rows: list[Any], crew: dict[str, list[tuple[str, str]]],
                   knowingly: dict[tuple[str, str], str]) -> dict[str, tuple[str, ...]]:
        """Per planned duty, why each of its crew cannot come: a day away marked after they were rostered (the
        calendar and `duty list` showed such a duty as crewed)."""
        planned = [r for r in rows if r["status"] == "planned" and crew.get(r["id"])]
        if not planned:
            return {}
        people = sorted({pid for r in planned for pid, _ in crew[r["id"]]})
        first = min(times.to_local(times.from_storage(r["starts_at"])).date() for r in planned) - timedelta(days=1)
        last = max(times.to_local(times.from_storage(r["ends_at"])).date() for r in planned)
        days_away: dict[str, list[tuple[AvailabilityException, str]]] = defaultdict(list)
        for row in self.store.db.query(
            f"SELECT * FROM availability_exceptions WHERE deleted = 0 AND kind = 'away'"
            f" AND on_date >= ? AND on_date <= ? AND person_id IN ({','.join('?' * len(people))})"
            f" ORDER BY on_date, start_time",
            [first.isoformat(), last.isoformat(), *people],
        ):
            days_away[row["person_id"]].append((exception_from_row(row), row["hlc"]))
        if not days_away:
            return {}
        found: dict[str, tuple[str, ...]] = {}
        for r in planned:
            start, end = times.from_storage(r["starts_at"]), times.from_storage(r["ends_at"])
            why = []
            for pid, name in crew[r["id"]]:
                known = knowingly.get((r["id"], pid))
                for exception, added in days_away.get(pid, ()):
                    if (known is None or added > known) and away_during((exception,), start, end) is not None:
                        why.append(away_text(name, exception))
                        break
            if why:
                found[r["id"]] = tuple(why)
        return found

    def rostered_while_away(self, person_id: str, first: date, last: date) -> list[DutyRecord]:
        """Planned duties the person is on that their days away from `first` to `last` now overlap: a Special
        marking a day away when already rostered was told nothing, and the coordinator saw the duty as crewed."""
        away = [e for _, e, _ in self.people.exceptions_of(person_id) if e.kind == "away" and first <= e.on <= last]
        if not away:
            return []
        return [d for d in self.duties(first - timedelta(days=1), last, person_id)
                if d.status == "planned" and away_during(away, d.start, d.end) is not None]

    # --- assignments --------------------------------------------------------------------------------------

    def check(self, duty_id: str, person_id: str) -> list[RuleBreach]:
        """Every rule the assignment would break (empty: fine)."""
        duty = self.duty(duty_id)
        volunteer = self.people.volunteers([person_id])[0]
        crew_ids = [pid for pid, _ in duty.crew if pid != person_id]
        crew = self.people.volunteers(crew_ids) if crew_ids else []
        own = [c for c in self.commitments(person_ids=[person_id]) if c.source_id != duty_id]
        breaches = check_assignment(volunteer, self._engine_duties([duty])[0], own, self.rules(), crew)
        self._check_patrol_crew(duty, person_id)
        return breaches

    def candidates(self, duty_id: str) -> list[Candidate]:
        """Who may be put on the duty, for the window's "Assign someone" and `duty candidates`: everyone still on
        the roster and not already on it, those breaking no rule first, furthest below their monthly commitment in
        the duty's month first (then fewest duties that month, then name: auto-fill's fairness), then the others
        by name, each with the rules they would break (check_assignment: the rules `check`, `assign` and auto-fill
        apply) and their hours owed. A coordinator replacing someone saw all forty people by name, the one away
        among them, and nothing saying who was free; then the free by station, and nothing saying who was owed."""
        duty = self.duty(duty_id)
        if duty.status != "planned":  # assign refuses it: a list of who is "free" for it would mislead
            raise ValidationError.single("duty", f"the duty is {duty.status}: nobody can be put on it")
        on_it = {pid for pid, _ in duty.crew}
        everyone = self.people.volunteers()
        crew = [v for v in everyone if v.id in on_it]
        engine_duty = self._engine_duties([duty])[0]
        month = autofill_mod.month_key(seconds(engine_duty.start))
        rules = self.rules()
        held: dict[str, list[Commitment]] = defaultdict(list)
        for c in self.commitments():
            if c.source_id != duty_id:
                held[c.person_id].append(c)
        found = [
            Candidate(v.id, v.name, v.role, v.station,
                      tuple(check_assignment(v, engine_duty, held[v.id], rules, crew)), locality(v, engine_duty),
                      autofill_mod.month_standing(v, held[v.id], month))
            for v in everyone if v.active and v.id not in on_it
        ]
        return sorted(found, key=lambda c: (bool(c.breaches), c.standing.key() if c.free else (0.0, 0),
                                            c.name.casefold(), c.person_id))

    def _check_patrol_crew(self, duty: DutyRecord, person_id: str, leaving: bool = False) -> None:
        """Someone put on a duty joins its patrol while that has not started, and someone taken off leaves it:
        the patrol's crew errors refuse the change, in the words a patrol planned by hand gets (its rostering
        rules are the duty's, asked above)."""
        if self.patrol_crew_errors is None or self._patrol_status(duty.patrol_id) not in NOT_STARTED:
            return
        errors = self.patrol_crew_errors(str(duty.patrol_id), person_id, leaving)
        if errors:
            text = "; ".join(i.message for i in errors)
            refused = ValidationError.single("crew", text)
            refused.args = (text,)  # the messages name the person: "… not assigned: crew: …" said it twice
            raise refused

    def assign(self, duty_id: str, person_id: str, override_reason: str = "") -> list[RuleBreach]:
        """Put a person on a duty. Broken rules refuse it unless a coordinator gives a reason (recorded)."""
        self.store.actor.require("roster.edit")
        duty = self.duty(duty_id)
        if any(pid == person_id for pid, _ in duty.crew):
            raise ValidationError.single("person", "already on this duty")
        if duty.status != "planned":
            raise ValidationError.single("duty", f"the duty is {duty.status}")
        breaches = self.check(duty_id, person_id)
        reason = override_reason.strip()
        if breaches and not reason:
            raise RuleBreachError.for_assignment(breaches)
        with self.store.transaction():
            self.assignments.insert(
                {"duty_id": duty_id, "person_id": person_id, "assigned_by": "coordinator",
                 "override_reason": reason if breaches else None,
                 "overridden_rules": json.dumps([b.rule for b in breaches]) if breaches else None}
            )
            followed = self._crew_to_patrol(duty, add=person_id, reason=reason if breaches else "",
                                            rules=[b.rule for b in breaches])
        self._published(duty_id, followed)
        return breaches

    def unassign(self, duty_id: str, person_id: str) -> None:
        self.store.actor.require("roster.edit")
        duty = self.duty(duty_id)
        if any(pid == person_id for pid, _ in duty.crew):
            # The patrol not yet started loses them too: not its only lead (cancel the duty, or add one first).
            self._check_patrol_crew(duty, person_id, leaving=True)
        with self.store.transaction():
            if not self._unassign(duty_id, person_id):
                raise NotFoundError("that person is not on this duty")
            followed = self._crew_to_patrol(duty, remove=person_id)
        self._published(duty_id, followed)

    def _published(self, duty_id: str, patrol_id: str | None) -> None:
        self.hub.publish(Change(TOPIC, "updated", (duty_id,)))
        if patrol_id:
            self.hub.publish(Change(PATROLS_TOPIC, "updated", (patrol_id,)))

    # --- the patrol a joint-patrol duty stands for ---------------------------------------------------------
    #
    # A duty and the patrol planned from it (services/patrols/duties.py) are one commitment: the duty's crew is
    # the patrol's until the patrol starts, the patrol's day and times are the duty's, ending the patrol completes
    # the duty, and the hours count once (rostering/hours.py). These helpers write inside the caller's transaction.

    def _patrol_status(self, patrol_id: str | None) -> str | None:
        """The status of a live patrol (None: no patrol, or deleted)."""
        if not patrol_id:
            return None
        row = self.store.db.execute("SELECT status FROM patrols WHERE id = ? AND deleted = 0",
                                    [patrol_id]).fetchone()
        return str(row[0]) if row else None

    def _crew_to_patrol(self, duty: DutyRecord, add: str | None = None, remove: str | None = None,
                        reason: str = "", rules: list[str] | None = None) -> str | None:
        """Carry a crew change of the duty to its patrol while that has not started; the patrol's id if it did.
        An override given on the duty stands for the patrol's place too (the same time, the same rules)."""
        if self._patrol_status(duty.patrol_id) not in NOT_STARTED:
            return None
        patrol_id = str(duty.patrol_id)
        places = dict(self.store.db.execute(
            "SELECT person_id, id FROM patrol_crew WHERE patrol_id = ? AND deleted = 0", [patrol_id]).fetchall())
        if add and add not in places:
            values: dict[str, Any] = {"patrol_id": patrol_id, "person_id": add}
            if rules:
                values |= {"override_reason": reason, "overridden_rules": json.dumps(rules)}
            self.patrol_crew.insert(values)
        if remove and remove in places:
            self.patrol_crew.tombstone(places[remove])
        return patrol_id

    def duty_of_patrol(self, patrol_id: str) -> DutyRecord | None:
        """The live duty that stands for this patrol, if any."""
        found = self._records("d.patrol_id = ?", [patrol_id])
        return found[0] if found else None

    def override_reasons(self, duty_id: str) -> dict[str, str]:
        """Person id -> the reason recorded for assigning them despite broken rules."""
        return {str(pid): str(reason) for pid, reason in self.store.db.execute(
            "SELECT person_id, override_reason FROM duty_assignments WHERE duty_id = ? AND deleted = 0"
            " AND override_reason IS NOT NULL", [duty_id]).fetchall()}

    def link_patrol(self, duty_id: str, patrol_id: str) -> None:
        """Record that the duty stands for this patrol (the caller checks the role and holds the transaction)."""
        self.duties_table.update(duty_id, {"patrol_id": patrol_id})

    def follow_patrol(self, patrol_id: str, values: dict[str, Any], crew: list[str] | None = None,
                      overrides: dict[str, list[str]] | None = None, reason: str = "") -> str | None:
        """Carry a change of the patrol (`values`: starts_at, ends_at and/or status; `crew`: person ids) to the
        planned duty that stands for it, inside the caller's transaction. Returns the duty's id, or None. A crew
        member kept on the patrol despite broken rules (`overrides`: person id -> rules) joins the duty with the
        same reason, as if assigned there (the patrol checked the duty's maximum crew as the duty's "full")."""
        duty = self.duty_of_patrol(patrol_id)
        if duty is None or duty.status != "planned":
            return None
        changed = {k: v for k, v in values.items() if k in ("starts_at", "ends_at", "status")}
        moved = any(changed.get(k, now) != now for k, now in (("starts_at", times.to_storage(duty.start)),
                                                              ("ends_at", times.to_storage(duty.end))))
        if changed:
            self.duties_table.update(duty.id, changed)
        if crew is not None:
            on_duty = {pid for pid, _ in duty.crew}
            # What the patrol's crew places record after this change (the caller wrote them), not only this
            # change's `overrides`: a place's earlier rules are kept with it (record_override), and the reason is
            # the one the patrol shows for them.
            recorded = {str(pid): (str(why), str(rules)) for pid, why, rules in self.store.db.execute(
                "SELECT person_id, override_reason, overridden_rules FROM patrol_crew WHERE patrol_id = ?"
                " AND deleted = 0 AND override_reason IS NOT NULL", [patrol_id]).fetchall()}
            for person_id, rules in (overrides or {}).items():
                if rules and person_id not in recorded:
                    recorded[person_id] = (reason, json.dumps(rules))
            for person_id in crew:
                kept = recorded.get(person_id)
                if person_id not in on_duty:
                    self.assignments.insert(
                        {"duty_id": duty.id, "person_id": person_id, "assigned_by": "patrol"}
                        | ({"override_reason": kept[0], "overridden_rules": kept[1]} if kept else {}))
                elif kept:  # e.g. the patrol moved and its reason was given again for the new time
                    self._record_override(duty.id, person_id, kept)
                elif moved:  # at the new time they break no rule: the old reason goes (the audit log keeps it)
                    self._record_override(duty.id, person_id, (None, None))
            for person_id in on_duty - set(crew):
                self._unassign(duty.id, person_id)
        return duty.id

    def _record_override(self, duty_id: str, person_id: str, kept: tuple[str | None, str | None]) -> None:
        for row_id, why, rules in self.store.db.execute(
                "SELECT id, override_reason, overridden_rules FROM duty_assignments WHERE duty_id = ?"
                " AND person_id = ? AND deleted = 0", [duty_id, person_id]).fetchall():
            if (why, rules) != kept:
                self.assignments.update(row_id, {"override_reason": kept[0], "overridden_rules": kept[1]})

    def _unassign(self, duty_id: str, person_id: str) -> bool:
        rows = self.store.db.execute(
            "SELECT id FROM duty_assignments WHERE duty_id = ? AND person_id = ? AND deleted = 0", [duty_id, person_id]
        ).fetchall()
        for (row_id,) in rows:
            self.assignments.tombstone(row_id)
        return bool(rows)

    def overrides(self, duty_id: str) -> list[tuple[str, str, list[str]]]:
        """(person name, reason, rules) of assignments made despite broken rules."""
        return [
            (row["name"], row["override_reason"], json.loads(row["overridden_rules"] or "[]"))
            for row in self.store.db.query(
                "SELECT p.name, a.override_reason, a.overridden_rules FROM duty_assignments a"
                " JOIN people p ON p.id = a.person_id WHERE a.duty_id = ? AND a.deleted = 0"
                " AND a.override_reason IS NOT NULL",
                [duty_id],
            )
        ]

    def commitments(self, person_ids: Iterable[str] | None = None) -> list[Commitment]:
        """Time people are already committed: places on live duties and on patrols not cancelled. A patrol that
        has started counts from when it started, and an ended one until it ended: a patrol planned for tomorrow
        but run today no longer keeps its crew busy tomorrow. A completed duty carries the hours logged for it
        (as the hours report counts them), which auto-fill's fairness counts instead of its length."""
        rows = self.store.db.execute(
            "SELECT a.person_id, d.starts_at, d.ends_at, d.id, NULL, NULL,"
            " CASE WHEN d.status = 'completed' THEN a.hours END FROM duty_assignments a"
            " JOIN duties d ON d.id = a.duty_id"
            " WHERE a.deleted = 0 AND d.deleted = 0 AND d.status != 'cancelled'"
            " UNION ALL"
            " SELECT c.person_id, p.starts_at, p.ends_at, p.id, p.started_at, p.ended_at, NULL FROM patrol_crew c"
            " JOIN patrols p ON p.id = c.patrol_id"
            " WHERE c.deleted = 0 AND p.deleted = 0 AND p.status != 'cancelled'"
            # A patrol planned from a duty is one commitment, not two.
            " AND p.id NOT IN (SELECT patrol_id FROM duties WHERE patrol_id IS NOT NULL AND deleted = 0)"
        ).fetchall()
        wanted = set(person_ids) if person_ids is not None else None
        return [
            Commitment(person_id=r[0], start=start, end=end, source_id=r[3],
                       hours=None if r[6] is None else float(r[6]))
            for r in rows
            if wanted is None or r[0] in wanted
            for start, end in [_committed_time(r[1], r[2], r[4], r[5])]
        ]

    def _engine_duties(self, duties: list[DutyRecord]) -> list[Duty]:
        """The engine's view of duties. An area typed before areas were checked ("Uttles") counts as the district
        it stands for, as a person's does (PeopleService.volunteers); one standing for none is matched as written."""
        geography = self.people.geography
        home = {area: geography.district_named(area) or area for area in {d.area for d in duties} if area}
        return [_engine_duty(d, home.get(d.area, d.area)) for d in duties]

    # --- auto-fill ----------------------------------------------------------------------------------------

    def autofill(self, start: date, end: date, apply: bool = True) -> AutofillOutcome:
        """Fill the open places of planned duties from `start` to `end` (local dates, inclusive).

        Fairness counts everyone's whole month (every commitment, not only the period's), so filling a month a
        week at a time shares it as filling it at once would. Applied in one transaction; with apply=False only
        the proposal is returned.
        """
        if apply:
            self.store.actor.require("roster.edit")
        if end < start:
            raise ValidationError.single("to", "the period ends before it starts")
        if (end - start).days > 93:
            raise ValidationError.single("to", "auto-fill at most three months at a time")
        duties = [d for d in self.duties(start, end) if d.status == "planned"]
        volunteers = [v for v in self.people.volunteers() if v.active]
        result = autofill_mod.autofill(
            volunteers,
            self._engine_duties(duties),
            {d.id: [pid for pid, _ in d.crew] for d in duties},
            self.commitments(),
            self.rules(),
            start,
            end,
        )
        by_id = {d.id: d for d in duties}
        names = {v.id: v.name for v in volunteers}
        if apply and result.assignments:
            with self.store.transaction():
                for a in result.assignments:
                    self.assignments.insert(
                        {"duty_id": a.duty_id, "person_id": a.person_id, "assigned_by": "autofill"}
                    )
            self.hub.publish(Change(TOPIC, "bulk", tuple(sorted({a.duty_id for a in result.assignments}))))
        return AutofillOutcome(
            assignments=[(by_id[a.duty_id], a.person_id, names.get(a.person_id, a.person_id))
                         for a in result.assignments],
            gaps=[(by_id[g.duty_id], g.missing, tuple(g.reasons)) for g in result.gaps],
            applied=apply,
            below=[(b, names.get(b.person_id, b.person_id)) for b in result.below],
        )

    # --- calendars ----------------------------------------------------------------------------------------

    def calendar(self, start: date, end: date, person_id: str | None = None, station: str | None = None,
                 name: str = "RuralWatch duties") -> bytes:
        """An iCalendar file of duties and joint patrols (one person's, a station's or everyone's).

        Patrols are those not cancelled starting in the period: for a person, the ones they are crew on; for a
        station, the ones anyone of that station is crew on. A patrol whose roster duty is in the file is left
        out (it is that duty).
        """
        duties = self.duties(start, end, person_id)
        if station:
            duties = [d for d in duties if d.station.lower() == station.lower()]
        from ruralwatch.io.ical import duties_calendar

        entries = [_calendar_duty(d) for d in duties]
        linked = {d.patrol_id for d in duties if d.patrol_id}
        entries += [p for p in self._calendar_patrols(start, end, person_id, station) if p.uid[7:] not in linked]
        return duties_calendar(name, entries)

    def export_calendar(self, path: Path, start: date, end: date, person_id: str | None = None,
                        station: str | None = None, name: str = "RuralWatch duties") -> int:
        """Write `calendar(...)` to `path` (it appears only when complete) and audit the export: it carries
        volunteers' names. Returns the number of events written."""
        from ruralwatch.io.exports import check_target, replace_atomically  # file writing: imported when used

        target = check_target(path)
        if station:
            self._check_station(station)
        data = self.calendar(start, end, person_id=person_id, station=station, name=name)
        replace_atomically(target, lambda part: part.write_bytes(data))
        events = data.count(b"BEGIN:VEVENT")
        with self.store.transaction():
            record_event(self.store, "export", "duties_calendar", None, {
                "file": str(target), "from": start.isoformat(), "to": end.isoformat(), "person": person_id,
                "station": station, "events": events,
            })
        return events

    def _check_station(self, station: str) -> None:
        """A station nobody belongs to and no duty is from: `roster ics --station "Saffron Waldon"` wrote an empty
        calendar and exited 0, as if the station had no duties."""
        known = sorted({str(s) for (s,) in self.store.db.execute(
            "SELECT station FROM people WHERE deleted = 0 AND station <> '' "
            "UNION SELECT station FROM duties WHERE deleted = 0 AND station <> ''").fetchall()})
        if station.strip().lower() not in {k.lower() for k in known}:
            raise ValidationError.single("station", f"no person or duty is of a station called {station!r}"
                                         + (f"; stations: {', '.join(known)}" if known else ""))

    def patrols(self, start: date, end: date, person_id: str | None = None,
                station: str | None = None) -> list[RosterPatrol]:
        """Joint patrols not cancelled starting on local dates start..end (the person's or the station's, as in
        `calendar`), except those on the roster as a duty of the period: that duty stands for them."""
        linked = {d.patrol_id for d in self.duties(start, end, person_id) if d.patrol_id}
        entries = [e for e in self._calendar_patrols(start, end, person_id, station) if e.uid[7:] not in linked]
        if not entries:
            return []
        ids = [e.uid[7:] for e in entries]
        statuses = dict(self.store.db.execute(
            f"SELECT id, status FROM patrols WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall())
        return [RosterPatrol(pid, e.title, e.start, e.end, statuses[pid], e.crew) for pid, e in zip(ids, entries,
                                                                                                      strict=True)]

    def _calendar_patrols(self, start: date, end: date, person_id: str | None,
                          station: str | None) -> list[CalendarDuty]:
        lo, hi = _local_day_bounds(start, end)
        rows = list(self.store.db.query(
            "SELECT * FROM patrols WHERE deleted = 0 AND status != 'cancelled' AND starts_at >= ? AND starts_at < ?"
            " ORDER BY starts_at, id", [lo, hi],
        ))
        if not rows:
            return []
        from ruralwatch.io.ical import patrol_entry

        crew: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        marks = ",".join("?" * len(rows))
        for patrol_id, pid, person, home in self.store.db.execute(
            f"SELECT c.patrol_id, p.id, p.name, p.station FROM patrol_crew c JOIN people p ON p.id = c.person_id"
            f" WHERE c.deleted = 0 AND c.patrol_id IN ({marks}) ORDER BY c.created_at, p.name",
            [r["id"] for r in rows],
        ):
            crew[patrol_id].append((pid, person, home or ""))
        entries = []
        for row in rows:
            members = crew.get(row["id"], [])
            if person_id and not any(pid == person_id for pid, _, _ in members):
                continue
            if station and not any(home.lower() == station.lower() for _, _, home in members):
                continue
            base = ""
            if row["start_lat"] is not None and row["start_lon"] is not None:
                base = f"base {geo.lat_lon_to_grid_ref(row['start_lat'], row['start_lon'], 8)}"
            entries.append(patrol_entry(
                row["id"], row["call_sign"] or "", PATROL_PURPOSE_NAMES.get(row["purpose"], row["purpose"]),
                row["area_name"] or "", times.from_storage(row["starts_at"]), times.from_storage(row["ends_at"]),
                status=PATROL_STATUS_NAMES.get(row["status"], row["status"]), vehicle=row["vehicle"] or "",
                briefing_place=base, notes=row["notes"] or "", crew=[name for _, name, _ in members],
                updated=times.from_storage(row["updated_at"]),
            ))
        return entries

    def export_duties(self, start: date, end: date, path: Path) -> Path:
        """Duties with their crew as CSV or XLSX (by the file's extension); the file appears only when complete.
        Duties only: joint patrols are in the calendar export (`calendar`) and the patrol list, not here."""
        from ruralwatch.io.exports import check_target, replace_atomically, write_csv, write_sheets

        self.store.actor.require("export.data")
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise ValidationError.single("output", f"{path.name}: use a .csv or .xlsx file name")
        target = check_target(path)
        import pandas as pd

        frame = pd.DataFrame.from_records(
            [
                {
                    "date": times.to_local(d.start).strftime("%Y-%m-%d"),
                    "start": times.to_local(d.start).strftime("%H:%M"),
                    "end": times.to_local(d.end).strftime("%H:%M"), "hours": round(d.hours, 2), "title": d.title,
                    "kind": DUTY_KIND_NAMES.get(d.kind, d.kind), "station": d.station, "area": d.area,
                    "status": d.status, "min_crew": d.min_crew, "max_crew": d.max_crew,
                    "crew": "; ".join(name for _, name in d.crew), "open_places": d.open_places,
                    "needed_skills": ", ".join(f"{SKILL_NAMES.get(k, k)} x{n}" for k, n in d.required_skills.items()),
                }
                for d in self.duties(start, end)
            ],
            columns=["date", "start", "end", "hours", "title", "kind", "station", "area", "status", "min_crew",
                     "max_crew", "crew", "open_places", "needed_skills"],
        )
        if suffix == ".csv":
            replace_atomically(target, lambda part: write_csv(frame, part))
        else:
            replace_atomically(target, lambda part: write_sheets(part, {"Duties": frame}))
        with self.store.transaction():
            record_event(self.store, "export", "duties", None, {"file": str(target), "rows": len(frame)})
        return target


def away_warning(name: str, duties: list[DutyRecord]) -> str:
    """What the window and `people away` say when a day away falls on duties the person is rostered on."""
    listed = "; ".join(f"{d.title} ({format_day(times.to_local(d.start).date())} "
                       f"{times.to_local(d.start):%H:%M}–{times.to_local(d.end):%H:%M}"
                       f"{', ' + d.station if d.station else ''})" for d in duties)
    which = "that duty" if len(duties) == 1 else "those duties"
    return (f"Saved, but {name} is rostered on {listed}: {which} now show{'s' if len(duties) == 1 else ''} as at "
            f"risk until the coordinator finds someone else.")


def _weekly(values: dict[str, object], until: date) -> list[dict[str, object]]:
    """A duty's values repeated every 7 days up to the local date `until`: the same UK wall-clock start and end
    each week (a time the clocks skip reads as the moment after the change, as availability does)."""
    start = times.to_local(times.from_storage(str(values["starts_at"])))
    end = times.to_local(times.from_storage(str(values["ends_at"])))
    first = start.date()
    if until < first:
        raise ValidationError.single("repeat_weekly_until", f"{until.isoformat()} is before the duty's date "
                                                            f"({first.isoformat()})")
    weeks = (until - first).days // 7 + 1
    if weeks > MAX_WEEKLY_REPEATS:
        raise ValidationError.single("repeat_weekly_until", f"{weeks} weeks is more than {MAX_WEEKLY_REPEATS} at once")
    rows = []
    for n in range(weeks):
        shift = timedelta(days=7 * n)
        # Wall-clock arithmetic on naive local times, then read in the UK zone: adding 7 days to an aware
        # datetime across a clock change would move the duty by an hour.
        begin = _wall(start.replace(tzinfo=None) + shift)
        finish = _wall(end.replace(tzinfo=None) + shift)
        if finish <= begin:  # only a duty ending in the skipped hour could: keep its length instead
            finish = begin + (end - start)
        rows.append({**values, "starts_at": times.to_storage(begin), "ends_at": times.to_storage(finish)})
    return rows


def _wall(naive: datetime) -> datetime:
    """A UK wall-clock time as a real moment; a time the clocks skip (01:30 on the last Sunday of March) becomes
    the same time after the change (02:30 BST), as reading it before the change and converting does."""
    return naive.replace(tzinfo=times.LOCAL_ZONE).astimezone(UTC).astimezone(times.LOCAL_ZONE)


def _engine_duty(duty: DutyRecord, area: str) -> Duty:
    """The rostering engine's view of a duty, in `area` (its district)."""
    return Duty(
        id=duty.id, title=duty.title, kind=duty.kind, start=duty.start, end=duty.end,
        required_skills=duty.required_skills, allowed_roles=frozenset(duty.allowed_roles),
        min_crew=duty.min_crew, max_crew=duty.max_crew, station=duty.station, area=area,
    )


def _calendar_duty(duty: DutyRecord) -> CalendarDuty:
    from ruralwatch.io.ical import CalendarDuty

    where = ", ".join(part for part in (duty.area, duty.station) if part)
    return CalendarDuty(
        uid=duty.id, title=duty.title, kind=DUTY_KIND_NAMES.get(duty.kind, duty.kind), start=duty.start,
        end=duty.end, location=where, description=duty.notes, crew=tuple(name for _, name in duty.crew),
        updated=times.from_storage(duty.updated_at), cancelled=duty.status == "cancelled",
    )


def _local_day_bounds(start: date, end: date) -> tuple[str, str]:
    lo = datetime.combine(start, datetime.min.time(), times.LOCAL_ZONE)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), times.LOCAL_ZONE)
    return times.to_storage(lo), times.to_storage(hi)


def _encode(values: dict[str, object]) -> dict[str, object]:
    return {
        **values,
        "required_skills": json.dumps(values["required_skills"]),
        "allowed_roles": json.dumps(values["allowed_roles"]),
    }


def _committed_time(starts_at: str, ends_at: str, started_at: str | None,
                    ended_at: str | None) -> tuple[datetime, datetime]:
    """The time a duty or patrol holds its people: as planned, or as it really ran once started."""
    start, end = times.from_storage(starts_at), times.from_storage(ends_at)
    if started_at:
        actual_start = times.from_storage(started_at)
        end = times.from_storage(ended_at) if ended_at else actual_start + (end - start)
        start = actual_start
    return start, max(start, end)
