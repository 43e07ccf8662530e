"""Benchmark: importing the 12 real Essex street-level CSVs, against the sqlite3 tool's own `.import`.

    .venv/bin/python bench/import_bench.py [--data ../shared/data/police-uk/essex] [--runs 3] [--encrypted]

Each run uses fresh temporary databases and measures, wall clock:
  - ours: PublishedCrimeService.import_paths([folder]) into a new RuralWatch database (opened and migrated
    before the clock starts): parse and check every row, dedupe keys, British National Grid projection,
    one transaction with INSERT OR IGNORE into published_crimes (a UNIQUE key and three indexes, WAL,
    synchronous=FULL, as the app runs);
  - re-import: the same call again on that database (every row is a duplicate);
  - sqlite3 .import: the sqlite3 command-line tool loading the same files with `.import --csv --skip 1` into
    plain tables (one per header variant) of a new database: no checks, no keys, no indexes. This is the
    target's baseline (ours <= 3x);
  - sqlite3 .import, indexed: the same, but into a WAL, synchronous=FULL database whose tables have indexes
    on Crime ID, month, crime type and LSOA code: what SQLite itself needs to store these rows indexed, before
    any Python runs. For context only;
  - SQLite's share of ours: the rows already parsed (not timed) inserted with `executemany` into RuralWatch's own
    published_crimes (its dedupe key, projected coordinates, its UNIQUE key and three indexes built after the
    rows, encrypted with --encrypted), one transaction: what the store alone costs for our schema, before any
    parsing, checking or audit digest. For context only;
  - csv.reader alone: the standard library's CSV reader over the same files, rows read and dropped, no checks: the
    least any Python importer does. With SQLite's share it is the floor of an importer that parses and stores on
    one thread (a second thread cannot overlap row-by-row inserts: see docs/BENCHMARKS.md, "Fourth pass").
With --encrypted our database is opened with a fixed 32-byte key (as the application's, after sign-in: this is
the import "after start-up"). Besides the wall clock, the CPU time of ours (this process) and of the sqlite3
tool (its child process) is printed: on a shared machine it moves much less with the load. The load average is
printed with every run. Prints figures (median and best of the runs); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "police-uk" / "essex"

CSV_COLUMNS = ("crime_id, month, reported_by, falls_within, longitude, latitude, location, lsoa_code, lsoa_name, "
               "crime_type, last_outcome_category, context")


# --encrypted: a benchmark's key, not a secret (as bench/startup_100k.py).
BENCH_KEY = bytes.fromhex("5f0c8e2a9b7d41e6a3c2f9081d7e6b5a4c3b2a1908f7e6d5c4b3a29181f0e1d2")
CPU: dict[str, list[float]] = {"ours": [], "plain": []}


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def time_ours(folder: Path, work: Path, key: bytes | None = None) -> tuple[float, float, dict[str, object]]:
    from ruralwatch.services.published import PublishedCrimeService
    from ruralwatch.store import open_store

    store = open_store(work / "ruralwatch.db", key=key)
    try:
        service = PublishedCrimeService(store)
        started, cpu = time.perf_counter(), time.process_time()
        report = service.import_paths([folder])
        first = time.perf_counter() - started
        CPU["ours"].append(time.process_time() - cpu)
        started = time.perf_counter()
        service.import_paths([folder])
        again = time.perf_counter() - started
        return first, again, report.to_dict()
    finally:
        store.close()


def time_store_share(folder: Path, work: Path, key: bytes | None) -> float:
    """CPU seconds SQLite needs to store the parsed rows in RuralWatch's own table and indexes."""
    from ruralwatch.io.police_uk import parse_file
    from ruralwatch.services.published import _insert_sql  # the importer's own statement
    from ruralwatch.store import open_store

    records = [r for path in sorted(folder.glob("*.csv")) for r in parse_file(path).records]
    store = open_store(work / "share.db", key=key)
    try:
        conn = store.db.conn
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                               "tbl_name = 'published_crimes' AND sql IS NOT NULL").fetchall()
        cpu = time.process_time()
        with store.transaction():
            conn.execute("PRAGMA cache_size = -131072")
            batch = conn.execute("INSERT INTO import_batches(source) VALUES ('bench')").lastrowid
            for name, _sql in indexes:
                conn.execute(f"DROP INDEX [{name}]")
            conn.executemany(_insert_sql(int(batch or 0)), records)
            for _name, sql in indexes:
                conn.execute(sql)
        return time.process_time() - cpu
    finally:
        store.close()


def time_csv_reader(files: list[Path]) -> float:
    """CPU seconds the csv module takes to read every row of the files (decoded as the importer does)."""
    import csv
    import io

    cpu = time.process_time()
    for path in files:
        for _row in csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")):
            pass
    return time.process_time() - cpu


