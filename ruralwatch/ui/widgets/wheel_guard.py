"""The mouse wheel scrolls the page, not the list box or number box the pointer happens to pass over.

Scrolling the Roster's selected duty changed "Assign someone" to another person under the pointer (a walk at
1366x768 found it): a box not being worked in (no keyboard focus) passes the wheel to the scroll area round it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget


class WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QEvent.Type.Wheel and isinstance(watched, QComboBox | QAbstractSpinBox)
                and not watched.hasFocus()):
            area = _scroll_area_round(watched)
            if area is not None:
                QCoreApplication.sendEvent(area.viewport(), event)
            return True  # the box keeps its value
        return False


def _scroll_area_round(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def guard_wheel(app: QApplication) -> WheelGuard:
    """Install the guard for every widget of the application (kept alive by the application)."""
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    return guard
