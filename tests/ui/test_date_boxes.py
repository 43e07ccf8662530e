"""Every date and time box leaves with Tab and says when a typed digit is refused (a walk: "year, Tab" typed the
grid reference into the date, as Tab went to the date's next part; typing 08 into Dates away's "to" did nothing)."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit, QLineEdit, QVBoxLayout, QWidget

from ruralwatch.ui.widgets.typing_boxes import select_part_on_click, typing_refusal

UI = Path(__file__).resolve().parents[2] / "ruralwatch" / "ui"
DATE_BOXES = {"QDateEdit", "QDateTimeEdit", "QTimeEdit"}


def _row(qtbot, box: QDateTimeEdit):  # type: ignore[no-untyped-def]
    holder = QWidget()
    layout = QVBoxLayout(holder)
    before, after = QLineEdit(), QLineEdit()
    for widget in (before, box, after):
        layout.addWidget(widget)
    qtbot.addWidget(holder)
    holder.show()
    holder.activateWindow()
    qtbot.waitActive(holder)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    return before, after, holder  # the holder kept: collected, it deletes the boxes


def test_tab_leaves_the_date_box_for_the_next_field(qtbot) -> None:
    box = select_part_on_click(QDateTimeEdit(QDateTime(QDate(2026, 12, 3), QTime(21, 23))))
    box.setDisplayFormat("yyyy-MM-dd HH:mm")
    before, after, _holder = _row(qtbot, box)
    box.setCurrentSectionIndex(0)
    qtbot.keyClick(box, Qt.Key.Key_Tab)  # from the year, the first of five parts
    qtbot.waitUntil(after.hasFocus)
    qtbot.keyClicks(after, "TL 523 123")
    assert box.dateTime() == QDateTime(QDate(2026, 12, 3), QTime(21, 23))
    assert after.text() == "TL 523 123"
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.setCurrentSectionIndex(2)
    qtbot.keyClick(box, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(before.hasFocus)


def test_a_separator_still_moves_to_the_next_part(qtbot) -> None:
    box = select_part_on_click(QDateEdit(QDate(2026, 12, 3)))
    box.setDisplayFormat("yyyy-MM-dd")
    _before, _after, _holder = _row(qtbot, box)
    box.setCurrentSectionIndex(0)
    box.setSelectedSection(box.sectionAt(0))
    qtbot.keyClicks(box, "2025-11-04")
    assert box.date() == QDate(2025, 11, 4)


def test_a_refused_digit_is_said(qtbot) -> None:
    box = select_part_on_click(QDateEdit(QDate(2026, 12, 10)))
    box.setDisplayFormat("yyyy-MM-dd")
    box.setMinimumDate(QDate(2026, 12, 10))  # "to" no earlier than "from"
    _before, _after, _holder = _row(qtbot, box)
    box.setCurrentSectionIndex(1)
    box.setSelectedSection(box.sectionAt(1))
    qtbot.keyClicks(box, "08")  # August is before the first allowed day
    assert box.date() == QDate(2026, 12, 10)
    assert "does not fit the month" in typing_refusal(box)
    assert "2026-12-10" in typing_refusal(box)
    box.setSelectedSection(box.sectionAt(2))
    qtbot.keyClicks(box, "12")
    assert box.date() == QDate(2026, 12, 12)
    assert typing_refusal(box) == ""


def _builds_without_typing(node: ast.AST) -> bool:
    """A function that makes a date box but never sets it up with select_part_on_click."""
    calls = [n.func for n in ast.walk(node) if isinstance(n, ast.Call)]
    names = {c.id if isinstance(c, ast.Name) else c.attr if isinstance(c, ast.Attribute) else "" for c in calls}
    return bool(names & DATE_BOXES) and "select_part_on_click" not in names


def test_every_date_box_of_the_window_is_set_up_the_one_way() -> None:
    left_out = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and _builds_without_typing(node):
                left_out.append(f"{path.relative_to(UI)}:{node.lineno} {node.name}")
            if isinstance(node, ast.ClassDef) and {b.id for b in node.bases if isinstance(b, ast.Name)} & DATE_BOXES:
                init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
                if init is None or "select_part_on_click" not in ast.dump(init):
                    left_out.append(f"{path.relative_to(UI)}:{node.lineno} {node.name}")
    assert left_out == []
