"""What SQLCipher's page HMAC costs (issue 21, fifth pass): the same table written, read by key at random and
updated, once per `cipher_hmac_algorithm` and once plain, in CPU seconds of this process for each step.

    .venv/bin/python bench/hmac_bench.py --rows 300000 --picked 30000 HMAC_SHA512 HMAC_SHA256 HMAC_SHA1 plain

ROWS rows of eight columns keyed by a random UUID (as RuralWatch's rows are), PICKED of them read 500 ids a
statement and then updated in one transaction, the page cache at the application's 64 MiB. RuralWatch's files use
SQLCipher 4's default, HMAC_SHA512; the others would be a change of file format (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as driver

from ruralwatch.store.database import CACHE_KIB

KEY = "x'" + "11" * 32 + "'"
SCHEMA = "CREATE TABLE t (uuid TEXT PRIMARY KEY, d TEXT, k TEXT, lat REAL, lon REAL, n INT, ts TEXT, clocks TEXT)"


def connect(path: Path, algorithm: str) -> Any:
    conn = driver.connect(str(path))
    if algorithm != "plain":
        conn.execute(f'PRAGMA key = "{KEY}"')
        conn.execute(f"PRAGMA cipher_hmac_algorithm = {algorithm}")
    conn.execute("PRAGMA cipher_memory_security = OFF")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


def cpu_of(step: Any) -> float:
    start = time.process_time()
    step()
    return time.process_time() - start


def run(folder: Path, algorithm: str, rows: list[tuple[Any, ...]], picked: list[str]) -> str:
    path = folder / f"{len(list(folder.iterdir()))}-{algorithm}.db"
    conn = connect(path, algorithm)
    conn.execute(SCHEMA)
    conn.execute("CREATE INDEX t_ts ON t(ts)")

    def insert() -> None:
        with conn:
            conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    inserted = cpu_of(insert)
    conn.close()
    conn = connect(path, algorithm)  # a cold page cache, as a merge starts with

    def read() -> None:
        for start in range(0, len(picked), 500):
            chunk = picked[start:start + 500]
            conn.execute(f"SELECT * FROM t WHERE uuid IN ({','.join('?' * len(chunk))})", chunk).fetchall()

    def update() -> None:
        with conn:
            conn.executemany("UPDATE t SET n = n + 1, ts = ? WHERE uuid = ?", [("2026-02-02", key) for key in picked])

    read_cpu, update_cpu = cpu_of(read), cpu_of(update)
    conn.close()
    return (f"{algorithm:12} insert {inserted:.2f} s  read {read_cpu:.2f} s  update+commit {update_cpu:.2f} s  "
            f"total {inserted + read_cpu + update_cpu:.2f} s CPU  ({path.stat().st_size / 1e6:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--picked", type=int, default=30_000)
    parser.add_argument("algorithms", nargs="+", metavar="HMAC_SHA512|HMAC_SHA256|HMAC_SHA1|plain")
    args = parser.parse_args()
    randomly = random.Random(1)
    keys = [str(uuid.UUID(int=randomly.getrandbits(128))) for _ in range(args.rows)]
    rows = [(key, "desc " * 40, "hare_coursing", 51.5 + n * 1e-6, 0.5, n, "2026-01-01T00:00:00Z", '{"a": "dev"}')
            for n, key in enumerate(keys)]
    picked = randomly.sample(keys, args.picked)
    print(f"{args.rows:,} rows, {args.picked:,} read and updated; load {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hmac-bench-") as folder:
        for algorithm in args.algorithms:
            print(run(Path(folder), algorithm, rows, picked), flush=True)
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
