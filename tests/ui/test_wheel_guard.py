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


def _spin_page(qtbot, style) -> tuple[QScrollArea, list[QWidget]]:
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QDateEdit, QSpinBox

    page = QWidget()
    layout = QVBoxLayout(page)
    spin = QSpinBox()
    spin.setValue(5)
    date = QDateEdit(QDate(2026, 11, 24))
    for box in (spin, date):
        layout.addWidget(box)
    layout.addSpacing(2000)
    area = QScrollArea()
    area.setWidget(page)
    area.resize(300, 200)
    if style is not None:
        for widget in (area, page, spin, date):
            widget.setStyle(style)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, [spin, date]


def test_the_wheel_scrolls_the_page_past_a_spin_box_or_a_date_unless_it_has_the_focus(qtbot) -> None:
    style = CalmWheelStyle("Fusion")
    area, (spin, date) = _spin_page(qtbot, style)
    area.setFocus()
    for box in (spin, date):
        assert box.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel does not focus it either
        assert not _wheel(box)  # left to the page
    assert spin.value() == 5 and date.date().toString("yyyy-MM-dd") == "2026-11-24"
    spin.setFocus()  # clicked or tabbed into: the wheel steps it
    qtbot.waitUntil(spin.hasFocus)
    assert _wheel(spin) and spin.value() == 4


def test_without_the_guard_a_spin_box_takes_the_wheel(qtbot) -> None:
    area, (spin, _date) = _spin_page(qtbot, None)  # Qt's own behaviour, for contrast
    area.setFocus()
    assert _wheel(spin) and spin.value() == 4


def test_the_application_takes_the_style(qtbot) -> None:
    """As make_application sets it: QStyle.polish's other overloads (the application, a palette) still work."""
    from PySide6.QtWidgets import QSpinBox

    app = QApplication.instance()
    before = app.style().name()
    try:
        QApplication.setStyle(CalmWheelStyle("Fusion"))
        spin = QSpinBox()
        qtbot.addWidget(spin)
        spin.show()
        qtbot.waitExposed(spin)
        assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
        assert not _wheel(spin) and spin.value() == 0
    finally:
        QApplication.setStyle(before)
