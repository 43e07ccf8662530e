"""Joint patrols in the database: the patrol rows with their crew and logged events, and the reads of other
features' tables a patrol needs (incidents near it, vehicles on reports, the duties its crew are on).

Every SQL statement of the patrol service is here. Writes go through SyncTable (so they sync and are audited) and
must run inside `store.transaction()`; the service decides when.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.patrol import LoggedEvent, PatrolRecord, event_from_row, patrol_from_row
from ruralwatch.core.patrol_track import TrackPoint
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values
from ruralwatch.store.syncable import SyncTable, resolve_id

# An incident with what was stolen in it: the harm weighting needs the value.
_INCIDENT_WITH_VALUE = (
    "SELECT i.id, i.kind, i.occurred_start, i.lat, i.lon, i.place, i.description, i.crime_reference,"
    " (SELECT SUM(s.value_pence) FROM stolen_items s WHERE s.incident_id = i.id AND s.deleted = 0) AS value"
    " FROM incidents i WHERE i.deleted = 0"
)


class PatrolRepository:
    def __init__(self, store: Store, clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.clock = clock  # the service's: rows' created_at/updated_at
        self.patrols = SyncTable(store, "patrols", clock)
        self.crew = SyncTable(store, "patrol_crew", clock)
        self.events = SyncTable(store, "patrol_events", clock)
        self.track = SyncTable(store, "patrol_track_points", clock)

    # --- patrols ------------------------------------------------------------------------------------------

    def find(self, patrol_id: str) -> PatrolRecord | None:
        """The live patrol with this id, or None."""
        found = self._records("id = ?", [patrol_id])
        return found[0] if found else None

    def full_id(self, text: str) -> str:
        """The full id from a unique prefix, as `patrol list` prints them; raises NotFoundError."""
        return resolve_id(self.store, "patrols", text, "patrol")

    def latest(self, status: str | None = None, limit: int = 500) -> list[PatrolRecord]:
        """Live patrols, latest first by when they ran (started, else planned); optionally of one status."""
        if status:
            return self._records("status = ?", [status], limit)
        return self._records("1 = 1", [], limit)

    def _records(self, where: str, params: list[Any], limit: int = 500) -> list[PatrolRecord]:
        rows = list(self.store.db.query(
            f"SELECT * FROM patrols WHERE deleted = 0 AND {where} ORDER BY COALESCE(started_at, starts_at) DESC"
            f" LIMIT {int(limit)}", params
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
        return [patrol_from_row(row, tuple(crew.get(row["id"], ()))) for row in rows]

    def insert(self, values: dict[str, Any]) -> str:
        return self.patrols.insert(values)

    def update(self, patrol_id: str, values: dict[str, Any]) -> None:
        self.patrols.update(patrol_id, values)

    def update_patrol(self, patrol_id: str, values: dict[str, Any], reason: str) -> dict[str, Any]:
        """Correct a patrol's own start and end; the audit entry carries the reason. Returns the fields changed."""
        return self.patrols.update(patrol_id, values, reason=reason)

    def duty_of(self, patrol_id: str) -> str | None:
        """The live roster duty the patrol stands for, if any."""
        row = self.store.db.execute("SELECT id FROM duties WHERE patrol_id = ? AND deleted = 0",
                                    [patrol_id]).fetchone()
        return str(row[0]) if row else None

    def tombstone(self, patrol_id: str) -> None:
        """The patrol with its crew places, its log and its track (blanked: a deleted patrol keeps no positions)."""
        self.remove_track(patrol_id)
        for table in ("patrol_crew", "patrol_events"):
            rows = SyncTable(self.store, table, self.clock)
            for (row_id,) in self.store.db.execute(
                f"SELECT id FROM {table} WHERE patrol_id = ? AND deleted = 0", [patrol_id]
            ).fetchall():
                rows.tombstone(row_id)
        self.patrols.tombstone(patrol_id)

    # --- crew places --------------------------------------------------------------------------------------
    #
    # A crew place keeps its override in its own row (`override_reason`, `overridden_rules`, migration 9), as a
    # duty assignment does, written through SyncTable: the row's audit entry carries it and it syncs.

    def crew_places(self, patrol_id: str) -> dict[str, str]:
        """Person id -> crew row id of the live crew places."""
        return {
            person_id: row_id
            for row_id, person_id in self.store.db.execute(
                "SELECT id, person_id FROM patrol_crew WHERE patrol_id = ? AND deleted = 0", [patrol_id]
            ).fetchall()
        }

    def insert_crew(self, patrol_id: str, person_id: str, rules: Sequence[str], reason: str) -> str:
        values: dict[str, Any] = {"patrol_id": patrol_id, "person_id": person_id}
        if rules:
            values |= {"override_reason": reason.strip(), "overridden_rules": json.dumps(list(rules))}
        return self.crew.insert(values)

    def remove_crew(self, row_id: str) -> None:
        self.crew.tombstone(row_id)

    def record_override(self, row_id: str, rules: Sequence[str], reason: str) -> None:
        """The latest reason, and every rule overridden so far (a place already overridden keeps its rules)."""
        before = self.crew.get_raw(row_id)
        known = json.loads(before.get("overridden_rules") or "[]") if before.get("override_reason") else []
        self.crew.update(row_id, {"override_reason": reason.strip(),
                                  "overridden_rules": json.dumps(list(dict.fromkeys([*known, *rules])))})

    def clear_overrides(self, patrol_id: str) -> None:
        for (row_id,) in self.store.db.execute(
            "SELECT id FROM patrol_crew WHERE patrol_id = ? AND deleted = 0 AND override_reason IS NOT NULL",
            [patrol_id],
        ).fetchall():
            self.crew.update(row_id, {"override_reason": None, "overridden_rules": None})

    def overrides_by_person(self, patrol_id: str) -> dict[str, tuple[str, list[str]]]:
        """Person id -> (latest reason, every rule overridden) for the live crew places of a patrol."""
        return {
            person_id: (reason, json.loads(rules or "[]"))
            for person_id, reason, rules in self.store.db.execute(
                "SELECT person_id, override_reason, overridden_rules FROM patrol_crew WHERE patrol_id = ?"
                " AND deleted = 0 AND override_reason IS NOT NULL", [patrol_id],
            ).fetchall()
        }

    # --- the log ------------------------------------------------------------------------------------------

    def insert_event(self, values: dict[str, Any]) -> str:
        return self.events.insert(values)

    def link_event(self, event_id: str, incident_id: str) -> str:
        """Link an incident to an event; returns the event's patrol id. Raises NotFoundError."""
        patrol_id = str(self.events.get_raw(event_id)["patrol_id"])
        self.events.update(event_id, {"incident_id": incident_id})
        return patrol_id

    def event(self, event_id: str) -> LoggedEvent | None:
        rows = list(self.store.db.query("SELECT * FROM patrol_events WHERE id = ?", [event_id]))
        return event_from_row(open_values(self.store, "patrol_events", rows[0])) if rows else None

    def events_of(self, patrol_id: str, withdrawn: bool = False) -> list[LoggedEvent]:
        """The patrol's log in time order; events withdrawn as logged by mistake only with `withdrawn`."""
        counted = "" if withdrawn else " AND withdrawn_at IS NULL"
        return [
            event_from_row(open_values(self.store, "patrol_events", row)) for row in self.store.db.query(
                f"SELECT * FROM patrol_events WHERE patrol_id = ? AND deleted = 0{counted}"
                " ORDER BY at, created_at, rowid", [patrol_id],
            )
        ]

    def full_event_id(self, text: str) -> str:
        """The full id from a unique prefix (`patrol show` prints the first 8 characters); raises NotFoundError."""
        return resolve_id(self.store, "patrol_events", text, "patrol event")

    def event_patrol(self, event_id: str) -> str:
        return str(self.events.get_raw(event_id)["patrol_id"])

    def update_event(self, event_id: str, values: dict[str, Any], reason: str | None) -> dict[str, Any]:
        """Correct or withdraw a logged event; the audit entry carries the reason. Returns the fields changed."""
        return self.events.update(event_id, values, reason=reason)

    # --- the track (rows in bulk: one audit entry per batch, see SyncTable.insert_many) -------------------------

    def insert_track(self, patrol_id: str, rows: list[dict[str, Any]]) -> int:
        """Rows of one patrol's track (at, lat, lon, accuracy_m, source, segment). Returns how many."""
        return len(self.track.insert_many([{"patrol_id": patrol_id, **row} for row in rows], record_id=patrol_id))

    def track_of(self, patrol_id: str) -> list[TrackPoint]:
        """The live points of a patrol's track in time order."""
        return [
            TrackPoint(times.from_storage(at), lat, lon, accuracy, source or "", int(segment or 0))
            for at, lat, lon, accuracy, source, segment in self.store.db.execute(
                "SELECT at, lat, lon, accuracy_m, source, segment FROM patrol_track_points WHERE patrol_id = ?"
                " AND deleted = 0 AND lat IS NOT NULL ORDER BY at, rowid", [patrol_id])
        ]

    def track_count(self, patrol_id: str) -> int:
        return int(self.store.db.execute("SELECT count(*) FROM patrol_track_points WHERE patrol_id = ? AND"
                                         " deleted = 0", [patrol_id]).fetchone()[0])

    def last_segment(self, patrol_id: str) -> int | None:
        """The highest segment stored for a patrol (None: no track yet)."""
        found = self.store.db.execute("SELECT max(segment) FROM patrol_track_points WHERE patrol_id = ?",
                                      [patrol_id]).fetchone()
        return None if found is None or found[0] is None else int(found[0])

    def ended_patrols_with_tracks(self) -> list[tuple[str, str, str, int]]:
        """(patrol id, title, when it ended or was last planned to, live points) of patrols that have a live track."""
        return [(str(r[0]), str(r[1] or ""), str(r[2]), int(r[3])) for r in self.store.db.execute(
            "SELECT p.id, p.title, COALESCE(p.ended_at, p.ends_at), count(t.id) FROM patrol_track_points t"
            " JOIN patrols p ON p.id = t.patrol_id WHERE t.deleted = 0 GROUP BY p.id")]

    def remove_track(self, patrol_id: str) -> int:
        """Blank and tombstone a patrol's track points (retention): the positions go, the delete syncs."""
        ids = [str(r[0]) for r in self.store.db.execute(
            "SELECT id FROM patrol_track_points WHERE patrol_id = ? AND deleted = 0", [patrol_id])]
        return self.track.update_many(ids, {"lat": None, "lon": None, "accuracy_m": None, "deleted": 1},
                                      record_id=patrol_id, action="delete")

    # --- other features' tables ---------------------------------------------------------------------------

    def duty_patrol_id(self, duty_id: str) -> str | None:
        """The patrol a roster duty was planned as, if any (None also for an id that is not a duty's)."""
        row = self.store.db.execute("SELECT patrol_id FROM duties WHERE id = ?", [duty_id]).fetchone()
        return row[0] if row else None

    def commitment_titles(self) -> dict[str, str]:
        """Id -> title of every live duty and patrol: what a crew member is already on."""
        rows = self.store.db.execute(
            "SELECT id, title FROM duties WHERE deleted = 0 UNION ALL SELECT id, title FROM patrols WHERE deleted = 0"
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def incidents_between(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Incidents that occurred from `since` to `until` inclusive, latest first, with the value stolen."""
        return list(self.store.db.query(
            f"{_INCIDENT_WITH_VALUE} AND i.occurred_start >= ? AND i.occurred_start <= ?"
            " ORDER BY i.occurred_start DESC",
            [times.to_storage(since), times.to_storage(until)],
        ))

    def located_incidents(self, since: datetime, before: datetime) -> list[dict[str, Any]]:
        """Incidents with a location that occurred from `since` up to (not including) `before`."""
        return list(self.store.db.query(
            f"{_INCIDENT_WITH_VALUE} AND i.lat IS NOT NULL AND i.occurred_start >= ? AND i.occurred_start < ?",
            [times.to_storage(since), times.to_storage(before)],
        ))
