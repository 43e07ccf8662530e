"""File ▸ Central store conflicts…: the central store's conflicts settled from the window, as `central conflicts` /
`central resolve` settle them, on the PostgreSQL central store set in Settings. Each conflict is a real one: two
laptops edited the same incident's place without seeing each other's edit, and both packages were merged at the
central store. With no central store set the item is greyed and says how to set one (it used to show this
database's own conflicts, which the Sync panel lists)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from two_laptops import EARLY, LATE, edit_places, laptop_sync, record_incident, two_laptops

from ruralwatch.central.review import NO_CENTRAL_STORE
from ruralwatch.store import open_store
from ruralwatch.ui.central_conflicts import CentralConflictsDialog

NOT_SET = NO_CENTRAL_STORE[:1].upper() + NO_CENTRAL_STORE[1:] + "."
WHAT = "The central store's conflicts: both values, who wrote each; keep one or merge them"  # the menu item's tip


def _conflict_on_file(services, tmp_path: Path) -> str:
    """The window's database is a central store file: laptop 1 records an incident, both laptops get it, then each
    changes its place; both packages are merged here (laptop 2's last: its edit is the conflict)."""
    central = services.sync.identity()
    laptops = two_laptops(tmp_path, central.device_id, central.public_key, "Central store", services.sync.trust)
    incident_id = record_incident(laptops[0])
    with laptop_sync(laptops[0]) as sync:
        sync.export(tmp_path / "first.rwsync")
    services.sync.import_package(tmp_path / "first.rwsync")
    for n, path in enumerate(laptops):
        with laptop_sync(path) as sync:
            services.sync.export(tmp_path / f"to{n}.rwsync", since_last_for=sync.identity().device_id)
            sync.import_package(tmp_path / f"to{n}.rwsync")
    edit_places(laptops, incident_id)
    for n, path in enumerate(laptops):
        with laptop_sync(path) as sync:
            sync.export(tmp_path / f"from{n}.rwsync", since_last_for=central.device_id)
        services.sync.import_package(tmp_path / f"from{n}.rwsync")
    return incident_id


@pytest.fixture
def pg_conflict(tmp_path: Path, pg_dsn: str):
    """A PostgreSQL central store holding the conflict, both laptops synced at the station; (laptops, incident id,
    station: a laptop's next Sync with the central store)."""
    from ruralwatch.central.postgres import PgCentral
    from ruralwatch.central.station import sync_with_central
    from ruralwatch.central.target import PgTarget

    target = PgTarget(pg_dsn)
    central, _done = PgCentral.init(target)
    try:
        laptops = two_laptops(tmp_path, central.device_id, central.keys.public_hex(), "HQ", central.trust)
    finally:
        central.close()

    def station(path: Path) -> None:
        with laptop_sync(path) as sync:
            sync_with_central(sync, target)

    incident_id = record_incident(laptops[0])
    for path in (*laptops, laptops[0]):
        station(path)
    edit_places(laptops, incident_id)
    for path in laptops:
        station(path)
    return laptops, incident_id, station


def _open(qtbot, window) -> CentralConflictsDialog:
    window.central_conflicts_action.trigger()  # File ▸ Central store conflicts…
    dialog = window.sync_panel._central_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.found is not None, timeout=30_000)
    return dialog


def test_with_no_central_store_set_the_item_is_greyed_saying_how_to_set_one(qtbot, window, services, tmp_path):
    """A laptop with no central store was offered the item, which then showed this database's own conflicts as the
    central store's: the Sync panel's list again. A central store file opened in the window lists them there."""
    _conflict_on_file(services, tmp_path)
    action, button = window.central_conflicts_action, window.sync_panel.central_conflicts_button
    # What the item does, then why it is greyed (as every greyed action says: window_actions.explain_greyed).
    assert not action.isEnabled() and action.toolTip() == action.statusTip() == f"{WHAT}. {NOT_SET}"
    assert not button.isEnabled() and button.toolTip() == NOT_SET
    assert "File ▸ Settings ▸ Central store" in NOT_SET and "Conflicts to review" in NOT_SET
    assert window.sync_panel.open_central_conflicts() is None and window.sync_panel._central_dialog is None
    assert window.sync_panel.status.text() == NOT_SET
    window.sync_panel.reload()  # the packages were imported behind the panel's back
    assert window.sync_panel.conflicts.rowCount() == 1  # where a central store file's conflicts are settled

    services.sync.set_central_dsn("postgresql://ret3@hq-db/ruralwatch")  # File ▸ Settings ▸ Central store
    qtbot.waitUntil(action.isEnabled, timeout=5_000)
    assert action.statusTip() == action.toolTip() == WHAT
    assert button.isEnabled() and "both values side by side" in button.toolTip()
    services.sync.set_central_dsn("")
    qtbot.waitUntil(lambda: not action.isEnabled(), timeout=5_000)
    assert action.toolTip() == f"{WHAT}. {NOT_SET}"


