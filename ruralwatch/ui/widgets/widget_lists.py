"""QApplication.allWidgets() and topLevelWidgets() made safe from Python's garbage collector.

PySide asks Qt for the list of widgets (plain pointers) and then makes a Python object for each, a thousand
allocations in the window: enough for the cyclic garbage collector to run half way through. A widget that only
Python garbage still held (no parent, in a reference cycle) is deleted by that collection, and the rest of the
list then points at freed memory: the next pointer converted crashed the process (exit 139, in refresh_fonts
under Larger text). Holding the collector off while the list is converted closes that gap; once the list
exists, every widget in it is held by it and cannot be collected."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtWidgets import QApplication, QWidget


@contextmanager
def collector_held() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still frees as usual)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _listed(make: Callable[[], list[QWidget]]) -> list[QWidget]:
    with collector_held():
        return make()


def all_widgets() -> list[QWidget]:
    """Every widget of the application (QApplication.allWidgets), converted with the collector held off."""
    return _listed(QApplication.allWidgets)


def top_level_widgets() -> list[QWidget]:
    """The application's top-level widgets (QApplication.topLevelWidgets), with the collector held off."""
    return _listed(QApplication.topLevelWidgets)
