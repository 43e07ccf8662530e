"""Save, Discard or Cancel: the one question asked wherever typed changes would otherwise be lost."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_save_discard_cancel(parent: QWidget, title: str, question: str) -> str:
    """SAVE, DISCARD or CANCEL (also for Escape or the box closed); Save is the default button."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    save = box.addButton(QMessageBox.StandardButton.Save)
    discard = box.addButton(QMessageBox.StandardButton.Discard)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.exec()
    clicked = box.clickedButton()
    return SAVE if clicked is save else DISCARD if clicked is discard else CANCEL
