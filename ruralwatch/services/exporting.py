"""Exporting incidents for analysts: the role check, personal data only for those entitled, the audit entry."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ruralwatch.core.errors import CancelledError
from ruralwatch.core.incident import IncidentFilter
from ruralwatch.io.exports import (
    ExportData,
    ExportOptions,
    ExportResult,
    ProgressCallback,
    check_target,
    export,
    replace_atomically,
)
from ruralwatch.mapping.export import standalone_map_html
from ruralwatch.services.geography import GeographyService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store


class ExportService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def incidents(self, options: ExportOptions, fmt: str, out: Path,
                  progress: ProgressCallback | None = None) -> ExportResult:
        """Write the incidents `options` select to `out`; `progress(done, total) -> bool` may cancel (False),
        which leaves `out` as it was and records nothing."""
        self.store.actor.require("export.data")
        if options.include_personal:
            self.store.actor.require("personal.reporters")
        check_target(out)  # fail before reading anything
        incidents = IncidentService(self.store).list(options.incident_filter())
        if not self.store.actor.can("personal.reporters"):
            # Registrations are personal data (PERMISSIONS.md): blank for other roles, as contact details are.
            incidents = [replace(i, vehicles=[{**v, "vrm": ""} for v in i.vehicles]) for i in incidents]
        result = export(ExportData(incidents, options), fmt, out, progress)
        with self.store.transaction():
            record_event(self.store, "export", "incidents", None, {
                "file": str(out), "format": fmt, "rows": len(incidents),
                **options.describe(),
            })
        return result

    def map_page(self, flt: IncidentFilter, out: Path, progress: ProgressCallback | None = None) -> int:
        """The map of the incidents `flt` selects as one HTML file that opens offline in any browser (kind, status,
        time and place of each; no personal data). Returns how many incidents it holds. Audited like any export;
        a cancel (`progress` returning False) leaves `out` as it was."""
        self.store.actor.require("export.data")
        target = check_target(out)
        rows_json = IncidentService(self.store).map_json(flt)
        count = len(json.loads(rows_json))
        if progress is not None and not progress(1, 3):
            raise CancelledError(f"cancelled: {target.name} was not written")
        html = standalone_map_html(rows_json, GeographyService(self.store).current())
        if progress is not None and not progress(2, 3):
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
