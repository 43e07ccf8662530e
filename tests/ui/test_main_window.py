"""The window as a user meets it: record through the form, see it in the table and on the map."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ruralwatch.core.incident import IncidentFilter
from ruralwatch.ui import theme
from ruralwatch.ui.incident_form import IncidentDialog


def _map_count(qtbot, win) -> int:
    result: list[int] = []
    win.map.marker_count(result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return result[0]


def _fill_valid(dialog: IncidentDialog) -> None:
    dialog.kind.setCurrentIndex(dialog.kind.findData("hare_coursing"))
    dialog.grid_ref.setText("TL 61234 32456")
    dialog.place.setText("Brook Farm, near Thaxted")
    dialog.description.setPlainText("Two lurchers coursing hares on stubble")


def test_create_incident_through_form_shows_in_table_and_map(qtbot, window, hub_service):
    assert window.model.rowCount() == 0
    assert _map_count(qtbot, window) == 0

    form = window.new_incident()
    assert form.isVisible() and not form.isModal()
    _fill_valid(form)
    form.detail_widgets["hc_dogs"].setValue(2)
    with qtbot.waitSignal(window.map.incidents_shown, timeout=10_000) as shown:
        form.save()
    saved = form.saved
    assert saved is not None
    assert shown.args == [1]
    assert window.model.rowCount() == 1
    assert window.model.data(window.model.index(0, 3)) == "Brook Farm, near Thaxted"
    assert window.model.data(window.model.index(0, 1)) == "Hare coursing"
    assert _map_count(qtbot, window) == 1
    stored = hub_service.get(saved.id)
    assert stored.details == {"hc_dogs": 2}
    assert stored.grid_ref.startswith("TL 61234 32456"[:5])
    assert window.selected_id() == saved.id
    assert window.map.guard.blocked == []


def test_failed_validation_keeps_input_and_points_at_field(qtbot, window, hub_service):
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.grid_ref.setText("TL 123")  # odd number of digits
    dialog.reporter_phone.setText("call me maybe")
    dialog.save()
    assert dialog.saved is None
    assert dialog.error_label.isVisible() or not dialog.isVisible()
    assert "Not saved" in dialog.error_label.text()
    assert "even number of digits" in dialog.error_label.text()
    assert "phone" in dialog.error_label.text()
    # What the officer typed is all still there.
    assert dialog.grid_ref.text() == "TL 123"
    assert dialog.place.text() == "Brook Farm, near Thaxted"
    assert dialog.description.toPlainText() == "Two lurchers coursing hares on stubble"
    assert dialog.reporter_phone.text() == "call me maybe"
    assert "border" in dialog.grid_ref.styleSheet()
    assert "border" in dialog.reporter_phone.styleSheet()
    assert dialog.place.styleSheet() == ""
    assert hub_service.count() == 0


def test_edit_keeps_children_and_updates_table(qtbot, window, hub_service):
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.vehicles.add_button.click()
    dialog.vehicles.set_text(0, 0, "ab12 cde")
    dialog.save()
    assert dialog.saved is not None
    incident_id = dialog.saved.id

    edit = IncidentDialog(hub_service, hub_service.get(incident_id), window)
    qtbot.addWidget(edit)
    assert edit.vehicles.text(0, 0) == "AB12CDE"
    edit.status.setCurrentIndex(edit.status.findData("closed"))
    edit.save()
    stored = hub_service.get(incident_id)
    assert stored.status == "closed"
    assert [v["vrm"] for v in stored.vehicles] == ["AB12CDE"]
    assert len(stored.vehicles) == 1  # editing did not duplicate the vehicle


def test_attachment_thumbnail_saved_with_incident(qtbot, window, hub_service, tmp_path: Path):
    from PySide6.QtGui import QColor, QImage

    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#2e7d32"))
    photo = tmp_path / "gate.png"
    assert image.save(str(photo))
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.add_files([photo])
    assert not dialog.attachment_list.item(0).icon().isNull()
    dialog.save()
    stored = hub_service.get(dialog.saved.id)
    assert [a.filename for a in stored.attachments] == ["gate.png"]
    assert hub_service.attachment_data(stored.attachments[0].sha256) == photo.read_bytes()


def test_delete_is_confirmed_tombstone_and_leaves_map(qtbot, window, hub_service):
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.save()
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
        window.refresh()
    assert window.select_incident(dialog.saved.id)
    # The save also queued a refresh (50 ms after the change): on a busy machine its answer, 1, can arrive after
    # the wait above; the delete's answer is the one that counts the map without the incident.
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000, check_params_cb=lambda n: n == 0) as shown:
        assert window.delete_selected(confirm=False)
    assert shown.args == [0]
    assert window.model.rowCount() == 0
    row = hub_service.store.db.execute("SELECT deleted FROM incidents WHERE id = ?", [dialog.saved.id]).fetchone()
    assert row == (1,)


def test_filters_narrow_table_and_map(qtbot, services, demo_service, tmp_path: Path):
    from ruralwatch.ui.main_window import MainWindow

    win = MainWindow(services, tmp_path / "page2")
    try:
        with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000) as shown:
            win.show()
        assert shown.args == [1200]
        win.table.scrollToBottom()  # the user had scrolled down before filtering
        assert win.table.verticalScrollBar().value() > 0
        expected = demo_service.count(IncidentFilter(kinds=("hare_coursing",)))
        with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000,
                              check_params_cb=lambda n: n == expected) as shown:  # not a late answer to the show
            win.kind_filter.setCurrentIndex(win.kind_filter.findData("hare_coursing"))
        assert shown.args == [expected]
        assert win.model.total == expected
        assert win.table.verticalScrollBar().value() == 0  # the newest of the filtered rows are in view
        assert "shown of 1,200" in win.count_label.text()
        assert win.demo_banner.isVisible()
    finally:
        win.dispose()


def test_changing_kind_asks_before_dropping_items_and_details(qtbot, window, hub_service, monkeypatch):
    from ruralwatch.core.incident import StolenItemInput

    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    dialog._add_item(StolenItemInput(category="gps_unit", serial_number="PCGT6TA123456", value_gbp="8000"))
    asked: list[str] = []
    monkeypatch.setattr(IncidentDialog, "confirm", lambda self, title, question: asked.append(question) or False)
    dialog.kind.setCurrentIndex(dialog.kind.findData("farm_burglary"))
    assert asked and "stolen items (1)" in asked[0]
    assert dialog.kind.currentData() == "equipment_theft"  # the answer was no: nothing changed
    assert dialog.items.text(0, 4) == "PCGT6TA123456"
    assert dialog.items_group.isVisibleTo(dialog)


def test_escape_while_picking_only_stops_picking_and_typed_input_is_not_lost(qtbot, window, monkeypatch):
    form = window.new_incident()
    _fill_valid(form)
    form.pick_button.setChecked(True)
    form.reject()  # what Esc does
    assert form.isVisible() and not form.pick_button.isChecked()
    monkeypatch.setattr(IncidentDialog, "confirm", lambda self, title, question: False)
    form.reject()  # closing with typed input asks first; "no" keeps the form and its text
    assert form.isVisible()
    assert form.place.text() == "Brook Farm, near Thaxted"
    monkeypatch.setattr(IncidentDialog, "confirm", lambda self, title, question: True)
    form.reject()
    assert not form.isVisible()


def test_search_finds_stolen_serial_numbers_and_treats_wildcards_literally(qtbot, hub_service):
    from ruralwatch.core.incident import IncidentInput, StolenItemInput

    hub_service.record(IncidentInput(
        kind="equipment_theft", subkind="gps_unit", occurred_start="2026-11-01 02:00", lat=51.95, lon=0.34,
        place="Brook Farm", items=[StolenItemInput(category="gps_unit", serial_number="PCGT6TA123456")],
    ))
    hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00", lat=51.9, lon=0.4,
                                     place="Lane"))
    assert [r.place for r in hub_service.rows(IncidentFilter(text="pcgt6ta"))] == ["Brook Farm"]
    assert hub_service.rows(IncidentFilter(text="%")) == []
    assert hub_service.rows(IncidentFilter(text="_")) == []


def test_new_form_has_no_kind_until_chosen_and_errors_point_at_the_bad_cell(qtbot, window, hub_service):
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() is None
    dialog.grid_ref.setText("TL 61234 32456")
    dialog.save()
    assert dialog.saved is None and "Kind: choose the kind of incident" in dialog.error_label.text()
    _fill_valid(dialog)
    dialog.vehicles.add_button.click()
    dialog.vehicles.set_text(0, 0, "AB12 CDE")
    dialog.vehicles.add_button.click()
    dialog.vehicles.set_text(1, 0, "NOT A PLATE 123")
    dialog.save()
    assert dialog.saved is None
    assert "Vehicle 2:" in dialog.error_label.text()
    bad, good = dialog.vehicles.table.item(1, 0), dialog.vehicles.table.item(0, 0)
    assert bad.background().color().name() == "#ffcdd2"
    assert good.background().style() == Qt.BrushStyle.NoBrush
    assert dialog.vehicles.table.styleSheet() == ""  # the cell is marked, not the whole table
    assert hub_service.count() == 0
    # ... and outlined in the error colour, as the guide says of a bad field (the tint hid under the selection).
    table = dialog.vehicles.table
    dialog.show()
    rect = table.visualRect(table.model().index(1, 0))
    image = table.viewport().grab().toImage()
    assert image.pixelColor(rect.left() + 1, rect.center().y()).name() == theme.error_colour().name()
    good_rect = table.visualRect(table.model().index(0, 0))
    assert image.pixelColor(good_rect.left() + 1, good_rect.center().y()).name() != theme.error_colour().name()
    dialog.vehicles.set_text(1, 0, "AB12 CDF")
    dialog.save()
    assert dialog.saved is not None and table.item(1, 0) is not None


def test_edit_form_title_names_the_incident(qtbot, window, hub_service):
    from ruralwatch.core.incident import IncidentInput

    saved = hub_service.record(IncidentInput(kind="fuel_theft", occurred_start="2026-11-02 10:00", lat=51.9, lon=0.4,
                                             place="Grange Yard"))
    dialog = IncidentDialog(hub_service, saved, window)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Edit incident: Fuel theft, Grange Yard, 2026-11-02"


def test_larger_text_scales_the_fonts_and_is_remembered(qtbot, window):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    before = QApplication.instance().font().pointSizeF()
    window.large_text_action.setChecked(True)
    assert QApplication.instance().font().pointSizeF() == pytest.approx(before * 4 / 3)
    assert QSettings().value("view/large_text", False, type=bool) is True
    window.large_text_action.setChecked(False)
    assert QApplication.instance().font().pointSizeF() == pytest.approx(before)
    assert QSettings().value("view/large_text", True, type=bool) is False


def test_the_open_panels_and_their_places_are_remembered(qtbot, window, services, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from ruralwatch.ui.main_window import MainWindow

    window.patrol_dock.toggleViewAction().trigger()
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.roster_dock)
    window.roster_dock.show()
    assert window.patrol_dock.isVisible()
    window.close()  # saves the layout
    again = MainWindow(services, tmp_path / "page-again")
    try:
        again.show()
        assert again.patrol_dock.isVisible() and again.roster_dock.isVisible()
        assert again.dockWidgetArea(again.roster_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
        assert not again.sync_dock.isVisible()
    finally:
        again.dispose()


def test_an_import_from_the_window_leaves_its_result_to_read(qtbot, window, tmp_path: Path) -> None:
    """Not only ten seconds in the status bar: a box with the summary, and each file's counts in its details."""
    source = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk" / "2018-03-essex-street-first150.csv"
    assert window.import_published([source]) is True
    qtbot.waitUntil(lambda: window.last_import_box is not None and window.last_import_box.isVisible(), timeout=60_000)
    box = window.last_import_box
    assert "150 published crimes imported" in box.text()
    assert "Published crime layer" in box.informativeText()  # where to find them: not among the incidents
    assert "2018-03-essex-street-first150.csv: 150 read, 150 imported, 0 rejected" in box.detailedText()
    assert "already held" not in box.detailedText()  # it read "0 already held (none)"


