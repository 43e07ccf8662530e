"""Exporting for analysts (incidents, patrols, duties, hours): the role check, personal data only for those
entitled, the audit entry."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError
from ruralwatch.core.incident import Incident, IncidentFilter
from ruralwatch.services.geography import GeographyService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values

if TYPE_CHECKING:  # the export code is imported by the method that writes a file: not at the window's start
    from ruralwatch.io.exports import ExportOptions, ExportResult, ProgressCallback

# What carries people's names (crew, hours) when personal data is exported.
PEOPLE_KINDS = ("patrols", "duties", "hours")
# The table an export's audit entry names (none for hours, or all of it).
AUDIT_TABLES = {"incidents": "incidents", "patrols": "patrols", "patrol-stops": "patrols",
                "patrol-events": "patrol_events", "duties": "duties"}


class _LaptopRows:
    """This database's live rows for the picture (ruralwatch.io.picture.RowSource), protected values opened for
    this session; registrations blank unless the role may have them."""

    def __init__(self, store: Store, registrations: bool) -> None:
        self.store = store
        self.registrations = registrations

    def live_rows(self, table: str) -> list[dict[str, Any]]:
        rows = [open_values(self.store, table, row)
                for row in self.store.db.query(f"SELECT * FROM [{table}] WHERE deleted = 0")]
        if table == "patrol_events" and not self.registrations:
            rows = [{**row, "vrm": None} for row in rows]
        return rows


class ExportService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def export(self, options: ExportOptions, fmt: str | None, out: Path,
               progress: ProgressCallback | None = None) -> ExportResult:
        """Write what `options` selects (incidents, patrols, their stops or logs, duties, hours or all of them) to
        `out`; `progress(done, total) -> bool` may cancel (False), which leaves `out` as it was and records
        nothing. Personal data only when asked for and only for roles entitled to it: reporters' details with
        incidents (`personal.reporters`), people's names with patrols, duties and hours (`personal.volunteers`).
        Registrations go to the roles entitled to reporters' details and are blank for the others."""
        from ruralwatch.io.exports import ExportData, export, resolve_target
        from ruralwatch.io.picture import Picture, gather

        actor = self.store.actor
        actor.require("export.data")
        if options.include_personal:
            if options.wants("incidents"):
                actor.require("personal.reporters")
            if any(options.wants(kind) for kind in PEOPLE_KINDS):
                actor.require("personal.volunteers")
        fmt, target = resolve_target(options.what, fmt, out)  # fail before reading anything
        registrations = actor.can("personal.reporters")
        incidents: list[Incident] = []
        if options.wants("incidents"):
            incidents = IncidentService(self.store).list(options.incident_filter())
            if not registrations:
                # Registrations are personal data (PERMISSIONS.md): blank for other roles, as contact details are.
                incidents = [replace(i, vehicles=[{**v, "vrm": ""} for v in i.vehicles]) for i in incidents]
        picture = Picture()
        if options.what != "incidents":
            picture = gather(_LaptopRows(self.store, registrations), options.date_from, options.date_to)
        force = GeographyService(self.store).force()
        context = {"Force": force.name, "Exported by": f"{actor.username} ({actor.role})",
                   "Database": f"device {self.store.device_id}"}
        result = export(ExportData(incidents, options, times.utc_now(), picture, context), fmt, target, progress)
        with self.store.transaction():
            record_event(self.store, "export", AUDIT_TABLES.get(options.what), None, {
                "file": str(result.path), "format": fmt, "rows": sum(result.counts.values()),
                "tables": result.counts, **options.describe(),
            })
        return result

    def map_page(self, flt: IncidentFilter, out: Path, progress: ProgressCallback | None = None) -> int:
        """The map of the incidents `flt` selects as one HTML file that opens offline in any browser (kind, status,
        time and place of each; no personal data). Returns how many incidents it holds. Audited like any export;
        a cancel (`progress` returning False) leaves `out` as it was."""
        from ruralwatch.io.exports import check_target, replace_atomically

        self.store.actor.require("export.data")
        target = check_target(out)
        rows_json = IncidentService(self.store).map_json(flt)
        count = len(json.loads(rows_json))
        if progress is not None and not progress(1, 3, "Drawing the map"):
            raise CancelledError(f"cancelled: {target.name} was not written")
        from ruralwatch.mapping.export import standalone_map_html  # folium: loaded only for this export

        html = standalone_map_html(rows_json, GeographyService(self.store).current())
        if progress is not None and not progress(2, 3, f"Writing {target.name}"):
            raise CancelledError(f"cancelled: {target.name} was not written")
        replace_atomically(target, lambda part: part.write_text(html, encoding="utf-8"),
                           None if progress is None else lambda: progress(3, 3))
        with self.store.transaction():
            record_event(self.store, "export", "incidents", None, {
                "file": str(target), "format": "html map", "rows": count, "kinds": list(flt.kinds),
                "statuses": list(flt.statuses),
                "from": flt.start_from.isoformat() if flt.start_from else None,
                "to": flt.start_to.isoformat() if flt.start_to else None, "search": bool(flt.text),
            })
        return count
