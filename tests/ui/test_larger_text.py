"""Larger text (View ▸ Larger text) reaches every widget: the patrol log's buttons, Start/End, the vehicle box and
the headings (their style sheets used to pin the old size), and the columns holding times widen with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ruralwatch.ui.patrol_plan import set_rows


@pytest.fixture
def large_text(window) -> Iterator:
    yield window
    window.set_large_text(False)  # the application's font is shared by every test in this process


def _size(widget) -> float:
    return widget.font().pointSizeF()


def test_patrol_log_and_plan_follow_the_text_size(qtbot, large_text):
    window = large_text
    window.patrol_dock.toggleViewAction().trigger()
    panel = window.patrol_panel
    log, plan, form = panel.log, panel.plan, panel.form
    set_rows(log.table, [["06:03", "Arrived at hotspot", "1", "", "", "TL 5398 3839"]])
    before = QApplication.font().pointSizeF()

    window.set_large_text(True)
    size = QApplication.font().pointSizeF()
    assert size > before
    for widget in (log.start_button, log.end_button, log.vrm, log.heading, plan.heading,
                   *log.kind_buttons.values()):
        assert _size(widget) == pytest.approx(size), widget
    assert log.start_button.font().bold() and log.vrm.font().bold() and plan.heading.font().bold()
    assert _size(form.heading) > size  # the patrol's title stays a little larger than the text
    # The Time column is wide enough for the time in the larger font.
    assert log.table.columnWidth(0) >= log.table.sizeHintForColumn(0)
    assert log.table.columnWidth(0) >= log.table.horizontalHeader().sectionSizeHint(0)

    window.set_large_text(False)
    assert _size(log.start_button) == pytest.approx(before)
    assert _size(form.heading) == pytest.approx(before * 1.2)


def test_the_incident_table_when_column_fits_the_time_at_either_size(qtbot, large_text):
    window = large_text
    for on in (False, True):
        window.set_large_text(on)
        qtbot.waitUntil(lambda: window.table.font().pointSizeF() == QApplication.font().pointSizeF(), timeout=5_000)
        metrics = window.table.fontMetrics()
        shown = "24 Nov 17:00" if window.model.compact else "2026-11-24 17:00"  # narrow: without the year
        needed = metrics.horizontalAdvance(shown) + 2 * metrics.averageCharWidth()
        assert window.table.columnWidth(0) >= needed, on


def test_the_roster_hours_columns_widen_with_larger_text(qtbot, large_text):
    """A 1366x768 walk found "Special …" and "0 / 16 h · …" cut off in the Hours tab under Larger text."""
    from ruralwatch.core.people import PersonInput

    window = large_text
    window.services.people.add(PersonInput(name="Harriet Special-Constable", role="special", station="Great Dunmow",
                                           collar_number="SC4999"))
    window.roster_dock.toggleViewAction().trigger()
    hours = window.roster_panel.hours_tab
    hours.refresh()
    qtbot.waitUntil(lambda: hours.table.rowCount() > 0, timeout=10_000)
    window.set_large_text(True)
    qtbot.waitUntil(lambda: hours.table.font().pointSizeF() == QApplication.font().pointSizeF(), timeout=5_000)
    for column in range(hours.table.columnCount()):
        assert hours.table.columnWidth(column) >= hours.table.sizeHintForColumn(column), column


def test_the_trusted_devices_headers_stay_whole_with_larger_text(qtbot, large_text, services, tmp_path):
    """The Sync panel's Trusted devices columns were sized once, in the smaller font: with Larger text on, their
    headers were cut ("ast export for", "Pe") and the table scrolled sideways."""
    from ruralwatch.services.sync import SyncService
    from ruralwatch.store import open_store

    window = large_text
    other = open_store(tmp_path / "other.db")
    try:
        peer = SyncService(other).identity()
        services.sync.trust(peer.device_id, peer.public_key, "Other laptop of the Thaxted rural team")
    finally:
        other.close()
    window.resize(1366, 768)
    window.sync_dock.show()
    panel = window.sync_panel
    panel.reload()
    table = panel.peers
    qtbot.waitUntil(lambda: table.rowCount() == 1)
    window.set_large_text(True)
    qtbot.waitUntil(lambda: table.horizontalHeader().sectionSize(2) >= _header_width(table, 2))
    header = table.horizontalHeader()
    # Every column but the name (what it needs, up to half the table) and the device id (what is left, elided).
    for column in range(2, table.columnCount()):
        assert header.sectionSize(column) >= _header_width(table, column), table.horizontalHeaderItem(column).text()
    qtbot.waitUntil(lambda: header.sectionSize(0) >= min(table.sizeHintForColumn(0), 60))  # a name, not "O…"
    qtbot.waitUntil(lambda: header.length() <= table.viewport().width() + 1)  # no sideways scrolling
    assert table.item(0, 0).toolTip() == "Other laptop of the Thaxted rural team"  # elided, whole in its tooltip


def _header_width(table, column: int) -> int:
    metrics = table.horizontalHeader().fontMetrics()
    return max(metrics.horizontalAdvance(line) for line in table.horizontalHeaderItem(column).text().split("\n"))
