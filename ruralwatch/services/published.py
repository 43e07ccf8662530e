"""Published crime: data.police.uk street-level records, imported from CSV files for context and analysis.

Kept apart from the officers' own incident reports: its own tables (migration 3), never synced, never
edited. An import is all or nothing: every file is parsed and checked before anything is written, then all
rows go in as one transaction that a progress callback can cancel. Progress names the file being read or stored
(n of N) and the rows so far, a few times a second (`_Progress`), in the same words for the window and the CLI.
"""

from __future__ import annotations

import gc
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, NotFoundError, ProgressCallback, ValidationError
from ruralwatch.core.month_split import gaps_text, missing_months
from ruralwatch.core.words import count_of, plural
from ruralwatch.io.police_uk import (
    RECORD_COLUMNS,
    REJECT_REASONS,
    TEXT_COLUMNS,
    ParsedFile,
    PoliceUkFormatError,
    ZipMember,
    is_month,
    is_other_download_file,
    parse_file,
    zip_members,
)
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import BATCHES, PUBLISHED_COLUMNS, batch_digest, batch_hash, record_event
from ruralwatch.store.database import Store

if TYPE_CHECKING:
    import pandas as pd

# What an import reads: a file, or a CSV file inside a zip (data.police.uk's download).
Source = Path | ZipMember

SOURCE_POLICE_UK = "police-uk"
CHUNK_ROWS = 10_000
# Rows between two progress reports (and Cancel checks) within a file, reading or storing: a few a second, never per
# row. Each file's start is reported too, so the file named changes as soon as the work moves on.
REPORT_ROWS = 20_000
CANCELLED = "cancelled: nothing was imported"
# Inside the import transaction only: a page cache big enough for a year of a force's rows (negative = KiB).
IMPORT_CACHE_KIB = 128 * 1024
LON = RECORD_COLUMNS.index("lon")
LAT = RECORD_COLUMNS.index("lat")
KEY = RECORD_COLUMNS.index("dedupe_key")
MONTH = RECORD_COLUMNS.index("month")
CRIME_TYPE = RECORD_COLUMNS.index("crime_type")
OUTCOME = RECORD_COLUMNS.index("last_outcome")
SAME_ROW, REPUBLISHED, UPDATED = "same_row", "republished", "updated"
# The record fields a batch digest covers, between its id and batch_id (store.audit.PUBLISHED_COLUMNS).
_DIGESTED = PUBLISHED_COLUMNS[1:-1]
HELD_WORDS = {SAME_ROW: "identical", REPUBLISHED: "republished in another month",
              UPDATED: "updated (same month, newer outcome)"}
HELD_REASONS = (SAME_ROW, REPUBLISHED, UPDATED)
# The audit entry lists this many outcome changes by crime (the count is always there): a re-downloaded year can
# change thousands, and the batch digests already pin every changed row.
AUDITED_OUTCOME_CHANGES = 200
Identity = tuple[str, str, str]  # (Crime ID, place, crime type): the same crime


def _identity(crime_id: str, lon: float | None, lat: float | None, crime_type: str) -> Identity:
    return crime_id, ("" if lon is None or lat is None else f"{lon:.6f}|{lat:.6f}"), crime_type


@dataclass
class _Crime:
    """What is known of one crime (Crime ID, place, type) across the database and this import: it is stored once,
    under the earliest month it was published in, with the outcome of the latest month that gave one. Within one
    month the newer import's outcome wins (data.police.uk re-publishes a month's rows with their updated "Last
    outcome category"); within one import (a crime listed with several outcomes in a month) the greatest. So the
    result does not depend on the order of the files (or rows) of one import."""

    month: str
    outcome: str
    outcome_month: str
    row_id: int | None = None  # held in the database
    batch_id: int | None = None
    record: list[Any] | None = None  # or first seen in this import, to be inserted
    changed: bool = False
    # Whether `outcome` is this import's (False: the one held before it, which any outcome of this import for the
    # same month replaces).
    from_import: bool = True
    held_outcome: str = ""  # as held before this import (for the count and the audit)

    def take(self, month: str, outcome: str) -> None:
        if month < self.month:
            self.month, self.changed = month, True
        later = (not self.outcome or month > self.outcome_month
                 or (month == self.outcome_month and (not self.from_import or outcome >= self.outcome)))
        if outcome and later:
            if (outcome, month) != (self.outcome, self.outcome_month):
                # The month moves on even when the outcome reads the same: a later tie must be judged against it.
                self.outcome, self.outcome_month, self.changed = outcome, month, True
            self.from_import = True

    def outcome_updated(self) -> bool:
        """A crime held before this import whose outcome this import replaced."""
        return self.row_id is not None and self.outcome != self.held_outcome


