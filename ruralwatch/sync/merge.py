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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruralwatch.store.syncable import ALL_FIELDS_KEY
from ruralwatch.sync.jsontext import loads

# How a conflict is resolved: keep this laptop's value, take the other's, or a value typed in its place.
CHOICES = ("mine", "theirs", "merged")

# Row bookkeeping, not fields with clocks of their own. `deleted` IS a field (the tombstone has a clock).
NOT_FIELDS = frozenset({"id", "created_at", "updated_at", "device_id", "hlc", "field_hlc"})


@dataclass(frozen=True)
class Side:
    """What one side of a merge knows: its device and its `seen` vector (not changed once the Side is made: the
    answers are remembered, as a package's rows ask about the same few clocks again and again)."""

    device: str
    seen: dict[str, str]
    _known: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def knows(self, clock: str) -> bool:
        known = self._known.get(clock)
        if known is None:
            writer = device_of(clock)
            known = self._known[clock] = writer == self.device or clock <= self.seen.get(writer, "")
        return known


def row_known_to(peer: Side, hlc: str | None, field_hlc: Any) -> bool:
    """Whether the peer holds this row as it is here, so an incremental export leaves it out: every field clock
    is the peer's own or at most the clock of its writer the peer has seen. `field_hlc` is {"*": the clock of the
    fields not listed, field: clock} (JSON text, or decoded); a row without clocks is news."""
    if not hlc:
        return False
    try:
        clocks = load_vector(field_hlc).values() if field_hlc else ()
        return peer.knows(hlc) and all(peer.knows(clock) for clock in clocks)
    except (ValueError, IndexError):  # not JSON, or not a clock: send it, and let the receiver's checks say
        return False


@dataclass(frozen=True)
class FieldConflict:
    field: str
    local_value: Any
    local_hlc: str
    incoming_value: Any
    incoming_hlc: str
    winner: str  # 'local' | 'incoming'
    kind: str  # 'edit' | 'delete_vs_edit'


def max_vectors(*vectors: dict[str, str]) -> dict[str, str]:
    """The per-device maximum of `seen` vectors (device -> clock)."""
    out: dict[str, str] = {}
    for vector in vectors:
        for device, clock in vector.items():
            if clock > out.get(device, ""):
                out[device] = clock
    return out


def advance_seen(held: dict[str, str], sender_seen: dict[str, str], base: dict[str, str]) -> dict[str, str]:
    """A receiver's `seen` vector after merging a package: raised to the sender's, but for each device whose writes
    the package left out on the assumption that the receiver held them further than it does (`base`: what the
    sender took the receiver to hold, in the manifest of a package that also leaves out what it sent before; a
    package of it lost on the way). Those writes are missing here, so the receiver keeps saying it holds that
    device only as far as before: its next package tells the sender, which sends them again. `held`: the
    receiver's vector before the merge, its own device left out."""
    gaps = {device for device, clock in base.items() if clock > held.get(device, "")}
    return max_vectors(held, {device: clock for device, clock in sender_seen.items() if device not in gaps})


def load_vector(value: Any) -> dict[str, str]:
    """A `seen` vector from its stored JSON text (or an already decoded object); {} for nothing or garbage."""
    if isinstance(value, str):
        value = json.loads(value) if value else {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def device_of(clock: str) -> str:
    return clock.split("-", 2)[2]


def canonical_clocks(clocks: dict[str, str], star: str) -> str:
    """`field_hlc` text: "*" plus only the fields whose clock is newer; the form SyncTable writes too."""
    compact = {ALL_FIELDS_KEY: star, **{f: c for f, c in clocks.items() if c != star}}
    try:  # names and clocks are plain ASCII text, written as json.dumps writes them: no escapes to make
        plain = _PLAIN("".join(compact) + "".join(compact.values())) is not None
    except TypeError:  # a clock that is not text (a hand-edited database): json.dumps says what it is
        plain = False
    if plain:
        return "{" + ", ".join([f'"{name}": "{compact[name]}"' for name in sorted(compact)]) + "}"
    return _CLOCKS_TEXT(compact)


# json.dumps(value, sort_keys=True) without making an encoder at every call (the same text).
_CLOCKS_TEXT = json.JSONEncoder(sort_keys=True).encode
# Text json.dumps writes as it is (ensure_ascii): printable ASCII but the quote and the backslash.
_PLAIN = re.compile(r'[ !#-\[\]-~]*').fullmatch
_MISSING = object()


def merge_row(
    local: dict[str, Any], incoming: dict[str, Any], fields: list[str], receiver: Side, sender: Side,
    incoming_clocks: dict[str, str] | None = None,
) -> tuple[dict[str, Any] | None, list[FieldConflict]]:
    """(merged row, or None when the local row is unchanged; conflicts found). `fields`: the table's fields.
    `incoming_clocks`: the incoming row's `field_hlc` already parsed (ruralwatch.sync.package.Contents.clocks)."""
    changes, conflicts = _changes(local, incoming, fields, receiver, sender, incoming_clocks)
    return (None if changes is None else {**local, **changes}), conflicts


def _changes(
    local: dict[str, Any], incoming: dict[str, Any], fields: list[str], receiver: Side, sender: Side,
    incoming_clocks: dict[str, str] | None,
) -> tuple[dict[str, Any] | None, list[FieldConflict]]:
    """merge_row's work: the values that change in the local row (None: none does), and the conflicts."""
    local_clocks = loads(local["field_hlc"]) if type(local["field_hlc"]) is str else json.loads(local["field_hlc"])
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
    return changes, conflicts


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
    # The columns a merge gave a value (a superset of those that changed in some update): only these need comparing.
    touched: set[str] = field(default_factory=set)


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
        changes, conflicts = _changes(local, incoming, fields, receiver, sender,
                                      None if incoming_clocks is None else incoming_clocks[index])
        if conflicts:
            plan.conflicts.extend((row_id, c) for c in conflicts)
        if changes is None:
            plan.unchanged += 1
            continue
        plan.touched.update(changes)
        merged = {**local, **changes}
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
