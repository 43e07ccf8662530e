"""Combo boxes over a vocabulary of (key, label) pairs: the label shown, the key as item data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtWidgets import QComboBox


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
