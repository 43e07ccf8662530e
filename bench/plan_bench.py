"""Benchmark: patrol plan suggestion (ruralwatch.patrols.plan.suggest_plan) for 9, 20, 50 and 100 candidates.

    .venv/bin/python bench/plan_bench.py [--sizes 9 20 50 100] [--runs 5] [--seeds 3]

Candidate hotspots are scattered uniformly over a rural area of about 30 x 30 km around Chelmsford with random
harm, and the base (briefing point) is in its middle. For each size it times, best of --runs after one warm-up:
  - "evening 4h": a 4-hour window, 15-minute dwell, from the base (a typical shift: most candidates dropped);
  - "long 24h": a 24-hour window from the base: up to ~70 stops fit, so the largest routes are built;
  - "worst case": the slowest of a sweep over dwell 0/5/10/15 minutes x windows 1-24 h x with/without a base
    x --seeds layouts (dwell 0 removes the dwell bound, so the drop loop does the most work).
Target: under 200 ms for 50 candidates. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruralwatch.patrols.plan import Candidate, Plan, PlanSettings, suggest_plan  # noqa: E402

CENTRE = (51.74, 0.47)  # Chelmsford
HALF_SPAN_DEG = (0.135, 0.22)  # about 15 km each way in latitude and longitude at 52 N
START = datetime(2025, 10, 4, 19, 0)
WINDOW_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)
DWELLS = (0.0, 5.0, 10.0, 15.0)


def make_candidates(n: int, seed: int) -> list[Candidate]:
    rng = np.random.default_rng(seed)
    lat = CENTRE[0] + (rng.random(n) * 2 - 1) * HALF_SPAN_DEG[0]
    lon = CENTRE[1] + (rng.random(n) * 2 - 1) * HALF_SPAN_DEG[1]
    harm = rng.integers(1, 1000, n)
    return [
        Candidate(f"hotspot:{i}", float(lat[i]), float(lon[i]), float(harm[i]), f"Hotspot {i}", "bench")
        for i in range(n)
    ]


def best_of(runs: int, fn: Callable[[], Plan]) -> tuple[float, Plan]:
    plan = fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        plan = fn()
        times.append(time.perf_counter() - t0)
    return min(times), plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 20, 50, 100])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()} {platform.system()}")
    header = f"{'cands':>5}  {'scenario':<12} {'time ms':>8}  {'stops':>5}  {'busy/window min':>16}"
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        candidates = make_candidates(n, seed=1)
        settings = PlanSettings(max_candidates=n)
        for name, hours in (("evening 4h", 4), ("long 24h", 24)):
            elapsed, plan = best_of(
                args.runs,
                lambda pool=candidates, s=settings, hours=hours: suggest_plan(
                    pool, START, START + timedelta(hours=hours), s, start_point=CENTRE
                ),
            )
            print(f"{n:>5}  {name:<12} {elapsed * 1000:>8.1f}  {len(plan.stops):>5}  "
                  f"{plan.busy_minutes:>7.0f}/{plan.window_minutes:<8.0f}")
        sweep: list[tuple[float, str, int]] = []
        for seed in range(args.seeds):
            pool = make_candidates(n, seed=100 + seed)
            for dwell in DWELLS:
                for hours in WINDOW_HOURS:
                    for base in (None, CENTRE):
                        s = PlanSettings(dwell_minutes=dwell, max_candidates=n)
                        t0 = time.perf_counter()
                        plan = suggest_plan(pool, START, START + timedelta(hours=hours), s, start_point=base)
                        took = time.perf_counter() - t0
                        label = f"dwell {dwell:g}, {hours} h, {'base' if base else 'no base'}, seed {seed}"
                        sweep.append((took, label, len(plan.stops)))
        worst = max(sweep)
        median = statistics.median(t for t, _, _ in sweep)
        print(f"{n:>5}  {'worst case':<12} {worst[0] * 1000:>8.1f}  {worst[2]:>5}  ({worst[1]}; "
              f"median of {len(sweep)} runs {median * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
