"""Benchmark: the Sync panel's pending count (asked on the UI thread) and an incremental export's row filter.

    .venv/bin/python bench/sync_pending_bench.py [--incidents 100000] [--runs 3]

On the encrypted 100,000-incident database of bench/startup_100k.py (built and cached in $TMPDIR when missing), for
a peer that has seen nothing, one that holds every row, and one that holds every row although the threshold clock
rules none out (a laptop holding writes the peer never heard of), times: the old count (rows above the threshold
clock, one COUNT per table), `SyncService.pending`'s SQL (the per-row rule) and the same rule in Python over the
rows (`merge.row_known_to`, as an export filters them). Prints figures (medians); asserts nothing.
docs/BENCHMARKS.md ("Sync: what a peer already holds") gives them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from startup_100k import BENCH_KEY, build_database

from ruralwatch.services.sync import _PENDING_SQL, SyncService
from ruralwatch.store import open_store
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync.merge import Side, row_known_to

STRANGER = "ffffffffffffffff"  # a peer device id no row was written by


def _median(runs: int, work: Callable[[], int]) -> tuple[float, int]:
    seconds, found = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        found = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cached = Path(os.environ.get("TMPDIR", "/tmp")) / f"ruralwatch-bench-{args.incidents}-encrypted.db"
    if not cached.exists():
        build_database(cached, args.incidents, BENCH_KEY)
    with tempfile.TemporaryDirectory(prefix="rw-pending-") as folder:
        copy = Path(folder) / "pending.db"
        shutil.copy(cached, copy)
        store = open_store(copy, key=BENCH_KEY)
        try:
            sync = SyncService(store)
            seen = sync.seen()
            load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
            rows = sum(int(store.db.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0]) for t in SYNCABLE_TABLES)
            print(f"{cached.name}: {rows:,} syncable rows, written by {len(seen)} device(s); load {load}; "
                  f"Python {sys.version.split()[0]}")
            cases = (("a peer that has seen nothing", {}, None), ("a peer that holds every row", seen, None),
                     # The walk's case: B holds all of A and writes of its own A never saw, so the one threshold
                     # clock rules nothing out and every row is judged by its clocks.
                     ("a peer that holds every row, threshold ruling none out", seen, ""))
            for label, view, forced in cases:
                # The peer as `sync trust` would record it, with the `seen` vector its last package carried.
                store.db.execute("DELETE FROM sync_peers WHERE device_id = ?", [STRANGER])
                store.db.execute("INSERT INTO sync_peers (device_id, name, public_key, trusted_at, received_seen) "
                                 "VALUES (?, 'bench peer', ?, '2026-12-07T00:00:00Z', ?)",
                                 [STRANGER, "00" * 32, json.dumps(view)])
                threshold = SyncService._threshold(seen, view) if forced is None else forced
                old, old_rows = _median(args.runs, lambda th=threshold: sum(int(store.db.execute(
                    f"SELECT COUNT(*) FROM [{t}] WHERE hlc > ?", [th]).fetchone()[0]) for t in SYNCABLE_TABLES))
                params = {"threshold": threshold, "peer": STRANGER, "view": json.dumps(view)}
                in_sql, sql_rows = _median(args.runs, lambda p=params: sum(int(store.db.execute(
                    _PENDING_SQL.format(table=t), p).fetchone()[0]) for t in SYNCABLE_TABLES))
                peer = Side(STRANGER, view)

                def in_python(th: str = threshold, side: Side = peer) -> int:
                    return sum(1 for t in SYNCABLE_TABLES for hlc, clocks in store.db.execute(
                        f"SELECT hlc, field_hlc FROM [{t}] WHERE hlc > ?", [th]) if not row_known_to(side, hlc, clocks))

                python, python_rows = _median(args.runs, in_python)
                print(f"{label}: rows above the threshold {old_rows:,} in {old:.3f} s; pending in SQL {sql_rows:,} "
                      f"in {in_sql:.3f} s; the export's rule in Python {python_rows:,} in {python:.3f} s")
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
