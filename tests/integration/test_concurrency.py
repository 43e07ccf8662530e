"""Two RuralWatch programs writing at once take turns: nothing is lost, and a lock is never called damage.

Before writes began with BEGIN IMMEDIATE, a second writer during an import failed at sign-in within a second with
"database is locked ... restore it with `restore --from ... --yes`", and following that advice replaced the live
file under the import.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_harness import ADMIN, PASSWORD, Cli
from fixtures.big_police_uk import big_csv

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.accounts import sign_in
from ruralwatch.services.backups import backup_now
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.database import DatabaseBusyError, in_use_elsewhere

IMPORT_ROWS = 40_000
WRITERS = 20


def _ruralwatch(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ruralwatch", "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


@pytest.mark.slow
def test_an_import_and_twenty_writers_at_once_lose_nothing_and_report_no_damage(encrypted_db: Path,
                                                                                tmp_path: Path) -> None:
    source = big_csv(tmp_path, IMPORT_ROWS)
    importer = _ruralwatch(encrypted_db, "import", "police-uk", str(source))
    writers = [_ruralwatch(encrypted_db, "incidents", "add", "--kind", "hare_coursing", "--when", "2026-11-24 06:40",
                           "--lat", "51.95", "--lon", "0.35", "--place", f"Writer {n}") for n in range(WRITERS)]
    outcomes = [(p.args[-1], *p.communicate(timeout=600), p.returncode) for p in [importer, *writers]]
    for name, out, err, code in outcomes:
        assert code == 0, f"{name} failed ({code}): {out}{err}"
        assert "restore" not in err and "damaged" not in err and "cannot be used" not in err, err
    store = sign_in(encrypted_db, ADMIN, PASSWORD)
    try:
        places = sorted(row[0] for row in store.db.execute("SELECT place FROM incidents WHERE deleted = 0"))
        assert places == sorted(f"Writer {n}" for n in range(WRITERS))
        assert store.db.execute("SELECT COUNT(*) FROM published_crimes").fetchone()[0] == IMPORT_ROWS
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()


def test_a_writer_waits_for_another_to_commit_then_writes(encrypted_db: Path) -> None:
    signed_in = sign_in(encrypted_db, ADMIN, PASSWORD)
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []
    failures: list[BaseException] = []

    def in_thread(work) -> threading.Thread:  # noqa: ANN001 - each thread writes on a connection of its own
        def run() -> None:
            store = signed_in.reopen()
            try:
                work(store)
            except BaseException as exc:  # reported by the test below
                failures.append(exc)
            finally:
                store.close()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def hold(store) -> None:  # noqa: ANN001
        with store.transaction():
            IncidentService(store).record(_incident("First"))
            holding.set()
            release.wait(30)
            order.append("first committed")

    def write(store) -> None:  # noqa: ANN001
        IncidentService(store).record(_incident("Second"))
        order.append("second committed")

    holder = in_thread(hold)
    try:
        assert holding.wait(30)
        waiter = in_thread(write)  # starts while the first holds the write lock: it must wait, not fail
        release.set()
        waiter.join(60)
        holder.join(60)
        assert failures == []
        assert order == ["first committed", "second committed"]
        assert IncidentService(signed_in).count() == 2
    finally:
        release.set()
        holder.join(60)
        signed_in.close()


def test_a_lock_held_past_the_timeout_is_busy_not_damage(encrypted_db: Path) -> None:
    first, second = sign_in(encrypted_db, ADMIN, PASSWORD), sign_in(encrypted_db, ADMIN, PASSWORD)
    try:
        second.db.execute("PRAGMA busy_timeout = 50")
        with first.transaction():
            IncidentService(first).record(_incident("Holder"))
            with pytest.raises(DatabaseBusyError, match="busy: another RuralWatch"):
                IncidentService(second).record(_incident("Too late"))
        assert [row[0] for row in second.db.execute("SELECT place FROM incidents")] == ["Holder"]
    finally:
        first.close()
        second.close()


def test_restore_refuses_while_the_database_is_open_elsewhere(encrypted_db: Path, cli: Cli) -> None:
    store = sign_in(encrypted_db, ADMIN, PASSWORD)
    try:
        made = backup_now(store)
        before = encrypted_db.read_bytes()
        assert in_use_elsewhere(encrypted_db)
        result = cli("restore", "--from", str(made.path), "--yes")
        assert result.code == 2
        assert "open in another RuralWatch window or command" in result.err and "nothing was changed" in result.err
        assert encrypted_db.read_bytes() == before
    finally:
        store.close()
    assert not in_use_elsewhere(encrypted_db)


# A window in another process: signed in, and a background task has reopened its store (open_store reads the
# file's header itself, which drops the process's locks on the file; only SQLite's lock on the -shm file is left).
WINDOW = """
import sys
from pathlib import Path
from ruralwatch.services.accounts import sign_in
store = sign_in(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
store.reopen().close()
print("open", flush=True)
sys.stdin.read()
store.close()
"""


def test_restore_refuses_while_a_window_in_another_program_has_the_database_open(encrypted_db: Path,
                                                                               cli: Cli) -> None:
    made = cli("backup")
    assert made.code == 0, made.err
    window = subprocess.Popen([sys.executable, "-c", WINDOW, str(encrypted_db), ADMIN, PASSWORD],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert window.stdout is not None and window.stdout.readline().strip() == "open"
        before = encrypted_db.read_bytes()
        assert in_use_elsewhere(encrypted_db)
        # A walk restored a USB backup with the window open: the window went on writing into the set-aside copy.
        result = cli("restore", "--from", made.out.strip(), "--yes")
        assert result.code == 2
        assert "open in another RuralWatch window or command" in result.err
        assert encrypted_db.read_bytes() == before
    finally:
        window.communicate("", timeout=60)
    assert not in_use_elsewhere(encrypted_db)


def _incident(place: str) -> IncidentInput:
    return IncidentInput(kind="hare_coursing", occurred_start="2026-11-24 06:40", lat=51.95, lon=0.35, place=place)
