"""Date and time boxes a person can type into after one click."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QDateTimeEdit


class _SelectClickedPart(QObject):
    """The click that enters the box selects its first part (hours, or the day), so a whole time or date typed
    next ("19:30") fills it from the start; a later click in the box selects the part clicked, to change only that.

    Qt only puts the text cursor there: a typed digit is then inserted beside the old ones ("18" becomes "128"),
    is invalid and dropped, and nothing seemed to happen until a double-click selected the part. And a person who
    clicked on the minutes and typed a whole time got "18:19" (a walk-through found it).

    Select all (Ctrl+A) selects the first part too: with the whole text selected Qt drops every digit typed ("1"
    alone is not a time), so a time typed over a select-all was silently ignored."""

    def __init__(self, edit: QDateTimeEdit) -> None:
        super().__init__(edit)
        self.edit = edit
        self._entering = False

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.SelectAll)):
            self._select_first_part()
            return True
        if event.type() == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self._entering = event.reason() == Qt.FocusReason.MouseFocusReason
        elif (event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton and not self.edit.lineEdit().hasSelectedText()):
            if self._entering:
                self._select_first_part()
            else:
                self.edit.setSelectedSection(self.edit.currentSection())
            self._entering = False
        return False

    def _select_first_part(self) -> None:
        self.edit.setCurrentSectionIndex(0)
        self.edit.setSelectedSection(self.edit.sectionAt(0))


def select_part_on_click(edit: QDateTimeEdit) -> QDateTimeEdit:
    """Make one click enough to type over the part of the date or time clicked (QDateEdit, QTimeEdit too)."""
    selector = _SelectClickedPart(edit)
    edit.installEventFilter(selector)  # focus arrives at the box, clicks at its text
    edit.lineEdit().installEventFilter(selector)
    return edit
