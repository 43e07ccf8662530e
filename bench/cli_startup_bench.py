"""Benchmark: start-up of a signed-in command (issue 21), against its floors, in one run.

    .venv/bin/python bench/cli_startup_bench.py [--runs 5] [--root OTHER_CHECKOUT ...]

Makes an empty encrypted database with the application's own key derivation (Argon2id, `KdfParams()`), then,
one fresh process per run after a warm-up run, times:
  - the command: `python -m ruralwatch --db e.db --user admin --passphrase-file pw incidents list --json`, for
    this checkout and for every `--root` given (e.g. the main branch, for before/after in the same minutes), the
    roots interleaved run by run;
  - floor, interpreter: `python -c pass` (with the same site-packages);
  - floor, unlock: Argon2id + AES-GCM unwrapping of the key alone (`Keyring.unlock`), in-process, same runs.
Prints the median and best wall time, the median CPU time (user + system, of the child: steadier than the wall
clock when other work shares the CPUs), the peak RSS, the number of modules the command imported and the load
average before and after. Bytecode caches are allowed (as an installed application has them). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple 1"
CREATE = "import sys; from pathlib import Path; from ruralwatch.services.accounts import create_database\n" \
    "create_database(Path(sys.argv[1]), 'admin', sys.argv[2]).close()"  # the application's Argon2id parameters
UNLOCK = "import sys, time; from pathlib import Path; from ruralwatch.store.keyring import Keyring\n" \
    "keyring = Keyring.load(Path(sys.argv[1])); started = time.perf_counter()\n" \
    "keyring.unlock('admin', sys.argv[2]); print(time.perf_counter() - started)"
COUNT_MODULES = "import sys, runpy; sys.argv = ['ruralwatch', *sys.argv[1:]]\n" \
    "try:\n    runpy.run_module('ruralwatch', run_name='__main__')\nexcept SystemExit:\n    pass\n" \
    "print(len(sys.modules), file=sys.stderr)"


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root)
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS MB) of one run of the command, from its own resource usage."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{command} failed with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, action="append", default=[],
                        help="another checkout to time the same command from (repeatable)")
    options = parser.parse_args()
    roots = [ROOT, *(root.resolve() for root in options.root)]
    with tempfile.TemporaryDirectory(prefix="rw-cli-startup-") as folder:
        work = Path(folder)
        # One database per checkout, made by its own code (a newer checkout would migrate a shared one, and the
        # older could then no longer open it). In a child, as is the unlock floor: this process stays small, so a
        # forked child's peak RSS is its own.
        dbs = {}
        for number, root in enumerate(roots):
            dbs[str(root)] = db = work / f"e{number}.db"
            subprocess.run([sys.executable, "-c", CREATE, str(db), PASSWORD], env=environment(root), cwd=work,
                           check=True)
        db = dbs[str(ROOT)]
        password_file = work / "pw"
        password_file.write_text(PASSWORD + "\n")
        password_file.chmod(0o600)
        def command_for(root: Path) -> list[str]:
            return [sys.executable, "-m", "ruralwatch", "--db", str(dbs[str(root)]), "--user", "admin",
                    "--passphrase-file", str(password_file), "incidents", "list", "--json"]

        floor = [sys.executable, "-c", "pass"]
        results: dict[str, list[tuple[float, float, int]]] = {str(root): [] for root in roots}
        results["floor: interpreter"] = []
        unlock: list[float] = []
        load_before = load()
        for run in range(options.runs + 1):  # run 0 is the warm-up (and writes the bytecode caches)
            for root in roots:
                # From the work folder, not a checkout: -m puts the current folder first on the path.
                figures = timed(command_for(root), environment(root), work)
                if run:
                    results[str(root)].append(figures)
            figures = timed(floor, environment(ROOT), work)
            unlocked = subprocess.run([sys.executable, "-c", UNLOCK, str(db), PASSWORD], env=environment(ROOT),
                                      cwd=work, check=True, capture_output=True, text=True)
            if run:
                results["floor: interpreter"].append(figures)
                unlock.append(float(unlocked.stdout))
        load_after = load()
        modules = {}
        for root in roots:
            done = subprocess.run([sys.executable, "-c", COUNT_MODULES, *command_for(root)[3:]], env=environment(root),
                                  cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            modules[str(root)] = done.stderr.strip().splitlines()[-1]

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"load average (1 min) before / after: {load_before} / {load_after}; {options.runs} runs after a warm-up")
    print(f"{'':44} {'median':>8} {'best':>8} {'CPU':>8} {'RSS':>7} modules")
    for name, runs in results.items():
        walls = [wall for wall, _cpu, _rss in runs]
        cpus = [cpu for _wall, cpu, _rss in runs]
        label = "incidents list --json, " + name if not name.startswith("floor") else name
        print(f"{label[-44:]:44} {statistics.median(walls):7.3f}s {min(walls):7.3f}s {statistics.median(cpus):7.3f}s "
              f"{max(rss for _w, _c, rss in runs):5d}MB {modules.get(name, '')}")
    print(f"{'floor: Argon2id unlock (in-process)':44} {statistics.median(unlock):7.3f}s {min(unlock):7.3f}s")


if __name__ == "__main__":
    main()
