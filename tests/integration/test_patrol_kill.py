"""Killing the app mid-patrol loses no logged event: a subprocess logs events and is SIGKILLed."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.services.container import Services
from ruralwatch.store import open_store

LOGGER = """
import sys
from ruralwatch.core.patrol import PatrolEventInput
from ruralwatch.services.container import Services
from ruralwatch.store import open_store

services = Services.build(open_store(sys.argv[1]))
n = 0
while True:
    n += 1
    services.patrols.log(sys.argv[2], PatrolEventInput(kind="note", detail=f"event {n}"))
    print(n, flush=True)  # only after the event's transaction has committed
"""


def test_events_logged_before_a_kill_are_all_there(tmp_path: Path) -> None:
    db = tmp_path / "patrol.db"
    store = open_store(db)
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
    store.close()

    logger = subprocess.Popen([sys.executable, "-c", LOGGER, str(db), record.id], stdout=subprocess.PIPE, text=True)
    assert logger.stdout is not None
    confirmed = 0
    for line in logger.stdout:
        confirmed = int(line)
        if confirmed >= 25:
            break
    logger.send_signal(signal.SIGKILL)
    logger.wait()

    reopened = open_store(db)
    try:
        assert reopened.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        details = [e.detail for e in Services.build(reopened).patrols.log_of(record.id) if e.kind == "note"]
        assert len(details) >= confirmed
        assert details[:confirmed] == [f"event {n}" for n in range(1, confirmed + 1)]
    finally:
        reopened.close()
