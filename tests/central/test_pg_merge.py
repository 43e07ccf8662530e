"""Merging into the PostgreSQL central store gives exactly the SQLite central store's rows (the convergence
property, table by table), keeps conflicts, applies each package once, and two merges at once take turns."""

from __future__ import annotations

import csv
import itertools
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import psycopg
from fixtures.laptops import Laptop, edit_or_delete
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pg_cluster import PgCluster
from pg_helpers import CONFLICT_COLUMNS, merge, new_central, pg_rows

from ruralwatch.central import pg_export, pg_merge
from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.target import PgTarget
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.patrol_plan import PlanStop, stops_to_json
from ruralwatch.core.people import PersonInput
from ruralwatch.io.exports import ExportOptions
from ruralwatch.services.sync import ImportResult
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.store.syncable import SyncTable

FIELD_VALUES = {
    "place": st.sampled_from(["Brook Farm", "Mill Lane", "Top Field", ""]),
    "description": st.text(alphabet="abc \t\\\n'é", max_size=6),
    "status": st.sampled_from(["open", "closed", "under_investigation"]),
    "lat": st.sampled_from([51.9, 52.0, 51.85]),
    "hc_dogs": st.sampled_from([None, 0, 3]),
}
device_index = st.integers(0, 2)
operation = st.one_of(
    st.tuples(st.just("create"), device_index),
    st.tuples(st.just("edit"), device_index, st.integers(0, 20), st.sampled_from(sorted(FIELD_VALUES)), st.data()),
    st.tuples(st.just("delete"), device_index, st.integers(0, 20)),
    st.tuples(st.just("sync"), device_index, device_index, st.booleans()),
)
_names = itertools.count()


def incident(place: str = "Brook Farm", **overrides: Any) -> IncidentInput:
    return IncidentInput(**{"kind": "hare_coursing", "occurred_start": "2026-11-20 09:30", "lat": 51.9, "lon": 0.3,
                            "place": place, **overrides})


def trust_everyone(central: PgCentral | None, receivers: list[Laptop], devices: list[Laptop]) -> None:
    for device in devices:
        identity = device.services.sync.identity()
        if central is not None:
            central.trust(identity.device_id, identity.public_key, device.path.stem)
        for receiver in receivers:
            if receiver is not device:
                receiver.services.sync.trust(identity.device_id, identity.public_key, device.path.stem)


def _sqlite_rows(laptop: Laptop) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for table in SYNCABLE_TABLES:
        cursor = laptop.store.db.execute(f"SELECT * FROM [{table}] ORDER BY id")
        names = [d[0] for d in cursor.description]
        out[table] = [dict(zip(names, row, strict=True)) for row in cursor]
    out["blobs"] = [{"sha256": r[0], "size": r[1], "data": bytes(r[2])}
                    for r in laptop.store.db.execute("SELECT sha256, size, data FROM blobs ORDER BY sha256")]
    return out


def _conflicts(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in rows)


def _apply(receiver: Laptop | PgCentral, path: Path) -> ImportResult:
    return receiver.services.sync.import_package(path) if isinstance(receiver, Laptop) else merge(receiver, path)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=14), data=st.data())
