"""Benchmark: why the importer does not hand its row-by-row inserts to a second thread.

    .venv/bin/python bench/thread_overlap_bench.py [--rows 200000] [--work 12000000] [--runs 4]

Times, with the SQLCipher driver the store uses: `executemany` of the rows into an in-memory table alone; a pure
Python loop (standing for the parser) alone; then both at once, the inserts on a second thread. Each row's step lets
go of the interpreter lock only while SQLite runs, which for an insert into a table without indexes is a small part
of the row's cost (binding the values holds the lock), so the two threads take turns instead of overlapping: the
total is that of running them one after the other. docs/BENCHMARKS.md (issue 21, "Fourth pass: the import's
floor") gives the figures. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

from sqlcipher3 import dbapi2 as driver


def _table() -> driver.Connection:
    conn = driver.connect(":memory:", check_same_thread=False)
    conn.execute("CREATE TABLE t(a, b, c, d, e)")
    return conn


def _python_work(loops: int) -> int:
    total = 0
    for number in range(loops):
        total += number
    return total


def one_run(rows: list[tuple[object, ...]], loops: int) -> tuple[float, float, float]:
    conn = _table()
    started = time.perf_counter()
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    inserts = time.perf_counter() - started
    conn.close()
    started = time.perf_counter()
    _python_work(loops)
    python = time.perf_counter() - started

    conn = _table()
    worker = threading.Thread(target=conn.executemany, args=("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows))
    started = time.perf_counter()
    worker.start()
    _python_work(loops)
    worker.join()
    together = time.perf_counter() - started
    conn.close()
    return inserts, python, together


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--work", type=int, default=12_000_000, help="loops of the pure Python work")
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    rows = [(i, "x" * 40, i * 1.5, "y" * 20, None) for i in range(args.rows)]
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"Python {sys.version.split()[0]}, switch interval {sys.getswitchinterval() * 1000:.0f} ms, load {load}")
    results = [one_run(rows, args.work) for _ in range(args.runs)]
    for inserts, python, together in results:
        print(f"inserts alone {inserts:.3f} s, Python alone {python:.3f} s, "
              f"one after the other {inserts + python:.3f} s, on two threads {together:.3f} s")
    sequential = statistics.median(i + p for i, p, _ in results)
    overlapped = statistics.median(t for _, _, t in results)
    print(f"medians: one after the other {sequential:.3f} s, on two threads {overlapped:.3f} s "
          f"({overlapped / sequential:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
