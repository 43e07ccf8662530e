"""Combo boxes over a vocabulary of (key, label) pairs: the label shown, the key as item data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter

# An entry's text for the closed box, where it differs from its line in the list (ShortTextCombo).
SHORT_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1


def vocab_combo(vocabulary: Iterable[tuple[Any, str]], blank: str | None = None) -> QComboBox:
    """`blank` (e.g. "All kinds") is a first entry whose data is None."""
    combo = QComboBox()
    if blank is not None:
        combo.addItem(blank, None)
    for key, label in vocabulary:
        combo.addItem(label, key)
    return combo


def select_data(combo: QComboBox, key: Any) -> bool:
    """Select the entry whose data is `key`; an unknown key leaves the selection as it was (False)."""
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


class ShortTextCombo(QComboBox):
    """A combo box whose closed box shows the chosen entry's SHORT_TEXT_ROLE, when it has one, instead of its whole
    line: the list can say everything about each entry while the box, narrower, still reads whole."""

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        short = self.currentData(SHORT_TEXT_ROLE)
        if short:
            option.currentText = short
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
