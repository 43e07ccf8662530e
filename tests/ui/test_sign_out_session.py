"""Signing out and in again in one run of the real window, in a process of its own: each window runs in an event
loop of its own and the application quits once at the end (a second `app.exec()` quit crashed QtWebEngine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ruralwatch.app import prepare_qt_environment
prepare_qt_environment()
from ruralwatch.services.accounts import AccountService, create_database, sign_in
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui.application import make_application, run_gui
from ruralwatch.ui.main_window import MainWindow
from ruralwatch.ui.signin import SignInDialog

path = Path(sys.argv[1])
admin = create_database(path, "admin", "correct horse battery", TEST_PARAMS)
AccountService(admin).add("sc1", "special", "the administrator's one-time", params=TEST_PARAMS)
admin.close()
# The password an administrator gives works once: sc1 has chosen their own since.
sign_in(path, "sc1", "the administrator's one-time", new_password="special constable 42", params=TEST_PARAMS).close()
make_application()
accounts = [("admin", "correct horse battery"), ("sc1", "special constable 42")]
seen = []

def step():
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, SignInDialog) and widget.isVisible() and accounts and widget not in seen:
            seen.append(widget)
            name, password = accounts.pop(0)
            widget.username.setText(name)
            widget.password.setText(password)
            widget.submit()
        elif isinstance(widget, MainWindow) and widget.isVisible() and widget not in seen:
            seen.append(widget)
            print("window", widget.services.store.actor.username, flush=True)
            if accounts:
                widget.map.incidents_shown.connect(lambda _count, w=widget: w.sign_out(ask=False))
            else:
                widget.map.incidents_shown.connect(lambda _count, w=widget: w.close())

timer = QTimer()
timer.timeout.connect(step)
timer.start(50)
print("exit", run_gui(path, params=TEST_PARAMS), flush=True)
"""


def test_sign_out_then_in_as_someone_else_and_quit_in_one_run(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "enc.db")], capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:3] == ["window admin", "window sc1", "exit 0"], done.stdout
