"""The analysis panel's Near-repeat (Knox) tab: the test off the UI thread, the table with raised cells
highlighted, saving the zone it justifies, a bad date and a cancel."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pyproj import Transformer
from PySide6.QtWidgets import QWidget

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.services.near_repeat import NearRepeatService
from ruralwatch.ui.analysis_panel import AnalysisPanel
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.theme import heat_tone

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@pytest.fixture
def panel(qtbot, services: Services):
    parent = QWidget()
    qtbot.addWidget(parent)
    problems: list[str] = []
    ops = Operations(services, parent, lambda title, text: problems.append(f"{title}: {text}"))
    made = AnalysisPanel(services, ops, parent)
    made.problems = problems
    return made


@pytest.fixture
def burglaries(services: Services) -> None:
    """Pairs of farm burglaries 100 m and two days apart, 3 km and weeks from the next pair."""
    for k in range(30):
        east, north = 570_000.0 + (k % 6) * 3000, 206_000.0 + (k // 6) * 3000
        for offset, day in ((0.0, 1 + k % 25), (100.0, 3 + k % 25)):
            lon, lat = _TO_WGS84.transform(east + offset, north)
            services.incidents.record(IncidentInput(kind="farm_burglary", lat=lat, lon=lon, place=f"Farm {k}",
                                                    occurred_start=f"2024-0{1 + k % 5}-{day:02d} 10:00"))


def test_knox_fills_the_table_highlights_raised_cells_and_saves_the_zone(qtbot, panel, services, burglaries):
    # Farm burglary alone: every other kind left out in the panel's one Crime types choice.
    panel.types.set_left_out(tuple(k for k in panel.types.keys() if k != "farm_burglary"))
    panel.knox_kinds.setCurrentIndex(panel.knox_kinds.findText("Every kind chosen in Crime types"))
    panel.knox_iterations.setValue(39)
    assert not panel.knox_use.isEnabled()
    with qtbot.waitSignal(panel.knox_ready, timeout=30_000) as blocker:
        panel.knox_button.click()
    run = blocker.args[0]
    assert run.query.kinds == ("farm_burglary",) and run.result.incidents == 60
    assert "; kinds: Farm burglary)" in panel.knox_status.text()
    table = panel.knox_table
    assert table.rowCount() == 5 and table.columnCount() == 6
    assert table.horizontalHeaderItem(1).text() == "0-7\ndays"  # two lines: the bands fit a laptop's dock
    assert table.item(0, 0).text() == "0-200 m"
    assert table.item(0, 1).text().endswith(" *")
    assert table.item(0, 1).background().color() == heat_tone(0.8).background
    assert "p = 0.025" in table.item(0, 1).toolTip()
    assert not table.item(4, 5).text().endswith("*")
    assert "raised within 200 m for 7 days" in panel.knox_summary.text()
    assert panel.knox_use.isEnabled()
    with qtbot.waitSignal(panel.knox_zone_saved, timeout=5_000):
        panel.knox_use.click()
    settings = services.near_repeat.zone_settings()
    assert (settings.metres, settings.days, settings.source) == (200.0, 7, "knox")
    assert panel.problems == []


def test_thefts_and_burglaries_leave_out_those_crime_types_leaves_out(qtbot, panel, burglaries):
    panel.knox_kinds.setCurrentIndex(0)  # thefts and burglaries, the default
    panel.types.set_left_out(("fuel_theft", "Shoplifting"))
    query = panel.knox_query()
    assert "fuel_theft" not in query.kinds and "farm_burglary" in query.kinds and not query.exclude_kinds
    panel.types.set_left_out(("equipment_theft", "fuel_theft", "farm_burglary", "heritage_crime"))
    assert panel.run_knox() is None
    assert "Every theft and burglary kind is left out in Crime types" in panel.knox_status.text()


def test_a_bad_date_is_shown_and_nothing_runs(qtbot, panel, burglaries):
    panel.knox_from.setText("2024-02-30")
    assert panel.run_knox() is None
    assert "not a date" in panel.knox_status.text()


def test_too_few_incidents_is_said_in_the_tab(qtbot, panel):
    task = panel.run_knox()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    # The message alone, as the other tabs show theirs: it read 'Not done: kinds: 0 incident(s) with a place…'.
    assert panel.knox_status.text().startswith("Not done: No incidents of our own with a place are recorded yet")


def test_cancel_stops_the_test(qtbot, panel, burglaries, monkeypatch):
    panel.knox_kinds.setCurrentIndex(panel.knox_kinds.findText("Every kind chosen in Crime types"))
    first = panel.run_knox()
    assert first is not None
    with qtbot.waitSignal(first.finished, timeout=60_000):
        pass
    assert panel.knox_table.rowCount() > 0  # an earlier result on show
    panel.last_knox = None
    go = threading.Event()
    real = NearRepeatService._incidents

    def held(self: NearRepeatService, *args: Any) -> Any:
        go.wait(30)
        return real(self, *args)

    monkeypatch.setattr(NearRepeatService, "_incidents", held)
    panel.knox_kinds.setCurrentIndex(panel.knox_kinds.findText("Every kind chosen in Crime types"))
    task = panel.run_knox()
    assert task is not None
    task.cancelled.set()  # what the progress dialog's Cancel does
    go.set()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert panel.knox_status.text() == "Knox test cancelled"
    assert panel.last_knox is None and panel.problems == []
    assert panel.knox_table.rowCount() == 0 and not panel.knox_summary.text()  # no earlier result under it