def test_an_import_from_the_window_says_which_file_and_how_many_rows_and_cancel_changes_nothing(
        qtbot, window, services, monkeypatch) -> None:
    """A walk's import of a year of Essex sat ~15 s under a bar with only its title. The progress dialog names the
    file being read or stored (n of N) and the rows so far; Cancel while file 2 is read leaves nothing imported."""
    import threading

    from PySide6.QtWidgets import QPushButton

    from ruralwatch.services import published
    from ruralwatch.ui.tasks import BackgroundTask

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk"
    files = [folder / "2018-01-essex-street-first150.csv", folder / "2018-03-essex-street-first150.csv",
             folder / "2018-04-essex-street-no-id-or-location.csv"]
    labels: list[str] = []
    cancel = {"at": ""}
    second_read = threading.Event()
    real_parse, real_progress = published.parse_file, BackgroundTask._on_progress

    def parse_file(path, *args):  # noqa: ANN001, ANN002, ANN202
        if path == files[1] and cancel["at"]:
            second_read.wait(10)  # file 2 is read once the window has had its say (Cancel pressed, or not)
        return real_parse(path, *args)

    def on_progress(task, done: int, total: int, note: str = "") -> None:  # noqa: ANN001
        real_progress(task, done, total, note)
        labels.append(task.dialog.labelText())
        if cancel["at"] and note.startswith(cancel["at"]):
            task.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
        if note.startswith("Reading file 2"):
            second_read.set()

    monkeypatch.setattr(published, "parse_file", parse_file)
    monkeypatch.setattr(BackgroundTask, "_on_progress", on_progress)

    cancel["at"] = "Reading file 2"
    assert window.import_published(files) is True
    qtbot.waitUntil(lambda: not window.ops.running, timeout=60_000)
    assert labels[-1] == ("Importing published crime…\nReading file 2 of 3, 2018-03-essex-street-first150.csv: "
                          "150 rows read so far")
    assert services.published.count() == 0 and window.last_import_box is None
    assert window.statusBar().currentMessage() == "Published crime import cancelled: nothing was imported"

    cancel["at"], labels[:] = "", []
    assert window.import_published(files) is True
    qtbot.waitUntil(lambda: window.last_import_box is not None and window.last_import_box.isVisible(), timeout=60_000)
    assert services.published.count() == 387
    assert "Importing published crime…\nReading file 3 of 3, 2018-04-essex-street-no-id-or-location.csv: 300 rows " \
           "read so far" in labels
    assert "Importing published crime…\nStoring file 2 of 3, 2018-03-essex-street-first150.csv: 150 of 387 rows" \
        in labels


