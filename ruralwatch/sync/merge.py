"""Merge one incoming row into the local one: per-field last-writer-wins by field clock.

The merge is a pointwise maximum (each field takes the value of its latest clock; `field_hlc` the per-field
maximum; the row's `hlc` the maximum), so it is commutative, associative and idempotent: receivers that
apply the same packages in any order, any number of times, end with the same rows.

Conflicts are only recorded, never decided differently: a loser is "concurrent" when its clock was not known
to the winning side, judged from `seen` vectors (device -> max clock that side has merged from that device;
every side knows all of its own writes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruralwatch.store.syncable import ALL_FIELDS_KEY

# Row bookkeeping, not fields with clocks of their own. `deleted` IS a field (the tombstone has a clock).
NOT_FIELDS = frozenset({"id", "created_at", "updated_at", "device_id", "hlc", "field_hlc"})


@dataclass(frozen=True)
class Side:
    """What one side of a merge knows: its device and its `seen` vector."""

    device: str
    seen: dict[str, str]

    def knows(self, clock: str) -> bool:
        writer = device_of(clock)
        return writer == self.device or clock <= self.seen.get(writer, "")


@dataclass(frozen=True)
class FieldConflict:
    field: str
    local_value: Any
    local_hlc: str
    incoming_value: Any
    incoming_hlc: str
    winner: str  # 'local' | 'incoming'
    kind: str  # 'edit' | 'delete_vs_edit'


def device_of(clock: str) -> str:
    return clock.split("-", 2)[2]


def canonical_clocks(clocks: dict[str, str], star: str) -> str:
    """`field_hlc` text: "*" plus only the fields whose clock is newer; the form SyncTable writes too."""
    compact = {ALL_FIELDS_KEY: star, **{f: c for f, c in clocks.items() if c != star}}
    return _CLOCKS_TEXT(compact)


# json.dumps(value, sort_keys=True) without making an encoder at every call (the same text).
_CLOCKS_TEXT = json.JSONEncoder(sort_keys=True).encode
_MISSING = object()


def merge_row(
    local: dict[str, Any], incoming: dict[str, Any], fields: list[str], receiver: Side, sender: Side,
    incoming_clocks: dict[str, str] | None = None,
) -> tuple[dict[str, Any] | None, list[FieldConflict]]:
    """(merged row, or None when the local row is unchanged; conflicts found). `fields`: the table's fields.
    `incoming_clocks`: the incoming row's `field_hlc` already parsed (ruralwatch.sync.package.Contents.clocks)."""
    local_clocks = json.loads(local["field_hlc"])
    if incoming_clocks is None:
        incoming_clocks = json.loads(incoming["field_hlc"])
    local_star, incoming_star = local_clocks[ALL_FIELDS_KEY], incoming_clocks[ALL_FIELDS_KEY]
    star = max(local_star, incoming_star)
    explicit = (local_clocks.keys() | incoming_clocks.keys()) - {ALL_FIELDS_KEY}
    names = explicit if local_star == incoming_star else explicit | set(fields)
    # Fields neither side changed since an identical insert clock need no look: same clock, same value.
    # Only what changes is gathered (most rows change a few fields, many none); the row is copied once at the end.
    changes: dict[str, Any] = {}
    clocks: dict[str, str] = {}
    conflicts: list[FieldConflict] = []
    for name in sorted(names):
        lc = local_clocks.get(name, local_star)
        ic = incoming_clocks.get(name, incoming_star)
        if name not in incoming or name not in local:
            clocks[name] = max(lc, ic)  # a field one side does not have: keep the clock, nothing to compare
            continue
        lv, iv = local[name], incoming[name]
        if ic > lc:
            changes[name] = iv
            clocks[name] = ic
            if lv != iv and not sender.knows(lc):
                conflicts.append(FieldConflict(name, lv, lc, iv, ic, "incoming", "edit"))
        else:
            clocks[name] = lc
            if ic < lc and lv != iv and not receiver.knows(ic):
                conflicts.append(FieldConflict(name, lv, lc, iv, ic, "local", "edit"))
    if ("deleted" in local and "deleted" in incoming and changes.get("deleted", local["deleted"])
            and local["deleted"] != incoming["deleted"]):
        conflict = _delete_vs_edit(local, incoming, local_clocks, incoming_clocks, fields, receiver, sender)
        if conflict:
            conflicts = [c for c in conflicts if c.field != "deleted"] + [conflict]
    changes["field_hlc"] = canonical_clocks(clocks, star)
    if incoming["hlc"] > local["hlc"]:
        changes["hlc"] = incoming["hlc"]
        changes["device_id"] = incoming["device_id"]
        changes["updated_at"] = incoming["updated_at"]
    if incoming_star > local_star and "created_at" in incoming:
        changes["created_at"] = incoming["created_at"]
    # Unchanged when every value gathered is the one held (compared as `merged != local` compares dicts).
    if changes == {name: local.get(name, _MISSING) for name in changes}:
        return None, conflicts
    return {**local, **changes}, conflicts


