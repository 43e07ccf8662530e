"""The sync panel: exchange packages with another laptop off the UI thread, and review conflicts."""

from __future__ import annotations

from pathlib import Path

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.sync import SyncService
from ruralwatch.store import open_store


def _other_laptop(tmp_path: Path):
    store = open_store(tmp_path / "other.db")
    return store, IncidentService(store), SyncService(store)


def _trust_each_other(a: SyncService, b: SyncService) -> None:
    a.trust(b.identity().device_id, b.identity().public_key, "Other laptop")
    b.trust(a.identity().device_id, a.identity().public_key, "This laptop")


def _panel_beside_a_trusted_laptop(window, services, tmp_path: Path):
    """The Sync panel shown, this laptop and another one trusting each other (the other closed again)."""
    other_store, _other_incidents, other_sync = _other_laptop(tmp_path)
    try:
        _trust_each_other(services.sync, other_sync)
    finally:
        other_store.close()
    panel = window.sync_panel
    window.sync_dock.show()
    panel.reload()
    return panel


def test_import_from_another_laptop_shows_its_incidents_and_pending_counts(qtbot, window, services, tmp_path):
    other_store, other_incidents, other_sync = _other_laptop(tmp_path)
    try:
        _trust_each_other(services.sync, other_sync)
        other_incidents.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 07:00", lat=51.95,
                                             lon=0.34, place="Stubble field"))
        package = tmp_path / "from-other.rwsync"
        other_sync.export(package)
    finally:
        other_store.close()
    panel = window.sync_panel
    window.sync_dock.show()
    with qtbot.waitSignal(panel.imported, timeout=30_000) as imported:
        panel.import_package(package)
    assert imported.args[0].status == "applied" and imported.args[0].inserted >= 1
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=10_000)  # the window refreshed after the merge
    assert panel.applied.rowCount() == 1
    assert panel.applied.item(0, 1).text() == "Other laptop"  # the name it was trusted under, not its id
    assert panel.peers.item(0, 3).text() != "never"  # last import from the other laptop
    # Export back to it: the pending count for that laptop falls to zero afterwards.
    other_id = panel.peer_choice.itemData(1)
    panel.peer_choice.setCurrentIndex(1)
    panel.export_package(tmp_path / "plain.rwsync")  # no passphrase: refused, nothing written
    assert "passphrase" in panel.status.text() and not (tmp_path / "plain.rwsync").exists()
    secret = tmp_path / "secret.txt"
    secret.write_text("shared secret\n")
    panel.passphrase.setText(secret.read_text().rstrip("\n"))
    panel.passphrase_again.setText(secret.read_text().rstrip("\n"))
    with qtbot.waitSignal(panel.exported, timeout=30_000) as exported:
        panel.export_package(tmp_path / "for-other.rwsync")
    assert exported.args[0].since_last_for == other_id and exported.args[0].encrypted
    # The file's name in the message (a whole path is one long word that wrapped nowhere), its path in the tooltip.
    assert panel.status.text() == "Exported 0 rows to for-other.rwsync (encrypted)"
    assert panel.status.toolTip() == str(tmp_path / "for-other.rwsync")
    assert services.sync.pending(other_id) == 0
    assert panel.peers.item(0, 2).text() != "never"
    qtbot.waitUntil(lambda: panel.peers.item(0, 4).text() == "0", timeout=10_000)  # counted off the UI thread


def test_pending_counts_each_new_record_and_the_export_choice_stays(qtbot, window, services, tmp_path):
    """A walk saved an incident with the Sync panel open: Pending said 0 (and still did after Refresh), as if
    nothing needed sending; after an export the Export for box was back at the full package, unnoticed."""
    panel = _panel_beside_a_trusted_laptop(window, services, tmp_path)
    qtbot.waitUntil(lambda: panel.peers.item(0, 4).text() == "0", timeout=10_000)
    services.incidents.record(IncidentInput(kind="fuel_theft", occurred_start="2026-11-20 02:00", lat=51.9,
                                            lon=0.4, place="Yard"))
    qtbot.waitUntil(lambda: panel.peers.item(0, 4).text() == "1", timeout=10_000)
    panel.peer_choice.setCurrentIndex(1)
    chosen = panel.peer_choice.currentData()
    panel.passphrase.setText("shared secret")
    panel.passphrase_again.setText("shared secret")
    with qtbot.waitSignal(panel.exported, timeout=30_000) as exported:
        panel.export_package(tmp_path / "for-other.rwsync")
    assert exported.args[0].since_last_for == chosen
    assert panel.peer_choice.currentData() == chosen  # the next export is for the same device again
    window.refresh()
    assert panel.peer_choice.currentData() == chosen
    # Sent: not pending any more (it used to stay pending, and went again with every export, until the other
    # laptop sent a package back).
    qtbot.waitUntil(lambda: panel.peers.item(0, 4).text() == "0", timeout=10_000)


