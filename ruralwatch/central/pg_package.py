"""`central package` on PostgreSQL: the outgoing package for one laptop, signed by the central store's identity.

The same rule as a laptop's incremental export (ruralwatch.services.sync.SyncService.export): every row whose clock
is above what the device is known to have (the `seen` vector it last sent, and what it was last sent), but for rows
it holds already (its own, sent back: ruralwatch.sync.merge.row_known_to), read in one repeatable-read snapshot;
the laptop imports it with `sync import` once it trusts the central store's key. The device's watermark moves only
once the file is written. It also says how far the central store holds the laptop's audit chain (`audit_held`), so
that the laptop's next package carries its entries from there (the central store keeps no chain of its own).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.central.errors import CentralError
from ruralwatch.central.laptop_schema import laptop_schema
from ruralwatch.central.pg_schema import quote
from ruralwatch.central.pg_status import own_floor, peer_view, seen, threshold
from ruralwatch.core import times
from ruralwatch.services import device_audit
from ruralwatch.services.sync import ExportResult
from ruralwatch.sync import demo_rows, package
from ruralwatch.sync.merge import Side, max_vectors, row_known_to

if TYPE_CHECKING:
    from ruralwatch.central.postgres import PgCentral

_BATCH = 500


def package_for(central: PgCentral, device_id: str, out: Path, passphrase: str | None, full: bool = False
                ) -> ExportResult:
    """`full`: every live and tombstoned row, the laptop's own included (a laptop restored from a backup lost what
    it wrote and received since, but the central store counts all of it as held by the laptop)."""
    conn = central.conn
    tables: dict[str, list[dict[str, Any]]] = {}
    blobs: dict[str, bytes] = {}
    with conn.transaction():
        conn.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        view = peer_view(central, device_id)
        if view is None:
            raise CentralError(f"device {device_id} is not trusted here (use `central trust`)")
        ours = seen(central)
        clock = "" if full else threshold(ours, view, own_floor(central))
        peer: Side | None = None if full else Side(device_id, view)
        for spec in laptop_schema().syncable:
            columns = spec.names
            with conn.cursor() as cursor:
                # Demo rows merged before the rule (ruralwatch.sync.demo_rows) stay where they are.
                cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(spec.name)} AS r "
                               f"WHERE hlc > %s AND {demo_rows.real_rows(spec.name, 'r')} ORDER BY hlc".encode(),
                               [clock])
                rows = (dict(zip(columns, row, strict=True)) for row in cursor)
                tables[spec.name] = [row for row in rows
                                     if peer is None or not row_known_to(peer, row["hlc"], row["field_hlc"])]
        # How far the central store holds the laptop's audit chain: the laptop's next package starts after it.
        through = conn.execute(device_audit.THROUGH_PG, [device_id]).fetchone()
        audit_held = {device_id: int(through[0]) if through else 0}
        shas = sorted({row["sha256"] for row in tables.get("attachments", []) if row.get("sha256")})
        for start in range(0, len(shas), _BATCH):
            found = conn.execute(b"SELECT sha256, data FROM blobs WHERE sha256 = ANY(%s)",
                                 [shas[start:start + _BATCH]]).fetchall()
            blobs.update({str(sha): bytes(data) for sha, data in found})
    clocks = [rows[i]["hlc"] for rows in tables.values() for i in (0, -1) if rows]
    header: dict[str, Any] = {
        "package_id": str(uuid.uuid4()),
        "schema_version": laptop_schema().version,
        "source_device": central.device_id,
        "created_at": times.to_storage(times.utc_now()),
        "clock": {"min": min(clocks) if clocks else None, "max": max(clocks) if clocks else None},
        "counts": {table: len(rows) for table, rows in tables.items()},
        "seen": ours,
        device_audit.HELD_KEY: audit_held,
    }
    manifest = package.build(out, header, tables, blobs, central.keys, passphrase)
    with conn.transaction():
        conn.execute(b"UPDATE sync_peers SET sent_watermark = %s, last_export = %s WHERE device_id = %s",
                     [json.dumps(max_vectors(view, ours), sort_keys=True), header["created_at"], device_id])
        conn.execute(b"INSERT INTO merge_audit (action, package_id, device_id, file, detail) "
                     b"VALUES ('package', %s, %s, %s, %s)",
                     [manifest["package_id"], device_id, str(out), json.dumps({
                         "rows": header["counts"], "encrypted": passphrase is not None})])
    return ExportResult(str(out), manifest["package_id"], header["counts"], len(blobs), passphrase is not None,
                        device_id, header["clock"])