def test_file_menu_offers_to_remove_the_demo_once_it_is_loaded(qtbot, window, services, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from ruralwatch.services.demo import load_demo

    assert window.demo_action.isVisible() and not window.remove_demo_action.isVisible()
    load_demo(services.incidents, count=25)
    window.refresh()
    assert window.remove_demo_action.isVisible() and not window.demo_action.isVisible()

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _parent, title, *_rest: asked.append(title) or QMessageBox.StandardButton.No))
    window.remove_demo_action.trigger()
    assert asked == ["Remove demo data"] and services.incidents.count() == 25  # "No" keeps it

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_args: QMessageBox.StandardButton.Yes))
    window.remove_demo_action.trigger()
    qtbot.waitUntil(lambda: services.incidents.count() == 0 and window.demo_action.isVisible(), timeout=20_000)
    assert not window.remove_demo_action.isVisible() and not window.demo_banner.isVisible()


def test_fixing_a_marked_field_takes_its_mark_and_its_line_away(qtbot, window, hub_service):
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.grid_ref.setText("TL 123")
    dialog.reporter_phone.setText("call me maybe")
    dialog.save()
    assert "even number of digits" in dialog.error_label.text() and "phone" in dialog.error_label.text()
    dialog.grid_ref.clear()
    qtbot.keyClicks(dialog.grid_ref, "TL 61234 32456")  # typed, as a person fixes it
    assert "border" not in dialog.grid_ref.styleSheet()
    assert "even number of digits" not in dialog.error_label.text() and "phone" in dialog.error_label.text()
    assert not dialog.error_label.isHidden()
    dialog.reporter_phone.clear()
    qtbot.keyClicks(dialog.reporter_phone, "01799 123456")
    assert dialog.error_label.isHidden()
    assert not dialog.pick_button.autoDefault()  # Enter after tabbing past "Pick on map" saves instead


