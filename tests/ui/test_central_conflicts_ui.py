"""File ▸ Central store conflicts…: the central store's conflicts settled from the window, as `central conflicts` /
`central resolve` settle them, on a central store file (the window's own database) and on PostgreSQL. Each conflict
is a real one: two laptops edited the same incident's place without seeing each other's edit, and both packages
were merged at the central store."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.sync import SyncService
from ruralwatch.store import open_store
from ruralwatch.ui.central_conflicts import CentralConflictsDialog

LATE, EARLY = "Farm, north gate", "Farm, by the barn"


def _edit_place(store_path: Path, incident_id: str, place: str) -> None:
    store = open_store(store_path)
    try:
        incidents = IncidentService(store)
        edited = incidents.get(incident_id).to_input()
        edited.place = place
        incidents.update(incident_id, edited)
    finally:
        store.close()


def _sync(path: Path):
    store = open_store(path)
    return store, SyncService(store)


def _conflict_on_file(services, tmp_path: Path) -> str:
    """The window's database is the central store: laptop 1 records an incident, both laptops get it, then each
    changes its place; both packages are merged here (laptop 2's last: its edit is the conflict)."""
    laptops = [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    central = services.sync.identity()
    for n, path in enumerate(laptops, start=1):
        store, sync = _sync(path)
        try:
            me = sync.identity()
            sync.trust(central.device_id, central.public_key, "Central store")
            services.sync.trust(me.device_id, me.public_key, f"RET laptop {n}")
        finally:
            store.close()
    store = open_store(laptops[0])
    try:
        incident = IncidentService(store).record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                               lat=51.9, lon=0.3, place="Farm"))
        SyncService(store).export(tmp_path / "first.rwsync")
    finally:
        store.close()
    services.sync.import_package(tmp_path / "first.rwsync")
    ids = []
    for n, path in enumerate(laptops):
        store, sync = _sync(path)
        try:
            ids.append(sync.identity().device_id)
            services.sync.export(tmp_path / f"to{n}.rwsync", since_last_for=ids[-1])
            sync.import_package(tmp_path / f"to{n}.rwsync")
        finally:
            store.close()
    _edit_place(laptops[0], incident.id, LATE)
    _edit_place(laptops[1], incident.id, EARLY)
    for n, path in enumerate(laptops):
        store, sync = _sync(path)
        try:
            sync.export(tmp_path / f"from{n}.rwsync", since_last_for=central.device_id)
        finally:
            store.close()
        services.sync.import_package(tmp_path / f"from{n}.rwsync")
    return incident.id


def _open(qtbot, window) -> CentralConflictsDialog:
    window.central_conflicts_action.trigger()  # File ▸ Central store conflicts…
    dialog = window.sync_panel._central_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.found is not None, timeout=30_000)
    return dialog


def test_a_central_store_file_conflict_is_listed_side_by_side_and_settled_keeping_theirs(qtbot, window, services,
                                                                                       tmp_path):
    """`central conflicts` / `central resolve` were the only way to settle the central store's conflicts."""
    incident_id = _conflict_on_file(services, tmp_path)
    dialog = _open(qtbot, window)
    assert "this database" in dialog.where.text()
    table = dialog.review.table
    assert table.rowCount() == 1
    row = [table.item(0, column).text() for column in range(7)]
    assert row == ["Fly-tipping, Farm, by the barn, 2026-11-20", "place", LATE, "RET laptop 1", EARLY,
                   "RET laptop 2", "RET laptop 2"]
    assert dialog.review.keep_mine.text() == "Keep mi&ne (RET laptop 1)"
    with qtbot.waitSignal(dialog.settled, timeout=30_000) as settled:
        assert dialog.resolve_selected("theirs")
    assert settled.args[0].resolution == "theirs"
    qtbot.waitUntil(lambda: dialog.found is not None and not dialog.found.conflicts, timeout=30_000)
    assert services.incidents.get(incident_id).place == EARLY
    assert services.sync.conflicts() == [] and window.sync_panel.conflicts.rowCount() == 0
    assert dialog.status.text() == "No conflicts to review at the central store."
    from ruralwatch.services.audit import AuditService
    from ruralwatch.store.syncable import RESOLVE_ACTION

    (entry,) = AuditService(services.store).entries(action=RESOLVE_ACTION)  # audited as `sync resolve` is
    assert entry.record_id == incident_id and "theirs" in json.dumps(entry.changes)


def test_a_merged_value_is_typed_in_the_merge_dialog_and_settled_off_the_ui_thread(qtbot, window, services,
                                                                                    tmp_path):
    from ruralwatch.ui.conflict_review import MergeDialog

    incident_id = _conflict_on_file(services, tmp_path)
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
    assert services.incidents.get(incident_id).place == "Farm, north gate by the barn"
    (settled,) = services.sync.conflicts(include_resolved=True)
    assert settled.resolution == "merged"


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
                                                                                       tmp_path, pg_dsn):
    from ruralwatch.central.postgres import PgCentral
    from ruralwatch.central.station import sync_with_central
    from ruralwatch.central.target import PgTarget

    target = PgTarget(pg_dsn)
    central, _done = PgCentral.init(target)
    laptops = [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    try:
        for n, path in enumerate(laptops, start=1):
            store, sync = _sync(path)
            try:
                me = sync.identity()
                sync.trust(central.device_id, central.keys.public_hex(), "HQ")
                central.trust(me.device_id, me.public_key, f"RET laptop {n}")
            finally:
                store.close()
    finally:
        central.close()

    def station(path: Path) -> None:
        store, sync = _sync(path)
        try:
            sync_with_central(sync, target)
        finally:
            store.close()

    store = open_store(laptops[0])
    try:
        incident = IncidentService(store).record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                               lat=51.9, lon=0.3, place="Farm"))
    finally:
        store.close()
    for path in (*laptops, laptops[0]):
        station(path)
    _edit_place(laptops[0], incident.id, LATE)
    _edit_place(laptops[1], incident.id, EARLY)
    for path in laptops:
        station(path)
    services.sync.set_central_dsn(pg_dsn)  # File ▸ Settings ▸ Central store

    dialog = _open(qtbot, window)
    assert dialog.found is not None and dialog.found.engine == "postgresql"
    table = dialog.review.table
    row = [table.item(0, column).text() for column in range(6)]
    assert row == ["Fly-tipping, Farm, by the barn, 2026-11-20", "place", LATE, "RET laptop 1", EARLY,
                   "RET laptop 2"]
    with qtbot.waitSignal(dialog.settled, timeout=30_000):
        assert dialog.resolve_selected("mine")
    qtbot.waitUntil(lambda: dialog.found is not None and not dialog.found.conflicts, timeout=30_000)
    with psycopg.connect(pg_dsn) as conn:
        (resolution,) = conn.execute("SELECT resolution FROM sync_conflicts").fetchone()
        (detail,) = conn.execute("SELECT detail FROM merge_audit WHERE action = 'resolve'").fetchone()
        (place,) = conn.execute("SELECT place FROM incidents WHERE id = %s", [incident.id]).fetchone()
    assert resolution == "mine" and json.loads(detail)["resolution"] == "mine" and place == LATE
    for path in laptops:  # the decision reaches both laptops with their next package
        station(path)
        store = open_store(path)
        try:
            assert IncidentService(store).get(incident.id).place == LATE
        finally:
            store.close()