def test_send_again_resends_what_a_lost_package_carried_and_clears_after(qtbot, window, services, tmp_path):
    panel = _panel_beside_a_trusted_laptop(window, services, tmp_path)
    assert not panel.resend.isEnabled()  # a full package sends everything anyway
    services.incidents.record(IncidentInput(kind="fuel_theft", occurred_start="2026-11-20 02:00", lat=51.9,
                                            lon=0.4, place="Yard"))
    panel.peer_choice.setCurrentIndex(1)
    assert panel.resend.isEnabled() and not panel.resend.isChecked()
    panel.passphrase.setText("shared secret")
    panel.passphrase_again.setText("shared secret")
    with qtbot.waitSignal(panel.exported, timeout=30_000) as exported:
        panel.export_package(tmp_path / "lost.rwsync")
    assert sum(exported.args[0].rows.values()) >= 1
    with qtbot.waitSignal(panel.exported, timeout=30_000) as exported:
        panel.export_package(tmp_path / "again.rwsync")
    assert exported.args[0].rows["incidents"] == 0  # sent before: not again
    panel.resend.setChecked(True)
    with qtbot.waitSignal(panel.exported, timeout=30_000) as exported:
        panel.export_package(tmp_path / "resent.rwsync")
    assert exported.args[0].rows["incidents"] == 1  # the lost package's incident goes again
    assert not panel.resend.isChecked()  # once: the next export is the usual one


def _status_conflict(services, tmp_path: Path) -> tuple[str, Path]:
    """An incident whose status this laptop and another changed at once; the other's package, which makes the
    conflict when imported here."""
    mine = services.incidents.record(IncidentInput(kind="fuel_theft", occurred_start="2026-11-20 02:00", lat=51.9,
                                                   lon=0.4, place="Yard", status="open"))
    other_store, other_incidents, other_sync = _other_laptop(tmp_path)
    try:
        _trust_each_other(services.sync, other_sync)
        first = tmp_path / "first.rwsync"
        services.sync.export(first)
        other_sync.import_package(first)
        # Both laptops change the status without seeing each other's change.
        theirs_input = other_incidents.get(mine.id).to_input()
        theirs_input.status = "closed"
        other_incidents.update(mine.id, theirs_input)
        back = tmp_path / "back.rwsync"
        other_sync.export(back)
    finally:
        other_store.close()
    mine_input = services.incidents.get(mine.id).to_input()
    mine_input.status = "under_investigation"
    services.incidents.update(mine.id, mine_input)
    return mine.id, back


def test_conflict_is_listed_side_by_side_and_resolved_by_keeping_mine(qtbot, window, services, tmp_path):
    incident_id, back = _status_conflict(services, tmp_path)
    panel = window.sync_panel
    with qtbot.waitSignal(panel.imported, timeout=30_000):
        panel.import_package(back)
    assert panel.conflicts.rowCount() == 1
    assert panel.conflicts.item(0, 0).text() == "Fuel theft, Yard, 2026-11-20"
    assert panel.conflicts.item(0, 1).text() == "status"
    # Each value named with the device that wrote it, and the Keep buttons say whose value they keep.
    row = [panel.conflicts.item(0, column).text() for column in range(2, 7)]
    assert row == ["under_investigation", "this device", "closed", "Other laptop", "this device"]  # the later kept
    panel.conflicts.selectRow(0)
    assert panel.keep_mine.text() == "Keep mi&ne (this device)"
    assert panel.keep_theirs.text() == "&Keep theirs (Other laptop)"
    assert panel.resolve_selected("mine")
    assert services.incidents.get(incident_id).status == "under_investigation"
    assert panel.conflicts.rowCount() == 0
    assert services.sync.conflicts() == []