def test_the_pick_hint_goes_when_picking_stops(qtbot, window, hub_service):
    form = window.new_incident()
    form.pick_button.setChecked(True)
    assert "Click the map" in window.statusBar().currentMessage()
    form.reject()  # Esc while picking stops picking only
    assert form.isVisible() and not form.pick_button.isChecked()
    assert window.statusBar().currentMessage() == ""
    form.close()


def test_picking_on_the_map_moves_the_form_off_the_map(qtbot, window, hub_service):
    from PySide6.QtCore import QRect

    window.resize(1366, 740)
    form = window.new_incident()
    map_rect = QRect(window.map.mapToGlobal(window.map.rect().topLeft()), window.map.size())
    form.move(map_rect.center().x() - form.width() // 2, form.y())  # centred over the map, as a dialog opens
    form.pick_button.setChecked(True)
    frame = form.frameGeometry()
    screen = form.screen().availableGeometry()
    beside = frame.right() <= map_rect.left() or frame.left() >= map_rect.right()
    at_an_edge = frame.left() == screen.left() or frame.right() == screen.right()
    assert beside or at_an_edge
    form.pick_button.setChecked(False)
    form.close()


def test_fixing_the_other_of_two_related_times_clears_their_mark(qtbot, window, hub_service):
    """"Reported before it happened" names Reported; the officer may fix Happened instead."""
    from PySide6.QtCore import QDateTime

    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    happened = dialog.occurred_start.dateTime()
    dialog.reported_at.setDateTime(happened.addSecs(-3600))
    dialog.save()
    assert "reported before it happened" in dialog.error_label.text()
    assert "border" in dialog.reported_at.styleSheet()
    dialog.occurred_start.setDateTime(QDateTime(happened.addSecs(-7200)))  # the happened time was the wrong one
    assert dialog.error_label.isHidden() and "border" not in dialog.reported_at.styleSheet()


def test_an_eight_figure_grid_reference_reads_back_as_typed(qtbot, hub_service):
    """"TL 8500 0700" typed had come back as "TL 85005 07005" when the incident was opened again."""
    dialog = IncidentDialog(hub_service, None)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.grid_ref.setText("tl 8500 0700")
    dialog.grid_ref.editingFinished.emit()  # as leaving the field does: latitude and longitude follow
    assert dialog.lat.text().startswith("51.") and dialog.grid_ref.text() == "tl 8500 0700"
    dialog.save()
    assert dialog.saved is not None and dialog.saved.grid_ref == "TL 8500 0700"
    again = IncidentDialog(hub_service, hub_service.get(dialog.saved.id))
    qtbot.addWidget(again)
    assert again.grid_ref.text() == "TL 8500 0700" and not again.is_modified()
    again.lat.setText("51.700000")  # a point typed instead: to the metre
    again.lat.editingFinished.emit()
    assert len(again.grid_ref.text().replace(" ", "")) == 12


def test_a_form_without_its_kind_lists_every_other_mistake_too(qtbot, window, hub_service):
    """A walk: a form saved with no kind and a grid reference of uneven digits said only "choose the kind"; the
    grid reference was refused only after the kind was chosen and saved again."""
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    dialog.grid_ref.setText("tl 8123 234")
    dialog.place.setText("Brook Farm")
    dialog.save()
    text = dialog.error_label.text()
    assert "Kind: choose the kind of incident" in text
    assert "OS grid ref: easting and northing must have the same number of digits" in text
    assert "border" in dialog.kind.styleSheet() and "border" in dialog.grid_ref.styleSheet()
    assert dialog.grid_ref.text() == "tl 8123 234" and dialog.place.text() == "Brook Farm"
    assert hub_service.count() == 0


def _wait_for_cell(qtbot, table, row: int, column: int) -> None:
    """The cell current and open for typing, with the keyboard (its editor inside the table)."""
    from PySide6.QtWidgets import QApplication

    assert (table.currentRow(), table.currentColumn()) == (row, column)
    qtbot.waitUntil(lambda: table.state() == table.State.EditingState
                    and table.isAncestorOf(QApplication.focusWidget()), timeout=2_000)


def _active_valid_form(qtbot, window, hub_service) -> IncidentDialog:
    """A new incident's form, shown and holding the keyboard, filled in validly: keys typed go where a person's
    would."""
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    _fill_valid(dialog)
    return dialog


def _type(qtbot, text: str) -> None:
    """Keys as a person types them: each to whatever has the focus then (the first opens the cell's editor)."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    for char in text:
        QTest.keyClicks(QApplication.focusWidget(), char)
        qtbot.wait(1)


def test_add_vehicle_and_add_item_put_the_cursor_in_the_new_row(qtbot, window, hub_service):
    """A walk: Alt+V (Add vehicle), then typing the registration: the keys went nowhere and the save said
    "registration is empty"."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    dialog = _active_valid_form(qtbot, window, hub_service)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    dialog.vehicles.add_button.click()
    _wait_for_cell(qtbot, dialog.vehicles.table, 0, 0)
    _type(qtbot, "ab12cde")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.vehicles.text(0, 0) == "ab12cde", timeout=2_000)  # committed a turn later
    dialog.items.add_button.click()
    _wait_for_cell(qtbot, dialog.items.table, 0, 1)
    _type(qtbot, "StarFire receiver")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.items.text(0, 1) == "StarFire receiver", timeout=2_000)


