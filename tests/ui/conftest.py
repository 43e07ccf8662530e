"""Fixtures for window tests: offscreen Qt, a fresh database, and web views deleted before teardown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store

FIXED_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def answer_questions_yes(monkeypatch):
    """Forms ask before discarding input; in tests the answer is yes unless a test says otherwise."""
    from ruralwatch.ui.accounts_dialog import AccountsDialog
    from ruralwatch.ui.incident_form import IncidentDialog

    monkeypatch.setattr(IncidentDialog, "confirm", lambda self, title, question: True)
    monkeypatch.setattr(AccountsDialog, "confirm", lambda self, title, question: True)


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Each test starts with no remembered settings (window layout, larger text, idle time, last account)."""
    from PySide6.QtCore import QSettings

    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


@pytest.fixture
def hub_service(services: Services) -> IncidentService:
    return services.incidents


@pytest.fixture
def window(qtbot, services: Services, tmp_path: Path) -> Iterator:
    from ruralwatch.ui.main_window import MainWindow
    from ruralwatch.ui.map_view import offline_guard

    guard = offline_guard()  # one per process: start each test with a clean record
    guard.requested.clear()
    guard.blocked.clear()
    win = MainWindow(services, tmp_path / "page")
    problems: list[str] = []
    win.report_problem = lambda title, message: problems.append(f"{title}: {message}")  # no modal boxes in tests
    win.problems = problems
    with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000):
        win.show()
    yield win
    # A QWebEngineView still alive at interpreter exit crashes Qt (exit code 139): delete it now.
    win.dispose()


@pytest.fixture
def demo_service(hub_service: IncidentService) -> IncidentService:
    load_demo(hub_service, count=1200, now=FIXED_NOW)
    return hub_service

