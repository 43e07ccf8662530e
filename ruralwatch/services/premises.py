"""The premises register: farms, estates, yards, churches and other rural premises with their contact, watch-scheme
membership, crime-prevention visits and registered property; incidents linked to premises; "is this serial
stolen?"; and the earlier incidents at a premises that make a new one a repeat ("victimised before").

Rules: every role sees the register (`premises.view`), its contact details only with `personal.reporters` (they
are sealed like reporters' details, and a role that cannot see them cannot erase them by saving a form). Adding
and editing premises, property and visits is `premises.edit`; linking an incident is an incident edit
(`incident.record`). Every write is one transaction through SyncTable (so it syncs and is audited); every serial
check is in the audit log with what it matched.
"""

from __future__ import annotations

import builtins  # below the service's own `def list`, `list[...]` in its signatures would name that method
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ruralwatch.core import times
from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.geo import lat_lon_to_grid_ref
from ruralwatch.core.kinds import EQUIPMENT_CATEGORIES, kind_name
from ruralwatch.core.premises import (
    CONTACT_FIELDS,
    MARKING_NAMES,
    PREMISES_KIND_NAMES,
    PROPERTY_KIND_NAMES,
    WATCH_SCHEME_NAMES,
    Premises,
    PremisesInput,
    PropertyInput,
    RegisteredProperty,
    Visit,
    VisitInput,
    normalise_serial,
    validate_premises,
    validate_property,
    validate_visit,
)
from ruralwatch.core.words import plural
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.policies import MAX_REPEAT_DAYS, REPEAT_WINDOW_DAYS, PendingPolicies, write_pending
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values
from ruralwatch.store.syncable import SyncTable, resolve_id

if TYPE_CHECKING:
    from ruralwatch.services.near_repeat import NearRepeatZone

TOPIC = "premises"
TABLE, VISITS, PROPERTY = "premises", "premises_visits", "premises_property"
_CATEGORY_NAMES = dict(EQUIPMENT_CATEGORIES)


@dataclass(frozen=True)
class PremisesIncident:
    """An incident at a premises, as a list shows it."""

    id: str
    kind: str
    occurred_start: str  # stored UTC text
    place: str
    status: str

    @property
    def kind_name(self) -> str:
        return kind_name(self.kind)

    def line(self) -> str:
        when = times.to_local(times.from_storage(self.occurred_start))
        return f"{when:%d %b %Y} {self.kind_name}" + (f" ({self.place})" if self.place else "")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind_name": self.kind_name}


@dataclass(frozen=True)
class RepeatVictim:
    """Earlier incidents at the premises an incident happened at, within the window."""

    premises_id: str
    premises_name: str
    window_days: int
    earlier: tuple[PremisesIncident, ...]

    @property
    def victimised_before(self) -> bool:
        return bool(self.earlier)

    def warning(self) -> str:
        lines = "; ".join(i.line() for i in self.earlier[:3]) + ("; ..." if len(self.earlier) > 3 else "")
        return (f"victimised before: {self.premises_name} had {len(self.earlier)} "
                f"{plural(len(self.earlier), 'incident')} in the {self.window_days} days before ({lines})")

    def to_dict(self) -> dict[str, Any]:
        return {"premises_id": self.premises_id, "premises_name": self.premises_name,
                "window_days": self.window_days, "victimised_before": self.victimised_before,
                "earlier": [i.to_dict() for i in self.earlier]}


@dataclass(frozen=True)
class SerialMatch:
    """One place a serial number was found: a stolen item on an incident, or property registered at a premises."""

    source: str  # "stolen" or "registered"
    serial_number: str  # as stored
    what: str
    where: str
    when: str | None  # stolen: when the theft happened (UTC text); registered: when the premises joined (a date)
    marking: str
    incident_id: str | None = None
    premises_id: str | None = None
    property_id: str | None = None
    item_id: str | None = None
    recovered: bool = False

    def line(self) -> str:
        marked = self.marking not in ("", "none")
        marking = f", marked {MARKING_NAMES.get(self.marking, self.marking)}" if marked else ""
        if self.source == "stolen":
            when = f"{times.to_local(times.from_storage(self.when)):%d %b %Y}" if self.when else "date unknown"
            recovered = " (since recovered)" if self.recovered else ""
            return f"STOLEN {when}: {self.what}{marking} at {self.where}{recovered} [incident {self.incident_id}]"
        since = f" since {self.when}" if self.when else ""
        return f"REGISTERED{since}: {self.what}{marking} at {self.where} [premises {self.premises_id}]"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "line": self.line()}


