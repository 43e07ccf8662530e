"""A new analyst's walk over demo data and the Essex files (which lack 2018-08 and 2018-09): months without data
named, the Accuracy tab offering months, hotspots one per place with their unit explained, the analysis report's
counts whole and its progress through every stage, and the Knox table fitting a laptop's dock."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from test_analysis_panel import CHELMSFORD, COLCHESTER, _insert, _open_panel, _table_rows
from test_near_repeat_panel import burglaries  # noqa: F401 - a fixture

from ruralwatch.services.container import Services
from ruralwatch.ui.analysis_panel import AnalysisPanel
from ruralwatch.ui.operations import Operations

NEXT_DOOR = (CHELMSFORD[0] + 250.0, CHELMSFORD[1])  # the cell east of Chelmsford's


@pytest.fixture
def four_months_but_one(services: Services) -> Services:
    """Published crime for 2024-01 to 2024-05 but 2024-02: a peak in Chelmsford spread over two neighbouring cells,
    and a smaller one in Colchester."""
    rows = []
    for month in ("2024-01", "2024-03", "2024-04", "2024-05"):
        rows += [(*CHELMSFORD, "Burglary", month)] * 3 + [(*NEXT_DOOR, "Burglary", month)] * 2
        rows += [(*COLCHESTER, "Burglary", month)]
    _insert(services.store, rows)
    return services


@pytest.fixture
def panel(qtbot, services: Services):
    parent = QWidget()
    qtbot.addWidget(parent)
    ops = Operations(services, parent, lambda title, text: None)
    return AnalysisPanel(services, ops, parent)


def test_the_accuracy_tab_offers_the_latest_months_held_with_none_missing(qtbot, panel, four_months_but_one):
    panel.tabs.setCurrentWidget(panel.accuracy_page)
    qtbot.waitUntil(lambda: panel.test_to.text() != "", timeout=10_000)
    # 2024-03 to 2024-05 unbroken after the gap: its last month tested, the two before learnt from.
    assert [e.text() for e in panel._accuracy_months()] == ["2024-03", "2024-04", "2024-05", "2024-05"]
    assert panel.eval_status.text().startswith("Offered: training 2024-03 to 2024-04, test 2024-05, the latest "
                                               "months of published crime held with none missing.")


def test_months_typed_are_never_replaced_by_the_offer(qtbot, panel, four_months_but_one):
    panel.train_from.setText("2024-01")
    panel.tabs.setCurrentWidget(panel.accuracy_page)
    qtbot.waitUntil(lambda: not panel.ops.still_running(), timeout=10_000)
    assert [e.text() for e in panel._accuracy_months()] == ["2024-01", "", "", ""]


def test_accuracy_over_a_month_without_data_says_so(qtbot, panel, four_months_but_one):
    for edit, month in zip(panel._accuracy_months(), ("2024-01", "2024-01", "2024-02", "2024-03"), strict=True):
        edit.setText(month)
    with qtbot.waitSignal(panel.evaluation_ready, timeout=20_000):
        panel.run_evaluation()
    assert ("Published crime has no data for test 2024-02 (1 of 2 months held): the figures cover only the months "
            "held, not the whole period asked for.") in panel.eval_status.text()


def test_hotspots_are_one_per_place_and_say_what_harm_days_are(qtbot, panel, four_months_but_one):
    panel.top_n.setValue(2)
    with qtbot.waitSignal(panel.hotspots_ready, timeout=20_000) as blocker:
        panel.run_hotspots()
    run = blocker.args[0]
    # Chelmsford's two cells are one place: the second hotspot is Colchester's.
    assert [(h.easting, h.northing) for h in run.hotspots] == [CHELMSFORD, COLCHESTER]
    assert panel.hotspot_status.text().startswith("2 hotspots, one per place (cells within 750 m of a hotter "
                                                  "hotspot count as its place)")
    tip = panel.hotspot_table.horizontalHeaderItem(2).toolTip()
    assert "days of custody" in tip and tip == panel.hotspot_table.item(0, 2).toolTip()
    assert all("." not in row[2] for row in _table_rows(panel.hotspot_table))  # harm in whole days

    panel.one_per_place.setChecked(False)  # every cell: the neighbour is second, and says whose it is
    with qtbot.waitSignal(panel.hotspots_ready, timeout=20_000) as blocker:
        panel.run_hotspots()
    assert [(h.easting, h.northing) for h in blocker.args[0].hotspots] == [CHELMSFORD, NEXT_DOOR]
    areas = [row[1] for row in _table_rows(panel.hotspot_table)]
    assert areas[1].endswith("Chelmsford (next to 1)") and "next to" not in areas[0]
    assert panel.hotspot_status.text().startswith("2 hotspots (1 place: neighbouring cells are one place)")


def _recording_progress(panel, monkeypatch, stop_at: str | None = None) -> list[tuple[int, int, str]]:
    """The (done, total, note) the report's work reports; `stop_at`: the note where the user presses Cancel."""
    seen: list[tuple[int, int, str]] = []
    original = panel.ops.run

    def run(title, use_case, *args, **kwargs):
        def recorded(services, progress):
            def spy(done, total, note=""):
                seen.append((done, total, note))
                return note != stop_at and progress(done, total, note)
            return use_case(services, spy)
        return original(title, recorded, *args, **kwargs)

    monkeypatch.setattr(panel.ops, "run", run)
    return seen


