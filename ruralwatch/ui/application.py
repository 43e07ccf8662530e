"""Start the window: one QApplication, the store, the services, the main window."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ruralwatch import __version__
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.paths import APP_NAME
from ruralwatch.services.container import Services
from ruralwatch.store import open_store
from ruralwatch.ui.main_window import MainWindow
from ruralwatch.ui.tiles import register_tile_scheme


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    register_tile_scheme()
    return QApplication(argv if argv is not None else sys.argv[:1])


def offer_demo_if_empty(window: MainWindow) -> None:
    """First start on an empty database: offer the demo data once, so there is something to look at."""
    store = window.services.store
    if window.service.count() or store.meta("demo_offered"):
        return
    store.set_meta("demo_offered", "1")
    answer = QMessageBox.question(
        window, "Welcome to RuralWatch",
        "This database is empty.\n\nLoad the demo dataset? It holds two years of synthetic rural incidents "
        "across Essex, clearly marked as demo data. You can delete it later.",
    )
    if answer == QMessageBox.StandardButton.Yes:
        window.load_demo_data()


def run_gui(db_path: Path, load_demo: bool = False) -> int:
    app = make_application()
    try:
        store = open_store(db_path)
    except RuralWatchError as exc:
        QMessageBox.critical(None, "RuralWatch cannot open its database", f"{db_path}\n\n{exc}")
        return 2
    services = Services.build(store)
    with tempfile.TemporaryDirectory(prefix="ruralwatch-map-") as page_folder:
        window = MainWindow(services, Path(page_folder))
        window.show()
        if load_demo:
            QTimer.singleShot(0, window.load_demo_data)
        else:
            QTimer.singleShot(300, lambda: offer_demo_if_empty(window))
        code = app.exec()
        window.dispose()
    store.close()
    return code