def test_postgresql_and_sqlite_central_stores_converge(pg_cluster: PgCluster, ops: list[tuple], data: st.DataObject
                                                       ) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        devices = [Laptop(folder / f"{name}.db") for name in "abc"]
        opened: list[Laptop | PgCentral] = []
        try:
            trust_everyone(None, devices, devices)
            packages: list[Path] = []
            for op in ops:
                kind, device = op[0], devices[op[1]]
                if kind == "create":
                    device.services.incidents.record(incident())
                elif kind in ("edit", "delete"):
                    changes = {op[3]: op[4].draw(FIELD_VALUES[op[3]])} if kind == "edit" else None
                    edit_or_delete(device.store, op[2], changes)
                else:
                    target = devices[op[2]]
                    if target is device:
                        continue
                    path = folder / f"p{len(packages):03d}.rwsync"
                    device.services.sync.export(path, since_last_for=target.store.device_id if op[3] else None)
                    target.services.sync.import_package(path)
                    packages.append(path)
            for index, device in enumerate(devices):
                path = folder / f"final{index}.rwsync"
                device.services.sync.export(path)
                packages.append(path)

            # The same order into both engines: the same rows and the same conflicts.
            order = data.draw(st.permutations(packages), label="order")
            repeats = data.draw(st.lists(st.sampled_from(packages), max_size=3), label="repeats")
            sqlite_central = Laptop(folder / "central.db")
            pg_central = new_central(pg_cluster.dsn(pg_cluster.new_database()))
            opened += [sqlite_central, pg_central]
            trust_everyone(pg_central, [sqlite_central], devices)
            # Small pipelined batches (a real merge batches 25,000 ids), so packages span several of them.
            batch = data.draw(st.integers(min_value=1, max_value=4), label="pipeline batch")
            with patch.object(pg_merge, "PIPELINE_BATCH_ROWS", batch):
                for path in [*order, *repeats]:
                    assert _apply(sqlite_central, path).status == _apply(pg_central, path).status
            expected = _sqlite_rows(sqlite_central)
            assert pg_rows(pg_central.conn) == expected
            assert _conflicts(pg_central.conn.execute(f"SELECT {CONFLICT_COLUMNS} FROM sync_conflicts").fetchall()) \
                == _conflicts(sqlite_central.store.db.execute(f"SELECT {CONFLICT_COLUMNS} FROM sync_conflicts")
                              .fetchall())

            # Another order, some packages twice: the same rows again.
            other = data.draw(st.permutations(packages), label="another order")
            again = data.draw(st.lists(st.sampled_from(packages), max_size=3), label="more repeats")
            second = new_central(pg_cluster.dsn(pg_cluster.new_database()))
            opened.append(second)
            trust_everyone(second, [], devices)
            for path in [*other, *again]:
                merge(second, path)
            assert pg_rows(second.conn) == expected
        finally:
            for item in [*devices, *opened]:
                item.store.close() if isinstance(item, Laptop) else item.close()


def test_children_tombstones_attachments_and_people_arrive_as_on_sqlite(pg_dsn: str, tmp_path: Path) -> None:
    laptop, sqlite_central = Laptop(tmp_path / "laptop.db"), Laptop(tmp_path / "central.db")
    central = new_central(pg_dsn)
    try:
        trust_everyone(central, [sqlite_central], [laptop])
        photo = tmp_path / "photo.png"
        photo.write_bytes(b"\x89PNG not really")
        first = laptop.services.incidents.record(
            incident(vehicles=[VehicleInput(vrm="AB12 CDE", role="suspect", make="Land Rover")],
                     details={"hc_dogs": 2, "hc_landowner_informed": True}),
            attach=[photo])
        laptop.services.incidents.record(incident(
            "Yard", kind="equipment_theft", subkind="quad_atv",
            items=[StolenItemInput(category="quad_atv", description="red quad", value_gbp="4500")]))
        gone = laptop.services.incidents.record(incident("Mill Lane"))
        laptop.services.incidents.delete(gone.id)
        laptop.services.people.add(PersonInput(name="Sam Special", role="special", phone="07700 900123"))
        package = tmp_path / "1.rwsync"
        laptop.services.sync.export(package, passphrase="secret words")
        applied = merge(central, package, "secret words")
        assert applied.status == "applied" and applied.inserted == applied.rows and applied.blobs == 1
        sqlite_central.services.sync.import_package(package, "secret words")
        assert pg_rows(central.conn) == _sqlite_rows(sqlite_central)
        # Edit, then merge the increment: updates in place, and the points follow the new position.
        laptop.services.incidents.update(first.id, incident(lat=52.05, lon=0.45, details={"hc_dogs": 3}))
        package2 = tmp_path / "2.rwsync"
        laptop.services.sync.export(package2)
        result = merge(central, package2)
        assert result.status == "applied" and result.updated >= 1 and result.inserted == 0
        sqlite_central.services.sync.import_package(package2)
        assert pg_rows(central.conn) == _sqlite_rows(sqlite_central)
        point = central.conn.execute("SELECT ST_X(geom), ST_Y(geom), round(ST_X(geom_bng)), round(ST_Y(geom_bng)) "
                                     "FROM incidents WHERE id = %s", [first.id]).fetchone()
        assert point is not None and point[:2] == (0.45, 52.05)
        from ruralwatch.core.geo import to_bng

        easting, northing = to_bng().transform(0.45, 52.05)  # the bulk conversion the laptops' analysis uses
        assert point[2:] == (round(easting), round(northing))
        assert merge(central, package2).status == "skipped"
    finally:
        central.close()
        laptop.store.close()
        sqlite_central.store.close()