def _insert_sql(batch_id: int) -> str:
    """INSERT for one file's records (see RECORD_COLUMNS); empty text becomes NULL in SQLite, not in Python."""
    values = ", ".join(f"NULLIF(?{n}, '')" if c in TEXT_COLUMNS else f"?{n}" for n, c in enumerate(RECORD_COLUMNS, 1))
    return (
        f"INSERT OR IGNORE INTO published_crimes({', '.join(RECORD_COLUMNS)}, batch_id) "
        f"VALUES ({values}, {int(batch_id)})"
    )


# A record's PUBLISHED_COLUMNS values as SQLite stores them (the INSERT's NULLIF: empty text is NULL), for the batch
# digest. Written out, one tuple per row, because it runs for every row of an import (the general loop over the
# columns was a tenth of it); the assertion keeps it in step with the columns.
assert _DIGESTED == ("dedupe_key", "crime_id", "month", "reported_by", "falls_within", "lon", "lat", "easting",
                     "northing", "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome", "context")
assert RECORD_COLUMNS == ("crime_id", "month", "reported_by", "falls_within", "lon", "lat", "location", "lsoa_code",
                          "lsoa_name", "crime_type", "last_outcome", "context", "dedupe_key", "easting", "northing")


def _stored(r: list[Any], row_id: int, batch_id: int) -> tuple[Any, ...]:
    # `text or None`: "" -> None, any other text (or None) unchanged; numbers as they are.
    return (row_id, r[12] or None, r[0] or None, r[1] or None, r[2] or None, r[3] or None, r[4], r[5], r[13],
            r[14], r[6] or None, r[7] or None, r[8] or None, r[9] or None, r[10] or None, r[11] or None, batch_id)


@dataclass
class _BatchEvent:
    """One file's audit entry, recorded once every file is in: the digest of its batch row and rows, either
    already read back (`digests`) or to be computed from the rows as inserted (`inserted`)."""

    batch_id: int
    changes: dict[str, Any]
    digests: dict[tuple[str, str], str | None] = field(default_factory=dict)
    # (the batch row, the first row id, the records in insertion order): every row stored, ids in order.
    inserted: tuple[dict[str, Any], int, list[list[Any]]] | None = None

    def digest(self) -> dict[tuple[str, str], str | None]:
        """The row hashes for the entry; the inserted rows' digest is computed on the first call (the hashing
        thread's, when there is one: the importer waits for it before calling again). It is the batch_hash the
        rows would read back as, from the values as SQLite stored them (ids first_row, first_row + 1, ...; empty
        text as NULL; numbers and text as given): reading 199,298 rows back and hashing them was a fifth of an
        import. tests/unit/test_published_digest.py checks it against the read-back digest."""
        if self.inserted is not None:
            batch_row, first_row, records = self.inserted
            self.digests[(BATCHES, str(self.batch_id))] = batch_digest(
                batch_row, (_stored(record, row_id, self.batch_id)
                            for row_id, record in enumerate(records, start=first_row)))
            self.inserted = None
        return self.digests


def _first_of_each_key(fresh: list[list[Any]], seen: set[str], held: Counter[str]) -> list[list[Any]]:
    """The rows whose dedupe key no earlier row of the import had, in order; the others are counted as held (what
    INSERT OR IGNORE does with the UNIQUE index in place). Keys repeat across files: rows without a Crime ID are
    keyed by their fields and their place in the file."""
    kept = []
    for record in fresh:
        key = record[KEY]
        if key in seen:
            held[SAME_ROW] += 1
        else:
            seen.add(key)
            kept.append(record)
    return kept


