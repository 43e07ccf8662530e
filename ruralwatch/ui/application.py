"""Start the window: one QApplication, signing in (or creating the database), the services, the main window."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QWidget

from ruralwatch import __version__
from ruralwatch.paths import APP_NAME
from ruralwatch.services.accounts import KdfParams
from ruralwatch.services.container import Services
from ruralwatch.services.data_location import MovedDatabase, finish_move
from ruralwatch.store.database import Store
from ruralwatch.ui import theme
from ruralwatch.ui.main_window import MainWindow
from ruralwatch.ui.restoring import RestoreRequest, StillRunning, restore_after_close
from ruralwatch.ui.settings_keys import COLOUR_SCHEME
from ruralwatch.ui.signin import ExecDialog, open_database
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.tiles import register_tile_scheme
from ruralwatch.ui.widgets.wheel_guard import CalmWheelStyle

EventLoop = Callable[[QApplication, MainWindow], int]


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    register_tile_scheme()
    app = QApplication(argv if argv is not None else sys.argv[:1])
    # The same look on every desktop (Fusion), with a light and a dark palette (ui.theme); list boxes leave the
    # mouse wheel to the page (ui.widgets.wheel_guard).
    app.setStyle(CalmWheelStyle("Fusion"))
    theme.apply_scheme(app, colour_scheme())
    theme.follow_system_scheme(app, colour_scheme)
    return app


def colour_scheme() -> str:
    """The user's choice in Settings: "system" (default), "light" or "dark"."""
    return str(COLOUR_SCHEME.read() or "system")


def offer_demo_if_empty(window: MainWindow) -> None:
    """First start on an empty database: offer the first steps once (a basemap, the demo data, published crime).
    Only to a role that may remove it again (data.purge): loading it needs the same right."""
    store = window.services.store
    if window.service.count() or store.meta("demo_offered") or not store.actor.can("data.purge"):
        return
    store.set_meta("demo_offered", "1")
    # The optional first steps (basemap, demo data, published crime); Settings opens them again.
    window.open_first_steps()


BACKUP_CHECK_MS = 60 * 60 * 1000  # hourly: is a daily backup due?
AUTOMATIC_BACKUP = "Backing up…"  # the automatic backup's task title (how a restore waiting for it names it)


def automatic_backup(window: MainWindow, reason: str) -> BackgroundTask:
    """`maybe_backup(reason)` off the UI thread (a big file takes a second), said in the status bar."""
    def failed(exc: BaseException) -> None:
        window.statusBar().showMessage(f"Automatic backup failed: {exc}", 15000)

    def done(info: object) -> None:
        if info is not None:
            window.statusBar().showMessage("Automatic backup made.", 5000)

    # Quiet: nobody asked for it, and its window-modal progress dialog came up two seconds after every sign-in
    # on a database of published crime, locking the window someone had just started to use. The status bar
    # says it instead (the hourly check only when it made one).
    if reason == "start":
        window.statusBar().showMessage("Backing up in the background…", 5000)
    return window.ops.run(AUTOMATIC_BACKUP, lambda services, _progress: services.backups.maybe_backup(reason), done,
                          on_failed=failed, quiet=True)


def start_backups(window: MainWindow) -> QTimer:
    """A backup now (start-up) and a daily one when due, made off the UI thread."""
    timer = QTimer(window)
    timer.setInterval(BACKUP_CHECK_MS)
    timer.timeout.connect(lambda: automatic_backup(window, "daily"))
    if window.services.store.encrypted:  # a plain (test or legacy) file is never backed up
        QTimer.singleShot(2000, window, lambda: automatic_backup(window, "start"))
        timer.start()
    return timer


def still_running(window: MainWindow) -> list[StillRunning]:
    """The window's work still holding its own connection to the database (the automatic backup, most likely)."""
    return [StillRunning("the automatic backup" if title == AUTOMATIC_BACKUP else f"“{title.rstrip('…. ')}”",
                         thread) for title, thread in window.ops.still_running()]


OPENING_WAIT_MS = 500


def opening_notice(app: QApplication) -> QLabel:
    """A small "Opening RuralWatch…" window, painted before the main window is built: that takes a second or two on
    the UI thread (its widgets and the map's web view), and the screen was black meanwhile, between the sign-in
    closing and the window appearing. Close it once the window is up. (Not QSplashScreen: its show() alone took a
    second on X11.)"""
    notice = QLabel(f"<b>{APP_NAME}</b><br><br>Opening the window…")
    notice.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
    notice.setFrameShape(QFrame.Shape.Box)
    notice.setMinimumSize(420, 110)
    notice.show()
    wait_until_painted(app, notice)
    return notice


