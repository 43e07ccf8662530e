"""Benchmark: `ruralwatch demo` on a new encrypted file, whole process (issue 21: < 2 s).

    .venv/bin/python bench/demo_bench.py [--runs 5] [--root OTHER_CHECKOUT ...] [--driver-path DIR]

One fresh process per run after a warm-up run (bytecode cached, as an installed application has it):
`python -m ruralwatch --db NEW.db --passphrase-file pw demo`, which creates the database and its administrator
with the application's Argon2id, then loads the demo set (about 1,800 incidents, people, duties, patrols,
premises). This checkout and every `--root` given run interleaved, run by run. `--driver-path DIR` puts DIR first
on the children's PYTHONPATH as an extra variant (e.g. a `pip install --target DIR sqlcipher3-binary==0.6.0`
folder: the same code on the old driver). Prints, per variant, the median and best wall time and the median CPU
time of the child (user + system: steadier than the wall clock when other work shares the CPUs), and the load
average before and after. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple 1"


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def run_once(root: Path, work: Path, extra_path: str | None, n: int) -> tuple[float, float]:
    db = work / f"demo-{n}.db"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, str(root)) if p)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ruralwatch", "--db", str(db), "--passphrase-file", str(work / "pw"),
                    "demo"], cwd=work, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, action="append", default=[], help="another checkout to time as well")
    parser.add_argument("--driver-path", help="a folder put first on PYTHONPATH, as an extra variant of this one")
    args = parser.parse_args()
    variants: list[tuple[str, Path, str | None]] = [("this checkout", ROOT, None)]
    if args.driver_path:
        variants.append((f"this checkout, {args.driver_path} first", ROOT, args.driver_path))
    variants += [(str(root), root.resolve(), None) for root in args.root]
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in variants}
    print(f"load before: {Path('/proc/loadavg').read_text().strip()}")
    with tempfile.TemporaryDirectory(prefix="ruralwatch-demo-bench-") as tmp:
        work = Path(tmp)
        (work / "pw").write_text(PASSWORD + "\n")
        n = 0
        for _name, root, extra in variants:  # warm-up: bytecode caches
            n += 1
            run_once(root, work, extra, n)
        for run in range(args.runs):
            for name, root, extra in variants:
                n += 1
                wall, cpu = run_once(root, work, extra, n)
                times[name].append((wall, cpu))
                print(f"run {run + 1} {name}: {wall:.3f} s wall, {cpu:.3f} s CPU (load {load()})")
    for name, values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"{name}: median {statistics.median(walls):.3f} s, best {min(walls):.3f} s, "
              f"CPU median {statistics.median(cpus):.3f} s")
    print(f"load after: {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
