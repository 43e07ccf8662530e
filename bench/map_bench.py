"""Benchmark: how fast the map draws 10k, 100k and 250k incidents, and the naive folium page for comparison.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/map_bench.py [--sizes 10000 100000 250000] [--runs 3]
        [--encrypted]

For each size (databases built once with the demo generator and cached beside the other bench files), a
fresh process per run measures:
  - show -> drawn: from `window.show()` until the page has loaded, the incidents have been pushed and
    indexed, and the JS check `rw.markerCount()` equals the number of incidents;
  - filter -> drawn: choosing "Hare coursing" in the kind filter until the page has redrawn;
  - memory: resident set size of this process and every QtWebEngine child process, summed.
The naive approach is folium's usual one: one `folium.Marker` per incident baked into the page (vendored
Leaflet so it works offline), saved to an HTML file and loaded in a QWebEngineView; timed from building the
page in Python, and from load() to loadFinished. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DIR = Path(os.environ.get("TMPDIR", "/tmp"))
# --encrypted: every store opened with this fixed key (a benchmark's key, not a secret), so anyone can reproduce
# the encrypted figures; the database gets its own file name.
BENCH_KEY = bytes.fromhex("5f0c8e2a9b7d41e6a3c2f9081d7e6b5a4c3b2a1908f7e6d5c4b3a29181f0e1d2")


def db_for(size: int, key: bytes | None = None) -> Path:
    path = BENCH_DIR / f"ruralwatch-bench-{size}{'-encrypted' if key else ''}.db"
    if not path.exists():
        from ruralwatch.services.demo import load_demo
        from ruralwatch.services.incidents import IncidentService
        from ruralwatch.store import open_store

        started = time.perf_counter()
        store = open_store(path, key=key)
        load_demo(IncidentService(store), count=size, now=datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
        store.close()
        print(f"built {path.name} ({size:,} incidents) in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def rss_mb_of_tree(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total_kb = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(current, []))
    return total_kb / 1024


def wait_until(predicate, timeout_s: float = 120.0) -> None:  # noqa: ANN001
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("gave up waiting")
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()


def show_until_drawn(window, timeout_s: float = 120.0) -> tuple[float, int]:  # noqa: ANN001 - MainWindow
    """Show the window and wait until the page says every incident is drawn: (seconds from show(), the page's
    marker count)."""
    shown: list[int] = []
    window.map.incidents_shown.connect(shown.append)
    started = time.perf_counter()
    window.show()
    wait_until(lambda: bool(shown), timeout_s)
    count: list[int] = []
    window.map.marker_count(count.append)
    wait_until(lambda: bool(count), timeout_s)
    return time.perf_counter() - started, count[0]


def measure_app(db: Path, key: bytes | None) -> dict[str, float]:
    from ruralwatch.app import prepare_qt_environment

    prepare_qt_environment()
    from ruralwatch.services.container import Services
    from ruralwatch.store import open_store
    from ruralwatch.ui.application import make_application
    from ruralwatch.ui.main_window import MainWindow

    app = make_application()
    services = Services.build(open_store(db, key=key))
    expected = services.incidents.count()
    results: dict[str, float] = {"incidents": expected}
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(services, Path(folder))
        results["show_to_drawn_s"], results["js_marker_count"] = show_until_drawn(window)
        results["memory_mb"] = rss_mb_of_tree(os.getpid())

        shown: list[int] = []
        window.map.incidents_shown.connect(shown.append)
        started = time.perf_counter()
        window.kind_filter.setCurrentIndex(window.kind_filter.findData("hare_coursing"))
        wait_until(lambda: bool(shown))
        results["filter_to_drawn_s"] = time.perf_counter() - started
        results["filtered_markers"] = shown[0]
        window.dispose()
    services.store.close()
    del app
    return results


def measure_naive(db: Path, key: bytes | None) -> dict[str, float]:
    """folium's usual way: one folium.Marker per incident baked into the page."""
    from ruralwatch.app import prepare_qt_environment

    prepare_qt_environment()
    import folium
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView

    from ruralwatch.mapping.page import OfflineMap
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.store import open_store
    from ruralwatch.ui.application import make_application

    app = make_application()
    store = open_store(db, key=key)
    points = IncidentService(store).map_points()
    build_started = time.perf_counter()
    m = OfflineMap(location=(51.8, 0.55), zoom_start=9, tiles=None)
    for p in points:
        folium.Marker([p.lat, p.lon], popup=p.place).add_to(m)
    page = Path(tempfile.mkdtemp()) / "naive.html"
    m.save(str(page))
    build_s = time.perf_counter() - build_started
    view = QWebEngineView()
    loaded: list[bool] = []
    view.loadFinished.connect(loaded.append)
    started = time.perf_counter()
    view.load(QUrl.fromLocalFile(str(page)))
    view.show()
    wait_until(lambda: bool(loaded), timeout_s=600)
    load_s = time.perf_counter() - started
    memory = rss_mb_of_tree(os.getpid())
    view.close()
    view.deleteLater()
    store.close()
    del app
    return {"incidents": len(points), "build_page_s": build_s, "show_to_drawn_s": load_s,
            "page_mb": page.stat().st_size / 1e6, "memory_mb": memory}


def child(kind: str, db: Path, encrypted: bool) -> dict[str, float]:
    flags = ["--encrypted"] if encrypted else []
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--db", str(db), *flags], capture_output=True,
                         text=True, check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 250_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--encrypted", action="store_true", help="encrypted databases (a fixed key)")
    parser.add_argument("--child", choices=["app", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    key = BENCH_KEY if args.encrypted else None
    if args.child:
        print(json.dumps(measure_app(args.db, key) if args.child == "app" else measure_naive(args.db, key)))
        return 0
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}{', encrypted databases' if key else ''}")
    summary = {}
    for size in args.sizes:
        db = db_for(size, key)
        child("app", db, args.encrypted)  # warm-up: disk cache, Chromium's own caches
        runs = [child("app", db, args.encrypted) for _ in range(args.runs)]
        for run in runs:
            print(f"{size:>7,}  " + "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                              for k, v in run.items()), flush=True)
        median = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}
        summary[size] = median
        print(f"{size:>7,}  median show->drawn {median['show_to_drawn_s']:.3f} s, filter->drawn "
              f"{median['filter_to_drawn_s']:.3f} s, memory {median['memory_mb']:.0f} MB", flush=True)
    if 10_000 in summary:
        naive = child("naive", db_for(10_000, key), args.encrypted)
        print("naive 10k: " + "  ".join(f"{k}={v:.3f}" for k, v in naive.items()))
        ours = summary[10_000]["show_to_drawn_s"]
        end_to_end = (naive["build_page_s"] + naive["show_to_drawn_s"]) / ours
        load_only = naive["show_to_drawn_s"] / ours
        print(f"at 10k RuralWatch is {end_to_end:.1f}x faster than the naive page built and loaded, "
              f"{load_only:.1f}x faster than loading an already built naive page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
