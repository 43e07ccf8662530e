"""Panels docked in the main window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget


def add_dock(window: QMainWindow, title: str, object_name: str, widget: QWidget,
             area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea, hidden: bool = True) -> QDockWidget:
    """Dock `widget` in `window`. The object name is what QMainWindow.saveState remembers the dock by."""
    dock = QDockWidget(title, window)
    dock.setObjectName(object_name)
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    if hidden:
        dock.hide()
    return dock
