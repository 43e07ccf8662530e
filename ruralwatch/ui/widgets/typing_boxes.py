"""Date and time boxes a person can type into after one click, and leave with Tab: the one way every form's date,
time and date-time boxes behave (`select_part_on_click`)."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QDateTimeEdit, QToolTip, QWidget

# Each part of a box by what a person calls it, for the note on a digit refused.
_PART_NAMES = {
    QDateTimeEdit.Section.YearSection: "year", QDateTimeEdit.Section.MonthSection: "month",
    QDateTimeEdit.Section.DaySection: "day", QDateTimeEdit.Section.HourSection: "hour",
    QDateTimeEdit.Section.MinuteSection: "minutes", QDateTimeEdit.Section.SecondSection: "seconds",
}


class _SelectClickedPart(QObject):
    """The click that enters the box selects its first part (hours, or the day), so a whole time or date typed
    next ("19:30") fills it from the start; a later click in the box selects the part clicked, to change only that.

    Qt only puts the text cursor there: a typed digit is then inserted beside the old ones ("18" becomes "128"),
    is invalid and dropped, and nothing seemed to happen until a double-click selected the part. And a person who
    clicked on the minutes and typed a whole time got "18:19" (a walk-through found it).

    Select all (Ctrl+A) selects the first part too: with the whole text selected Qt drops every digit typed ("1"
    alone is not a time), so a time typed over a select-all was silently ignored.

    A separator typed just after Qt moved to the next part by itself (the part was full) is passed over: Qt took
    it as "next part" once more, so "2026-03-15 14:00" typed whole became 2026-12-03 15:14, a date nobody typed.

    Tab leaves the box for the next field, Shift+Tab for the one before (Qt's Tab went to the box's next part: "year,
    Tab" then typed the grid reference into the date); the parts are reached with the arrow keys or by typing a
    separator. A digit Qt refuses (it cannot make a date, or one in the box's range) is said so beside the box
    (`refusal`), where it was dropped without a word."""

    def __init__(self, edit: QDateTimeEdit) -> None:
        super().__init__(edit)
        self._entering = False
        self._moved_on_by_itself = False  # the last digit typed filled a part and Qt moved to the next
        self.refusal = ""  # what was said about the last digit refused ("" after one taken)

    @property
    def edit(self) -> QDateTimeEdit:
        # The box is this filter's parent, not an attribute: box and filter made a reference cycle, so a box with
        # no parent (roster_people measures one) was left to Python's garbage collector, which deleted it at a
        # moment of its own, once in the middle of QApplication.allWidgets(): a crash (see widget_lists).
        return cast(QDateTimeEdit, self.parent())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and watched is self.edit:
            return self._key(event)
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

    def _key(self, event: QKeyEvent) -> bool:
        """True when the key was dealt with here."""
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self._select_first_part()
            self._moved_on_by_itself = False
            return True
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and not event.modifiers() & ~(
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
            self._moved_on_by_itself = False
            forward = event.key() == Qt.Key.Key_Tab and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            # QWidget's own focus chain, not the date box's override that steps through its parts.
            QWidget.focusNextPrevChild(self.edit, forward)
            return True
        text = event.text()
        if len(text) == 1 and text.isdigit():
            before = self.edit.currentSectionIndex()
            shown = self.edit.lineEdit().text()
            part = self.edit.currentSection()
            self.edit.keyPressEvent(event)  # Qt's own typing, then see whether it moved on
            self._moved_on_by_itself = self.edit.currentSectionIndex() != before
            if self.edit.lineEdit().text() == shown and not self._moved_on_by_itself:
                self._refused(text, part)
            else:
                self.refusal = ""
            return True
        if len(text) == 1 and not text.isalnum():  # a separator: "-", ":", " ", "/"...
            if self._moved_on_by_itself:
                self._moved_on_by_itself = False
                return True  # already in the next part
            return False
        self._moved_on_by_itself = False
        return False

    def _refused(self, digit: str, part: QDateTimeEdit.Section) -> None:
        """Say why a digit typed did nothing, beside the box."""
        name = _PART_NAMES.get(part, "part")
        note = f"{digit} does not fit the {name} here: type over the selected part or use the arrow keys"
        low, high = self.edit.minimumDateTime(), self.edit.maximumDateTime()
        if low.date().year() > 1752 or high.date().year() < 9999:  # a range of the form's, not Qt's own
            shown = self.edit.displayFormat()
            note += f" (from {low.toString(shown)} to {high.toString(shown)})"
        self.refusal = note
        QToolTip.showText(self.edit.mapToGlobal(QPoint(0, self.edit.height())), note, self.edit)

    def _select_first_part(self) -> None:
        self.edit.setCurrentSectionIndex(0)
        self.edit.setSelectedSection(self.edit.sectionAt(0))


def select_part_on_click(edit: QDateTimeEdit) -> QDateTimeEdit:
    """Make one click enough to type over the part of the date or time clicked, Tab leave the box, and a refused
    digit say so (QDateEdit, QTimeEdit too). Every box a date or time is typed into goes through here."""
    selector = _SelectClickedPart(edit)
    edit.installEventFilter(selector)  # focus arrives at the box, clicks at its text
    edit.lineEdit().installEventFilter(selector)
    return edit


def typing_refusal(edit: QDateTimeEdit) -> str:
    """What the box last said about a digit it refused ("" when none, or the box is not set up here)."""
    selector = edit.findChild(_SelectClickedPart)
    return selector.refusal if selector is not None else ""
