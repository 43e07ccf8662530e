"""The one Save / Discard / Cancel question (ui/widgets/unsaved.py), as the person sees and answers it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ruralwatch.ui.widgets.unsaved import CANCEL, DISCARD, SAVE, ask_save_discard_cancel


def _answer(pressed: str | None, seen: list[list[str]]) -> None:
    """Once the box is up: note its buttons' texts, then press the one whose text starts with `pressed` (None:
    Escape)."""
    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, press)
            return
        seen.append([button.text() for button in box.buttons()])
        if pressed is None:
            box.reject()
            return
        next(b for b in box.buttons() if b.text().replace("&", "").startswith(pressed)).click()
    QTimer.singleShot(0, press)


@pytest.mark.parametrize(("pressed", "expected"), [("Save them", SAVE), ("Move without", DISCARD),
                                                   ("Cancel", CANCEL), (None, CANCEL)])
def test_named_buttons_answer_as_save_discard_and_cancel(qtbot, pressed: str | None, expected: str) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[list[str]] = []
    _answer(pressed, seen)
    answer = ask_save_discard_cancel(parent, "Move the data?", "Settings changed. Save them first?",
                                     "&Save them and move", "&Move without them")
    assert answer == expected
    assert {"&Save them and move", "&Move without them"} <= set(seen[0]) and len(seen[0]) == 3


def test_without_names_the_buttons_are_save_discard_and_cancel(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[list[str]] = []
    _answer("Discard", seen)
    assert ask_save_discard_cancel(parent, "Unsaved", "Save the availability?") == DISCARD
    assert sorted(text.replace("&", "") for text in seen[0]) == ["Cancel", "Discard", "Save"]