def test_merge_shows_both_values_and_keeps_a_value_the_field_cannot_hold_as_typed(qtbot, window, services,
                                                                                    tmp_path):
    """A walk pressed Merge…: a box 180 pixels wide held only this laptop's value (the other one was scrolled away in
    the table), and whatever was typed was kept: a status 'finished' would have gone to every device."""
    from PySide6.QtWidgets import QLabel, QLineEdit

    from ruralwatch.ui.sync_panel import MergeDialog

    incident_id, back = _status_conflict(services, tmp_path)
    panel = window.sync_panel
    with qtbot.waitSignal(panel.imported, timeout=30_000):
        panel.import_package(back)
    panel.conflicts.selectRow(0)
    seen: list[tuple[str, str, str, bool]] = []

    def fill(dialog: MergeDialog) -> int:
        shown = [box.text() for box in dialog.findChildren(QLineEdit) if box.isReadOnly()]
        assert shown == ["under_investigation", "closed"]  # both values in front of you
        assert "from Other laptop" in [label.text() for label in dialog.findChildren(QLabel)]
        dialog.value.setText("finished")
        dialog.submit()
        seen.append((dialog.value.text(), dialog.error_label.text(), dialog.windowTitle(), dialog.isVisible()))
        assert dialog.result() != MergeDialog.DialogCode.Accepted  # still open, what was typed kept
        dialog.value.setText("Closed")
        dialog.submit()
        return dialog.result()

    panel.run_dialog = fill
    assert panel.resolve_selected("merged")
    typed, said, _title, _visible = seen[0]
    assert typed == "finished" and said.startswith("Status is one of a list (Open, Under investigation, Closed")
    assert services.incidents.get(incident_id).status == "closed"
    assert panel.conflicts.rowCount() == 0 and services.sync.conflicts() == []


def test_the_passphrase_is_typed_hidden_and_never_shown_in_a_message(qtbot, window, tmp_path, monkeypatch):
    """It was a file-name field: a typed passphrase was read as a file name and shown in clear in the error."""
    from PySide6.QtWidgets import QLineEdit

    window.sync_dock.show()
    panel = window.sync_panel
    assert panel.passphrase.echoMode() == QLineEdit.EchoMode.Password
    panel.passphrase.setFocus()
    qtbot.keyClicks(panel.passphrase, "hunter2 horse battery")
    qtbot.keyClicks(panel.passphrase_again, "hunter2 horse battery")
    target = tmp_path / "typed.rwsync"
    panel.export_package(target)
    qtbot.waitUntil(lambda: not window.tasks, timeout=30_000)
    qtbot.waitUntil(target.exists, timeout=30_000)
    assert "hunter2" not in panel.status.text() and not any("hunter2" in p for p in panel.problems)


