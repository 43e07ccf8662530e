"""Panels docked in the main window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget


class DockScrollArea(QScrollArea):
    """Gives its panel the whole dock, and scrolls only when the dock is smaller than the panel's minimum size.

    QScrollArea's own resizable mode sizes a panel with word-wrapped text to its preferred height for the width
    (heightForWidth), not its minimum: at 1366x768 the Patrols dock then scrolled the whole panel, tab bar and
    all, although each page scrolls itself. Here the panel gets its minimum height for the width."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(False)
        self.setWidget(panel)
        panel.installEventFilter(self)

    def put(self, panel: QWidget) -> None:
        """Show `panel` in place of add_dock's placeholder (a dock's panel is built when it is first wanted)."""
        placeholder = self.takeWidget()
        if placeholder is not None:  # let go of it first: it may be in the middle of an event of its own
            placeholder.removeEventFilter(self)
            placeholder.hide()
            placeholder.deleteLater()
        self.setWidget(panel)
        panel.installEventFilter(self)
        if self.window().isVisible():
            # The scroll area has its place in the window (a hidden dock's too): sized to it now, as a panel built
            # with the window was once the window was laid out; before that, its first LayoutRequest does it.
            self.fit()

    def fit(self) -> None:
        panel = self.widget()
        least = panel.minimumSizeHint().expandedTo(panel.minimumSize())
        room = self.maximumViewportSize()  # the viewport without scroll bars
        layout = panel.layout()
        if layout is not None and layout.hasHeightForWidth():
            # Wrapped text needs more height as the dock narrows: its minimum for this width, not its preferred.
            least.setHeight(max(least.height(),
                                layout.totalMinimumHeightForWidth(max(room.width(), least.width()))))
        if least.height() > room.height():  # a vertical bar will show: it takes width
            room.setWidth(room.width() - self.verticalScrollBar().sizeHint().width())
        if least.width() > room.width():
            room.setHeight(room.height() - self.horizontalScrollBar().sizeHint().height())
        panel.resize(max(room.width(), least.width()), max(room.height(), least.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.fit()  # the panel's minimum may have changed (a page shown, larger text)
        return super().eventFilter(watched, event)


class PanelDock(QDockWidget):
    """A dock that asks for its panel to be built whenever it is about to show (`build(dock)`; the builder does
    nothing once it is built): before the dock is laid out, so it opens as wide as the panel asks, however it is
    shown (its menu entry, `show()`, a restored layout)."""

    def __init__(self, title: str, parent: QWidget, build: Callable[[QDockWidget], object]) -> None:
        super().__init__(title, parent)
        self._build = build

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        if visible:
            self._build(self)
        super().setVisible(visible)


def add_dock(window: QMainWindow, title: str, object_name: str, widget: QWidget | None,
             area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea, hidden: bool = True,
             build: Callable[[QDockWidget], object] | None = None) -> QDockWidget:
    """Dock `widget` in `window`. The object name is what QMainWindow.saveState remembers the dock by. With no
    widget but a `build`, the dock holds an empty placeholder until `build(dock)` puts its panel in
    (`DockScrollArea.put`), as the dock is first shown: a panel nobody opens is not built at start (issue 21).

    The panel sits in a scroll area: a dock's minimum size is otherwise its panel's (the Roster's was 800 px wide),
    and QMainWindow grows the window past the screen to honour it (1772 px wide with Patrols and Roster docked).
    In the scroll area a narrow or short dock scrolls instead."""
    dock = PanelDock(title, window, build) if build is not None else QDockWidget(title, window)
    dock.setObjectName(object_name)
    scroll = DockScrollArea(widget if widget is not None else QWidget())
    scroll.setObjectName(f"{object_name}Scroll")
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setMinimumSize(240, 160)
    dock.setWidget(scroll)
    window.addDockWidget(area, dock)
    if hidden:
        dock.hide()
    return dock