def test_an_analyst_finds_the_action_greyed_in_the_catalogues_words(qtbot, services, tmp_path):
    from ruralwatch.core.permissions import Actor
    from ruralwatch.ui.main_window import MainWindow

    services.store.actor = Actor("an1", "analyst", "acc-2")
    window = MainWindow(services, tmp_path / "page")
    try:
        window.show()
        said = "Your role may not: trust other devices, see and resolve sync conflicts; RET officers and " \
               "administrators may"
        assert not window.central_conflicts_action.isEnabled()
        assert said in window.central_conflicts_action.toolTip() and said in window.central_conflicts_action.statusTip()
        button = window.sync_panel.central_conflicts_button
        assert not button.isEnabled() and button.toolTip() == said
        assert window.sync_panel.open_central_conflicts() is None
    finally:
        window.dispose()


def test_a_postgresql_central_store_conflict_is_settled_keeping_the_central_stores_value(qtbot, window, services,
                                                                                       pg_conflict, pg_dsn):
    """`central conflicts` / `central resolve` were the only way to settle the central store's conflicts."""
    laptops, incident_id, station = pg_conflict
    services.sync.set_central_dsn(pg_dsn)  # File ▸ Settings ▸ Central store
    dialog = _open(qtbot, window)
    assert dialog.found is not None and dialog.found.engine == "postgresql"
    assert "(PostgreSQL)" in dialog.where.text()
    table = dialog.review.table
    row = [table.item(0, column).text() for column in range(6)]
    assert row == ["Fly-tipping, Farm, by the barn, 2026-11-20", "place", LATE, "RET laptop 1", EARLY,
                   "RET laptop 2"]
    with qtbot.waitSignal(dialog.settled, timeout=30_000) as settled:
        assert dialog.resolve_selected("mine")
    assert settled.args[0].resolution == "mine"
    qtbot.waitUntil(lambda: dialog.found is not None and not dialog.found.conflicts, timeout=30_000)
    assert dialog.status.text() == "No conflicts to review at the central store."
    with psycopg.connect(pg_dsn) as conn:
        (resolution,) = conn.execute("SELECT resolution FROM sync_conflicts").fetchone()
        (detail,) = conn.execute("SELECT detail FROM merge_audit WHERE action = 'resolve'").fetchone()
        (place,) = conn.execute("SELECT place FROM incidents WHERE id = %s", [incident_id]).fetchone()
    assert resolution == "mine" and json.loads(detail)["resolution"] == "mine" and place == LATE
    for path in laptops:  # the decision reaches both laptops with their next package
        station(path)
        store = open_store(path)
        try:
            from ruralwatch.services.incidents import IncidentService

            assert IncidentService(store).get(incident_id).place == LATE
        finally:
            store.close()


def test_a_merged_value_is_typed_in_the_merge_dialog_and_settled_off_the_ui_thread(qtbot, window, services,
                                                                                    pg_conflict, pg_dsn):
    from ruralwatch.ui.conflict_review import MergeDialog

    _laptops, incident_id, _station = pg_conflict
    services.sync.set_central_dsn(pg_dsn)
    dialog = _open(qtbot, window)
    dialog.review.table.selectRow(0)
    shown: list[list[str]] = []

    def fill(merge: MergeDialog) -> int:
        from PySide6.QtWidgets import QLineEdit

        shown.append([box.text() for box in merge.findChildren(QLineEdit) if box.isReadOnly()])
        merge.value.setText("Farm, north gate by the barn")
        merge.submit()
        qtbot.waitUntil(lambda: merge.result() == MergeDialog.DialogCode.Accepted, timeout=30_000)
        return merge.result()

    dialog.run_dialog = fill
    with qtbot.waitSignal(dialog.settled, timeout=30_000):
        assert dialog.resolve_selected("merged")
    assert shown == [[LATE, EARLY]]  # both values in front of you
    with psycopg.connect(pg_dsn) as conn:
        (resolution,) = conn.execute("SELECT resolution FROM sync_conflicts").fetchone()
        (place,) = conn.execute("SELECT place FROM incidents WHERE id = %s", [incident_id]).fetchone()
    assert resolution == "merged" and place == "Farm, north gate by the barn"