def held_words(already_held: dict[str, int]) -> str:
    """Why rows were already held, in words: "2 identical, 1 updated (same month, newer outcome)"."""
    return ", ".join(f"{count:,} {HELD_WORDS[why]}" for why, count in already_held.items() if count)


@dataclass
class FileImport:
    """What happened to one file of an import."""

    file_name: str
    header: str
    rows_read: int
    imported: int
    duplicates: int  # already held, in all: same_row + republished (see `already_held`)
    rejected: int
    rejected_reasons: dict[str, int]
    rejected_lines: dict[str, list[int]]  # the first few line numbers per reason
    no_location: int
    # Why rows were taken as already held: "same_row" (the very same row, e.g. the file imported before) and
    # "republished" (the same crime, Crime ID, place and type, published again in another month).
    already_held: dict[str, int] = field(default_factory=dict)
    # Crimes held before this import whose outcome it replaced (a later month's, or the same month re-published):
    # all of an import's, on its first file.
    outcomes_updated: int = 0


@dataclass
class ImportReport:
    """Totals of an import: rows_read = imported + duplicates + rejected. no_location counts the imported rows
    that have no coordinates: they are stored, but stay off the map and out of spatial analysis."""

    files: int = 0
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    no_location: int = 0
    already_held: dict[str, int] = field(default_factory=dict)
    outcomes_updated: int = 0
    seconds: float = 0.0
    per_file: list[FileImport] = field(default_factory=list)
    # Outcomes and stop and search files of a data.police.uk download found in a folder or zip, not imported.
    skipped: list[str] = field(default_factory=list)
    # Months between the first and last held (after the import) with no published crime: a gap, said in the summary.
    missing_months: list[str] = field(default_factory=list)
    months_held: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in self.rejected_reasons.items())
        held = held_words(self.already_held)
        updated = (f"{count_of(self.outcomes_updated, 'held crime')} given a newer outcome, "
                   if self.outcomes_updated else "")
        return (
            f"{count_of(self.imported, 'published crime')} imported from {count_of(self.files, 'file')} "
            f"({count_of(self.rows_read, 'row')} read): "
            f"{self.duplicates:,} already held{f' ({held})' if held else ''}, {updated}"
            f"{self.rejected:,} rejected{f' ({reasons})' if reasons else ''}, "
            f"{self.no_location:,} without a location; {self.seconds:.1f} s"
            + (f" ({count_of(len(self.skipped), 'outcomes or stop and search file')} left out: not street-level "
               "crime)" if self.skipped else "")
            + (f". Published crime now holds {self.months_held[0]} to {self.months_held[1]} with no data for "
               f"{gaps_text(self.missing_months)}: analyses over those months have nothing from them"
               if self.missing_months and self.months_held else "")
        )


