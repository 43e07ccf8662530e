"""Sync between laptops and the central store through change packages (see ruralwatch.sync).

- Identity: an Ed25519 key pair per database, made on first use. Receivers trust a device explicitly
  (`trust`); a package signed by anyone else is refused.
- `seen` vector (meta key `sync_seen`, plus this device itself): device -> the highest clock of that device's
  writes this database has merged. Every package carries its source's vector; it drives incremental export
  and conflict detection.
- Export: rows whose hlc is above what the peer is known to hold, tombstones included. Known means shown by the
  peer itself (the `seen` vector of the latest package it sent us, `received_seen`) or sent to it since then
  (`sent_watermark`, cleared when a package from the peer is imported: from then its own word rules again). So a
  laptop that only ever sends sends each row once. A package written may be lost (a USB stick, a mail never
  sent): the manifest says what it took the peer to hold (`base`), and a receiver missing some of that does not
  raise its `seen` past the gap (merge.advance_seen), so its next package asks for the rows again; `resend` (the
  "send everything again" option) leaves out only what the peer has acknowledged.
- Audit entries follow the same rule (ruralwatch.services.device_audit): a package carries ours after the last one
  the peer's own packages say it holds (`audit_held`), or after the last one sent since (`audit_sent_seq`, while
  `sent_watermark` is set); a receiver keeps a gap as it is and says how far it holds the chain without one.
- Import: everything is verified first, then ONE transaction merges rows per field (ruralwatch.sync.merge),
  inserts missing blobs, records the package and the conflicts. A failure leaves the database untouched.
- Demo rows (ruralwatch.sync.demo_rows) never travel: export leaves them out, import leaves out those a package
  from an older RuralWatch still carries; both count them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ruralwatch.core import merged_values, times
from ruralwatch.core.clock import Hlc
from ruralwatch.core.errors import (
    CancelledError,
    FieldError,
    NotFoundError,
    ProgressCallback,
    RuralWatchError,
    ValidationError,
)
from ruralwatch.core.protected_fields import PROTECTED
from ruralwatch.core.words import count_of, plural
from ruralwatch.services import device_audit
from ruralwatch.services.backups import SYNC_RESTORED_META
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.policies import CENTRAL_DSN, PendingPolicies, write_pending
from ruralwatch.store.audit import record_event, row_hash
from ruralwatch.store.database import SYNCABLE_TABLES, IntegrityError, Store
from ruralwatch.store.field_keys import FieldKeysError
from ruralwatch.store.field_vault import is_sealed
from ruralwatch.store.protection import open_values, seal_values
from ruralwatch.store.syncable import SyncTable
from ruralwatch.sync import crypto, demo_rows, package
from ruralwatch.sync.errors import KeyChanged, PackageError
from ruralwatch.sync.merge import (
    CHOICES,
    FieldConflict,
    Side,
    advance_seen,
    device_of,
    load_vector,
    max_vectors,
    plan_batch,
    row_known_to,
)

# merge.row_known_to in SQL, for counting: a clock (ruralwatch.core.clock: 15-digit milliseconds, 6-digit counter,
# device) is known when the peer wrote it or has seen its writer up to it; a row is news if its clock or any of its
# field clocks is not. tests/unit/test_sync_merge.py checks it against row_known_to on random rows.
_KNOWN = "(substr({x}, 24) = :peer OR {x} <= coalesce(json_extract(:view, '$.\"' || substr({x}, 24) || '\"'), ''))"
_PENDING_SQL = ("SELECT COUNT(*) FROM [{{table}}] AS r WHERE r.hlc > :threshold AND {{real}} AND (NOT {hlc} OR "
                "(r.field_hlc IS NOT NULL AND NOT json_valid(r.field_hlc)) OR EXISTS (SELECT 1 FROM "
                "json_each(CASE WHEN json_valid(r.field_hlc) THEN r.field_hlc END) AS c WHERE NOT {field}))").format(
    hlc=_KNOWN.format(x="r.hlc"), field=_KNOWN.format(x="c.value"))

PASSPHRASE_ENV = "RURALWATCH_SYNC_PASSPHRASE_FILE"
# The device's private signing key is kept in the `meta` table as hex. The file itself is not encrypted at
# rest yet: the trust/at-rest-encryption issue will encrypt the database file (and with it this key).
META_PRIVATE_KEY = "sync_private_key"
META_SEEN = "sync_seen"
META_LAST_EXPORT = "sync_last_export:"  # + peer device id
# + peer device id: JSON {"seq", "made"}: how far the peer holds our audit chain, by its newest package (device_audit)
META_AUDIT_HELD = "sync_audit_held:"
_BATCH = 500
REPORT_ROWS = package.REPORT_ROWS  # rows read or merged between two progress reports (a few a second)
_SYNC_COLUMNS = frozenset({"id", "hlc", "field_hlc", "deleted"})  # every row of a package has them


def _kept_as_written(value: Any, types: tuple[type, ...]) -> bool:
    """Whether SQLite stores `value` in a column keeping `types` (SyncService._kept_types) so that it reads back
    equal, with the same JSON text: not -0.0, which it reads back as 0.0, nor NaN, which it stores as NULL."""
    if value is None:
        return True
    if type(value) not in types:
        return False
    return type(value) is not float or (math.isfinite(value) and (value != 0.0 or math.copysign(1.0, value) > 0))


def read_passphrase(path: str | Path | None) -> str | None:
    """The passphrase from `path`, else from the file named by $RURALWATCH_SYNC_PASSPHRASE_FILE; never argv."""
    source = path or os.environ.get(PASSPHRASE_ENV)
    if not source:
        return None
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuralWatchError(f"cannot read the passphrase file {source}: {exc}") from None
    text = text.rstrip("\r\n")
    if not text:
        raise RuralWatchError(f"the passphrase file {source} is empty")
    return text


@dataclass(frozen=True)
class Identity:
    device_id: str
    public_key: str


@dataclass(frozen=True)
class Peer:
    device_id: str
    name: str | None
    public_key: str
    trusted_at: str


@dataclass(frozen=True)
class PeerActivity:
    peer: Peer
    last_export: str | None
    last_import: str | None
    pending: int | None  # None: not counted (peer_activity(count_pending=False))


@dataclass
class ExportResult:
    path: str
    package_id: str
    rows: dict[str, int]
    blobs: int
    encrypted: bool
    since_last_for: str | None
    clock: dict[str, str | None]
    demo_left_out: int = 0  # demo rows that stay on this laptop (ruralwatch.sync.demo_rows)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def demo_note(self) -> str:
        """What the window and the command line add to an export's summary ("" when no demo row was left out)."""
        return demo_stays_note(self.demo_left_out)


