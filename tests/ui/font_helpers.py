"""Tests under Larger text: the application's font scaled as View ▸ Larger text scales it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def text_scaled(scale: float = 4 / 3) -> Iterator[None]:
    """The application's text `scale` times its size while the block runs (View ▸ Larger text is 4/3), as the
    window applies it (theme.refresh_fonts), and back to what it was after."""
    from PySide6.QtWidgets import QApplication

    from ruralwatch.ui import theme

    app = QApplication.instance()
    normal = app.font()
    larger = app.font()
    larger.setPointSizeF(normal.pointSizeF() * scale)
    app.setFont(larger)
    theme.refresh_fonts(app)
    try:
        yield
    finally:
        app.setFont(normal)
        theme.refresh_fonts(app)
