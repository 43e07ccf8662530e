"""Demo rows stay on the laptop that loaded them (ruralwatch.sync.demo_rows): two laptops with the demo loaded a day
apart sync through the central store without a conflict, the central store holds none of it, real rows still
travel, removing the demo afterwards still works, and a package from an older RuralWatch that still carries demo
rows has them left out, counted."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.laptops import Laptop, trust_each_other
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.services.demo import load_demo, load_demo_premises, remove_demo_premises
from ruralwatch.services.demo_set import load_demo_set, remove_demo_set
from ruralwatch.store import Store
from ruralwatch.store.audit import audit_for
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.store.syncable import SyncTable
from ruralwatch.sync import demo_rows
from ruralwatch.sync.package import Contents, PackageReader

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
COUNT = 30


def demo_count(store: Store) -> int:
    """Demo rows held, by the rule's own SQL, in every syncable table."""
    total = 0
    for table in SYNCABLE_TABLES:
        found = demo_rows.condition(table, "r")
        if found:
            total += store.db.execute(f"SELECT COUNT(*) FROM [{table}] AS r WHERE {found}").fetchone()[0]
    return total


def live_real_places(store: Store) -> set[str]:
    return {row[0] for row in store.db.execute("SELECT place FROM incidents WHERE deleted = 0 AND synthetic = 0")}


def conflicts(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM sync_conflicts").fetchone()[0])


def real_incident(laptop: Laptop, place: str) -> str:
    return laptop.services.incidents.record(IncidentInput(
        kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9, lon=0.3, place=place,
        vehicles=[VehicleInput(vrm="AB12 CDE")])).id


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, Laptop]]:
    a, b, central = (Laptop(tmp_path / f"{name}.db") for name in ("laptop-a", "laptop-b", "central"))
    trust_each_other(a, b, central)
    try:
        yield a, b, central
    finally:
        for laptop in (a, b, central):
            laptop.store.close()


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_the_rule_names_every_flagged_table_and_every_foreign_key_to_one(store: Store) -> None:
    flagged = {t for t in SYNCABLE_TABLES if "synthetic" in store.db[t].columns_dict}
    assert set(demo_rows.FLAGGED) == flagged
    links = {table: {(fk.column, fk.other_table) for fk in store.db[table].foreign_keys if fk.other_table in flagged}
             for table in SYNCABLE_TABLES}
    assert {table: set(found) for table, found in demo_rows.PARENTS.items()} == \
        {table: found for table, found in links.items() if found}
    assert set(demo_rows.LISTED) <= set(SYNCABLE_TABLES)


def test_leave_out_takes_flagged_rows_their_children_held_parents_children_and_their_files() -> None:
    contents = Contents(
        tables={
            "incidents": [{"id": "demo", "synthetic": 1}, {"id": "real", "synthetic": 0}],
            "incident_vehicles": [{"id": "v1", "incident_id": "demo"}, {"id": "v2", "incident_id": "real"},
                                  {"id": "v3", "incident_id": "held-demo"}, {"id": "v4", "incident_id": "held-real"}],
            "attachments": [{"id": "f1", "incident_id": "demo", "sha256": "only-demo"},
                            {"id": "f2", "incident_id": "demo", "sha256": "shared"},
                            {"id": "f3", "incident_id": "real", "sha256": "shared"}],
            "duty_assignments": [{"id": "d1", "duty_id": "real-duty", "person_id": "held-demo-person"}],
            "watchlist_vehicles": [{"id": "w1", "source": demo_rows.DEMO_LIST_SOURCE},
                                   {"id": "w2", "source": "ANPR hotlist"}],
        },
        blobs={"only-demo": b"x", "shared": b"y"},
        clocks={"incidents": [{"*": "1"}, {"*": "2"}]},
    )
    asked: list[tuple[str, list[str]]] = []

    def held(table: str, ids: list[str]) -> set[str]:
        asked.append((table, ids))
        return {i for i in ids if i.startswith("held-demo")}

    assert demo_rows.leave_out(contents, held) == 7
    assert [r["id"] for r in contents.tables["incidents"]] == ["real"]
    assert contents.clocks["incidents"] == [{"*": "2"}]  # the clocks stay beside their rows
    assert [r["id"] for r in contents.tables["incident_vehicles"]] == ["v2", "v4"]
    assert [r["id"] for r in contents.tables["attachments"]] == ["f3"]
    assert contents.tables["duty_assignments"] == []
    assert [r["id"] for r in contents.tables["watchlist_vehicles"]] == ["w2"]
    assert set(contents.blobs) == {"shared"}  # a file a real attachment still uses stays
    assert ("incidents", ["held-demo", "held-real"]) in asked  # only ids the package did not settle