def test_the_report_counts_whole_and_reports_every_stage(qtbot, window, four_months_but_one, tmp_path: Path,
                                                          monkeypatch):
    panel = _open_panel(qtbot, window)
    seen = _recording_progress(panel, monkeypatch)
    target = tmp_path / "report.html"
    with qtbot.waitSignal(panel.report_saved, timeout=60_000):
        panel.save_report(target)
    text = target.read_text(encoding="utf-8")
    trend = text.split("<h2>Crimes per month</h2>")[1]
    assert '<td>2024-01</td><td class="n">6</td>' in trend and ".00" not in trend
    # The bar moved through each stage to the end; it was full after the hotspots, with most of the work to come.
    assert {total for _done, total, _note in seen} == {9}
    notes = [note for _done, _total, note in seen]
    for stage in ("Summing harm by district", "Working out how concentrated harm is", "Counting crimes per month",
                  "Writing the report"):
        assert stage in notes
    assert [done for done, _total, _note in seen] == sorted(done for done, _total, _note in seen)


def test_cancel_after_the_hotspots_stops_the_report(qtbot, window, four_months_but_one, tmp_path: Path,
                                                    monkeypatch):
    """Cancel was seen only during the hotspots, then never again through the longer stages after them."""
    panel = _open_panel(qtbot, window)
    seen = _recording_progress(panel, monkeypatch, stop_at="Counting crimes per month")
    target = tmp_path / "report.html"
    panel.save_report(target)
    qtbot.waitUntil(lambda: not panel.ops.still_running(), timeout=30_000)
    assert seen[-1][2] == "Counting crimes per month"  # nothing reported after the cancel
    assert not target.exists()
    assert "Report saved" not in panel.time_status.text()


def test_the_knox_table_fits_a_laptop_dock(qtbot, window, burglaries):  # noqa: F811 - the fixture
    window.resize(1366, 749)
    panel = _open_panel(qtbot, window)
    window.resizeDocks([window.analysis_dock], [400], Qt.Orientation.Horizontal)
    panel.tabs.setCurrentIndex(panel.tabs.count() - 1)
    with qtbot.waitSignal(panel.knox_ready, timeout=30_000) as blocker:
        panel.knox_button.click()
    table = panel.knox_table
    qtbot.waitUntil(lambda: 0 < table.viewport().width() <= 480, timeout=10_000)  # the dock at its narrowest
    assert table.horizontalHeader().length() <= table.viewport().width()
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible(), timeout=5_000)  # laid out on a later turn
    assert table.horizontalHeaderItem(1).text() == "0-7\ndays"
    # The permutations in words, not "seed 20".
    summary = blocker.args[0].result.summary()
    assert "seed" not in panel.knox_summary.text() and "random shuffles of the dates" in summary