def test_the_second_passphrase_box_has_a_label_of_its_own_that_reaches_it(qtbot, window):
    """It sat unlabelled under "Passphrase": read as a second line of the same box."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFormLayout, QLabel

    window.sync_dock.show()
    panel = window.sync_panel
    form = next(f for f in panel.findChildren(QFormLayout) if f.indexOf(panel.passphrase_again) >= 0)
    label = form.labelForField(panel.passphrase_again)
    assert isinstance(label, QLabel) and label.isVisible() and label.text().replace("&", "").startswith("Again")
    assert label.buddy() is panel.passphrase_again
    window.activateWindow()
    panel.passphrase.setFocus()
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(panel.passphrase_again.hasFocus, timeout=5_000)


def test_a_passphrase_file_fills_the_field_and_a_bad_one_is_named_not_shown(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window.sync_dock.show()
    panel = window.sync_panel
    secret = tmp_path / "secret.txt"
    secret.write_text("shared secret\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(secret), "")))
    panel.passphrase_from_file()
    assert panel.passphrase.text() == "shared secret"
    secret.write_text("")
    panel.passphrase.clear()
    panel.passphrase_from_file()
    assert panel.passphrase.text() == "" and "empty" in panel.status.text()


def test_a_special_finds_the_sync_panel_greyed_and_shut_even_when_an_officer_left_it_open(qtbot, services,
                                                                                          tmp_path):
    """A walk: signed in as a Special, File ▸ Sync with other laptops… opened the panel with every button live, and
    Export changes… asked for the passphrase before the refusal; a panel an officer left open came back too."""
    from PySide6.QtCore import QSettings

    from ruralwatch.core.permissions import Actor
    from ruralwatch.ui import settings_keys as keys
    from ruralwatch.ui.main_window import MainWindow

    officer = MainWindow(services, tmp_path / "page1")
    officer.show()
    officer.sync_dock.show()
    assert officer.sync_dock.toggleViewAction().isEnabled()
    officer.close()  # remembers the open panel
    officer.dispose()
    assert keys.dock_state("system").read(QSettings()) is not None

    # The same account, its role since changed to Special (a layout is the account's).
    services.store.actor = Actor("system", "special", "acc-1")
    special = MainWindow(services, tmp_path / "page2")
    try:
        special.show()
        toggle = special.sync_dock.toggleViewAction()
        assert not toggle.isEnabled() and "Your role may not: export and import sync packages" in toggle.toolTip()
        assert not special.sync_dock.isVisible()
    finally:
        special.dispose()


def test_trust_a_device_is_one_form_that_marks_a_wrong_key_and_keeps_what_was_typed(qtbot, window, services,
                                                                                     tmp_path):
    # A walk typed the id, a key one digit short and a name into three boxes in a row: all three were lost, and
    # "Not trusted: ..." appeared under Exchange, where it stayed after the device was trusted.
    from PySide6.QtCore import Qt

    other_store, _, other_sync = _other_laptop(tmp_path)
    try:
        other = other_sync.identity()
    finally:
        other_store.close()
    panel = window.sync_panel
    window.sync_dock.show()
    dialog = panel.trust_dialog()
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)  # nothing typed: both fields named
    assert dialog.marks.is_marked(dialog.device) and dialog.marks.is_marked(dialog.key)
    dialog.device.setText(other.device_id)
    dialog.key.setText(other.public_key[:-1])
    dialog.name.setText("Central store")
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "64 hex digits" in dialog.error_label.text()
    assert dialog.marks.is_marked(dialog.key) and not dialog.marks.is_marked(dialog.device)
    assert (dialog.device.text(), dialog.name.text()) == (other.device_id, "Central store")
    assert services.sync.peers() == []
    dialog.key.setText(other.public_key)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert [peer.name for peer in services.sync.peers()] == ["Central store"]
    assert panel.peers.item(0, 0).text() == "Central store"
    assert panel.status.text().startswith("Trusted Central store")


def test_trust_a_device_already_trusted_with_another_key_asks_and_no_keeps_the_old_key(qtbot, window, services):
    """Trust a device… with a known device id and a different key replaced the key without a word (audited only):
    what an impostor would send. It asks (No by default: the old key stays, what was typed stays); Yes replaces."""
    from PySide6.QtCore import Qt

    from ruralwatch.sync.crypto import KeyPair, fingerprint

    device, old, new = "0123456789abcdef", KeyPair.generate().public_hex(), KeyPair.generate().public_hex()
    services.sync.trust(device, old, "RET laptop 3")
    panel = window.sync_panel
    window.sync_dock.show()
    asked: list[str] = []
    dialog = panel.trust_dialog()
    qtbot.waitUntil(dialog.isVisible)
    dialog.confirm_replace = lambda changed: asked.append(changed.name) or False
    dialog.device.setText(device)
    dialog.key.setText(new)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert asked == ["RET laptop 3"]
    assert dialog.isVisible() and "already trusted here with another key" in dialog.error_label.text()
    assert dialog.marks.is_marked(dialog.key) and dialog.key.text() == new
    assert [peer.public_key for peer in services.sync.peers()] == [old]
    dialog.confirm_replace = lambda changed: True
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert [peer.public_key for peer in services.sync.peers()] == [new]
    assert panel.status.text().startswith("Key of RET laptop 3 (0123456789abcdef) replaced")
    assert fingerprint(old) in panel.status.text()


def test_the_replace_key_question_defaults_to_no(qtbot, services):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ruralwatch.sync.crypto import KeyPair
    from ruralwatch.sync.errors import KeyChanged
    from ruralwatch.ui.sync_panel import TrustDialog

    dialog = TrustDialog(services.sync)
    qtbot.addWidget(dialog)
    seen: list[tuple[str, str]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.text(), box.defaultButton().text()))
            box.defaultButton().click()  # Enter: the default
        else:
            QTimer.singleShot(20, answer)  # not up yet: look again on a later turn

    QTimer.singleShot(0, answer)
    changed = KeyChanged("0123456789abcdef", None, KeyPair.generate().public_hex(), KeyPair.generate().public_hex())
    assert dialog.confirm_replace(changed) is False
    assert "Device 0123456789abcdef is already trusted here with another key" in seen[0][0]
    assert seen[0][1].replace("&", "") == "No"


def _in_view(widget, scroll) -> bool:
    """Whether `widget` is inside the dock's visible part (the scroll area's viewport)."""
    from PySide6.QtCore import QPoint, QRect

    top = widget.mapTo(scroll.viewport(), QPoint(0, 0))
    return scroll.viewport().rect().contains(QRect(top, widget.size()))


def test_names_of_trusted_devices_are_whole_and_the_outcome_is_in_view_in_a_narrow_dock(qtbot, window, services):
    """A walk at 1366x768 read the Name column as "C… st…" (the device id kept its 16 digits) and never saw the
    panel's outcome line, which sat below the dock's fold."""
    from PySide6.QtCore import Qt

    from ruralwatch.sync.crypto import KeyPair

    services.sync.trust("3f9c0a1b2c3d4e5f", KeyPair.generate().public_hex(), "Central store")
    window.resize(1366, 768)
    window.show()
    window.sync_dock.show()
    window.resizeDocks([window.sync_dock], [420], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: window.sync_dock.width() <= 430, timeout=10_000)
    panel = window.sync_panel
    scroll = window.sync_dock.widget()
    panel.reload()
    table, header = panel.peers, panel.peers.horizontalHeader()
    qtbot.waitUntil(lambda: table.isVisible() and table.rowCount() == 1, timeout=10_000)
    # The name whole, the table not scrolling sideways: the device id takes what is left, elided.
    qtbot.waitUntil(lambda: table.columnWidth(0) >= table.sizeHintForColumn(0), timeout=10_000)
    qtbot.waitUntil(lambda: header.length() <= table.viewport().width() + 1, timeout=10_000)
    assert table.columnWidth(0) <= table.viewport().width() // 2
    assert table.item(0, 1).toolTip() == "3f9c0a1b2c3d4e5f"

    window.resizeDocks([window.sync_dock], [330], Qt.Orientation.Horizontal)  # narrower: the panel grows taller
    qtbot.waitUntil(lambda: window.sync_dock.width() <= 340, timeout=10_000)
    scroll.verticalScrollBar().setValue(0)  # at the top, where Trust a device… is
    dialog = panel.trust_dialog()
    qtbot.waitUntil(dialog.isVisible)
    dialog.device.setText("0123456789abcdef")
    dialog.key.setText(KeyPair.generate().public_hex())
    dialog.name.setText("RET laptop 3, Saffron Walden")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert panel.status.text().startswith("Trusted RET laptop 3")
    qtbot.waitUntil(lambda: _in_view(panel.status, scroll), timeout=10_000)


def test_trusted_devices_show_five_rows_on_a_laptop_screen(qtbot, window, services):
    # A walk at 1366x768 saw a row and a half of Trusted devices: the panel's layout squeezed the table.
    from PySide6.QtGui import QFont

    from ruralwatch.sync.crypto import KeyPair

    for number in range(6):
        services.sync.trust(f"{number:016x}", KeyPair.generate().public_hex(), f"RET laptop {number}")
    window.resize(1366, 768)
    window.sync_dock.show()
    panel = window.sync_panel
    panel.reload()
    qtbot.waitUntil(lambda: panel.peers.isVisible() and panel.peers.rowCount() == 6, timeout=10_000)
    qtbot.waitUntil(lambda: panel.peers.viewport().height() >= 5 * panel.peers.rowHeight(0), timeout=10_000)
    assert panel.peers.rowHeight(0) > 0
    panel.setFont(QFont(panel.font().family(), panel.font().pointSize() * 2))  # View ▸ Larger text
    qtbot.waitUntil(lambda: panel.peers.viewport().height() >= 5 * panel.peers.rowHeight(0), timeout=10_000)


def least_width(panel) -> int:
    """The panel's minimum width as its contents now stand: every layout recomputed (a button's new text reaches
    the panel's cached minimum only as layout requests climb the tree, one turn of the event loop per level)."""
    from PySide6.QtWidgets import QLayout, QWidget

    for widget in panel.findChildren(QWidget):  # each widget's sizes as its parent's layout keeps them
        widget.updateGeometry()
    for layout in panel.findChildren(QLayout):  # nested ones too: a layout keeps its own sizes until invalidated
        layout.invalidate()
    return panel.minimumSizeHint().width()


