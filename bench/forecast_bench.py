"""Benchmark: does the forecast ("blend", ruralwatch/analysis/forecast.py) beat the prior-period grid ("naive")?

    .venv/bin/python bench/forecast_bench.py --dev [--work DIR]      Essex, the development set (any split)
    .venv/bin/python bench/forecast_bench.py --report [--work DIR]   the four test forces, held-back month 2019-02

Each force gets its own database (created once under --work, default /tmp/ruralwatch-forecast-bench) with its
data.police.uk files of ../shared/data imported and the force chosen, as an analyst would
(`import police-uk`, `geography use-force`). Then `evaluate` (AnalysisService.evaluate, what the CLI runs) at 250 m
cells, counts. --report trains on 2018-10..2019-01 and tests on 2019-02 for Cambridgeshire, Norfolk,
North Yorkshire and Suffolk: run it once, after the candidates are fixed (docs/BENCHMARKS.md). Prints a Markdown
table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruralwatch.app import main  # noqa: E402
from ruralwatch.services.accounts import create_database, sign_in  # noqa: E402
from ruralwatch.services.analysis import AnalysisService  # noqa: E402
from ruralwatch.services.harm import HarmService  # noqa: E402
from ruralwatch.store.keyring import TEST_PARAMS  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "police-uk"
if not DATA.exists():
    DATA = Path("/work/shared/data/police-uk")
ADMIN, PASSWORD = "admin", "correct horse battery staple"  # noqa: S105 (a throwaway benchmark database)
TEST_FORCES = {"Cambridgeshire": "cambridgeshire", "Norfolk": "norfolk", "North Yorkshire": "north-yorkshire",
               "Suffolk": "suffolk"}
# Essex (development): contiguous runs only (2018-08/09 are missing), the last like the test forces' split.
DEV_SPLITS = [("2018-01", "2018-05", "2018-06"), ("2018-02", "2018-06", "2018-07"),
              ("2018-03", "2018-06", "2018-07"), ("2018-10", "2019-01", "2019-02")]


def database(work: Path, force: str, files: list[Path]) -> Path:
    path = work / f"{force.replace(' ', '-').lower()}.db"
    if path.exists():
        return path
    work.mkdir(parents=True, exist_ok=True)
    create_database(path, ADMIN, PASSWORD, TEST_PARAMS).close()
    secret = work / "passphrase.txt"  # the CLI signs in from a file (as the tests do)
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    os.environ.update(RURALWATCH_PASSPHRASE_FILE=str(secret), RURALWATCH_USER=ADMIN)
    env = ["--db", str(path)]
    for argv in (["import", "police-uk", *map(str, files)], ["geography", "use-force", force]):
        code = main([*env, *argv])
        if code != 0:
            raise SystemExit(f"{' '.join(argv[:2])} for {force} failed ({code})")
    return path


def evaluate(path: Path, train_from: str, train_to: str, test: str) -> tuple[dict, float]:
    store = sign_in(path, ADMIN, PASSWORD)
    try:
        started = time.perf_counter()
        result = AnalysisService(store, HarmService(store)).evaluate(train_from, train_to, test, test, 250.0)
        return result, time.perf_counter() - started
    finally:
        store.close()


def row(label: str, result: dict, seconds: float) -> str:
    naive, blend = result["methods"]["naive"], result["methods"]["blend"]
    win = blend["pai"]["0.01"] > naive["pai"]["0.01"]
    return (f"| {label} | {result['area_km2']:,.1f} | {naive['pai']['0.01']:.2f} | {blend['pai']['0.01']:.2f} | "
            f"{'yes' if win else 'no'} | {naive['harm_captured']['0.01']:.3f} | {blend['harm_captured']['0.01']:.3f} "
            f"| {result['oracle']['pai']['0.01']:.1f} | {result['blend']['chosen']} | {seconds:.1f} s |")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--dev", action="store_true")
    which.add_argument("--report", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ruralwatch-forecast-bench"))
    args = parser.parse_args()
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| force / split | area km² | naive PAI 1% | blend PAI 1% | blend wins | naive harm 1% | blend harm 1% "
          "| oracle PAI 1% | blend's choice | evaluate |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    if args.dev:
        path = database(args.work, "Essex", sorted((DATA / "essex").glob("*.csv")))
        for train_from, train_to, test in DEV_SPLITS:
            result, seconds = evaluate(path, train_from, train_to, test)
            print(row(f"Essex {train_from}..{train_to} -> {test}", result, seconds), flush=True)
    else:
        for force, stem in TEST_FORCES.items():
            files = sorted((DATA / "other-forces").glob(f"*-{stem}-street.csv"))
            path = database(args.work, force, files)
            result, seconds = evaluate(path, "2018-10", "2019-01", "2019-02")
            print(row(f"{force}, 2019-02", result, seconds), flush=True)


if __name__ == "__main__":
    main_bench()
