"""The mouse wheel over a list box scrolls the page instead of changing the choice."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QVBoxLayout, QWidget

from ruralwatch.ui.widgets.wheel_guard import CalmWheelStyle


def _wheel(widget: QWidget) -> bool:
    """Turn the wheel over `widget`; whether it took the turn (an event it ignores goes on to the page round it:
    Qt passes a real wheel event to the parent, not one sent like this)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def _page(qtbot) -> tuple[QScrollArea, QComboBox]:
    page = QWidget()
    layout = QVBoxLayout(page)
    combo = QComboBox()
    combo.addItems(["Amelia Archer", "Chloe Osborne", "Dan Vaughan"])
    layout.addWidget(combo)
    layout.addSpacing(2000)
    area = QScrollArea()
    area.setWidget(page)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, combo


def test_the_wheel_scrolls_the_page_past_a_list_box(qtbot) -> None:
    style = CalmWheelStyle("Fusion")
    area, combo = _page(qtbot)
    for widget in (area, combo):
        widget.setStyle(style)
    combo.setFocus()
    assert not _wheel(combo)  # left to the page
    assert combo.currentIndex() == 0  # the person chosen stays chosen


def test_the_guard_is_what_stops_it(qtbot) -> None:
    area, combo = _page(qtbot)  # Qt's own behaviour, for contrast: the test above can fail
    combo.setFocus()
    assert _wheel(combo)
    assert combo.currentIndex() == 1
