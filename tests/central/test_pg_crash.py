"""All or nothing on PostgreSQL: a merging process SIGKILLed at seeded random moments of its steps, and the server
stopped (fast shutdown) in the middle of a package, leave every package either wholly merged or not at all; the
same `central merge` run again then ends exactly where an uninterrupted run ends. CRASH_SEED replays another
sequence of kill points."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fixtures.laptops import Laptop
from pg_cluster import PgCluster
from pg_helpers import CONFLICT_COLUMNS, new_central, pg_rows

from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.target import PgTarget
from ruralwatch.store.syncable import SyncTable

pytestmark = pytest.mark.slow

WORKER = Path(__file__).resolve().parent / "pg_merge_worker.py"
PROJECT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("CRASH_SEED", "20261206"))
KILLS = 8


def state(dsn: str) -> Any:
    """What a merge decides: the rows, the ledger's packages and the conflicts (not when they were merged)."""
    with psycopg.connect(dsn) as conn:
        ledger = sorted(r[0] for r in conn.execute("SELECT package_id FROM sync_packages"))
        conflicts = sorted(conn.execute(f"SELECT {CONFLICT_COLUMNS} FROM sync_conflicts").fetchall())
        return pg_rows(conn), ledger, conflicts


@dataclass
class Inbox:
    folder: Path
    devices: list[tuple[str, str]]  # (device id, public key)
    prefixes: list[Any]  # state after the first k packages, k = 0..n
    lines: int  # progress lines of an uninterrupted run


def _trusted_central(dsn: str, inbox: Inbox) -> None:
    central = new_central(dsn)
    try:
        for device_id, key in inbox.devices:
            central.trust(device_id, key)
    finally:
        central.close()


@pytest.fixture
def inbox(tmp_path: Path, pg_cluster: PgCluster) -> Inbox:
    """Three packages from two laptops (a few hundred rows, edits of each other's rows), and the central store's
    state after each prefix of them, from an uninterrupted merge."""
    folder = tmp_path / "inbox"
    a, b = Laptop(tmp_path / "a.db"), Laptop(tmp_path / "b.db")
    try:
        for device, other in ((a, b), (b, a)):
            identity = other.services.sync.identity()
            device.services.sync.trust(identity.device_id, identity.public_key)
        for n in range(300):
            a.record(f"Farm {n}")
        a.send_to(b, tmp_path)
        ids = [r[0] for r in b.store.db.execute("SELECT id FROM incidents ORDER BY rowid LIMIT 40")]
        with b.store.transaction():
            for row_id in ids:
                SyncTable(b.store, "incidents").update(row_id, {"place": "edited on b"})
        for n in range(200):
            b.record(f"Yard {n}")
        a.services.sync.export(folder / "1-a.rwsync")
        b.services.sync.export(folder / "2-b.rwsync")
        with a.store.transaction():
            for row_id in ids[:10]:
                SyncTable(a.store, "incidents").update(row_id, {"place": "edited on a"})
        a.services.sync.export(folder / "3-a.rwsync")
        devices = [(d.store.device_id, d.services.sync.identity().public_key) for d in (a, b)]
    finally:
        a.store.close()
        b.store.close()
    made = Inbox(folder, devices, [], 0)
    reference = pg_cluster.dsn(pg_cluster.new_database())
    _trusted_central(reference, made)
    made.prefixes.append(state(reference))
    central = PgCentral.open(PgTarget(reference))
    steps: list[str] = []
    try:
        for path in sorted(folder.iterdir()):
            one = tmp_path / f"one-{path.name}"
            one.mkdir()
            (one / path.name).write_bytes(path.read_bytes())
            central.merge_folder(one, None, lambda _done, _total, note="": steps.append(note) or True)
            made.prefixes.append(state(reference))
    finally:
        central.close()
    made.lines = len(steps)
    assert made.prefixes[-1][2], "the packages should make conflicts"
    return made


class Worker:
    def __init__(self, dsn: str, folder: Path, pause_at: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, str(WORKER), dsn, str(folder), str(pause_at)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)

    def read_lines(self, count: int) -> list[str]:
        assert self.proc.stdout is not None
        return [self.proc.stdout.readline().strip() for _ in range(count)]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate()

    def resume(self) -> tuple[int, str]:
        _, err = self.proc.communicate("\n", timeout=120)
        return self.proc.returncode, err


def _finish(dsn: str, inbox: Inbox) -> None:
    central = PgCentral.open(PgTarget(dsn))
    try:
        results = central.merge_folder(inbox.folder, None)
    finally:
        central.close()
    assert all(r.status in ("applied", "skipped") for r in results)
    assert state(dsn) == inbox.prefixes[-1]


def test_a_merge_killed_anywhere_leaves_whole_packages_and_a_rerun_completes(pg_cluster: PgCluster,
                                                                            inbox: Inbox) -> None:
    chooser = random.Random(SEED)
    landed = []
    for number in range(KILLS):
        dsn = pg_cluster.dsn(pg_cluster.new_database())
        _trusted_central(dsn, inbox)
        at = chooser.randint(1, inbox.lines)
        paused = number % 2 == 0  # half held at the step (the kill lands there), half left running past it
        worker = Worker(dsn, inbox.folder, at if paused else 0)
        seen = worker.read_lines(at)
        worker.kill()
        after = state(dsn)
        assert after in inbox.prefixes, f"half a package after a kill at line {at} ({seen[-1]})"
        landed.append((seen[-1], paused, inbox.prefixes.index(after)))
        _finish(dsn, inbox)
    print(f"\nkills (step, held there, packages kept): {landed}")
    assert any(kept < len(inbox.prefixes) - 1 for _, _, kept in landed)


def test_a_server_stopped_mid_merge_keeps_nothing_of_the_package_and_a_rerun_completes(pg_cluster: PgCluster,
                                                                                     inbox: Inbox) -> None:
    dsn = pg_cluster.dsn(pg_cluster.new_database())
    _trusted_central(dsn, inbox)
    steps_per_package = inbox.lines // 3
    worker = Worker(dsn, inbox.folder, steps_per_package + 3)  # the second package, inside its transaction
    seen = worker.read_lines(steps_per_package + 3)
    assert seen[-1].endswith(" merged") and "2-b.rwsync" in seen[-1], seen
    pg_cluster.stop_server("fast")
    pg_cluster.start_server()
    code, err = worker.resume()
    assert code == 2 and err.count("\n") == 1 and "was lost" in err and "run the command again" in err
    assert state(dsn) == inbox.prefixes[1]
    _finish(dsn, inbox)
