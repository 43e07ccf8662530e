"""Number boxes that show a stored value as it is stored.

A QDoubleSpinBox rounds what it is given to its decimals: a road factor of 1.355 showed as 1.35 in a 2-decimal box,
a 12.5-minute dwell as 13 in a whole-minute one, and whatever read the box back (a save, a plan retimed on leaving
the box) wrote the rounded value though nobody had changed it. `show_stored` widens the box's decimals (from the
number it was made with, never fewer) until the value shows exactly, up to MOST_DECIMALS; a box for numbers that
may be stored with a fraction is a QDoubleSpinBox (decimals=0 for whole units), never a QSpinBox.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

MOST_DECIMALS = 6
_BASE = "storedNumbersBaseDecimals"  # the decimals the box was made with, kept as a dynamic property


def decimals_for(value: float, at_least: int = 0, most: int = MOST_DECIMALS) -> int:
    """The fewest decimals (at least `at_least`) that write `value` exactly, or `most`."""
    for decimals in range(at_least, most + 1):
        if round(value, decimals) == value:
            return decimals
    return most


def show_stored(box: QDoubleSpinBox, value: float) -> None:
    """Put a stored `value` in `box` as it is stored: with the box's own decimals when they are enough, else with
    as many more as it needs (a later value that needs fewer goes back to the box's own)."""
    base = box.property(_BASE)
    if base is None:
        base = box.decimals()
        box.setProperty(_BASE, base)
    # A value outside the box's range shows as the nearest end (as setValue does): decimals for that.
    box.setDecimals(decimals_for(min(max(value, box.minimum()), box.maximum()), int(base)))
    box.setValue(value)


def typed_or_stored(box: QDoubleSpinBox | QSpinBox, shown: float | None, stored: float) -> float:
    """What a box given a stored value stands for now: `stored` itself while the box still shows `shown` (what it
    showed once given it) and `stored` is within its range, else what is typed. A value with more decimals than
    MOST_DECIMALS shows rounded; read back as shown it would be written again though nobody changed it."""
    if shown is not None and box.value() == shown and box.minimum() <= stored <= box.maximum():
        return stored
    return box.value()


__all__ = ["MOST_DECIMALS", "decimals_for", "show_stored", "typed_or_stored"]