def test_tab_from_a_list_box_in_a_row_goes_on_to_the_rows_next_cell(qtbot, window, hub_service):
    """A walk: VRM, Tab (to Role), Tab, "Toyota": the second Tab jumped to the top of the form and the make went
    into the Kind box, which turned a hare coursing report into Heritage crime."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QComboBox

    dialog = _active_valid_form(qtbot, window, hub_service)
    kind = dialog.kind.currentData()
    dialog.vehicles.add_button.click()
    _wait_for_cell(qtbot, dialog.vehicles.table, 0, 0)
    _type(qtbot, "ab12cde")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    role = dialog.vehicles.table.cellWidget(0, 1)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is role, timeout=2_000)
    QTest.keyClick(role, Qt.Key.Key_Tab)
    _type(qtbot, "Toyota")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    _type(qtbot, "Hilux")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.vehicles.text(0, 3) == "Hilux", timeout=2_000)
    assert dialog.vehicles.text(0, 2) == "Toyota" and dialog.vehicles.text(0, 0) == "ab12cde"
    assert dialog.kind.currentData() == kind
    # Shift+Tab from the box goes back to the registration; Tab from a row's last box leaves the table.
    QTest.keyClick(role, Qt.Key.Key_Backtab)
    assert dialog.vehicles.table.currentColumn() == 0
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    dialog.items.add_button.click()
    marking = dialog.items.table.cellWidget(0, 6)
    assert isinstance(marking, QComboBox)
    marking.setFocus()
    QTest.keyClick(marking, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: dialog.items.table.state() == dialog.items.table.State.EditingState, timeout=2_000)
    assert dialog.items.table.currentColumn() == 7  # the value, being edited
    _type(qtbot, "8000")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.items.text(0, 7) == "8000", timeout=2_000)
    assert dialog.kind.currentData() == "equipment_theft"


def test_a_new_stolen_item_is_of_the_equipment_chosen(qtbot, window, hub_service):
    """A walk: Equipment "GPS unit", Add item: the item's category said Tools, and was saved so."""
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    _fill_valid(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    for row, equipment in enumerate(("gps_unit", "quad_atv")):
        dialog.subkind.setCurrentIndex(dialog.subkind.findData(equipment))
        dialog.items.add_button.click()
        dialog.items.commit_edit()  # the new row's description is open for typing
        dialog.items.set_text(row, 1, f"{equipment} taken")  # a row nothing is typed in is not saved
    assert [dialog.items.combo(row, 0) for row in range(2)] == ["gps_unit", "quad_atv"]
    dialog.save()
    assert sorted(i["category"] for i in hub_service.get(dialog.saved.id).items) == ["gps_unit", "quad_atv"]


def test_the_form_says_where_a_location_is_and_warns_outside_the_force(qtbot, window, hub_service):
    """A walk: "TL 12345 67890" (Bedfordshire) and a Scilly "SV" letter pair typed for an Essex farm were saved
    without a word; the map then zoomed to an empty square."""
    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    for typed, said in (("TL 12345 67890", "⚠ This is outside Essex, 37 km from Uttlesford"),
                        ("SV 12345 67890", "⚠ This is outside Essex"),
                        ("TL 61234 32456", "In Thaxted, Uttlesford.")):
        dialog.grid_ref.setText(typed)
        dialog.grid_ref.editingFinished.emit()
        assert dialog.location_note.isVisibleTo(dialog) and dialog.location_note.text().startswith(said), typed
    dialog.grid_ref.setText("TL 1234 567")
    dialog.grid_ref.editingFinished.emit()
    assert dialog.location_note.text() == ""  # says nothing of a reference it cannot read (its line kept)
    dialog.set_location(52.2977, -0.354)  # a point picked on the map
    assert "outside Essex" in dialog.location_note.text()


def test_a_registration_still_being_typed_is_saved_by_ctrl_s(qtbot, window, hub_service):
    """A walk: a VRM typed in its cell and Ctrl+S before Enter: "Vehicle 1: registration is empty"."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    dialog = _active_valid_form(qtbot, window, hub_service)
    dialog.vehicles.add_button.click()
    _wait_for_cell(qtbot, dialog.vehicles.table, 0, 0)
    _type(qtbot, "ab12cde")
    with qtbot.waitSignal(dialog.saved_incident, timeout=5_000) as saved:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [v["vrm"] for v in hub_service.get(saved.args[0].id).vehicles] == ["AB12CDE"]


def test_deleting_an_incident_closes_its_open_form_and_says_so_first(qtbot, window, hub_service, monkeypatch):
    """A walk: with an incident's form open (forms are not modal), Del in the table deleted it and left the form
    open; its Save then said "incident 3f2a…-… has been deleted"."""
    from PySide6.QtWidgets import QMessageBox

    from ruralwatch.core.incident import IncidentInput

    kept = hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 07:00", lat=51.9,
                                            lon=0.3, place="Lay-by"))
    gone = hub_service.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 08:00", lat=51.95,
                                            lon=0.34, place="Brook Farm"))
    window.refresh()
    form = window.open_incident(gone.id)
    other = window.open_incident(kept.id)
    form.place.setText("Brook Farm, typed")
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _parent, _title, text, *_rest: asked.append(text) or QMessageBox.StandardButton.Yes))
    assert window.select_incident(gone.id)
    assert window.delete_selected()
    assert "Its open form closes without saving" in asked[0]
    qtbot.waitUntil(lambda: form not in window.forms, timeout=2_000)
    assert other in window.forms and other.isVisible()  # another incident's form stays

    # Deleted under a form by something else (a sync): the refusal says what happened in words.
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text, *_rest: said.append(text)))
    hub_service.delete(kept.id)
    other.save()
    assert said and said[0].startswith("This incident was deleted while its form was open")
    assert kept.id not in said[0] and other.isVisible()


def test_filters_that_match_nothing_say_so_above_the_table(qtbot, window, hub_service):
    """A walk typed a search that matched nothing and saw a blank table with no hint (the count is in the status
    bar, where nobody looked): a line above the table says so, with the way back to every incident."""
    from ruralwatch.core.incident import IncidentInput

    hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00", lat=51.9, lon=0.4))
    window.refresh()
    assert window.model.total == 1 and not window.empty_note.isVisible()
    window.search.setText("no such place")
    window.apply_filters()
    assert window.model.total == 0
    assert window.empty_note.isVisible()
    assert "No incidents match these filters" in window.empty_note.text()
    assert "Clear them" in window.empty_note.text() and "to see the one there is" in window.empty_note.text()
    window.empty_note.linkActivated.emit("clear")  # the link clears the filters, as Clear (Alt+L) does
    assert window.search.text() == "" and window.model.total == 1
    assert not window.empty_note.isVisible()


def test_an_empty_database_is_not_called_filtered(qtbot, window):
    window.apply_filters()
    assert window.model.total == 0 and not window.empty_note.isVisible()


def test_a_from_date_after_the_to_date_is_named_and_outlined(qtbot, window, hub_service):
    """A walk set From after To and was shown an empty table without a word: both dates are outlined and one line
    says what is wrong; putting them right takes both away."""
    from PySide6.QtCore import QDate

    from ruralwatch.core.incident import IncidentInput

    hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00", lat=51.9, lon=0.4))
    window.use_from.setChecked(True)
    window.use_to.setChecked(True)
    window.date_from.setDate(QDate(2026, 11, 20))
    window.date_to.setDate(QDate(2026, 11, 10))
    note = window.empty_note
    assert note.isVisible()
    assert note.text() == ("From 2026-11-20 is after To 2026-11-10, so no incident can match: change one of the "
                           "dates.")
    assert "No incidents match" not in note.text()
    assert all("border" in edit.styleSheet() for edit in (window.date_from, window.date_to))
    assert window.date_to.toolTip() == note.text()
    window.date_from.setDate(QDate(2026, 11, 1))
    assert window.model.total == 1 and not note.isVisible()
    assert window.date_from.styleSheet() == "" and window.date_to.styleSheet() == ""


@pytest.fixture
def night_clock(monkeypatch) -> list:
    """The app's clock, moved by the test: [now] (before the window is built, which reads today)."""
    from datetime import UTC, datetime

    from ruralwatch.core import times

    now = [datetime(2026, 11, 24, 22, 0, tzinfo=UTC)]
    monkeypatch.setattr(times, "utc_now", lambda: now[0])
    return now


def test_untouched_filter_dates_follow_today_past_midnight(qtbot, night_clock, window, hub_service):
    """A night shift opened the window at 22:00 and ticked To after midnight: To still said yesterday and hid the
    night's incidents. A date the user has not chosen is today's when ticked and moves on at midnight; one they
    chose stays; Clear makes it follow again."""
    from datetime import UTC, datetime

    from PySide6.QtCore import QDate

    from ruralwatch.core.incident import IncidentInput
    from ruralwatch.ui.widgets.today import ms_to_midnight

    assert window.date_to.date() == QDate(2026, 11, 24)
    assert ms_to_midnight() == (2 * 3600 + 1) * 1000  # the box's own timer fires just after midnight
    night_clock[0] = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-25 00:30", lat=51.9, lon=0.4))
    window.use_to.setChecked(True)
    assert window.date_to.date() == QDate(2026, 11, 25)
    assert window.model.total == 1  # the night's incident is not hidden

    night_clock[0] = datetime(2026, 11, 26, 0, 0, 1, tzinfo=UTC)
    window.date_to.midnight.timeout.emit()
    window.date_from.midnight.timeout.emit()
    assert window.date_to.date() == QDate(2026, 11, 26) and window.date_from.date() == QDate(2026, 8, 26)
    assert window.current_filter().start_to.isoformat() == "2026-11-26"

    window.date_to.setDate(QDate(2026, 11, 20))  # the user's own choice stays at midnight
    night_clock[0] = datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC)
    window.date_to.midnight.timeout.emit()
    assert window.date_to.date() == QDate(2026, 11, 20)
    window.clear_filters()
    assert window.date_to.date() == QDate(2026, 11, 27) and not window.use_to.isChecked()


