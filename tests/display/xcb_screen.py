"""Run by test_real_display.py on Xvfb at one screen size: the window, with any combination of the panels
open, lies on the screen, and the map keeps a usable width."""

from __future__ import annotations

import itertools

from conftest import screenshot
from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtWidgets import QWidget

MIN_MAP_WIDTH = 300


class Painted(QObject):
    """Counts the paint events of a widget (a screenshot waits for the first one after a panel opens)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.update()
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _visible_rect(widget: QWidget) -> QRect:
    """The part of `widget` that can be seen, in screen coordinates (clipped by every parent)."""
    rect = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        rect = rect.intersected(QRect(parent.mapToGlobal(QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect


def outside(window, screen: QRect) -> list[str]:
    found = []
    if not screen.contains(window.frameGeometry()):
        found.append(f"the window's frame {window.frameGeometry()}")
    for widget in window.findChildren(QWidget):
        if widget.isVisible() and widget.isWindow() is False:
            rect = _visible_rect(widget)
            if not rect.isEmpty() and not screen.contains(rect):
                found.append(f"{type(widget).__name__} {widget.objectName()!r} at {rect}")
    return found


def test_the_window_fits_the_screen_with_every_combination_of_panels(qtbot, window, shots) -> None:
    screen = window.screen().availableGeometry()
    qtbot.waitUntil(lambda: outside(window, screen) == [], timeout=10_000)
    docks = {"analysis": window.analysis_dock, "sync": window.sync_dock, "roster": window.roster_dock,
             "patrols": window.patrol_dock}
    seen = []
    for count in range(len(docks) + 1):
        for combination in itertools.combinations(docks, count):
            for name, dock in docks.items():
                toggle = dock.toggleViewAction()
                if toggle.isChecked() != (name in combination):
                    toggle.trigger()  # as the menu entry or its shortcut does
            # Open panels share one tab group: one of them (the last opened, raised) is on screen.
            if combination:
                qtbot.waitUntil(lambda c=combination: any(docks[name].isVisible() for name in c), timeout=5_000)
            try:
                qtbot.waitUntil(lambda: outside(window, screen) == [], timeout=5_000)
            except Exception as exc:
                raise AssertionError(f"{combination}: outside {screen}: {outside(window, screen)}") from exc
            assert window.map.width() >= MIN_MAP_WIDTH, (combination, window.map.width())
            assert window.statusBar().isVisible()
            seen.append(combination)
            if combination == ("patrols",) and shots is not None:
                painted = Painted(window.patrol_panel.tabs)
                qtbot.waitUntil(lambda p=painted: p.count > 0, timeout=5_000)
                screenshot(shots, f"window-{screen.width()}x{screen.height()}-patrols")
    assert len(seen) == 16
    # Closing the panels leaves the window on the screen (it stayed too wide after closing Patrols).
    for dock in docks.values():
        if dock.toggleViewAction().isChecked():
            dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: outside(window, screen) == [], timeout=5_000)
