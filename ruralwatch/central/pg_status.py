"""`central status` on PostgreSQL: rows per table, devices with their last package and pending outgoing rows,
open conflicts, and the alerts raised for laptops whose audit log was cut, rewritten or wiped."""

from __future__ import annotations

import json
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


# merge.row_known_to in SQL (as ruralwatch.services.sync._KNOWN on a laptop): a clock is known to the device when it
# wrote it or has seen its writer up to it (the text after the 23-character millis-counter prefix is the writer).
# Clocks compare as bytes (COLLATE "C"), as everywhere else, whatever the database's collation.
_KNOWN = ("(substr({x}, 24) = %({d})s OR {x} COLLATE \"C\" <= "
          "coalesce(%({v})s::jsonb ->> substr({x}, 24), '') COLLATE \"C\")")
_NEWS = ("r.hlc COLLATE \"C\" > %({t})s AND (NOT {hlc} OR EXISTS (SELECT 1 FROM jsonb_each_text(coalesce("
         "nullif(r.field_hlc, ''), '{{}}')::jsonb) AS c WHERE NOT {field}))")


def pending(central: PgCentral, clocks: list[str], devices: list[str],
            views: list[dict[str, str]] | None = None) -> list[int]:
    """Per device, the rows its outgoing package would carry now (ruralwatch.central.pg_package): above its
    threshold clock and not known to it by their clock and every field clock (merge.row_known_to, in SQL), over
    every syncable table, one scan per table for all of them (the central store keeps no index on hlc, see
    ruralwatch.central.pg_schema). Exact, so a threshold held low by one device the laptop has not heard of (the
    central store's own clock after a conflict resolution, or a laptop new to it) counts no row it holds.
    `views`: each device's `peer_view` (read here when not given)."""
    totals = [0] * len(clocks)
    if not clocks:
        return totals
    if views is None:
        views = [peer_view(central, device) or {} for device in devices]
    counts: list[str] = []
    params: dict[str, str] = {}
    for i, (clock, device, view) in enumerate(zip(clocks, devices, views, strict=True)):
        names = {"d": f"d{i}", "v": f"v{i}"}
        news = _NEWS.format(t=f"t{i}", hlc=_KNOWN.format(x="r.hlc", **names),
                            field=_KNOWN.format(x="c.value", **names))
        counts.append(f"count(*) FILTER (WHERE {news})")
        params |= {f"t{i}": clock, f"d{i}": device, f"v{i}": json.dumps(view, sort_keys=True)}
    for spec in laptop_schema().syncable:
        # Demo rows merged before the rule never go to a laptop (ruralwatch.sync.demo_rows): not pending either.
        found = central.conn.execute(f"SELECT {', '.join(counts)} FROM {quote(spec.name)} AS r "
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
    views = [peer_view(central, str(device_id)) or {} for device_id, *_ in peers]
    clocks = [threshold(ours, view, floors) for view in views]
    waiting_rows = pending(central, clocks, [str(device_id) for device_id, *_ in peers], views)
    for (device_id, name, key, last, count), waiting in zip(peers, waiting_rows, strict=True):
        result.devices.append(DeviceStatus(device_id, name, key, last, int(count), waiting))
    conflicts = conn.execute(b"SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL").fetchone()
    result.open_conflicts = int(conflicts[0]) if conflicts else 0
    packages = conn.execute(b"SELECT count(*) FROM sync_packages").fetchone()
    result.packages = int(packages[0]) if packages else 0
    result.audit_alerts = [AuditAlert(str(d), str(at), p, str(m)) for d, at, p, m in conn.execute(
        b"SELECT device_id, detected_at, package_id, message FROM audit_alerts ORDER BY detected_at, id")]
    return result