class PublishedCrimeService:
    def __init__(
        self, store: Store, hub: ChangeHub | None = None, clock: Callable[[], datetime] = times.system_clock
    ) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock

    # --- import ------------------------------------------------------------------------------------------

    def import_paths(self, paths: Sequence[Path], progress: ProgressCallback | None = None) -> ImportReport:
        """Import data.police.uk street-level CSV files; a folder stands for the *.csv files in it.

        Raises PoliceUkFormatError (nothing written) if any file is not such a CSV, and CancelledError (nothing
        written) if `progress(done, total, note)` returns False (what it reports: `_Progress`). Rows already held
        are skipped, so importing the same files again adds nothing.
        """
        self.store.actor.require("import.published")
        started = time.perf_counter()
        with _gc_paused():
            files, skipped = expand_sources(paths)
            return self._import(files, skipped, progress, started)

    def _import(self, files: list[Source], skipped: list[str], progress: ProgressCallback | None,
                started: float) -> ImportReport:
        steps = _Progress(progress, files)
        parsed = steps.read_all()
        total = sum(len(p.records) for p in parsed)
        report = ImportReport(files=len(parsed), skipped=skipped)
        conn = self.store.db.conn
        imported_at = times.to_storage(self._now())
        with self.store.transaction():
            cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
            conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
            # Into an empty table (a first import) every index, the dedupe key's UNIQUE one included, is built after
            # the rows, in one sorted pass each, instead of being updated row by row: inserting 199,298 rows took
            # 11 s of a 25 s import with them (encrypted, under load). Dropped and made again inside this
            # transaction: all or nothing. Without the UNIQUE index the keys are made unique here first.
            empty = not conn.execute("SELECT EXISTS (SELECT 1 FROM published_crimes)").fetchone()[0]
            rebuild = self._drop_indexes() if empty else []
            try:
                done = 0
                # Which rows are crimes already held, or repeated within these files, is decided for the whole
                # import first: a crime is written once, with its earliest month and latest outcome.
                crimes = {} if empty else self._held_crimes(parsed)  # into an empty table: nothing is held
                pending_counts: list[tuple[Counter[str], list[tuple[_Crime, str]]]] = []
                plans = []
                for p in parsed:
                    fresh, held, same_month = self._classify(p, crimes)
                    plans.append((fresh, held))
                    pending_counts.append((held, same_month))
                touched, outcome_changes = self._settle(crimes)
                for held, same_month in pending_counts:
                    self._count_updated(held, same_month)
                outcome_months = {str(c.record[KEY]): c.outcome_month for c in crimes.values()
                                  if c.record is not None and c.outcome_month != c.month}
                keys_seen: set[str] | None = set() if empty else None  # no UNIQUE index: dedupe the keys here
                events: list[_BatchEvent] = []
                for index, (p, (fresh, held)) in enumerate(zip(parsed, plans, strict=True)):
                    steps.storing(index, done, total, at_start=True)
                    if keys_seen is not None:
                        fresh = _first_of_each_key(fresh, keys_seen, held)
                    # New rows get ids above every existing one (INTEGER PRIMARY KEY): the batch's digest for the
                    # audit then reads only them.
                    first_row = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM published_crimes")
                                    .fetchone()[0])
                    batch_id = self._insert_file(p, imported_at)
                    sql = _insert_sql(batch_id)
                    done += len(p.records) - len(fresh)  # rows already held are done too
                    # Rows without a location go in after the others, so that what was new can be counted apart.
                    located, unlocated = fresh, []
                    if p.no_location:
                        located = [r for r in fresh if r[LON] is not None]
                        unlocated = [r for r in fresh if r[LON] is None]
                    added = []
                    for part in (located, unlocated):
                        before = conn.total_changes
                        for start in range(0, len(part), CHUNK_ROWS):
                            chunk = part[start:start + CHUNK_ROWS]
                            conn.executemany(sql, chunk)
                            done += len(chunk)
                            steps.storing(index, done, total)
                        added.append(conn.total_changes - before)
                    # INSERT OR IGNORE skipped rows whose key is held (ASB rows of a file imported before).
                    held[SAME_ROW] += len(fresh) - sum(added)
                    fresh_keys = {str(r[KEY]) for r in fresh} if outcome_months else set()
                    mine = [(m, k) for k, m in outcome_months.items() if k in fresh_keys]
                    conn.executemany("UPDATE published_crimes SET outcome_month = ? WHERE dedupe_key = ?", mine)
                    updated = sorted(b for b in touched if b != batch_id)
                    # The import's outcome changes to held crimes: counted (and audited) once, with the first file.
                    first = p is parsed[0]
                    self._finish_file(report, p, batch_id, imported=sum(added), no_location=added[1], held=held,
                                      outcomes_updated=len(outcome_changes) if first else 0)
                    event = _BatchEvent(batch_id, {
                        "file": p.path.name, "sha256": p.sha256, "imported": sum(added),
                        **({"earlier_batches_updated": updated} if first and updated else {}),
                        **({"outcomes_updated": len(outcome_changes),
                            "outcome_changes": outcome_changes[:AUDITED_OUTCOME_CHANGES]}
                           if first and outcome_changes else {}),
                    })
                    if sum(added) == len(fresh):  # all stored, ids in order: hashed as inserted, not read back
                        event.inserted = (self._batch_row(batch_id), first_row, [*located, *unlocated])
                    else:
                        event.digests[(BATCHES, str(batch_id))] = batch_hash(self.store.db, batch_id, first_row)
                    if p is parsed[0]:  # the held rows republications changed, in earlier imports' batches
                        event.digests.update({(BATCHES, str(b)): batch_hash(self.store.db, b) for b in updated})
                    events.append(event)
                # The digests of the rows just inserted are pure Python: while SQLite builds the indexes (which
                # lets go of the interpreter lock) they are computed alongside, on the second core. Some seconds for
                # a year of a force's rows: Cancel is looked at between the steps (all is rolled back).
                if rebuild:
                    with ThreadPoolExecutor(max_workers=1) as hashing:
                        pending = [hashing.submit(event.digest) for event in events]
                        try:
                            for sql in rebuild:
                                steps.finishing(total, indexing=True)
                                conn.execute(sql)
                            for future in pending:
                                steps.finishing(total, indexing=True)
                                future.result()
                        except CancelledError:
                            for future in pending:
                                future.cancel()  # the one being computed ends; the others never start
                            raise
                for event in events:
                    steps.finishing(total, indexing=bool(rebuild))
                    record_event(self.store, "import", "import_batches", str(event.batch_id), event.changes,
                                 row_hashes=event.digest())
            finally:
                conn.execute(f"PRAGMA cache_size = {int(cache_size)}")
        report.rejected_reasons = {
            reason: report.rejected_reasons[reason] for reason in REJECT_REASONS if reason in report.rejected_reasons
        }
        months = self.months()
        report.missing_months = list(missing_months(months))
        report.months_held = (months[0], months[-1]) if months else None
        report.seconds = round(time.perf_counter() - started, 3)
        if report.imported:
            self.hub.publish(Change("published_crimes", "bulk"))
        return report

    def _batch_row(self, batch_id: int) -> dict[str, Any]:
        batch = self.store.db.execute("SELECT * FROM import_batches WHERE id = ?", [batch_id])
        names = [d[0] for d in batch.description]
        return dict(zip(names, batch.fetchone(), strict=True))

    def _drop_indexes(self) -> list[str]:
        """Drop published_crimes' indexes, the dedupe key's UNIQUE one included, and return the statements that make
        them again. Only for an empty table, inside the import's transaction: the import then makes its keys unique
        itself, and building the UNIQUE index again fails, rolling the import back, if any is not."""
        db = self.store.db
        indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                             "'published_crimes' AND sql IS NOT NULL ORDER BY name").fetchall()
        for name, _sql in indexes:
            db.execute(f"DROP INDEX [{name}]")
        return [str(sql) for _name, sql in indexes]

    def _insert_file(self, parsed: ParsedFile, imported_at: str) -> int:
        cursor = self.store.db.execute(
            "INSERT INTO import_batches(source, file_name, file_sha256, rows_read, rejected, rejected_reasons,"
            " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                SOURCE_POLICE_UK, parsed.path.name, parsed.sha256, parsed.rows_read, parsed.rejected_count,
                json.dumps(dict(parsed.rejected), sort_keys=True), imported_at,
            ],
        )
        return int(cursor.lastrowid or 0)

    def _held_crimes(self, parsed: list[ParsedFile]) -> dict[Identity, _Crime]:
        """The crimes already held that rows of these files may repeat (looked up by Crime ID, whatever key they
        were stored under)."""
        ids = sorted({str(r[0]) for p in parsed for r in p.records if r[0]})
        held: dict[Identity, _Crime] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.store.db.execute(
                    "SELECT id, crime_id, lon, lat, crime_type, month, last_outcome, outcome_month, batch_id "
                    f"FROM published_crimes WHERE crime_id IN ({','.join('?' * len(chunk))})", chunk)
            for row_id, crime_id, lon, lat, crime_type, month, outcome, outcome_month, batch_id in rows:
                held.setdefault(_identity(crime_id, lon, lat, crime_type),
                                _Crime(month, outcome or "", outcome_month or month, row_id, batch_id,
                                       from_import=False, held_outcome=outcome or ""))
        return held

    @staticmethod
    def _classify(parsed: ParsedFile, crimes: dict[Identity, _Crime]) -> tuple[
            list[list[Any]], Counter[str], list[tuple[_Crime, str]]]:
        """(rows of this file to insert, rows already held by reason, rows of a held crime's held month still to
        count). A row with a Crime ID is the same crime as another only at the same place with the same type;
        anything else is kept."""
        fresh: list[list[Any]] = []
        held: Counter[str] = Counter({SAME_ROW: 0, REPUBLISHED: 0, UPDATED: 0})
        same_month: list[tuple[_Crime, str]] = []
        for record in parsed.records:
            if not record[0]:
                fresh.append(record)
                continue
            identity = _identity(record[0], record[LON], record[LAT], record[CRIME_TYPE])
            crime = crimes.get(identity)
            if crime is None:
                crimes[identity] = _Crime(record[MONTH], record[OUTCOME], record[MONTH], record=record)
                fresh.append(record)
                continue
            same = record[MONTH] in (crime.month, crime.outcome_month)
            if same and crime.row_id is not None and record[MONTH] == crime.outcome_month:
                # The held month again: "identical" unless the import's outcome replaces the held one, which is
                # known once every row is read (`_count_updated`).
                same_month.append((crime, record[MONTH]))
            else:
                held[SAME_ROW if same else REPUBLISHED] += 1
            crime.take(record[MONTH], record[OUTCOME])
        return fresh, held, same_month

    @staticmethod
    def _count_updated(held: Counter[str], same_month: list[tuple[_Crime, str]]) -> None:
        """Rows of a held month whose crime this import gave a newer outcome for that month are "updated" (a walk
        was told a re-published month with new outcomes was "identical"); the others are the same row."""
        for crime, month in same_month:
            held[UPDATED if crime.outcome_updated() and month == crime.outcome_month else SAME_ROW] += 1

    def _settle(self, crimes: dict[Identity, _Crime]) -> tuple[set[int], list[dict[str, str]]]:
        """Write what republications changed: held rows updated, and the crimes inserted by this import given their
        earliest month and latest outcome. Returns the held rows' batches (whose digests move) and each held
        crime whose outcome was replaced (Crime ID, month, before, after) for the summary and the audit."""
        touched: set[int] = set()
        outcomes: list[dict[str, str]] = []
        for (crime_id, _place, _type), crime in crimes.items():
            if not crime.changed:
                continue
            if crime.row_id is not None:
                self.store.db.execute(
                    "UPDATE published_crimes SET month = ?, last_outcome = NULLIF(?, ''), outcome_month = ? "
                    "WHERE id = ?", [crime.month, crime.outcome, crime.outcome_month, crime.row_id])
                touched.add(int(crime.batch_id or 0))
                if crime.outcome_updated():
                    outcomes.append({"crime_id": crime_id, "month": crime.outcome_month,
                                     "before": crime.held_outcome, "after": crime.outcome})
            elif crime.record is not None:
                crime.record[MONTH], crime.record[OUTCOME] = crime.month, crime.outcome
        outcomes.sort(key=lambda change: (change["crime_id"], change["month"]))
        return touched, outcomes

    def _finish_file(
        self, report: ImportReport, parsed: ParsedFile, batch_id: int, imported: int, no_location: int,
        held: Counter[str], outcomes_updated: int,
    ) -> None:
        duplicates = len(parsed.records) - imported
        self.store.db.execute(
            "UPDATE import_batches SET imported = ?, duplicates = ? WHERE id = ?", [imported, duplicates, batch_id]
        )
        report.rows_read += parsed.rows_read
        report.imported += imported
        report.duplicates += duplicates
        report.rejected += parsed.rejected_count
        report.no_location += no_location
        report.rejected_reasons = dict(Counter(report.rejected_reasons) + parsed.rejected)
        report.already_held = {why: report.already_held.get(why, 0) + held[why] for why in HELD_REASONS}
        report.outcomes_updated += outcomes_updated
        report.per_file.append(FileImport(
            file_name=str(parsed.path), header=parsed.header, rows_read=parsed.rows_read, imported=imported,
            duplicates=duplicates, rejected=parsed.rejected_count, rejected_reasons=dict(parsed.rejected),
            rejected_lines=dict(parsed.rejected_lines), no_location=no_location,
            already_held={why: held[why] for why in HELD_REASONS}, outcomes_updated=outcomes_updated,
        ))

    # --- reads -------------------------------------------------------------------------------------------

    def count(
        self, month_from: str | None = None, month_to: str | None = None, crime_types: Sequence[str] = (),
        located_only: bool = False,
    ) -> int:
        where, params = _where(month_from, month_to, crime_types, located_only)
        return int(self.store.db.execute(f"SELECT COUNT(*) FROM published_crimes{where}", params).fetchone()[0])

    def any_held(self) -> bool:
        """Whether any published crime is imported (cheap: the window asks on the UI thread)."""
        return bool(self.store.db.execute("SELECT EXISTS (SELECT 1 FROM published_crimes)").fetchone()[0])

    def months(self) -> list[str]:
        """The months held, oldest first."""
        return [r[0] for r in self.store.db.execute("SELECT DISTINCT month FROM published_crimes ORDER BY month")]

    def missing_months(self) -> tuple[str, ...]:
        """Months between the first and last held with no published crime (a file not imported or not published)."""
        return missing_months(self.months())

    def crime_types(self) -> list[str]:
        return [
            r[0] for r in self.store.db.execute("SELECT DISTINCT crime_type FROM published_crimes ORDER BY 1")
        ]

    def points(
        self, month_from: str | None = None, month_to: str | None = None, crime_types: Sequence[str] = ()
    ) -> pd.DataFrame:
        """Rows with a location, for analysis: easting, northing (BNG metres), lat, lon, month, crime_type."""
        import pandas as pd  # only the analyses need it; `ruralwatch import` starts without it (issue 21)

        where, params = _where(month_from, month_to, crime_types, located_only=True)
        cursor = self.store.db.execute(
            f"SELECT easting, northing, lat, lon, month, crime_type FROM published_crimes{where} ORDER BY id",
            params,
        )
        frame = pd.DataFrame.from_records(
            cursor.fetchall(), columns=["easting", "northing", "lat", "lon", "month", "crime_type"]
        )
        return frame.astype({"easting": float, "northing": float, "lat": float, "lon": float})

    def map_json(self, month_from: str | None = None, month_to: str | None = None) -> str:
        """The located rows as one compact JSON array built by SQLite: [[id, lat, lon, crime_type, month], ...]."""
        where, params = _where(month_from, month_to, (), located_only=True)
        row = self.store.db.execute(
            "SELECT json_group_array(json_array(id, round(lat, 5), round(lon, 5), crime_type, month)) "
            f"FROM published_crimes{where}",
            params,
        ).fetchone()
        return str(row[0])