def test_deleting_the_selected_incident_takes_the_map_back_from_street_level(qtbot, window, hub_service):
    """Selecting an incident zooms the map in on it; a walk deleted it and was left looking at an empty
    field at zoom 16. The map goes back to the view from before the selection, unless the user has moved it since
    (then it stays where they put it)."""
    from ruralwatch.core.incident import IncidentInput
    from tests.ui.map_helpers import run_js

    first = hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00",
                                             lat=51.90, lon=0.40))
    second = hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-03 10:00",
                                              lat=51.70, lon=0.70))
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000, check_params_cb=lambda n: n == 2):
        window.refresh()
    before = run_js(qtbot, window.map, "rw.view()")
    assert before["zoom"] < 14
    assert window.select_incident(first.id)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.view()")["zoom"] == 14, timeout=10_000)
    assert window.select_incident(second.id)  # one incident after another: still the view from before both
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.highlightedId()") is not None, timeout=10_000)
    assert window.delete_selected(confirm=False)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.view()")["zoom"] == before["zoom"], timeout=10_000)
    after = run_js(qtbot, window.map, "rw.view()")
    assert abs(after["lat"] - before["lat"]) < 1e-6 and abs(after["lon"] - before["lon"]) < 1e-6
    assert run_js(qtbot, window.map, "rw.highlightedId()") is None

    # Moved by the user after the selection: the map stays where they put it.
    assert window.select_incident(first.id)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.view()")["zoom"] == 14, timeout=10_000)
    run_js(qtbot, window.map, "rw.setView(51.80, 0.55, 17)")
    assert window.delete_selected(confirm=False)
    went_back: list[bool] = []
    window.map.run_js("rw.view()", lambda _view: went_back.append(True))  # after the leave_focus queued above
    qtbot.waitUntil(lambda: bool(went_back), timeout=10_000)
    assert run_js(qtbot, window.map, "rw.view()")["zoom"] == 17


