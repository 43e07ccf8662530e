"""Completion lists that close when the keyboard leaves their box."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QComboBox, QWidget


class _CloseListOnLeave(QObject):
    """Hides the box's completion list when the focus moves out of the box.

    An Alt letter (or a click) moved the focus on with the list still open, and a completer's list hands every key
    typed to its own box: on the real display "Uttles", Alt+P, "07700 900125" saved Area "Uttlesford0" and Phone
    "7700 900125". Tab was not affected (the list itself closes on Tab)."""

    def __init__(self, box: QComboBox) -> None:
        super().__init__(box)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    @property
    def box(self) -> QComboBox:
        # The box is this object's parent, not an attribute, so no reference cycle keeps it (see widget_lists).
        return cast(QComboBox, self.parent())

    def _focus_moved(self, old: QWidget | None, new: QWidget | None) -> None:
        box = self.box
        if not isinstance(box, QComboBox):
            return  # the box is being destroyed (its focus moves as it goes)
        mine = (box, box.lineEdit())
        completer = box.completer()
        if old in mine and new not in mine and completer is not None and completer.popup().isVisible():
            completer.popup().hide()


def close_list_on_leave(box: QComboBox) -> None:
    """The completion list of an editable combo box closes when the focus leaves the box, however it leaves."""
    _CloseListOnLeave(box)