@dataclass(frozen=True)
class SerialCheck:
    serial: str  # normalised
    matches: tuple[SerialMatch, ...]

    @property
    def stolen(self) -> bool:
        return any(m.source == "stolen" and not m.recovered for m in self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {"serial": self.serial, "stolen": self.stolen, "matches": [m.to_dict() for m in self.matches]}


@dataclass(frozen=True)
class RecentVictim:
    """A live premises victimised within the repeat window before a moment: at raised risk of being hit again.
    No contact details (the map and the briefing pack carry it)."""

    premises_id: str
    name: str
    kind: str
    grid_ref: str
    lat: float
    lon: float
    schemes: tuple[str, ...]
    incidents: int  # incidents there within the window
    latest: str  # UTC storage text of the latest
    window_days: int

    @property
    def kind_name(self) -> str:
        return PREMISES_KIND_NAMES.get(self.kind, self.kind)

    @property
    def scheme_names(self) -> builtins.list[str]:
        return [WATCH_SCHEME_NAMES.get(s, s) for s in self.schemes]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "schemes": builtins.list(self.schemes), "kind_name": self.kind_name}


@dataclass(frozen=True)
class PremisesToVisit:
    """A live premises inside the near-repeat risk zone of a recent incident: a crime-prevention visit is due.
    The zone is the most recent incident's whose zone holds it. No contact details."""

    premises_id: str
    name: str
    kind: str
    grid_ref: str
    lat: float
    lon: float
    schemes: tuple[str, ...]
    incident_id: str
    incident_kind: str
    incident_place: str
    occurred_start: str  # UTC storage text of the incident whose zone holds the premises
    zone_until: str  # UTC storage text: the zone is live until then
    distance_m: float  # from the incident
    last_visit: str | None  # the latest crime-prevention visit (a date), None if never visited
    repeat_incidents: int  # incidents at the premises within the repeat window before the moment asked about
    window_days: int

    @property
    def repeat(self) -> bool:
        """Victimised before: an incident at the premises itself within the repeat window."""
        return self.repeat_incidents > 0

    @property
    def kind_name(self) -> str:
        return PREMISES_KIND_NAMES.get(self.kind, self.kind)

    @property
    def scheme_names(self) -> builtins.list[str]:
        return [WATCH_SCHEME_NAMES.get(s, s) for s in self.schemes]

    def line(self) -> str:
        when = times.format_local(self.occurred_start)
        visit = f"last visited {self.last_visit}" if self.last_visit else "never visited"
        repeat = (f"; REPEAT VICTIM ({self.repeat_incidents} {plural(self.repeat_incidents, 'incident')} "
                  f"in {self.window_days} days)" if self.repeat else "")
        return (f"{self.name} ({self.kind_name}, {self.grid_ref}): {self.distance_m:.0f} m from the "
                f"{kind_name(self.incident_kind).lower()} of {when}"
                + (f" at {self.incident_place}" if self.incident_place else "")
                + f", zone until {times.format_local(self.zone_until)}; {visit}{repeat}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "schemes": builtins.list(self.schemes), "kind_name": self.kind_name,
                "repeat": self.repeat}


