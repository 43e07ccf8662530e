"""Benchmark: memory of the window with 100,000 incidents on the map, per process.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/window_memory_bench.py [--encrypted] [--incidents N]
        [--db PATH] [--runs 3] [--settle 5] [--root ../main] [--detail] [--tracemalloc] [--gc]

Builds the database once with the demo generator (the same file as bench/startup_100k.py, so the two share it),
then, in a fresh process per run: opens the window, waits until the page has loaded and every incident has been
pushed, indexed and clustered (`rw.markerCount()` equals the count), waits `--settle` seconds, and reads, for the
Python process (which is also QtWebEngine's browser and, here, its GPU thread) and every QtWebEngine process under
it (two zygotes and the renderer they fork):
  - PSS from /proc/PID/smaps_rollup: pages shared between processes split between them, so the sum is what the
    window costs the machine. It also splits with *other* programs mapping the same libraries (another QtWebEngine
    app, a test run), so on a busy machine it reads lower: compare runs taken side by side;
  - USS (private pages only: unaffected by other programs) and RSS (shared pages counted in every process, so the
    sum over-counts); "alone": USS plus each shared mapping counted once (its largest share among the window's
    processes), an estimate of the window's cost on a machine running nothing else, not swayed by neighbours;
  - the page's JS heap (`performance.memory`, precise: the bench passes --enable-precise-memory-info).
Options: --root measures another checkout's code (../main for "before"); --detail lists each process's largest
mappings (what [heap], [anon] and the libraries hold); --tracemalloc traces the Python heap from before the window
opens (slower; adds its own memory); --gc collects the JS heap before reading (--js-flags=--expose-gc), to tell live
data from garbage not yet collected. The first run warms the disk cache and is not counted. Prints figures;
asserts nothing. Record results in docs/BENCHMARKS.md with the machine, the date and the load.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The 100,000-incident database and its fixed key (--encrypted: the app opens only encrypted databases) are
# bench/startup_100k.py's, so the two benches build and share the same file.
import map_bench  # noqa: E402
from startup_100k import BENCH_KEY, build_database  # noqa: E402


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(_parent(int(entry.name)), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def role_of(pid: int, root: int) -> str:
    if pid == root:
        return "python (app, browser)"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        kind = next((a.split(b"=", 1)[1].decode() for a in argv if a.startswith(b"--type=")), "")
        if kind == "zygote" and b"--type=zygote" in Path(f"/proc/{_parent(pid)}/cmdline").read_bytes():
            return "renderer"  # forked from the zygote, it keeps the zygote's command line
        return kind or Path(argv[0].decode(errors="replace")).name
    except (OSError, IndexError, ValueError):
        return "gone"


def memory_of(pid: int) -> dict[str, float]:
    """PSS, USS (private) and RSS in MB, from smaps_rollup."""
    fields = collections.Counter[str]()
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Pss", "Rss", "Private_Clean", "Private_Dirty"):
                fields[name] = int(rest.split()[0])
    except OSError:
        pass
    return {
        "pss_mb": fields["Pss"] / 1024,
        "uss_mb": (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024,
        "rss_mb": fields["Rss"] / 1024,
    }


def _smaps(pid: int, fields: tuple[str, ...]) -> collections.Counter[str] | None:
    """KB of the given /proc/PID/smaps fields ("Pss:", "Shared_Clean:", ...) summed per mapping, by its path
    ([anon], [heap] ...); None when the process is gone."""
    kb = collections.Counter[str]()
    name = "?"
    try:
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            parts = line.split()
            if parts and "-" in parts[0] and not parts[0].endswith(":"):
                name = parts[5] if len(parts) > 5 else "[anon]"
            elif parts and parts[0] in fields:
                kb[name] += int(parts[1])
    except OSError:
        return None
    return kb


def shared_by_mapping(pid: int) -> collections.Counter[str]:
    """Shared pages (KB) of each mapping, by name ([anon], or the file's path)."""
    return _smaps(pid, ("Shared_Clean:", "Shared_Dirty:")) or collections.Counter[str]()


def largest_mappings(pid: int, top: int = 8) -> list[str]:
    """PSS by mapping ([heap], [anon] or the file's name), largest first."""
    pss = collections.Counter[str]()
    for path, kb in (_smaps(pid, ("Pss:",)) or {}).items():
        pss[Path(path).name] += kb  # [heap] and [anon] stay as they are
    return [f"{kb / 1024:7.1f} MB  {what}" for what, kb in pss.most_common(top)]


WAIT_S = 180.0  # 100,000 incidents on a busy machine


def wait_until(predicate: Any, timeout_s: float = WAIT_S) -> None:
    map_bench.wait_until(predicate, timeout_s)


def idle(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(db: Path, key: bytes | None, settle: float, detail: bool, trace: bool, collect: bool) -> dict[str, Any]:
    if trace:
        import tracemalloc

        tracemalloc.start()
    extra = ["--enable-precise-memory-info"] + (["--js-flags=--expose-gc"] if collect else [])
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", ""), *extra])
    from ruralwatch.app import prepare_qt_environment

    prepare_qt_environment()
    from ruralwatch.services.container import Services
    from ruralwatch.store import open_store
    from ruralwatch.ui.application import make_application
    from ruralwatch.ui.main_window import MainWindow

    app = make_application()
    services = Services.build(open_store(db, key=key))
    result: dict[str, Any] = {"incidents": services.incidents.count()}
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(services, Path(folder))
        result["show_to_drawn_s"], result["js_marker_count"] = map_bench.show_until_drawn(window, WAIT_S)
        timing: list[Any] = []  # the page's own split of the last push (fetching the rows, drawing them)
        window.map.run_js("(rw.lastLoadMs ? rw.lastLoadMs() : null)", timing.append)
        wait_until(lambda: bool(timing))
        result["page_load_ms"] = timing[0]
        idle(settle)
        if collect:
            done: list[Any] = []
            window.map.run_js("(typeof gc === 'function' ? (gc(), gc(), 1) : 0)", done.append)
            wait_until(lambda: bool(done))
            idle(0.5)
        heap: list[Any] = []
        window.map.run_js(
            "(performance.memory ? {used: performance.memory.usedJSHeapSize, "
            "total: performance.memory.totalJSHeapSize} : null)",
            heap.append,
        )
        wait_until(lambda: bool(heap))
        if heap[0]:
            result["js_heap_used_mb"] = heap[0]["used"] / 2**20
            result["js_heap_total_mb"] = heap[0]["total"] / 2**20
        root = os.getpid()
        result["processes"] = [
            {
                "pid": pid,
                "role": role_of(pid, root),
                **memory_of(pid),
                **({"largest": largest_mappings(pid)} if detail else {}),
            }
            for pid in process_tree(root)
        ]
        for key_ in ("pss_mb", "uss_mb", "rss_mb"):
            result[f"total_{key_}"] = sum(p[key_] for p in result["processes"])
        # What the window alone would cost: private pages, plus each shared mapping once (its largest share among
        # the window's processes: a lower bound of what they share, and independent of other programs).
        shared: dict[str, int] = {}
        for p in result["processes"]:
            for name, kb in shared_by_mapping(p["pid"]).items():
                shared[name] = max(shared.get(name, 0), kb)
        result["total_alone_mb"] = result["total_uss_mb"] + sum(shared.values()) / 1024
        if trace:
            import tracemalloc

            snapshot = tracemalloc.take_snapshot()
            current, peak = tracemalloc.get_traced_memory()
            result["py_traced_mb"] = current / 2**20
            result["py_traced_peak_mb"] = peak / 2**20
            result["py_top"] = [
                f"{s.size / 2**20:.1f} MB {s.traceback[0].filename.rsplit('/', 2)[-1]}:{s.traceback[0].lineno}"
                for s in snapshot.statistics("lineno")[:8]
            ]
        window.dispose()
    services.store.close()
    del app
    return result


def report(figures: dict[str, Any]) -> None:
    by_role: dict[str, list[float]] = {}
    for p in figures["processes"]:
        entry = by_role.setdefault(p["role"], [0, 0.0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += p["pss_mb"]
        entry[2] += p["uss_mb"]
        entry[3] += p["rss_mb"]
    for role, (n, pss, uss, rss) in sorted(by_role.items(), key=lambda item: -item[1][1]):
        print(f"    {role:24} x{n:<2} PSS {pss:6.1f}  USS {uss:6.1f}  RSS {rss:6.1f} MB")
    print(
        f"    {'all processes':24}     PSS {figures['total_pss_mb']:6.1f}  USS {figures['total_uss_mb']:6.1f}  "
        f"RSS {figures['total_rss_mb']:6.1f} MB; alone (USS + shared once) {figures['total_alone_mb']:.1f} MB"
    )
    if "js_heap_used_mb" in figures:
        print(f"    page JS heap: {figures['js_heap_used_mb']:.1f} MB used of {figures['js_heap_total_mb']:.1f} MB")
    for p in figures["processes"]:
        if p.get("largest"):
            print(f"    {p['role']} {p['pid']}: " + "; ".join(line.strip() for line in p["largest"]))
    if "py_traced_mb" in figures:
        print(f"    Python heap traced: {figures['py_traced_mb']:.1f} MB, peak {figures['py_traced_peak_mb']:.1f} MB")
        for line in figures["py_top"]:
            print(f"        {line}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--encrypted", action="store_true", help="an encrypted database, as the app opens (fixed key)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait after the map is drawn")
    parser.add_argument("--root", type=Path, default=None, help="measure another checkout's code (e.g. ../main)")
    parser.add_argument("--detail", action="store_true", help="each process's largest mappings")
    parser.add_argument("--tracemalloc", action="store_true", help="trace the Python heap (slower)")
    parser.add_argument("--gc", action="store_true", help="collect the JS heap before reading (diagnostic)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.root:
        sys.path.insert(0, str(args.root.resolve()))
    key = BENCH_KEY if args.encrypted else None
    suffix = "-encrypted" if key else ""
    db = args.db or Path(os.environ.get("TMPDIR", "/tmp")) / f"ruralwatch-bench-{args.incidents}{suffix}.db"
    if args.child:
        print(json.dumps(measure(db, key, args.settle, args.detail, args.tracemalloc, args.gc)))
        return 0
    if not db.exists():
        seconds = build_database(db, args.incidents, key)
        print(f"built {db} with {args.incidents:,} incidents in {seconds:.1f} s")
    import ruralwatch

    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; code {Path(ruralwatch.__file__).parent.parent}; database {db}"
    )
    flags = [
        "--settle",
        str(args.settle),
        *(["--encrypted"] if key else []),
        *(["--root", str(args.root)] if args.root else []),
        *(["--detail"] if args.detail else []),
        *(["--tracemalloc"] if args.tracemalloc else []),
        *(["--gc"] if args.gc else []),
    ]
    runs = []
    for run in range(args.runs + 1):  # the first run warms the disk cache and is not counted
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--db", str(db), *flags],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        load = os.getloadavg()[0]
        if run == 0:
            print(f"warm-up: PSS {figures['total_pss_mb']:.0f} MB, RSS {figures['total_rss_mb']:.0f} MB")
            continue
        runs.append(figures)
        print(
            f"run {run}: {figures['incidents']:,} incidents, {figures['js_marker_count']:,} in the page, drawn "
            f"{figures['show_to_drawn_s']:.2f} s after show(); load {load:.1f}"
        )
        report(figures)
    for name in ("total_pss_mb", "total_uss_mb", "total_rss_mb", "total_alone_mb"):
        values = sorted(r[name] for r in runs)
        print(f"median {name}: {values[len(values) // 2]:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