def test_the_panel_fits_its_dock_on_a_laptop_screen_with_long_device_names(qtbot, window, services, tmp_path):
    """At 1366x768 the Sync panel was wider than its dock, which scrolled sideways: the Keep buttons named both
    devices side by side, the export choice was as wide as its longest device name, and each box at least as wide
    as its long title. The buttons are stacked and shortened with "…" (whole in the tooltip), the choice too."""
    from PySide6.QtCore import Qt

    long_name = "Central store, Essex Police headquarters, Chelmsford (force network, RET team)"
    mine = services.incidents.record(IncidentInput(kind="fuel_theft", occurred_start="2026-11-20 02:00", lat=51.9,
                                                   lon=0.4, place="Yard", status="open"))
    other_store, other_incidents, other_sync = _other_laptop(tmp_path)
    try:
        services.sync.trust(other_sync.identity().device_id, other_sync.identity().public_key, long_name)
        other_sync.trust(services.sync.identity().device_id, services.sync.identity().public_key, "RET laptop 3")
        first = tmp_path / "first.rwsync"
        services.sync.export(first)
        other_sync.import_package(first)
        theirs = other_incidents.get(mine.id).to_input()
        theirs.status = "closed"
        other_incidents.update(mine.id, theirs)
        back = tmp_path / "back.rwsync"
        other_sync.export(back)
    finally:
        other_store.close()
    mine_input = services.incidents.get(mine.id).to_input()
    mine_input.status = "under_investigation"
    services.incidents.update(mine.id, mine_input)

    window.resize(1366, 768)
    window.sync_dock.show()
    panel = window.sync_panel
    with qtbot.waitSignal(panel.imported, timeout=30_000):
        panel.import_package(back)
    panel.conflicts.selectRow(0)
    assert panel.keep_theirs.text() == f"&Keep theirs ({long_name})"
    assert panel.peer_choice.itemText(1) == f"Changes {long_name} has not seen"
    scroll = window.sync_dock.widget()

    def room() -> int:  # the dock's width for the panel, inside the upright scroll bar (the panel is tall)
        return scroll.viewport().width()

    qtbot.waitUntil(lambda: scroll.isVisible() and scroll.verticalScrollBar().isVisible(), timeout=10_000)
    assert 0 < least_width(panel) <= room()
    qtbot.waitUntil(lambda: not scroll.horizontalScrollBar().isVisible(), timeout=10_000)

    # Narrowed by hand, the long labels give way first: shortened, the whole text in their tooltips.
    window.resizeDocks([window.sync_dock], [least_width(panel) + 40], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: panel.keep_theirs.shown_text().endswith("…"), timeout=10_000)
    assert panel.keep_theirs.toolTip() == f"Keep theirs ({long_name})"
    assert not scroll.horizontalScrollBar().isVisible()
    assert panel.peer_choice.itemData(1, Qt.ItemDataRole.ToolTipRole) == panel.peer_choice.itemText(1)