def test_importing_another_forces_crime_says_it_is_left_out(qtbot, window, tmp_path: Path) -> None:
    """A walk imported Suffolk's files into an Essex database: '1,234 imported' and then 0 hotspots, no word why."""
    source = (Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
              / "2018-10-suffolk-street-every12th.csv")
    assert window.import_published([source]) is True
    qtbot.waitUntil(lambda: window.last_import_box is not None and window.last_import_box.isVisible(), timeout=60_000)
    info = window.last_import_box.informativeText()
    assert "Suffolk Constabulary are stored, but left out of every analysis" in info and "works for Essex." in info
    # Plainly who changes it, to what and where (a walk read "imported", then "left out", and was no wiser).
    assert "an administrator sets the force to Suffolk in File ▸ Settings ▸ Work for the force" in info


def test_the_force_area_stays_in_view_when_a_panel_opens_beside_the_map(qtbot, window, services):
    """A walk chose Suffolk in Settings: the map fitted Suffolk, then Analysis opened beside it and half the county
    was off the edge. The force area is fitted into the narrower map too, until the user moves the map."""
    from tests.ui.map_helpers import run_js

    window.resize(1366, 740)  # a laptop's screen: room for the table, the map and a docked panel
    with qtbot.waitSignal(window.map.ready, timeout=30_000):
        services.geography.use_force("Suffolk")
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.areaInView()") is True, timeout=10_000)
    wide = window.map.width()
    window.analysis_toggle.trigger()
    qtbot.waitUntil(lambda: window.map.width() < wide - 150, timeout=5_000)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.leafletMap.getSize().x") == window.map.width(),
                    timeout=10_000)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.areaInView()") is True, timeout=10_000)
    assert run_js(qtbot, window.map, "rw.fitKept()") is True

    # Once the user has moved the map, closing the panel leaves their view alone.
    run_js(qtbot, window.map, "rw.setView(52.25, 1.2, 12)")
    narrow = window.map.width()
    window.analysis_dock.close()
    qtbot.waitUntil(lambda: window.map.width() > narrow + 150, timeout=5_000)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.leafletMap.getSize().x") == window.map.width(),
                    timeout=10_000)
    assert run_js(qtbot, window.map, "rw.view()")["zoom"] == 12
    assert run_js(qtbot, window.map, "rw.fitKept()") is False


def test_selecting_an_incident_zooms_to_its_neighbourhood_not_the_street(qtbot, window, hub_service):
    """A walk: every row selected took the map to street level (a 100 m scale bar), nothing round the incident to
    place it by. It now zooms in to a neighbourhood (14) at most, and never out of a closer view."""
    from ruralwatch.core.incident import IncidentInput
    from tests.ui.map_helpers import run_js

    first = hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00",
                                             lat=51.900, lon=0.400))
    second = hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-03 10:00",
                                              lat=51.901, lon=0.401))  # 130 m away: one cluster at zoom 14
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000, check_params_cb=lambda n: n == 2):
        window.refresh()
    assert run_js(qtbot, window.map, "rw.view()")["zoom"] < 14
    assert window.select_incident(first.id)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.highlightedId()") is not None, timeout=10_000)
    assert run_js(qtbot, window.map, "rw.view()")["zoom"] == 14
    # Clustered at that zoom, its popup still opens at the spot.
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "document.querySelectorAll('.rw-popup').length") == 1,
                    timeout=10_000)
    run_js(qtbot, window.map, "rw.setView(51.9005, 0.4005, 17)")  # the user went closer themselves
    # setView animates the zoom, and getZoom() says the old one until the animation ends: wait for it, as a user's
    # own zoom would have ended before they chose another row.
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "rw.view()")["zoom"] == 17, timeout=10_000)
    assert window.select_incident(second.id)
    went: list[dict] = []
    window.map.run_js("rw.view()", went.append)  # after the focus queued above
    qtbot.waitUntil(lambda: bool(went), timeout=10_000)
    assert went[0]["zoom"] == 17


