"""The incident form as a new Rural Engagement Team officer met it on a laptop: the kind found by a word ("Theft"),
a stolen quad bike's registration in its own column, the stolen items table by keyboard (Tab after "Add item" left
the table and Space added a second, empty row) and a layout that does not move under the pointer at 1366x768."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from ruralwatch.services.container import Services


def _form(qtbot, services: Services, width: int = 1000, height: int = 708):
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.resize(width, height)  # the form on a 1366x768 laptop
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    return dialog


def _type_kind(qtbot, dialog, text: str) -> None:
    dialog.kind.setFocus()
    qtbot.waitUntil(lambda: dialog.kind.hasFocus(), timeout=5_000)
    QTest.keyClicks(dialog.kind.lineEdit(), text)


def _listed(dialog) -> list[str]:
    popup = dialog.kind.lineEdit().completer().popup()
    model = popup.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_theft_typed_in_the_kind_box_lists_the_thefts_and_tab_takes_the_first(qtbot, services: Services) -> None:
    dialog = _form(qtbot, services)
    _type_kind(qtbot, dialog, "Theft")
    popup = dialog.kind.lineEdit().completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    assert _listed(dialog) == ["Equipment theft", "Fuel theft", "Farm burglary"]
    QTest.keyClick(popup, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: dialog.kind.currentData() == "equipment_theft", timeout=5_000)
    assert dialog.kind.currentText() == "Equipment theft" and dialog.items_group.isVisibleTo(dialog)


def test_quad_chosen_from_the_list_sets_the_kind_and_its_equipment(qtbot, services: Services) -> None:
    dialog = _form(qtbot, services)
    _type_kind(qtbot, dialog, "quad")
    popup = dialog.kind.lineEdit().completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    assert _listed(dialog)[0] == "Equipment theft (Quad bike / ATV)"
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.kind.currentData() == "equipment_theft", timeout=5_000)
    assert dialog.subkind.currentData() == "quad_atv" and dialog.kind.currentText() == "Equipment theft"


def test_a_word_that_names_no_kind_is_kept_with_no_kind_chosen(qtbot, services: Services) -> None:
    dialog = _form(qtbot, services)
    _type_kind(qtbot, dialog, "traveller")
    dialog.kind.settle()  # as leaving the box does
    assert dialog.kind.currentData() == "unlawful_encampment"
    dialog.kind.setEditText("sheep rustling")
    dialog.kind.settle()
    assert dialog.kind.currentData() is None and dialog.kind.currentText() == "sheep rustling"
    dialog.save()
    assert dialog.saved is None and "Kind: choose the kind of incident" in dialog.error_label.text()


def _editing(qtbot, table, column: int) -> None:
    qtbot.waitUntil(lambda: table.state() == table.State.EditingState and table.currentColumn() == column
                    and table.isAncestorOf(QApplication.focusWidget()), timeout=5_000)


def test_add_item_opens_the_row_for_typing_and_tab_goes_across_its_cells(qtbot, services: Services) -> None:
    dialog = _form(qtbot, services)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    dialog.subkind.setCurrentIndex(dialog.subkind.findData("quad_atv"))
    dialog.grid_ref.setText("TL 61234 32456")
    table = dialog.items.table
    dialog.items.add_button.setFocus()
    QTest.keyClick(dialog.items.add_button, Qt.Key.Key_Space)
    _editing(qtbot, table, 1)  # the description, open, with the keyboard
    for column, text in ((1, "Red quad bike"), (2, "Honda"), (3, "TRX450"), (4, "1hfte40a123456"), (5, "ab12 cde")):
        _editing(qtbot, table, column)
        QTest.keyClicks(QApplication.focusWidget(), text)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    marking = table.cellWidget(0, 6)
    assert isinstance(marking, QComboBox)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is marking, timeout=5_000)
    QTest.keyClick(marking, Qt.Key.Key_Tab)
    _editing(qtbot, table, 7)
    QTest.keyClicks(QApplication.focusWidget(), "4500")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: table.currentColumn() == 8 and QApplication.focusWidget() is table, timeout=5_000)
    QTest.keyClick(table, Qt.Key.Key_Tab)  # past the row's end: the table's buttons
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.items.add_button, timeout=5_000)
    assert table.rowCount() == 1
    QTest.keyClick(dialog.items.add_button, Qt.Key.Key_Space)  # a second row, left empty: not saved
    _editing(qtbot, table, 1)
    with qtbot.waitSignal(dialog.saved_incident, timeout=5_000) as saved:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    items = services.incidents.get(saved.args[0].id).items
    assert [(i["description"], i["make"], i["model"], i["serial_number"], i["vrm"], i["value_pence"])
            for i in items] == [("Red quad bike", "Honda", "TRX450", "1HFTE40A123456", "AB12CDE", 450000)]


def test_a_bad_registration_on_the_second_item_marks_its_own_row(qtbot, services: Services) -> None:
    dialog = _form(qtbot, services)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    dialog.grid_ref.setText("TL 61234 32456")
    for _row in range(3):
        dialog.items.add_button.click()
    dialog.items.commit_edit()
    dialog.items.set_text(0, 1, "Chainsaw")
    dialog.items.set_text(2, 5, "NOT A PLATE 999")  # the second row is empty, not saved: the refusal is of the
    dialog.save()  # second item saved, the table's third row, and says so
    assert dialog.saved is None and "Stolen item 3:" in dialog.error_label.text()
    assert dialog.items.table.item(2, 5).toolTip().endswith("is not a UK registration (e.g. AB12 CDE, A123 BCD, "
                                                            "ABC 123D, 1 ABC, AIZ 1234)")
    assert dialog.items.text(2, 5) == "NOT A PLATE 999"  # kept as typed


def _top(dialog, widget: QWidget) -> int:
    return widget.mapTo(dialog, widget.rect().topLeft()).y()


def _shown(scroll, widget: QWidget) -> bool:
    viewport = scroll.viewport()
    return viewport.rect().contains(QRect(widget.mapTo(viewport, widget.rect().topLeft()), widget.size()))


def test_the_place_line_does_not_move_the_description_and_both_tables_start_in_view(qtbot, services) -> None:
    dialog = _form(qtbot, services)
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    qtbot.waitUntil(lambda: dialog.items_group.isVisible(), timeout=5_000)
    QApplication.processEvents()
    before, height = _top(dialog, dialog.description), dialog.description.height()
    dialog.grid_ref.setText("TL 61234 32456")
    dialog.grid_ref.editingFinished.emit()
    assert dialog.location_note.text() == "In Thaxted, Uttlesford."
    QApplication.processEvents()
    assert (_top(dialog, dialog.description), dialog.description.height()) == (before, height)
    tables = (dialog.items.table, dialog.vehicles.table)
    header_tops = [t.horizontalHeader().mapTo(dialog.scroll.viewport(), t.horizontalHeader().rect().topLeft()).y()
                   for t in tables]
    assert all(0 <= top < dialog.scroll.viewport().height() for top in header_tops), header_tops
    assert _shown(dialog.scroll, dialog.items.table)
