"""The window imports only what its first screen needs (issue 21): no timing, the modules themselves.

A fresh interpreter builds the window over a database holding the demo, shows it (offscreen) and lists the modules
loaded at that moment; the panels nobody has opened, the dialogs and the libraries of one export or analysis must
not be among them (they were about a second of the window's start-up). The first run builds the map page with
folium and keeps it; the second, checked, takes it from the cache as every later start does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import open_store
from tests.ui.conftest import FIXED_NOW

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEAVY_LIBRARIES = ("pandas", "pyproj", "reportlab", "folium", "branca", "jinja2", "icalendar", "openpyxl",
                   "shapely", "pyogrio", "psycopg", "scipy", "PIL", "gpxpy", "osgb", "nacl")
# Built or opened on first use: a docked panel when it is first shown, a dialog when it opens.
LATER = ("ruralwatch.ui.analysis_panel", "ruralwatch.ui.patrol_panel", "ruralwatch.ui.roster_panel",
         "ruralwatch.ui.sync_panel", "ruralwatch.ui.premises_panel", "ruralwatch.ui.incident_form",
         "ruralwatch.ui.settings_dialog", "ruralwatch.ui.export_dialog", "ruralwatch.ui.accounts_dialog",
         "ruralwatch.ui.audit_view", "ruralwatch.ui.backups_dialog", "ruralwatch.ui.alert_dialog",
         "ruralwatch.ui.harm_dialog", "ruralwatch.ui.retention_dialog", "ruralwatch.ui.first_steps",
         "ruralwatch.services.demo_set", "ruralwatch.io.exports")

SHOW = """
import json, sys
from datetime import datetime
from pathlib import Path
from ruralwatch.app import prepare_qt_environment
prepare_qt_environment()
from PySide6.QtCore import QEventLoop, QTimer
from ruralwatch.services.container import Services
from ruralwatch.store import open_store
from ruralwatch.ui.application import make_application
from ruralwatch.ui.main_window import MainWindow
app = make_application()
now = datetime.fromisoformat(sys.argv[3])
store = open_store(Path(sys.argv[1]))
window = MainWindow(Services.build(store, clock=lambda: now), Path(sys.argv[2]))
window.show()
shown = sorted(sys.modules)  # before the event loop turns: what showing the window itself needed
loop = QEventLoop()
window.map.incidents_shown.connect(lambda _count: loop.quit())
QTimer.singleShot(60_000, loop.quit)
loop.exec()  # the map drawn (the first run keeps its page), then closed as the window closes
window.dispose()
store.close()
print("\\n" + json.dumps(shown))
"""


def shown_with(db: Path, tmp_path: Path) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", SHOW, str(db), str(tmp_path / "page"), FIXED_NOW.isoformat()],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.rstrip("\n").rpartition("\n")[2]))


def test_the_window_is_shown_without_the_panels_dialogs_and_libraries_it_does_not_show(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    store = open_store(db)
    load_demo(Services.build(store, clock=lambda: FIXED_NOW).incidents, count=300, now=FIXED_NOW)
    store.close()
    shown_with(db, tmp_path)  # builds the map page with folium and keeps it
    modules = shown_with(db, tmp_path)
    assert "ruralwatch.ui.main_window" in modules and "PySide6.QtWebEngineWidgets" in modules
    assert sorted(name for name in modules if name.split(".")[0] in HEAVY_LIBRARIES) == []
    assert sorted(set(LATER) & modules) == []


def test_a_panel_is_built_when_its_dock_is_first_opened(window) -> None:
    # No panel is open at start for the system account: none is built; opening one from its menu builds it there.
    assert window._panels == {}
    window.patrol_dock.toggleViewAction().trigger()
    assert list(window._panels) == ["patrolDock"]
    assert window.patrol_dock.widget().widget() is window.patrol_panel and window.patrol_panel.isVisible()
    window.refresh()  # reads only the panels built so far
    assert list(window._panels) == ["patrolDock"]
