"""Incident queries and writes. Writes happen inside the caller's transaction (see services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.incident import AttachmentInfo, Incident, IncidentFilter, ValidIncident
from ruralwatch.core.kinds import ALL_DETAIL_FIELDS, KINDS, FieldType, search_kinds
from ruralwatch.core.vocab import STATUSES
from ruralwatch.core.vrm import normalise_vrm
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values
from ruralwatch.store.syncable import SyncTable

# Columns the table view can sort by, mapped to SQL. A fixed map keeps user input out of SQL text.
SORT_COLUMNS: dict[str, str] = {
    "occurred_start": "i.occurred_start",
    "kind": "i.kind",
    "status": "i.status",
    "place": "i.place COLLATE NOCASE",
    "crime_reference": "i.crime_reference",
    "vrms": "vrms",
    "reported_at": "i.reported_at",
}


@dataclass(frozen=True)
class IncidentRow:
    """What one line of the incidents table shows."""

    id: str
    kind: str
    subkind: str | None
    occurred_start: str
    place: str
    status: str
    crime_reference: str
    lat: float
    lon: float
    vrms: str
    synthetic: bool


@dataclass(frozen=True)
class MapPoint:
    id: str
    lat: float
    lon: float
    kind: str
    status: str
    occurred_start: str
    place: str


def _local_midnight_utc(day: Any) -> str:
    return times.to_storage(datetime.combine(day, time.min, tzinfo=times.LOCAL_ZONE))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Rows per part of IncidentRepository.map_json_parts: ~70 KB of JSON, under V8's large-object size (128 KiB), so
# neither a part's text nor its rows outlive the next young-generation collection in the page.
MAP_ROWS_PER_PART = 5000


def _map_row() -> str:
    """One map row as SQLite's JSON (see IncidentRepository.map_json)."""
    kind_case = " ".join(f"WHEN '{k.key}' THEN {n}" for n, k in enumerate(KINDS))
    status_case = " ".join(f"WHEN '{key}' THEN {n}" for n, (key, _) in enumerate(STATUSES))
    return (
        "json_array(i.rowid, round(i.lat, 5), round(i.lon, 5), "
        f"CASE i.kind {kind_case} ELSE -1 END, CASE i.status {status_case} ELSE -1 END, "
        # Epoch minutes, the seconds dropped as the table drops them (07:54:40 is 07:54 in both, not 07:55 on
        # the map); strftime('%s') is exact integer seconds on every SQLite, unlike unixepoch() (3.38+).
        "CAST(strftime('%s', i.occurred_start) AS INTEGER) / 60, COALESCE(i.place, ''))"
    )


