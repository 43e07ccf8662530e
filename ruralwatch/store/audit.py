"""The tamper-evident audit log: every change, export, import, merge and sign-in, hash-chained.

Each entry is written in the same transaction as the change it records, and carries the SHA-256 of the
previous entry, so removing or editing an entry breaks the chain at that point. The newest entry's number and
hash are also kept in `meta`, so cutting entries off the end shows too.

Every row that matters has an expected hash in the log, whoever wrote it (see `TRACKED`):
- a syncable row written here: its entry's `row_hash` (the whole row after the change);
- rows written in bulk (a sync merge, a published-crime import, the baseline of rows from before this coverage)
  or by an event (an account, a trusted device, a setting, a harm weight): lines (table, row id, hash; NULL for
  "must not exist") in the side table `audit_row_hashes`, keyed by the entry's seq. The entry's `changes` holds
  the SHA-256 over its sorted lines (`ROW_HASHES_KEY`), so editing, adding or removing a line breaks the entry.
`verify` takes the latest of the two for every row, and reports a row that differs, a row with no entry at all
(a fabricated INSERT) and a row the log says exists but which is gone (a hard DELETE).

Personal values (reporters' and volunteers' details, VRMs) are recorded only as "[personal data]": the audit
proves a change happened without keeping data that retention removes (a hash of a phone number could be
reversed by trying every number; a whole-row hash cannot, the row has a random id and clocks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson
import sqlite_utils

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback
from ruralwatch.store import account_records
from ruralwatch.store.database import SYNCABLE_TABLES, Store
from ruralwatch.store.identity import verify_signature
from ruralwatch.store.keyring import Keyring, KeyringError

GENESIS = "0" * 64
HEAD_KEY = "audit.head"
PERSONAL_MARK = "[personal data]"
# Columns whose values the audit never records (only that they changed). Keep in step with retention.
PERSONAL_COLUMNS: dict[str, frozenset[str]] = {
    "incidents": frozenset({"reporter_name", "reporter_phone"}),
    "incident_vehicles": frozenset({"vrm"}),
    "stolen_items": frozenset({"vrm"}),  # a stolen vehicle's registration
    "people": frozenset({"name", "collar_number", "phone", "email", "notes"}),
    "availability_exceptions": frozenset({"note"}),
    "patrol_events": frozenset({"vrm"}),  # stop-checked registrations
    "premises": frozenset({"contact_name", "contact_phone", "contact_email"}),
}
# Bookkeeping columns a change record leaves out (the clocks are in the row hash).
_SKIP = frozenset({"created_at", "updated_at", "device_id", "hlc", "field_hlc"})
# The key in an entry's `changes` naming the signatures of the account records and the field keys set it covers:
# the latest such entry signed by a trusted administrator says which signed version of each is current, so an older
# version written back (a demoted account replaying the record it had before) shows at sign-in and in verify.
VOUCHED_KEY = "signatures_now"
FIELD_KEYS_META = "field_keys"
# The key in an entry's `changes` that seals its side-table lines: {"count": n, "sha256": digest of the lines}.
ROW_HASHES_KEY = "row_hashes"
ROW_HASHES_TABLE = "audit_row_hashes"
# `meta` keys that are settings (every policy of services/policies.py, retention's last run, the field keys set): their
# value is covered, so verify names one edited, added or removed outside RuralWatch. Other meta keys are bookkeeping
# (clocks, vectors, the head itself). A setter's audit entry covers the key it wrote whatever this says; a key left
# out here is reported "deleted" by verify (its line is never matched to a row), and a hand edit of it goes unseen:
# tests/unit/test_audit_coverage.py writes every setting and fails on any such key.
SETTING_PREFIXES = ("roster.", "retention.", "patrol.", "field_keys", "geography.", "premises.", "near_repeat.",
                    "sync.central_dsn", "vehicles.column_mappings")  # not "vehicles.list_mappings": policies
BATCHES = "import_batches"  # one line per published-crime import: the batch row and all its rows, one digest
ABSENT = None  # a line's hash when the row must not exist (a harm weight reset, ...)


@dataclass(frozen=True)
class Tracked:
    """A table whose rows verify checks: `key` names a row; `columns` (None: all) are what its hash covers."""

    table: str
    key: str
    columns: tuple[str, ...] | None = None
    where: str = ""


TRACKED: tuple[Tracked, ...] = (
    *(Tracked(table, "id") for table in SYNCABLE_TABLES),
    Tracked("accounts", "id"),
    # received_seen / sent_watermark move at every sync: bookkeeping, not trust.
    Tracked("sync_peers", "device_id", ("device_id", "name", "public_key", "trusted_at")),
    Tracked("harm_overrides", "key"),
    Tracked("meta", "key", ("key", "value"), "WHERE " + " OR ".join(f"key LIKE '{p}%'" for p in SETTING_PREFIXES)),
)
_BY_TABLE = {t.table: t for t in TRACKED}

Line = tuple[str, str, str | None]  # (table, row id, hash or None)


def audit_for(store: Store) -> AuditLog | None:
    """The store's audit log; None on a schema from before the audit existed (tests open old schemas)."""
    cached = getattr(store, "_audit", False)
    if cached is False:
        has_table = bool(store.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").fetchone())
        cached = AuditLog(store) if has_table else None
        store._audit = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def record_event(store: Store, action: str, table: str | None = None, record_id: str | None = None,
                 changes: dict[str, Any] | None = None, covers: Iterable[tuple[str, str]] = (),
                 row_hashes: Mapping[tuple[str, str], str | None] | None = None) -> None:
    """An audit entry for something that is not a syncable row write (export, import, merge, settings, login).
    Call inside the transaction of the change, if there is one, after the change.

    `covers`: (table, row id) of TRACKED rows the change wrote (or removed); their state now is recorded, so a
    later raw edit shows. `row_hashes`: lines already computed (a merge's rows, an import batch's digest)."""
    audit = audit_for(store)
    if audit is not None:
        audit.record(action, table, record_id, changes, covers=covers, row_hashes=row_hashes)


@contextmanager
def audit_batch(store: Store, action: str, table: str | None = None, record_id: str | None = None,
                changes: dict[str, Any] | None = None, always: bool = False) -> Iterator[dict[str, Any]]:
    """One transaction whose syncable row writes are audited by one entry instead of one each: for bulk
    operations (the demo load, many incidents at once, a list import). Each row written inside is a line of that
    entry (table, id, SHA-256 of the row as it stands at the end, as a merge records its rows), sealed by the
    entry's hash, so `audit verify` still names any row edited, removed or added behind RuralWatch's back, and the
    chain still catches an entry edited, removed or reordered. What the entry does not keep is each row's field
    values (they are in the rows, which the lines cover); `changes` gets the rows per table and action.

    Yields the entry's `changes` for the caller to complete (counts known only at the end). The entry is written
    when rows were written, or always with `always`. The rows are hashed when the batch ends, read back in one
    query per 500: a row a rolled-back savepoint took away again gets a "must not exist" line and a row it left
    unchanged its old hash, so the lines are always the committed state. On an exception the transaction and the
    batch are rolled back together. Nested batches belong to the outermost (their changes are dropped). Other
    entries written meanwhile (record_event) are written as usual, before the batch's."""
    summary = dict(changes or {})
    audit = audit_for(store)
    if audit is None or audit.batch is not None:
        with store.transaction():
            yield summary
        return
    with store.transaction():
        batch = audit.batch = _Batch()
        try:
            yield summary
        finally:
            audit.batch = None
        if batch.keys or always:
            lines = current_hashes(store.db, batch.keys)
            audit.record(action, table, record_id, {**summary, "rows": batch.counts}, row_hashes=lines)


class _Batch:
    """The rows written inside an audit_batch, in order, and how many per table and action."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], None] = {}
        self.counts: dict[str, dict[str, int]] = {}

    def add(self, action: str, table: str, row_id: str) -> None:
        self.keys[(table, row_id)] = None
        per_table = self.counts.setdefault(table, {})
        per_table[action] = per_table.get(action, 0) + 1


def row_hash(row: dict[str, Any]) -> str:
    """The SHA-256 of a row's non-NULL values: a migration that adds a (NULL) column leaves every hash as it was."""
    return hashlib.sha256(_row_text({k: v for k, v in row.items() if v is not None})).hexdigest()


# Values orjson writes exactly as _CANONICAL does (sorted keys, compact, raw UTF-8, the same escapes), floats only in
# [1e-4, 1e16) or zero: outside, their exponent forms differ ("1e-05" against "1e-5"). Checked value by value in
# tests/unit/test_sync_merge_hashes.py (every code point, random floats, each limit).
_ORJSON_SAFE = frozenset({str, int, float, bool})
_IS_FLOAT = float.__instancecheck__  # isinstance(v, float) as a C function, for filter()


def _row_text(values: dict[str, Any]) -> bytes:
    """_canonical(values).encode() for a row's scalar values, by orjson where it writes the same bytes (a fifth of
    the time: a merge or bulk write hashes every row it writes); by the json module otherwise."""
    types = set(map(type, values.values()))
    if types <= _ORJSON_SAFE and (float not in types or all(
            v == 0.0 or 1e-4 <= abs(v) < 1e16 for v in filter(_IS_FLOAT, values.values()))):
        try:
            return orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson's JSONEncodeError: an int beyond 64 bits, a lone surrogate, a key not text
            pass
    return _canonical(values).encode()


def legacy_row_hash(row: dict[str, Any]) -> str:
    """The hash entries written before `row_hash` left NULLs out (all columns): verify accepts either."""
    return hashlib.sha256(_canonical(row).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return str(value)


# One encoder for every hash: json.dumps with these options builds a new encoder per call, which was a tenth of
# hashing a row in bulk. Same options, same text.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


def _shown(table: str, field: str, value: Any) -> Any:
    if value is not None and field in PERSONAL_COLUMNS.get(table, ()):
        return PERSONAL_MARK
    return value


def lines_digest(lines: Mapping[tuple[str, str], str | None]) -> dict[str, Any]:
    """What an entry's `changes[ROW_HASHES_KEY]` holds for its lines: their count and the SHA-256 over them
    sorted, one "table TAB id TAB hash" line each ("-" for a row that must not exist)."""
    digest = hashlib.sha256()
    for (table, row_id) in sorted(lines):
        digest.update(f"{table}\t{row_id}\t{lines[(table, row_id)] or '-'}\n".encode())
    return {"count": len(lines), "sha256": digest.hexdigest()}


def entry_fields(seq: int, at: str, actor: str, action: str, table: str | None, record_id: str | None,
                 changes: dict[str, Any] | None, row_hash: str | None) -> dict[str, Any]:
    """The canonical content of an entry, which its hash covers (and a signature would sign): one place, so
    writing and verifying can never disagree. New fields must be added only when present, so that old entries
    hash as they always did."""
    return {"seq": seq, "at": at, "actor": actor, "action": action, "table": table, "record_id": record_id,
            "changes": changes, "row_hash": row_hash}


def entry_hash(fields: dict[str, Any], prev: str) -> str:
    return hashlib.sha256((prev + _canonical(fields)).encode()).hexdigest()


# --- the hash of a tracked row as it is now ---------------------------------------------------------------------

def _rows(db: sqlite_utils.Database, sql: str, params: list[Any] | None = None) -> Iterator[dict[str, Any]]:
    cursor = db.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def _tracked_hash(spec: Tracked, row: dict[str, Any], hasher: Callable[[dict[str, Any]], str] = row_hash) -> str:
    return hasher(row if spec.columns is None else {c: row.get(c) for c in spec.columns})


def current_hash(db: sqlite_utils.Database, table: str, key: str) -> str | None:
    """The hash of one tracked row (or import batch) now; None when it does not exist."""
    if table == BATCHES:
        return batch_hash(db, int(key))
    spec = _BY_TABLE[table]
    found = next(_rows(db, f"SELECT * FROM [{table}] WHERE [{spec.key}] = ?", [key]), None)
    return None if found is None else _tracked_hash(spec, found)


def current_hashes(db: sqlite_utils.Database, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """current_hash for many rows at once: one query per table and chunk of keys instead of one per row (a key
    rotation covers every row it sealed again)."""
    found: dict[tuple[str, str], str | None] = {}
    by_table: dict[str, list[str]] = {}
    for table, key in keys:
        if table == BATCHES:
            found[(table, key)] = batch_hash(db, int(key))
        else:
            by_table.setdefault(table, []).append(key)
    for table, wanted in by_table.items():
        spec = _BY_TABLE[table]
        found.update(dict.fromkeys(((table, k) for k in wanted), None))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for row in _rows(db, f"SELECT * FROM [{table}] WHERE [{spec.key}] IN ({','.join('?' * len(chunk))})",
                             chunk):
                found[(table, str(row[spec.key]))] = _tracked_hash(spec, row)
    return found


# The published_crimes columns a batch digest covers (migration 3's): named, so a column added later is left out
# instead of changing every digest. batch_id last: verify's single pass groups by it.
PUBLISHED_COLUMNS = ("id", "dedupe_key", "crime_id", "month", "reported_by", "falls_within", "lon", "lat", "easting",
                     "northing", "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome", "context",
                     "batch_id")
_PUBLISHED_SELECT = f"SELECT {', '.join(PUBLISHED_COLUMNS)} FROM published_crimes"


def batch_hash(db: sqlite_utils.Database, batch_id: int, first_row: int = 0) -> str | None:
    """One digest over an import batch row and its published crimes in id order. `first_row`: a lower bound of
    the batch's row ids (an import knows it), so hashing a new batch reads only its own rows."""
    batch = next(_rows(db, "SELECT * FROM import_batches WHERE id = ?", [batch_id]), None)
    return batch_digest(batch, db.execute(f"{_PUBLISHED_SELECT} WHERE id >= ? AND batch_id = ? ORDER BY id",
                                          [first_row, batch_id]))


def batch_digest(batch: dict[str, Any] | None, rows: Iterable[tuple[Any, ...]]) -> str | None:
    """The digest of an import batch row and its crimes' PUBLISHED_COLUMNS values, in id order, as stored. An
    import that knows exactly what it stored (every row inserted, ids in order) passes them without reading back."""
    digest = _BatchDigest(batch)
    chunk: list[tuple[Any, ...]] = []
    for values in rows:
        chunk.append(values)
        if len(chunk) == 10_000:
            digest.add_many(chunk)
            chunk = []
    digest.add_many(chunk)
    return digest.hexdigest()


class _BatchDigest:
    """A running SHA-256: the batch row as canonical JSON, then each crime's values as Python's repr of the tuple
    (C speed: a whole-row JSON per crime cost a third of the import; float repr round-trips exactly)."""

    def __init__(self, batch: dict[str, Any] | None) -> None:
        self.batch = batch
        self.rows = 0
        self.sha = hashlib.sha256((_canonical(batch) + "\n").encode())

    def add(self, values: tuple[Any, ...]) -> None:
        self.rows += 1
        self.sha.update(repr(values).encode() + b"\n")

    def add_many(self, rows: list[tuple[Any, ...]]) -> None:
        """The same as add() for each row in turn, with one update for them all."""
        if rows:
            self.rows += len(rows)
            self.sha.update(("\n".join(map(repr, rows)) + "\n").encode())

    def hexdigest(self) -> str | None:
        return None if self.batch is None and not self.rows else self.sha.hexdigest()


# --- writing ------------------------------------------------------------------------------------------------------

def _has_table(db: sqlite_utils.Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone() is not None


def _head(db: sqlite_utils.Database) -> tuple[int, str]:
    found = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(found[0]), str(found[1])) if found else (0, GENESIS)


def append_entry(db: sqlite_utils.Database, actor: str, action: str, table: str | None = None,
                 record_id: str | None = None, changes: dict[str, Any] | None = None, digest: str | None = None,
                 lines: Mapping[tuple[str, str], str | None] | None = None, signer: Any = None) -> int:
    """Append one entry (and its side-table lines) after the current head; returns its seq. Inside a
    transaction. Works on a bare database too (the migration's baseline has no Store yet). With `signer` (the
    acting account's ruralwatch.store.identity.AccountKeys) the entry's hash is signed: nobody without that
    account's password can alter the entry, or re-chain entries after it, without it showing."""
    if lines:
        changes = {**(changes or {}), ROW_HASHES_KEY: lines_digest(lines)}
    seq, prev = _head(db)
    seq += 1
    at = times.to_storage(times.utc_now())
    own = entry_hash(entry_fields(seq, at, actor, action, table, record_id, changes, digest), prev)
    db.execute(
        "INSERT INTO audit_log(seq, at, actor, action, target_table, record_id, changes, row_hash, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at, actor, action, table, record_id, _canonical(changes) if changes is not None else None, digest,
         prev, own],
    )
    if signer is not None:
        db.execute("UPDATE audit_log SET signer_key = ?, signature = ? WHERE seq = ?",
                   [signer.sign_public, signer.sign(bytes.fromhex(own)), seq])
    if lines:
        db.conn.executemany(f"INSERT INTO {ROW_HASHES_TABLE}(seq, table_name, row_id, hash) VALUES (?, ?, ?, ?)",
                            [(seq, t, r, h) for (t, r), h in lines.items()])
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [HEAD_KEY, f"{seq}:{own}"],
    )
    return seq


def _vouched_signatures(db: sqlite_utils.Database, covers: list[tuple[str, str]]) -> dict[str, str]:
    """The signatures, as they are now, of the account records and field keys set among `covers`."""
    found: dict[str, str] = {}
    for table, key in covers:
        if table == "accounts":
            row = db.execute("SELECT signature FROM accounts WHERE id = ?", [key]).fetchone()
            if row and row[0]:
                found[f"accounts:{key}"] = str(row[0])
        elif table == "meta" and key == FIELD_KEYS_META:
            row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
            try:
                found[f"meta:{key}"] = str(json.loads(row[0])["signature"]) if row else ""
            except (ValueError, KeyError, TypeError):
                continue
    return found


def replayed(store: Store, admin_keys: set[str]) -> dict[str, str]:
    """Records whose signature is not the one the latest administrator-signed entry vouched for: "accounts:<id>"
    or "meta:field_keys" -> why. An entry counts only when its hash and signature hold and its signer is one of
    `admin_keys` (trusted administrators' keys): nobody else can move what counts as current."""
    latest: dict[str, str] = {}
    db = store.db
    if "signature" not in {r[1] for r in db.execute("PRAGMA table_info(audit_log)")}:
        return {}
    for row in _rows(db, "SELECT * FROM audit_log WHERE changes LIKE ? AND signature IS NOT NULL ORDER BY seq",
                     [f'%"{VOUCHED_KEY}"%']):
        entry = _entry(row)
        if entry.signer_key not in admin_keys or not isinstance(entry.changes, dict):
            continue
        fields = entry_fields(entry.seq, entry.at, entry.actor, entry.action, entry.table, entry.record_id,
                              entry.changes, entry.row_hash)
        if entry_hash(fields, entry.prev_hash) != entry.hash or not verify_signature(
                entry.signer_key or "", entry.signature or "", bytes.fromhex(entry.hash)):
            continue
        vouched = entry.changes.get(VOUCHED_KEY)
        if isinstance(vouched, dict):
            latest.update({str(k): str(v) for k, v in vouched.items()})
    found: dict[str, str] = {}
    for key, signature in latest.items():
        table, _, record = key.partition(":")
        if table == "accounts":
            row = db.execute("SELECT username, signature FROM accounts WHERE id = ?", [record]).fetchone()
            if row is not None and row[1] != signature:
                found[key] = (f"the account record of {row[0]} is not the one an administrator last signed (an older "
                              "record written back outside RuralWatch)")
        else:
            now = _vouched_signatures(db, [("meta", record)]).get(key)
            if now is not None and now != signature:
                found[key] = ("the field keys are not the set an administrator last made (an older set written back "
                              "outside RuralWatch)")
    return found


def admin_keys(store: Store, root: str | None) -> set[str]:
    """Signing keys of the administrators whose records verify (ruralwatch.store.account_records)."""
    untrusted = account_records.problems(store, root or "")
    return {str(key) for account_id, key in store.db.execute(
        "SELECT id, public_key FROM accounts WHERE role = 'administrator' AND active = 1 AND public_key IS NOT NULL")
        if account_id not in untrusted}


def record_baseline(db: sqlite_utils.Database) -> int:
    """One "baseline" entry with a line for every tracked row the log has no expected hash for (rows from before
    the audit or before this coverage: merged rows, accounts, peers, settings, published crime), so that from
    now on every row has one and a row with none is fabricated. Rows that already have one keep it: a row
    changed behind RuralWatch's back before the upgrade is still reported. Returns the number of lines."""
    if not _has_table(db, "audit_log"):
        return 0
    known: set[tuple[str, str]] = set()
    for table, record_id in db.execute(
            "SELECT target_table, record_id FROM audit_log WHERE row_hash IS NOT NULL AND record_id IS NOT NULL"):
        known.add((table, record_id))
    lines: dict[tuple[str, str], str | None] = {}
    for spec, row in _tracked_rows(db):
        key = (spec.table, str(row[spec.key]))
        if key not in known:
            lines[key] = _tracked_hash(spec, row)
    for batch_id, digest in _all_batch_hashes(db).items():
        lines[(BATCHES, batch_id)] = digest
    if lines:
        append_entry(db, "system", "baseline", changes={"reason": "rows present before the audit covered them"},
                     lines=lines)
    return len(lines)


class _Ticker:
    """Counts verify's steps (entries, then rows) and reports every `EVERY`th to a progress callback, whose
    False raises CancelledError. The total is counted first (one COUNT per table: cheap beside the walk)."""

    EVERY = 500

    def __init__(self, db: sqlite_utils.Database, progress: ProgressCallback | None) -> None:
        self.progress, self.done, self.total = progress, 0, 0
        if progress is None:
            return
        self.total = int(db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])
        for spec in TRACKED:
            if _has_table(db, spec.table):
                self.total += int(db.execute(f"SELECT COUNT(*) FROM [{spec.table}] {spec.where}").fetchone()[0])
        if _has_table(db, "import_batches"):
            self.total += int(db.execute("SELECT COUNT(*) FROM import_batches").fetchone()[0])
        self._report()

    def __call__(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % self.EVERY == 0:
            self._report()

    def _report(self) -> None:
        assert self.progress is not None
        if not self.progress(min(self.done, self.total), max(self.total, 1)):
            raise CancelledError("audit verify cancelled")


def _tracked_rows(db: sqlite_utils.Database) -> Iterator[tuple[Tracked, dict[str, Any]]]:
    for spec in TRACKED:
        if _has_table(db, spec.table):
            for row in _rows(db, f"SELECT * FROM [{spec.table}] {spec.where}"):
                yield spec, row


def _all_batch_hashes(db: sqlite_utils.Database) -> dict[str, str | None]:
    """Every import batch's digest (batch_hash's) in one pass over published_crimes."""
    if not _has_table(db, "import_batches"):
        return {}
    digests = {str(b["id"]): _BatchDigest(b) for b in _rows(db, "SELECT * FROM import_batches")}
    for values in db.execute(f"{_PUBLISHED_SELECT} ORDER BY id"):
        key = str(values[-1])
        if key not in digests:
            digests[key] = _BatchDigest(None)
        digests[key].add(values)
    return {k: d.hexdigest() for k, d in digests.items()}


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    table: str | None
    record_id: str | None
    changes: dict[str, Any] | None
    row_hash: str | None
    prev_hash: str
    hash: str
    signer_key: str | None = None  # the acting account's Ed25519 key, hex, when the entry is signed
    signature: str | None = None


@dataclass(frozen=True)
class Problem:
    """One thing verify found wrong. `kind`: entry_missing, entry_order, entry_altered, head, lines, log_empty,
    row_changed, row_unrecorded, row_deleted."""

    # ... signature (an entry unsigned, mis-signed or signed with a key not the actor's), device_audit (another
    # device's chain, as its sync packages showed it, was cut, rewritten or wiped)
    kind: str
    message: str
    seq: int | None = None
    table: str | None = None
    row_id: str | None = None


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    rows_checked: int
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> int | None:
        """The seq of the first problem that names an entry."""
        return next((p.seq for p in self.problems if p.seq is not None), None)

    @property
    def problem(self) -> str:
        """The first problem's text ("" when intact)."""
        return self.problems[0].message if self.problems else ""

    def summary(self, limit: int | None = None) -> str:
        """One line when intact or for one problem; else a count, then one line per problem (the first
        `limit` of them, when given)."""
        if self.ok:
            return (f"audit log intact: {self.entries:,} entries chained, {self.rows_checked:,} rows match their "
                    "last entry")
        if len(self.problems) == 1:
            return f"audit log BROKEN: {self.problem}"
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [f"audit log BROKEN: {len(self.problems):,} problems", *(f"  {p.message}" for p in shown)]
        if len(shown) < len(self.problems):
            lines.append(f"  ... and {len(self.problems) - len(shown):,} more (`ruralwatch audit verify` lists all)")
        return "\n".join(lines)


class AuditLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.batch: _Batch | None = None  # set inside audit_batch

    # --- writing (call inside the transaction that makes the change) ----------------------------------

    def record(self, action: str, table: str | None = None, record_id: str | None = None,
               changes: dict[str, Any] | None = None, row: dict[str, Any] | None = None,
               covers: Iterable[tuple[str, str]] = (),
               row_hashes: Mapping[tuple[str, str], str | None] | None = None) -> int:
        db = self.store.db
        covers = list(covers)
        lines: dict[tuple[str, str], str | None] = dict(row_hashes or {})
        lines.update(current_hashes(db, covers))
        vouched = _vouched_signatures(db, covers)
        if vouched:
            changes = {**(changes or {}), VOUCHED_KEY: vouched}
        if lines and not self._has_side_table:
            lines = {}  # a schema from before the side table (tests open old schemas): the entry alone
        signer = self.store.signer if self._signed else None
        return append_entry(db, self.store.actor.username, action, table, record_id, changes,
                            row_hash(row) if row is not None else None, lines, signer)

    def row_change(self, action: str, table: str, row: dict[str, Any],
                   changes: dict[str, tuple[Any, Any]] | None = None) -> None:
        """A create, update, delete or restore of a syncable row; `row` is the whole row after it. Inside an
        audit_batch only noted: the batch's entry records it."""
        if self.batch is not None:
            self.batch.add(action, table, str(row["id"]))
            return
        if changes is None:  # a create: every field that has a value
            shown = {k: [None, _shown(table, k, v)] for k, v in row.items() if v is not None and k not in _SKIP}
        else:
            shown = {k: [_shown(table, k, b), _shown(table, k, a)] for k, (b, a) in changes.items() if k not in _SKIP}
        self.record(action, table, row["id"], shown, row)

    # What the schema has, asked once per log (tests open old schemas, from before the side table or signatures).
    @cached_property
    def _signed(self) -> bool:
        return "signature" in {row[1] for row in self.store.db.execute("PRAGMA table_info(audit_log)")}

    @cached_property
    def _has_side_table(self) -> bool:
        return _has_table(self.store.db, ROW_HASHES_TABLE)

    def _head(self) -> tuple[int, str]:
        return _head(self.store.db)

    # --- reading ------------------------------------------------------------------------------------------

    def entries(self, actor: str | None = None, record_id: str | None = None, since: str | None = None,
                until: str | None = None, action: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        where, params = ["1 = 1"], []
        for column, value in (("actor", actor), ("record_id", record_id), ("action", action)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("at < ?")
            params.append(until)
        query = (f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT {int(limit)}")
        return [_entry(row) for row in self.store.db.query(query, params)]

    def entries_after(self, seq: int) -> list[AuditEntry]:
        """Every entry after `seq`, oldest first (what a sync package carries)."""
        return [_entry(row) for row in self.store.db.query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq",
                                                             [seq])]

    def count(self) -> int:
        return int(self.store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])

    # --- verifying ----------------------------------------------------------------------------------------

    def verify(self, progress: ProgressCallback | None = None) -> VerifyResult:
        """Walk the whole chain, then check every tracked row against the latest hash the log expects for it.
        Reports every problem found, not only the first. `progress(done, total)` over entries then rows (the
        window runs it off the UI thread); False from it raises CancelledError (verifying writes nothing)."""
        tick = _Ticker(self.store.db, progress)
        problems: list[Problem] = []
        signatures = _Signatures(self.store)
        sealed: dict[int, dict[str, Any]] = {}  # seq -> what the entry says its side lines are
        expected: dict[tuple[str, str], tuple[str | None, int]] = {}  # row -> (hash, seq of the entry)
        prev, count, last_seq = GENESIS, 0, 0
        for entry in self._all():
            count += 1
            tick()
            if entry.seq != last_seq + 1:
                gap = (f"entry {last_seq + 1} is missing" if entry.seq == last_seq + 2
                       else f"entries {last_seq + 1} to {entry.seq - 1} are missing")
                problems.append(Problem("entry_missing", f"{gap} (next is {entry.seq})", last_seq + 1))
            elif entry.prev_hash != prev:
                problems.append(Problem("entry_order", f"entry {entry.seq} does not follow entry {last_seq}",
                                        entry.seq))
            fields = entry_fields(entry.seq, entry.at, entry.actor, entry.action, entry.table, entry.record_id,
                                  entry.changes, entry.row_hash)
            if entry_hash(fields, entry.prev_hash) != entry.hash:
                problems.append(Problem("entry_altered", f"entry {entry.seq} was altered", entry.seq))
            signatures.check(entry, problems)
            if entry.row_hash is not None and entry.table and entry.record_id:
                expected[(entry.table, entry.record_id)] = (entry.row_hash, entry.seq)
            if isinstance(entry.changes, dict) and isinstance(entry.changes.get(ROW_HASHES_KEY), dict):
                sealed[entry.seq] = entry.changes[ROW_HASHES_KEY]
            prev, last_seq = entry.hash, entry.seq
        head = self.store.meta(HEAD_KEY)
        if (head or "") != (f"{last_seq}:{prev}" if last_seq else ""):
            head_seq = _head_seq(head)
            if head_seq is not None and head_seq > last_seq:
                message = f"entries after {last_seq} were removed (the log's recorded head is {head})"
            else:
                message = f"the log's recorded head ({head}) is not its newest entry ({last_seq})"
            problems.append(Problem("head", message, last_seq + 1))
        self._apply_lines(sealed, expected, problems)
        checked, rows = self._verify_rows(expected, problems, tick)
        problems += [Problem("schema", f"the database holds a {kind} {name!r}, which RuralWatch never makes "
                                       "(added outside RuralWatch)")
                     for kind, name in self.store.db.execute(
                         "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name")]
        for key, message in sorted(replayed(self.store, signatures.admin_keys).items()):
            table, _, record = key.partition(":")
            problems.append(Problem("record_replayed", message, None, table, record))
        if count == 0 and rows:
            problems.insert(0, Problem("log_empty", f"the audit log is empty but the database holds {rows:,} rows"))
        if _has_table(self.store.db, "audit_alerts"):  # other devices' chains, as their packages showed them
            problems += [Problem("device_audit", f"{message} (found {at[:16]} in package {package})")
                         for message, at, package in self.store.db.execute(
                             "SELECT message, detected_at, package_id FROM audit_alerts ORDER BY rowid")]
        return VerifyResult(count, checked, tuple(problems))

    def _apply_lines(self, sealed: dict[int, dict[str, Any]],
                     expected: dict[tuple[str, str], tuple[str | None, int]], problems: list[Problem]) -> None:
        """Merge the side-table lines of every entry whose seal matches into `expected` (by seq: the latest
        entry for a row wins). Lines that do not match their entry's seal are reported and not trusted."""
        if not self._has_side_table:
            return
        by_seq: dict[int, dict[tuple[str, str], str | None]] = {}
        for seq, table, row_id, digest in self.store.db.execute(
                f"SELECT seq, table_name, row_id, hash FROM {ROW_HASHES_TABLE} ORDER BY seq"):
            by_seq.setdefault(int(seq), {})[(table, row_id)] = digest
        for seq in sorted(set(by_seq) | set(sealed)):
            lines = by_seq.get(seq, {})
            seal = sealed.get(seq)
            if seal is None:
                problems.append(Problem("lines", f"{len(lines):,} row hashes are recorded for entry {seq}, which "
                                                 "recorded none (added outside RuralWatch)", seq))
                continue
            if lines_digest(lines) != seal:
                problems.append(Problem("lines", f"the row hashes recorded with entry {seq} were altered "
                                                 f"({len(lines):,} found, {seal.get('count')} recorded)", seq))
                continue
            for key, digest in lines.items():
                if key not in expected or expected[key][1] < seq:
                    expected[key] = (digest, seq)

    def _verify_rows(self, expected: dict[tuple[str, str], tuple[str | None, int]],
                     problems: list[Problem], tick: Callable[[], None] = lambda: None) -> tuple[int, int]:
        """(rows that match their expected hash, rows present); appends a problem for every other row."""
        db = self.store.db
        checked = present = 0
        seen: set[tuple[str, str]] = set()

        def check(table: str, row_id: str, digest: str | None, source: tuple[Tracked, dict[str, Any]] | None = None
                  ) -> None:
            nonlocal checked, present
            present += 1
            tick()
            key = (table, row_id)
            seen.add(key)
            recorded = expected.get(key)
            if recorded is None:
                problems.append(Problem("row_unrecorded", f"{table} row {row_id} has no audit entry: it was "
                                        "written outside RuralWatch", None, table, row_id))
            elif recorded[0] is None:
                problems.append(Problem("row_unrecorded", f"{table} row {row_id} was removed by entry "
                                        f"{recorded[1]} but exists again: written outside RuralWatch", recorded[1],
                                        table, row_id))
            elif recorded[0] != digest and (source is None or recorded[0] != _tracked_hash(*source, legacy_row_hash)):
                problems.append(Problem("row_changed", f"{table} row {row_id} was changed outside RuralWatch "
                                        f"after entry {recorded[1]}", recorded[1], table, row_id))
            else:
                checked += 1

        for spec, row in _tracked_rows(db):
            check(spec.table, str(row[spec.key]), _tracked_hash(spec, row), (spec, row))
        for batch_id, digest in _all_batch_hashes(db).items():
            check(BATCHES, batch_id, digest)
        for (table, row_id), (digest, seq) in sorted(expected.items()):
            if digest is not None and (table, row_id) not in seen and (table in _BY_TABLE or table == BATCHES):
                problems.append(Problem("row_deleted", f"{table} row {row_id} was deleted outside RuralWatch "
                                        f"(its last entry is {seq})", seq, table, row_id))
        return checked, present

    def _all(self) -> Iterator[AuditEntry]:
        cursor = self.store.db.execute("SELECT * FROM audit_log ORDER BY seq")
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield _entry(dict(zip(names, values, strict=True)))


def _head_seq(head: str | None) -> int | None:
    try:
        return int((head or "").split(":", 1)[0])
    except ValueError:
        return None


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row["seq"]), at=row["at"], actor=row["actor"], action=row["action"], table=row["target_table"],
        record_id=row["record_id"], changes=json.loads(row["changes"]) if row["changes"] else None,
        row_hash=row["row_hash"], prev_hash=row["prev_hash"], hash=row["hash"],
        signer_key=row.get("signer_key"), signature=row.get("signature"),
    )