def test_the_key_is_shown_whole_in_groups_that_fit_the_dock_and_trusting_names_it_so(qtbot, window, services):
    """The panel's key was a one-line box showing 40 of its 64 digits at 1366x768, and the messages named keys by
    their first and last eight digits: two people comparing it read aloud checked a quarter of it. The whole key, in
    sixteen groups of four on two lines, fits the dock; the trust message and the replace question name it whole."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ruralwatch.sync.crypto import KeyPair
    from ruralwatch.sync.errors import KeyChanged
    from ruralwatch.ui.sync_panel import TrustDialog

    own = services.sync.identity().public_key
    window.resize(1366, 768)
    window.show()
    window.sync_dock.show()
    window.resizeDocks([window.sync_dock], [420], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: window.sync_dock.width() <= 430, timeout=10_000)
    panel = window.sync_panel
    lines = panel.public_key.text().split("\n")
    assert [len(line.split(" ")) for line in lines] == [8, 8]
    assert "".join(panel.public_key.text().split()) == own
    qtbot.waitUntil(lambda: panel.public_key.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: panel.public_key.width() >= panel.public_key.sizeHint().width(), timeout=10_000)
    assert not window.sync_dock.widget().horizontalScrollBar().isVisible()

    other = KeyPair.generate().public_hex()
    grouped = " ".join(other[i:i + 4] for i in range(0, 64, 4))
    dialog = panel.trust_dialog()
    qtbot.waitUntil(dialog.isVisible)
    dialog.device.setText("0123456789abcdef")
    dialog.key.setText(grouped)  # as its owner reads it out
    dialog.name.setText("RET laptop 3")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert f"Its key: {grouped} " in panel.status.text()

    shown: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.informativeText())
            box.defaultButton().click()
        else:
            QTimer.singleShot(20, answer)

    from PySide6.QtCore import QTimer

    replacing = TrustDialog(services.sync, panel)
    qtbot.addWidget(replacing)
    QTimer.singleShot(0, answer)
    assert replacing.confirm_replace(KeyChanged("0123456789abcdef", "RET laptop 3", other, own)) is False
    trusted_at, given_at = shown[0].index("Trusted key:"), shown[0].index("Key given:")
    for key, said in ((other, shown[0][trusted_at:given_at]), (own, shown[0][given_at:])):
        lines = said.split("<code>")[1:3]  # the panel's two lines of eight groups
        assert " ".join(line.split("</code>")[0] for line in lines) == " ".join(key[i:i + 4] for i in range(0, 64, 4))


def _cancelling_at(monkeypatch, prefix: str) -> tuple[list[str], list[bool]]:
    """Press the progress dialog's Cancel when a note starting with `prefix` is shown; the worker, having said it,
    waits until the window has had its say (as a person's click would come while it works on). Returns the labels the
    dialog showed and whether Cancel was pressed."""
    import threading

    from PySide6.QtWidgets import QPushButton

    from ruralwatch.services import sync as sync_module
    from ruralwatch.ui.tasks import BackgroundTask

    labels: list[str] = []
    pressed: list[bool] = []
    answered = threading.Event()
    real_say, real_progress = sync_module._Reports.say, BackgroundTask._on_progress

    def say(reports, done: int, total: int, note: str) -> None:  # noqa: ANN001 - the worker's side
        real_say(reports, done, total, note)
        if prefix and note.startswith(prefix):
            answered.wait(10)

    def on_progress(task, done: int, total: int, note: str = "") -> None:  # noqa: ANN001 - the window's side
        real_progress(task, done, total, note)
        labels.append(task.dialog.labelText())
        if prefix and note.startswith(prefix) and not pressed:
            task.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
            pressed.append(True)
            answered.set()

    monkeypatch.setattr(sync_module._Reports, "say", say)
    monkeypatch.setattr(BackgroundTask, "_on_progress", on_progress)
    return labels, pressed


def test_an_import_shows_its_progress_and_cancel_merges_nothing(qtbot, window, services, tmp_path, monkeypatch):
    """A package of 100,000 rows took many seconds under a bar with only its title, and could not be stopped. The
    dialog says what is being done (reading, merging which table, how far); Cancel at any step merges nothing."""
    other_store, other_incidents, other_sync = _other_laptop(tmp_path)
    try:
        _trust_each_other(services.sync, other_sync)
        for place in ("Stubble field", "Top Field", "Mill Lane"):
            other_incidents.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 07:00", lat=51.95,
                                                 lon=0.34, place=place))
        package = tmp_path / "from-other.rwsync"
        other_sync.export(package, passphrase="shared secret")
    finally:
        other_store.close()
    panel = window.sync_panel
    window.sync_dock.show()
    panel.passphrase.setText("shared secret")
    audit_before = services.store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    labels, pressed = _cancelling_at(monkeypatch, "Merging incidents")
    task = panel.import_package(package)
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert pressed and labels[-1] == "Importing package…\nMerging incidents 0 of 3"
    assert "Importing package…\nReading package: checking the passphrase" in labels
    assert panel.status.text() == "Import cancelled: nothing of from-other.rwsync was merged."
    assert panel.problems == [] and services.incidents.count() == 0
    assert services.store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == audit_before
    assert panel.applied.rowCount() == 0

    monkeypatch.undo()
    with qtbot.waitSignal(panel.imported, timeout=30_000) as imported:
        panel.import_package(package)
    assert imported.args[0].status == "applied" and services.incidents.count() == 3


def test_an_export_cancelled_while_it_writes_leaves_no_file(qtbot, window, services, tmp_path, monkeypatch):
    services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9, lon=0.3,
                                            place="Brook Farm"))
    panel = window.sync_panel
    window.sync_dock.show()
    panel.passphrase.setText("shared secret")
    panel.passphrase_again.setText("shared secret")
    audit_before = services.store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    labels, pressed = _cancelling_at(monkeypatch, "Writing package: encrypting")
    task = panel.export_package(tmp_path / "out" / "changes.rwsync")
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert pressed and labels[0] == "Exporting changes…\nReading changes"
    assert labels[-1] == "Exporting changes…\nWriting package: encrypting"
    assert panel.status.text() == "Export cancelled: no package was written." and panel.problems == []
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert services.store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == audit_before


def test_opening_the_panel_focuses_the_export_choice_with_export_in_view_and_tab_passes_the_ids(qtbot, window):
    """A new officer opened the panel at 1366x768 to find the focus in the read-only Device id box and Export
    changes… below the fold, under this laptop's identity and the trusted devices (set up once). The exchange comes
    first now, the focus on its Export for choice; the id and key stay off the Tab chain but are still reached by
    their Alt letters and copied."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QApplication

    window.resize(1366, 768)
    panel = window.sync_panel
    window.sync_dock.toggleViewAction().trigger()  # View ▸ Sync, as a person opens it
    qtbot.waitUntil(lambda: panel.isVisible() and QApplication.focusWidget() is panel.peer_choice, timeout=10_000)

    scroll = window.sync_dock.widget()
    assert scroll.verticalScrollBar().value() == 0
    bottom = panel.export_button.mapTo(scroll.viewport(), QPoint(0, panel.export_button.height()))
    assert 0 < bottom.y() <= scroll.viewport().height()

    # What Tab visits in the panel (Qt's rule: visible, enabled, takes Tab focus), from the top.
    tabbed = []
    candidate = panel.nextInFocusChain()
    while candidate is not panel and len(tabbed) < 200:
        if (panel.isAncestorOf(candidate) and candidate.isVisibleTo(panel) and candidate.isEnabled()
                and candidate.focusPolicy() & Qt.FocusPolicy.TabFocus):
            tabbed.append(candidate)
        candidate = candidate.nextInFocusChain()
    assert tabbed[0] is panel.peer_choice and panel.export_button in tabbed
    assert panel.device_id not in tabbed and panel.public_key not in tabbed

    clipboard = QApplication.clipboard()
    for key, field, text in ((Qt.Key.Key_D, panel.device_id, panel.device_id.text()),
                             (Qt.Key.Key_Y, panel.public_key, panel.public_key.text())):
        qtbot.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda field=field: QApplication.focusWidget() is field, timeout=5_000)
        clipboard.clear()
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        assert clipboard.text() == text


