"""Central store benchmark, PostgreSQL + PostGIS side by side with the SQLite central store, in one run.

Both central stores hold the same --central-rows synthetic incidents (the SQLite one built as bench/sync_bench.py
builds it; the PostgreSQL one COPYed from it, with its points, as `central merge` would have left them). A laptop
changes --changed-rows of them and exports its package; each central store then
  1. merges it (targets: PostgreSQL < 5 s; the SQLite central takes 9-12 s),
  2. merges it again (skipped by the ledger; target < 0.5 s),
  3. writes the outgoing package for the laptop (the rows it has not been sent: its own changes; target < 3 s),
  4. answers a bounding-box query as QGIS sends when panning (ids and points in a ~2 km window; target < 50 ms;
     the SQLite central has no spatial index: a scan of lat/lon, for comparison).

    .venv/bin/python bench/central_pg_bench.py [--central-rows 1000000] [--changed-rows 100000] [--dsn DSN]

Without --dsn a throwaway PostgreSQL cluster is started (tests/pg_cluster.py: initdb in a temporary folder, Unix
socket only, fsync off like the tests', shared_buffers from --server-memory; with --durable the server runs with
fsync on as an HQ server would). With --dsn the database must be empty and the role may create PostGIS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from pg_cluster import PgCluster  # noqa: E402
from sync_bench import ORIGIN, build_central, make_laptop  # noqa: E402

from ruralwatch.central import geometry  # noqa: E402
from ruralwatch.central.laptop_schema import laptop_schema  # noqa: E402
from ruralwatch.central.pg_schema import quote  # noqa: E402
from ruralwatch.central.postgres import PgCentral  # noqa: E402
from ruralwatch.central.sqlite_engine import SqliteCentral  # noqa: E402
from ruralwatch.central.target import PgTarget  # noqa: E402
from ruralwatch.services.sync import SyncService  # noqa: E402
from ruralwatch.store import open_store  # noqa: E402
from ruralwatch.store.database import connect  # noqa: E402

WINDOW = (0.30, 51.70, 0.33, 51.72)  # lon/lat: about 2 km by 2 km, a few hundred of the synthetic incidents
QUERIES = 21


def copy_into_pg(central: PgCentral, sqlite_path: Path) -> None:
    """The SQLite central's incidents (and its `seen` vector) into the PostgreSQL central store, with points."""
    spec = laptop_schema().table("incidents")
    columns = spec.names
    source = connect(sqlite_path, None)
    targets = ", ".join(quote(c) for c in [*columns, "geom", "geom_bng"])
    try:
        cursor = source.execute(f"SELECT {', '.join(columns)} FROM incidents")
        lat, lon = columns.index("lat"), columns.index("lon")
        with central.conn.transaction(), central.conn.cursor() as pg:
            with pg.copy(f"COPY incidents ({targets}) FROM STDIN".encode()) as copy:
                while batch := cursor.fetchmany(50_000):
                    wgs, bng = geometry.points([r[lat] for r in batch], [r[lon] for r in batch])
                    for row, a, b in zip(batch, wgs, bng, strict=True):
                        copy.write_row([*row, a, b])
            seen = source.execute("SELECT value FROM meta WHERE key = 'sync_seen'").fetchone()[0]
            pg.execute(b"INSERT INTO central_meta (key, value) VALUES ('seen', %s)", [seen])
        central.conn.execute(b"VACUUM ANALYZE incidents")
        # As a server that has been running: the bulk load's dirty pages written out (not during the timed merge)
        # and the table read once, so it is in the cache an HQ server's shared_buffers give it.
        central.conn.execute(b"CHECKPOINT")
        central.conn.execute(b"SELECT count(*) FROM incidents").fetchone()
    finally:
        source.close()


