"""The incident form as a new Rural Engagement Team officer met it on a laptop: the kind found by a word ("Theft"),
a stolen quad bike's registration in its own column, the stolen items table by keyboard (Tab after "Add item" left
the table and Space added a second, empty row) and a layout that does not move under the pointer at 1366x768."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

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