# --- two laptops and the central store -------------------------------------------------------------------------


def test_demo_on_two_laptops_a_day_apart_syncs_without_conflicts_and_never_reaches_the_central_store(
        world: tuple[Laptop, Laptop, Laptop], tmp_path: Path) -> None:
    a, b, central = world
    load_demo_set(a.services, count=COUNT, now=NOW)
    load_demo_set(b.services, count=COUNT, now=NOW + timedelta(days=1))  # its dates (reported_at...) differ
    held_a, held_b = demo_count(a.store), demo_count(b.store)
    real_incident(a, "Real farm A")
    real_incident(b, "Real farm B")
    hub = central.store.device_id

    assert a.services.sync.pending(hub) == 2  # the real incident and its vehicle; demo rows are not pending
    exported = a.services.sync.export(tmp_path / "a.rwsync", since_last_for=hub)
    assert sum(exported.rows.values()) == 2 and exported.demo_left_out == held_a
    assert "demo rows stay on this laptop" in exported.demo_note()
    merged = central.services.sync.import_package(tmp_path / "a.rwsync")
    assert (merged.inserted, merged.updated, merged.conflicts, merged.demo_left_out) == (2, 0, 0, 0)
    from_b = b.send_to(central, tmp_path)
    assert (from_b.inserted, from_b.updated, from_b.conflicts) == (2, 0, 0)
    to_a, to_b = central.send_to(a, tmp_path), central.send_to(b, tmp_path)
    assert (to_a.inserted, to_a.updated, to_a.conflicts) == (2, 0, 0)
    assert (to_b.inserted, to_b.updated, to_b.conflicts) == (2, 0, 0)

    assert demo_count(central.store) == 0
    assert live_real_places(central.store) == live_real_places(a.store) == live_real_places(b.store) \
        == {"Real farm A", "Real farm B"}
    assert conflicts(a.store) == conflicts(b.store) == conflicts(central.store) == 0
    assert (demo_count(a.store), demo_count(b.store)) == (held_a, held_b)  # each keeps only its own demo
    for laptop in (a, b, central):
        verified = audit_for(laptop.store).verify()
        assert verified.ok, verified.summary()

    # Removing the demo afterwards still works, its tombstones stay here too, and real rows still sync.
    removed = remove_demo_set(a.services)
    assert removed.incidents >= COUNT and a.services.incidents.has_synthetic() is False
    real_id = real_incident(a, "Real farm A2")
    a.services.incidents.update(real_id, IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                       lat=51.9, lon=0.3, place="Real farm A2, edited"))
    after = a.send_to(central, tmp_path)
    assert (after.inserted, after.conflicts, after.demo_left_out) == (2, 0, 0)
    assert central.send_to(b, tmp_path).conflicts == 0
    assert "Real farm A2, edited" in live_real_places(b.store)
    assert b.services.incidents.has_synthetic()  # B's demo is its own: A's removal never reached it
    assert demo_count(central.store) == 0
    # Loading it again on A brings it back, still only on A.
    assert load_demo_set(a.services, count=COUNT, now=NOW).incidents >= COUNT
    again = a.send_to(central, tmp_path)  # the real rows went with the last package: nothing, and no demo row
    assert (again.rows, again.inserted, again.updated, again.conflicts) == (0, 0, 0, 0)
    assert demo_count(central.store) == 0


