"""A scroll area that brings the keyboard focus into view, however it got there.

Qt's QScrollArea scrolls to a child only when Tab moves the focus. An Alt+letter shortcut to a field below the fold
(the incident form's *Notice served*, the patrol's *Patrol vehicle*), or a button that puts the cursor in a new
table row (*Add vehicle*), left the page where it was: a walk at 1366x768 typed a VRM, a vehicle's make and a
patrol vehicle into boxes it could not see.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

MARGIN = 24  # px of the page kept round the field, so its label and neighbours show too


class FocusFollower(QObject):
    """Owned by its scroll area (gone with it): scrolls the area so the newly focused child shows."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self.scroll = scroll
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    @Slot(QWidget, QWidget)
    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not shiboken6.isValid(self.scroll):
            return  # the form is being closed: its focus moves as its widgets go
        page = self.scroll.widget()
        if new is None or page is None or not page.isAncestorOf(new):
            return
        if QApplication.mouseButtons():
            return  # clicked: it is where the user is looking; the page does not jump under the pointer
        self.scroll.ensureWidgetVisible(new, MARGIN, MARGIN)


def follow_focus(scroll: QScrollArea) -> QScrollArea:
    """`scroll`, which from now on shows whichever of its children takes the keyboard focus."""
    FocusFollower(scroll)
    return scroll
