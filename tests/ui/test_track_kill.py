"""Done-when for issue 19: an NMEA log replayed through the real positioning path (QNmeaPositionInfoSource) into a
patrol in progress, in a separate process that is SIGKILLed mid-way, leaves the track stored up to the kill."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from fixtures.track_tools import NMEA_LOG as LOG
from fixtures.track_tools import in_progress_patrol, logged_fixes
from PySide6.QtCore import QProcess, QProcessEnvironment

from ruralwatch.patrols.track import thin
from ruralwatch.services.container import Services
from ruralwatch.store import open_store

ROOT = Path(__file__).resolve().parents[2]
# The worker: a Qt application replaying the log at 100x (the 20-minute log in 12 s) into the patrol, writing
# every quarter of a second, and printing the points stored after each write (after its transaction committed).
WORKER = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from ruralwatch.services.container import Services
from ruralwatch.store import open_store
from ruralwatch.ui.positioning import PositionSource, TrackRecording

app = QCoreApplication([])
services = Services.build(open_store(sys.argv[1]))
source = PositionSource.replay(Path(sys.argv[3]), speed=100)
recording = TrackRecording(services, sys.argv[2], source, flush_every_s=0.25)
recording.written.connect(lambda n: print(n, flush=True))
source.start()
app.exec()
"""


def test_a_replay_killed_mid_way_keeps_its_track_up_to_the_kill(qtbot, tmp_path: Path) -> None:
    db = tmp_path / "patrol.db"
    store = open_store(db)
    patrol_id = in_progress_patrol(Services.build(store))
    store.close()

    worker = QProcess()
    environment = QProcessEnvironment.systemEnvironment()
    environment.insert("PYTHONPATH", str(ROOT))
    environment.insert("QT_QPA_PLATFORM", "offscreen")
    worker.setProcessEnvironment(environment)
    confirmed = [0]

    def read() -> None:
        for line in bytes(worker.readAllStandardOutput().data()).decode().split():
            confirmed[0] = int(line)

    worker.readyReadStandardOutput.connect(read)
    worker.start(sys.executable, ["-c", WORKER, str(db), patrol_id, str(LOG)])
    assert worker.waitForStarted(10_000)
    expected = thin(logged_fixes(), "nmea-replay")
    qtbot.waitUntil(lambda: confirmed[0] >= len(expected) // 3, timeout=60_000)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.kill()  # SIGKILL
    assert worker.exitStatus() == QProcess.ExitStatus.CrashExit
    killed_at = confirmed[0]

    reopened = open_store(db)
    try:
        assert reopened.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = Services.build(reopened).patrols.track_of(patrol_id)
    finally:
        reopened.close()
    assert killed_at <= len(stored) < len(expected)  # everything confirmed is there; the kill came mid-way
    assert [(p.at, p.segment) for p in stored] == [(p.at, p.segment) for p in expected[:len(stored)]]
    assert stored[0].at == datetime(2026, 11, 20, 6, 5, tzinfo=UTC)
