"""Exporting incidents for analysts: the role check, personal data only for those entitled, the audit entry."""

from __future__ import annotations

from pathlib import Path

from ruralwatch.io.exports import ExportData, ExportOptions, ExportResult, ProgressCallback, check_target, export
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
        result = export(ExportData(incidents, options), fmt, out, progress)
        with self.store.transaction():
            record_event(self.store, "export", "incidents", None, {
                "file": str(out), "format": fmt, "rows": len(incidents),
                **options.describe(),
            })
        return result
