"""The mouse wheel scrolls the page, never the list box or number box the pointer happens to pass over.

Scrolling the Roster's selected duty changed "Assign someone" to another person under the pointer (a walk at
1366x768 found it); scrolling a form changed a spin box's number or a date box's date the same way. The
application's style tells every list box not to take the wheel, so the wheel goes on to the scroll area round it;
a choice is changed by clicking or with the keyboard. Qt has no such style hint for spin boxes (QSpinBox,
QDoubleSpinBox, QDateEdit, QTimeEdit, QDateTimeEdit all take the wheel): the style, as it polishes each one, gives it
Qt.StrongFocus (the wheel no longer focuses it) and a small filter of its own that leaves the wheel to the page
unless the box has the keyboard focus (clicked or tabbed into: then the wheel steps it, as the user expects).
(An application-wide Python event filter did the same but crashed QtWebEngine's start: the style hint needs no
Python per event, and the spin boxes' filter sees only their own events.)
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QProxyStyle, QStyle, QStyleHintReturn, QStyleOption, QWidget


class SpinWheelGuard(QObject):
    """Installed on spin boxes only: a wheel turn over one without the focus goes on to the page round it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # not accepted: QApplication passes it on to the parent (the page scrolls)
            return True
        return False


def calm_spin_box(box: QAbstractSpinBox, guard: SpinWheelGuard) -> None:
    """A spin box (or date/time box) that the wheel steps only while it has the focus."""
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    box.installEventFilter(guard)  # installing it again (a box polished twice) keeps one


class CalmWheelStyle(QProxyStyle):
    """A style (Fusion, the app's) whose list boxes, spin boxes and date boxes leave the mouse wheel to the page."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.spin_guard = SpinWheelGuard(self)

    def styleHint(self, hint: QStyle.StyleHint, option: QStyleOption | None = None,  # noqa: N802 (Qt's name)
                  widget: QWidget | None = None, returnData: QStyleHintReturn | None = None) -> int:  # noqa: N803
        if hint == QStyle.StyleHint.SH_ComboBox_AllowWheelScrolling:
            return 0
        return super().styleHint(hint, option, widget, returnData)

    def polish(self, target):  # noqa: ANN001, ANN201 - QStyle.polish's overloads: a widget, the app or a palette
        if isinstance(target, QAbstractSpinBox):
            calm_spin_box(target, self.spin_guard)
        return super().polish(target)
