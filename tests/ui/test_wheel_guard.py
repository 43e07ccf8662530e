"""The mouse wheel over a box nobody is working in scrolls the page instead of changing the box."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QVBoxLayout, QWidget

from ruralwatch.ui.widgets.wheel_guard import guard_wheel


def _wheel(widget: QWidget) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_past_a_box_without_focus_and_changes_one_with_focus(qtbot, qapp) -> None:
    guard = guard_wheel(qapp)
    try:
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
        area.setFocus()
        _wheel(combo)
        assert combo.currentIndex() == 0  # the person chosen stays chosen
        assert area.verticalScrollBar().value() > 0  # the page scrolled instead
        combo.setFocus()
        qtbot.waitUntil(combo.hasFocus)
        _wheel(combo)
        assert combo.currentIndex() == 1  # working in the box, the wheel still steps through it
    finally:
        qapp.removeEventFilter(guard)