def test_the_export_file_is_named_for_this_laptop_and_the_time(qtbot, window, services, monkeypatch):
    """Every export was offered as changes.rwsync, so a second export to the same stick overwrote the first: the
    name now says which laptop and when, in UK local time (FIXED_NOW, 17:00 UTC, is 17:00 in November)."""
    from conftest import FIXED_NOW
    from PySide6.QtWidgets import QFileDialog

    services.sync._now = lambda: FIXED_NOW
    offered: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _parent, _title, path, _filter: (offered.append(path), ("", ""))[1])
    panel = window.sync_panel
    panel.passphrase.setText("shared words")
    panel.passphrase_again.setText("shared words")
    assert panel.export_package() is None  # the save dialog was closed: nothing written
    short = services.sync.identity().device_id[:8]
    assert Path(offered[0]).name == f"ruralwatch-{short}-2026-11-24-1700.rwsync"


def test_an_export_asks_for_the_passphrase_twice_and_keeps_both_when_they_differ(qtbot, window, tmp_path):
    """A walk: the passphrase was typed once, so a mistype made a package the station could not open. Exporting
    asks for it again; on a mismatch nothing is written and both boxes keep what was typed. Importing needs it
    once (a wrong one is refused at once), and the panel says who gives it."""
    window.sync_dock.show()
    panel = window.sync_panel
    assert "administrator" in panel.passphrase_hint.text() and panel.passphrase_hint.isVisible()
    panel.passphrase.setText("shared secret")
    panel.passphrase_again.setText("shraed secret")
    target = tmp_path / "mistyped.rwsync"
    assert panel.export_package(target) is None
    assert "differ" in panel.status.text() and "secret" not in panel.status.text()
    assert (panel.passphrase.text(), panel.passphrase_again.text()) == ("shared secret", "shraed secret")
    assert not target.exists() and not window.tasks
    panel.passphrase_again.setText("shared secret")
    with qtbot.waitSignal(panel.exported, timeout=30_000):
        panel.export_package(target)
    assert target.exists()  # (importing takes the one box: see the import tests above, Again left empty)
