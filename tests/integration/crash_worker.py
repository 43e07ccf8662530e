"""Worker for test_crash_safety.py: runs one write operation on a database and says on stdout how far it got,
so that the test can SIGKILL it at a random moment. Plain Python, no pytest.

    python crash_worker.py [--wait] OPERATION DB ARGS...

    import DB CSV             bulk import of a data.police.uk CSV (one transaction)
    demo DB COUNT             load COUNT demo incidents (one transaction)
    merge DB PACKAGE          apply a sync package (one transaction)
    patrol DB PATROL TOTAL    log events (one transaction each) until the patrol has TOTAL, then end it

Lines written, each flushed at once:
    ready       modules imported and store open (with --wait, it then waits for a line on stdin)
    start       just before the operation begins
    begin       just before the store runs BEGIN (seen through sqlite3's trace callback)
    progress N  from the operation's progress callback, i.e. inside its transaction
    commit      just before the store runs COMMIT (so a kill after this line may land mid-commit)
    done N      (patrol) after event N has committed
    done        the whole operation has returned, i.e. committed

The test builds the same operations in-process (`operation`) to finish them after a kill.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ruralwatch.core.errors import ProgressCallback
    from ruralwatch.core.patrol import PatrolEventInput
    from ruralwatch.store import Store

Emit = Callable[[str], None]
Operation = Callable[[Emit], None]

# A fixed "now" for the demo set, so that every run generates the same incidents with the same child rows.
DEMO_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DEMO_SEED = 7


def quiet(_line: str) -> None:
    """An `emit` that says nothing (for runs inside the test process)."""


def _progress(emit: Emit) -> ProgressCallback:
    def progress(done: int, _total: int, _note: str = "", /) -> bool:
        emit(f"progress {done}")
        return True

    return progress


def import_operation(store: Store, csv_path: Path) -> Operation:
    from ruralwatch.services.published import PublishedCrimeService

    service = PublishedCrimeService(store)

    def run(emit: Emit) -> None:
        emit("start")
        service.import_paths([csv_path], progress=_progress(emit))
        emit("done")

    return run


def demo_operation(store: Store, count: int, seed: int = DEMO_SEED) -> Operation:
    from ruralwatch.services.demo import load_demo
    from ruralwatch.services.incidents import IncidentService

    service = IncidentService(store)

    def run(emit: Emit) -> None:
        emit("start")
        load_demo(service, seed=seed, count=count, now=DEMO_NOW, progress=_progress(emit))
        emit("done")

    return run


def merge_operation(store: Store, package_path: Path) -> Operation:
    from ruralwatch.services.sync import SyncService

    service = SyncService(store)

    def run(emit: Emit) -> None:
        emit("start")
        service.import_package(package_path)
        emit("done")

    return run


def logged_count(store: Store, patrol_id: str) -> int:
    """Events logged on the patrol, not counting its start and end."""
    return int(store.db.execute(
        "SELECT COUNT(*) FROM patrol_events WHERE patrol_id = ? AND kind NOT IN ('patrol_started', 'patrol_ended')",
        [patrol_id],
    ).fetchone()[0])


def event_input(n: int) -> PatrolEventInput:
    """The n-th logged event: mostly notes, every third a vehicle stop-check at a place."""
    from ruralwatch.core.patrol import PatrolEventInput

    if n % 3 == 0:
        return PatrolEventInput(kind="stop_check", vrm="AB00CDE", lat=51.8, lon=0.5, detail=f"event {n}")
    return PatrolEventInput(kind="note", detail=f"event {n}")


def patrol_operation(store: Store, patrol_id: str, total: int) -> Operation:
    """Carry on logging from the events already stored, so that a re-run finishes a killed log."""
    from ruralwatch.services.container import Services

    patrols = Services.build(store).patrols
    event_input(1)  # import what logging needs before "start"

    def run(emit: Emit) -> None:
        emit("start")
        if patrols.get(patrol_id).status == "in_progress":
            for n in range(logged_count(store, patrol_id) + 1, total + 1):
                patrols.log(patrol_id, event_input(n))
                emit(f"done {n}")  # only after the event's transaction has committed
            patrols.end(patrol_id)
        emit("done")

    return run


def operation(name: str, store: Store, args: list[str]) -> Operation:
    if name == "import":
        return import_operation(store, Path(args[0]))
    if name == "demo":
        return demo_operation(store, int(args[0]))
    if name == "merge":
        return merge_operation(store, Path(args[0]))
    if name == "patrol":
        return patrol_operation(store, args[0], int(args[1]))
    raise SystemExit(f"unknown operation {name!r}")


def main(argv: list[str]) -> int:
    wait = argv[:1] == ["--wait"]
    if wait:
        argv = argv[1:]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's ruralwatch
    from ruralwatch.store import open_store

    def emit(line: str) -> None:
        print(line, flush=True)

    store = open_store(argv[1])
    run = operation(argv[0], store, argv[2:])
    markers = {"BEGIN": "begin", "COMMIT": "commit"}

    def trace(sql: str) -> None:
        marker = markers.get(sql.split(" ", 1)[0])  # writes begin "BEGIN IMMEDIATE"
        if marker:
            emit(marker)

    store.db.conn.set_trace_callback(trace)
    emit("ready")
    if wait:
        sys.stdin.readline()
    run(emit)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
