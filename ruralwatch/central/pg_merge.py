"""Merging verified packages into the PostgreSQL central store: the SQLite central's semantics, set-based.

Per package, exactly what ruralwatch.services.sync does on a SQLite central store, so both engines end with the
same rows:
1. verify before anything is written (ruralwatch.sync.package.PackageReader: structure, signature, checksums,
   sizes, clocks, passphrase), the signer is a trusted device with that key, the package's laptop schema is not
   newer than the central tables, it was not merged before (the ledger, `sync_packages`), its rows have only the
   columns the tables have;
2. in ONE transaction, after an advisory lock that makes concurrent merges into the same database take turns
   (the ledger is checked again under it): each table's existing rows for the package's ids are read in one query,
   every incoming row is merged per field by clock with the pure ruralwatch.sync.merge.merge_row (in file order,
   as the SQLite merge applies them), new rows are COPYed into the table, changed rows COPYed into a temporary
   staging table and written with one UPDATE ... FROM; points get their PostGIS geometry
   (ruralwatch.central.geometry); conflicts are kept (once each), those since edited again are settled as
   "superseded", then the ledger, the merge's audit row, the sender's audit entries and the `seen` vectors.
Demo rows a package from an older RuralWatch still carries are left out before the merge and counted, as on the
SQLite central store (ruralwatch.sync.demo_rows).
A killed process or a stopped server leaves nothing of the package (the transaction never commits); a refusal is
one line and changes nothing but one `refused` row in merge_audit (the SQLite central keeps the same trace).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.central import geometry
from ruralwatch.central.laptop_schema import TableSpec, laptop_schema
from ruralwatch.central.pg_schema import GEOMETRY_COLUMNS, GEOMETRY_TABLES, quote
from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError
from ruralwatch.core.patrol_plan import stops_from_json
from ruralwatch.services import device_audit
from ruralwatch.services.sync import STEP_TICKS, ImportResult, folder_cancelled, merging_note
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync import demo_rows, package
from ruralwatch.sync.errors import PackageError
from ruralwatch.sync.merge import (
    BatchPlan,
    FieldConflict,
    Side,
    advance_seen,
    load_vector,
    max_vectors,
    plan_batch,
)

if TYPE_CHECKING:
    import psycopg

# pg_advisory_xact_lock key that every merge into a database takes first ("RWMERGE" in ASCII).
MERGE_LOCK = 0x52574D45524745
META_SEEN = "seen"
SYNC_COLUMNS = frozenset({"id", "hlc", "field_hlc", "deleted"})  # every row of a package has them
# Rows per pipelined batch (distinct ids): big enough that a statement's fixed cost is small beside its rows, small
# enough that several batches overlap (measured on 100,000 changed rows: 25,000 is within noise of the best).
PIPELINE_BATCH_ROWS = 25_000


@dataclass
class _Stats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[tuple[str, str, FieldConflict]] = field(default_factory=list)
    # table -> the final state of every row this package wrote, by id (for superseded conflicts)
    written: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # the sender's audit chain was cut, rewritten or wiped


def _plain(values: list[Any]) -> list[Any]:
    """Package values as SQLite would store them: booleans as integers (JSON true/false; rare, so looked for
    first). Everything else goes to COPY as it is and is parsed by the column's type."""
    if bool in map(type, values):  # compared in C: most rows have none
        return [int(v) if type(v) is bool else v for v in values]
    return values


