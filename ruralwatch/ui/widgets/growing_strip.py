"""A strip under a scrolling page whose room only grows until given back.

A message or alert under a page, in view however the page is scrolled, changes the page's room as it comes and
goes: more room for a page scrolled to its foot pulled it down, and every button and row under the pointer moved
(a walk at 1366x768 pressed the wrong patrol log button). Growing only, the page's room shrinks from its foot and
nothing on it moves; the owner gives the room back (`reset`) when something else is shown, and (`give_back`) as
much of it as the page can take without anything on it moving (a page at its top, or with room below its view).
"""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget


class GrowingStrip(QWidget):
    """Holds widgets one under the other; never gets shorter until `reset`."""

    def __init__(self, *widgets: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 4)
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)  # room kept after something went is left at its foot, not between its widgets
        # Its own height, never a share of the room the page should have (the stretch above would ask for one).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.size().height() > self.minimumHeight():
            self.setMinimumHeight(event.size().height())

    def give_back(self, most: int) -> None:
        """Shrink by up to `most` pixels towards what it needs now: what the page can take without moving."""
        needed = self.sizeHint().height()
        keep = self.height() - max(0, most)
        self.setMinimumHeight(keep if keep > needed else 0)

    def reset(self) -> None:
        """Its room back to what it needs now (another patrol or form shown)."""
        self.setMinimumHeight(0)
