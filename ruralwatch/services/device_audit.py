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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def receive(store: Store, device_id: str, package_id: str, head: Any, entries: Sequence[dict[str, Any]],
            created_at: str = "") -> list[str]:
    """Check and keep a sender's audit entries (inside the merge's transaction). Returns what was found wrong,
    also recorded as alerts and in this database's own audit log. `created_at`: when the sender made the package
    (an older package arriving after a newer one is not taken for a cut log)."""
    if not isinstance(head, dict) or type(head.get("seq")) is not int:
        return []  # a package from a RuralWatch that sent no audit: nothing to check
    db = store.db
    held = db.execute("SELECT seq, hash, package_created_at FROM device_audit WHERE device_id = ? "
                      "ORDER BY seq DESC LIMIT 1", [device_id]).fetchone()
    held_seq, held_hash = (int(held[0]), str(held[1])) if held else (0, "")
    made = str(head.get("made") or created_at)
    newer = not held or not held[2] or made > str(held[2])
    problems: list[str] = []
    for entry in sorted(entries, key=lambda e: e["seq"]):
        seq = entry["seq"]
        fields = entry_fields(seq, entry["at"], entry["actor"], entry["action"], entry.get("table"),
                              entry.get("record_id"), entry.get("changes"), entry.get("row_hash"))
        if entry_hash(fields, entry["prev_hash"]) != entry["hash"]:
            problems.append(f"its entry {seq} does not match its own hash (altered without re-hashing)")
            continue
        stored = db.execute("SELECT hash FROM device_audit WHERE device_id = ? AND seq = ?",
                            [device_id, seq]).fetchone()
        if stored is not None:
            if stored[0] != entry["hash"]:
                problems.append(f"its entry {seq} is not the one it sent before (its log was rewritten)")
            continue
        before = db.execute("SELECT hash FROM device_audit WHERE device_id = ? AND seq = ?",
                            [device_id, seq - 1]).fetchone()
        if before is not None and before[0] != entry["prev_hash"]:
            problems.append(f"its entry {seq} does not follow entry {seq - 1} as it sent it before (its log was "
                            "rewritten)")
        # A gap (a package lost or never imported) is kept as it is: what was held before still checks the chain.
        db.execute(
            "INSERT INTO device_audit(device_id, seq, at, actor, action, target_table, record_id, changes, "
            "row_hash, prev_hash, hash, signer_key, signature, package_id, package_created_at) VALUES (?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [device_id, seq, entry["at"], entry["actor"], entry["action"], entry.get("table"),
             entry.get("record_id"), _json(entry.get("changes")), entry.get("row_hash"), entry["prev_hash"],
             entry["hash"], entry.get("signer_key"), entry.get("signature"), package_id, made],
        )
    if held_seq and head["seq"] < held_seq and newer:
        problems.append(f"its audit log now ends at entry {head['seq']}, but entry {held_seq} arrived here before "
                        "(its log was cut or wiped)")
    elif held_seq and head["seq"] == held_seq and head.get("hash") != held_hash and newer:
        problems.append(f"its newest entry {held_seq} is not the one it sent before (its log was rewritten)")
    if problems:
        message = f"device {device_id}: " + "; ".join(dict.fromkeys(problems))
        now = times.to_storage(times.utc_now())
        db.execute("INSERT INTO audit_alerts(device_id, detected_at, package_id, message) VALUES (?, ?, ?, ?)",
                   [device_id, now, package_id, message])
        record_event(store, "device_audit_alert", "sync_packages", package_id, {"device": device_id,
                                                                              "problem": message})
    return list(dict.fromkeys(problems))


def alerts(store: Store) -> list[Alert]:
    if not store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_alerts'").fetchone():
        return []
    return [Alert(*row) for row in store.db.execute(
        "SELECT device_id, detected_at, package_id, message FROM audit_alerts ORDER BY detected_at, rowid")]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))