def test_two_merges_at_once_take_turns_and_apply_each_package_once(pg_dsn: str, tmp_path: Path) -> None:
    laptops = [Laptop(tmp_path / f"l{n}.db") for n in range(4)]
    setup = new_central(pg_dsn)
    inbox = tmp_path / "inbox"
    try:
        trust_everyone(setup, [], laptops)
        for n, laptop in enumerate(laptops):
            for k in range(50):
                laptop.record(f"Farm {n}-{k}")
            laptop.services.sync.export(inbox / f"{n}.rwsync")
    finally:
        setup.close()
    results: list[list[ImportResult]] = [[], []]
    barrier = threading.Barrier(2)

    def run(slot: int) -> None:
        central = PgCentral.open(PgTarget(pg_dsn))
        try:
            barrier.wait()
            results[slot] = central.merge_folder(inbox, None)
        finally:
            central.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for laptop in laptops:
        laptop.store.close()
    statuses = [sorted(r.status for r in pair) for pair in zip(*results, strict=True)]
    assert statuses == [["applied", "skipped"]] * 4
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT place) FROM incidents").fetchone() == (200, 200)
        assert conn.execute("SELECT count(*) FROM sync_packages").fetchone() == (4,)
        assert conn.execute("SELECT count(*) FROM merge_audit WHERE action = 'merge'").fetchone() == (4,)


def test_a_patrols_planned_stops_and_route_are_points_and_a_line_for_qgis(pg_dsn: str, tmp_path: Path) -> None:
    laptop = Laptop(tmp_path / "laptop.db")
    central = new_central(pg_dsn)
    try:
        trust_everyone(central, [], [laptop])
        officer = laptop.services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1"))
        record, _ = laptop.services.patrols.create(PatrolInput(day="2026-11-20", start="06:00", end="10:00",
                                                               area="Uttlesford", purpose="hare_coursing_operation",
                                                               crew=[officer.id]))
        start = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
        stops = [PlanStop(seq, f"cell:{seq}", 51.9 + seq / 100, 0.3, f"Stop {seq}", "harm", 1.0,
                          start + timedelta(minutes=30 * seq), start + timedelta(minutes=30 * seq + 15), 15.0, 10.0)
                 for seq in (1, 2, 3)]
        with laptop.store.transaction():
            SyncTable(laptop.store, "patrols").update(record.id, {"plan": stops_to_json(stops)})
        laptop.services.sync.export(tmp_path / "1.rwsync")
        assert merge(central, tmp_path / "1.rwsync").status == "applied"
        found = central.conn.execute("SELECT seq, label, ST_Y(geom), round(ST_Y(geom_bng)) FROM analyst.patrol_stops "
                                     "ORDER BY seq").fetchall()
        assert [(seq, label, lat) for seq, label, lat, _ in found] == [(1, "Stop 1", 51.91), (2, "Stop 2", 51.92),
                                                                       (3, "Stop 3", 51.93)]
        route = central.conn.execute("SELECT stops, ST_NPoints(geom), ST_SRID(geom_bng) FROM analyst.patrol_routes "
                                     "WHERE id = %s", [record.id]).fetchone()
        assert route == (3, 3, 27700)
        # A new plan replaces the stops; a deleted patrol leaves the analysts' views.
        with laptop.store.transaction():
            SyncTable(laptop.store, "patrols").update(record.id, {"plan": stops_to_json(stops[:2])})
        laptop.services.sync.export(tmp_path / "2.rwsync")
        merge(central, tmp_path / "2.rwsync")
        assert central.conn.execute("SELECT count(*) FROM patrol_stops").fetchone() == (2,)
        with laptop.store.transaction():
            SyncTable(laptop.store, "patrols").tombstone(record.id)
        laptop.services.sync.export(tmp_path / "3.rwsync")
        merge(central, tmp_path / "3.rwsync")
        assert central.conn.execute("SELECT count(*) FROM analyst.patrol_routes").fetchone() == (0,)
    finally:
        central.close()
        laptop.store.close()


