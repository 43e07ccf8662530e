"""Benchmark: the SQLite floor of `sync_bench.py`'s central merge: the same statements without the merge's Python.

    .venv/bin/python bench/merge_floor_bench.py [--central-rows 1000000] [--changed-rows 100000] [--plain]
        [--cache-kib 65536]

Builds the bench's central store (sync_bench.build_central: encrypted with its key unless --plain), then, in one
transaction on a connection set up as RuralWatch opens its store (WAL, synchronous=FULL, the store's page cache),
reads every tenth row 500 ids per `SELECT *` and rewrites the columns the laptop changed (place, status, hlc,
field_hlc, device_id) with one `executemany` per batch, as the merge does, then commits (with the WAL checkpoint the
commit runs). Prints the CPU time of this process (steadier than the wall clock on a shared machine) and the wall
clock of the statements and of the commit, and the 1-minute load average. docs/BENCHMARKS.md (issue 21, "Third
pass") gives the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sync_bench import BENCH_KEY, build_central

from ruralwatch.store.database import CACHE_KIB, connect


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--central-rows", type=int, default=1_000_000)
    parser.add_argument("--changed-rows", type=int, default=100_000)
    parser.add_argument("--plain", action="store_true", help="no encryption")
    parser.add_argument("--cache-kib", type=int, default=CACHE_KIB, help="page cache of the connection")
    args = parser.parse_args()
    key = None if args.plain else BENCH_KEY
    folder = Path(tempfile.mkdtemp(prefix="rw-merge-floor-"))
    try:
        path = folder / "central.db"
        ids = build_central(path, args.central_rows, key)
        step = max(1, len(ids) // args.changed_rows)
        changed = ids[::step][: args.changed_rows]
        conn = connect(path, key)
        conn.isolation_level = None
        for pragma in ("journal_mode = WAL", "synchronous = FULL", f"cache_size = -{args.cache_kib}"):
            conn.execute(f"PRAGMA {pragma}").fetchall()
        device = "f100rbench000000"
        load, started, cpu = _load(), time.perf_counter(), _cpu()
        conn.execute("BEGIN IMMEDIATE")
        for start in range(0, len(changed), 500):
            batch = changed[start : start + 500]
            rows = conn.execute(f"SELECT * FROM incidents WHERE id IN ({','.join('?' * len(batch))})", batch).fetchall()
            params = []
            for n, row in enumerate(rows):
                clock = f"{1_765_000_000_000:015d}-{start + n:06d}-{device}"
                params.append(
                    (f"Changed {start + n}", "under_investigation", clock, json.dumps({"*": clock}), device, row[0])
                )
            conn.executemany(
                "UPDATE incidents SET place = ?, status = ?, hlc = ?, field_hlc = ?, device_id = ? WHERE id = ?", params
            )
        statements_s, statements_cpu = time.perf_counter() - started, _cpu() - cpu
        conn.execute("COMMIT")
        total_s, total_cpu = time.perf_counter() - started, _cpu() - cpu
        conn.close()
        print(
            f"floor: {len(changed):,} of {len(ids):,} rows, {'plain' if key is None else 'encrypted'}, cache "
            f"{args.cache_kib:,} KiB: statements {statements_s:.2f} s (CPU {statements_cpu:.2f} s), commit "
            f"{total_s - statements_s:.2f} s (CPU {total_cpu - statements_cpu:.2f} s), total {total_s:.2f} s, "
            f"CPU {total_cpu:.2f} s (load {load} -> {_load()})"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
