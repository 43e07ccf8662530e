"""Fault injection: SIGKILL the app at random moments of its bulk writes; the database must survive intact.

For each operation (a bulk police.uk import of 20,000 rows, the demo load, a sync merge of a package of a few
thousand rows, a patrol log of 300 events) a worker process (crash_worker.py) runs it on a fresh copy of a
prepared database and is SIGKILLed at a seeded random moment: at once, anywhere up to a little after the end,
anywhere in its writes, or just after it reaches COMMIT (the worker reports BEGIN and COMMIT through sqlite3's
trace callback, so each kill is classed by where it actually landed). After each kill the file is reopened:
`PRAGMA integrity_check` says ok, `PRAGMA foreign_key_check` finds nothing, and the operation is all or nothing
(the tables are exactly as before it or exactly as after an uninterrupted run; for the patrol log, every event
whose commit was reported is there, whole, plus at most the one being committed). Then the operation is run
again in this process on the same file, and must end exactly where an uninterrupted run ends.

The output (pytest -s) lists, per operation, the kills and where they landed. A SIGKILL loses what the process
holds, never what it handed to the OS: this covers the app dying, not the machine losing power. Set CRASH_SEED
to replay another sequence of kill points.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import crash_worker
import pytest

from ruralwatch.core import times
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.services.container import Services
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.services.sync import SyncService
from ruralwatch.store import Store, open_store
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.store.syncable import SyncTable

pytestmark = pytest.mark.slow

WORKER = Path(crash_worker.__file__).resolve()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk"
SEED = int(os.environ.get("CRASH_SEED", "20261125"))
KILLS = {"import": 12, "demo": 10, "merge": 16, "patrol": 14}  # the slower the operation, the fewer
IMPORT_ROWS = 20_000
DEMO_COUNT = 1_800
PATROL_EVENTS = 300
# Kill delays stretch up to LATE times what the uninterrupted run took, so that some kills come after the end.
LATE = 1.2
READY_TIMEOUT = 60.0
DEMO_TABLES = ("incidents", "incident_vehicles", "stolen_items", "attachments")
MERGE_TABLES = (*SYNCABLE_TABLES, "blobs", "sync_packages", "sync_conflicts")

State = dict[str, Any]


# --- the worker process ------------------------------------------------------------------------------------


class Worker:
    """One crash_worker.py process: started, made ready, told to go, then killed (or left to finish)."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, str(WORKER), "--wait", *args],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.pending = b""
        self.lines: list[tuple[float, str]] = []  # (time read, line)
        self.started_at = 0.0
        self.killed = False

    def _read(self, timeout: float) -> bool:
        """Read what the worker has written, waiting at most `timeout`; False once its stdout is closed."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0.0))
        if not ready:
            return True
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return False
        now = time.monotonic()
        *complete, self.pending = (self.pending + chunk).split(b"\n")
        self.lines.extend((now, line.decode()) for line in complete)
        return True

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()

    def _fail(self, message: str) -> None:
        self.close()
        pytest.fail(f"{message}; the worker's last lines: {self.said[-12:]}, stderr:\n"
                    f"{self.log.read_text(errors='replace')}")

    def wait_for(self, wanted: str, timeout: float = READY_TIMEOUT) -> float:
        deadline = time.monotonic() + timeout
        while not self._seen(wanted):
            if time.monotonic() > deadline or not self._read(deadline - time.monotonic()):
                self._fail(f"no {wanted!r} line from the worker")
        return next(t for t, line in self.lines if line == wanted)

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.close()
        self.started_at = self.wait_for("start")

    def kill_after(self, delay: float, anchor: str = "start") -> None:
        """SIGKILL the worker `delay` seconds after its first `anchor` line, unless it finished first."""
        alive, give_up = True, time.monotonic() + READY_TIMEOUT
        while alive and not self._seen(anchor) and time.monotonic() < give_up:
            alive = self._read(give_up - time.monotonic())
        if alive and self._seen(anchor):
            deadline = next(t for t, line in self.lines if line == anchor) + delay
            while alive and (remaining := deadline - time.monotonic()) > 0:
                alive = self._read(remaining)
        if alive:
            self.proc.send_signal(signal.SIGKILL)
            self.killed = True
        code = self.proc.wait(timeout=READY_TIMEOUT)
        give_up = time.monotonic() + READY_TIMEOUT
        while self._read(give_up - time.monotonic()) and time.monotonic() < give_up:
            pass  # what it wrote before it died is still in the pipe
        self.close()
        if code not in (0, -signal.SIGKILL):
            self._fail(f"the worker failed (exit code {code})")

    def run_to_end(self) -> None:
        self.go()
        self.kill_after(READY_TIMEOUT)
        assert not self.killed and self.finished, "the uninterrupted run did not finish"

    def _seen(self, wanted: str) -> bool:
        return any(line == wanted for _, line in self.lines)

    @property
    def said(self) -> list[str]:
        return [line for _, line in self.lines]

    @property
    def finished(self) -> bool:
        return "done" in self.said

    def seconds_to(self, wanted: str) -> float | None:
        """When the first `wanted` line came, in seconds after "start" (None if it never came)."""
        return next((t - self.started_at for t, line in self.lines if line == wanted), None)

    @property
    def phase(self) -> str:
        """Where the worker was when it died, by the last of its lines that mark one."""
        phase = "before"
        for line in self.said:
            if line == "begin":
                phase = "inside"
            elif line == "commit":
                phase = "committing"
            elif line.startswith("done "):
                phase = "between"
            elif line == "done":
                phase = "finished"
        return phase


# --- database checks ---------------------------------------------------------------------------------------


def check_intact(store: Store) -> None:
    assert store.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def count(store: Store, table: str) -> int:
    return int(store.db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0])


def digest(store: Store, table: str, columns: str = "*", order: str = "rowid") -> str:
    rows = store.db.execute(f"SELECT {columns} FROM [{table}] ORDER BY {order}").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# --- one operation, killed many times ----------------------------------------------------------------------


@dataclass
class Scenario:
    """One operation, run by the worker on copies of a prepared database (`template`)."""

    name: str
    template: Path
    args: list[str]  # the worker's arguments after the database
    state: Callable[[Store], State]  # what an uninterrupted run leaves; compared after the re-run
    # A killed copy: (store, state before, state after, what the worker said) -> (what the database holds,
    # whether it holds a commit the worker had not reported yet). Default: exactly as before or as after.
    check_killed: Callable[[Store, State, State, list[str]], tuple[str, bool]] | None = None
    # After the re-run: (store, state after an uninterrupted run, what the killed copy held). Default: as after.
    check_finished: Callable[[Store, State, str], None] | None = None


KINDS = ("anywhere", "writing", "commit")


@dataclass
class Timings:
    """The quickest times seen so far: from "start" to the operation's first BEGIN and to its end, and from its
    first COMMIT to its end. Kill points scale with them, learning from every run, so that a slow first run (a
    busy machine) does not push the later kills past the end."""

    begin: float
    done: float
    commit_to_done: float

    @classmethod
    def of(cls, worker: Worker) -> Timings:
        marks = [worker.seconds_to(line) for line in ("begin", "commit", "done")]
        assert all(mark is not None for mark in marks), f"no BEGIN, COMMIT or done in {worker.said[-12:]}"
        begin, commit, done = (float(mark or 0.0) for mark in marks)
        return cls(begin, done, done - commit)

    def learn(self, worker: Worker) -> None:
        begin, commit, done = (worker.seconds_to(line) for line in ("begin", "commit", "done"))
        if begin is not None:
            self.begin = min(self.begin, begin)
        if done is not None:
            self.done = min(self.done, done)
            if commit is not None:
                self.commit_to_done = min(self.commit_to_done, done - commit)

    def kill_point(self, kind: str, fraction: float) -> tuple[str, float]:
        """(the line to count from, seconds after it) for a kill of this kind; `fraction` is in [0, 1)."""
        if kind == "anywhere":  # from "start" to a little after the end
            return "start", fraction * LATE * self.done
        if kind == "writing":  # from the first BEGIN to the end
            return "start", self.begin + fraction * (self.done - self.begin)
        if kind == "commit":  # from the first COMMIT to a little after the end
            return "commit", fraction * LATE * self.commit_to_done
        return "start", 0.0


PHASES = {
    "before": "before its transaction began",
    "between": "between two transactions",
    "inside": "inside its transaction",
    "committing": "during or just after COMMIT",
    "finished": "once it had finished",
}


@dataclass
class Tally:
    phases: Counter[str] = field(default_factory=Counter)
    unreported: int = 0  # killed after a commit but before it said so
    rows: list[str] = field(default_factory=list)

    @property
    def kills(self) -> int:
        return sum(self.phases.values())

    @property
    def mid_operation(self) -> int:
        return self.kills - self.phases["finished"]

    def summary(self, name: str, duration: float, elapsed: float) -> str:
        phases = ", ".join(f"{self.phases[p]} {text}" for p, text in PHASES.items() if self.phases[p])
        return (f"{name}: {self.kills} kills, {self.mid_operation} of them mid-operation ({phases}; "
                f"{self.unreported} with a commit not yet reported); quickest run {duration:.2f} s, "
                f"all runs {elapsed:.1f} s")


def all_or_nothing(scenario: Scenario) -> Callable[[Store, State, State, list[str]], tuple[str, bool]]:
    name = scenario.name

    def check(store: Store, before: State, after: State, said: list[str]) -> tuple[str, bool]:
        state = scenario.state(store)
        assert state in (before, after), (
            f"{name}: the database is neither as before nor as after the operation: {_diff(state, before, after)}"
        )
        committed = state == after
        if "done" in said:
            assert committed, f"{name}: the worker reported done, but the database is as before"
        return ("after" if committed else "before"), committed and "done" not in said

    return check


def _diff(state: State, before: State, after: State) -> str:
    return "; ".join(
        f"{key}: {state.get(key)!r} (before {before.get(key)!r}, after {after.get(key)!r})"
        for key in sorted(set(state) | set(after))
        if state.get(key) != after.get(key)
    )


def copy_of(scenario: Scenario, path: Path) -> Path:
    shutil.copyfile(scenario.template, path)
    return path


def spawn(scenario: Scenario, path: Path) -> Worker:
    return Worker([scenario.name, str(path), *scenario.args], path.with_suffix(".stderr"))


def reopen(path: Path) -> Store:
    store = open_store(path)
    check_intact(store)
    return store


def check_and_finish(
    scenario: Scenario, path: Path, before: State, after: State, said: list[str], where: str
) -> tuple[str, bool]:
    """Check a killed copy, then run the operation again on it to the end, as the user would."""
    check_killed = scenario.check_killed or all_or_nothing(scenario)
    with closing(reopen(path)) as store:
        try:
            held, unreported = check_killed(store, before, after, said)
            crash_worker.operation(scenario.name, store, scenario.args)(crash_worker.quiet)
            check_intact(store)
            if scenario.check_finished:
                scenario.check_finished(store, after, held)
            else:
                assert scenario.state(store) == after, "the re-run does not end as an uninterrupted run"
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from exc
    return held, unreported


def run_scenario(scenario: Scenario, work: Path, kills: int) -> Tally:
    began = time.monotonic()
    work.mkdir()
    with closing(open_store(scenario.template)) as store:
        before = scenario.state(store)
    assert not Path(f"{scenario.template}-wal").exists(), "the template must be closed cleanly"

    # One uninterrupted run: the state after, and how long the operation takes.
    calibration = spawn(scenario, copy_of(scenario, work / "uninterrupted.db"))
    calibration.wait_for("ready")
    calibration.run_to_end()
    timings = Timings.of(calibration)
    with closing(reopen(work / "uninterrupted.db")) as store:
        after = scenario.state(store)
    assert after != before, f"{scenario.name} changes nothing: the test would prove nothing"

    # Kill points: at once, then in turn anywhere, in the writes, around the commit (see Timings.kill_point).
    rng = random.Random(f"{SEED}:{scenario.name}")
    plan = [("at once", 0.0)] + [(KINDS[n % len(KINDS)], rng.random()) for n in range(kills - 1)]
    tally = Tally()
    worker = spawn(scenario, copy_of(scenario, work / "kill-0.db"))
    try:
        for index, (kind, fraction) in enumerate(plan):
            anchor, delay = timings.kill_point(kind, fraction)
            worker.wait_for("ready")
            worker.go()
            worker.kill_after(delay, anchor)
            said, phase = worker.said, worker.phase
            timings.learn(worker)
            if index + 1 < len(plan):  # the next worker imports its modules while this copy is checked
                worker = spawn(scenario, copy_of(scenario, work / f"kill-{index + 1}.db"))
            held, unreported = check_and_finish(scenario, work / f"kill-{index}.db", before, after, said,
                                                f"{scenario.name}, kill {index} {delay:.4f} s after {anchor!r} "
                                                f"(CRASH_SEED={SEED})")
            tally.phases[phase] += 1
            tally.unreported += unreported
            tally.rows.append(f"  {delay * 1000:7.1f} ms after {anchor!r:8}: {PHASES[phase]:28} "
                              f"(last line {said[-1]!r}): {held}")
    finally:
        worker.close()
    print(tally.summary(scenario.name, timings.done, time.monotonic() - began))
    print("\n".join(tally.rows))
    assert tally.mid_operation >= kills // 2, "too few kills landed mid-operation: the test proves little"
    assert tally.phases["inside"] + tally.phases["committing"] >= kills // 5, "too few kills landed mid-write"
    return tally


# --- the operations ----------------------------------------------------------------------------------------


def big_police_csv(path: Path, rows: int) -> None:
    """A street-level CSV of `rows` rows grown from the fixtures: the 2018-01 rows as they are (the template
    holds them already, so they are duplicates), then mutated copies of the others with distinct Crime IDs,
    months and places, including anti-social behaviour rows (no Crime ID) and rows without a location."""
    def read(name: str) -> list[list[str]]:
        with (FIXTURES / name).open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))[1:]

    held = read("2018-01-essex-street-first150.csv")
    seeds = read("2018-03-essex-street-first150.csv") + read("2018-04-essex-street-no-id-or-location.csv")
    out = list(held)
    for n in range(rows - len(held)):
        row = list(seeds[n % len(seeds)])
        if row[0]:
            row[0] = hashlib.sha256(f"{row[0]}:{n}".encode()).hexdigest()
        row[1] = f"{2010 + n // 1200 % 10}-{n % 12 + 1:02d}"
        row[6] = f"{row[6]} ({n})"
        out.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                         "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"])
        writer.writerows(out)


PUBLISHED_COLUMNS = "id, dedupe_key, crime_id, month, lon, lat, easting, northing, location, crime_type, batch_id"
BATCH_COLUMNS = "id, source, file_name, file_sha256, rows_read, imported, duplicates, rejected, rejected_reasons"


def import_state(store: Store) -> State:
    return {
        "published_crimes": count(store, "published_crimes"),
        "import_batches": count(store, "import_batches"),
        "published_rows": digest(store, "published_crimes", PUBLISHED_COLUMNS),
        "batches": digest(store, "import_batches", BATCH_COLUMNS),
    }


def import_scenario(tmp_path: Path) -> Scenario:
    big = tmp_path / "2019-big-street.csv"
    big_police_csv(big, IMPORT_ROWS)
    template = tmp_path / "import-template.db"
    with closing(open_store(template)) as store:
        PublishedCrimeService(store).import_paths([FIXTURES / "2018-01-essex-street-first150.csv"])
        held_before = count(store, "published_crimes")

    def finished(store: Store, after: State, held: str) -> None:
        state = import_state(store)
        assert state["published_crimes"] == after["published_crimes"]
        assert state["published_rows"] == after["published_rows"], "the re-import did not add what was missing"
        # A re-import after a committed import is recorded as a batch of its own that added nothing.
        assert state["import_batches"] == after["import_batches"] + (held == "after")
        imported, duplicates = store.db.execute(
            "SELECT imported, duplicates FROM import_batches ORDER BY id DESC"
        ).fetchone()
        added = 0 if held == "after" else after["published_crimes"] - held_before
        assert (imported, imported + duplicates) == (added, IMPORT_ROWS)  # every row of the file: new or held

    return Scenario("import", template, [str(big)], import_state, check_finished=finished)


def make_incident(place: str) -> IncidentInput:
    return IncidentInput(kind="fly_tipping", occurred_start="2025-03-20 09:30", lat=51.9, lon=0.3, place=place)


def demo_state(store: Store) -> State:
    state: State = {table: count(store, table) for table in DEMO_TABLES}
    state["incident_ids"] = digest(store, "incidents", "id, deleted, synthetic", "id")
    return state


def demo_scenario(tmp_path: Path) -> Scenario:
    template = tmp_path / "demo-template.db"
    with closing(open_store(template)) as store:
        incidents = IncidentService(store)
        for place in ("Brook Farm", "Mill Lane", "Church Road"):
            incidents.record(make_incident(place))
    return Scenario("demo", template, [str(DEMO_COUNT)], demo_state)


def merge_state(store: Store) -> State:
    state: State = {table: count(store, table) for table in MERGE_TABLES}
    state.update({f"{table} rows": digest(store, table, order="id") for table in SYNCABLE_TABLES})
    state["packages"] = digest(store, "sync_packages", "package_id, source_device, sha256, rows", "package_id")
    state["seen"] = store.meta("sync_seen")
    state["received"] = store.db.execute("SELECT received_seen FROM sync_peers").fetchall()
    return state


def merge_scenario(tmp_path: Path) -> Scenario:
    """A target that already merged a first package from a source, and a second, full package from that
    source: new incidents (with vehicles, stolen items and an attachment), edits to merged ones, the rest
    unchanged. The target has incidents of its own."""
    template = tmp_path / "merge-template.db"
    package = tmp_path / "second.rwsync"
    with closing(open_store(tmp_path / "source.db")) as source, closing(open_store(template)) as target:
        source_sync, target_sync = SyncService(source), SyncService(target)
        for a, b in ((source_sync, target_sync), (target_sync, source_sync)):
            identity = b.identity()
            a.trust(identity.device_id, identity.public_key)
        for place in ("Brook Farm", "Mill Lane", "Church Road"):
            IncidentService(target).record(make_incident(place))
        crash_worker.demo_operation(source, 1000, seed=1)(crash_worker.quiet)
        source_sync.export(tmp_path / "first.rwsync")
        target_sync.import_package(tmp_path / "first.rwsync")

        crash_worker.demo_operation(source, 1500, seed=2)(crash_worker.quiet)
        photo = tmp_path / "photo.jpg"
        photo.write_bytes(b"\xff\xd8 not really a jpeg " * 100)
        IncidentService(source).record(make_incident("Grange Barns"), attach=[photo])
        table = SyncTable(source, "incidents")
        with source.transaction():
            for (row_id,) in source.db.execute("SELECT id FROM incidents ORDER BY id LIMIT 300").fetchall():
                table.update(row_id, {"place": "Edited after the first package"})
        source_sync.export(package)
    return Scenario("merge", template, [str(package)], merge_state)


def patrol_state(store: Store) -> State:
    return {
        "patrols": store.db.execute("SELECT id, status FROM patrols").fetchall(),
        "events": store.db.execute("SELECT kind, detail, vrm, lat, lon FROM patrol_events ORDER BY rowid").fetchall(),
    }


def patrol_scenario(tmp_path: Path) -> Scenario:
    template = tmp_path / "patrol-template.db"
    with closing(open_store(template)) as store:
        services = Services.build(store)
        officer = services.people.add(PersonInput(name="PC Officer", role="officer")).id
        start = datetime.now(UTC) - timedelta(hours=1)
        local = times.to_local(start)
        record, _ = services.patrols.create(PatrolInput(
            day=local.date().isoformat(), start=local.strftime("%H:%M"),
            end=(local + timedelta(hours=4)).strftime("%H:%M"), area="Maldon", purpose="general_rural_patrol",
            crew=[officer],
        ))
        services.patrols.start(record.id, at=start)
    patrol_id = record.id

    def killed(store: Store, before: State, after: State, said: list[str]) -> tuple[str, bool]:
        """Every event reported as committed is there, whole; at most one more (committed, not yet reported)."""
        reported = max((int(line.split()[1]) for line in said if line.startswith("done ")), default=0)
        events = store.db.execute(
            "SELECT kind, detail, vrm, lat, lon, at, hlc, field_hlc, deleted FROM patrol_events "
            "WHERE patrol_id = ? ORDER BY rowid", [patrol_id],
        ).fetchall()
        assert events[0][0] == "patrol_started"
        logged = [e for e in events[1:] if e[0] != "patrol_ended"]
        assert len(logged) in (reported, reported + 1), (
            f"{reported} events were reported committed, {len(logged)} are stored"
        )
        for n, event in enumerate(logged, start=1):
            expected = crash_worker.event_input(n)
            assert event[:5] == (expected.kind, f"event {n}", expected.vrm or None, expected.lat, expected.lon)
            assert all(value is not None for value in event[5:8]) and event[8] == 0, f"event {n} is half there"
        status = store.db.execute("SELECT status FROM patrols WHERE id = ?", [patrol_id]).fetchone()[0]
        ended = [e for e in events if e[0] == "patrol_ended"]
        assert (status == "completed") == bool(ended) and len(ended) <= 1, "the patrol's end is half there"
        if ended:
            assert len(logged) == PATROL_EVENTS and events[-1][0] == "patrol_ended"
            return "ended", "done" not in said
        return f"{len(logged)} events", len(logged) > reported

    return Scenario("patrol", template, [patrol_id, str(PATROL_EVENTS)], patrol_state, check_killed=killed)


SCENARIOS = {"import": import_scenario, "demo": demo_scenario, "merge": merge_scenario, "patrol": patrol_scenario}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_killed_operation_leaves_an_intact_all_or_nothing_database(name: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[name](tmp_path)
    run_scenario(scenario, tmp_path / "runs", KILLS[name])
