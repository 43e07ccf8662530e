"""Benchmark: the standard library's sqlite3 against sqlcipher3 (without a key, and with one), statement by statement.

    .venv/bin/python bench/driver_bench.py [--rows 100000] [--rounds 3]

Each round, for each driver, on a new file in WAL mode with synchronous=FULL and a 64 MiB cache (as RuralWatch
opens its store), times with the CPU clock of this process (steadier than the wall clock on a shared machine):
  - `SELECT 1` executed `rows` times: the driver's own cost per statement (binding, stepping, the row object);
  - INSERT one row per `execute` into a table with a random text primary key and one index (`rows` rows, one
    transaction), then `executemany` of as many more, then the COMMIT;
  - SELECT by primary key, one `execute` per row; a full scan with `fetchall`.
Prints the medians over the rounds, the versions and the compile options in which the two builds differ.
Asserts nothing. docs/BENCHMARKS.md ("the driver gap") explains the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher

KEY = "x'" + "5f0c8e2a9b7d41e6a3c2f9081d7e6b5a4c3b2a1908f7e6d5c4b3a29181f0e1d2" + "'"
STEPS = ("select 1", "insert execute", "insert executemany", "commit", "select by key", "scan fetchall")


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def connect(kind: str, path: Path) -> Any:
    if kind == "sqlite3":
        conn = sqlite3.connect(path, isolation_level=None)
    else:
        conn = sqlcipher.connect(str(path), isolation_level=None)
        if kind == "sqlcipher3, key":
            conn.execute(f'PRAGMA key = "{KEY}"')
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -65536", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def one_round(kind: str, folder: Path, rows: int) -> dict[str, float]:
    path = folder / f"{kind.replace(', ', '-')}.db"
    conn = connect(kind, path)
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, kind TEXT, n INTEGER, x REAL, body TEXT)")
    conn.execute("CREATE INDEX t_kind ON t(kind)")
    first = [(str(uuid.uuid4()), f"kind{i % 17}", i, i * 0.5, "some text " * 8) for i in range(rows)]
    second = [(str(uuid.uuid4()), f"kind{i % 17}", i, i * 0.5, "some text " * 8) for i in range(rows)]
    figures: dict[str, float] = {}

    def timed(step: str, work: Callable[[], object]) -> None:
        started = time.process_time()
        work()
        figures[step] = time.process_time() - started

    def selects() -> None:
        for _ in range(rows):
            conn.execute("SELECT 1").fetchone()

    def inserts() -> None:
        conn.execute("BEGIN IMMEDIATE")
        for row in first:
            conn.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", row)

    timed("select 1", selects)
    timed("insert execute", inserts)
    timed("insert executemany", lambda: conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", second))
    timed("commit", lambda: conn.execute("COMMIT"))
    keys = [row[0] for row in first]
    timed("select by key", lambda: [conn.execute("SELECT * FROM t WHERE id = ?", [k]).fetchone() for k in keys])
    timed("scan fetchall", lambda: conn.execute("SELECT * FROM t").fetchall())
    conn.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    kinds = ("sqlite3", "sqlcipher3, no key", "sqlcipher3, key")
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    loads = [load()]
    for round_number in range(options.rounds):
        order = kinds if round_number % 2 == 0 else tuple(reversed(kinds))
        for kind in order:
            with tempfile.TemporaryDirectory(prefix="rw-driver-bench-") as folder:
                results[kind].append(one_round(kind, Path(folder), options.rows))
        loads.append(load())

    probe_a, probe_b = sqlite3.connect(":memory:"), sqlcipher.connect(":memory:")
    options_a = {r[0] for r in probe_a.execute("PRAGMA compile_options")}
    options_b = {r[0] for r in probe_b.execute("PRAGMA compile_options")}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"sqlite3: SQLite {sqlite3.sqlite_version}; sqlcipher3: SQLite "
          f"{probe_b.execute('SELECT sqlite_version()').fetchone()[0]}, SQLCipher "
          f"{probe_b.execute('PRAGMA cipher_version').fetchone()[0]}, cipher_memory_security "
          f"{probe_b.execute('PRAGMA cipher_memory_security').fetchone()[0]}")
    print(f"compile options only in sqlite3: {', '.join(sorted(options_a - options_b))}")
    print(f"compile options only in sqlcipher3: {', '.join(sorted(options_b - options_a))}")
    print(f"load average (1 min) before and after each round: {' / '.join(loads)}; {options.rounds} rounds, "
          f"{options.rows:,} rows per step; CPU seconds, medians")
    print(f"{'step':22}" + "".join(f"{kind:>22}" for kind in kinds))
    for step in STEPS:
        print(f"{step:22}" + "".join(f"{statistics.median(r[step] for r in results[kind]):21.3f}s"
                                     for kind in kinds))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
