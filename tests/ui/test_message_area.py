"""The shared inline message area: a message appearing, growing or going moves nothing around it."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from ruralwatch.ui.widgets import MessageArea


def where(root: QWidget, *widgets: QWidget) -> list[tuple[int, int]]:
    """Where each widget is in `root`, to within the 2-pixel outline a marked field takes (a box it makes taller
    moves what follows by that much, never onto another control); a message's room is lines, not pixels."""
    QApplication.processEvents()  # the layouts settle (a posted LayoutRequest), no waiting on a timer
    spots = [w.mapTo(root, QPoint(0, 0)) for w in widgets]
    return [(p.x() // 8, (p.y() + 4) // 8) for p in spots]


def test_a_message_keeps_its_room_while_hidden_and_a_long_one_scrolls_inside_it(qtbot) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    layout.addWidget(QLabel("A form"))
    message = MessageArea(2)
    message.hide()
    layout.addWidget(message)
    button = QPushButton("Save")
    layout.addWidget(button)
    layout.addStretch()
    page.resize(300, 400)
    page.show()
    qtbot.waitExposed(page)
    before = where(page, button)
    message.setText("Saved.")
    message.show()
    assert where(page, button) == before
    message.setText("Not saved: " + "a reason that runs over many lines of a narrow form, " * 8)
    assert where(page, button) == before
    assert message.overflows() and message.text().startswith("Not saved")
    message.hide()
    assert where(page, button) == before