def test_a_demo_person_on_a_real_patrol_stays_behind_and_the_patrol_travels(world: tuple[Laptop, Laptop, Laptop],
                                                                            tmp_path: Path) -> None:
    """A real row that names a demo row by foreign key (a crew place) is demo too; the real patrol goes without it."""
    from ruralwatch.core.patrol import PatrolInput

    a, _b, central = world
    load_demo_set(a.services, count=COUNT, now=NOW)
    crew = sorted(a.services.people.list(), key=lambda p: p.name)[:2]
    patrol, _ = a.services.patrols.create(PatrolInput(day="2026-11-20", start="20:00", end="23:00", area="Uttlesford",
                                                      purpose="general_rural_patrol", title="Real evening patrol",
                                                      crew=[p.id for p in crew]))
    assert a.store.db.execute("SELECT COUNT(*) FROM patrol_crew WHERE patrol_id = ?", [patrol.id]).fetchone()[0] == 2
    result = a.send_to(central, tmp_path)
    assert (result.inserted, result.conflicts) == (1, 0)
    assert central.store.db.execute("SELECT title, synthetic FROM patrols").fetchall() == [("Real evening patrol", 0)]
    assert central.store.db.execute("SELECT COUNT(*) FROM patrol_crew").fetchone()[0] == 0
    assert demo_count(central.store) == 0