def _id_batches(rows: list[dict[str, Any]], clocks: list[dict[str, str]] | None,
                size: int) -> list[tuple[list[str], list[dict[str, Any]], list[dict[str, str]] | None]]:
    """The rows in batches of about `size` distinct ids, by first appearance; every row of an id goes to that id's
    batch, in file order (so each batch merges exactly as the whole would). Each: (ids, rows, their clocks)."""
    batch_of: dict[str, int] = {}
    for row in rows:
        batch_of.setdefault(row["id"], len(batch_of) // size)
    count = (len(batch_of) + size - 1) // size
    ids: list[list[str]] = [[] for _ in range(count)]
    for row_id, index in batch_of.items():
        ids[index].append(row_id)
    if count == 1:
        return [(ids[0], rows, clocks)]
    grouped: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    grouped_clocks: list[list[dict[str, str]]] = [[] for _ in range(count)]
    for position, row in enumerate(rows):
        index = batch_of[row["id"]]
        grouped[index].append(row)
        if clocks is not None:
            grouped_clocks[index].append(clocks[position])
    return [(ids[i], grouped[i], None if clocks is None else grouped_clocks[i]) for i in range(count)]


def _result(read: Future[Any], writes: list[Future[None]]) -> Any:
    """A read's rows; when it failed, the error of a write before it first (a write that broke the transaction
    makes every later statement fail with "transaction aborted", which would hide the reason)."""
    try:
        return read.result()
    except Exception:
        for write in writes:
            write.result()  # done already: the executor ran it before this read
        raise


class PgMerger:
    """Merges packages into one PostgreSQL central store over an open autocommit connection."""

    def __init__(self, conn: psycopg.Connection, device_id: str, progress: ProgressCallback | None = None) -> None:
        """`progress(done, total, note)`: STEP_TICKS per package of the folder, a package's share filled as its
        rows merge (a report between batches of PIPELINE_BATCH_ROWS, never per row), and what is being done now;
        False (Cancel) stops the run with CancelledError, the package being merged rolled back whole (those merged
        before it, each whole, stay merged)."""
        self.conn = conn
        self.device_id = device_id
        self.progress = progress
        self.schema = laptop_schema()
        self._done, self._total, self._package = 0, 0, ""
        self._rows, self._merged = 0, 0  # the package's rows, and those merged so far (the bar's share)

    def _say(self, step: str, committed: bool = False, merged: int = 0) -> None:
        """A report on the folder's bar (STEP_TICKS per package, as the SQLite engine's): `merged` rows of the
        package's so far fill its share. Cancel, unless `committed`, rolls the package back whole."""
        if self.progress is None:
            return
        note = f"{merging_note(self._done, self._total, self._package)}: {step}"
        share = STEP_TICKS if committed else min(merged * STEP_TICKS // self._rows, STEP_TICKS) if self._rows else 0
        if not self.progress(self._done * STEP_TICKS + share, self._total * STEP_TICKS, note) and not committed:
            raise CancelledError(folder_cancelled(self._package, self._done))

    # --- checks before the transaction ---------------------------------------------------------------------

    def _trusted_key(self, source: str) -> str | None:
        row = self.conn.execute(b"SELECT public_key FROM sync_peers WHERE device_id = %s", [source]).fetchone()
        return str(row[0]) if row else None

    def _check_signer(self, reader: package.PackageReader) -> None:
        source = reader.source_device
        if source == self.device_id:
            raise PackageError(f"refused: this package was made by this device ({source}); it is for others")
        trusted = self._trusted_key(source)
        if trusted is None:
            raise PackageError(f"refused: unknown signer: device {source} is not trusted here (check its key, then "
                               f"`central trust --device {source} --key ...`)")
        if trusted.lower() != reader.signer_key:
            raise PackageError(f"refused: unknown signer: the package is signed with a key that is not the one "
                               f"trusted for device {source}")

    def is_applied(self, package_id: str) -> bool:
        return self.conn.execute(b"SELECT 1 FROM sync_packages WHERE package_id = %s",
                                 [package_id]).fetchone() is not None

    # --- the folder -----------------------------------------------------------------------------------------

    def merge_folder(self, folder: Path, passphrase: str | None) -> list[ImportResult]:
        """Every package in `folder` (sorted by name), each once and in its own transaction; a refused one is
        reported and does not stop the others. Database errors (rights, a lost connection) stop the run."""
        if not folder.is_dir():
            raise RuralWatchError(f"{folder} is not a folder")
        results: list[ImportResult] = []
        paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == package.SUFFIX)
        self._total = len(paths)
        for self._done, path in enumerate(paths):
            try:
                results.append(self.merge_package(path, passphrase))
            except PackageError as exc:
                self._audit_refusal(path, str(exc))
                results.append(ImportResult(str(path), "refused", message=str(exc)))
        return results

    def _audit_refusal(self, path: Path, reason: str) -> None:
        with self.conn.transaction():
            self.conn.execute(b"INSERT INTO merge_audit (action, file, detail) VALUES ('refused', %s, %s)",
                              [path.name, json.dumps({"reason": reason})])

    # --- one package ----------------------------------------------------------------------------------------

    def merge_package(self, path: Path, passphrase: str | None) -> ImportResult:
        self._package, self._rows, self._merged = path.name, 0, 0
        reader = package.PackageReader(path)
        manifest = reader.manifest
        source = reader.source_device
        self._check_signer(reader)
        held = self.schema.version
        if manifest["schema_version"] > held:
            raise PackageError(f"refused: the package has schema version {manifest['schema_version']}, newer than "
                               f"this central store ({held}); update RuralWatch and run `central init`")
        skipped = ImportResult(str(path), "skipped", reader.package_id, source, message="already applied")
        if self.is_applied(reader.package_id):
            return skipped
        self._say("reading it")
        contents = reader.contents(passphrase, SYNCABLE_TABLES)
        carried = contents.row_count()
        self._rows, self._merged = carried, 0
        demo_left_out = demo_rows.leave_out(contents, self._held_demo)
        specs = {spec.name: spec for spec in self.schema.syncable}
        for table, rows in contents.tables.items():
            allowed = set(specs[table].names)
            for row in rows:
                if row.keys() <= allowed and SYNC_COLUMNS <= row.keys():
                    continue
                unknown = set(row) - allowed
                if unknown or not SYNC_COLUMNS <= set(row):
                    raise PackageError(f"refused: {table} rows in the package have columns this database does "
                                       f"not ({', '.join(sorted(unknown)) or 'missing sync columns'})")
        sender_seen = {str(k): str(v) for k, v in manifest["seen"].items()}
        import psycopg

        try:
            with self.conn.transaction():
                self.conn.execute(b"SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK])
                # The pages a batch's UPDATE touches were just read by id (cached), so a random page costs what a
                # sequential one does: this lets the planner update a batch through the primary key instead of
                # scanning the whole table once per batch (measured: 0.36 s against 0.47 s per 25,000 of 1,000,000).
                self.conn.execute(b"SET LOCAL random_page_cost = 1.1")
                self._say("checking it against the central store")
                if self.is_applied(reader.package_id):  # merged by another process while we read it
                    return skipped
                self._check_signer(reader)  # trust may have changed while we read it
                stats = self._apply(reader, contents, sender_seen, carried, demo_left_out)
                self._say("saving it", merged=carried)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PackageError(f"refused: the package does not fit this database ({detail}); it may need rows from "
                               f"an earlier package: ask the sender for a full export") from None
        self._say("merged", committed=True)  # too late to cancel: it is merged
        return ImportResult(str(path), "applied", reader.package_id, source, rows=carried,
                            inserted=stats.inserted, updated=stats.updated, unchanged=stats.unchanged,
                            blobs=len(contents.blobs), conflicts=len(stats.conflicts), warnings=stats.warnings,
                            demo_left_out=demo_left_out)

    def _held_demo(self, table: str, ids: list[str]) -> set[str]:
        """Which of these ids of a flagged table the central store holds as demo rows (from before the rule)."""
        found: set[str] = set()
        for chunk in demo_rows.chunks(ids):
            found.update(str(row[0]) for row in self.conn.execute(
                f"SELECT id FROM {quote(table)} WHERE COALESCE(synthetic, 0) <> 0 AND id = ANY(%s)".encode(), [chunk]))
        return found

    def _apply(self, reader: package.PackageReader, contents: package.Contents,
               sender_seen: dict[str, str], carried: int, demo_left_out: int) -> _Stats:
        conn = self.conn
        source = reader.source_device
        own = self._meta_vector()
        receiver = Side(self.device_id, own)
        sender = Side(source, sender_seen)
        now = times.to_storage(times.utc_now())
        stats = _Stats()
        if contents.blobs:
            with conn.cursor() as cursor:
                cursor.executemany(b"INSERT INTO blobs (sha256, size, data) VALUES (%s, %s, %s) "
                                   b"ON CONFLICT (sha256) DO NOTHING",
                                   [(sha, len(data), data) for sha, data in contents.blobs.items()])
        for spec in self.schema.syncable:
            rows = contents.tables.get(spec.name, [])
            if rows:
                self._merge_table(spec, rows, contents.clocks.get(spec.name), receiver, sender, stats)
                self._merged += len(rows)
                self._say(f"{spec.name} merged", merged=self._merged)
        self.refresh_patrol_stops(stats.written.get("patrols", {}))
        self._record_conflicts(stats.conflicts, reader.package_id, now)
        self._settle_superseded(stats, now)
        conn.execute(b"INSERT INTO sync_packages (package_id, source_device, applied_at, sha256, rows) "
                     b"VALUES (%s, %s, %s, %s, %s)",
                     [reader.package_id, source, now, reader.sha256, carried])
        conn.execute(b"INSERT INTO merge_audit (action, package_id, device_id, file, sha256, detail) "
                     b"VALUES ('merge', %s, %s, %s, %s, %s)",
                     [reader.package_id, source, reader.path.name, reader.sha256, json.dumps({
                         "rows": carried, "inserted": stats.inserted, "updated": stats.updated,
                         "conflicts": len(stats.conflicts),
                         **({"demo_left_out": demo_left_out} if demo_left_out else {})})])
        stats.warnings = self._receive_audit(source, reader.package_id, reader.manifest, contents.audit, now)
        # Not past a package lost on the way (what the sender took us to hold and we do not): merge.advance_seen.
        merged_seen = advance_seen(own, sender_seen, load_vector(reader.manifest.get("base")))
        merged_seen.pop(self.device_id, None)
        conn.execute(b"INSERT INTO central_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                     b"value = excluded.value", [META_SEEN, json.dumps(merged_seen, sort_keys=True)])
        received = conn.execute(b"SELECT received_seen FROM sync_peers WHERE device_id = %s", [source]).fetchone()
        conn.execute(b"UPDATE sync_peers SET received_seen = %s WHERE device_id = %s",
                     [json.dumps(max_vectors(load_vector(received[0] if received else None), sender_seen),
                                 sort_keys=True), source])
        return stats

    def _receive_audit(self, source: str, package_id: str, manifest: dict[str, Any], entries: list[dict[str, Any]],
                       now: str) -> list[str]:
        """The sender's audit chain, checked against what it sent before exactly as the SQLite central store checks
        it (ruralwatch.services.device_audit.check_chain); its new entries and its head kept, an alert raised (and a
        merge_audit row) when it was cut, rewritten or wiped. The package is merged all the same."""
        head = manifest.get("audit_head")
        if not device_audit.carries_head(head):
            return []
        conn = self.conn
        found = conn.execute(b"SELECT seq, hash, package_created_at FROM device_audit WHERE device_id = %s "
                             b"ORDER BY seq DESC LIMIT 1", [source]).fetchone()
        held_head = device_audit.HeldHead(int(found[0]), str(found[1]), found[2]) if found else None
        span = device_audit.seq_range(entries)
        held = {} if span is None else {int(seq): str(digest) for seq, digest in conn.execute(
            b"SELECT seq, hash FROM device_audit WHERE device_id = %s AND seq BETWEEN %s AND %s",
            [source, *span])}
        key = f"{device_audit.ALTERED_KEY}{source}"
        found = conn.execute(b"SELECT value FROM central_meta WHERE key = %s", [key]).fetchone()
        reported = device_audit.load_reported(found[0] if found else None)
        check = device_audit.check_chain(held_head, held, head, entries, str(manifest.get("created_at") or ""),
                                         reported)
        if check.reported != reported:  # each entry altered without re-hashing is alerted once
            conn.execute(b"INSERT INTO central_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                         b"value = EXCLUDED.value", [key, device_audit.dump_reported(check.reported)])
        if check.fresh:
            with conn.cursor() as cursor, cursor.copy(
                    b"COPY device_audit (device_id, seq, entry, package_id, hash, prev_hash, package_created_at) "
                    b"FROM STDIN") as copy:
                for entry in check.fresh:
                    copy.write_row([source, entry["seq"], json.dumps(entry), package_id, entry["hash"],
                                    entry["prev_hash"], check.made])
        conn.execute(b"INSERT INTO device_audit_heads (device_id, package_id, seq, hash, made, received_at) "
                     b"VALUES (%s, %s, %s, %s, %s, %s)",
                     [source, package_id, head["seq"], str(head.get("hash") or ""), check.made, now])
        if check.problems:
            message = check.message(source)
            conn.execute(b"INSERT INTO audit_alerts (device_id, detected_at, package_id, message) "
                         b"VALUES (%s, %s, %s, %s)", [source, now, package_id, message])
            conn.execute(b"INSERT INTO merge_audit (action, package_id, device_id, detail) "
                         b"VALUES ('device_audit_alert', %s, %s, %s)",
                         [package_id, source, json.dumps({"problem": message})])
        return check.problems

    def _meta_vector(self) -> dict[str, str]:
        row = self.conn.execute(b"SELECT value FROM central_meta WHERE key = %s", [META_SEEN]).fetchone()
        return load_vector(row[0] if row else None)

    # --- one table ------------------------------------------------------------------------------------------

    def _merge_table(self, spec: TableSpec, rows: list[dict[str, Any]], clocks: list[dict[str, str]] | None,
                     receiver: Side, sender: Side, stats: _Stats) -> None:
        """Merge one table's rows in id-disjoint batches, pipelined: one thread talks to the server (reads a batch's
        stored rows, writes a planned batch) while this one plans the batch before, so the server's work (index
        lookups, the UPDATE) overlaps Python's (the per-field merge), which is most of a large merge's time.

        Correct because no two batches share an id (a repeated id stays in its first batch, in file order), so
        reading batch k+1 before batch k is written reads the same rows; the connection is used by one thread at a
        time (the executor runs the reads and writes in the order submitted)."""
        batches = _id_batches(rows, clocks, PIPELINE_BATCH_ROWS)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rw-merge-db") as server:
            reads = [server.submit(self.read_rows, spec, ids) for ids, _, _ in batches[:2]]
            writes: list[Future[None]] = []
            merged = 0
            for index, (_ids, batch, batch_clocks) in enumerate(batches):
                if index:  # between batches (not per row): the bar moves, and a Cancel rolls the package back whole
                    self._say(f"merging {spec.name} {merged:,} of {len(rows):,}", merged=self._merged + merged)
                merged += len(batch)
                stored = _result(reads[index], writes)
                plan = plan_batch(stored, batch, spec.names, receiver, sender, batch_clocks)
                writes.append(server.submit(self.write_plan, spec, plan, index))
                if index + 2 < len(batches):  # keep one read ahead, queued behind this batch's write
                    reads.append(server.submit(self.read_rows, spec, batches[index + 2][0]))
                stats.conflicts.extend((spec.name, row_id, c) for row_id, c in plan.conflicts)
                stats.unchanged += plan.unchanged
                stats.written.setdefault(spec.name, {}).update({**plan.inserts, **plan.updates})
                stats.inserted += len(plan.inserts)
                stats.updated += len(plan.updates)
            for write in writes:
                write.result()

    def write_plan(self, spec: TableSpec, plan: BatchPlan, batch: int) -> None:
        """New rows COPYed into the table; changed rows COPYed into a staging table and written with one
        UPDATE ... FROM."""
        columns = spec.names
        inserts, updates, originals = plan.inserts, plan.updates, plan.originals
        if inserts:
            self._copy(spec.name, spec, list(inserts.values()), columns, spec.name in GEOMETRY_TABLES)
        # Only the columns some row changed go through the staging table and the SET (the points only when a
        # position changed): a merge usually changes a few fields and the clocks.
        after, before = list(updates.values()), [originals[i] for i in updates]
        changed = [c for c in columns if c != "id" and c in plan.touched  # compared a column at a time as lists:
                   and list(map(itemgetter(c), after)) != list(map(itemgetter(c), before))]  # C speed, not Python's
        if not changed:
            return
        stage = f"stage_{spec.name}_{batch}"
        moved = spec.name in GEOMETRY_TABLES and bool(set(GEOMETRY_TABLES[spec.name]) & set(changed))
        targets = [*changed, *(GEOMETRY_COLUMNS if moved else ())]
        self.conn.execute(f"CREATE TEMP TABLE {quote(stage)} ON COMMIT DROP AS SELECT "
                          f"{', '.join(quote(c) for c in ['id', *targets])} FROM {quote(spec.name)} "
                          f"WITH NO DATA".encode())  # the columns' types, none of their constraints
        self._copy(stage, spec, after, ["id", *changed], moved)
        # Statistics, so the join hashes the staging table, not the central table (a tenth of the UPDATE's time
        # on 200,000 rows; more as the table grows).
        self.conn.execute(f"ANALYZE {quote(stage)}".encode())
        assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in targets)
        self.conn.execute(f"UPDATE {quote(spec.name)} t SET {assignments} FROM {quote(stage)} s "
                          f"WHERE t.id = s.id".encode())
        self.conn.execute(f"DROP TABLE {quote(stage)}".encode())

    def read_rows(self, spec: TableSpec, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored rows (laptop columns only) with these ids, by id."""
        if not ids:
            return {}
        columns = spec.names
        quoted = ", ".join(quote(c) for c in columns)
        with self.conn.cursor(binary=True) as cursor:
            cursor.execute(f"SELECT {quoted} FROM {quote(spec.name)} WHERE id = ANY(%s)".encode(), [ids])
            return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}

    def _copy(self, table: str, spec: TableSpec, rows: list[dict[str, Any]], columns: list[str],
              with_geometry: bool) -> None:
        """COPY `columns` of the rows (and their points) into `table`, in PostgreSQL's text format: every value is
        parsed by the column's type, as SQLite's column affinity converts it."""
        targets = [*columns, *(GEOMETRY_COLUMNS if with_geometry else ())]
        if with_geometry:
            lat, lon = GEOMETRY_TABLES[spec.name]
            wgs, bng = geometry.points([r.get(lat) for r in rows], [r.get(lon) for r in rows])
        with self.conn.cursor() as cursor, cursor.copy(
                f"COPY {quote(table)} ({', '.join(quote(c) for c in targets)}) FROM STDIN".encode()) as copy:
            for index, row in enumerate(rows):
                values = _plain([row[c] for c in columns])
                if with_geometry:
                    values += [wgs[index], bng[index]]
                copy.write_row(values)

    def refresh_patrol_stops(self, patrols: dict[str, dict[str, Any]]) -> None:
        """The planned stops of the patrols this package wrote, from their `plan` JSON. A plan that does not read
        (a package the laptop would still merge) gives no stops rather than a refusal."""
        if not patrols:
            return
        self.conn.execute(b"DELETE FROM patrol_stops WHERE patrol_id = ANY(%s)", [list(patrols)])
        stops: list[list[Any]] = []
        for patrol_id, row in patrols.items():
            try:
                planned = {stop.seq: stop for stop in reversed(stops_from_json(row.get("plan")))}.values()
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError, RuralWatchError):
                continue
            stops += [[patrol_id, stop.seq, stop.key, stop.label, stop.reason, stop.harm,
                       times.to_storage(stop.arrive), times.to_storage(stop.leave), stop.dwell_minutes, stop.lat,
                       stop.lon] for stop in planned]
        if not stops:
            return
        wgs, bng = geometry.points([s[9] for s in stops], [s[10] for s in stops])
        columns = ["patrol_id", "seq", "stop_key", "label", "reason", "harm", "arrive", "leave", "dwell_minutes",
                   "lat", "lon", *GEOMETRY_COLUMNS]
        with self.conn.cursor() as cursor, cursor.copy(
                f"COPY patrol_stops ({', '.join(columns)}) FROM STDIN".encode()) as copy:
            for stop, a, b in zip(stops, wgs, bng, strict=True):
                copy.write_row([*stop, a, b])

    # --- conflicts ------------------------------------------------------------------------------------------

    def _record_conflicts(self, found: list[tuple[str, str, FieldConflict]], package_id: str, now: str) -> None:
        if not found:
            return
        keys = self._known_conflicts({(table, row_id) for table, row_id, _ in found})
        fresh = []
        for table, row_id, c in found:
            key = (table, row_id, c.field, c.local_hlc, c.incoming_hlc)
            if key in keys or (table, row_id, c.field, c.incoming_hlc, c.local_hlc) in keys:
                continue
            keys.add(key)
            fresh.append((table, row_id, c.field, json.dumps(c.local_value), c.local_hlc,
                          json.dumps(c.incoming_value), c.incoming_hlc, c.winner, c.kind, package_id, now))
        with self.conn.cursor() as cursor:
            cursor.executemany(b"INSERT INTO sync_conflicts (table_name, row_id, field, local_value, local_hlc, "
                               b"incoming_value, incoming_hlc, winner, kind, package_id, detected_at) "
                               b"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", fresh)

    def _known_conflicts(self, rows: Iterable[tuple[str, str]]) -> set[tuple[str, str, str, str, str]]:
        by_table: dict[str, list[str]] = {}
        for table, row_id in rows:
            by_table.setdefault(table, []).append(row_id)
        keys: set[tuple[str, str, str, str, str]] = set()
        for table, ids in by_table.items():
            found = self.conn.execute(b"SELECT table_name, row_id, field, local_hlc, incoming_hlc FROM sync_conflicts "
                                      b"WHERE table_name = %s AND row_id = ANY(%s)", [table, ids]).fetchall()
            keys.update((str(a), str(b), str(c), str(d), str(e)) for a, b, c, d, e in found)
        return keys

    def _settle_superseded(self, stats: _Stats, now: str) -> None:
        """An open conflict whose field has since been edited again is closed as "superseded" (the later value
        already stands). Only rows this package wrote can have changed clocks, so only their conflicts are read."""
        settled: list[tuple[str, int]] = []
        if self.conn.execute(b"SELECT 1 FROM sync_conflicts WHERE resolved_at IS NULL LIMIT 1").fetchone() is None:
            return
        for table, rows in stats.written.items():
            if not rows:
                continue
            found = self.conn.execute(b"SELECT id, row_id, field, local_hlc, incoming_hlc FROM sync_conflicts "
                                      b"WHERE resolved_at IS NULL AND table_name = %s AND row_id = ANY(%s)",
                                      [table, list(rows)]).fetchall()
            for conflict_id, row_id, field_name, local_hlc, incoming_hlc in found:
                clocks = json.loads(rows[row_id]["field_hlc"] or "{}")
                current = clocks.get(field_name) if isinstance(clocks, dict) else None
                if isinstance(current, str) and current > max(local_hlc or "", incoming_hlc or ""):
                    settled.append((now, conflict_id))
        if settled:
            with self.conn.cursor() as cursor:
                cursor.executemany(b"UPDATE sync_conflicts SET resolved_at = %s, resolution = 'superseded' "
                                   b"WHERE id = %s", settled)
