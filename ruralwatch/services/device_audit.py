"""Every device's audit chain, kept by the devices it syncs with (above all the central store).

A laptop's own log can be rewritten by anyone who holds its database key; what it already sent cannot. Each sync
package carries the sender's audit head and its entries since it last sent to that receiver; the receiver
recomputes their hashes, keeps them, and checks that the chain continues the one it already holds. A log that was
cut (its head is behind what was received before), rewritten (an entry the receiver holds now has another hash, or
the new entries do not follow on) or wiped is flagged: one alert per package, in `audit_alerts`, reported by
`audit verify` and `sync import` / `central merge`. The package itself is still merged: its rows are signed by the
device and may be sound; the alert is for a person to look into.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from ruralwatch.core import times
from ruralwatch.store.audit import AuditLog, entry_fields, entry_hash, record_event
from ruralwatch.store.database import Store

# The fields of an entry a package carries (its row in audit_log, signature included).
FIELDS = ("seq", "at", "actor", "action", "table", "record_id", "changes", "row_hash", "prev_hash", "hash",
          "signer_key", "signature")


@dataclass(frozen=True)
class Alert:
    device_id: str
    detected_at: str
    package_id: str | None
    message: str


def outgoing(store: Store, after_seq: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """This device's audit head and its entries after `after_seq`, oldest first, for a package."""
    entries = AuditLog(store).entries_after(after_seq)
    # The head is the last entry sent (read in the same query), so a write in between cannot open a gap.
    head = (entries[-1].seq, entries[-1].hash) if entries else store.db.execute(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    head_info = {"seq": int(head[0]), "hash": str(head[1])} if head else {"seq": 0, "hash": ""}
    # When it was taken, to the microsecond: orders this device's packages at the receiver whatever order they
    # arrive in (an older package imported late is not a cut log).
    head_info["made"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return head_info, [{name: getattr(entry, name) for name in FIELDS} for entry in entries]


def head_seq(store: Store) -> int:
    found = store.db.execute("SELECT MAX(seq) FROM audit_log").fetchone()
    return int(found[0] or 0)


@dataclass(frozen=True)
class HeldHead:
    """The newest entry a receiver holds of a device's chain, and when the sender made the package it came in."""

    seq: int
    hash: str
    made: str | None


@dataclass(frozen=True)
class ChainCheck:
    """What one package's audit part shows: the problems (each once, in the order found), the entries to keep
    (new ones whose own hash holds, by seq) and `made`, when the sender took its head."""

    problems: list[str]
    fresh: list[dict[str, Any]]
    made: str

    def message(self, device_id: str) -> str:
        return f"device {device_id}: " + "; ".join(self.problems)


def carries_head(head: Any) -> TypeGuard[dict[str, Any]]:
    """A package from a RuralWatch that sent no audit carries no head: there is nothing to check."""
    return isinstance(head, dict) and type(head.get("seq")) is int


def seq_range(entries: Sequence[dict[str, Any]]) -> tuple[int, int] | None:
    """The seqs `check_chain` needs the receiver's hashes of (first - 1 to last), or None for no entries."""
    if not entries:
        return None
    seqs = [int(entry["seq"]) for entry in entries]
    return min(seqs) - 1, max(seqs)


def check_chain(held_head: HeldHead | None, held: Mapping[int, str], head: dict[str, Any],
                entries: Sequence[dict[str, Any]], created_at: str = "") -> ChainCheck:
    """Whether a device's audit head and entries continue the chain a receiver holds of it (pure: both engines
    read what they hold, call this, and keep `fresh`). `held`: seq -> hash of the entries held, at least over
    `seq_range(entries)`. `created_at`: when the sender made the package (an older package arriving after a newer
    one is not taken for a cut log)."""
    made = str(head.get("made") or created_at)
    newer = held_head is None or not held_head.made or made > held_head.made
    known = dict(held)  # what is held, and what this package adds as it is checked
    problems: list[str] = []
    fresh: list[dict[str, Any]] = []
    for entry in sorted(entries, key=lambda e: e["seq"]):
        seq = entry["seq"]
        fields = entry_fields(seq, entry["at"], entry["actor"], entry["action"], entry.get("table"),
                              entry.get("record_id"), entry.get("changes"), entry.get("row_hash"))
        if entry_hash(fields, entry["prev_hash"]) != entry["hash"]:
            problems.append(f"its entry {seq} does not match its own hash (altered without re-hashing)")
            continue
        stored = known.get(seq)
        if stored is not None:
            if stored != entry["hash"]:
                problems.append(f"its entry {seq} is not the one it sent before (its log was rewritten)")
            continue
        before = known.get(seq - 1)
        if before is not None and before != entry["prev_hash"]:
            problems.append(f"its entry {seq} does not follow entry {seq - 1} as it sent it before (its log was "
                            "rewritten)")
        # A gap (a package lost or never imported) is kept as it is: what was held before still checks the chain.
        known[seq] = entry["hash"]
        fresh.append(entry)
    held_seq = held_head.seq if held_head else 0
    if held_head and held_seq and head["seq"] < held_seq and newer:
        problems.append(f"its audit log now ends at entry {head['seq']}, but entry {held_seq} arrived here before "
                        "(its log was cut or wiped)")
    elif held_head and held_seq and head["seq"] == held_seq and head.get("hash") != held_head.hash and newer:
        problems.append(f"its newest entry {held_seq} is not the one it sent before (its log was rewritten)")
    return ChainCheck(list(dict.fromkeys(problems)), fresh, made)


def receive(store: Store, device_id: str, package_id: str, head: Any, entries: Sequence[dict[str, Any]],
            created_at: str = "") -> list[str]:
    """Check and keep a sender's audit entries (inside the merge's transaction). Returns what was found wrong,
    also recorded as alerts and in this database's own audit log. `created_at`: when the sender made the package
    (an older package arriving after a newer one is not taken for a cut log)."""
    if not carries_head(head):
        return []
    db = store.db
    found = db.execute("SELECT seq, hash, package_created_at FROM device_audit WHERE device_id = ? "
                       "ORDER BY seq DESC LIMIT 1", [device_id]).fetchone()
    held_head = HeldHead(int(found[0]), str(found[1]), found[2]) if found else None
    span = seq_range(entries)
    held = {} if span is None else {int(seq): str(digest) for seq, digest in db.execute(
        "SELECT seq, hash FROM device_audit WHERE device_id = ? AND seq BETWEEN ? AND ?", [device_id, *span])}
    check = check_chain(held_head, held, head, entries, created_at)
    for entry in check.fresh:
        db.execute(
            "INSERT INTO device_audit(device_id, seq, at, actor, action, target_table, record_id, changes, "
            "row_hash, prev_hash, hash, signer_key, signature, package_id, package_created_at) VALUES (?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [device_id, entry["seq"], entry["at"], entry["actor"], entry["action"], entry.get("table"),
             entry.get("record_id"), _json(entry.get("changes")), entry.get("row_hash"), entry["prev_hash"],
             entry["hash"], entry.get("signer_key"), entry.get("signature"), package_id, check.made],
        )
    if check.problems:
        message = check.message(device_id)
        now = times.to_storage(times.utc_now())
        db.execute("INSERT INTO audit_alerts(device_id, detected_at, package_id, message) VALUES (?, ?, ?, ?)",
                   [device_id, now, package_id, message])
        record_event(store, "device_audit_alert", "sync_packages", package_id, {"device": device_id,
                                                                              "problem": message})
    return check.problems


def alerts(store: Store) -> list[Alert]:
    if not store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_alerts'").fetchone():
        return []
    return [Alert(*row) for row in store.db.execute(
        "SELECT device_id, detected_at, package_id, message FROM audit_alerts ORDER BY detected_at, rowid")]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))