def test_a_package_from_an_older_ruralwatch_has_its_demo_rows_left_out_and_counted(
        world: tuple[Laptop, Laptop, Laptop], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, central = world
    load_demo_set(a.services, count=COUNT, now=NOW)
    load_demo(b.services.incidents, count=COUNT, now=NOW + timedelta(days=1))
    real_incident(a, "Real farm A")
    held = demo_count(a.store)
    with monkeypatch.context() as old:  # what an export did before the rule: every row
        old.setattr(demo_rows, "real_rows", lambda _table, _alias: "1 = 1")
        old.setattr(demo_rows, "condition", lambda _table, _alias: None)
        a.services.sync.export(tmp_path / "old.rwsync")
    carried = PackageReader(tmp_path / "old.rwsync").contents(None, SYNCABLE_TABLES).row_count()
    assert carried == held + 2

    merged = central.services.sync.import_package(tmp_path / "old.rwsync")
    assert (merged.rows, merged.inserted, merged.demo_left_out, merged.conflicts) == (carried, 2, held, 0)
    assert "demo rows left out" in merged.demo_note()
    assert demo_count(central.store) == 0 and live_real_places(central.store) == {"Real farm A"}
    entry = central.store.db.execute("SELECT changes FROM audit_log WHERE action = 'merge'").fetchone()[0]
    assert json.loads(entry)["demo_left_out"] == held
    # A laptop with its own demo (the same ids, other dates) takes the old package without a conflict either.
    into_b = b.services.sync.import_package(tmp_path / "old.rwsync")
    assert (into_b.inserted, into_b.updated, into_b.conflicts, into_b.demo_left_out) == (2, 0, 0, held)


def test_children_of_a_demo_row_held_here_are_left_out_even_without_their_parent(
        world: tuple[Laptop, Laptop, Laptop], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older laptop edited a vehicle of its demo incident after the incident was sent: the package carries the
    vehicle alone, and the receiver knows its incident as a demo row (from that laptop's earlier package)."""
    a, _b, central = world
    load_demo(a.services.incidents, count=COUNT, now=NOW)
    cursor = a.store.db.execute("SELECT * FROM incidents")
    names = [d[0] for d in cursor.description]
    with central.store.transaction():  # the demo incidents, as an older central store took them in
        central.store.db["incidents"].insert_all([dict(zip(names, row, strict=True)) for row in cursor])
    children = sum(a.store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                   for t in ("incident_vehicles", "stolen_items"))
    assert children
    with monkeypatch.context() as old:  # an older laptop's package with the children but not their incidents
        old.setattr(demo_rows, "real_rows", lambda table, _alias: "0 = 1" if table == "incidents" else "1 = 1")
        a.services.sync.export(tmp_path / "children.rwsync")
    merged = central.services.sync.import_package(tmp_path / "children.rwsync")
    assert (merged.status, merged.inserted, merged.demo_left_out) == ("applied", 0, children)
    assert central.store.db.execute("SELECT COUNT(*) FROM incident_vehicles").fetchone()[0] == 0


# --- property: whatever the laptops do with the demo, it never travels ----------------------------------------------

operation = st.one_of(
    st.tuples(st.just("demo"), st.integers(0, 1), st.integers(0, 3)),  # load, `now` some days on
    st.tuples(st.just("remove"), st.integers(0, 1)),
    st.tuples(st.just("real"), st.integers(0, 1)),
    st.tuples(st.just("edit"), st.integers(0, 1), st.integers(0, 30), st.sampled_from(["place", "status"])),
    st.tuples(st.just("up"), st.integers(0, 1), st.booleans()),  # a laptop's package to the central store
    st.tuples(st.just("down"), st.integers(0, 1)),  # the central store's package to a laptop
)


def _real_rows(store: Store) -> dict[str, set[tuple[str, str, int]]]:
    """Every real row's id, clock and tombstone, by table: what the laptops and the central store must agree on."""
    out: dict[str, set[tuple[str, str, int]]] = {}
    for table in SYNCABLE_TABLES:
        out[table] = {tuple(row) for row in store.db.execute(
            f"SELECT id, hlc, deleted FROM [{table}] AS r WHERE {demo_rows.real_rows(table, 'r')}")}
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_demo_rows_never_travel_and_real_rows_converge(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        laptops = [Laptop(folder / f"laptop{n}.db") for n in range(2)]
        central = Laptop(folder / "central.db")
        everyone = [*laptops, central]
        try:
            trust_each_other(*everyone)
            places = iter(range(1000))
            for op in ops:
                kind, laptop = op[0], laptops[op[1]]
                if kind == "demo":
                    now = NOW + timedelta(days=op[2])
                    load_demo(laptop.services.incidents, count=8, now=now)
                    load_demo_premises(laptop.services.premises, laptop.services.incidents, now=now)
                elif kind == "remove":
                    laptop.services.incidents.delete_synthetic()
                    remove_demo_premises(laptop.services.premises)
                elif kind == "real":
                    real_incident(laptop, f"Real {next(places)}")
                elif kind == "edit":  # any incident, demo or real: a trainee edits the demo too
                    ids = [r[0] for r in laptop.store.db.execute("SELECT id FROM incidents ORDER BY rowid")]
                    if ids:
                        with laptop.store.transaction():
                            SyncTable(laptop.store, "incidents").update(
                                ids[op[2] % len(ids)], {op[3]: f"{op[3]} {next(places)}"})
                elif kind == "up":
                    laptop.send_to(central, folder, since=op[2])
                else:
                    central.send_to(laptop, folder)
                assert demo_count(central.store) == 0
                for device in everyone:  # no conflict about a demo row, anywhere
                    assert device.store.db.execute(
                        "SELECT COUNT(*) FROM sync_conflicts AS c WHERE EXISTS (SELECT 1 FROM incidents AS r WHERE "
                        f"r.id = c.row_id AND {demo_rows.condition('incidents', 'r')})").fetchone()[0] == 0
            for laptop in laptops:  # one full round: every real row everywhere
                laptop.send_to(central, folder)
            for laptop in laptops:
                central.send_to(laptop, folder)
            assert _real_rows(laptops[0].store) == _real_rows(laptops[1].store) == _real_rows(central.store)
            assert demo_count(central.store) == 0
        finally:
            for device in everyone:
                device.store.close()
