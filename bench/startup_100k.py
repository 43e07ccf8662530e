"""Benchmark: open a 100,000-incident database and show the window with data.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup_100k.py [--incidents N] [--db PATH] [--encrypted]

Builds the database once (the synthetic demo generator, scaled up) and keeps it in the cache folder, then
times, in a fresh process each run so imports and the web engine start cold-in-process but warm on disk:
  - open the store (connection, migrations check, clock);
  - window shown with the first page of the table and the status counts;
  - map ready with every incident pushed into the page and clustered.
Prints figures; asserts nothing. Record results in docs/BENCHMARKS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# --encrypted: every store opened with this fixed key (a benchmark's key, not a secret), so anyone can reproduce
# the encrypted figures; the database gets its own file name.
BENCH_KEY = bytes.fromhex("5f0c8e2a9b7d41e6a3c2f9081d7e6b5a4c3b2a1908f7e6d5c4b3a29181f0e1d2")


def build_database(path: Path, count: int, key: bytes | None) -> float:
    from ruralwatch.services.demo import load_demo
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.store import open_store

    started = time.perf_counter()
    store = open_store(path, key=key)
    load_demo(IncidentService(store), count=count, now=datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
    store.close()
    return time.perf_counter() - started


def measure_once(path: Path, key: bytes | None) -> dict[str, float]:
    """Runs in a child process: time from process start to window and to map."""
    t0 = time.perf_counter()
    from ruralwatch.app import prepare_qt_environment

    prepare_qt_environment()
    from PySide6.QtCore import QEventLoop, QTimer

    from ruralwatch.services.container import Services
    from ruralwatch.store import open_store
    from ruralwatch.ui.application import make_application
    from ruralwatch.ui.main_window import MainWindow

    app = make_application()
    t_imports = time.perf_counter()
    store = open_store(path, key=key)
    t_store = time.perf_counter()
    services = Services.build(store)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(services, Path(folder))
        window.show()
        app.processEvents()
        t_window = time.perf_counter()
        rows = window.model.rowCount()
        loop = QEventLoop()
        counts: list[int] = []
        window.map.incidents_shown.connect(lambda n: (counts.append(n), loop.quit()))
        QTimer.singleShot(120_000, loop.quit)
        loop.exec()
        t_map = time.perf_counter()
        window.dispose()
    store.close()
    return {
        "imports_s": t_imports - t0,
        "open_store_s": t_store - t_imports,
        "window_with_table_s": t_window - t0,
        "map_with_all_markers_s": t_map - t0,
        "table_rows_loaded": rows,
        "map_markers": counts[0] if counts else -1,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--encrypted", action="store_true", help="an encrypted database (a fixed key)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    key = BENCH_KEY if args.encrypted else None
    suffix = "-encrypted" if key else ""
    db = args.db or Path(os.environ.get("TMPDIR", "/tmp")) / f"ruralwatch-bench-{args.incidents}{suffix}.db"
    if args.child:
        print(json.dumps(measure_once(db, key)))
        return 0
    if not db.exists():
        seconds = build_database(db, args.incidents, key)
        print(f"built {db} with {args.incidents:,} incidents in {seconds:.1f} s "
              f"({args.incidents / seconds:,.0f} incidents/s through the service layer)")
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {db} ({db.stat().st_size / 1e6:.1f} MB)")
    results = []
    for run in range(args.runs + 1):  # the first run warms the disk cache and is not counted
        flags = ["--encrypted"] if key else []
        out = subprocess.run([sys.executable, __file__, "--child", "--db", str(db), *flags], capture_output=True,
                             text=True, check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        label = "warm-up" if run == 0 else f"run {run}"
        print(f"{label:8} " + "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in figures.items()))
        if run:
            results.append(figures)
    for name in ("window_with_table_s", "map_with_all_markers_s"):
        values = sorted(r[name] for r in results)
        print(f"median {name}: {values[len(values) // 2]:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
