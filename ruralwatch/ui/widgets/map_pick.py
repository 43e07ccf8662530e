""""Pick on map": the toggle a form shows beside its grid reference (the incident form, the premises form). While
it is down, the window's MapPicking sends the next map click to the form's set_location, which fills the grid
reference and lets the button up."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton


def pick_on_map_button(tooltip: str) -> QPushButton:
    """A checkable "Pick on map" button (Alt+M, Ctrl+M). It never takes Enter: Enter saves the form, even after
    tabbing past it (Space still picks)."""
    button = QPushButton("Pick on &map")
    button.setCheckable(True)
    button.setToolTip(f"{tooltip} (Ctrl+M)")
    # Ctrl+M as a shortcut of its own: the button's setShortcut replaced the Alt+M its underlined letter shows.
    QShortcut(QKeySequence("Ctrl+M"), button, button.animateClick)
    button.setAutoDefault(False)
    return button
