"""What the map tests share: a map view shown and ready (torn down with its page), and JavaScript run on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent


@contextmanager
def shown_map(qtbot: Any, folder: Path, size: tuple[int, int] = (800, 600)) -> Iterator[Any]:
    """A MapView of `size`, shown, once its page is ready; closed and deleted afterwards."""
    from ruralwatch.ui.map_view import MapView

    view = MapView(folder)
    view.resize(*size)
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show()
    try:
        yield view
    finally:
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run_js(qtbot: Any, view: Any, script: str) -> Any:
    """The value of `script` on the map page (waited for, no sleep)."""
    result: list[object] = []
    view.run_js(script, result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return result[0]
