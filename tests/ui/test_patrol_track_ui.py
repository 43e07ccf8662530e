"""The patrol panel with a receiver: a replayed log recorded while the patrol runs, the Dose tab's track figures,
Where am I, GPX in and out and the after-action PDF from the Dose tab (off the UI thread), the map's position dot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fixtures.track_tools import NMEA_LOG, drive, in_progress_patrol, logged_fixes, offset, write_gpx
from font_helpers import text_scaled
from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, QEvent, QSettings

from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.services.container import Services
from ruralwatch.ui import settings_keys as keys
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.patrol_panel import PatrolPanel
from ruralwatch.ui.positioning import PositionSource


@pytest.fixture
def panel(qtbot, services: Services) -> Iterator[PatrolPanel]:
    widget = PatrolPanel(services, None, Operations(services, None, lambda title, message: None))
    widget.log.confirm = lambda title, question: True
    widget.show()
    yield widget
    qtbot.waitUntil(lambda: not widget.tasks, timeout=30_000)
    widget.dispose()
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _table(table) -> list[list[str]]:
    model = table.model()
    return [[str(model.index(r, c).data() or "") for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_a_connected_receiver_records_the_patrol_in_progress_and_the_dose_tab_shows_it(
        qtbot, panel: PatrolPanel, services: Services) -> None:
    patrol_id = in_progress_patrol(services)
    assert panel.open_patrol(patrol_id) is not None
    source = PositionSource.replay(NMEA_LOG, speed=0, parent=panel)
    last = logged_fixes()[-1].at
    with qtbot.waitSignal(source.finished, timeout=20_000):
        panel.position.connect_source(source)
    assert panel.position.recording is not None
    qtbot.waitUntil(lambda: source.last is not None and source.last.at == last, timeout=5_000)
    assert "replayed to its end" in panel.position.status.text()
    where = panel.position.where_am_i()
    assert where is not None and where.grid_ref.startswith("TL ") and "Braintree" in where.place
    assert where.grid_ref in panel.position.where.text()
    panel.end_patrol(ask=False)  # ending stops the recording: what was pending is written
    assert panel.record is not None and panel.record.status is PatrolStatus.COMPLETED
    assert panel.position.recording is None
    stored = services.patrols.track_count(patrol_id)
    assert stored > 100
    assert "recorded track" in panel.dose.track_status.text() and panel.dose.export_button.isEnabled()
    assert "The recorded track reached" in panel.dose.summary.text() or not panel.record.stops
    panel.position.disconnect_source()
    assert "No receiver" in panel.position.status.text()


def test_a_fix_arriving_after_the_replay_ended_keeps_saying_it_ended(
        qtbot, panel: PatrolPanel, services: Services) -> None:
    """The log's last fixes can reach the bar after its end (Qt's NMEA reader holds a time's sentences until the
    next time): on a busy machine one came more than 500 ms after the last shown and replaced "replayed to its end"
    with a position line (a test failed on it under load)."""
    patrol_id = in_progress_patrol(services)
    assert panel.open_patrol(patrol_id) is not None
    source = PositionSource.replay(NMEA_LOG, speed=0, parent=panel)
    with qtbot.waitSignal(source.finished, timeout=20_000):
        panel.position.connect_source(source)
    late = logged_fixes()[-1]
    panel.position._map_clock.invalidate()  # as if the last position shown were long ago
    panel.position._on_fix(late)
    assert "replayed to its end" in panel.position.status.text()
    assert f"{late.lat:.5f}, {late.lon:.5f}" in panel.position.status.text()
    panel.position.disconnect_source()


def test_gpx_import_and_export_from_the_dose_tab_run_off_the_ui_thread(
        qtbot, panel: PatrolPanel, services: Services, tmp_path: Path) -> None:
    patrol_id = in_progress_patrol(services)
    services.patrols.end(patrol_id)
    panel.open_patrol(patrol_id)
    phone = tmp_path / "phone.gpx"
    write_gpx(phone, logged_fixes())
    panel.dose.import_track(phone)
    qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
    qtbot.waitUntil(lambda: "Imported" in panel.dose.message.text(), timeout=5_000)
    assert services.patrols.track_count(patrol_id) > 100
    out = tmp_path / "out.gpx"
    panel.dose.export_gpx(out)
    qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
    assert out.exists() and "Wrote" in panel.dose.message.text()
    assert panel.dose.report_button.isEnabled()
    report = tmp_path / "after-action.pdf"
    with qtbot.waitSignal(panel.dose.reportSaved, timeout=30_000):
        panel.dose.write_report(report)
    text = "\n".join(page.extract_text() for page in PdfReader(report).pages)
    assert "After action:" in text and "Gaps where the receiver dropped out" in text  # the log's drop-out
    assert "After-action summary saved" in panel.dose.message.text()
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx><trk><trkseg><trkpt lat=", encoding="utf-8")
    panel.dose.import_track(bad)
    qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
    assert panel.problems and "not a readable GPX" in panel.problems[-1]


def test_an_nmea_log_imports_from_the_same_button_and_says_what_it_skipped(
        qtbot, panel: PatrolPanel, services: Services, tmp_path: Path) -> None:
    patrol_id = in_progress_patrol(services)
    services.patrols.end(patrol_id)
    panel.open_patrol(patrol_id)
    assert "NMEA" in panel.dose.import_button.text()
    log = tmp_path / "van.log"  # a vehicle unit's log: told from GPX by what is in it
    log.write_bytes(b"logger started\r\n" + NMEA_LOG.read_bytes())
    panel.dose.import_track(log)
    qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
    qtbot.waitUntil(lambda: "Imported" in panel.dose.message.text(), timeout=5_000)
    assert "from van.log. NMEA lines skipped: 1 unreadable." in panel.dose.message.text()
    assert services.patrols.track_count(patrol_id) > 100 and "recorded track" in panel.dose.track_status.text()
    broken = tmp_path / "broken.nmea"
    broken.write_text("$GPRMC,060500.00,V,,,,,,,201126,,,N*00\r\n", encoding="ascii")
    panel.dose.import_track(broken)
    qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
    assert panel.problems and "broken.nmea holds no usable position fix" in panel.problems[-1]


def test_a_gga_only_log_asks_its_date_with_the_patrols_day_offered_and_imports_with_it(
        qtbot, panel: PatrolPanel, services: Services, tmp_path: Path) -> None:
    """A vehicle unit's log of GGA sentences only was dated from the patrol, so another day's log of the same hours
    went in as this one's: the date is asked, and cancelling imports nothing."""
    patrol_id = in_progress_patrol(services)  # 06:00-10:00 on 20 November 2026
    services.patrols.end(patrol_id)
    panel.open_patrol(patrol_id)
    van = tmp_path / "unit.nmea"
    van.write_bytes(b"".join(line for line in NMEA_LOG.read_bytes().splitlines(keepends=True)
                             if line.startswith(b"$GPGGA")))
    asked: list[tuple[str, str, date]] = []
    answers = [None, date(2026, 11, 20)]

    def ask(name: str, why: str, offered: date) -> date | None:
        asked.append((name, why, offered))
        return answers.pop(0)

    panel.dose.ask_log_date = ask
    panel.dose.import_track(van)
    qtbot.waitUntil(lambda: "not imported" in panel.dose.message.text(), timeout=30_000)
    assert asked == [("unit.nmea", "unit.nmea has GGA sentences only: times of day and no date. Give the date it was"
                      " recorded (the UK date of its first fix); nothing was imported", date(2026, 11, 20))]
    assert panel.dose.message.text() == "Track not imported: unit.nmea has no date and none was given."
    assert services.patrols.track_count(patrol_id) == 0 and not panel.problems
    panel.dose.import_track(van)
    qtbot.waitUntil(lambda: "Imported" in panel.dose.message.text(), timeout=30_000)
    assert len(asked) == 2 and services.patrols.track_count(patrol_id) > 100
    assert services.patrols.track_of(patrol_id)[0].at == datetime(2026, 11, 20, 6, 5, tzinfo=UTC)


