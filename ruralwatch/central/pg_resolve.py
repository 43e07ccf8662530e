"""`central resolve` on PostgreSQL: settle a conflict a merge kept, as `sync resolve` does on a SQLite central store.

The same rules as ruralwatch.services.sync.SyncService.resolve: keep 'mine' (the value the central store held when
the conflict was found), 'theirs' (the one that came in) or a 'merged' value, checked by the same
ruralwatch.core.merged_values rules. The choice is written as a new edit under the central store's own clock (newer
than both conflicting edits), so it wins everywhere and goes to every laptop with its next package
(ruralwatch.central.pg_package). The central store keeps the last clock it issued in `central_meta` (OWN_CLOCK) and
the first (OWN_FIRST): its `seen` vector names its own writes from then on, and a laptop that has not heard of them
yet gets them from OWN_FIRST on. One transaction, after the merge lock (a merge and a resolution take turns); the
resolution is recorded in merge_audit (which value was kept, no field values: those may be personal data).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ruralwatch.central.pg_merge import MERGE_LOCK, PgMerger
from ruralwatch.central.pg_status import OWN_CLOCK, OWN_FIRST, own_clocks
from ruralwatch.core import merged_values, times
from ruralwatch.core.clock import MAX_COUNTER, Hlc, HybridLogicalClock
from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.services.sync import Conflict
from ruralwatch.sync.merge import CHOICES, BatchPlan, load_vector

if TYPE_CHECKING:
    from ruralwatch.central.postgres import PgCentral

def _next_clock(central: PgCentral, last: str | None, row: dict[str, Any]) -> str:
    """A clock of the central store's, newer than its last one and than every clock of the row (the conflicting
    edits: a laptop's clock may run a little ahead of this machine's)."""
    stamp = HybridLogicalClock(central.device_id, Hlc.decode(last) if last else None).now()
    held = [c for c in (str(row.get("hlc") or ""), *load_vector(row.get("field_hlc")).values()) if c.count("-") >= 2]
    if held:
        top = Hlc.decode(max(held))
        if (top.millis, top.counter) >= (stamp.millis, stamp.counter):
            stamp = (Hlc(top.millis, top.counter + 1, central.device_id) if top.counter < MAX_COUNTER
                     else Hlc(top.millis + 1, 0, central.device_id))
    return stamp.encode()


def resolve(central: PgCentral, conflict_id: int, choice: str, merged_value: Any = None) -> Conflict:
    conn = central.conn
    if choice not in CHOICES:
        raise ValidationError.single("choice", f"{choice!r} is not one of {', '.join(CHOICES)}")
    if choice == "merged" and merged_value is None:
        raise ValidationError.single("value", "a merged resolution needs the merged value")
    merger = PgMerger(conn, central.device_id)
    with conn.transaction():
        conn.execute(b"SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK])
        found = conn.execute(b"SELECT table_name, row_id, field, local_value, incoming_value, resolved_at "
                             b"FROM sync_conflicts WHERE id = %s FOR UPDATE", [conflict_id]).fetchone()
        if found is None:
            raise NotFoundError(f"no sync conflict with id {conflict_id}")
        table, row_id, field, local_text, incoming_text, resolved_at = found
        if resolved_at:
            raise ValidationError.single("conflict", f"conflict {conflict_id} is already resolved")
        local = json.loads(local_text) if local_text is not None else None
        incoming = json.loads(incoming_text) if incoming_text is not None else None
        value = {"mine": local, "theirs": incoming}.get(choice, merged_value)
        if choice == "merged":  # typed by a person: checked, since the decision spreads to every laptop
            value = merged_values.merged_value(table, field, local, incoming, value)
        if field == "deleted":
            value = 1 if value else 0
        spec = next(s for s in merger.schema.syncable if s.name == table)
        held = merger.read_rows(spec, [row_id]).get(row_id)
        if held is None:
            raise NotFoundError(f"the record of conflict {conflict_id} ({table} {row_id}) is not here")
        first, last = own_clocks(central)
        stamp = _next_clock(central, last, held)
        clocks = load_vector(held.get("field_hlc"))
        clocks[field] = stamp
        now = times.to_storage(times.utc_now())
        written = {**held, field: value, "hlc": stamp, "field_hlc": json.dumps(clocks, sort_keys=True),
                   "updated_at": now, "device_id": central.device_id}
        merger.write_plan(spec, BatchPlan(updates={row_id: written}, originals={row_id: held},
                                           touched={field, "hlc", "field_hlc", "updated_at", "device_id"}), 0)
        if table == "patrols":
            merger.refresh_patrol_stops({row_id: written})
        conn.execute(b"UPDATE sync_conflicts SET resolved_at = %s, resolution = %s WHERE id = %s",
                     [now, choice, conflict_id])
        for key, clock in ((OWN_FIRST, first or stamp), (OWN_CLOCK, stamp)):
            conn.execute(b"INSERT INTO central_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                         b"value = excluded.value", [key, clock])
        conn.execute(b"INSERT INTO merge_audit (action, detail) VALUES ('resolve', %s)", [json.dumps({
            "conflict": conflict_id, "table": table, "row_id": row_id, "field": field, "resolution": choice,
            "hlc": stamp})])
    (settled,) = [c for c in central.conflicts(include_resolved=True) if c.id == conflict_id]
    return settled
