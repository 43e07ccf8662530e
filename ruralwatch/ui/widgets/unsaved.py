"""Save, Discard or Cancel: the one question asked wherever typed changes would otherwise be lost."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_save_discard_cancel(parent: QWidget, title: str, question: str, save_text: str = "",
                            discard_text: str = "") -> str:
    """SAVE, DISCARD or CANCEL (also for Escape or the box closed); Save is the default button. `save_text` and
    `discard_text` name what the two buttons do when it is more than saving (e.g. "Save them and move")."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    save = (box.addButton(save_text, QMessageBox.ButtonRole.AcceptRole) if save_text
            else box.addButton(QMessageBox.StandardButton.Save))
    discard = (box.addButton(discard_text, QMessageBox.ButtonRole.DestructiveRole) if discard_text
               else box.addButton(QMessageBox.StandardButton.Discard))
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.exec()
    clicked = box.clickedButton()
    return SAVE if clicked is save else DISCARD if clicked is discard else CANCEL