def test_without_a_receiver_set_up_connect_says_where_to_set_one(panel: PatrolPanel) -> None:
    assert panel.position.connect_source() is None
    assert "Settings" in panel.position.status.text()
    QSettings().setValue(keys.GNSS_SOURCE.key, "replay")
    QSettings().setValue(keys.GNSS_TARGET.key, "/nowhere/log.nmea")
    assert panel.position.connect_source() is None
    assert "no NMEA log" in panel.position.status.text()


def test_the_map_shows_the_position_with_its_accuracy(qtbot, tmp_path: Path) -> None:
    from ruralwatch.ui.map_view import MapView

    view = MapView(tmp_path / "page")
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show()
    got: list = []
    view.show_position(51.88, 0.55, 9.0, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    shown: list = []
    view.run_js("rw.position()", shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown[0] == pytest.approx([51.88, 0.55, 9.0])
    cleared: list = []
    view.clear_position()
    view.run_js("rw.position()", lambda value: cleared.append(json.dumps(value)))
    qtbot.waitUntil(lambda: bool(cleared), timeout=10_000)
    assert cleared == ["null"]
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_receiver_chosen_in_settings_is_the_one_connect_starts(qtbot, panel: PatrolPanel) -> None:
    from ruralwatch.ui.position_bar import ReceiverDialog

    dialog = ReceiverDialog()
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("replay"))
    dialog.target.setText(str(NMEA_LOG))
    dialog.speed.setValue(50)
    dialog.accept()
    assert keys.GNSS_SOURCE.read() == "replay" and keys.GNSS_SPEED.read() == 50.0
    source = panel.position.connect_source()
    assert source is not None and source.kind == "nmea-replay" and "50x" in source.description
    qtbot.waitUntil(lambda: source.last is not None, timeout=10_000)
    assert panel.position.where_button.isEnabled()
    panel.position.toggle()  # disconnect
    assert panel.position.source is None


def test_the_receiver_settings_list_the_location_services_qt_reports(qtbot, monkeypatch) -> None:
    from PySide6.QtPositioning import QGeoPositionInfoSource

    from ruralwatch.ui import positioning
    from ruralwatch.ui.position_bar import ReceiverDialog

    reported = list(QGeoPositionInfoSource.availableSources())
    dialog = ReceiverDialog()
    qtbot.addWidget(dialog)
    listed = [dialog.kind.itemData(i) for i in range(dialog.kind.count())]
    assert listed[:3] == ["none", "serial", "replay"]  # the NMEA choices are always there
    assert listed[3:] == [f"platform:{name}" for name in reported if name != "nmea"]  # then what Qt reports

    # None reported: the dialog says so instead of offering nothing.
    monkeypatch.setattr(positioning, "available_sources", lambda: [])
    none = ReceiverDialog()
    qtbot.addWidget(none)
    assert none.kind.count() == 3 and "no location service" in none.note.text()

    # One that Qt names but cannot make here: a clear message when chosen, and Connect says the same.
    monkeypatch.setattr(positioning, "available_sources", lambda: [*reported, "nosuchservice"])
    dialog = ReceiverDialog()
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("platform:nosuchservice"))
    assert "not available on this computer" in dialog.note.text()
    assert not dialog.target.isEnabled() and not dialog.baud.isEnabled()
    dialog.accept()
    assert keys.GNSS_SOURCE.read() == "platform" and keys.GNSS_PLATFORM.read() == "nosuchservice"
    with pytest.raises(positioning.PositionError, match="not available on this computer"):
        positioning.PositionSource.platform("nosuchservice")

    # Saved, then gone from the computer: still shown, marked, with the reason.
    monkeypatch.setattr(positioning, "available_sources", lambda: reported)
    again = ReceiverDialog()
    qtbot.addWidget(again)
    assert again.kind.currentData() == "platform:nosuchservice" and "(not available)" in again.kind.currentText()
    assert "not available on this computer" in again.note.text()