@dataclass
class BatchPlan:
    """What merging a batch of incoming rows into the rows held does, by row id: rows to insert, rows to update
    (with the row as it was held before, to tell which columns changed), the conflicts found, and how many were
    unchanged. Both central engines and the laptop apply it; the plan itself is the merge."""

    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    originals: dict[str, dict[str, Any]] = field(default_factory=dict)
    conflicts: list[tuple[str, FieldConflict]] = field(default_factory=list)  # (row id, conflict)
    unchanged: int = 0


def plan_batch(existing: dict[str, dict[str, Any]], incoming_rows: list[dict[str, Any]], columns: list[str],
               receiver: Side, sender: Side, incoming_clocks: Sequence[dict[str, str]] | None = None) -> BatchPlan:
    """Merge `incoming_rows` (a package's rows of one table) into `existing` (the held rows with those ids, by
    id; updated in place as rows merge, so a row repeated in the batch merges onto its first merge).
    `incoming_clocks`: the rows' `field_hlc` already parsed, in the same order (ruralwatch.sync.package.Contents)."""
    fields = [c for c in columns if c not in NOT_FIELDS]
    plan = BatchPlan()
    if incoming_clocks is not None and len(incoming_clocks) != len(incoming_rows):
        raise ValueError("incoming_clocks must hold one entry per incoming row")
    for index, incoming in enumerate(incoming_rows):
        row_id = incoming["id"]
        local = existing.get(row_id)
        if local is None:
            full = {c: incoming.get(c) for c in columns}
            plan.inserts[row_id] = existing[row_id] = full
            continue
        merged, conflicts = merge_row(local, incoming, fields, receiver, sender,
                                      None if incoming_clocks is None else incoming_clocks[index])
        plan.conflicts.extend((row_id, c) for c in conflicts)
        if merged is None:
            plan.unchanged += 1
            continue
        plan.originals.setdefault(row_id, local)
        existing[row_id] = merged
        if row_id in plan.inserts:
            plan.inserts[row_id] = merged
        else:
            plan.updates[row_id] = merged
    return plan


def _delete_vs_edit(
    local: dict[str, Any], incoming: dict[str, Any], local_clocks: dict[str, str], incoming_clocks: dict[str, str],
    fields: list[str], receiver: Side, sender: Side,
) -> FieldConflict | None:
    """A tombstone that won over edits (to other fields) its writer did not know of: one 'delete_vs_edit'."""
    delete_is_incoming = bool(incoming["deleted"])
    deleter, editor = (incoming_clocks, local_clocks) if delete_is_incoming else (local_clocks, incoming_clocks)
    deleter_side = sender if delete_is_incoming else receiver
    deleter_star, editor_star = deleter[ALL_FIELDS_KEY], editor[ALL_FIELDS_KEY]
    edits = [
        editor.get(f, editor_star) for f in fields
        if f != "deleted" and editor.get(f, editor_star) != deleter.get(f, deleter_star)
        and not deleter_side.knows(editor.get(f, editor_star))
    ]
    if not edits:
        return None
    edit_clock = max(edits)
    delete_clock = deleter.get("deleted", deleter_star)
    local_hlc, incoming_hlc = (edit_clock, delete_clock) if delete_is_incoming else (delete_clock, edit_clock)
    return FieldConflict("deleted", local["deleted"], local_hlc, incoming["deleted"], incoming_hlc,
                         "incoming" if delete_is_incoming else "local", "delete_vs_edit")