class _Progress:
    """An import's progress reports (the one ProgressCallback shape), in the words the window and the CLI show: the
    file being read, then stored (n of N), and the rows so far; then the indexes and the audit. Each report is also
    where Cancel stops the import (CancelledError, nothing written)."""

    def __init__(self, progress: ProgressCallback | None, files: list[Source]) -> None:
        self.progress = progress
        self.files = files
        self._read_before = 0
        self._index = 0
        self._next_stored = REPORT_ROWS

    def _report(self, done: int, total: int, note: str) -> None:
        if self.progress is not None and not self.progress(done, total, note):
            raise CancelledError(CANCELLED)

    def _file(self, index: int) -> str:
        return f"file {index + 1} of {len(self.files)}, {self.files[index].name}"

    def read_all(self) -> list[ParsedFile]:
        """Every file parsed and checked (nothing is written before all are), the rows read reported as they go."""
        parsed: list[ParsedFile] = []
        for index, path in enumerate(self.files):
            self._index = index
            self._reading(0)
            parsed.append(parse_file(path, self._reading if self.progress else None, REPORT_ROWS))
            self._read_before += parsed[-1].rows_read
        return parsed

    def _reading(self, rows: int) -> None:
        so_far = self._read_before + rows
        # Not known how many rows the files hold until all are read: a count so far (total 0).
        self._report(so_far, 0, f"Reading {self._file(self._index)}: {so_far:,} {plural(so_far, 'row')} read so far")

    def storing(self, index: int, done: int, total: int, at_start: bool = False) -> None:
        """At each file's start, then every REPORT_ROWS rows of it stored (or found already held), and at the end."""
        if at_start:
            self._next_stored = done + REPORT_ROWS
        elif done < self._next_stored and done < total:
            return
        else:
            self._next_stored = done + REPORT_ROWS
        self._report(done, total, f"Storing {self._file(index)}: {done:,} of {count_of(total, 'row')}")

    def finishing(self, total: int, indexing: bool) -> None:
        """Between the last steps: building the indexes again (after a first import) and the audit entries."""
        self._report(0, 0, f"Indexing the {count_of(total, 'row')} and recording the import" if indexing
                     else "Recording the import in the audit log")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an import creates ~200,000 row lists, all still alive, and
    collecting over and over while they pile up costs a third of the parsing time. Reference counting still
    frees everything as usual; nothing an import makes has reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def expand_paths(paths: Sequence[Path]) -> list[Source]:
    """The street-level CSV files the paths stand for, each once, in order (see `expand_sources`)."""
    return expand_sources(paths)[0]


