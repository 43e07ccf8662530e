"""Vehicles of interest: lists a team imports (force systems, ANPR hotlists), checked with the vehicles seen on the
team's own incidents whenever a registration is stop-checked, typed into an incident or looked up.

Rules: only roles entitled to registrations see lists or check them (`vehicles.view`); importing or withdrawing a
list is for RET officers and administrators (`vehicles.manage`). A list from a source replaces that source's
previous list (hotlists are re-issued whole); entries past their expiry no longer match. Every import, withdrawal
and every check that matched is in the audit log (the registration itself only as a mark: audit readers need not
be entitled to registrations).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import EQUIPMENT_CATEGORIES, kind_name
from ruralwatch.core.vocab import label
from ruralwatch.core.vrm import display_vrm, normalise_vrm, vrm_format
from ruralwatch.core.words import count_of
from ruralwatch.io.vehicle_lists import guess_mapping, parse_list, read_rows
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.policies import VEHICLE_LIST_MAPPINGS, write_changed
from ruralwatch.store.audit import PERSONAL_MARK, audit_batch, record_event
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values
from ruralwatch.store.syncable import SyncTable

TOPIC = "vehicles"
TABLE = "watchlist_vehicles"
# Vehicles on the team's own reports of these kinds, this recent, are "of interest" (stop-checks, briefings, checks).
SIGHTING_KINDS = ("hare_coursing", "equipment_theft", "unlawful_encampment")
SIGHTING_DAYS = 180


@dataclass(frozen=True)
class ListedVehicle:
    id: str
    vrm: str  # normalised
    reason: str
    source: str
    added_on: date | None
    expires_on: date | None
    handling: str

    def live_on(self, day: date) -> bool:
        return (self.added_on is None or self.added_on <= day) and (self.expires_on is None or day <= self.expires_on)

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["vrm"] = display_vrm(self.vrm)
        found["added_on"] = self.added_on.isoformat() if self.added_on else None
        found["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        return found


@dataclass(frozen=True)
class Sighting:
    incident_id: str
    occurred: str  # stored UTC text
    kind: str
    place: str
    description: str  # make / model / colour
    stolen: bool = False  # the vehicle itself was reported stolen (a stolen item's own registration), not recovered


@dataclass(frozen=True)
class VehicleCheck:
    vrm: str  # normalised
    listed: list[ListedVehicle]
    sightings: list[Sighting]
    checked_at: datetime

    @property
    def of_interest(self) -> bool:
        return bool(self.listed or self.sightings)

    def lines(self) -> list[str]:
        """What an officer reads out: each match with its reason and age."""
        day = times.to_local(self.checked_at).date()
        found = []
        for entry in self.listed:
            age = f"listed {(day - entry.added_on).days} days ago" if entry.added_on else "listed"
            until = f", until {entry.expires_on.isoformat()}" if entry.expires_on else ""
            handling = f"; handling: {entry.handling}" if entry.handling else ""
            found.append(f"{entry.source}: {entry.reason or 'no reason given'} ({age}{until}){handling}")
        for seen in self.sightings:
            when = times.to_local(times.from_storage(seen.occurred))
            seen_as = "reported stolen" if seen.stolen else "seen"
            found.append(f"{seen_as} on a {kind_name(seen.kind).lower()} report {(day - when.date()).days} days ago "
                         f"({when:%d %b %Y}{', ' + seen.place if seen.place else ''})"
                         + (f": {seen.description}" if seen.description else ""))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {"vrm": display_vrm(self.vrm), "of_interest": self.of_interest,
                "listed": [entry.to_dict() for entry in self.listed],
                "sightings": [asdict(seen) for seen in self.sightings], "lines": self.lines()}


@dataclass
class ListImport:
    source: str
    file: str
    rows_read: int
    added: int
    updated: int
    unchanged: int
    withdrawn: int  # entries of the source's previous list not in this one
    rejected: dict[str, int] = field(default_factory=dict)
    repeated: int = 0
    mapping: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        rejected = sum(self.rejected.values())
        reasons = f" ({', '.join(f'{n} {why}' for why, n in sorted(self.rejected.items()))})" if rejected else ""
        return (f"{self.source}: {count_of(self.rows_read, 'row')} read, {self.added:,} added, "
                f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.withdrawn:,} withdrawn, "
                f"{rejected:,} rejected{reasons}")


class VehicleListService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock
        self.table = SyncTable(store, TABLE, lambda: self._now())  # created_at/updated_at: the service's clock

    # --- lists --------------------------------------------------------------------------------------------

    def mapping_for(self, source: str) -> dict[str, str]:
        return dict(VEHICLE_LIST_MAPPINGS.read(self.store).get(source.strip(), {}))

    def import_list(self, path: Path, source: str, mapping: dict[str, str] | None = None,
                    default_reason: str = "") -> ListImport:
        """Read `path` (CSV or XLSX) as `source`'s current list: its entries replace that source's previous ones
        in one transaction. `mapping` (field -> column) overrides what is remembered for the source or guessed from
        the headers, and is remembered for next time."""
        self.store.actor.require("vehicles.manage")
        source = " ".join(source.split())
        if not source:
            raise ValidationError.single("source", "name the list's source (e.g. \"ANPR hotlist\")")
        path = Path(path).expanduser()
        headers, rows = read_rows(path)
        chosen = {**guess_mapping(headers), **self.mapping_for(source), **(mapping or {})}
        chosen = {name: header for name, header in chosen.items() if header in headers or (mapping or {}).get(name)}
        parsed = parse_list(headers, rows, chosen, default_reason)
        if not parsed.entries:
            raise ValidationError.single("file", f"{path.name}: no registration could be read ("
                                                 f"{', '.join(f'{n} {why}' for why, n in parsed.rejected.items())})")
        current = {row["vrm"]: row for row in self._rows(source)}
        result = ListImport(source, path.name, parsed.rows_read, 0, 0, 0, 0, parsed.rejected, parsed.repeated,
                            chosen)
        import_id = uuid.uuid4().hex
        # One audit entry for the import, with a line per row it wrote (store.audit.audit_batch), not one each.
        with audit_batch(self.store, "vehicles_import", TABLE, import_id, always=True) as entry_changes:
            for entry in parsed.entries:
                values = {"vrm": entry.vrm, "reason": entry.reason, "source": source,
                          "added_on": entry.added_on.isoformat() if entry.added_on else None,
                          "expires_on": entry.expires_on.isoformat() if entry.expires_on else None,
                          "handling": entry.handling}
                held = current.pop(entry.vrm, None)
                if held is None:
                    self.table.insert({**values, "import_id": import_id})
                    result.added += 1
                elif self.table.update(held["id"], values):
                    result.updated += 1
                else:
                    result.unchanged += 1
            for gone in current.values():  # no longer on the source's list
                self.table.tombstone(gone["id"])
                result.withdrawn += 1
            remembered = VEHICLE_LIST_MAPPINGS.read(self.store)
            # A setting like any other: written and audited (its own entry, before the batch's) when it changed.
            write_changed(self.store, [(VEHICLE_LIST_MAPPINGS, {**remembered, source: chosen})])
            entry_changes.update({
                "source": source, "file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                **{k: v for k, v in result.to_dict().items() if k not in ("source", "file", "mapping")},
            })
        self.hub.publish(Change(TOPIC, "bulk"))
        return result

    def withdraw(self, source: str) -> int:
        """Withdraw every entry of a source's list; how many."""
        self.store.actor.require("vehicles.manage")
        rows = self._rows(" ".join(source.split()))
        with audit_batch(self.store, "vehicles_withdraw", TABLE, None, {"source": source, "withdrawn": len(rows)},
                         always=True):
            for row in rows:
                self.table.tombstone(row["id"])
        self.hub.publish(Change(TOPIC, "bulk"))
        return len(rows)

    def _rows(self, source: str | None = None) -> list[dict[str, Any]]:
        where, params = ("deleted = 0 AND source = ?", [source]) if source else ("deleted = 0", [])
        return [open_values(self.store, TABLE, row)
                for row in self.store.db.query(f"SELECT * FROM {TABLE} WHERE {where} ORDER BY source, id", params)]

    def listed(self, at: datetime | None = None, include_expired: bool = False) -> list[ListedVehicle]:
        """The entries of every list (live on `at`'s UK day, unless `include_expired`); none for a role that may
        not see registrations."""
        if not self.store.actor.can("vehicles.view"):
            return []
        day = times.to_local(at or self._now()).date()
        entries = [_listed(row) for row in self._rows() if row["vrm"]]
        return [e for e in entries if include_expired or e.live_on(day)]

    def sources(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in self.store.db.execute(f"SELECT source FROM {TABLE} WHERE deleted = 0"):
            counts[row[0]] += 1
        return dict(counts)

    # --- checks -------------------------------------------------------------------------------------------

    def check(self, vrm: str, at: datetime | None = None, audit: bool = True) -> VehicleCheck:
        """Every match for a registration: live list entries and the team's own recent reports. A match is
        audited (which entries, not the registration)."""
        self.store.actor.require("vehicles.view")
        wanted = normalise_vrm(vrm)
        if not wanted or vrm_format(wanted) is None:
            raise ValidationError.single("vrm", f"{vrm!r} is not a registration")
        moment = at or self._now()
        listed = [entry for entry in self.listed(moment) if entry.vrm == wanted]
        sightings = [seen for seen_vrm, seen in self.sightings(moment) if seen_vrm == wanted]
        found = VehicleCheck(wanted, listed, sightings, moment)
        if audit and found.of_interest:
            with self.store.transaction():
                record_event(self.store, "vehicles_hit", TABLE, None, {
                    "vrm": PERSONAL_MARK, "listed": [e.id for e in listed],
                    "incidents": [s.incident_id for s in sightings]})
        return found

    def sightings(self, at: datetime, days: int = SIGHTING_DAYS) -> list[tuple[str, Sighting]]:
        """(normalised VRM, sighting) of vehicles on the team's reports of interest in the `days` before `at`, and
        of stolen vehicles reported before `at` and not recovered, whenever they were stolen."""
        if not self.store.actor.can("vehicles.view"):
            return []
        rows = self.store.db.execute(
            "SELECT rw_open(v.vrm, 'incident_vehicles', 'vrm', v.id), i.id, i.occurred_start, i.kind, i.place, "
            "v.make, v.model, v.colour FROM incident_vehicles v JOIN incidents i ON i.id = v.incident_id "
            f"WHERE v.deleted = 0 AND i.deleted = 0 AND i.kind IN ({','.join('?' * len(SIGHTING_KINDS))}) "
            "AND i.occurred_start >= ? AND i.occurred_start <= ?",
            [*SIGHTING_KINDS, times.to_storage(at - timedelta(days=days)), times.to_storage(at)]).fetchall()
        found = [(normalise_vrm(vrm), Sighting(incident_id, occurred, kind, place or "",
                                               " ".join(p for p in (colour, make, model) if p)))
                 for vrm, incident_id, occurred, kind, place, make, model, colour in rows if vrm]
        # Stolen vehicles (a quad bike's, a tractor's own registration) while not recovered: a stop-check of one
        # says it was reported stolen, as the vehicles on the same reports do. However long ago: a stolen vehicle
        # stays wanted until it is recovered (as on the national stolen vehicle record), where a sighting ages out.
        stolen = self.store.db.execute(
            "SELECT rw_open(s.vrm, 'stolen_items', 'vrm', s.id), i.id, i.occurred_start, i.kind, i.place, "
            "s.category, s.make, s.model FROM stolen_items s JOIN incidents i ON i.id = s.incident_id "
            "WHERE s.deleted = 0 AND i.deleted = 0 AND s.vrm IS NOT NULL AND s.recovered = 0 "
            "AND i.occurred_start <= ?",
            [times.to_storage(at)]).fetchall()
        found.extend((normalise_vrm(vrm), Sighting(
            incident_id, occurred, kind, place or "",
            "stolen " + " ".join(p for p in (label(EQUIPMENT_CATEGORIES, category), make, model) if p), stolen=True))
            for vrm, incident_id, occurred, kind, place, category, make, model in stolen if vrm)
        return found


def _listed(row: dict[str, Any]) -> ListedVehicle:
    return ListedVehicle(
        id=row["id"], vrm=row["vrm"], reason=row["reason"] or "", source=row["source"] or "",
        added_on=date.fromisoformat(row["added_on"]) if row["added_on"] else None,
        expires_on=date.fromisoformat(row["expires_on"]) if row["expires_on"] else None,
        handling=row["handling"] or "")
