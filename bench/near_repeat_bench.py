"""Benchmark: the Knox test (ruralwatch.analysis.near_repeat) on a year of Essex burglary and theft.

    .venv/bin/python bench/near_repeat_bench.py [--iterations 99] [--runs 3] [--seed 20]
                                                [--data ../shared/data/police-uk/essex]

Reads the 12 monthly data.police.uk files for Essex (2018-01..2019-02 without 2018-08/09) with the project's own
parser, keeps Burglary, Other theft, Vehicle crime, Bicycle theft and Theft from the person with a location, and
runs the Knox test with the default bands (0-200-400-800-1600 m x 0-7-14-28-56 days, plus "beyond").

Published crime has months only, so each crime is given a day drawn at random inside its month (seeded): the
figures are a measure of **cost** (the pair counts, the KD-tree, the permutations), not a finding about near
repeats in Essex, and the snap points of data.police.uk put many crimes on one point. In the application the test
runs on the force's own incidents, which carry the day. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruralwatch.analysis.near_repeat import KnoxBands, knox_test, near_pairs  # noqa: E402
from ruralwatch.io.police_uk import RECORD_COLUMNS, parse_file  # noqa: E402

TYPES = ("Burglary", "Other theft", "Vehicle crime", "Bicycle theft", "Theft from the person")


def load(folder: Path, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    column = {name: index for index, name in enumerate(RECORD_COLUMNS)}
    rng = np.random.default_rng(seed)
    east: list[float] = []
    north: list[float] = []
    days: list[int] = []
    for path in sorted(folder.glob("*.csv")):
        parsed = parse_file(path)
        for record in parsed.records:
            if record[column["crime_type"]] not in TYPES or len(record) <= column["northing"]:
                continue
            if record[column["easting"]] is None:
                continue
            month = np.datetime64(record[column["month"]], "M")
            first = month.astype("datetime64[D]").astype(np.int64)
            length = int(((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(int))
            east.append(record[column["easting"]])
            north.append(record[column["northing"]])
            days.append(int(first + rng.integers(0, length)))
    return np.array(east), np.array(north), np.array(days, dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "police-uk" / "essex")
    parser.add_argument("--iterations", type=int, default=99)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    x, y, t = load(args.data, args.seed)
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"read {len(x):,} burglary/theft crimes with a location in {time.perf_counter() - started:.1f} s "
          f"({', '.join(TYPES)})")
    bands = KnoxBands()
    started = time.perf_counter()
    pairs, _distances = near_pairs(x, y, bands.distance_m[-1])
    print(f"KD-tree pairs within {bands.distance_m[-1]:g} m: {len(pairs):,} of {len(x) * (len(x) - 1) // 2:,} "
          f"({time.perf_counter() - started:.2f} s)")
    for run in range(args.runs):
        started, cpu = time.perf_counter(), time.process_time()
        result = knox_test(x, y, t, bands, iterations=args.iterations, seed=args.seed + run)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"run {run + 1}: Knox test, {args.iterations} permutations: {seconds:.2f} s wall, {cpu:.2f} s CPU "
              f"(load average {os.getloadavg()[0]:.2f})")
    print(f"nearest cell (0-200 m, 0-7 days): observed {int(result.observed[0, 0]):,}, expected "
          f"{result.expected[0, 0]:,.1f}, ratio {result.ratios[0, 0]:.3f}, p = {result.p_values[0, 0]:.3f} "
          "(days drawn at random: no finding)")
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
