"""The central store's interface, which both engines implement (ruralwatch.central.sqlite_engine, .postgres).

Results are plain dataclasses; merging reuses the laptop's `ImportResult`, outgoing packages its `ExportResult`
(ruralwatch.services.sync), so the command line prints them alike whichever engine ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ruralwatch.core.errors import ProgressCallback
from ruralwatch.io.exports import ExportOptions
from ruralwatch.io.exports import ExportResult as FileExportResult
from ruralwatch.services.published import ImportReport
from ruralwatch.services.sync import Conflict, ExportResult, ImportResult


@dataclass(frozen=True)
class TableCount:
    table: str
    live: int
    deleted: int


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    name: str | None
    public_key: str
    last_package: str | None  # when its latest package was merged (UTC storage text)
    packages: int
    pending: int  # rows an outgoing package for it would carry now


@dataclass(frozen=True)
class AuditAlert:
    """A laptop whose audit log was cut, rewritten or wiped since its previous package (ruralwatch.services.
    device_audit): raised at the merge, kept for a person to look into."""

    device_id: str
    detected_at: str  # UTC storage text
    package_id: str | None
    message: str


@dataclass
class CentralStatus:
    engine: str  # "sqlite" | "postgresql"
    where: str
    device_id: str
    public_key: str
    schema: str
    tables: list[TableCount] = field(default_factory=list)
    devices: list[DeviceStatus] = field(default_factory=list)
    open_conflicts: int = 0
    packages: int = 0
    audit_alerts: list[AuditAlert] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CentralStore(Protocol):
    """What every `central` command needs of the store it works on."""

    @property
    def engine(self) -> str: ...

    def merge_folder(self, folder: Path, passphrase: str | None,
                     progress: ProgressCallback | None = None) -> list[ImportResult]: ...

    def trust(self, device_id: str, public_key: str, name: str | None = None, replace_key: bool = False) -> str | None:
        """Trust a laptop's key; returns the key it replaced, if any. A laptop already trusted with another key
        raises KeyChanged and changes nothing unless `replace_key`."""
        ...

    def status(self) -> CentralStatus: ...

    def conflicts(self, include_resolved: bool = False) -> list[Conflict]: ...

    def resolve(self, conflict_id: int, choice: str, merged_value: Any = None) -> Conflict:
        """Settle a conflict: keep 'mine' (the central store's value), 'theirs' or a checked 'merged' value, written
        as a new edit that reaches every laptop with its next package, and audited."""
        ...

    def package_for(self, device_id: str, out: Path, passphrase: str | None, full: bool = False) -> ExportResult: ...

    def import_published(self, paths: Sequence[Path]) -> ImportReport: ...

    def export(self, fmt: str | None, out: Path, options: ExportOptions | None = None) -> FileExportResult:
        """What `options` selects (default: the live incidents) as `fmt`; never personal data on PostgreSQL."""
        ...

    def close(self) -> None: ...
