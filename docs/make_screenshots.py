"""Take the documentation screenshots from the real app with demo data.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py

Writes PNGs into docs/screenshots/. Re-run after changing the window so the guide stays true.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer

from ruralwatch.app import prepare_qt_environment
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import open_store

OUT = Path(__file__).resolve().parent / "screenshots"
BASEMAP = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mbtiles" / "plain_3.mbtiles"
# The real Essex data.police.uk files, when present beside the project (see ../shared/data/README.md).
POLICE_UK = Path(__file__).resolve().parents[2] / "shared" / "data" / "police-uk" / "essex"
# Fixed "now" so the screenshots do not change from run to run.
DEMO_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def run_and_wait(start, signal) -> None:  # noqa: ANN001 - Qt callables
    loop = QEventLoop()
    signal.connect(lambda *_: loop.quit())
    QTimer.singleShot(120_000, loop.quit)
    start()
    loop.exec()


def main() -> int:
    prepare_qt_environment()
    from ruralwatch.ui.application import make_application
    from ruralwatch.ui.incident_form import IncidentDialog
    from ruralwatch.ui.main_window import MainWindow

    app = make_application()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "demo.db")
        services = Services.build(store)
        service = services.incidents
        load_demo(service, now=DEMO_NOW)
        services.basemaps.add(BASEMAP, "Europe (plain_3 sample)")
        window = MainWindow(services, Path(folder) / "page")
        window.resize(1500, 900)
        window.show()
        loop = QEventLoop()
        window.map.incidents_shown.connect(lambda _count: loop.quit())
        QTimer.singleShot(30_000, loop.quit)
        loop.exec()
        wait(2500)  # let clusters and tiles render
        window.grab().save(str(OUT / "main-window.png"))
        window.heat_action.setChecked(True)
        wait(1500)
        window.map.grab().save(str(OUT / "map-heatmap.png"))
        window.heat_action.setChecked(False)

        hare = service.rows(service_filter("hare_coursing"), limit=1)[0]
        dialog = IncidentDialog(service, service.get(hare.id), window)
        dialog.resize(760, 900)
        dialog.show()
        wait(300)
        dialog.grab().save(str(OUT / "incident-form.png"))
        dialog.close()

        if POLICE_UK.is_dir():
            services.published.import_paths([POLICE_UK])
            window.refresh_context()
            window.resize(1700, 950)
            window.analysis_dock.show()
            panel = window.analysis
            run_and_wait(panel.run_hotspots, panel.hotspots_ready)
            wait(2500)
            window.grab().save(str(OUT / "harm-hotspots.png"))
            panel.tabs.setCurrentIndex(2)
            run_and_wait(panel.run_areas, panel.areas_ready)
            panel.grab().save(str(OUT / "harm-by-area.png"))
            panel.tabs.setCurrentIndex(3)
            window.analysis_dock.setMinimumWidth(620)
            run_and_wait(panel.run_timing, panel.timing_ready)
            wait(500)
            panel.grab().save(str(OUT / "timing-charts.png"))
        window.dispose()
        store.close()
    print(f"screenshots written to {OUT}")
    app.quit()
    return 0


def service_filter(kind: str):  # noqa: ANN201 - tiny helper for the script
    from ruralwatch.core.incident import IncidentFilter

    return IncidentFilter(kinds=(kind,))


if __name__ == "__main__":
    sys.exit(main())