def time_sqlite_import(sqlite3_tool: str, files: list[Path], db: Path, indexed: bool) -> tuple[float, int]:
    setup = []
    if indexed:
        setup += ["PRAGMA journal_mode = WAL;", "PRAGMA synchronous = FULL;"]
    for table in ("standard", "snake_case"):
        setup.append(f"CREATE TABLE {table}({CSV_COLUMNS});")
        if indexed:
            for column in ("crime_id", "month", "crime_type", "lsoa_code"):
                setup.append(f"CREATE INDEX {table}_{column} ON {table}({column});")
    subprocess.run([sqlite3_tool, str(db)], input="\n".join(setup), text=True, check=True, capture_output=True)
    commands = []
    for path in files:
        with path.open("rb") as handle:
            snake = handle.read(8) == b"crime_id"
        commands.append(f".import --csv --skip 1 '{path}' {'snake_case' if snake else 'standard'}")
    script = "\n".join(commands) + "\n"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sqlite3_tool, str(db)], input=script, text=True, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not indexed:
        CPU["plain"].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    conn = sqlite3.connect(db)
    try:
        rows = sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("standard", "snake_case"))
    finally:
        conn.close()
    return seconds, rows


def describe(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s, best {min(values):.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of street-level CSV files")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--encrypted", action="store_true", help="our database encrypted (a fixed key)")
    parser.add_argument("--root", type=Path, help="run another checkout's code (e.g. the main branch: a before figure)")
    args = parser.parse_args()
    if args.root:
        sys.path.insert(0, str(args.root.resolve()))
    files = sorted(p for p in args.data.iterdir() if p.suffix.lower() == ".csv")
    sqlite3_tool = shutil.which("sqlite3")

    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (Python module)")
    if sqlite3_tool:
        version = subprocess.run([sqlite3_tool, "--version"], capture_output=True, text=True).stdout.split()[0]
        print(f"sqlite3 tool: {sqlite3_tool} {version}")
    print(f"data: {args.data} ({len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB)")
    from sqlcipher3 import dbapi2 as driver

    print(f"driver: {Path(driver.__file__).parent} (SQLite {driver.sqlite_version})")

    ours: list[float] = []
    again: list[float] = []
    plain: list[float] = []
    indexed: list[float] = []
    share: list[float] = []
    reader: list[float] = []
    report: dict[str, object] = {}
    plain_rows = 0
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="ruralwatch-import-bench-") as tmp:
            work = Path(tmp)
            loads = load()
            first, repeat, report = time_ours(args.data, work, BENCH_KEY if args.encrypted else None)
            ours.append(first)
            again.append(repeat)
            share.append(time_store_share(args.data, work, BENCH_KEY if args.encrypted else None))
            reader.append(time_csv_reader(files))
            line = (f"run {run}: ours {first:.3f} s, re-import {repeat:.3f} s, SQLite's share CPU {share[-1]:.3f} s, "
                    f"csv.reader CPU {reader[-1]:.3f} s")
            if sqlite3_tool:
                seconds, plain_rows = time_sqlite_import(sqlite3_tool, files, work / "plain.db", indexed=False)
                plain.append(seconds)
                seconds_indexed, _ = time_sqlite_import(sqlite3_tool, files, work / "indexed.db", indexed=True)
                indexed.append(seconds_indexed)
                line += f", sqlite3 .import {seconds:.3f} s, sqlite3 .import indexed {seconds_indexed:.3f} s"
            print(f"{line} (load {loads} -> {load()})", flush=True)

    print()
    import ruralwatch

    print(f"code: {Path(ruralwatch.__file__).parent}")
    print(f"ours (import_paths, fresh {'encrypted ' if args.encrypted else ''}database): {describe(ours)}; "
          f"CPU median {statistics.median(CPU['ours']):.3f} s")
    print(f"ours, importing the same files again: {describe(again)}")
    print(f"SQLite's share of ours (our table and indexes, rows already parsed): CPU median "
          f"{statistics.median(share):.3f} s")
    if plain:
        print(f"sqlite3 .import --csv --skip 1, plain tables: {describe(plain)} ({plain_rows:,} rows); "
              f"CPU median {statistics.median(CPU['plain']):.3f} s")
        print(f"sqlite3 .import into indexed WAL tables (context): {describe(indexed)}")
        ratio = statistics.median(ours) / statistics.median(plain)
        print(f"ratio ours / sqlite3 .import (medians): {ratio:.2f}x (target <= 3x); "
              f"best-of ratio {min(ours) / min(plain):.2f}x")
        print(f"ratio of CPU time (medians): {statistics.median(CPU['ours']) / statistics.median(CPU['plain']):.2f}x")
        floor = statistics.median(reader) + statistics.median(share)
        print(f"one-thread floor, csv.reader alone {statistics.median(reader):.3f} s + SQLite's share: "
              f"CPU {floor:.3f} s = {floor / statistics.median(CPU['plain']):.2f}x the CPU of .import")
        indexed_ratio = statistics.median(ours) / statistics.median(indexed)
        print(f"ratio ours / sqlite3 .import indexed (medians): {indexed_ratio:.2f}x")
    else:
        print("sqlite3 command-line tool not found: no comparison")
    reasons = report.get("rejected_reasons") or {}
    print(f"rows: read {report['rows_read']:,}, imported {report['imported']:,}, duplicates {report['duplicates']:,}, "
          f"rejected {report['rejected']:,} {reasons}, no_location {report['no_location']:,}, files {report['files']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