def test_the_stolen_items_fit_a_laptop_wide_form_with_every_column_whole(qtbot, window, hub_service):
    """A walk at 1366x768: the stolen items scrolled sideways, "Recovered" was cut off and the category box read
    "Quad bike /". At the form's width on that screen every column now shows whole, the description taking the
    rest."""
    from ruralwatch.ui.incident_form import FORM_WIDTH

    dialog = IncidentDialog(hub_service, None, window)
    qtbot.addWidget(dialog)
    dialog.resize(min(FORM_WIDTH, 1366 - 40), 700)
    dialog.show()
    _fill_valid(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    dialog.subkind.setCurrentIndex(dialog.subkind.findData("quad_atv"))
    dialog.items.add_button.click()
    table = dialog.items.table
    header = table.horizontalHeader()
    category = table.cellWidget(0, 0)
    qtbot.waitUntil(lambda: table.viewport().width() > 0 and table.columnWidth(0) >= category.sizeHint().width(),
                    timeout=5_000)
    assert table.horizontalScrollBar().maximum() == 0
    narrow = [header.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())
              if c != 1 and table.columnWidth(c) < header.sectionSizeHint(c)]
    assert narrow == []
    assert table.columnWidth(1) >= 120  # room left to type a description


def test_the_search_box_finds_a_kind_by_a_word_an_officer_types(qtbot, window, hub_service):
    """The Kind box found an encampment by "traveller", the search box found nothing (it matched a substring of a
    kind's name): both follow the one catalogue now."""
    from ruralwatch.core.incident import IncidentInput

    camp = hub_service.record(IncidentInput(kind="unlawful_encampment", occurred_start="2026-11-02 10:00",
                                            lat=51.9, lon=0.4, place="Plot 7"))
    hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-03 10:00", lat=51.9, lon=0.4,
                                     place="Plot 8"))
    window.search.setText("traveller")
    window.apply_filters()
    assert window.model.total == 1 and window.model.incident_id(0) == camp.id


def test_the_grid_ref_column_is_in_view_on_one_line(qtbot, window, hub_service):
    """At 1366x768 the Grid ref column was off-screen, last but two, and a 10-figure reference wrapped over two lines
    (a walk): it comes third, after When and Kind, as wide as a 10-figure reference."""
    from ruralwatch.ui.incident_model import GRID_REF_COLUMN

    window.resize(1366, 768)
    form = window.new_incident()
    _fill_valid(form)  # TL 61234 32456, 10 figures
    form.save()
    assert form.saved is not None
    header = window.table.horizontalHeader()
    assert header.visualIndex(GRID_REF_COLUMN) == 2
    shown = window.model.data(window.model.index(0, GRID_REF_COLUMN))
    assert shown == "TL 61234 32456"
    qtbot.waitUntil(lambda: window.table.viewport().width() > 0)
    assert header.sectionViewportPosition(GRID_REF_COLUMN) + header.sectionSize(GRID_REF_COLUMN) \
        <= window.table.viewport().width()
    # One line: the text fits the column beside the cell's margins (a character's width each side).
    metrics = window.table.fontMetrics()
    assert metrics.horizontalAdvance(shown) + 2 * metrics.averageCharWidth() <= header.sectionSize(GRID_REF_COLUMN)


def test_a_panel_docked_beside_the_table_leaves_when_kind_and_grid_ref_in_view(qtbot, window, hub_service):
    """At 1366x768 with Patrols docked the table is ~410 px wide: only When and Kind fitted, the Grid ref (what an
    officer reads out) was cut off. Narrow, When drops the year and Kind is its short name (both whole on hover), so
    the Grid ref fits whole beside them; with the room back, the table reads as before."""
    from ruralwatch.core.incident import IncidentInput
    from ruralwatch.ui.incident_model import GRID_REF_COLUMN

    hub_service.record(IncidentInput(kind="poaching_wildlife", occurred_start="2026-11-24 14:36",
                                     lat=51.90, lon=0.40))
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000, check_params_cb=lambda n: n == 1):
        window.refresh()
    window.resize(1366, 740)
    model, table = window.model, window.table
    qtbot.waitUntil(lambda: table.viewport().width() > 500, timeout=5_000)
    assert model.data(model.index(0, 0)) == "2026-11-24 14:36"
    assert model.data(model.index(0, 1)) == "Poaching / wildlife crime"

    window.patrol_dock.show()
    qtbot.waitUntil(lambda: table.viewport().width() < 450, timeout=5_000)
    qtbot.waitUntil(lambda: model.data(model.index(0, 0)) == "24 Nov 14:36", timeout=5_000)
    assert model.data(model.index(0, 1)) == "Poaching"
    assert "Poaching / wildlife crime" in model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "2026-11-24 14:36"
    # The Grid ref column wholly inside the table's viewport, and wide enough for its text on one line.
    header = table.horizontalHeader()
    assert header.sectionViewportPosition(GRID_REF_COLUMN) + header.sectionSize(GRID_REF_COLUMN) \
        <= table.viewport().width()
    grid_ref = model.data(model.index(0, GRID_REF_COLUMN))
    assert table.fontMetrics().horizontalAdvance(grid_ref) < header.sectionSize(GRID_REF_COLUMN)
    for column in (0, 1):
        text = model.data(model.index(0, column))
        assert table.fontMetrics().horizontalAdvance(text) < header.sectionSize(column)

    window.patrol_dock.close()
    qtbot.waitUntil(lambda: model.data(model.index(0, 0)) == "2026-11-24 14:36", timeout=5_000)
    assert model.data(model.index(0, 1)) == "Poaching / wildlife crime"
