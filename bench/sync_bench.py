"""Sync benchmark: export a package of changed incidents and merge it into a large central database.

A central database holds --central-rows generated incidents (built with executemany, not the service; not flagged
`synthetic`, the demo data's flag: demo rows never leave a laptop, so a package of them would be empty). A laptop
(a copy of it with its own device id) changes --changed-rows of them; it exports the change package (only rows
above what the central store is known to have), the central store merges it, then merges it again (skipped).
Targets: export < 10 s, merge < 10 s, re-merge < 1 s.

    .venv/bin/python bench/sync_bench.py [--central-rows 1000000] [--changed-rows 100000] [--keep DIR] [--encrypted]
        [--profile FILE] [--cache DIR]

--encrypted opens every database (central, laptop, and the direct set-up connections) with BENCH_KEY, a fixed
32-byte key, as a signed-in RuralWatch would (SQLCipher, raw key, no key derivation), and the package is encrypted
with BENCH_PASSPHRASE (an encrypted database only exports encrypted packages); without it the files are plain.
--profile writes a cProfile of the first merge to FILE (pstats format).
--cache keeps the central and laptop stores as built (before trust, export and merge) in DIR, one pair per size and
encryption, and later runs start from copies of them: the set-up (about 45 s at the target sizes) is paid once, and
before/after runs of different code merge the same rows.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from ruralwatch.core.clock import Hlc
from ruralwatch.services.sync import SyncService
from ruralwatch.store import open_store
from ruralwatch.store.database import connect

# A fixed random key, so encrypted runs are reproducible and --keep files can be reopened (a benchmark, not a secret).
BENCH_KEY = bytes.fromhex("5f0c8e2a9b7d41e6a3c2f9081d7e6b5a4c3b2a1908f7e6d5c4b3a29181f0e1d2")
# An encrypted database's packages are encrypted too (SyncService.export asks for a passphrase): the bench's own.
BENCH_PASSPHRASE = "sync bench passphrase, not a secret"
ORIGIN = "benchorigin0000"
BASE_MILLIS = 1_700_000_000_000


def _clock(millis: int, counter: int, device: str) -> str:
    return Hlc(millis, counter, device).encode()


def build_central(path: Path, rows: int, key: bytes | None) -> list[str]:
    store = open_store(path, key=key)
    store.close()
    conn = connect(path, key)
    ids = [str(uuid.UUID(int=i + 1)) for i in range(rows)]
    stamp = "2026-01-01T00:00:00.000000Z"
    top = ""

    def generate():
        nonlocal top
        for i, row_id in enumerate(ids):
            clock = _clock(BASE_MILLIS + i // 1000, i % 1000, ORIGIN)
            top = clock
            yield (row_id, "fly_tipping", "2025-11-20T09:30:00Z", "2025-11-21T10:00:00Z", 51.5 + (i % 1000) / 2000,
                   0.1 + (i % 997) / 2000, f"Place {i % 5000}", "synthetic", "open", 0, stamp, stamp, ORIGIN, clock,
                   json.dumps({"*": clock}), 0)

    with conn:
        conn.executemany(
            "INSERT INTO incidents(id, kind, occurred_start, reported_at, lat, lon, place, description, status, "
            "synthetic, created_at, updated_at, device_id, hlc, field_hlc, deleted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            generate(),
        )
        conn.execute("INSERT INTO meta(key, value) VALUES ('sync_seen', ?)", [json.dumps({ORIGIN: top})])
    conn.close()
    return ids


def make_laptop(central: Path, laptop: Path, ids: list[str], changed: int, key: bytes | None) -> None:
    shutil.copyfile(central, laptop)
    device = uuid.uuid4().hex[:16]
    conn = connect(laptop, key)
    now = time.time_ns() // 1_000_000
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'device_id'", [device])
        step = max(1, len(ids) // changed)

        def generate():
            for n, row_id in enumerate(ids[::step][:changed]):
                clock = _clock(now, n, device)
                star = conn.execute("SELECT field_hlc FROM incidents WHERE id = ?", [row_id]).fetchone()[0]
                field_hlc = {**json.loads(star), "place": clock, "status": clock}
                yield (f"Changed {n}", "under_investigation", clock, json.dumps(field_hlc, sort_keys=True), device,
                       row_id)

        conn.executemany(
            "UPDATE incidents SET place = ?, status = ?, hlc = ?, field_hlc = ?, device_id = ? WHERE id = ?",
            list(generate()),
        )
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--central-rows", type=int, default=1_000_000)
    parser.add_argument("--changed-rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--encrypted", action="store_true", help="encrypt every database with a fixed key")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the merge to this file")
    parser.add_argument("--cache", type=Path, help="reuse (or keep) the built stores in this folder")
    args = parser.parse_args()
    key = BENCH_KEY if args.encrypted else None
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rw-sync-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    central_path, laptop_path, package_path = folder / "central.db", folder / "laptop.db", folder / "laptop.rwsync"
    for path in (central_path, laptop_path, package_path):
        path.unlink(missing_ok=True)
    try:
        started = time.perf_counter()
        cached, reused = None, False
        if args.cache:
            # "real": the rows are not flagged as demo data, which never leaves a laptop (sync/demo_rows.py); a
            # cache built before they were named so held flagged rows, and a package of none of them.
            cached = args.cache / f"{args.central_rows}-{args.changed_rows}-{'encrypted' if key else 'plain'}-real"
        if cached and (cached / "laptop.db").is_file():
            shutil.copyfile(cached / "central.db", central_path)
            shutil.copyfile(cached / "laptop.db", laptop_path)
            reused = True
        else:
            ids = build_central(central_path, args.central_rows, key)
            make_laptop(central_path, laptop_path, ids, args.changed_rows, key)
            if cached:  # central first: a laptop.db in the folder says both are whole
                cached.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(central_path, cached / "central.db")
                shutil.copyfile(laptop_path, cached / "laptop.db")
        print(f"setup: {args.central_rows:,} central rows, {args.changed_rows:,} changed on the laptop, "
              f"{'encrypted' if key else 'plain'} "
              f"({time.perf_counter() - started:.1f} s{f', copied from {cached}' if reused else ''})")

        central, laptop = open_store(central_path, key=key), open_store(laptop_path, key=key)
        central_sync, laptop_sync = SyncService(central), SyncService(laptop)
        try:
            c, lap = central_sync.identity(), laptop_sync.identity()
            central_sync.trust(lap.device_id, lap.public_key, "laptop")
            laptop_sync.trust(c.device_id, c.public_key, "central")
            origin_top = central_sync.seen()[ORIGIN]
            with laptop.transaction():  # the central store is known to hold everything up to the copy
                laptop.db.execute("UPDATE sync_peers SET received_seen = ? WHERE device_id = ?",
                                  [json.dumps({ORIGIN: origin_top, lap.device_id: origin_top}), c.device_id])

            started = time.perf_counter()
            passphrase = BENCH_PASSPHRASE if key else None
            exported = laptop_sync.export(package_path, since_last_for=c.device_id, passphrase=passphrase)
            export_s = time.perf_counter() - started
            size = package_path.stat().st_size
            print(f"export:   {sum(exported.rows.values()):,} rows, {size / 1e6:.1f} MB in {export_s:.2f} s "
                  f"(target < 10 s)")

            profiler = cProfile.Profile() if args.profile else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            merged = central_sync.import_package(package_path, passphrase)
            merge_s = time.perf_counter() - started
            merge_cpu = time.process_time() - cpu
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(args.profile))
            print(f"merge:    {merged.rows:,} rows ({merged.updated:,} updated, {merged.inserted:,} new, "
                  f"{merged.conflicts} conflicts) in {merge_s:.2f} s, CPU {merge_cpu:.2f} s (target < 10 s; load "
                  f"{Path('/proc/loadavg').read_text().split()[0]})")

            started = time.perf_counter()
            again = central_sync.import_package(package_path, passphrase)
            remerge_s = time.perf_counter() - started
            print(f"re-merge: {again.status} in {remerge_s:.3f} s (target < 1 s)")
            ok = export_s < 10 and merge_s < 10 and remerge_s < 1 and merged.updated == args.changed_rows
        finally:
            central.close()
            laptop.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.central_rows < 1_000_000 or args.changed_rows < 100_000:
        print("note: smaller than the target sizes (1,000,000 central rows, 100,000 changed)")
    print("OK" if ok else "SLOWER THAN TARGET (or wrong counts)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
