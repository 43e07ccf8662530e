"""`central export` on PostgreSQL: the live incidents with their vehicles and stolen items, and the whole picture
(patrols with their stops and logs, duties, hours), written by the same writer as a laptop's export
(ruralwatch.io.exports) from the same records (ruralwatch.io.picture), without personal data (reporters, people's
names, registrations)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.central.laptop_schema import laptop_schema
from ruralwatch.central.pg_schema import quote
from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.incident import AttachmentInfo, Incident
from ruralwatch.core.kinds import ALL_DETAIL_FIELDS, FieldType
from ruralwatch.io import exports
from ruralwatch.io.picture import Picture, gather

if TYPE_CHECKING:
    from ruralwatch.central.postgres import PgCentral

_HIDDEN = frozenset({"created_at", "updated_at", "device_id", "hlc", "field_hlc", "deleted"})


def _rows(central: PgCentral, table: str, where: str) -> list[dict[str, Any]]:
    columns = laptop_schema().table(table).names
    with central.conn.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} {where}".encode())
        return [dict(zip(columns, row, strict=True)) for row in cursor]


def _children(central: PgCentral, table: str) -> dict[str, list[dict[str, Any]]]:
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(central, table, "WHERE deleted = 0 ORDER BY incident_id, created_at, id"):
        by_incident.setdefault(row["incident_id"], []).append({k: v for k, v in row.items() if k not in _HIDDEN})
    return by_incident


def incidents(central: PgCentral) -> list[Incident]:
    """Every live incident, as a laptop's repository builds it (ruralwatch.store.incidents), VRMs blanked."""
    vehicles = _children(central, "incident_vehicles")
    items = _children(central, "stolen_items")
    attachments = _children(central, "attachments")
    found = []
    for raw in _rows(central, "incidents", "WHERE deleted = 0 ORDER BY occurred_start, id"):
        found.append(Incident(
            id=raw["id"], kind=raw["kind"], subkind=raw["subkind"], occurred_start=raw["occurred_start"],
            occurred_end=raw["occurred_end"], reported_at=raw["reported_at"], lat=raw["lat"], lon=raw["lon"],
            place=raw["place"] or "", description=raw["description"] or "", status=raw["status"],
            crime_reference=raw["crime_reference"] or "", reporter_name="", reporter_phone="",
            synthetic=bool(raw["synthetic"]),
            details={f.key: bool(raw[f.key]) if f.type is FieldType.BOOLEAN else raw[f.key]
                     for f in ALL_DETAIL_FIELDS if raw.get(f.key) is not None},
            vehicles=[{**v, "vrm": ""} for v in vehicles.get(raw["id"], [])],
            items=items.get(raw["id"], []),
            attachments=[AttachmentInfo(a["id"], a["sha256"], a["filename"], a["media_type"] or "", a["size"],
                                        a["caption"] or "") for a in attachments.get(raw["id"], [])],
            created_at=raw["created_at"], updated_at=raw["updated_at"], device_id=raw["device_id"],
            hlc=raw["hlc"], deleted=False,
        ))
    return found


class _CentralRows:
    """The central tables' live rows for the picture (ruralwatch.io.picture.RowSource); registrations blank."""

    def __init__(self, central: PgCentral) -> None:
        self.central = central

    def live_rows(self, table: str) -> list[dict[str, Any]]:
        rows = _rows(self.central, table, "WHERE deleted = 0")
        if table == "patrol_events":
            rows = [{**row, "vrm": None} for row in rows]
        return rows


def export(central: PgCentral, fmt: str | None, out: Path, options: exports.ExportOptions | None = None
           ) -> exports.ExportResult:
    options = options or exports.ExportOptions()
    if options.include_personal:
        raise RuralWatchError("the central store's export carries no personal data: export from a laptop's or the "
                              "central database file's RuralWatch with --include-personal")
    fmt, target = exports.resolve_target(options.what, fmt, out)  # fail before reading anything
    found = incidents(central) if options.wants("incidents") else []
    if options.kinds:
        found = [i for i in found if i.kind in options.kinds]
    first, last = options.date_from, options.date_to
    found = [i for i in found if _within(i.occurred_start, first, last)]
    picture = gather(_CentralRows(central), first, last) if options.what != "incidents" else Picture()
    context = {"Database": f"central store {central.where} (device {central.device_id})"}
    return exports.export(exports.ExportData(found, options, times.utc_now(), picture, context), fmt, target)


def _within(stored: str, first: date | None, last: date | None) -> bool:
    day = times.to_local(times.from_storage(stored)).date()
    return (first is None or day >= first) and (last is None or day <= last)
