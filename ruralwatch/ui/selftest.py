"""`ruralwatch self-test`: prove on this machine that the store, the window and the offline map work.

The database is made the way the application makes one: encrypted, with an administrator and the real
Argon2 cost (about 0.35 s more than a plain file: worth it to prove the real path works here).
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer

from ruralwatch.services.accounts import create_database
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.ui.application import make_application
from ruralwatch.ui.main_window import MainWindow

TIMEOUT_MS = 60_000
SAMPLE = 60


def run_self_test() -> int:
    app = make_application()
    with tempfile.TemporaryDirectory(prefix="ruralwatch-selftest-") as folder:
        store = create_database(Path(folder) / "selftest.db", "selftest", secrets.token_urlsafe(24))
        services = Services.build(store)
        load_demo(services.incidents, count=SAMPLE, now=datetime.now(UTC))
        window = MainWindow(services, Path(folder) / "page")
        window.show()
        loop = QEventLoop()
        shown: list[int] = []
        window.map.incidents_shown.connect(lambda count: (shown.append(count), loop.quit()))
        QTimer.singleShot(TIMEOUT_MS, loop.quit)
        loop.exec()
        problems = []
        if not shown:
            problems.append(f"the map page did not load within {TIMEOUT_MS / 1000:.0f} s")
        elif shown[0] != SAMPLE:
            problems.append(f"the map shows {shown[0]} incidents, expected {SAMPLE}")
        if window.model.rowCount() != SAMPLE:
            problems.append(f"the table shows {window.model.rowCount()} incidents, expected {SAMPLE}")
        external = window.map.guard.blocked
        if external:
            problems.append(f"the map asked for {len(external)} URL(s) outside the machine, e.g. {external[0]}")
        window.dispose()
        store.close()
        del app
    if problems:
        for problem in problems:
            print(f"self-test failed: {problem}", file=sys.stderr)
        return 1
    print("self-test ok")
    return 0