def test_connect_with_an_unavailable_location_service_says_why(panel: PatrolPanel, monkeypatch) -> None:
    from ruralwatch.ui import positioning

    monkeypatch.setattr(positioning, "available_sources", lambda: ["nosuchservice"])
    QSettings().setValue(keys.GNSS_SOURCE.key, "platform")
    QSettings().setValue(keys.GNSS_PLATFORM.key, "nosuchservice")
    assert panel.position.connect_source() is None
    assert "not available on this computer" in panel.position.status.text()
    assert panel.position.source is None


def test_the_open_patrols_track_is_drawn_on_the_map_a_line_per_segment(qtbot, services: Services,
                                                                         tmp_path: Path) -> None:
    from map_helpers import run_js, shown_map

    patrol_id = in_progress_patrol(services)
    recorder = services.patrols.recorder(patrol_id, "nmea-replay", monotonic=lambda: 0.0)
    for fix in logged_fixes():  # the log has one drop-out: two segments
        recorder.add(fix)
    recorder.flush()
    stored = services.patrols.track_of(patrol_id)
    with shown_map(qtbot, tmp_path / "page") as view:
        panel = PatrolPanel(services, view, Operations(services, None, lambda title, message: None))
        try:
            view.set_panel_layer("route", True)  # the patrol panel is open
            panel.open_patrol(patrol_id)
            qtbot.waitUntil(lambda: run_js(qtbot, view, "rw.trackPoints()") == len(stored), timeout=10_000)
            assert run_js(qtbot, view, "rw.trackLines()") == len({p.segment for p in stored}) == 2
            assert run_js(qtbot, view, "rw.trackOnMap()") is True
            view.set_panel_layer("route", False)  # the panel closed: the track goes with the route
            assert run_js(qtbot, view, "rw.trackOnMap()") is False
            assert view.guard.blocked == []
        finally:
            qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
            panel.dispose()
            panel.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_dose_page_of_a_tracked_patrol_fits_a_docked_panel_under_larger_text(
        qtbot, panel: PatrolPanel, services: Services, tmp_path: Path) -> None:
    """A tracked patrol adds the track's columns to the stops: under Larger text in a 1366x768 dock they ran 20 px
    over (the first and last time there had a column each); now they share one, on two lines."""
    from PySide6.QtWidgets import QScrollArea

    from ruralwatch.core.patrol import PatrolInput
    from ruralwatch.core.people import PersonInput
    from ruralwatch.services.demo import load_demo

    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    load_demo(services.incidents, count=900, now=now)
    services.patrols._now = lambda: now
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    record, _ = services.patrols.create(PatrolInput(
        day="2026-11-20", start="06:00", end="10:00", area="Uttlesford", purpose="hare_coursing_operation",
        crew=[officer]))
    services.patrols.suggest_for(record.id)
    stops = services.patrols.get(record.id).stops
    assert len(stops) >= 3
    path = [offset(stops[0].lat, stops[0].lon, -1500, 0), *((s.lat, s.lon) for s in stops),
            offset(stops[-1].lat, stops[-1].lon, 1500, 0)]
    fixes = drive(datetime(2026, 11, 20, 6, 5, tzinfo=UTC), path, [0, *(s.dwell_minutes * 60 for s in stops), 0],
                  13.0)
    services.patrols.start(record.id, at=fixes[0].at)
    services.patrols.end(record.id, at=fixes[-1].at)
    patrol_id = record.id
    phone = tmp_path / "phone.gpx"
    write_gpx(phone, fixes)
    with text_scaled():
        panel.resize(520, 700)
        panel.open_patrol(patrol_id)
        panel.dose.import_track(phone)
        qtbot.waitUntil(lambda: not panel.tasks, timeout=30_000)
        stops = panel.dose.stops
        qtbot.waitUntil(lambda: not stops.isColumnHidden(4), timeout=20_000)
        there = [stops.item(row, 6).text() for row in range(stops.rowCount())]
        assert any(len(text.split("\n")) == 2 for text in there), there  # first and last time at a stop reached
        qtbot.waitUntil(lambda: stops.horizontalHeader().length() <= stops.viewport().width()
                        and not stops.horizontalScrollBar().isVisible(), timeout=20_000)  # a busy machine: slow
        assert panel.dose.findChild(QScrollArea).horizontalScrollBar().maximum() == 0
        line = stops.fontMetrics().lineSpacing()
        assert all(stops.rowHeight(row) >= 2 * line for row in range(stops.rowCount()))  # both times shown