PACKAGE_SUFFIX = ".rwsync"


def package_file_name(moment: datetime, device: str) -> str:
    """A package's default file name, `ruralwatch-<device>-<YYYY-MM-DD-HHMM>.rwsync` in UK local time: one name per
    laptop and minute, so a second export to the same stick no longer lands on the first (every export was
    `changes.rwsync`). `device` (a name or an id) keeps only letters, digits and dashes: safe on any stick."""
    safe = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in device).split()) or "laptop"
    return f"ruralwatch-{safe}-{times.to_local(moment).strftime('%Y-%m-%d-%H%M')}{PACKAGE_SUFFIX}"


def demo_stays_note(count: int) -> str:
    return (f"{count_of(count, 'demo row')} {plural(count, 'stays', 'stay')} on this laptop (demo data is never sent)"
            if count else "")


@dataclass
class ImportResult:
    path: str
    status: str  # 'applied' | 'skipped' | 'refused'
    package_id: str | None = None
    source_device: str | None = None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    blobs: int = 0
    conflicts: int = 0
    message: str = ""
    demo_left_out: int = 0  # demo rows a package from an older RuralWatch carried, not merged (sync.demo_rows)
    # What the sender's audit chain showed (cut, rewritten or wiped since it last sent it): merged all the same.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def demo_note(self) -> str:
        """What the window and the command line add to an import's summary ("" when the package held no demo row)."""
        if not self.demo_left_out:
            return ""
        return f"{count_of(self.demo_left_out, 'demo row')} left out (demo data stays on the laptop that loaded it)"


@dataclass(frozen=True)
class AppliedPackage:
    package_id: str
    source_device: str
    applied_at: str
    rows: int


@dataclass(frozen=True)
class ConflictSubject:
    """The incident a conflict is about, as a person recognises it."""

    kind: str
    place: str | None
    occurred_start: str


@dataclass(frozen=True)
class Conflict:
    id: int
    table_name: str
    row_id: str
    field: str
    local_value: Any
    local_hlc: str | None
    incoming_value: Any
    incoming_hlc: str | None
    winner: str
    kind: str
    package_id: str | None
    detected_at: str
    resolved_at: str | None
    resolution: str | None
    # Who wrote each value, by the name the device was trusted under ("this device" for this database's own
    # edits): on the central store "mine" and "theirs" are two laptops, and the words alone did not say which.
    local_device: str = ""
    incoming_device: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _MergeStats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[tuple[str, str, FieldConflict]] = field(default_factory=list)
    # (table, id) -> hash of every row the merge wrote, as stored: the merge entry's side-table lines.
    row_hashes: dict[tuple[str, str], str | None] = field(default_factory=dict)


SETTINGS_TOPIC = "sync_settings"  # hub topic: this laptop's sync settings (the central store) changed


class _Reports:
    """An export's or an import's progress reports (the one ProgressCallback shape), in the words the window's
    progress dialog and the command line both show. Each report is also where Cancel is seen: CancelledError with
    `cancelled`, raised where nothing is kept (before the file is renamed, inside the merge's transaction)."""

    def __init__(self, progress: ProgressCallback | None, cancelled: str) -> None:
        self.progress, self.cancelled = progress, cancelled

    def say(self, done: int, total: int, note: str) -> None:
        if self.progress is not None and not self.progress(done, total, note):
            raise CancelledError(self.cancelled)

    def merging(self, table: str, count: int, before: int, total: int) -> Callable[[int], None]:
        """A table's merge reports ("Merging incidents 20,000 of 100,000"): at its start, then each REPORT_ROWS of its
        `count` rows; the bar counts every row of the package (`before` merged ahead of this table, of `total`)."""
        words = package.table_words(table)
        next_at = [0]

        def said(done: int) -> None:
            if done >= next_at[0]:
                self.say(before + done, total, f"Merging {words} {done:,} of {count:,}")
                next_at[0] = done - done % REPORT_ROWS + REPORT_ROWS

        return said