@given(ids=st.lists(st.sampled_from("abcdefgh"), max_size=30), size=st.integers(min_value=1, max_value=5))
def test_pipelined_batches_split_rows_by_id_and_keep_each_ids_rows_in_file_order(ids: list[str], size: int) -> None:
    rows = [{"id": row_id, "n": n} for n, row_id in enumerate(ids)]
    clocks = [{"*": str(n)} for n in range(len(rows))]
    batches = pg_merge._id_batches(rows, clocks, size)
    seen: set[str] = set()
    for batch_ids, batch_rows, batch_clocks in batches:
        assert 0 < len(batch_ids) <= size and not seen & set(batch_ids)
        seen |= set(batch_ids)
        assert {row["id"] for row in batch_rows} == set(batch_ids)
        assert [row["n"] for row in batch_rows] == sorted(row["n"] for row in batch_rows)  # file order
        assert batch_clocks == [{"*": str(row["n"])} for row in batch_rows]
    assert sorted(row["n"] for _, batch, _ in batches for row in batch) == list(range(len(rows)))
    assert [i for batch_ids, _, _ in batches for i in batch_ids] == list(dict.fromkeys(ids))  # first appearance


def test_a_withdrawn_patrol_event_leaves_the_analysts_view_and_the_export_and_comes_back_restored(
        pg_dsn: str, tmp_path: Path) -> None:
    laptop = Laptop(tmp_path / "laptop.db")
    central = new_central(pg_dsn)
    try:
        trust_everyone(central, [], [laptop])
        patrols = laptop.services.patrols
        officer = laptop.services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1"))
        record, _ = patrols.create(PatrolInput(day="2026-11-20", start="06:00", end="10:00", area="Uttlesford",
                                               purpose="hare_coursing_operation", crew=[officer.id]))
        patrols.start(record.id, at="2026-11-20 06:00")
        patrols.log(record.id, PatrolEventInput(kind="note", at="2026-11-20 06:10", detail="Gate open"))
        mistake = patrols.log(record.id, PatrolEventInput(kind="stop_check", at="2026-11-20 06:20", vrm="AB12 CDE"))
        patrols.withdraw_event(mistake.id, "logged on the wrong patrol")

        def shown(name: str) -> tuple[list[str], list[str]]:
            laptop.services.sync.export(tmp_path / f"{name}.rwsync")
            assert merge(central, tmp_path / f"{name}.rwsync").status == "applied"
            viewed = [r[0] for r in central.conn.execute(
                "SELECT kind FROM analyst.patrol_events WHERE patrol_id = %s ORDER BY at", [record.id])]
            out = tmp_path / f"{name}.csv"
            pg_export.export(central, "csv", out, ExportOptions(what="patrol-events"))
            with out.open(newline="", encoding="utf-8-sig") as handle:
                exported = [row["kind"] for row in csv.DictReader(handle)]
            return viewed, exported

        assert shown("withdrawn") == (["patrol_started", "note"], ["patrol_started", "note"])
        assert central.conn.execute("SELECT count(*) FROM patrol_events WHERE withdrawn_at IS NOT NULL"
                                    ).fetchone() == (1,)  # kept in the table, as on the laptop
        patrols.restore_event(mistake.id, "it was this patrol")
        assert shown("restored")[0] == ["patrol_started", "note", "stop_check"]
    finally:
        central.close()
        laptop.store.close()