def wait_until_painted(app: QApplication, widget: QWidget) -> None:
    """Once the window system has put `widget` on the screen (briefly; a display that never says so just goes
    without), paint it: painted before, it was drawn into nothing, and the screen stayed black."""
    waited = QElapsedTimer()
    waited.start()
    while not (widget.windowHandle() and widget.windowHandle().isExposed()) and waited.elapsed() < OPENING_WAIT_MS:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    widget.repaint()
    app.processEvents()


def run_window(store: Store, load_demo: bool = False, event_loop: EventLoop | None = None) -> int:
    """The main window over the signed-in store until it is closed; closes the store. Returns the exit code.

    `event_loop(app, window)` runs the application (default: `app.exec()`; tests look at the window instead).
    """
    return _window_session(store, load_demo, event_loop)[0]


def _window_session(store: Store, load_demo: bool = False, event_loop: EventLoop | None = None,
                    ) -> tuple[int, bool, RestoreRequest | None, list[StillRunning]]:
    """run_window's work: (the exit code, whether the sign-in comes back (the user signed out, or closed the
    window to restore a backup), the restore to do now that the store is closed, the window's work still running
    that the restore waits for)."""
    app = make_application()
    moved: MovedDatabase | None = None
    signed_out = False
    restoring: RestoreRequest | None = None
    running: list[StillRunning] = []
    try:
        opening = opening_notice(app)
        services = Services.build(store)
        with tempfile.TemporaryDirectory(prefix="ruralwatch-map-") as page_folder:
            window = MainWindow(services, Path(page_folder))
            window.show()
            wait_until_painted(app, window)
            opening.close()
            opening.deleteLater()
            start_backups(window)
            if load_demo:
                if store.actor.can("data.purge"):
                    QTimer.singleShot(0, window, window.load_demo_data)
                else:
                    window.statusBar().showMessage("Demo data not loaded: your role may not load or remove it", 8000)
            else:
                QTimer.singleShot(300, window, lambda: offer_demo_if_empty(window))
            code = (event_loop or _until_closed)(app, window)
            moved, signed_out, restoring = window.moved_database, window.signed_out, window.restore_request
            running = still_running(window)  # asked before the window and its task list go
            window.dispose()
    finally:
        store.close()
    if moved is not None:  # the data folder was moved: the old files go once the database is closed
        for problem in finish_move(moved):
            print(f"ruralwatch: warning: {problem}", file=sys.stderr)
    if moved is not None:
        restoring = None  # the database is somewhere else now: never restore over the new copy's old name
    return code, (signed_out or restoring is not None) and moved is None, restoring, running


def _until_closed(app: QApplication, window: MainWindow) -> int:
    """Run until the window closes, in an event loop of its own rather than `app.exec()`: that ends with
    aboutToQuit, on which QtWebEngine lets go of its profile, so the window after a sign-out crashed at the next
    quit. The application quits once, when `run_gui` is done."""
    app.setQuitOnLastWindowClosed(False)
    if window.has_closed:  # closed while its first paint was awaited (signed out, Ctrl+Q): `closed` has been
        return 0           # and gone, and a loop waiting for it would wait for ever with no window
    loop = QEventLoop()
    window.closed.connect(loop.quit)
    return loop.exec()


def run_gui(db_path: Path, load_demo: bool = False, params: KdfParams | None = None,
            exec_dialog: ExecDialog | None = None, event_loop: EventLoop | None = None,
            choose_folder: bool = False) -> int:
    """Sign in (or create or encrypt the database: ruralwatch.ui.signin), then run the window.

    Exit codes: 0 after the window closes or the user chose Quit at sign-in, 2 when the file cannot be used.
    After Account ▸ Sign out (or the lock screen's Sign out) the sign-in comes back for the same file; after
    File ▸ Backups and restore ▸ Restore the window closes, the backup is restored with the database closed, and
    the sign-in comes back saying what happened.
    `choose_folder`: a first start asks where to keep the data (not when --db or $RURALWATCH_DB named the file).
    `params` (Argon2 cost for new passwords), `exec_dialog` and `event_loop` are for tests; the defaults are
    the real ones.
    """
    app = make_application()
    signed_out: str | None = None
    notice: str | None = None
    try:
        while True:
            opened = open_database(db_path, params, exec_dialog, choose_folder, signed_out=signed_out,
                                   notice=notice)
            if isinstance(opened, int):
                return opened
            db_path, username = opened.path, opened.actor.username  # the file signed in to (a first start chooses)
            code, again, restoring, running = _window_session(opened, load_demo, event_loop)
            if not again:  # Account ▸ Sign out brings the sign-in back; closing the window ends here
                return code
            signed_out, load_demo, choose_folder, notice = username, False, False, None
            if restoring is not None:  # the store is closed now: the file can be replaced
                # The automatic backup may still be copying, its connection open: the restore waits for it.
                notice = restore_after_close(db_path, restoring, wait_for=running)[1]
                signed_out = None  # the same administrator most likely signs in again
    finally:
        app.quit()  # aboutToQuit, once, after every window and its web view are gone
