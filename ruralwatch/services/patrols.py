"""Joint patrols: plan from harm hotspots, brief the crew, log the patrol as it happens, measure the dose.

Each logged event is its own transaction, written the moment it is logged (the store runs with
synchronous=FULL), so a laptop that dies mid-patrol keeps every event logged before it died.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, NotFoundError, ValidationError
from ruralwatch.core.kinds import kind_name
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput, patrol_window, validate_event, validate_patrol
from ruralwatch.core.vocab import (
    PATROL_EVENT_NAMES,
    PATROL_PURPOSE_NAMES,
    PERSON_ROLE_NAMES,
    PURPOSE_INCIDENT_KINDS,
    SKILL_NAMES,
)
from ruralwatch.core.vrm import display_vrm, normalise_vrm
from ruralwatch.io.briefing import (
    Briefing,
    BriefingIncident,
    BriefingStop,
    ContactPoint,
    CrewLine,
    VehicleOfInterest,
    write_briefing_pdf,
)
from ruralwatch.mapping import boundaries
from ruralwatch.patrols.crew import OVERRIDE, WARNING, CrewIssue, CrewMember, check_crew, roster_rule_issues
from ruralwatch.patrols.plan import Candidate, Plan, PlannedStop, PlanSettings, replan, suggest_plan
from ruralwatch.rostering.model import Commitment, RuleBreach
from ruralwatch.services.analysis import AnalysisService, HotspotQuery
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.harm import HarmService
from ruralwatch.services.people import PeopleService
from ruralwatch.services.roster import RosterService
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.syncable import SyncTable, resolve_id

TOPIC = "patrols"
PLAN_DEFAULTS_KEY = "patrol.plan_defaults"
HOTSPOT_CELL_M = 500.0
HOTSPOT_MONTHS = 12  # hotspots come from this many months of incidents before the patrol
RECENT_DAYS = 28  # incidents this recent are stops in their own right
BRIEFING_DAYS = 14  # the briefing lists incidents this recent
VEHICLE_DAYS = 180  # vehicles seen on reports this recent are "of interest"
MIN_STOP_SEPARATION_M = 1000.0  # two hotspot cells closer than this are one stop
VEHICLE_KINDS = ("hare_coursing", "equipment_theft", "unlawful_encampment")
CONTACTS = (
    ContactPoint("Force control room", "999 emergency / 101 non-emergency; airwave talkgroup as briefed"),
    ContactPoint("Rural Engagement Team", "Duty sergeant via control"),
)


class CrewRuleError(ValidationError):
    """Crew members would break rostering rules and no override reason was given. A ValidationError on the crew
    field (a form points at the crew); `issues` and `breaches` list every rule broken, as RuleBrokenError does
    for a duty."""

    def __init__(self, issues: list[CrewIssue]) -> None:
        self.issues = issues
        self.breaches = [RuleBreach(i.code, i.message) for i in issues]
        text = " ".join(i.message for i in issues)
        super().__init__(FieldError("crew", f"{text} Give a reason to override."))


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


@dataclass(frozen=True)
class PatrolRecord:
    id: str
    title: str
    start: datetime
    end: datetime
    area: str
    purpose: str
    vehicle: str
    call_sign: str
    status: str
    crew: tuple[tuple[str, str], ...]  # (person id, name)
    stops: tuple[dict[str, Any], ...]  # the saved plan: PlannedStop fields, times as storage text
    settings: PlanSettings
    base: tuple[float, float] | None
    started_at: str | None
    ended_at: str | None
    briefed_at: str | None
    notes: str
    synthetic: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "start": times.to_storage(self.start),
            "end": times.to_storage(self.end), "area": self.area, "purpose": self.purpose, "vehicle": self.vehicle,
            "call_sign": self.call_sign, "status": self.status,
            "crew": [{"id": pid, "name": name} for pid, name in self.crew], "stops": list(self.stops),
            "started_at": self.started_at, "ended_at": self.ended_at, "briefed_at": self.briefed_at,
        }


@dataclass(frozen=True)
class LoggedEvent:
    id: str
    kind: str
    at: str
    lat: float | None
    lon: float | None
    stop_key: str | None
    vrm: str | None
    flagged: bool
    detail: str
    incident_id: str | None


@dataclass(frozen=True)
class StopDose:
    key: str
    label: str
    planned_minutes: float
    actual_minutes: float
    visited: bool


@dataclass(frozen=True)
class PatrolDose:
    stops: list[StopDose]
    missed: list[str]  # labels of planned stops never arrived at
    events_by_kind: dict[str, int]
    planned_minutes: float
    actual_minutes: float


@dataclass(frozen=True)
class HotspotDosage:
    key: str
    label: str
    lat: float
    lon: float
    visits: int
    minutes: float
    crimes_before: int
    crimes_during: int
    harm_before: float
    harm_during: float


def plan_to_json(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "seq": s.seq, "key": s.key, "lat": s.lat, "lon": s.lon, "label": s.label, "reason": s.reason,
            "harm": s.harm, "arrive": times.to_storage(s.arrive), "leave": times.to_storage(s.leave),
            "dwell_minutes": s.dwell_minutes, "travel_minutes": s.travel_minutes,
        }
        for s in plan.stops
    ]


def candidate_of(stop: dict[str, Any]) -> Candidate:
    return Candidate(stop["key"], stop["lat"], stop["lon"], stop["harm"], stop["label"], stop["reason"])


class PatrolService:
    def __init__(
        self, store: Store, hub: ChangeHub, people: PeopleService, roster: RosterService,
        analysis: AnalysisService, harm: HarmService, clock: Callable[[], datetime] = times.utc_now,
    ) -> None:
        self.store = store
        self.hub = hub
        self.people = people
        self.roster = roster
        self.analysis = analysis
        self.harm = harm
        self._now = clock
        self.patrols = SyncTable(store, "patrols")
        self.crew = SyncTable(store, "patrol_crew")
        self.events = SyncTable(store, "patrol_events")

    # --- plan ---------------------------------------------------------------------------------------------

    def check_crew(self, crew_ids: list[str], purpose: str, start: datetime, end: datetime,
                   patrol_id: str | None = None, roster_rules: bool = False,
                   honour_overrides: bool = True) -> list[CrewIssue]:
        """Crew rules (ruralwatch.patrols.crew) against everyone's other duties and patrols; with `roster_rules`
        also the rostering rules a duty assignment is held to (availability, rest, weekly hours, left) as
        ``override`` issues. On a saved patrol, a crew member whose override is recorded is shown as a warning for
        the rules overridden. (`roster_rules` is off by default only for callers written before those checks.)"""
        people = {p.id: p for p in (self.people.get(pid) for pid in crew_ids)}
        members = [
            CrewMember(pid, people[pid].name, people[pid].role, people[pid].independent_patrol,
                       frozenset(people[pid].skills))
            for pid in crew_ids
        ]
        others: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
        own: dict[str, list[Commitment]] = defaultdict(list)
        titles = self._commitment_titles()
        for c in self.roster.commitments(crew_ids):
            if c.source_id != patrol_id and not self._is_duty_of(c.source_id, patrol_id):
                others[c.person_id].append((c.start, c.end, titles.get(c.source_id, "another duty")))
                own[c.person_id].append(c)
        rule_issues: list[CrewIssue] = []
        if roster_rules and _aware(start) and _aware(end) and end > start:  # else check_crew says what is wrong
            volunteers = self.people.volunteers(list(dict.fromkeys(crew_ids)))
            rule_issues = roster_rule_issues(volunteers, start, end, own, self.roster.rules())
            # An override was given for the patrol's time: moved to another time, it is asked for again.
            recorded = self._overrides_by_person(patrol_id) if patrol_id and honour_overrides else {}
            rule_issues = [
                replace(i, severity=WARNING, message=f"{i.message} Overridden: {recorded[i.person_id][0]}")
                if i.person_id in recorded and i.code in recorded[i.person_id][1] else i
                for i in rule_issues
            ]
        return check_crew(members, purpose, start, end, others, rule_issues)

    def _is_duty_of(self, duty_id: str, patrol_id: str | None) -> bool:
        if not patrol_id:
            return False
        row = self.store.db.execute("SELECT patrol_id FROM duties WHERE id = ?", [duty_id]).fetchone()
        return bool(row and row[0] == patrol_id)

    def _commitment_titles(self) -> dict[str, str]:
        rows = self.store.db.execute(
            "SELECT id, title FROM duties WHERE deleted = 0 UNION ALL SELECT id, title FROM patrols WHERE deleted = 0"
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def create(self, inp: PatrolInput, synthetic: bool = False,
               override_reason: str | None = None) -> tuple[PatrolRecord, list[CrewIssue]]:
        """Record a planned patrol. Crew errors refuse it. Broken rostering rules (``override`` issues) refuse it
        too unless `override_reason` is given, which is then recorded with each crew place concerned. Every issue
        not refused is returned to show.

        `override_reason` None is for callers written before the rostering rules applied to crews: the
        ``override`` issues are returned with the warnings and nothing is refused or recorded.
        """
        self.store.actor.require("patrol.plan")
        values = validate_patrol(inp)
        area = self._area(str(values["area_name"]))
        values["area_name"] = area.label
        values["area_kind"] = area.kind
        issues, overrides = self._crew_issues(inp.crew, values, None, override_reason)
        with self.store.transaction():
            patrol_id = self.patrols.insert(
                {**values, "status": "planned", "plan": "[]", "plan_settings": json.dumps(_settings_dict(
                    self.default_settings())), "synthetic": int(synthetic)}
            )
            for person_id in dict.fromkeys(inp.crew):
                self._insert_crew(patrol_id, person_id, overrides.get(person_id, []), override_reason or "")
        self.hub.publish(Change(TOPIC, "created", (patrol_id,)))
        return self.get(patrol_id), issues

    def update(self, patrol_id: str, inp: PatrolInput,
               override_reason: str | None = None) -> tuple[PatrolRecord, list[CrewIssue]]:
        """As `create`; crew members whose override is already recorded are not asked for a reason again."""
        self.store.actor.require("patrol.plan")
        current = self.get(patrol_id)
        if current.status in ("completed", "cancelled"):
            raise ValidationError.single("status", f"the patrol is {current.status}")
        values = validate_patrol(inp)
        area = self._area(str(values["area_name"]))
        values["area_name"], values["area_kind"] = area.label, area.kind
        moved = (values["starts_at"], values["ends_at"]) != (times.to_storage(current.start),
                                                             times.to_storage(current.end))
        issues, overrides = self._crew_issues(inp.crew, values, patrol_id, override_reason, not moved)
        with self.store.transaction():
            self.patrols.update(patrol_id, values)
            if moved:  # overrides given for the old time no longer stand
                self._clear_overrides(patrol_id)
            self._set_crew(patrol_id, inp.crew, overrides, override_reason or "")
        self.hub.publish(Change(TOPIC, "updated", (patrol_id,)))
        return self.get(patrol_id), issues

    def _crew_issues(self, crew: list[str], values: dict[str, object], patrol_id: str | None,
                     override_reason: str | None, honour_overrides: bool = True,
                     ) -> tuple[list[CrewIssue], dict[str, list[str]]]:
        """All the crew's issues, and person id -> rostering rules to record as overridden. Raises for errors,
        and (CrewRuleError) for broken rostering rules without a reason."""
        issues = self.check_crew(
            crew, str(values["purpose"]), times.from_storage(str(values["starts_at"])),
            times.from_storage(str(values["ends_at"])), patrol_id, roster_rules=True,
            honour_overrides=honour_overrides,
        )
        errors = [i for i in issues if i.severity == "error"]
        if errors:
            raise ValidationError.single("crew", "; ".join(i.message for i in errors))
        broken = [i for i in issues if i.severity == OVERRIDE]
        if override_reason is None:  # a caller that does not ask for reasons: shown, not enforced
            return issues, {}
        if broken and not override_reason.strip():
            raise CrewRuleError(broken)
        overrides: dict[str, list[str]] = defaultdict(list)
        for issue in broken:
            overrides[str(issue.person_id)].append(issue.code)
        return issues, dict(overrides)

    def _set_crew(self, patrol_id: str, crew: list[str], overrides: dict[str, list[str]] | None = None,
                  override_reason: str = "") -> None:
        overrides = overrides or {}
        current = {
            person_id: row_id
            for row_id, person_id in self.store.db.execute(
                "SELECT id, person_id FROM patrol_crew WHERE patrol_id = ? AND deleted = 0", [patrol_id]
            ).fetchall()
        }
        for person_id, row_id in current.items():
            if person_id not in crew:
                self.crew.tombstone(row_id)
            elif overrides.get(person_id):
                self._record_override(row_id, overrides[person_id], override_reason)
        for person_id in dict.fromkeys(crew):
            if person_id not in current:
                self._insert_crew(patrol_id, person_id, overrides.get(person_id, []), override_reason)

    # --- crew overrides: recorded like duty assignment overrides ------------------------------------------
    #
    # A crew place keeps its override in its own row (`override_reason`, `overridden_rules`, migration 9), as a
    # duty assignment does, written through SyncTable: the row's audit entry carries it and it syncs.

    def _insert_crew(self, patrol_id: str, person_id: str, rules: list[str], reason: str) -> str:
        values: dict[str, Any] = {"patrol_id": patrol_id, "person_id": person_id}
        if rules:
            values |= {"override_reason": reason.strip(), "overridden_rules": json.dumps(rules)}
        return self.crew.insert(values)

    def _record_override(self, row_id: str, rules: list[str], reason: str) -> None:
        before = self.crew.get_raw(row_id)
        known = json.loads(before.get("overridden_rules") or "[]") if before.get("override_reason") else []
        self.crew.update(row_id, {"override_reason": reason.strip(),
                                  "overridden_rules": json.dumps(list(dict.fromkeys([*known, *rules])))})

    def _clear_overrides(self, patrol_id: str) -> None:
        for (row_id,) in self.store.db.execute(
            "SELECT id FROM patrol_crew WHERE patrol_id = ? AND deleted = 0 AND override_reason IS NOT NULL",
            [patrol_id],
        ).fetchall():
            self.crew.update(row_id, {"override_reason": None, "overridden_rules": None})

    def _overrides_by_person(self, patrol_id: str) -> dict[str, tuple[str, list[str]]]:
        """Person id -> (latest reason, every rule overridden) for the live crew places of a patrol."""
        return {
            person_id: (reason, json.loads(rules or "[]"))
            for person_id, reason, rules in self.store.db.execute(
                "SELECT person_id, override_reason, overridden_rules FROM patrol_crew WHERE patrol_id = ?"
                " AND deleted = 0 AND override_reason IS NOT NULL", [patrol_id],
            ).fetchall()
        }

    def overrides(self, patrol_id: str) -> list[tuple[str, str, list[str]]]:
        """(person name, reason, rules) of crew places kept despite broken rostering rules, as
        RosterService.overrides gives them for a duty."""
        names = dict(self.get(patrol_id).crew)
        recorded = self._overrides_by_person(patrol_id)
        return [(names.get(pid, pid), reason, rules) for pid, (reason, rules) in recorded.items()]

    def cancel(self, patrol_id: str) -> PatrolRecord:
        self.store.actor.require("patrol.plan")
        current = self.get(patrol_id)
        if current.status in ("in_progress", "completed"):
            raise ValidationError.single("status", f"the patrol is {current.status.replace('_', ' ')}")
        return self._set(patrol_id, {"status": "cancelled"})

    def delete(self, patrol_id: str) -> None:
        self.store.actor.require("patrol.plan")
        self.get(patrol_id)
        with self.store.transaction():
            for table in ("patrol_crew", "patrol_events"):
                rows = SyncTable(self.store, table)
                for (row_id,) in self.store.db.execute(
                    f"SELECT id FROM {table} WHERE patrol_id = ? AND deleted = 0", [patrol_id]
                ).fetchall():
                    rows.tombstone(row_id)
            self.patrols.tombstone(patrol_id)
        self.hub.publish(Change(TOPIC, "deleted", (patrol_id,)))

    def get(self, patrol_id: str) -> PatrolRecord:
        found = self._records("id = ?", [patrol_id])
        if not found:  # a short id, as `patrol list` prints
            found = self._records("id = ?", [resolve_id(self.store, "patrols", patrol_id, "patrol")])
        if not found:
            raise NotFoundError(f"no patrol with id {patrol_id}")
        return found[0]

    def list(self, status: str | None = None, limit: int = 500) -> list[PatrolRecord]:
        if status:
            return self._records("status = ?", [status], limit)
        return self._records("1 = 1", [], limit)

    def _records(self, where: str, params: list[Any], limit: int = 500) -> list[PatrolRecord]:
        rows = list(self.store.db.query(
            f"SELECT * FROM patrols WHERE deleted = 0 AND {where} ORDER BY starts_at DESC LIMIT {int(limit)}", params
        ))
        crew: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if rows:
            marks = ",".join("?" * len(rows))
            for patrol_id, person_id, name in self.store.db.execute(
                f"SELECT c.patrol_id, p.id, p.name FROM patrol_crew c JOIN people p ON p.id = c.person_id"
                f" WHERE c.deleted = 0 AND c.patrol_id IN ({marks}) ORDER BY c.created_at, p.name",
                [r["id"] for r in rows],
            ):
                crew[patrol_id].append((person_id, name))
        return [_patrol(row, tuple(crew.get(row["id"], ()))) for row in rows]

    def _area(self, name: str) -> boundaries.Area:
        try:
            return boundaries.find_area(name)
        except boundaries.UnknownAreaError as exc:
            raise ValidationError.single("area", str(exc)) from None

    def candidates(self, area_name: str, at: datetime, purpose: str = "general_rural_patrol",
                   limit: int = 50) -> list[Candidate]:
        """Places worth a visit: harm hotspots of the last year in the area, then recent incidents elsewhere.

        Hotspot cells closer than MIN_STOP_SEPARATION_M merge into the higher one. With too little data for
        hotspots, recent incidents ranked by harm (then count) are what the plan has.
        """
        area = self._area(area_name)
        kinds = PURPOSE_INCIDENT_KINDS.get(purpose, ())
        local = times.to_local(at)
        month_to = local.strftime("%Y-%m")
        first = (local.replace(day=1) - timedelta(days=31 * (HOTSPOT_MONTHS - 1))).strftime("%Y-%m")
        found: list[Candidate] = []
        for kind_filter in ([kinds, ()] if kinds else [()]):
            run = self.analysis.hotspots(HotspotQuery(
                method="kde", weight="harm", source="incidents", month_from=first, month_to=month_to,
                top_n=max(limit * 3, 30), cell_m=HOTSPOT_CELL_M, area=area.label, kinds=tuple(kind_filter),
            ))
            for spot in run.hotspots:
                if len(found) >= limit:
                    break
                if any(_metres(spot.centre_lat, spot.centre_lon, c.lat, c.lon) < MIN_STOP_SEPARATION_M
                       for c in found):
                    continue
                ward = boundaries.area_of_point(spot.centre_lat, spot.centre_lon, "ward")
                label = f"Hotspot {len(found) + 1}" + (f", {ward.name}" if ward else "")
                found.append(Candidate(
                    key=f"cell:{round(spot.easting / HOTSPOT_CELL_M)}:{round(spot.northing / HOTSPOT_CELL_M)}",
                    lat=spot.centre_lat, lon=spot.centre_lon, harm=round(float(spot.value), 3), label=label,
                    reason=f"harm hotspot of the last {HOTSPOT_MONTHS} months"
                    + (f" ({', '.join(kind_name(k) for k in kind_filter)})" if kind_filter else ""),
                ))
            if found:
                break
        for incident in self._recent_incidents(area, at, RECENT_DAYS):
            if len(found) >= limit:
                break
            if incident["lat"] is None or any(
                _metres(incident["lat"], incident["lon"], c.lat, c.lon) < MIN_STOP_SEPARATION_M for c in found
            ):
                continue
            when = times.format_local(incident["occurred_start"])[:10]
            found.append(Candidate(
                key=f"incident:{incident['id']}", lat=incident["lat"], lon=incident["lon"],
                harm=max(incident["harm"], 0.1), label=incident["place"] or kind_name(incident["kind"]),
                reason=f"{kind_name(incident['kind'])} on {when}",
            ))
        return found

    def _recent_incidents(self, area: boundaries.Area, at: datetime, days: int) -> list[dict[str, Any]]:
        since = times.to_storage(at - timedelta(days=days))
        rows = self.store.db.query(
            "SELECT i.id, i.kind, i.occurred_start, i.lat, i.lon, i.place, i.description, i.crime_reference,"
            " (SELECT SUM(s.value_pence) FROM stolen_items s WHERE s.incident_id = i.id AND s.deleted = 0) AS value"
            " FROM incidents i WHERE i.deleted = 0 AND i.occurred_start >= ? AND i.occurred_start <= ?"
            " ORDER BY i.occurred_start DESC",
            [since, times.to_storage(at)],
        )
        weights = self.harm.weights()
        result = []
        for row in rows:
            if row["lat"] is None or not boundaries.contains(area, row["lat"], row["lon"]):
                continue
            row["harm"] = self.harm.for_incident(row["kind"], row["value"], weights)
            result.append(row)
        result.sort(key=lambda r: (-r["harm"], r["occurred_start"]), reverse=False)
        return result

    def default_settings(self) -> PlanSettings:
        """This laptop's planning defaults (Settings): dwell, road factor and speed for new plans."""
        saved = self.store.meta(PLAN_DEFAULTS_KEY)
        if not saved:
            return PlanSettings()
        values = json.loads(saved)
        return replace(PlanSettings(), **{k: v for k, v in values.items() if hasattr(PlanSettings, k)})

    def set_default_settings(self, dwell_minutes: float, road_factor: float, speed_kmh: float) -> PlanSettings:
        self.store.actor.require("patrol.plan")
        if not 5 <= dwell_minutes <= 60:
            raise ValidationError.single("dwell_minutes", "a stop's dwell is 5 to 60 minutes (Koper: 10-15)")
        if not 1.0 <= road_factor <= 3.0:
            raise ValidationError.single("road_factor", "the road factor is 1.0 to 3.0")
        if not 10 <= speed_kmh <= 110:
            raise ValidationError.single("speed_kmh", "the average speed is 10 to 110 km/h")
        before = self.default_settings()
        chosen = replace(before, dwell_minutes=float(dwell_minutes), road_factor=float(road_factor),
                         speed_kmh=float(speed_kmh))
        with self.store.transaction():
            self.store.set_meta(PLAN_DEFAULTS_KEY, json.dumps(_settings_dict(chosen)))
            record_event(self.store, "settings", changes={"patrol.plan_defaults": [_settings_dict(before),
                                                                                  _settings_dict(chosen)]})
        return chosen

    def suggest(self, area_name: str, start: datetime, end: datetime, purpose: str = "general_rural_patrol",
                settings: PlanSettings | None = None, base: tuple[float, float] | None = None) -> Plan:
        settings = settings or self.default_settings()
        candidates = self.candidates(area_name, start, purpose, settings.max_candidates)
        return suggest_plan(candidates, start, end, settings, base)

    def plan_for_window(self, area_name: str, day: str, start: str, end: str,
                        purpose: str = "general_rural_patrol", settings: PlanSettings | None = None) -> Plan:
        begin, finish = patrol_window(day, start, end)
        return self.suggest(area_name, begin, finish, purpose, settings)

    def suggest_for(self, patrol_id: str, settings: PlanSettings | None = None) -> Plan:
        """A suggested plan for a recorded patrol and save it."""
        self.store.actor.require("patrol.plan")
        patrol = self.get(patrol_id)
        plan = self.suggest(patrol.area, patrol.start, patrol.end, patrol.purpose, settings or patrol.settings,
                            patrol.base)
        self.save_plan(patrol_id, plan, settings or patrol.settings)
        return plan

    def edit_plan(self, patrol_id: str, stops_in_order: list[Candidate], settings: PlanSettings | None = None) -> Plan:
        """Keep the user's order (after reordering, adding or dropping stops); recompute the times."""
        self.store.actor.require("patrol.plan")
        patrol = self.get(patrol_id)
        settings = settings or patrol.settings
        plan = replan(stops_in_order, patrol.start, patrol.end, settings, patrol.base)
        self.save_plan(patrol_id, plan, settings)
        return plan

    def save_plan(self, patrol_id: str, plan: Plan, settings: PlanSettings) -> None:
        self.store.actor.require("patrol.plan")
        patrol = self.get(patrol_id)
        if patrol.status in ("in_progress", "completed", "cancelled"):
            raise ValidationError.single("status", f"the patrol is {patrol.status.replace('_', ' ')}")
        with self.store.transaction():
            self.patrols.update(patrol_id, {
                "plan": json.dumps(plan_to_json(plan)), "plan_settings": json.dumps(_settings_dict(settings)),
            })
        self.hub.publish(Change(TOPIC, "updated", (patrol_id,)))

    # --- brief --------------------------------------------------------------------------------------------

    def vehicles_of_interest(self, at: datetime, days: int = VEHICLE_DAYS) -> list[VehicleOfInterest]:
        """VRMs recorded on recent hare coursing, equipment theft and encampment reports, most seen first."""
        rows = self.store.db.execute(
            "SELECT v.vrm, i.occurred_start, i.place, i.kind, v.make, v.model, v.colour FROM incident_vehicles v"
            " JOIN incidents i ON i.id = v.incident_id WHERE v.deleted = 0 AND i.deleted = 0"
            f" AND i.kind IN ({','.join('?' * len(VEHICLE_KINDS))}) AND i.occurred_start >= ?"
            " AND i.occurred_start <= ? AND v.vrm IS NOT NULL AND v.vrm != ''",
            [*VEHICLE_KINDS, times.to_storage(at - timedelta(days=days)), times.to_storage(at)],
        ).fetchall()
        seen: dict[str, list[tuple]] = defaultdict(list)
        for row in rows:
            seen[normalise_vrm(row[0])].append(row)
        vehicles = []
        for vrm, sightings in seen.items():
            sightings.sort(key=lambda r: r[1], reverse=True)
            latest = sightings[0]
            description = " ".join(part for part in (latest[6], latest[4], latest[5]) if part)
            vehicles.append(VehicleOfInterest(
                vrm=display_vrm(vrm), times_seen=len(sightings), last_seen=times.from_storage(latest[1]),
                places=tuple(dict.fromkeys(r[2] for r in sightings if r[2]))[:4],
                kinds=tuple(dict.fromkeys(kind_name(r[3]) for r in sightings)), description=description,
            ))
        vehicles.sort(key=lambda v: (-v.times_seen, -v.last_seen.timestamp()))
        return vehicles

    def briefing(self, patrol_id: str) -> Briefing:
        patrol = self.get(patrol_id)
        area = self._area(patrol.area)
        people = {p.id: p for p in (self.people.get(pid) for pid, _ in patrol.crew)}
        recent = self._recent_incidents(area, patrol.start, BRIEFING_DAYS)
        recent.sort(key=lambda r: r["occurred_start"], reverse=True)
        stops = tuple(
            BriefingStop(s["seq"], s["label"], s["reason"], s["lat"], s["lon"], times.from_storage(s["arrive"]),
                         times.from_storage(s["leave"]), s["dwell_minutes"], s["harm"])
            for s in patrol.stops
        )
        return Briefing(
            title=patrol.title, call_sign=patrol.call_sign, vehicle=patrol.vehicle,
            purpose=PATROL_PURPOSE_NAMES.get(patrol.purpose, patrol.purpose), area_name=patrol.area,
            start=patrol.start, end=patrol.end, stops=stops, start_point=patrol.base,
            area_outline=_outline(area),
            incidents=tuple(
                BriefingIncident(r["kind"], times.from_storage(r["occurred_start"]), r["place"] or "", r["lat"],
                                 r["lon"], r["description"] or "", r["crime_reference"] or "")
                for r in recent
            ),
            vehicles=tuple(self.vehicles_of_interest(patrol.start)),
            crew=tuple(
                CrewLine(p.name, PERSON_ROLE_NAMES.get(p.role, p.role), p.collar_number,
                         tuple(SKILL_NAMES.get(s, s) for s in p.skills), p.phone)
                for p in people.values()
            ),
            contacts=CONTACTS,
            # Recomputed from the saved order so it includes the drive back to base, as the Plan tab shows.
            travel_minutes=replan([candidate_of(s) for s in patrol.stops], patrol.start, patrol.end,
                                  patrol.settings, patrol.base).travel_minutes if patrol.stops else 0.0,
            dwell_minutes=sum(s["dwell_minutes"] for s in patrol.stops),
            generated_at=self._now(), notes=patrol.notes,
        )

    def brief(self, patrol_id: str, path: Path) -> Path:
        """Write the briefing pack PDF; a planned patrol becomes briefed."""
        self.store.actor.require("patrol.plan")
        briefing = self.briefing(patrol_id)
        write_briefing_pdf(briefing, path)
        with self.store.transaction():
            record_event(self.store, "export", "patrols", patrol_id, {"briefing": str(path)})
        patrol = self.get(patrol_id)
        if patrol.status == "planned":
            self._set(patrol_id, {"status": "briefed", "briefed_at": times.to_storage(self._now())})
        return path

    # --- log ----------------------------------------------------------------------------------------------

    def start(self, patrol_id: str, at: datetime | None = None) -> PatrolRecord:
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if patrol.status not in ("planned", "briefed"):
            raise ValidationError.single("status", f"the patrol is {patrol.status.replace('_', ' ')}")
        moment = at or self._now()
        with self.store.transaction():
            self.patrols.update(patrol_id, {"status": "in_progress", "started_at": times.to_storage(moment)})
            self.events.insert({"patrol_id": patrol_id, "kind": "patrol_started", "at": times.to_storage(moment),
                                "detail": "", "vrm_flagged": 0})
        self.hub.publish(Change(TOPIC, "updated", (patrol_id,)))
        return self.get(patrol_id)

    def log(self, patrol_id: str, inp: PatrolEventInput) -> LoggedEvent:
        """Write one event at once. A stop-check VRM is looked up against vehicles of interest and flagged."""
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if patrol.status != "in_progress":
            raise ValidationError.single("status", "start the patrol before logging events")
        if inp.kind in ("patrol_started", "patrol_ended"):
            raise ValidationError.single("kind", "use start and end for that")
        now = self._now()
        if inp.stop_key.strip().isdigit():  # the stop's number on the plan, as the briefing and `show` print it
            seq = int(inp.stop_key)
            match = next((s["key"] for s in patrol.stops if s["seq"] == seq), None)
            if match is None:
                raise ValidationError.single("stop", f"the plan has no stop {seq} (it has 1 to {len(patrol.stops)})")
            inp = replace(inp, stop_key=match)
        values = validate_event(inp, now)
        if values["stop_key"] and values["stop_key"] not in {s["key"] for s in patrol.stops}:
            raise ValidationError.single("stop", "that stop is not on the plan")
        if patrol.started_at and str(values["at"]) < patrol.started_at:
            raise ValidationError.single("at", f"that is before the patrol started "
                                               f"({times.format_local(patrol.started_at)})")
        if values["lat"] is None and values["stop_key"]:
            stop = next(s for s in patrol.stops if s["key"] == values["stop_key"])
            values["lat"], values["lon"] = stop["lat"], stop["lon"]
        flagged = False
        if values["vrm"]:
            interest = {normalise_vrm(v.vrm) for v in self.vehicles_of_interest(now)}
            flagged = normalise_vrm(str(values["vrm"])) in interest
        with self.store.transaction():
            event_id = self.events.insert({"patrol_id": patrol_id, **values, "vrm_flagged": int(flagged)})
        self.hub.publish(Change(TOPIC, "updated", (patrol_id,)))
        return self.event(event_id)

    def link_incident(self, event_id: str, incident_id: str) -> None:
        """Link the incident recorded from a "new incident" event to that event."""
        self.store.actor.require("patrol.log")
        event = self.events.get_raw(event_id)
        with self.store.transaction():
            self.events.update(event_id, {"incident_id": incident_id})
        self.hub.publish(Change(TOPIC, "updated", (event["patrol_id"],)))

    def end(self, patrol_id: str, at: datetime | None = None) -> PatrolRecord:
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if patrol.status != "in_progress":
            raise ValidationError.single("status", "the patrol has not started")
        moment = at or self._now()
        with self.store.transaction():
            self.patrols.update(patrol_id, {"status": "completed", "ended_at": times.to_storage(moment)})
            self.events.insert({"patrol_id": patrol_id, "kind": "patrol_ended", "at": times.to_storage(moment),
                                "detail": "", "vrm_flagged": 0})
        self.hub.publish(Change(TOPIC, "updated", (patrol_id,)))
        return self.get(patrol_id)

    def event(self, event_id: str) -> LoggedEvent:
        rows = list(self.store.db.query("SELECT * FROM patrol_events WHERE id = ?", [event_id]))
        if not rows:
            raise NotFoundError(f"no patrol event {event_id}")
        return _event(rows[0])

    def log_of(self, patrol_id: str) -> list[LoggedEvent]:
        return [
            _event(row) for row in self.store.db.query(
                "SELECT * FROM patrol_events WHERE patrol_id = ? AND deleted = 0 ORDER BY at, created_at, rowid",
                [patrol_id],
            )
        ]

    # --- dose ---------------------------------------------------------------------------------------------

    def dose(self, patrol_id: str) -> PatrolDose:
        """Minutes actually spent at each planned stop (arrived -> left) against the plan; missed stops."""
        patrol = self.get(patrol_id)
        log = self.log_of(patrol_id)
        actual = _minutes_at_stops(log, patrol.ended_at)
        stops = [
            StopDose(s["key"], s["label"], s["dwell_minutes"], round(actual.get(s["key"], 0.0), 1), s["key"] in actual)
            for s in patrol.stops
        ]
        return PatrolDose(
            stops=stops, missed=[s.label for s in stops if not s.visited],
            events_by_kind=dict(Counter(PATROL_EVENT_NAMES.get(e.kind, e.kind) for e in log)),
            planned_minutes=sum(s.planned_minutes for s in stops), actual_minutes=sum(s.actual_minutes for s in stops),
        )

    def dosage(self, start: datetime, end: datetime, radius_m: float = 500.0) -> list[HotspotDosage]:
        """Per visited place over a period: visits and patrol minutes, next to crime and harm in the period
        and in the same length of time before it (within `radius_m`)."""
        patrols = [p for p in self.list(status="completed", limit=100_000) if start <= p.start < end]
        visits: dict[str, dict[str, Any]] = {}
        for patrol in patrols:
            minutes = _minutes_at_stops(self.log_of(patrol.id), patrol.ended_at)
            for stop in patrol.stops:
                if stop["key"] not in minutes:
                    continue
                entry = visits.setdefault(stop["key"], {"stop": stop, "visits": 0, "minutes": 0.0})
                entry["visits"] += 1
                entry["minutes"] += minutes[stop["key"]]
        if not visits:
            return []
        span = end - start
        incidents = list(self.store.db.query(
            "SELECT i.kind, i.lat, i.lon, i.occurred_start,"
            " (SELECT SUM(s.value_pence) FROM stolen_items s WHERE s.incident_id = i.id AND s.deleted = 0) AS value"
            " FROM incidents i WHERE i.deleted = 0 AND i.lat IS NOT NULL AND i.occurred_start >= ?"
            " AND i.occurred_start < ?",
            [times.to_storage(start - span), times.to_storage(end)],
        ))
        weights = self.harm.weights()
        boundary = times.to_storage(start)
        result = []
        for key, entry in visits.items():
            stop = entry["stop"]
            before = during = 0
            harm_before = harm_during = 0.0
            for row in incidents:
                if _metres(stop["lat"], stop["lon"], row["lat"], row["lon"]) > radius_m:
                    continue
                harm = self.harm.for_incident(row["kind"], row["value"], weights)
                if row["occurred_start"] < boundary:
                    before += 1
                    harm_before += harm
                else:
                    during += 1
                    harm_during += harm
            result.append(HotspotDosage(key, stop["label"], stop["lat"], stop["lon"], entry["visits"],
                                        round(entry["minutes"], 1), before, during, round(harm_before, 1),
                                        round(harm_during, 1)))
        result.sort(key=lambda d: -d.minutes)
        return result

    def _set(self, patrol_id: str, values: dict[str, Any]) -> PatrolRecord:
        with self.store.transaction():
            self.patrols.update(patrol_id, values)
        self.hub.publish(Change(TOPIC, "updated", (patrol_id,)))
        return self.get(patrol_id)