def expand_sources(paths: Sequence[Path]) -> tuple[list[Source], list[str]]:
    """Files as given; a zip as its street-level CSV files (data.police.uk's download); a folder as its *.csv and
    *.zip files and the *.csv files of its month folders (the download unzipped: 2018-10/...), sorted by name.
    Each once, in order. Outcomes and stop and search files are left out of folders and zips: their names are
    the second value."""
    files: list[Source] = []
    skipped: list[str] = []

    def add(path: Path) -> None:
        if _is_zip(path):
            members, left_out = zip_members(path)
            files.extend(members)
            skipped.extend(left_out)
        else:
            files.append(path)

    for path in map(Path, paths):
        if path.is_dir():
            found = _folder_files(path)
            before = len(files)
            if not found:
                raise NotFoundError(f"{path}: no .csv or .zip files in this folder (or its month folders)")
            for file in found:
                if is_other_download_file(file.name):
                    skipped.append(file.name)
                else:
                    add(file)
            if len(files) == before:
                raise PoliceUkFormatError(f"{path}: only outcomes or stop and search files in this folder, no "
                                          "street-level crime (-street.csv files)")
        elif path.exists():
            add(path)
        else:
            raise NotFoundError(f"{path}: no such file or folder")
    unique: dict[Source, Source] = {}
    for source in files:
        unique.setdefault(source.resolve(), source)
    return list(unique.values()), skipped