def where_clause(flt: IncidentFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if not flt.include_deleted:
        clauses.append("i.deleted = 0")
    if flt.kinds:
        clauses.append(f"i.kind IN ({', '.join('?' * len(flt.kinds))})")
        params.extend(flt.kinds)
    if flt.statuses:
        clauses.append(f"i.status IN ({', '.join('?' * len(flt.statuses))})")
        params.extend(flt.statuses)
    if flt.start_from:
        clauses.append("i.occurred_start >= ?")
        params.append(_local_midnight_utc(flt.start_from))
    if flt.start_to:
        clauses.append("i.occurred_start < ?")
        params.append(_local_midnight_utc(flt.start_to + timedelta(days=1)))
    text = flt.text.strip()
    if text:
        # Escape LIKE's wildcards so "%" and "_" typed by a user match themselves.
        like = "%" + _escape_like(text) + "%"
        compact = "%" + _escape_like(normalise_vrm(text)) + "%"
        vrms = (" OR EXISTS (SELECT 1 FROM incident_vehicles v WHERE v.incident_id = i.id AND v.deleted = 0"
                " AND rw_open(v.vrm, 'incident_vehicles', 'vrm', v.id) LIKE ? ESCAPE '\\')") if flt.match_vrms else ""
        # A stolen vehicle's own registration is found as any VRM on the incident is.
        item_vrm = (" OR rw_open(s.vrm, 'stolen_items', 'vrm', s.id) LIKE ? ESCAPE '\\'") if flt.match_vrms else ""
        # What was taken and the kinds the text names are searched too: "quad" or "StarFire" found nothing of a
        # walk's quad bike and GPS unit thefts (their items' descriptions and makes, their equipment's name). Kinds
        # by the kind box's own rule (core.kinds.search_kinds: any word or synonym), not by a substring of a name.
        named_kinds = search_kinds(text)
        kinds = list(named_kinds.kinds)
        equipment = [value for pair in named_kinds.subkinds for value in pair]
        named = (f" OR i.kind IN ({', '.join('?' * len(kinds))})" if kinds else "") + "".join(
            " OR (i.kind = ? AND i.subkind = ?)" for _pair in named_kinds.subkinds)
        clauses.append(
            "(i.place LIKE ? ESCAPE '\\' OR i.description LIKE ? ESCAPE '\\' OR i.crime_reference LIKE ? ESCAPE '\\'"
            f"{vrms}{named} OR EXISTS (SELECT 1 FROM stolen_items s WHERE s.incident_id = i.id AND s.deleted = 0"
            " AND (s.serial_number LIKE ? ESCAPE '\\' OR s.description LIKE ? ESCAPE '\\' OR s.make LIKE ? ESCAPE '\\'"
            f" OR s.model LIKE ? ESCAPE '\\'{item_vrm})))"
        )
        params.extend([like, like, like, *([compact] if flt.match_vrms else []), *kinds, *equipment,
                       compact, like, like, like, *([compact] if flt.match_vrms else [])])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class IncidentRepository:
    def __init__(self, store: Store, clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        # The service's clock stamps created_at/updated_at.
        self.incidents = SyncTable(store, "incidents", clock)
        self.vehicles = SyncTable(store, "incident_vehicles", clock)
        self.items = SyncTable(store, "stolen_items", clock)
        self.attachments = SyncTable(store, "attachments", clock)

    # --- reads -------------------------------------------------------------------------------------------

    def count(self, flt: IncidentFilter) -> int:
        where, params = where_clause(flt)
        return int(self.store.db.execute(f"SELECT COUNT(*) FROM incidents i{where}", params).fetchone()[0])

    def has_synthetic(self) -> bool:
        """Whether any live incident is demo data (the window then says so)."""
        row = self.store.db.execute("SELECT 1 FROM incidents WHERE synthetic = 1 AND deleted = 0 LIMIT 1").fetchone()
        return row is not None

    def rows(
        self, flt: IncidentFilter, sort: str = "occurred_start", descending: bool = True,
        offset: int = 0, limit: int = 500,
    ) -> list[IncidentRow]:
        where, params = where_clause(flt)
        order = SORT_COLUMNS.get(sort, SORT_COLUMNS["occurred_start"])
        direction = "DESC" if descending else "ASC"
        sql = (
            "SELECT i.id, i.kind, i.subkind, i.occurred_start, i.place, i.status, i.crime_reference, i.lat, "
            "i.lon, (SELECT group_concat(rw_open(v.vrm, 'incident_vehicles', 'vrm', v.id), ' ') "
            "FROM incident_vehicles v "
            "WHERE v.incident_id = i.id AND v.deleted = 0) AS vrms, i.synthetic "
            f"FROM incidents i{where} ORDER BY {order} {direction}, i.id {direction} LIMIT ? OFFSET ?"
        )
        cursor = self.store.db.execute(sql, [*params, limit, offset])
        return [
            IncidentRow(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6] or "", r[7], r[8], r[9] or "", bool(r[10]))
            for r in cursor
        ]

    def map_points(self, flt: IncidentFilter) -> list[MapPoint]:
        where, params = where_clause(flt)
        cursor = self.store.db.execute(
            f"SELECT i.id, i.lat, i.lon, i.kind, i.status, i.occurred_start, i.place FROM incidents i{where}",
            params,
        )
        return [MapPoint(*row) for row in cursor]

    def map_json(self, flt: IncidentFilter) -> str:
        """The incidents the map shows, as one compact JSON array built by SQLite itself.

        Each row is [rowid, lat, lon, kind index, status index, occurred_start in epoch minutes, place]:
        indexes into KINDS and STATUSES, 1 m coordinates and the table's rowid (a page-session handle, see
        `id_for_rowid`) keep 100k incidents to a few MB, which the page parses in a fraction of a second.
        """
        where, params = where_clause(flt)
        row = self.store.db.execute(f"SELECT json_group_array({_map_row()}) FROM incidents i{where}", params).fetchone()
        return str(row[0])

    def map_json_parts(self, flt: IncidentFilter, rows_per_part: int = MAP_ROWS_PER_PART) -> list[str]:
        """The rows of `map_json`, in the same order, as JSON arrays of at most `rows_per_part` rows each (at least
        one, maybe empty). The window hands them to the page a part at a time: each part's text and parsed rows are
        small, short-lived objects the page's garbage collector frees at once, where one 7 MB text and 100k row
        arrays stayed in the renderer's heap until a full collection, which an idle page may not run for minutes."""
        where, params = where_clause(flt)
        cursor = self.store.db.execute(f"SELECT {_map_row()} FROM incidents i{where}", params)
        parts: list[str] = []
        while rows := cursor.fetchmany(rows_per_part):
            parts.append("[" + ",".join(row[0] for row in rows) + "]")
        return parts or ["[]"]

    def rowid_of(self, incident_id: str) -> int | None:
        row = self.store.db.execute("SELECT rowid FROM incidents WHERE id = ?", [incident_id]).fetchone()
        return int(row[0]) if row else None

    def id_for_rowid(self, rowid: int) -> str | None:
        row = self.store.db.execute("SELECT id FROM incidents WHERE rowid = ?", [rowid]).fetchone()
        return str(row[0]) if row else None

    def _children(self, table: str, incident_id: str) -> list[dict[str, Any]]:
        cursor = self.store.db.execute(
            f"SELECT * FROM [{table}] WHERE incident_id = ? AND deleted = 0 ORDER BY rowid",
            [incident_id],
        )
        names = [d[0] for d in cursor.description]
        hidden = {"created_at", "updated_at", "device_id", "hlc", "field_hlc", "deleted"}
        return [{k: v for k, v in open_values(self.store, table, dict(zip(names, row, strict=True))).items()
                 if k not in hidden} for row in cursor]

    def get(self, incident_id: str, include_deleted: bool = False) -> Incident:
        try:
            raw = self.incidents.get_raw(incident_id)
        except NotFoundError:
            raise NotFoundError(f"no incident with id {incident_id}") from None
        if raw["deleted"] and not include_deleted:
            raise NotFoundError(f"incident {incident_id} has been deleted")
        attachments = [
            AttachmentInfo(a["id"], a["sha256"], a["filename"], a["media_type"] or "", a["size"], a["caption"] or "")
            for a in self._children("attachments", incident_id)
        ]
        return Incident(
            id=raw["id"], kind=raw["kind"], subkind=raw["subkind"], occurred_start=raw["occurred_start"],
            occurred_end=raw["occurred_end"], reported_at=raw["reported_at"], lat=raw["lat"], lon=raw["lon"],
            place=raw["place"] or "", description=raw["description"] or "", status=raw["status"],
            crime_reference=raw["crime_reference"] or "", reporter_name=raw["reporter_name"] or "",
            reporter_phone=raw["reporter_phone"] or "", synthetic=bool(raw["synthetic"]),
            details={
                f.key: bool(raw[f.key]) if f.type is FieldType.BOOLEAN else raw[f.key]
                for f in ALL_DETAIL_FIELDS
                if raw[f.key] is not None
            },
            vehicles=self._children("incident_vehicles", incident_id),
            items=self._children("stolen_items", incident_id),
            attachments=attachments,
            created_at=raw["created_at"], updated_at=raw["updated_at"], device_id=raw["device_id"],
            hlc=raw["hlc"], deleted=bool(raw["deleted"]), premises_id=raw.get("premises_id"),
        )

    def blob(self, sha256: str) -> bytes:
        row = self.store.db.execute("SELECT data FROM blobs WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            raise NotFoundError(f"no stored file with hash {sha256}")
        return bytes(row[0])

    # --- writes (inside store.transaction()) -----------------------------------------------------------

    def insert(self, valid: ValidIncident, synthetic: bool = False, incident_id: str | None = None) -> str:
        incident_id = self.incidents.insert({**valid.values, "synthetic": int(synthetic)}, incident_id)
        for vehicle in valid.vehicles:
            self.vehicles.insert({**_without_id(vehicle), "incident_id": incident_id})
        for item in valid.items:
            self.items.insert({**_without_id(item), "incident_id": incident_id})
        return incident_id

    def update(self, incident_id: str, valid: ValidIncident) -> dict[str, tuple[Any, Any]]:
        changes = self.incidents.update(incident_id, valid.values)
        changes.update(self._sync_children(self.vehicles, "vehicles", incident_id, valid.vehicles))
        changes.update(self._sync_children(self.items, "items", incident_id, valid.items))
        return changes

    def _sync_children(
        self, table: SyncTable, label: str, incident_id: str, wanted: list[dict[str, Any]]
    ) -> dict[str, tuple[Any, Any]]:
        """Make the live child rows equal `wanted`: update by id, insert new ones, tombstone the rest."""
        existing = {row["id"]: row for row in self._children(table.table, incident_id)}
        changed = False
        for row in wanted:
            row_id = row.get("id")
            if row_id and row_id in existing:
                changed |= bool(table.update(row_id, _without_id(row)))
                existing.pop(row_id)
            else:
                table.insert({**_without_id(row), "incident_id": incident_id})
                changed = True
        for row_id in existing:
            changed |= table.tombstone(row_id)
        return {label: ("", "changed")} if changed else {}

    def check_premises(self, valid: ValidIncident) -> None:
        """A link names a live premises of the register (ruralwatch.core.premises)."""
        premises_id = valid.values.get("premises_id")
        if premises_id and not self.store.db.execute(
                "SELECT 1 FROM premises WHERE id = ? AND deleted = 0", [premises_id]).fetchone():
            raise ValidationError.single("premises_id", f"no premises with id {premises_id} in the register")

    def tombstone(self, incident_id: str) -> bool:
        return self.incidents.tombstone(incident_id)

    def add_attachment(
        self, incident_id: str, filename: str, media_type: str, data: bytes, sha256: str, caption: str = ""
    ) -> str:
        self.store.db.execute(
            "INSERT OR IGNORE INTO blobs(sha256, size, data) VALUES (?, ?, ?)", [sha256, len(data), data]
        )
        return self.attachments.insert({
            "incident_id": incident_id, "sha256": sha256, "filename": filename,
            "media_type": media_type, "size": len(data), "caption": caption,
        })

    def attachment_incident(self, attachment_id: str) -> str:
        return str(self.attachments.get_raw(attachment_id)["incident_id"])


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}
