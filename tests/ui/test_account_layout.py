"""The panels are the RuralWatch account's, not the computer login's: a vehicle laptop is shared under one login,
and a coordinator signing in after the analyst found the analyst's panels and docks open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ruralwatch.core.permissions import Actor
from ruralwatch.services.container import Services
from ruralwatch.ui import settings_keys as keys
from ruralwatch.ui.main_window import LAYOUT_VERSION, MainWindow

ADMIN = Actor("admin", "administrator", "acc-admin")
SPECIAL = Actor("sc1", "special", "acc-sc1")


@pytest.fixture
def sign_in(qtbot, services: Services, tmp_path: Path) -> Iterator:
    """Opens the window as an account, as signing in does; each window is closed (its layout saved) by the test."""
    opened: list[MainWindow] = []

    def signing_in(actor: Actor) -> MainWindow:
        services.store.actor = actor
        window = MainWindow(services, tmp_path / f"page{len(opened)}")
        opened.append(window)
        # Closed and disposed without waiting for the map, as a quick sign-out does (test_dispose_while_loading).
        window.show()
        return window

    yield signing_in
    for window in opened:
        window.dispose()


def _open_panels(window: MainWindow) -> set[str]:
    return {dock.objectName() for dock in (window.analysis_dock, window.sync_dock, window.roster_dock,
                                           window.patrol_dock, window.premises_dock) if not dock.isHidden()}


def test_signing_in_as_another_account_brings_its_own_panels(sign_in) -> None:
    admin = sign_in(ADMIN)
    assert _open_panels(admin) == set()  # an administrator starts with the map alone
    admin.analysis_dock.show()
    admin.close()  # Account ▸ Sign out closes the window: its layout is saved for admin

    special = sign_in(SPECIAL)
    assert _open_panels(special) == {"patrolDock"}  # not the administrator's Analysis: the Special's first panel
    special.close()

    again = sign_in(ADMIN)
    assert _open_panels(again) == {"analysisDock"}
    again.close()
    assert _open_panels(sign_in(SPECIAL)) == {"patrolDock"}


def test_each_role_first_finds_the_panel_it_signs_in_for(sign_in) -> None:
    firsts = {}
    for n, role in enumerate(("analyst", "coordinator", "ret_officer", "special", "administrator")):
        window = sign_in(Actor(f"user{n}", role, f"acc-{n}"))
        firsts[role] = _open_panels(window)
        window.close()
    assert firsts == {"analyst": {"analysisDock"}, "coordinator": {"rosterDock"}, "ret_officer": {"patrolDock"},
                      "special": {"patrolDock"}, "administrator": set()}


def test_the_login_wide_layout_of_before_is_not_given_to_an_account(sign_in) -> None:
    """A layout saved per computer login (every panel open) is not restored onto an account that has none; the
    first save removes it."""
    settings = QSettings()
    template = sign_in(ADMIN)
    for dock in (template.analysis_dock, template.sync_dock, template.roster_dock):
        dock.show()
    settings.setValue("main/docks", template.saveState(LAYOUT_VERSION))
    template.close()
    settings.remove(keys.dock_state("admin").key)

    special = sign_in(SPECIAL)
    assert _open_panels(special) == {"patrolDock"}
    special.close()
    assert not settings.contains("main/docks") and settings.contains(keys.dock_state("sc1").key)


def test_a_layout_is_saved_with_the_panels_docked_not_window_wide(qtbot, sign_in) -> None:
    """Roster in front (it has the window's width), the app closed, started again, Analysis clicked: the Analysis
    panel came back about 730 px wide at 1366x768 and the incident table showed only When and Kind (a walk). The
    layout is now saved as the panels are docked beside the incidents (offscreen the window itself gives way, so
    what is checked is the layout at the moment it is saved)."""
    coordinator = sign_in(Actor("coord", "coordinator", "acc-coord"))
    coordinator.resize(1366, 768)
    coordinator.analysis_dock.show()
    coordinator.roster_dock.show()
    coordinator.roster_dock.raise_()
    qtbot.waitUntil(coordinator.roster_has_the_width, timeout=5_000)
    docked = coordinator._docked_width
    assert docked is not None and docked <= int(coordinator.width() * 0.4) + 10
    saved = []
    coordinator.saveState = lambda version: saved.append(  # what the layout is when it is saved
        (coordinator.centralWidget().isHidden(), coordinator.roster_dock.width())) or b""
    coordinator._save_layout()
    (hidden, width), = saved
    assert not hidden and width <= docked + 10