class _Signatures:
    """Checks each entry's signature (the hash it signs is checked by the chain).

    Keys come only from what an administrator vouched for: the signing key in an account's record when that record
    verifies (ruralwatch.store.account_records, chained to the keyring's root), and a key an account was given by an
    entry that made it or reset its password, when that entry is itself signed by a trusted administrator. Once the
    first signed entry is written, every entry after it must be signed, "system" ones included: an unsigned entry
    is one written below RuralWatch. Entries before it (a database from before signatures) need none."""

    def __init__(self, store: Store) -> None:
        self.keys: dict[str, set[str]] = {}  # account name -> its keys
        self.admin_keys: set[str] = set()
        self.by_id: dict[str, str] = {}
        self.signing_started = False
        db = store.db
        if not _has_table(db, "accounts") or "public_key" not in {r[1] for r in db.execute(
                "PRAGMA table_info(accounts)")}:
            return
        root = _keyring_root(store)
        untrusted = account_records.problems(store, root) if root else None
        for account_id, username, role, public_key in db.execute(
                "SELECT id, username, role, public_key FROM accounts"):
            self.by_id[str(account_id)] = str(username).casefold()
            if public_key and untrusted is not None and account_id not in untrusted:
                self.keys.setdefault(str(username).casefold(), set()).add(str(public_key))
                if role == "administrator":
                    self.admin_keys.add(str(public_key))

    def check(self, entry: AuditEntry, problems: list[Problem]) -> None:
        if entry.signature is None:
            if self.signing_started or self.keys.get(entry.actor.casefold()):
                problems.append(Problem("signature", f"entry {entry.seq} is in {entry.actor}'s name but not signed "
                                                     "(written outside RuralWatch)", entry.seq))
            return
        self.signing_started = True
        if not verify_signature(entry.signer_key or "", entry.signature, bytes.fromhex(entry.hash)):
            problems.append(Problem("signature", f"entry {entry.seq} does not match its signature (altered, or "
                                                 "re-chained after an earlier entry was)", entry.seq))
            return
        known = self.keys.get(entry.actor.casefold())
        if known and entry.signer_key not in known:
            problems.append(Problem("signature", f"entry {entry.seq} is signed with a key that is not "
                                                 f"{entry.actor}'s", entry.seq))
            return
        self._learn(entry)

    def _learn(self, entry: AuditEntry) -> None:
        """A key an administrator gave an account (creating it, or resetting its password) counts for it from now
        on: past entries of an account whose password was reset stay verifiable."""
        if (entry.table != "accounts" or entry.action not in ("create", "reset_password")
                or entry.signer_key not in self.admin_keys or not isinstance(entry.changes, dict)):
            return
        named = entry.changes.get("public_key")
        key = named[-1] if isinstance(named, list) and named else None
        if isinstance(key, str) and key and entry.record_id in self.by_id:
            self.keys.setdefault(self.by_id[entry.record_id], set()).add(key)


def _keyring_root(store: Store) -> str | None:
    """The keyring's root key, when the store has a keyring beside it (encrypted databases)."""
    try:
        return Keyring.load(store.path).root
    except (KeyringError, OSError):
        return None
