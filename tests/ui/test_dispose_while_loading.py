"""A window disposed while its map is still loading (a sign-out a second after signing in), then Larger text and
signing in again. The whole tests/ui folder once died with exit 139 inside QApplication.allWidgets() (in
theme.refresh_fonts). The cause was not the map: PySide converts the widget list Qt gives it one widget at a
time, and Python's garbage collector, running half way through, deleted a widget only garbage held (a measuring
QTimeEdit in a reference cycle with its click filter); the next pointer converted was freed memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QApplication, QDateTimeEdit

from ruralwatch.services.container import Services
from ruralwatch.ui.main_window import MainWindow
from ruralwatch.ui.roster_people import date_edit, time_edit
from ruralwatch.ui.widgets.typing_boxes import select_part_on_click
from ruralwatch.ui.widgets.widget_lists import all_widgets, collector_held

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _alive() -> set[int]:
    return {shiboken6.getCppPointer(w)[0] for w in all_widgets()}


def test_a_date_or_time_box_nobody_keeps_is_deleted_at_once(qtbot) -> None:
    """Reference counting frees it as soon as it is dropped: nothing is left for the garbage collector."""
    with collector_held():
        before = _alive()
        time_edit().sizeHint()  # roster_people measures a column this way
        date_edit().sizeHint()
        select_part_on_click(QDateTimeEdit()).sizeHint()
        assert _alive() - before == set()


def test_a_window_disposed_while_its_map_loads_leaves_nothing_then_larger_text_and_signing_in_again_work(
        qtbot, services: Services, tmp_path: Path) -> None:
    app = QApplication.instance()
    normal = app.font().pointSizeF()
    for round_ in range(3):  # several sign-outs in a row, as on a crew's laptop
        with collector_held():  # nothing the window leaves behind may be hidden by a collection
            before = _alive()
            window = MainWindow(services, tmp_path / f"page{round_}")
            window.show()
            assert not window.map.is_ready  # still loading: the case that was feared
            window.dispose()
            assert _alive() - before == set()
        # Larger text and the next person's window, as after Account ▸ Sign out.
        again = MainWindow(services, tmp_path / f"again{round_}")
        with qtbot.waitSignal(again.map.incidents_shown, timeout=30_000):
            again.show()
        again.set_large_text(True)
        assert app.font().pointSizeF() > normal
        again.set_large_text(False)
        assert app.font().pointSizeF() == normal
        again.dispose()


GARBAGE_SCRIPT = """
import gc
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from ruralwatch.ui import theme
from ruralwatch.ui.widgets.widget_lists import all_widgets

app = QApplication([])
# Widgets made in C++ (file dialogs' insides) have no Python object until a list asks for one: listing them
# allocates, and allocations start collections.
dialogs = [QFileDialog(None, "x", "/", "") for _ in range(5)]
for dialog in dialogs:
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.ensurePolished()

class Holder:
    pass

def make_garbage():
    # Widgets with no parent that only a reference cycle holds: only the garbage collector deletes them.
    holders = []
    for _ in range(200):
        holder = Holder()
        holder.me, holder.widget = holder, QWidget()
        holders.append(holder)
    gc.collect(0)  # older than anything the listing makes: they go with the first older collection, ...
    gc.set_threshold(100, 1)  # ... one of the next two young ones: 100 or 200 new objects into the listing
    holders.clear()

make_garbage()
theme.refresh_fonts(app)  # what View > Larger text runs
make_garbage()
all_widgets()
print("ok", flush=True)
"""


def test_listing_the_widgets_survives_a_garbage_collection_half_way(tmp_path: Path) -> None:
    """In a process of its own: without the collector held off, this run dies with a segmentation fault."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", GARBAGE_SCRIPT], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ok"]


SIGN_OUT_SCRIPT = """
import gc
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ruralwatch.app import prepare_qt_environment
prepare_qt_environment()
from ruralwatch.services.accounts import create_database
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui import theme
from ruralwatch.ui.application import make_application, run_gui
from ruralwatch.ui.main_window import MainWindow
from ruralwatch.ui.signin import SignInDialog
from ruralwatch.ui.widgets.widget_lists import all_widgets

gc.disable()  # what a signed-out window leaves behind stays to be seen; no collection at a random moment
path = Path(sys.argv[1])
create_database(path, "admin", "correct horse battery", TEST_PARAMS).close()
app = make_application()
normal = app.font()
seen = []
ROUNDS = 3

def at_sign_in(dialog):
    left = sorted({type(w).__name__ for w in all_widgets() if w.window() is not dialog})
    print("left", *left, flush=True)
    larger = app.font()  # View > Larger text, as the window does it
    larger.setPointSizeF(normal.pointSizeF() * 4 / 3)
    app.setFont(larger)
    theme.refresh_fonts(app)
    app.setFont(normal)
    theme.refresh_fonts(app)
    if sum(isinstance(w, SignInDialog) for w in seen) > ROUNDS:
        dialog.reject()
        return
    dialog.username.setText("admin")
    dialog.password.setText("correct horse battery")
    dialog.submit()

def sign_out(window):
    print("sign out", "loaded" if window.map.is_ready else "loading", flush=True)
    window.sign_out(ask=False)

def step():
    for widget in QApplication.topLevelWidgets():
        if widget in seen or not widget.isVisible():
            continue
        if isinstance(widget, SignInDialog):
            seen.append(widget)
            at_sign_in(widget)
        elif isinstance(widget, MainWindow):
            seen.append(widget)
            sign_out(widget)  # at once: the map has not loaded yet

timer = QTimer()
timer.timeout.connect(step)
timer.start(20)
print("exit", run_gui(path, params=TEST_PARAMS), flush=True)
"""


def test_signing_out_while_the_map_loads_then_larger_text_and_signing_in_again(tmp_path: Path) -> None:
    """The real sign-out, three times, each before the map has loaded, in a process of its own (as
    test_sign_out_session): at each sign-in nothing of the last window is left, and Larger text works."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", SIGN_OUT_SCRIPT, str(tmp_path / "enc.db")], capture_output=True,
                          text=True, env=env, cwd=PROJECT_ROOT, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().split("\n")
    assert lines == ["left"] + ["sign out loading", "left"] * 3 + ["exit 0"], done.stdout