def _minutes_at_stops(log: list[LoggedEvent], ended_at: str | None) -> dict[str, float]:
    """Stop key -> minutes between "arrived" and the next "left" (or the next arrival elsewhere, or the end)."""
    minutes: dict[str, float] = defaultdict(float)
    current: tuple[str, datetime] | None = None
    for event in log:
        moment = times.from_storage(event.at)
        if event.kind == "arrived_stop" and event.stop_key:
            if current:
                minutes[current[0]] += (moment - current[1]).total_seconds() / 60
            current = (event.stop_key, moment)
            minutes.setdefault(event.stop_key, 0.0)
        elif event.kind in ("left_stop", "patrol_ended") and current:
            minutes[current[0]] += (moment - current[1]).total_seconds() / 60
            current = None
    if current and ended_at:
        minutes[current[0]] += (times.from_storage(ended_at) - current[1]).total_seconds() / 60
    return dict(minutes)


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return geo.haversine_km(geo.LatLon(lat1, lon1), geo.LatLon(lat2, lon2)) * 1000


def _outline(area: boundaries.Area) -> tuple[tuple[tuple[float, float], ...], ...]:
    geometry = area.geometry
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return tuple(tuple((lat, lon) for lon, lat in polygon[0]) for polygon in polygons)


def _settings_dict(settings: PlanSettings) -> dict[str, float]:
    return {"dwell_minutes": settings.dwell_minutes, "road_factor": settings.road_factor,
            "speed_kmh": settings.speed_kmh, "max_candidates": settings.max_candidates}


