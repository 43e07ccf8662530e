"""`central status` on PostgreSQL: rows per table, devices with their last package and pending outgoing rows,
open conflicts, and the alerts raised for laptops whose audit log was cut, rewritten or wiped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruralwatch.central import pg_schema
from ruralwatch.central.interface import AuditAlert, CentralStatus, DeviceStatus, TableCount
from ruralwatch.central.laptop_schema import laptop_schema
from ruralwatch.central.pg_merge import META_SEEN
from ruralwatch.central.pg_schema import quote
from ruralwatch.core.clock import Hlc
from ruralwatch.sync import demo_rows
from ruralwatch.sync.merge import load_vector

if TYPE_CHECKING:
    from ruralwatch.central.postgres import PgCentral


OWN_CLOCK = "own_clock"  # central_meta: the last clock the central store issued for a write of its own
OWN_FIRST = "own_first_clock"  # and the first (a resolved conflict: ruralwatch.central.pg_resolve)


def own_clocks(central: PgCentral) -> tuple[str | None, str | None]:
    """(first, last) clock of the central store's own writes; (None, None) while it has written none."""
    found = {str(k): str(v) for k, v in central.conn.execute(
        b"SELECT key, value FROM central_meta WHERE key = ANY(%s)", [[OWN_FIRST, OWN_CLOCK]]).fetchall()}
    return found.get(OWN_FIRST), found.get(OWN_CLOCK)


def threshold(ours: dict[str, str], peer_view: dict[str, str], floors: dict[str, str] | None = None) -> str:
    """Rows at or below this clock are known to the peer (ruralwatch.services.sync.SyncService._threshold).
    `floors`: for a device the peer has not heard of, a clock below its first write (else "": everything)."""
    return min((peer_view.get(device, (floors or {}).get(device, "")) for device in ours), default="")


def seen(central: PgCentral) -> dict[str, str]:
    """device -> the highest clock of its writes merged here, and the central store's own latest clock once it
    wrote a row itself (a resolved conflict): a laptop learns it from its package and says it has it."""
    row = central.conn.execute(b"SELECT value FROM central_meta WHERE key = %s", [META_SEEN]).fetchone()
    vector = load_vector(row[0] if row else None)
    _first, last = own_clocks(central)
    if last:
        vector[central.device_id] = last
    return vector


def own_floor(central: PgCentral) -> dict[str, str]:
    """For `threshold`: a clock just below the central store's first own write, for a laptop that has none of
    them yet (so it gets them without being sent every row again)."""
    first, _last = own_clocks(central)
    if not first:
        return {}
    millis = int(first.split("-", 1)[0])
    return {central.device_id: Hlc(max(millis - 1, 0), 0, "").encode()}


def peer_view(central: PgCentral, device_id: str) -> dict[str, str] | None:
    """What the laptop is known to hold: the `seen` vector of its latest package merged here. Not what was last
    packaged for it (sent_watermark, a record only): a package written may never reach the laptop."""
    row = central.conn.execute(b"SELECT received_seen FROM sync_peers WHERE device_id = %s",
                               [device_id]).fetchone()
    return None if row is None else load_vector(row[0])


def pending(central: PgCentral, clocks: list[str], devices: list[str]) -> list[int]:
    """Per device, the rows above its clock that it did not write last itself, over every syncable table: one scan
    per table for all of them (the central store keeps no index on hlc, see ruralwatch.central.pg_schema). Its
    package also leaves out rows whose other fields it holds too (ruralwatch.sync.merge.row_known_to), which this
    count, reading no field clocks, cannot see: rare (a row two devices wrote), so it is at most a few rows over."""
    totals = [0] * len(clocks)
    if not clocks:
        return totals
    counts = ", ".join(["count(*) FILTER (WHERE hlc > %s AND right(hlc, length(%s) + 1) <> '-' || %s)"] * len(clocks))
    params = [value for clock, device in zip(clocks, devices, strict=True) for value in (clock, device, device)]
    for spec in laptop_schema().syncable:
        # Demo rows merged before the rule never go to a laptop (ruralwatch.sync.demo_rows): not pending either.
        found = central.conn.execute(f"SELECT {counts} FROM {quote(spec.name)} AS r "
                                     f"WHERE {demo_rows.real_rows(spec.name, 'r')}".encode(), params).fetchone()
        totals = [t + int(n) for t, n in zip(totals, found or [0] * len(clocks), strict=True)]
    return totals


def status(central: PgCentral) -> CentralStatus:
    conn = central.conn
    version = conn.execute(b"SELECT max(version) FROM schema_version").fetchone()
    result = CentralStatus("postgresql", central.where, central.device_id, central.keys.public_hex(),
                           f"central {version[0] if version else 0} of {pg_schema.LATEST_VERSION}, laptop "
                           f"{laptop_schema().version}")
    for spec in laptop_schema().syncable:
        row = conn.execute(f"SELECT count(*) FILTER (WHERE deleted = 0), count(*) FILTER (WHERE deleted <> 0) "
                           f"FROM {quote(spec.name)}".encode()).fetchone()
        result.tables.append(TableCount(spec.name, int(row[0]) if row else 0, int(row[1]) if row else 0))
    ours = seen(central)
    peers = conn.execute(b"SELECT p.device_id, p.name, p.public_key, max(k.applied_at), count(k.package_id) "
                         b"FROM sync_peers p LEFT JOIN sync_packages k ON k.source_device = p.device_id "
                         b"GROUP BY p.device_id ORDER BY p.device_id").fetchall()
    floors = own_floor(central)
    clocks = [threshold(ours, peer_view(central, device_id) or {}, floors) for device_id, *_ in peers]
    waiting_rows = pending(central, clocks, [str(device_id) for device_id, *_ in peers])
    for (device_id, name, key, last, count), waiting in zip(peers, waiting_rows, strict=True):
        result.devices.append(DeviceStatus(device_id, name, key, last, int(count), waiting))
    conflicts = conn.execute(b"SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL").fetchone()
    result.open_conflicts = int(conflicts[0]) if conflicts else 0
    packages = conn.execute(b"SELECT count(*) FROM sync_packages").fetchone()
    result.packages = int(packages[0]) if packages else 0
    result.audit_alerts = [AuditAlert(str(d), str(at), p, str(m)) for d, at, p, m in conn.execute(
        b"SELECT device_id, detected_at, package_id, message FROM audit_alerts ORDER BY detected_at, id")]
    return result