class PremisesService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock
        # Rows' created_at/updated_at come from the service's clock, read when written (tests may set _now).
        self.table = SyncTable(store, TABLE, lambda: self._now())
        self.visits_table = SyncTable(store, VISITS, lambda: self._now())
        self.property_table = SyncTable(store, PROPERTY, lambda: self._now())
        self.incidents_table = SyncTable(store, "incidents", lambda: self._now())

    # --- reads ---------------------------------------------------------------------------------------------

    def _premises(self, row: dict[str, Any]) -> Premises:
        row = open_values(self.store, TABLE, row)
        personal = self.store.actor.can("personal.reporters")
        return Premises(
            id=row["id"], name=row["name"] or "", kind=row["kind"] or "other", grid_ref=row["grid_ref"] or "",
            easting=row["easting"], northing=row["northing"], lat=row["lat"], lon=row["lon"],
            address=row["address"] or "",
            contact_name=(row["contact_name"] or "") if personal else "",
            contact_phone=(row["contact_phone"] or "") if personal else "",
            contact_email=(row["contact_email"] or "") if personal else "",
            schemes=tuple(s for s in (row["schemes"] or "").split(",") if s), notes=row["notes"] or "",
            registered_on=row["registered_on"], closed_on=row["closed_on"], synthetic=bool(row["synthetic"]),
            updated_at=row["updated_at"])

    def get(self, premises_id: str) -> Premises:
        self.store.actor.require("premises.view")
        row = self.store.db.execute("SELECT * FROM premises WHERE id = ? AND deleted = 0", [premises_id])
        names = [d[0] for d in row.description]
        found = row.fetchone()
        if found is None:
            raise NotFoundError(f"no premises with id {premises_id}")
        return self._premises(dict(zip(names, found, strict=True)))

    def list(self, text: str = "", kind: str | None = None, scheme: str | None = None,
             include_closed: bool = True) -> builtins.list[Premises]:
        """Live premises by name; `text` matches name, address, grid reference or kind (case-insensitive)."""
        self.store.actor.require("premises.view")
        where, params = ["deleted = 0"], []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if scheme:
            where.append("(',' || COALESCE(schemes, '') || ',') LIKE ?")
            params.append(f"%,{scheme},%")
        if not include_closed:
            where.append("closed_on IS NULL")
        rows = self.store.db.query(f"SELECT * FROM premises WHERE {' AND '.join(where)} ORDER BY name, id", params)
        found = [self._premises(row) for row in rows]
        needle = " ".join(text.lower().split())
        if needle:
            found = [p for p in found if needle in " ".join(
                (p.name, p.address, p.grid_ref, p.kind_name, *p.scheme_names)).lower()
                or needle.replace(" ", "") in p.grid_ref.replace(" ", "").lower()]
        return found

    def resolve(self, text: str) -> str:
        """A live premises' id from its exact name (any case) or its id or a unique prefix of it."""
        self.store.actor.require("premises.view")
        named = self.store.db.execute(
            "SELECT id FROM premises WHERE deleted = 0 AND lower(name) = lower(?) LIMIT 2", [" ".join(text.split())]
        ).fetchall()
        if len(named) == 1:
            return str(named[0][0])
        if len(named) > 1:
            raise NotFoundError(f"more than one premises is called {text!r}: give its id")
        return resolve_id(self.store, TABLE, text, "premises")

    def visits(self, premises_id: str) -> builtins.list[Visit]:
        self.store.actor.require("premises.view")
        return [Visit(r["id"], r["premises_id"], r["visited_on"], r["officer"] or "", r["advice"] or "")
                for r in self.store.db.query(
                    "SELECT * FROM premises_visits WHERE premises_id = ? AND deleted = 0 ORDER BY visited_on DESC, id",
                    [premises_id])]

    def property(self, premises_id: str | None = None) -> builtins.list[RegisteredProperty]:
        """Registered property of one premises, or of every live premises."""
        self.store.actor.require("premises.view")
        where, params = "p.deleted = 0 AND r.deleted = 0", []
        if premises_id:
            where += " AND r.premises_id = ?"
            params.append(premises_id)
        rows = self.store.db.query(
            f"SELECT r.* FROM premises_property r JOIN premises p ON p.id = r.premises_id WHERE {where} "
            "ORDER BY p.name, r.kind, r.make, r.model, r.id", params)
        return [_property(row) for row in rows]

    def incidents_at(self, premises_id: str) -> builtins.list[PremisesIncident]:
        """Live incidents linked to the premises, newest first."""
        self.store.actor.require("premises.view")
        self.store.actor.require("incident.view")
        return self._incidents(premises_id, None, None, None)

    def _incidents(self, premises_id: str, after: str | None, before: str | None,
                   exclude: str | None) -> builtins.list[PremisesIncident]:
        where, params = ["premises_id = ?", "deleted = 0"], [premises_id]
        if after:
            where.append("occurred_start >= ?")
            params.append(after)
        if before:
            where.append("occurred_start < ?")
            params.append(before)
        if exclude:
            where.append("id != ?")
            params.append(exclude)
        return [PremisesIncident(r["id"], r["kind"], r["occurred_start"], r["place"] or "", r["status"] or "")
                for r in self.store.db.query(
                    "SELECT id, kind, occurred_start, place, status FROM incidents WHERE "
                    f"{' AND '.join(where)} ORDER BY occurred_start DESC, id", params)]

    # --- repeat victimisation -----------------------------------------------------------------------------

    def repeat_window(self) -> int:
        return REPEAT_WINDOW_DAYS.read(self.store)

    def repeat_window_change(self, days: int) -> PendingPolicies:
        """The repeat window checked, not yet written (`set_repeat_window`; Settings saves it with the others)."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REPEAT_DAYS:
            raise ValidationError.single("repeat_window_days", f"a window is 1 to {MAX_REPEAT_DAYS} days, "
                                                               f"not {days!r}")
        self.store.actor.require("premises.edit")
        # The map's repeat outlines and the panel's flags follow.
        return PendingPolicies(((REPEAT_WINDOW_DAYS, days),), lambda: self.hub.publish(Change(TOPIC, "settings")))

    def set_repeat_window(self, days: int) -> int:
        write_pending(self.store, [self.repeat_window_change(days)])
        return days

    def earlier_incidents(self, premises_id: str, at: datetime, days: int | None = None,
                          exclude: str | None = None) -> builtins.list[PremisesIncident]:
        """Incidents at the premises in the `days` (default: the window setting) before `at`, newest first."""
        self.store.actor.require("incident.view")
        days = days or self.repeat_window()
        return self._incidents(premises_id, times.to_storage(at - timedelta(days=days)), times.to_storage(at),
                               exclude)

    def repeat_for_incident(self, incident_id: str, days: int | None = None) -> RepeatVictim | None:
        """Was the premises this incident happened at victimised before it (within the window)? None when the
        incident is not linked to a live premises."""
        self.store.actor.require("incident.view")
        row = self.store.db.execute(
            "SELECT i.premises_id, i.occurred_start, p.name FROM incidents i JOIN premises p ON p.id = i.premises_id "
            "AND p.deleted = 0 WHERE i.id = ?", [incident_id]).fetchone()
        if row is None:
            return None
        days = days or self.repeat_window()
        earlier = self.earlier_incidents(row[0], times.from_storage(row[1]), days, exclude=incident_id)
        return RepeatVictim(row[0], row[2] or "", days, tuple(earlier))

    def repeat_for_premises(self, premises_id: str, at: datetime | None = None,
                            days: int | None = None) -> RepeatVictim:
        """The same for an incident about to be recorded at `premises_id` at `at` (default now): the form asks
        before saving."""
        name = self.get(premises_id).name
        days = days or self.repeat_window()
        return RepeatVictim(premises_id, name, days,
                            tuple(self.earlier_incidents(premises_id, at or self._now(), days)))

    def _live_located(self) -> builtins.list[dict[str, Any]]:
        """Live premises still on the register, with a place: id, name, kind, grid_ref, easting, northing, lat,
        lon, schemes (never the contact)."""
        return [dict(r) for r in self.store.db.query(
            "SELECT id, name, kind, grid_ref, easting, northing, lat, lon, schemes FROM premises WHERE deleted = 0 "
            "AND closed_on IS NULL AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY name, id")]

    def _recent_counts(self, at: datetime, days: int) -> dict[str, tuple[int, str]]:
        """premises id -> (incidents there in the `days` before `at`, the latest one's UTC text)."""
        # By the premises index: SQLite, without statistics, took the time index instead and read every incident of
        # the year to find the few at premises (100,000 incidents: 0.17 s and 50 MB of the window's page cache).
        rows = self.store.db.execute(
            "SELECT premises_id, COUNT(*), MAX(occurred_start) FROM incidents INDEXED BY idx_incidents_premises "
            "WHERE deleted = 0 AND premises_id IS NOT NULL AND occurred_start >= ? AND occurred_start <= ? "
            "GROUP BY premises_id",
            [times.to_storage(at - timedelta(days=days)), times.to_storage(at)]).fetchall()
        return {str(r[0]): (int(r[1]), str(r[2])) for r in rows}

    def recent_victims(self, at: datetime | None = None, days: int | None = None) -> builtins.list[RecentVictim]:
        """Live premises with an incident within the repeat window (default: the setting) before `at` (default
        now), most recently victimised first."""
        self.store.actor.require("premises.view")
        self.store.actor.require("incident.view")
        moment = at or self._now()
        days = days or self.repeat_window()
        counts = self._recent_counts(moment, days)
        found = [RecentVictim(r["id"], r["name"] or "", r["kind"] or "other", r["grid_ref"] or "", float(r["lat"]),
                              float(r["lon"]), _schemes(r["schemes"]), *counts[r["id"]], days)
                 for r in self._live_located() if r["id"] in counts]
        found.sort(key=lambda v: (v.latest, v.premises_id), reverse=True)
        return found

    def map_layer(self, at: datetime | None = None) -> builtins.list[tuple[Premises, int]]:
        """Live premises on the register with a place, each with its incidents within the repeat window before
        `at` (default now): what the map's premises layer shows (ruralwatch.mapping.premises_layer)."""
        self.store.actor.require("premises.view")
        counts = (self._recent_counts(at or self._now(), self.repeat_window())
                  if self.store.actor.can("incident.view") else {})
        return [(p, counts.get(p.id, (0, ""))[0]) for p in self.list(include_closed=False)
                if p.lat is not None and p.lon is not None]

    def to_visit(self, at: datetime | None = None) -> builtins.list[PremisesToVisit]:
        """Premises to visit for crime prevention: live premises inside the near-repeat risk zone of a recent theft
        or burglary (zones live at `at`, default now; metres and days from the near-repeat zone settings), most
        recent incident first (then nearest), each once, with its last prevention visit and whether it was
        victimised itself within the repeat window."""
        from ruralwatch.services.near_repeat import NearRepeatService  # pandas: only for the zones (CLI start-up)

        self.store.actor.require("premises.view")
        moment = at or self._now()
        zones = NearRepeatService(self.store, clock=self._now).active_zones(moment)
        return self._in_zones(zones, moment)

    def in_zone_of(self, incident_id: str) -> builtins.list[PremisesToVisit]:
        """The live premises inside the near-repeat zone round one incident (whatever its kind), nearest first."""
        from ruralwatch.services.near_repeat import NearRepeatService

        self.store.actor.require("premises.view")
        zone = NearRepeatService(self.store, clock=self._now).zone_for(incident_id)
        return self._in_zones([zone], self._now())

    def _in_zones(self, zones: builtins.list[NearRepeatZone], at: datetime) -> builtins.list[PremisesToVisit]:
        import numpy as np

        from ruralwatch.core.geo import to_bng

        rows = self._live_located()
        if not zones or not rows:
            return []
        east = np.array([r["easting"] for r in rows], dtype=float)
        north = np.array([r["northing"] for r in rows], dtype=float)
        window = self.repeat_window()
        counts = self._recent_counts(at, window)
        visits = {str(r[0]): str(r[1]) for r in self.store.db.execute(
            "SELECT premises_id, MAX(visited_on) FROM premises_visits WHERE deleted = 0 GROUP BY premises_id")}
        found: builtins.list[PremisesToVisit] = []
        taken: set[str] = set()
        for zone in sorted(zones, key=lambda z: (z.occurred_start, z.incident_id), reverse=True):
            x, y = to_bng().transform(zone.lon, zone.lat)
            distance = np.hypot(east - x, north - y)
            for i in sorted(np.flatnonzero(distance <= zone.radius_m), key=lambda i: (distance[i], rows[i]["name"])):
                row = rows[i]
                if row["id"] in taken:
                    continue
                taken.add(row["id"])
                found.append(PremisesToVisit(
                    row["id"], row["name"] or "", row["kind"] or "other", row["grid_ref"] or "", float(row["lat"]),
                    float(row["lon"]), _schemes(row["schemes"]), zone.incident_id, zone.kind, zone.place,
                    zone.occurred_start, zone.until, round(float(distance[i]), 1), visits.get(row["id"]),
                    counts.get(row["id"], (0, ""))[0], window))
        return found

    # --- serial checks -------------------------------------------------------------------------------------

    def check_serial(self, serial: str, audit: bool = True) -> SerialCheck:
        """Every stolen item on a live incident and every item registered at a live premises with this serial
        (compared normalised: case, spaces and dashes do not matter). Audited with what it matched."""
        self.store.actor.require("premises.view")
        wanted = normalise_serial(serial)
        if len(wanted) < 3:
            raise ValidationError.single("serial", f"{serial.strip()!r} is not a serial number (at least 3 letters "
                                                   "or digits)")
        matches: builtins.list[SerialMatch] = []
        # Stolen items store the serial as typed, upper case: compared here with the one normaliser (a few thousand
        # rows at most; no index can serve a match that ignores separators).
        for r in self.store.db.query(
                "SELECT s.id, s.serial_number, s.category, s.description, s.make, s.model, s.marking, s.recovered, "
                "i.id AS incident_id, i.occurred_start, i.place, i.lat, i.lon, i.kind, p.id AS premises_id, "
                "p.name AS premises_name FROM stolen_items s JOIN incidents i ON i.id = s.incident_id "
                "LEFT JOIN premises p ON p.id = i.premises_id AND p.deleted = 0 WHERE s.deleted = 0 AND i.deleted = 0 "
                "AND COALESCE(s.serial_number, '') != '' ORDER BY i.occurred_start DESC, s.id"):
            if normalise_serial(r["serial_number"]) != wanted:
                continue
            what = " ".join(p for p in (r["make"], r["model"]) if p) or r["description"] or _CATEGORY_NAMES.get(
                r["category"], r["category"] or "item")
            where = _where(r["premises_name"] or r["place"], r["lat"], r["lon"])
            matches.append(SerialMatch(
                "stolen", r["serial_number"], what, where, r["occurred_start"], r["marking"] or "",
                incident_id=r["incident_id"], premises_id=r["premises_id"], item_id=r["id"],
                recovered=bool(r["recovered"])))
        for r in self.store.db.query(
                "SELECT r.*, p.name, p.grid_ref, p.registered_on FROM premises_property r JOIN premises p ON "
                "p.id = r.premises_id WHERE r.deleted = 0 AND p.deleted = 0 AND r.serial_number = ? ORDER BY p.name, "
                "r.id", [wanted]):
            item = _property(r)
            matches.append(SerialMatch(
                "registered", item.serial_as_written or item.serial_number,
                f"{PROPERTY_KIND_NAMES.get(item.kind, item.kind)}: {item.label}",
                f"{r['name']} ({r['grid_ref']})", r["registered_on"], item.marking, premises_id=item.premises_id,
                property_id=item.id))
        found = SerialCheck(wanted, tuple(matches))
        if audit:
            with self.store.transaction():
                record_event(self.store, "property_check", PROPERTY, None, {
                    "serial": wanted, "stolen": [m.item_id for m in matches if m.source == "stolen"],
                    "registered": [m.property_id for m in matches if m.source == "registered"]})
        return found

    # --- writes --------------------------------------------------------------------------------------------

    def add(self, inp: PremisesInput, synthetic: bool = False, premises_id: str | None = None) -> Premises:
        self.store.actor.require("premises.edit")
        values = validate_premises(inp)
        if not self.store.actor.can("personal.reporters"):
            values.update(dict.fromkeys(CONTACT_FIELDS, ""))  # the form showed this role no contact fields
        with self.store.transaction():
            new_id = self.table.insert({**values, "synthetic": int(synthetic)}, premises_id)
        self.hub.publish(Change(TOPIC, "created", (new_id,)))
        return self.get(new_id)

    def update(self, premises_id: str, inp: PremisesInput) -> Premises:
        self.store.actor.require("premises.edit")
        stored = self.get(premises_id)
        if not self.store.actor.can("personal.reporters"):
            # The form showed this role no contact details: what it sends back blank must not erase them.
            inp = replace(inp, contact_name="", contact_phone="", contact_email="")
        values = validate_premises(inp)
        if not self.store.actor.can("personal.reporters"):
            values = {k: v for k, v in values.items() if k not in CONTACT_FIELDS}
        with self.store.transaction():
            changed = self.table.update(stored.id, values)
        if changed:
            self.hub.publish(Change(TOPIC, "updated", (stored.id,)))
        return self.get(stored.id)

    def delete(self, premises_id: str) -> None:
        """Tombstone the premises (its property and visits go with it; linked incidents keep their link)."""
        self.store.actor.require("premises.edit")
        stored = self.get(premises_id)
        with self.store.transaction():
            for table, rows in ((self.property_table, PROPERTY), (self.visits_table, VISITS)):
                for (child,) in self.store.db.execute(
                        f"SELECT id FROM {rows} WHERE premises_id = ? AND deleted = 0", [stored.id]).fetchall():
                    table.tombstone(child)
            self.table.tombstone(stored.id)
        self.hub.publish(Change(TOPIC, "deleted", (stored.id,)))

    def add_visit(self, premises_id: str, inp: VisitInput) -> Visit:
        self.store.actor.require("premises.edit")
        stored = self.get(premises_id)
        values = validate_visit(inp)
        with self.store.transaction():
            visit_id = self.visits_table.insert({**values, "premises_id": stored.id})
        self.hub.publish(Change(TOPIC, "updated", (stored.id,)))
        return next(v for v in self.visits(stored.id) if v.id == visit_id)

    def add_property(self, premises_id: str, inp: PropertyInput) -> RegisteredProperty:
        self.store.actor.require("premises.edit")
        stored = self.get(premises_id)
        values = validate_property(inp)
        with self.store.transaction():
            item_id = self.property_table.insert({**values, "premises_id": stored.id})
        self.hub.publish(Change(TOPIC, "updated", (stored.id,)))
        return next(p for p in self.property(stored.id) if p.id == item_id)

    def update_property(self, property_id: str, inp: PropertyInput) -> RegisteredProperty:
        self.store.actor.require("premises.edit")
        current = self._live_property(property_id)
        values = validate_property(inp)
        with self.store.transaction():
            changed = self.property_table.update(property_id, values)
        if changed:
            self.hub.publish(Change(TOPIC, "updated", (current["premises_id"],)))
        return next(p for p in self.property(current["premises_id"]) if p.id == property_id)

    def remove_property(self, property_id: str) -> None:
        self.store.actor.require("premises.edit")
        current = self._live_property(property_id)
        with self.store.transaction():
            self.property_table.tombstone(property_id)
        self.hub.publish(Change(TOPIC, "updated", (current["premises_id"],)))

    def _live_property(self, property_id: str) -> dict[str, Any]:
        try:
            row = self.property_table.get_raw(property_id)
        except NotFoundError:
            raise NotFoundError(f"no registered property with id {property_id}") from None
        if row["deleted"]:
            raise NotFoundError(f"registered property {property_id} has been removed")
        return row

    def link(self, incident_id: str, premises_id: str | None) -> RepeatVictim | None:
        """Say which premises an incident happened at (None: at none). An incident edit, so `incident.record`.
        Returns the repeat-victimisation finding for the link."""
        self.store.actor.require("incident.record")
        with self.store.transaction():
            try:
                row = self.incidents_table.get_raw(incident_id)
            except NotFoundError:
                raise NotFoundError(f"no incident with id {incident_id}") from None
            if row["deleted"]:
                raise NotFoundError(f"incident {incident_id} has been deleted")
            if premises_id is not None:
                premises_id = self.get(premises_id).id
            changed = self.incidents_table.update(incident_id, {"premises_id": premises_id})
        if changed:
            self.hub.publish(Change("incidents", "updated", (incident_id,)))
            self.hub.publish(Change(TOPIC, "updated", tuple(p for p in (premises_id, row["premises_id"]) if p)))
        return self.repeat_for_incident(incident_id) if premises_id else None


def _property(row: dict[str, Any]) -> RegisteredProperty:
    return RegisteredProperty(
        id=row["id"], premises_id=row["premises_id"], kind=row["kind"] or "", make=row["make"] or "",
        model=row["model"] or "", serial_number=row["serial_number"] or "",
        serial_as_written=row["serial_as_written"] or "", marking=row["marking"] or "none",
        marking_ref=row["marking_ref"] or "", description=row["description"] or "",
        photos=tuple(p for p in (row["photos"] or "").split("\n") if p))


def _schemes(text: str | None) -> tuple[str, ...]:
    return tuple(s for s in (text or "").split(",") if s)


def _where(place: str | None, lat: float | None, lon: float | None) -> str:
    grid = ""
    if lat is not None and lon is not None:
        try:
            grid = lat_lon_to_grid_ref(lat, lon, 8)
        except ValidationError:
            grid = ""
    return f"{place or 'place not given'}" + (f" ({grid})" if grid else "")
