"""Benchmark: incidents written through the services, audit on, encrypted (issue 21), against SQLite's own inserts.

    .venv/bin/python bench/service_write_bench.py [--count 100000] [--runs 3] [--signed-in] [--root CHECKOUT]

Each run, in a fresh child process, on a new encrypted database (a fixed 32-byte key, as `startup_100k.py
--encrypted` uses; with `--signed-in` a database made by `create_database` and signed in, so the reporters'
details are also sealed with the field keys):
  - services: `IncidentService.record_many` of `count` demo incidents (with their vehicles and stolen items:
    validation, clocks, field sealing, the audit), the path `ruralwatch demo` and every bulk load take; the
    inputs are generated before the clock starts;
  - floor: the same rows as stored (read back from that database: incidents, vehicles, items, with their ids and
    clocks) inserted with `executemany` into a new encrypted database with the same schema and indexes, one
    transaction: what SQLite and SQLCipher need to store them, no Python per row.
Prints rows/s (incidents per second) and the process's CPU time, the audit entries written and the load
average; the median over the runs. `--root` runs another checkout's code (the main branch, for a before figure).
Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_KEY = bytes.fromhex("5f0c8e2a9b7d41e6a3c2f9081d7e6b5a4c3b2a1908f7e6d5c4b3a29181f0e1d2")
TABLES = ("incidents", "incident_vehicles", "stolen_items")
PASSWORD = "correct horse battery staple 1"


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def child(count: int, folder: Path, signed_in: bool, root: Path) -> dict[str, float]:
    sys.path.insert(0, str(root))
    from datetime import UTC, datetime

    from ruralwatch.services.demo import demo_incidents
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.store import open_store

    path = folder / "services.db"
    if signed_in:
        from ruralwatch.services.accounts import create_database, sign_in
        from ruralwatch.store.keyring import TEST_PARAMS

        create_database(path, "admin", PASSWORD, TEST_PARAMS).close()
        store = sign_in(path, "admin", PASSWORD)
    else:
        store = open_store(path, key=BENCH_KEY)
    inputs = list(demo_incidents(2026, count, datetime(2026, 11, 24, 17, 0, tzinfo=UTC)))
    entries_before = store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    service = IncidentService(store)
    started, cpu = time.perf_counter(), time.process_time()
    added = service.record_many(inputs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    entries = store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] - entries_before
    rows = {}
    for table in TABLES:
        cursor = store.db.execute(f"SELECT * FROM {table}")
        rows[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    key = store.key
    store.close()

    floor = open_store(folder / "floor.db", key=key)
    started_floor, cpu_floor = time.perf_counter(), time.process_time()
    with floor.transaction():
        for table, (names, values) in rows.items():
            floor.db.conn.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values)
    floor_seconds, floor_cpu = time.perf_counter() - started_floor, time.process_time() - cpu_floor
    floor.close()
    return {"added": added, "seconds": seconds, "cpu": cpu, "entries": entries,
            "rows": sum(len(v) for _n, v in rows.values()), "floor_seconds": floor_seconds, "floor_cpu": floor_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--signed-in", action="store_true", help="a signed-in database with field keys")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code to run (default: this one)")
    parser.add_argument("--driver-path", type=Path,
                        help="a folder put first on the child's PYTHONPATH (e.g. `pip install --target DIR` of another "
                             "sqlcipher3 build: the same code on another driver)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options.count, options.child, options.signed_in, options.root.resolve())))
        return
    results = []
    loads = [load()]
    for _run in range(options.runs):
        with tempfile.TemporaryDirectory(prefix="rw-write-bench-") as folder:
            command = [sys.executable, __file__, "--count", str(options.count), "--child", folder,
                       "--root", str(options.root.resolve())]
            if options.signed_in:
                command.append("--signed-in")
            done = subprocess.run(command, check=True, capture_output=True, text=True,
                                  cwd=folder, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                      [*([str(options.driver_path.resolve())] if options.driver_path else []),
                                       str(options.root.resolve())])})
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            loads.append(load())
    count = options.count

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"load average (1 min) before and after each run: {' / '.join(loads)}; {options.runs} runs, medians")
    print(f"code: {options.root.resolve()}" + (f", driver from {options.driver_path}" if options.driver_path else ""))
    print(f"{count:,} incidents ({results[0]['rows']:,} rows with vehicles and items), encrypted"
          f"{', signed in (field keys)' if options.signed_in else ''}, audit on "
          f"({results[0]['entries']:,} audit entries written)")
    print(f"  services (record_many): {median('seconds'):7.2f} s = {count / median('seconds'):8,.0f} incidents/s; "
          f"CPU {median('cpu'):6.2f} s = {count / median('cpu'):8,.0f}/s")
    print(f"  floor (executemany):    {median('floor_seconds'):7.2f} s = {count / median('floor_seconds'):8,.0f} "
          f"incidents/s; CPU {median('floor_cpu'):6.2f} s")
    print(f"  ratio services / floor: {median('seconds') / median('floor_seconds'):.1f}x")


if __name__ == "__main__":
    main()