def _patrol(row: dict[str, Any], crew: tuple[tuple[str, str], ...]) -> PatrolRecord:
    settings = PlanSettings()
    if row["plan_settings"]:
        saved = json.loads(row["plan_settings"])
        settings = replace(settings, **{k: v for k, v in saved.items() if hasattr(settings, k)})
    base = (row["start_lat"], row["start_lon"]) if row["start_lat"] is not None else None
    return PatrolRecord(
        id=row["id"], title=row["title"], start=times.from_storage(row["starts_at"]),
        end=times.from_storage(row["ends_at"]), area=row["area_name"], purpose=row["purpose"],
        vehicle=row["vehicle"] or "", call_sign=row["call_sign"] or "", status=row["status"], crew=crew,
        stops=tuple(json.loads(row["plan"] or "[]")), settings=settings, base=base, started_at=row["started_at"],
        ended_at=row["ended_at"], briefed_at=row["briefed_at"], notes=row["notes"] or "",
        synthetic=bool(row["synthetic"]),
    )


def _event(row: dict[str, Any]) -> LoggedEvent:
    return LoggedEvent(
        id=row["id"], kind=row["kind"], at=row["at"], lat=row["lat"], lon=row["lon"], stop_key=row["stop_key"],
        vrm=row["vrm"], flagged=bool(row["vrm_flagged"]), detail=row["detail"] or "", incident_id=row["incident_id"],
    )


__all__ = ["PatrolService", "PatrolRecord", "PlannedStop"]
