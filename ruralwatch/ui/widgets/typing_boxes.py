"""Date and time boxes a person can type into after one click."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QDateTimeEdit


class _SelectClickedPart(QObject):
    """A click leaves the part clicked (hours, minutes, day…) selected, so digits typed next replace it.

    Qt only puts the text cursor there: a typed digit is then inserted beside the old ones ("18" becomes "128"),
    is invalid and dropped, and nothing seemed to happen until a double-click selected the part."""

    def __init__(self, edit: QDateTimeEdit) -> None:
        super().__init__(edit)
        self.edit = edit

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton and not self.edit.lineEdit().hasSelectedText()):
            self.edit.setSelectedSection(self.edit.currentSection())
        return False


def select_part_on_click(edit: QDateTimeEdit) -> QDateTimeEdit:
    """Make one click enough to type over the part of the date or time clicked (QDateEdit, QTimeEdit too)."""
    edit.lineEdit().installEventFilter(_SelectClickedPart(edit))
    return edit
