"""The SQLite engine of the central store: a RuralWatch database, signed in, used through the laptop's own sync
service (ruralwatch.services.sync), exactly as `central merge` always has. The caller opens the store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruralwatch.central.interface import AuditAlert, CentralStatus, DeviceStatus, TableCount
from ruralwatch.core.errors import ProgressCallback
from ruralwatch.io.exports import ExportOptions
from ruralwatch.io.exports import ExportResult as FileExportResult
from ruralwatch.services import device_audit
from ruralwatch.services.exporting import ExportService
from ruralwatch.services.published import ImportReport, PublishedCrimeService
from ruralwatch.services.sync import Conflict, ExportResult, ImportResult, SyncService
from ruralwatch.store.database import SYNCABLE_TABLES, Store


class SqliteCentral:
    engine = "sqlite"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sync = SyncService(store)

    def merge_folder(self, folder: Path, passphrase: str | None,
                     progress: ProgressCallback | None = None) -> list[ImportResult]:
        return self.sync.merge_folder(folder, passphrase, progress)

    def trust(self, device_id: str, public_key: str, name: str | None = None, replace_key: bool = False) -> str | None:
        held = {peer.device_id: peer.public_key for peer in self.sync.peers()}.get(device_id.strip())
        peer = self.sync.trust(device_id, public_key, name, replace_key=replace_key)
        return held if held is not None and held != peer.public_key else None

    def status(self) -> CentralStatus:
        identity = self.sync.identity()
        result = CentralStatus("sqlite", str(self.store.path), identity.device_id, identity.public_key,
                               f"laptop {self.store.schema_version()}")
        db = self.store.db
        for table in SYNCABLE_TABLES:
            live, deleted = db.execute(f"SELECT COALESCE(SUM(deleted = 0), 0), COALESCE(SUM(deleted <> 0), 0) "
                                       f"FROM [{table}]").fetchone()
            result.tables.append(TableCount(table, int(live), int(deleted)))
        counts = dict(db.execute("SELECT source_device, COUNT(*) FROM sync_packages GROUP BY source_device"))
        for activity in self.sync.peer_activity():
            peer = activity.peer
            result.devices.append(DeviceStatus(peer.device_id, peer.name, peer.public_key, activity.last_import,
                                               int(counts.get(peer.device_id, 0)), activity.pending or 0))
        result.open_conflicts = int(db.execute(
            "SELECT COUNT(*) FROM sync_conflicts WHERE resolved_at IS NULL").fetchone()[0])
        result.packages = int(db.execute("SELECT COUNT(*) FROM sync_packages").fetchone()[0])
        result.audit_alerts = [AuditAlert(a.device_id, a.detected_at, a.package_id, a.message)
                               for a in device_audit.alerts(self.store)]
        return result

    def conflicts(self, include_resolved: bool = False) -> list[Conflict]:
        return self.sync.conflicts(include_resolved)

    def resolve(self, conflict_id: int, choice: str, merged_value: Any = None) -> Conflict:
        return self.sync.resolve(conflict_id, choice, merged_value)

    def package_for(self, device_id: str, out: Path, passphrase: str | None, full: bool = False) -> ExportResult:
        self.sync.peer(device_id)  # a device that is not trusted here is said as such
        return self.sync.export(out, since_last_for=None if full else device_id, passphrase=passphrase)

    def import_published(self, paths: Sequence[Path]) -> ImportReport:
        return PublishedCrimeService(self.store).import_paths(paths)

    def export(self, fmt: str | None, out: Path, options: ExportOptions | None = None) -> FileExportResult:
        return ExportService(self.store).export(options or ExportOptions(), fmt, out)

    def close(self) -> None:
        self.store.close()
