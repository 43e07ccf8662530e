"""The mouse wheel scrolls the page, never the list box the pointer happens to pass over.

Scrolling the Roster's selected duty changed "Assign someone" to another person under the pointer (a walk at
1366x768 found it). The application's style tells every list box not to take the wheel, so the wheel goes on to
the scroll area round it; a choice is changed by clicking or with the keyboard. (An application-wide Python event
filter did the same but crashed QtWebEngine's start: the style hint needs no Python per event.)
"""

from __future__ import annotations

from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleHintReturn, QStyleOption, QWidget


class CalmWheelStyle(QProxyStyle):
    """A style (Fusion, the app's) whose list boxes leave the mouse wheel to the page."""

    def styleHint(self, hint: QStyle.StyleHint, option: QStyleOption | None = None,  # noqa: N802 (Qt's name)
                  widget: QWidget | None = None, returnData: QStyleHintReturn | None = None) -> int:  # noqa: N803
        if hint == QStyle.StyleHint.SH_ComboBox_AllowWheelScrolling:
            return 0
        return super().styleHint(hint, option, widget, returnData)