def timed(action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def bbox_pg(central: PgCentral) -> tuple[int, float]:
    times = []
    count = 0
    for _ in range(QUERIES):
        started = time.perf_counter()
        rows = central.conn.execute(
            b"SELECT id, ST_AsBinary(geom) FROM analyst.incidents WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
            list(WINDOW)).fetchall()
        times.append(time.perf_counter() - started)
        count = len(rows)
    return count, statistics.median(times[1:])


def bbox_sqlite(path: Path) -> tuple[int, float]:
    store = open_store(path)
    times = []
    count = 0
    try:
        for _ in range(QUERIES):
            started = time.perf_counter()
            rows = store.db.execute("SELECT id, lon, lat FROM incidents WHERE deleted = 0 AND lon BETWEEN ? AND ? "
                                    "AND lat BETWEEN ? AND ?",
                                    [WINDOW[0], WINDOW[2], WINDOW[1], WINDOW[3]]).fetchall()
            times.append(time.perf_counter() - started)
            count = len(rows)
    finally:
        store.close()
    return count, statistics.median(times[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--central-rows", type=int, default=1_000_000)
    parser.add_argument("--changed-rows", type=int, default=100_000)
    parser.add_argument("--dsn", help="an empty PostgreSQL database to use (default: a throwaway cluster)")
    parser.add_argument("--durable", action="store_true", help="the throwaway server with fsync on")
    parser.add_argument("--server-memory", default="2GB", metavar="SIZE",
                        help="the throwaway server's shared_buffers, as an HQ server is set up "
                             "(docs/CENTRAL-POSTGRES.md; default 2GB; the test suite's servers use 64MB)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rw-central-bench-"))
    cluster = None
    figures: dict[str, dict[str, str]] = {"postgresql": {}, "sqlite": {}}
    try:
        if args.dsn:
            dsn = args.dsn
        else:
            cluster = PgCluster.start(durable=args.durable, settings=(f"shared_buffers={args.server_memory}",))
            print(f"throwaway server: {' '.join(cluster.settings)}")
            dsn = cluster.dsn(cluster.new_database())
        sqlite_path, laptop_path, package_path = folder / "central.db", folder / "laptop.db", folder / "laptop.rwsync"
        started = time.perf_counter()
        ids = build_central(sqlite_path, args.central_rows, None)
        make_laptop(sqlite_path, laptop_path, ids, args.changed_rows, None)
        central_store, laptop = open_store(sqlite_path), open_store(laptop_path)
        central_sync, laptop_sync = SyncService(central_store), SyncService(laptop)
        pg, _ = PgCentral.init(PgTarget(dsn))
        lap = laptop_sync.identity()
        c = central_sync.identity()
        central_sync.trust(lap.device_id, lap.public_key, "laptop")
        pg.trust(lap.device_id, lap.public_key, "laptop")
        laptop_sync.trust(c.device_id, c.public_key, "central")
        origin_top = central_sync.seen()[ORIGIN]
        with laptop.transaction():
            laptop.db.execute("UPDATE sync_peers SET received_seen = ? WHERE device_id = ?",
                              [json.dumps({ORIGIN: origin_top, lap.device_id: origin_top}), c.device_id])
        exported = laptop_sync.export(package_path, since_last_for=c.device_id)
        laptop.close()
        print(f"setup SQLite: {args.central_rows:,} rows, laptop package of {sum(exported.rows.values()):,} rows "
              f"({package_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        copy_into_pg(pg, sqlite_path)
        print(f"setup PostgreSQL: {args.central_rows:,} rows COPYed with points in "
              f"{time.perf_counter() - started:.1f} s")
        inbox = folder / "inbox"
        inbox.mkdir()
        shutil.copyfile(package_path, inbox / package_path.name)

        sqlite = SqliteCentral(central_store)
        for name, engine in (("postgresql", pg), ("sqlite", sqlite)):
            (merged,), seconds = timed(lambda engine=engine: engine.merge_folder(inbox, None))
            figures[name]["merge"] = f"{seconds:.2f} s ({merged.updated:,} updated, {merged.inserted:,} new)"
            (again,), seconds = timed(lambda engine=engine: engine.merge_folder(inbox, None))
            figures[name]["re-merge"] = f"{seconds:.3f} s ({again.status})"
            out = folder / f"back-{name}.rwsync"
            made, seconds = timed(lambda engine=engine, out=out: engine.package_for(lap.device_id, out, "bench pass"))
            figures[name]["outgoing package"] = (f"{seconds:.2f} s ({sum(made.rows.values()):,} rows, "
                                                 f"{out.stat().st_size / 1e6:.1f} MB, encrypted)")
        count, seconds = bbox_pg(pg)
        figures["postgresql"]["bbox query"] = f"{seconds * 1000:.1f} ms ({count:,} rows, GiST index)"
        central_store.close()
        count, seconds = bbox_sqlite(sqlite_path)
        figures["sqlite"]["bbox query"] = f"{seconds * 1000:.1f} ms ({count:,} rows, no spatial index: a scan)"
        pg.close()
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{'':18} {'PostgreSQL + PostGIS':44} SQLite central")
    for step in ("merge", "re-merge", "outgoing package", "bbox query"):
        print(f"{step:18} {figures['postgresql'].get(step, '-'):44} {figures['sqlite'].get(step, '-')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
