"""Tests on a real X display (the xcb platform under Xvfb with openbox), not offscreen.

The QApplication of a pytest session is made once, on one platform, and the rest of the suite runs offscreen; so
the tests marked `xcb` (test_real_display.py) start their own X server and run the scenario modules
(`xcb_*.py`, which pytest does not collect by itself) in a pytest subprocess on it. The fixtures below are the
scenarios' (they run only in that subprocess, on xcb)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ruralwatch.services.container import Services
from ruralwatch.store import Store


def on_xcb() -> bool:
    return os.environ.get("QT_QPA_PLATFORM") == "xcb"


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    from PySide6.QtCore import QSettings

    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture
def shots() -> Path | None:
    """Where scenarios save screenshots ($RURALWATCH_SCREENSHOTS), or None."""
    folder = os.environ.get("RURALWATCH_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def screenshot(folder: Path | None, name: str) -> None:
    """The whole X screen as `name`.png (as a person sees it: window frame, dialogs, menus)."""
    if folder is None:
        return
    from PySide6.QtWidgets import QApplication

    screen = QApplication.primaryScreen()
    assert screen.grabWindow(0).save(str(folder / f"{name}.png"), "PNG")


@pytest.fixture
def window(qtbot, services: Services, tmp_path: Path) -> Iterator:
    from ruralwatch.ui.main_window import MainWindow

    assert on_xcb(), "scenario modules run on the xcb platform (tests/display/test_real_display.py runs them)"
    win = MainWindow(services, tmp_path / "page")
    problems: list[str] = []
    win.report_problem = lambda title, message: problems.append(f"{title}: {message}")
    win.problems = problems
    with qtbot.waitSignal(win.map.incidents_shown, timeout=60_000):
        win.show()
    yield win
    # A form left with typed input (a scenario that failed half-way) asks before discarding it, in a modal box
    # that no one answers here: the teardown hung in it. Discard without asking.
    for form in win.forms:
        form.confirm = lambda _title, _question: True
    win.dispose()
