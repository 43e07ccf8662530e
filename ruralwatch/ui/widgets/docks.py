"""Panels docked in the main window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget


def add_dock(window: QMainWindow, title: str, object_name: str, widget: QWidget,
             area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea, hidden: bool = True) -> QDockWidget:
    """Dock `widget` in `window`. The object name is what QMainWindow.saveState remembers the dock by.

    The panel sits in a scroll area: a dock's minimum size is otherwise its panel's (the Roster's was 800 px wide),
    and QMainWindow grows the window past the screen to honour it (1772 px wide with Patrols and Roster docked).
    In the scroll area a narrow or short dock scrolls instead."""
    dock = QDockWidget(title, window)
    dock.setObjectName(object_name)
    scroll = QScrollArea()
    scroll.setObjectName(f"{object_name}Scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    scroll.setMinimumSize(240, 160)
    dock.setWidget(scroll)
    window.addDockWidget(area, dock)
    if hidden:
        dock.hide()
    return dock
