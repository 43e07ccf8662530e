"""Benchmark: how long the window's event loop waits during a long published-crime import (wall clock).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/responsiveness_bench.py [--rows N] [--runs N]

What the old wall-clock test (tests/ui/test_responsiveness.py before it asserted CPU time) measured, as figures:
a MainWindow over a fresh temporary database, the map page loaded; a data.police.uk street-level CSV of N rows
(default 60,000: the 150-row Essex fixture repeated with distinct Crime IDs) imported through
`window.import_published([path])`, the window's own background operation; a 10 ms QTimer on the UI thread
records every tick of the event loop. Prints, for each run (a fresh database and window each time):
  - the import's wall time, from the call until the window took the result;
  - the number of ticks during the import (at 10 ms, a free loop would give wall time / 0.01);
  - the worst and 95th-percentile gap between two ticks (from the start of the import), in ms: how long a
    click or a repaint could have waited;
  - the load average (1, 5, 15 min) before and after, since a busy machine stretches every gap.
Prints figures; asserts nothing. Record results in docs/BENCHMARKS.md with the machine, the date and the load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
TICK_MS = 10

from fixtures.big_police_uk import big_csv  # noqa: E402 - after the path above


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def measure_once(rows: int) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, QTimer

    from ruralwatch.services.container import Services
    from ruralwatch.store import open_store
    from ruralwatch.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="ruralwatch-responsiveness-") as name:
        folder = Path(name)
        source = big_csv(folder, rows)
        store = open_store(folder / "ruralwatch.db")
        window = MainWindow(Services.build(store), folder / "page")
        problems: list[str] = []
        window.report_problem = lambda title, message: problems.append(f"{title}: {message}")  # no modal boxes
        loop = QEventLoop()
        window.map.incidents_shown.connect(lambda _n: loop.quit())
        QTimer.singleShot(120_000, loop.quit)
        window.show()
        loop.exec()  # the map page is loaded before the import starts, as in the old test

        ticks: list[float] = []
        done: list[float] = []
        timer = QTimer(window)
        timer.setInterval(TICK_MS)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        original_refresh = window.refresh_context

        def refreshed() -> None:
            done.append(time.perf_counter())
            original_refresh()

        window.refresh_context = refreshed
        timer.start()
        started = time.perf_counter()
        window.import_published([source])
        task = window.tasks[-1]
        finished = QEventLoop()
        task.finished.connect(finished.quit)
        QTimer.singleShot(600_000, finished.quit)
        if window.tasks:
            finished.exec()
        timer.stop()
        imported = window.services.published.count()
        window.dispose()
        store.close()
    if problems or not done:
        raise SystemExit(f"the import did not finish cleanly: {problems or 'no result'}")
    end = done[0]
    during = [t for t in ticks if t <= end]
    gaps = [b - a for a, b in zip([started, *during], [*during, end], strict=False)]
    return {
        "import_s": end - started,
        "rows_imported": imported,
        "ticks": len(during),
        "worst_gap_ms": max(gaps) * 1000,
        "p95_gap_ms": percentile(gaps, 0.95) * 1000,
        "median_gap_ms": percentile(gaps, 0.5) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    # Window settings go to a throwaway folder, never the user's own ~/.config.
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ruralwatch-bench-config-")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ruralwatch.app import prepare_qt_environment

    prepare_qt_environment()
    from ruralwatch.ui.application import make_application

    make_application()
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.rows:,} rows, a tick every {TICK_MS} ms")
    for run in range(1, args.runs + 1):
        before = load_average()
        figures = measure_once(args.rows)
        after = load_average()
        print(f"run {run}: import {figures['import_s']:.2f} s ({figures['rows_imported']:,} rows), "
              f"{figures['ticks']} ticks, gap worst {figures['worst_gap_ms']:.0f} ms, "
              f"95th percentile {figures['p95_gap_ms']:.0f} ms, median {figures['median_gap_ms']:.0f} ms; "
              f"load average {before} before, {after} after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