def _folder_files(folder: Path) -> list[Path]:
    def of(place: Path) -> list[Path]:
        return sorted(p for p in place.iterdir() if p.suffix.lower() in (".csv", ".zip") and p.is_file())

    try:
        found = of(folder)
        for month in sorted(p for p in folder.iterdir() if p.is_dir() and is_month(p.name)):
            found.extend(p for p in of(month) if p.suffix.lower() == ".csv")
    except OSError as exc:
        raise PoliceUkFormatError(f"{folder}: the folder cannot be read ({exc.strerror or exc})") from None
    return found


def _is_zip(path: Path) -> bool:
    """By its first bytes, not its name: a zip renamed .csv (or an Excel workbook saved as one) is still a zip."""
    try:
        with path.open("rb") as file:
            return file.read(4) == b"PK\x03\x04"
    except OSError:
        return False  # parse_file says why it cannot be read


def _check_month(value: str, field: str) -> str:
    if not is_month(value):
        raise ValidationError.single(field, f"{value!r} is not a month (YYYY-MM)")
    return value


def _where(
    month_from: str | None, month_to: str | None, crime_types: Sequence[str], located_only: bool
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if month_from:
        clauses.append("month >= ?")
        params.append(_check_month(month_from, "month_from"))
    if month_to:
        clauses.append("month <= ?")
        params.append(_check_month(month_to, "month_to"))
    if crime_types:
        clauses.append(f"crime_type IN ({', '.join('?' * len(crime_types))})")
        params.extend(crime_types)
    if located_only:
        clauses.append("lat IS NOT NULL")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params
