"""Every device's audit chain, kept by the devices it syncs with (above all the central store).

A laptop's own log can be rewritten by anyone who holds its database key; what it already sent cannot. Each sync
package carries the sender's audit head and its entries after the last one the receiver has shown it holds; the
receiver recomputes their hashes, keeps them, and checks that the chain continues the one it already holds.
Shown, as for rows: every package says how far its maker holds each device's chain without a gap (`audit_held`
in the manifest, `held_through`), and the next package to that maker starts there. A package written and lost
therefore costs no entry: the next one carries them again, and entries a receiver already holds are skipped.
A log that was cut (its head is behind what was received before), rewritten (an entry the receiver holds now has
another hash, or the new entries do not follow on) or wiped is flagged: one alert per package, in `audit_alerts`,
reported by `audit verify` and `sync import` / `central merge`. The package itself is still merged: its rows are
signed by the device and may be sound; the alert is for a person to look into.

An entry altered without re-hashing is never kept, so its sender sends it again with every package until it is put
right. It is alerted once: the receiver keeps what it reported (`ALTERED_KEY`, per device: seq -> digests of the
entry as it came), and a later package carrying the same entry unchanged raises nothing more; an entry altered
otherwise is a new alteration, alerted again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard

from ruralwatch.core import times
from ruralwatch.store.audit import AuditLog, entry_fields, entry_hash, record_event
from ruralwatch.store.database import Store
from ruralwatch.sync.package import AUDIT_HELD

# The manifest field: device -> the highest seq of its chain the package's maker holds with every entry before it.
HELD_KEY = AUDIT_HELD
# The end of the first run of a device's entries held from entry 1 (no row: entry 1 is not held). Walks the primary
# key from the start and stops at the first gap. `{p}`: the engine's placeholder, the device id.
_THROUGH_SQL = ("SELECT d.seq FROM device_audit AS d WHERE d.device_id = {p} AND EXISTS (SELECT 1 FROM device_audit "
                "AS f WHERE f.device_id = d.device_id AND f.seq = 1) AND NOT EXISTS (SELECT 1 FROM device_audit AS n "
                "WHERE n.device_id = d.device_id AND n.seq = d.seq + 1) ORDER BY d.seq LIMIT 1")
THROUGH_PG = _THROUGH_SQL.format(p="%s").encode()

# The fields of an entry a package carries (its row in audit_log, signature included).
FIELDS = ("seq", "at", "actor", "action", "table", "record_id", "changes", "row_hash", "prev_hash", "hash",
          "signer_key", "signature")
# Meta key (+ device id; `central_meta` on PostgreSQL): JSON {seq: [digest, ...]} of the entries of that device's
# chain already reported as altered without re-hashing (`altered_digest`). No migration, as for sync_audit_held:.
ALTERED_KEY = "sync_audit_altered:"


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


def held_through(store: Store, devices: Sequence[str] | None = None) -> dict[str, int]:
    """device -> the highest seq of its chain held here with every entry before it (0: none), for `devices` (all
    held when None): what this database's next package tells each of them, so none of its entries is left out."""
    if devices is None:
        devices = [str(row[0]) for row in store.db.execute("SELECT DISTINCT device_id FROM device_audit")]
    query = _THROUGH_SQL.format(p="?")
    held = {}
    for device in devices:
        found = store.db.execute(query, [device]).fetchone()
        held[device] = int(found[0]) if found else 0
    return held


def shown_held(manifest: Mapping[str, Any], device_id: str) -> int | None:
    """How far the package's maker holds `device_id`'s chain (0 when it names it not: it holds none of it), or None
    for a package from a RuralWatch that does not say (older: its sender goes on from what it last sent)."""
    held = manifest.get(HELD_KEY)
    if not isinstance(held, dict):
        return None
    return int(held.get(device_id, 0))


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
    (new ones whose own hash holds, by seq), `made`, when the sender took its head, and `reported`: the altered
    entries reported so far, this package's new ones added (what the receiver keeps under ALTERED_KEY)."""

    problems: list[str]
    fresh: list[dict[str, Any]]
    made: str
    reported: dict[int, list[str]] = field(default_factory=dict)

    def message(self, device_id: str) -> str:
        return f"device {device_id}: " + "; ".join(self.problems)


def altered_digest(entry: Mapping[str, Any]) -> str:
    """An entry as it came (every field a package carries): the same alteration sent again has the same digest,
    another alteration of the same entry another one."""
    carried = {name: entry.get(name) for name in FIELDS}
    return hashlib.sha256(json.dumps(carried, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                                     default=str).encode("ascii")).hexdigest()


def load_reported(text: str | None) -> dict[int, list[str]]:
    """ALTERED_KEY's value: seq -> the digests of that entry already reported as altered ({} when none or unreadable:
    an alert too many rather than one missed)."""
    try:
        held = json.loads(text) if text else {}
        return {int(seq): [str(d) for d in digests] for seq, digests in held.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def dump_reported(reported: Mapping[int, Collection[str]]) -> str:
    return json.dumps({str(seq): sorted(digests) for seq, digests in sorted(reported.items())}, sort_keys=True)


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
                entries: Sequence[dict[str, Any]], created_at: str = "",
                reported: Mapping[int, Collection[str]] | None = None) -> ChainCheck:
    """Whether a device's audit head and entries continue the chain a receiver holds of it (pure: both engines
    read what they hold, call this, and keep `fresh` and `reported`). `held`: seq -> hash of the entries held, at
    least over `seq_range(entries)`. `created_at`: when the sender made the package (an older package arriving
    after a newer one is not taken for a cut log). `reported`: seq -> digests of the entries altered without
    re-hashing that were reported before (load_reported): the same one sent again is not a problem again."""
    made = str(head.get("made") or created_at)
    newer = held_head is None or not held_head.made or made > held_head.made
    known = dict(held)  # what is held, and what this package adds as it is checked
    seen_altered = {seq: set(digests) for seq, digests in (reported or {}).items()}
    problems: list[str] = []
    fresh: list[dict[str, Any]] = []
    for entry in sorted(entries, key=lambda e: e["seq"]):
        seq = entry["seq"]
        fields = entry_fields(seq, entry["at"], entry["actor"], entry["action"], entry.get("table"),
                              entry.get("record_id"), entry.get("changes"), entry.get("row_hash"))
        if entry_hash(fields, entry["prev_hash"]) != entry["hash"]:
            digest = altered_digest(entry)
            if digest not in seen_altered.get(seq, set()):  # alerted once: it comes again until it is put right
                seen_altered.setdefault(seq, set()).add(digest)
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
        seen_altered.pop(seq, None)  # put right and kept: altered again later, it is a new alteration
    held_seq = held_head.seq if held_head else 0
    if held_head and held_seq and head["seq"] < held_seq and newer:
        problems.append(f"its audit log now ends at entry {head['seq']}, but entry {held_seq} arrived here before "
                        "(its log was cut or wiped)")
    elif held_head and held_seq and head["seq"] == held_seq and head.get("hash") != held_head.hash and newer:
        problems.append(f"its newest entry {held_seq} is not the one it sent before (its log was rewritten)")
    return ChainCheck(list(dict.fromkeys(problems)), fresh, made,
                      {seq: sorted(digests) for seq, digests in seen_altered.items()})


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
    reported = load_reported(store.meta(f"{ALTERED_KEY}{device_id}"))
    check = check_chain(held_head, held, head, entries, created_at, reported)
    if check.reported != reported:
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [f"{ALTERED_KEY}{device_id}", dump_reported(check.reported)])
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