class SyncService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock  # wall-clock stamps (trust, packages, conflicts, resolutions); the HLC stays real time

    # --- identity and trust ------------------------------------------------------------------------------

    def _keys(self) -> crypto.KeyPair:
        stored = self.store.meta(META_PRIVATE_KEY)
        if stored:
            return crypto.KeyPair.from_hex(stored)
        keys = crypto.KeyPair.generate()
        self.store.set_meta(META_PRIVATE_KEY, keys.private_hex())
        return keys

    def identity(self) -> Identity:
        return Identity(self.store.device_id, self._keys().public_hex())

    def package_name(self) -> str:
        """The default file name of a package exported now: this laptop's short id (its first eight digits, as it
        has no name of its own) and the time, from the service's clock."""
        return package_file_name(self._now(), self.store.device_id[:8])

    def trust(self, device_id: str, public_key: str, name: str | None = None, replace_key: bool = False) -> Peer:
        """Trust a device's key (again: its name and time are renewed). A device already trusted with another key
        raises KeyChanged and changes nothing, unless `replace_key` says the new key was checked with its owner;
        the audit entry then names the key replaced."""
        self.store.actor.require("sync.trust")
        device_id, key = self.check_peer(device_id, public_key)
        name = (name or "").strip() or None
        now = times.to_storage(self._now())
        with self.store.transaction():
            held = self.store.db.execute("SELECT name, public_key FROM sync_peers WHERE device_id = ?",
                                         [device_id]).fetchone()
            old_key = str(held[1]).lower() if held is not None else None
            if old_key is not None and old_key != key and not replace_key:
                raise KeyChanged(device_id, held[0], old_key, key)
            self.store.db.execute(
                "INSERT INTO sync_peers(device_id, name, public_key, trusted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(device_id) DO UPDATE SET name = COALESCE(excluded.name, name), "
                "public_key = excluded.public_key, trusted_at = excluded.trusted_at",
                [device_id, name, key, now],
            )
            changes: dict[str, Any] = {"name": name, "public_key": key, "fingerprint": crypto.fingerprint(key)}
            if old_key is not None and old_key != key:
                changes |= {"replaced_key": old_key, "replaced_fingerprint": crypto.fingerprint(old_key)}
            record_event(self.store, "trust", "sync_peers", device_id, changes, covers=[("sync_peers", device_id)])
        return self.peer(device_id)

    def check_peer(self, device_id: str, public_key: str) -> tuple[str, str]:
        """The device id and its public key as they are kept, or a ValidationError naming every field that is wrong
        (device, key), so a form can mark both at once and keep what was typed."""
        errors: list[FieldError] = []
        device_id = device_id.strip()
        if not device_id or "-" in device_id or len(device_id) > 64:
            shown = f"{device_id!r} is not a device id" if device_id else "give the device id"
            errors.append(FieldError("device", f"{shown} (see `sync identity` on that device)"))
        elif device_id == self.store.device_id:
            errors.append(FieldError("device", "that is this database's own device id"))
        key = ""
        try:
            key = crypto.check_public_key(public_key)
        except PackageError as exc:
            errors.append(FieldError("key", str(exc)))
        if errors:
            raise ValidationError(errors)
        return device_id, key

    def central_dsn(self) -> str:
        """The central store this laptop syncs with at the station (a PostgreSQL connection string), or ""."""
        return CENTRAL_DSN.read(self.store)

    def check_central_dsn(self, text: str) -> str:
        """The connection string as it would be kept ("" forgets it), or a ValidationError saying what is wrong."""
        from ruralwatch.central.target import pg_target

        text = text.strip()
        if text:
            try:
                text = pg_target(text).dsn
            except RuralWatchError as exc:
                raise ValidationError.single("central store connection string", str(exc)) from None
        return text

    def central_dsn_change(self, text: str) -> PendingPolicies:
        """The connection string checked as `sync central --dsn` checks it (a PostgreSQL string, no password in
        it), not yet written. Where this laptop's data goes is a trust decision: `sync.trust`."""
        self.store.actor.require("sync.trust")
        text = self.check_central_dsn(text)
        # The Sync panel shows it at once.
        return PendingPolicies(((CENTRAL_DSN, text),),
                               lambda: self.hub.publish(Change(SETTINGS_TOPIC, "updated", (CENTRAL_DSN.key,))))

    def set_central_dsn(self, text: str) -> str:
        """Remember (or with "" forget) the central store's connection string (`central_dsn_change`)."""
        change = self.central_dsn_change(text)
        # The audit names where it points (user@host/db: CENTRAL_DSN.audited), not the string itself.
        write_pending(self.store, [change])
        return str(change.values[0][1])

    def peer(self, device_id: str) -> Peer:
        row = self.store.db.execute(
            "SELECT device_id, name, public_key, trusted_at FROM sync_peers WHERE device_id = ?", [device_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"device {device_id} is not trusted here (use `sync trust`)")
        return Peer(*row)

    def peers(self) -> list[Peer]:
        rows = self.store.db.execute(
            "SELECT device_id, name, public_key, trusted_at FROM sync_peers ORDER BY device_id"
        ).fetchall()
        return [Peer(*row) for row in rows]

    # --- seen vectors ------------------------------------------------------------------------------------

    def _local_max_clock(self) -> str:
        top = ""
        for table in SYNCABLE_TABLES:
            value = self.store.db.execute(f"SELECT MAX(hlc) FROM [{table}]").fetchone()[0]
            if value and value > top:
                top = value
        return top

    def restored_from(self) -> str | None:
        """When the backup this database was restored from was made (storage text), until a sync with the central
        store has brought back everything it holds (ruralwatch.central.station); None otherwise."""
        return self.store.meta(SYNC_RESTORED_META) or None

    def forget_restored(self) -> None:
        with self.store.transaction():
            self.store.db.execute("DELETE FROM meta WHERE key = ?", [SYNC_RESTORED_META])

    def seen(self) -> dict[str, str]:
        """device -> highest clock of that device's writes merged here (this device: every local clock)."""
        vector = load_vector(self.store.meta(META_SEEN))
        own = self._local_max_clock()
        if own:
            vector[self.store.device_id] = own
        return vector

    def _peer_view(self, device_id: str, resend: bool = False) -> dict[str, str]:
        """What the peer holds or has been sent: its own `seen` vector from the latest package it sent us, raised by
        what we sent it since (`sent_watermark`, cleared by its next package here), unless `resend`: then only what
        it has acknowledged, so what went in a lost package goes again."""
        row = self.store.db.execute(
            "SELECT received_seen, sent_watermark FROM sync_peers WHERE device_id = ?", [device_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"device {device_id} is not trusted here (use `sync trust` first)")
        acknowledged = load_vector(row[0])
        return acknowledged if resend else max_vectors(acknowledged, load_vector(row[1]))

    @staticmethod
    def _threshold(ours: dict[str, str], peer_view: dict[str, str]) -> str:
        """Rows at or below this clock are known to the peer.

        A row's clock is the maximum of its field clocks, each written by some device; the peer has every
        write of device d up to peer_view[d]. The minimum over every device we hold writes from is therefore
        safe (it may resend a little, never miss anything). A device the peer has never heard of gives "".
        """
        return min((peer_view.get(device, "") for device in ours), default="")

    def _news_for(self, table: str, threshold: str, peer: Side | None, columns: str = "*") -> Iterator[tuple[Any, ...]]:
        """`table`'s rows above `threshold` (clock order) that `peer` does not already hold, all when None. The
        threshold is one clock for all devices, so it lets through rows the peer has: a package just received
        from it, sent back whole. A row is news only if one of its field clocks is (merge.Side.knows)."""
        cursor = self.store.db.execute(f"SELECT {columns}, hlc, field_hlc FROM [{table}] AS r WHERE hlc > ? AND "
                                       f"{demo_rows.real_rows(table, 'r')} ORDER BY hlc", [threshold])
        for row in cursor:
            if peer is None or not row_known_to(peer, row[-2], row[-1]):
                yield row[:-2]

    def pending(self, device_id: str) -> int:
        """How many rows an incremental export for this peer would carry now: merge.row_known_to in SQL (in Python
        it took 0.8-0.9 s for 150,000 rows, in SQLite 0.07-0.6 s: bench/sync_pending_bench.py)."""
        view = self._peer_view(device_id)
        params = {"threshold": self._threshold(self.seen(), view), "peer": device_id,
                  "view": json.dumps(view, sort_keys=True)}
        return sum(int(self.store.db.execute(_PENDING_SQL.format(table=table, real=demo_rows.real_rows(table, "r")),
                                             params).fetchone()[0])
                   for table in SYNCABLE_TABLES)

    def _demo_left_out(self, threshold: str) -> int:
        """How many demo rows an export above `threshold` leaves out (they stay on this laptop)."""
        total = 0
        for table in SYNCABLE_TABLES:
            found = demo_rows.condition(table, "r")
            if found:
                total += int(self.store.db.execute(
                    f"SELECT COUNT(*) FROM [{table}] AS r WHERE r.hlc > ? AND ({found})", [threshold]).fetchone()[0])
        return total

    def _held_demo(self, table: str, ids: list[str]) -> set[str]:
        """Which of these ids of a flagged table are demo rows here (a package's child rows name them)."""
        found: set[str] = set()
        for chunk in demo_rows.chunks(ids):
            found.update(row[0] for row in self.store.db.execute(
                f"SELECT id FROM [{table}] WHERE COALESCE(synthetic, 0) <> 0 AND id IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    def peer_activity(self, count_pending: bool = True) -> list[PeerActivity]:
        """Per trusted device: when we last exported for it, last applied a package from it, and what is pending
        (counting reads every row the threshold cannot rule out: the window counts off the UI thread)."""
        activity = []
        for peer in self.peers():
            last_import = self.store.db.execute(
                "SELECT MAX(applied_at) FROM sync_packages WHERE source_device = ?", [peer.device_id]
            ).fetchone()[0]
            activity.append(PeerActivity(peer, self.store.meta(f"{META_LAST_EXPORT}{peer.device_id}"), last_import,
                                         self.pending(peer.device_id) if count_pending else None))
        return activity

    # --- export ------------------------------------------------------------------------------------------

    def export(self, out: str | Path, since_last_for: str | None = None, passphrase: str | None = None,
               progress: ProgressCallback | None = None, resend: bool = False) -> ExportResult:
        """Write a package of what `since_last_for` has not shown it holds nor been sent since (everything when
        None; with `resend`, what it has not acknowledged, sent before or not: a package lost). `progress(done,
        total, note)`: the rows read ("Reading changes: 20,000 rows so far"), then the package written ("Writing
        package: ..."); False (Cancel) stops it with CancelledError and changes nothing: no file (not even a partial
        one), no audit entry, no record of an export."""
        self.store.actor.require("sync.exchange")
        if passphrase is None and self.store.encrypted:
            # The rows leave in clear inside the package: a package of an encrypted database is encrypted too.
            raise ValidationError.single("passphrase", "this database is encrypted, so its sync packages are too: "
                                                       "give a passphrase")
        package.check_out(out)  # a folder given as the package: said before any rows are read
        reports = _Reports(progress, package.CANCELLED_WRITE)
        keys = self._keys()
        seen = self.seen()
        threshold, peer = "", None
        if since_last_for:
            view = self._peer_view(since_last_for, resend)
            threshold, peer = self._threshold(seen, view), Side(since_last_for, view)
        tables: dict[str, list[dict[str, Any]]] = {}
        read = 0
        reports.say(0, 0, "Reading changes")
        for table in SYNCABLE_TABLES:
            names = self._column_names(table)
            rows: list[dict[str, Any]] = []
            for row in self._news_for(table, threshold, peer):
                rows.append(self._opened(table, dict(zip(names, row, strict=True))))
                read += 1
                if read % REPORT_ROWS == 0:  # not known how many until all are read: a count so far
                    reports.say(read, 0, f"Reading changes: {read:,} rows so far, {package.table_words(table)}")
            tables[table] = rows
        demo_left_out = self._demo_left_out(threshold)
        shas = sorted({row["sha256"] for row in tables["attachments"] if row.get("sha256")})
        blobs: dict[str, bytes] = {}
        for start in range(0, len(shas), _BATCH):
            chunk = shas[start:start + _BATCH]
            query = f"SELECT sha256, data FROM blobs WHERE sha256 IN ({','.join('?' * len(chunk))})"
            blobs.update({sha: bytes(data) for sha, data in self.store.db.execute(query, chunk)})
        clocks = [rows[i]["hlc"] for rows in tables.values() for i in (0, -1) if rows]
        header: dict[str, Any] = {
            "package_id": str(uuid.uuid4()),
            "schema_version": self.store.schema_version(),
            "source_device": self.store.device_id,
            "created_at": times.to_storage(self._now()),
            "clock": {"min": min(clocks) if clocks else None, "max": max(clocks) if clocks else None},
            "counts": {table: len(rows) for table, rows in tables.items()},
            "seen": seen,
        }
        if peer is not None:  # what the receiver is taken to hold: it checks it has it (merge.advance_seen)
            header["base"] = peer.seen
        # Our audit chain after the last entry this peer has shown it holds (all of it for anyone else): receivers
        # keep it. And how far we hold each device's chain (the peer's only, for an incremental package), so that its
        # next package to us starts there.
        audit_head, audit_entries = device_audit.outgoing(self.store, self._audit_from(since_last_for, resend))
        header["audit_head"] = audit_head
        header[device_audit.HELD_KEY] = device_audit.held_through(
            self.store, [since_last_for] if since_last_for else None)
        manifest = package.build(Path(out), header, tables, blobs, keys, passphrase, audit=audit_entries,
                                 progress=progress)
        # Written: from here on nothing is cancelled. The audit entry and the record of the export in one transaction.
        with self.store.transaction():
            record_event(self.store, "export", "sync_packages", manifest["package_id"], {
                "file": str(out), "rows": header["counts"], "for": since_last_for, "encrypted": passphrase is not None,
                **({"demo_left_out": demo_left_out} if demo_left_out else {}),
            })
            if since_last_for:
                # What was sent, left out of the next package until a package from the peer says what it holds.
                self.store.db.execute(
                    "UPDATE sync_peers SET sent_watermark = ?, audit_sent_seq = ? WHERE device_id = ?",
                    [json.dumps(max_vectors(self._peer_view(since_last_for), seen), sort_keys=True),
                     audit_head["seq"], since_last_for],
                )
                self.store.db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [f"{META_LAST_EXPORT}{since_last_for}", times.to_storage(self._now())],
                )
        return ExportResult(str(out), manifest["package_id"], header["counts"], len(blobs), passphrase is not None,
                            since_last_for, header["clock"], demo_left_out)

    # --- import ------------------------------------------------------------------------------------------

    def _columns(self, table: str) -> list[str]:
        return [row[1] for row in self.store.db.execute(f"PRAGMA table_info([{table}])").fetchall()]

    def _audit_from(self, peer: str | None, resend: bool = False) -> int:
        """Where our audit entries for `peer` start (after this seq; 0: the whole chain): after the last one it has
        shown it holds, by the latest package it made, or the last one sent to it since that package (while
        `sent_watermark` says we sent it something), unless `resend`. A peer whose packages never say (an older
        RuralWatch) gets what it got before: the entries after our head when we last exported for it."""
        if not peer:
            return 0
        row = self.store.db.execute("SELECT audit_sent_seq, sent_watermark FROM sync_peers WHERE device_id = ?",
                                    [peer]).fetchone()
        sent = int(row[0] or 0) if row and row[1] and not resend else 0
        shown = self.store.meta(f"{META_AUDIT_HELD}{peer}")
        if shown:
            return max(int(json.loads(shown)["seq"]), sent)
        heard = self.store.db.execute("SELECT 1 FROM sync_packages WHERE source_device = ? LIMIT 1", [peer]).fetchone()
        if heard is None:
            return sent  # it has shown nothing yet: everything not sent to it
        return int(row[0] or 0) if row else 0

    def _note_audit_held(self, source: str, manifest: dict[str, Any]) -> None:
        """Keep how far the package's maker holds our audit chain, from the newest package it made (one made
        earlier and imported late would understate it: only more sent again; its maker restored from a backup
        says less, and the entries since go again). Inside the import's transaction."""
        seq = device_audit.shown_held(manifest, self.store.device_id)
        if seq is None:
            return
        made = str(manifest.get("created_at") or "")
        key = f"{META_AUDIT_HELD}{source}"
        stored = self.store.meta(key)
        if stored and str(json.loads(stored).get("made") or "") > made:
            return
        self.store.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, json.dumps({"seq": seq, "made": made}, sort_keys=True)],
        )

    def is_applied(self, package_id: str) -> bool:
        return self.store.db.execute(
            "SELECT 1 FROM sync_packages WHERE package_id = ?", [package_id]
        ).fetchone() is not None

    def import_package(self, path: str | Path, passphrase: str | None = None,
                       progress: ProgressCallback | None = None) -> ImportResult:
        """Verify then apply one package in one transaction. Raises PackageError if refused: nothing is written
        but one `sync_refused` audit entry (file name, SHA-256, reason), so a tampered package leaves a trace.
        `progress(done, total, note)`: "Reading package: ...", "Merging incidents 20,000 of 100,000", "Recording the
        merge"; False (Cancel) stops it with CancelledError, the merge rolled back: nothing changed, nothing audited."""
        try:
            return self._import_package(path, passphrase, progress)
        except PackageError as exc:
            self._audit_refusal(Path(path), str(exc))
            raise

    def _audit_refusal(self, path: Path, reason: str) -> None:
        digest = hashlib.sha256()
        try:
            if not path.is_file():  # no hash of a folder or a FIFO (reading one could wait for ever)
                raise OSError
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            sha256: str | None = digest.hexdigest()
        except OSError:
            sha256 = None
        with self.store.transaction():  # its own transaction: the refused package changed nothing else
            record_event(self.store, "sync_refused", "sync_packages", None,
                         {"file": path.name, "sha256": sha256, "reason": reason})

    def _import_package(self, path: str | Path, passphrase: str | None,
                        progress: ProgressCallback | None = None) -> ImportResult:
        self.store.actor.require("sync.exchange")
        reports = _Reports(progress, package.cancelled_import(Path(path).name))
        reports.say(0, 0, "Reading package")
        reader = package.PackageReader(Path(path))
        manifest = reader.manifest
        source = reader.source_device
        if source == self.store.device_id:
            raise PackageError(f"refused: this package was made by this device ({source}); it is for others")
        trusted = self.store.db.execute("SELECT public_key FROM sync_peers WHERE device_id = ?", [source]).fetchone()
        if trusted is None:
            raise PackageError(f"refused: unknown signer: device {source} is not trusted here (check its key, then "
                               f"`sync trust --device {source} --key ...`)")
        if trusted[0].lower() != reader.signer_key:
            raise PackageError(f"refused: unknown signer: the package is signed with a key that is not the one "
                               f"trusted for device {source}")
        local_version = self.store.schema_version()
        if manifest["schema_version"] > local_version:
            raise PackageError(f"refused: the package has schema version {manifest['schema_version']}, newer than "
                               f"this database ({local_version}); update RuralWatch first")
        result = ImportResult(str(path), "skipped", reader.package_id, source, message="already applied")
        if self.is_applied(reader.package_id):
            return result
        contents = reader.contents(passphrase, SYNCABLE_TABLES, progress)
        carried = contents.row_count()
        demo_left_out = demo_rows.leave_out(contents, self._held_demo)
        columns = {table: self._columns(table) for table in SYNCABLE_TABLES}
        for table, rows in contents.tables.items():
            allowed = set(columns[table])
            for row in rows:
                if row.keys() <= allowed and _SYNC_COLUMNS <= row.keys():
                    continue
                unknown = set(row) - allowed
                if unknown or not _SYNC_COLUMNS <= set(row):
                    raise PackageError(f"refused: {table} rows in the package have columns this database does "
                                       f"not ({', '.join(sorted(unknown)) or 'missing sync columns'})")
        receiver = Side(self.store.device_id, self.seen())
        sender_seen = {str(k): str(v) for k, v in manifest["seen"].items()}
        sender = Side(source, sender_seen)
        now = times.to_storage(self._now())
        stats = _MergeStats()
        try:
            with self.store.transaction():
                self.store.db.execute("PRAGMA defer_foreign_keys = ON")
                for sha, data in contents.blobs.items():
                    self.store.db.execute(
                        "INSERT OR IGNORE INTO blobs(sha256, size, data) VALUES (?, ?, ?)", [sha, len(data), data]
                    )
                merged = 0
                for table in SYNCABLE_TABLES:
                    rows = contents.tables.get(table, [])
                    if rows:
                        self._merge_table(table, columns[table], rows, contents.clocks.get(table), receiver, sender,
                                          stats, reports.merging(table, len(rows), merged, carried))
                        merged += len(rows)
                # Cancel is seen here for the last time: after this the merge is recorded and committed. A busy bar:
                # hashing what was written for the audit takes seconds for 100,000 rows, and a full bar stood still.
                reports.say(0, 0, "Recording the merge")
                self._record_conflicts(stats.conflicts, reader.package_id, now)
                self._settle_superseded(now)
                self.store.db.execute(
                    "INSERT INTO sync_packages(package_id, source_device, applied_at, sha256, rows) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [reader.package_id, source, now, reader.sha256, carried],
                )
                record_event(self.store, "merge", "sync_packages", reader.package_id, {
                    "from": source, "rows": carried, "conflicts": len(stats.conflicts),
                    **({"demo_left_out": demo_left_out} if demo_left_out else {}),
                }, row_hashes=stats.row_hashes)
                result.warnings = device_audit.receive(self.store, source, reader.package_id,
                                                       manifest.get("audit_head"), contents.audit,
                                                       str(manifest.get("created_at") or ""))
                self._note_audit_held(source, manifest)
                own = load_vector(self.store.meta(META_SEEN))
                merged_seen = advance_seen(own, sender_seen, load_vector(manifest.get("base")))
                merged_seen.pop(self.store.device_id, None)
                self.store.db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [META_SEEN, json.dumps(merged_seen, sort_keys=True)],
                )
                received = self.store.db.execute(
                    "SELECT received_seen FROM sync_peers WHERE device_id = ?", [source]
                ).fetchone()[0]
                # Its word on what it holds rules again: what we sent it since its last package and it does not
                # hold (a package lost) goes again with the next one.
                self.store.db.execute(
                    "UPDATE sync_peers SET received_seen = ?, sent_watermark = NULL WHERE device_id = ?",
                    [json.dumps(max_vectors(load_vector(received), sender_seen), sort_keys=True), source],
                )
                # Inside the transaction: a clock too far ahead (refused by the clock itself) leaves nothing merged.
                top = max((rows[-1]["hlc"] for rows in contents.tables.values() if rows), default=None)
                top = max([top, *sender_seen.values()], key=lambda c: c or "") if sender_seen else top
                if top:
                    self.store.clock.observe(Hlc.decode(top))
        except IntegrityError as exc:
            raise PackageError(f"refused: the package does not fit this database ({exc}); it may need rows from an "
                               f"earlier package: ask the sender for a full export") from None
        result.status, result.message = "applied", ""
        result.rows, result.demo_left_out = carried, demo_left_out
        result.inserted, result.updated, result.unchanged = stats.inserted, stats.updated, stats.unchanged
        result.blobs, result.conflicts = len(contents.blobs), len(stats.conflicts)
        if result.inserted or result.updated:
            self.hub.publish(Change("incidents", "bulk"))
        return result

    def _merge_table(
        self, table: str, columns: list[str], rows: list[dict[str, Any]], clocks: list[dict[str, str]] | None,
        receiver: Side, sender: Side, stats: _MergeStats, said: Callable[[int], None] | None = None,
    ) -> None:
        """Merge one table's rows in batches; `said(rows merged so far)` before each batch (a progress report)."""
        db = self.store.db
        kept = self._kept_types(table)
        for start in range(0, len(rows), _BATCH):
            if said is not None:
                said(start)
            batch = rows[start:start + _BATCH]
            batch_clocks = None if clocks is None else clocks[start:start + _BATCH]
            ids = list({row["id"] for row in batch})
            cursor = db.execute(f"SELECT * FROM [{table}] WHERE id IN ({','.join('?' * len(ids))})", ids)
            names = [d[0] for d in cursor.description]
            # As stored (sealed): what an UPDATE leaves as it was, for the row's hash. Not changed below.
            stored = {values[0]: dict(zip(names, values, strict=True)) for values in cursor}
            existing = {row_id: open_values(self.store, table, row) for row_id, row in stored.items()}
            plan = plan_batch(existing, batch, columns, receiver, sender, batch_clocks)
            inserts, updates, originals = plan.inserts, plan.updates, plan.originals
            stats.conflicts.extend((table, row_id, c) for row_id, c in plan.conflicts)
            stats.unchanged += plan.unchanged
            unsure: list[str] = []  # rows whose stored form cannot be told from the values written: read back
            if inserts:
                placeholders = ",".join("?" * len(columns))
                quoted = ",".join(f"[{c}]" for c in columns)
                sealed = [(row_id, seal_values(self.store, table, row_id, row)) for row_id, row in inserts.items()]
                db.conn.executemany(f"INSERT INTO [{table}] ({quoted}) VALUES ({placeholders})",
                                    [[row[c] for c in columns] for _, row in sealed])
                for row_id, row in sealed:
                    self._hash_as_stored(table, row_id, {c: row[c] for c in columns}, columns, kept, stats, unsure)
            # SET only the columns that changed (grouped), so SQLite leaves untouched indexes alone. Only columns a
            # merge gave a value can differ from the row held.
            compared = [c for c in columns if c != "id" and c in plan.touched]
            groups: dict[tuple[str, ...], list[list[Any]]] = {}
            for row_id, row in updates.items():
                before = originals[row_id]
                changed = tuple(c for c in compared if row[c] != before[c])
                row = seal_values(self.store, table, row_id, row)
                groups.setdefault(changed, []).append([row[c] for c in changed] + [row_id])
                # The row as stored after the UPDATE: what it held (sealed as it was), the changed columns as written.
                after = {**stored[row_id], **{c: row[c] for c in changed}}
                self._hash_as_stored(table, row_id, after, changed, kept, stats, unsure)
            for changed, params in groups.items():
                if changed:
                    assignments = ",".join(f"[{c}] = ?" for c in changed)
                    db.conn.executemany(f"UPDATE [{table}] SET {assignments} WHERE id = ?", params)
            self._hash_written(table, unsure, stats)
            stats.inserted += len(inserts)
            stats.updated += len(updates)

    def _kept_types(self, table: str) -> dict[str, tuple[type, ...]] | None:
        """Column -> the Python types it stores exactly as bound (and reads back equal), from its declared type's
        affinity (https://sqlite.org/datatype3.html, 3.1). None when a trigger or a generated column could make
        the stored row differ from what was written: every row is then read back."""
        db = self.store.db
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [table]).fetchone():
            return None
        kept: dict[str, tuple[type, ...]] = {}
        for _, name, declared, _, _, _, hidden in db.execute(f"PRAGMA table_xinfo([{table}])"):
            if hidden:
                return None
            kind = (declared or "").upper()
            if "INT" in kind:
                kept[name] = (int,)  # a float or a numeric text would become an integer
            elif "CHAR" in kind or "CLOB" in kind or "TEXT" in kind:
                kept[name] = (str,)  # a number would become text
            elif "BLOB" in kind or not kind:
                kept[name] = (str, int, float, bytes)
            elif "REAL" in kind or "FLOA" in kind or "DOUB" in kind:
                kept[name] = (float,)  # an integer would read back as a float
            else:
                kept[name] = (int,)  # NUMERIC: an integral float or a numeric text would become an integer
        return kept

    @staticmethod
    def _hash_as_stored(table: str, row_id: str, row: dict[str, Any], written: Iterable[str],
                        kept: dict[str, tuple[type, ...]] | None, stats: _MergeStats, unsure: list[str]) -> None:
        """Hash a row from the values just written when each of `written` is NULL or of a type its column keeps
        as it is (exactly: a bool, say, is left to the read-back), so the hash is the one a read-back would give;
        else leave the row to be read back. tests/unit/test_sync_merge_hashes.py checks both for every affinity."""
        if kept is not None and all(_kept_as_written(row[c], kept[c]) for c in written):
            stats.row_hashes[(table, row_id)] = row_hash(row)
        else:
            unsure.append(row_id)

    def _hash_written(self, table: str, ids: list[str], stats: _MergeStats) -> None:
        """Hash the rows just written, read back as stored, for the merge's audit entry: verify then tells these
        rows apart from tampered ones. Only for rows whose stored form _hash_as_stored cannot tell."""
        if not ids:
            return
        cursor = self.store.db.execute(f"SELECT * FROM [{table}] WHERE id IN ({','.join('?' * len(ids))})", ids)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            stats.row_hashes[(table, row["id"])] = row_hash(row)

    def _record_conflicts(self, found: list[tuple[str, str, FieldConflict]], package_id: str, now: str) -> None:
        for table, row_id, c in found:
            duplicate = self.store.db.execute(
                "SELECT 1 FROM sync_conflicts WHERE table_name = ? AND row_id = ? AND field = ? AND "
                "((local_hlc = ? AND incoming_hlc = ?) OR (local_hlc = ? AND incoming_hlc = ?))",
                [table, row_id, c.field, c.local_hlc, c.incoming_hlc, c.incoming_hlc, c.local_hlc],
            ).fetchone()
            if duplicate:
                continue
            self.store.db.execute(
                "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, local_hlc, incoming_value, "
                "incoming_hlc, winner, kind, package_id, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [table, row_id, c.field, json.dumps(self._sealed(table, row_id, c.field, c.local_value)), c.local_hlc,
                 json.dumps(self._sealed(table, row_id, c.field, c.incoming_value)), c.incoming_hlc, c.winner,
                 c.kind, package_id, now],
            )

    def _settle_superseded(self, now: str) -> None:
        """An open conflict whose field has since been edited again (e.g. the other laptop resolved it, and its
        choice arrived here as a newer edit) is closed as "superseded": the later value already stands."""
        open_conflicts = self.store.db.execute(
            "SELECT id, table_name, row_id, field, local_hlc, incoming_hlc FROM sync_conflicts "
            "WHERE resolved_at IS NULL").fetchall()
        for conflict_id, table, row_id, field_name, local_hlc, incoming_hlc in open_conflicts:
            if table not in SYNCABLE_TABLES:
                continue
            row = self.store.db.execute(f"SELECT field_hlc FROM [{table}] WHERE id = ?", [row_id]).fetchone()
            clocks = json.loads(row[0]) if row and row[0] else {}
            current = clocks.get(field_name) if isinstance(clocks, dict) else None
            if isinstance(current, str) and current > max(local_hlc or "", incoming_hlc or ""):
                self.store.db.execute(
                    "UPDATE sync_conflicts SET resolved_at = ?, resolution = 'superseded' WHERE id = ?",
                    [now, conflict_id])

    def merge_folder(self, folder: str | Path, passphrase: str | None = None,
                     progress: ProgressCallback | None = None) -> list[ImportResult]:
        """Apply every package in `folder` (sorted by name), each once and in its own transaction.

        A refused package is reported and does not stop the others. `progress(done, total, note)`: each package's
        own reports (reading it, merging it per batch of rows) on one bar of STEP_TICKS per package (`within`);
        False (Cancel) stops the run with CancelledError, the package being merged rolled back whole (its merge is
        one transaction) and those merged before it staying merged.
        """
        self.store.actor.require("sync.exchange")
        folder = Path(folder)
        if not folder.is_dir():
            raise RuralWatchError(f"{folder} is not a folder")
        results: list[ImportResult] = []
        paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == package.SUFFIX)
        for done, path in enumerate(paths):
            note = merging_note(done, len(paths), path.name)
            try:
                # The package's own reports (reading, merging per batch of rows) on the folder's bar: a Cancel there
                # rolls this package's merge back whole.
                results.append(self.import_package(path, passphrase,
                                                   within(progress, done, len(paths), note, IMPORT_PHASES)))
            except CancelledError:
                raise CancelledError(folder_cancelled(path.name, done)) from None
            except RuralWatchError as exc:
                results.append(ImportResult(str(path), "refused", message=str(exc)))
        return results

    # --- conflicts ---------------------------------------------------------------------------------------

    def _conflicts(self, where: str, params: list[Any]) -> Iterator[Conflict]:
        cursor = self.store.db.execute(
            "SELECT id, table_name, row_id, field, local_value, local_hlc, incoming_value, incoming_hlc, winner, "
            f"kind, package_id, detected_at, resolved_at, resolution FROM sync_conflicts {where} ORDER BY id", params
        )
        names = self.device_names()
        sources = dict(self.store.db.execute("SELECT package_id, source_device FROM sync_packages").fetchall())
        for row in cursor.fetchall():
            values = list(row)
            for at in (4, 6):  # local and incoming value: JSON, a protected field's sealed
                value = json.loads(values[at]) if values[at] is not None else None
                values[at] = open_values(self.store, values[1], {"id": values[2], values[3]: value})[values[3]]
            local = self._writer(values[5], names)
            incoming = self._writer(values[7], names)
            via = sources.get(values[10])
            if via and incoming and names.get(via, via) != incoming:  # relayed: say which package brought it
                incoming = f"{incoming} (via {names.get(via, via)})"
            yield replace(Conflict(*values), local_device=local, incoming_device=incoming)

    def device_names(self) -> dict[str, str]:
        """device id -> what to call it: the name it was trusted under (else "device ID"), this one "this device"."""
        names = {peer.device_id: peer.name or f"device {peer.device_id}" for peer in self.peers()}
        names[self.store.device_id] = "this device"
        return names

    @staticmethod
    def _writer(clock: str | None, names: dict[str, str]) -> str:
        """Who wrote the value a field clock stamps (the clock ends with its writer's device id)."""
        try:
            device = device_of(clock) if clock else ""
        except IndexError:
            return ""
        return names.get(device, f"device {device}") if device else ""

    def _sealed(self, table: str, row_id: str, field: str, value: Any) -> Any:
        """A conflict's value of a protected field is kept sealed, as in its row."""
        return seal_values(self.store, table, row_id, {field: value})[field]

    def _column_names(self, table: str) -> list[str]:
        return [row[1] for row in self.store.db.execute(f"PRAGMA table_info([{table}])")]

    def _opened(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """A row for a package, in clear (the package is encrypted as a whole; the receiver seals again under its
        own keys). A value this account cannot open would travel blank and be lost at the other end: refused."""
        opened = open_values(self.store, table, row)
        for column in PROTECTED.get(table, {}):
            if is_sealed(row.get(column)) and not opened[column]:
                raise FieldKeysError(f"{self.store.actor.username} does not hold the key to "
                                     f"{table}.{column} of {row['id']}: ask an officer or administrator who holds it "
                                     "to export, or an administrator to sign in (which grants it)")
        return opened

    def conflicts(self, include_resolved: bool = False) -> list[Conflict]:
        # A conflict shows whole field values of any syncable table (reporters' phones included).
        self.store.actor.require("sync.trust")
        return list(self._conflicts("" if include_resolved else "WHERE resolved_at IS NULL", []))

    def applied_packages(self, limit: int = 20) -> list[AppliedPackage]:
        """The packages merged into this database, newest first."""
        rows = self.store.db.execute(
            "SELECT package_id, source_device, applied_at, rows FROM sync_packages ORDER BY applied_at DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [AppliedPackage(*row) for row in rows]

    def conflict_subject(self, conflict: Conflict) -> ConflictSubject | None:
        """The incident a conflict concerns (a vehicle or item row leads to its incident); None when gone."""
        incident_id = conflict.row_id
        if conflict.table_name != "incidents":
            # Rows of an incident (vehicles, items) lead to it; people, duties and patrols are no incident.
            if (conflict.table_name not in SYNCABLE_TABLES
                    or "incident_id" not in self.store.db[conflict.table_name].columns_dict):
                return None
            row = self.store.db.execute(
                f"SELECT incident_id FROM [{conflict.table_name}] WHERE id = ?", [conflict.row_id]
            ).fetchone()
            incident_id = row[0] if row else conflict.row_id
        row = self.store.db.execute(
            "SELECT kind, place, occurred_start FROM incidents WHERE id = ?", [incident_id]
        ).fetchone()
        return ConflictSubject(*row) if row else None

    def conflict(self, conflict_id: int) -> Conflict:
        self.store.actor.require("sync.trust")
        found = list(self._conflicts("WHERE id = ?", [conflict_id]))
        if not found:
            raise NotFoundError(f"no sync conflict with id {conflict_id}")
        return found[0]

    def resolve(self, conflict_id: int, choice: str, merged_value: Any = None) -> Conflict:
        """Keep 'mine' (this database's value when the conflict was found), 'theirs', or a 'merged' value.

        The choice is written as a new local edit (fresh clock), so it wins and syncs onward.
        """
        self.store.actor.require("sync.trust")
        conflict = self.conflict(conflict_id)
        if conflict.resolved_at:
            raise ValidationError.single("conflict", f"conflict {conflict_id} is already resolved")
        if choice not in CHOICES:
            raise ValidationError.single("choice", f"{choice!r} is not one of {', '.join(CHOICES)}")
        if choice == "merged" and merged_value is None:
            raise ValidationError.single("value", "a merged resolution needs the merged value")
        value = {"mine": conflict.local_value, "theirs": conflict.incoming_value}.get(choice, merged_value)
        if choice == "merged":  # typed by a person: checked, since the decision spreads to every device
            value = merged_values.merged_value(conflict.table_name, conflict.field, conflict.local_value,
                                               conflict.incoming_value, value)
        table = SyncTable(self.store, conflict.table_name, lambda: self._now())  # updated_at: the service's clock
        with self.store.transaction():
            if conflict.field == "deleted":  # a sync column, which SyncTable.update leaves alone
                table.set_deleted(conflict.row_id, bool(value), resolution=choice)
            else:
                table.decide(conflict.row_id, conflict.field, value, resolution=choice)
            self.store.db.execute(
                "UPDATE sync_conflicts SET resolved_at = ?, resolution = ? WHERE id = ?",
                [times.to_storage(self._now()), choice, conflict_id],
            )
        self.hub.publish(Change("incidents", "updated", (conflict.row_id,)))
        return self.conflict(conflict_id)



def merging_note(done: int, total: int, name: str) -> str:
    """A folder merge's progress note (both central engines say it alike)."""
    return f"Merging package {done + 1} of {total}, {name}" if total > 1 else f"Merging {name}"


def folder_cancelled(name: str, done: int) -> str:
    """What Cancel during a folder merge says (both engines): the package being merged was rolled back whole."""
    return (f"cancelled: {name} was not merged (its merge was rolled back whole)"
            + ("; the packages before it stay merged" if done else ""))


STEP_TICKS = 1000  # a folder's or a station sync's bar: this many ticks per package or step, filled by its reports
IMPORT_PHASES = ("Reading package", "Merging ")  # an import's reports, for `within` (the notes _Reports makes)
EXPORT_PHASES = ("Reading changes", "Writing package")


def within(progress: ProgressCallback | None, step: int, steps: int, prefix: str,
           phases: tuple[str, ...] = ()) -> ProgressCallback | None:
    """One step's own reports (done of total, note) on a bar of `steps` steps, so the bar moves inside a package's
    merge instead of jumping from one package to the next: (step ticks + its share, steps ticks, "prefix: note").
    `phases`: the notes' beginnings of the step's phases in order (an import reads, then merges), each an equal part
    of the step's share (a note that begins none stays in the phase before). The bar never goes back within a step
    (a phase's total 0, not known yet, holds it). Answers what `progress` answers (False: Cancel)."""
    if progress is None:
        return None
    phase, shown = [0], [0]

    def report(done: int, total: int, note: str = "", /) -> bool:
        for index, start in enumerate(phases):
            if note.startswith(start):
                phase[0] = max(phase[0], index)
        part = min(done * STEP_TICKS // total, STEP_TICKS) if total > 0 else 0
        count = max(len(phases), 1)
        shown[0] = max(shown[0], (phase[0] * STEP_TICKS + part) // count)
        return progress(step * STEP_TICKS + shown[0], steps * STEP_TICKS, f"{prefix}: {note}" if note else prefix)

    return report
