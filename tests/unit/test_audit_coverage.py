"""`audit verify` covers every row that matters, whoever wrote it, and reports every problem it finds.

Each tamper of issue 15's item 2 that the log can catch on its own (no signatures) is played here with raw SQL,
as an insider holding the key would, and must be reported naming what was touched; the ordinary two-laptop sync
must leave verify clean on both laptops, and a central store (every row merged) must catch raw edits too.
Deleting the tail and fixing the head, and editing and re-chaining entries, need signed entries or the central
store's history of heads: not testable here (see docs/DEVELOPING.md, "Audit log").
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.laptops import Laptop, trust_each_other

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.accounts import AccountService, create_database
from ruralwatch.services.container import Services
from ruralwatch.store import Store, open_store
from ruralwatch.store.audit import ROW_HASHES_TABLE, AuditLog, VerifyResult, legacy_row_hash, row_hash
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.store.migrations import MIGRATIONS
from ruralwatch.store.syncable import SyncTable

PASSWORD = "correct horse battery"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_packages = itertools.count()


def _input(place: str = "Brook Farm", **extra: object) -> IncidentInput:
    fields: dict[str, object] = {"kind": "fly_tipping", "occurred_start": "2026-11-20 09:30", "lat": 51.9,
                                 "lon": 0.3, "place": place}
    fields.update(extra)
    return IncidentInput(**fields)  # type: ignore[arg-type]


def _verify(store: Store) -> VerifyResult:
    return AuditLog(store).verify()


def _kinds(result: VerifyResult) -> set[str]:
    return {p.kind for p in result.problems}


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    a, b = Laptop(tmp_path / "a.db"), Laptop(tmp_path / "b.db")
    trust_each_other(a, b)
    yield a, b
    a.store.close()
    b.store.close()


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[Store]:
    store = create_database(tmp_path / "rw.db", "admin", PASSWORD, TEST_PARAMS)
    yield store
    store.close()


# --- merges: told apart from tampering ---------------------------------------------------------------------------

def test_two_laptops_editing_different_fields_and_syncing_both_ways_verify_clean(
        laptops: tuple[Laptop, Laptop], tmp_path: Path) -> None:
    a, b = laptops
    incident = a.services.incidents.record(_input(description="first")).id
    a.send_to(b, tmp_path)
    with a.store.transaction():
        SyncTable(a.store, "incidents").update(incident, {"place": "A's place"})
    with b.store.transaction():
        SyncTable(b.store, "incidents").update(incident, {"description": "B's description"})
    a.send_to(b, tmp_path)
    b.send_to(a, tmp_path)
    for laptop in (a, b):
        row = SyncTable(laptop.store, "incidents").get_raw(incident)
        assert (row["place"], row["description"]) == ("A's place", "B's description")
        result = _verify(laptop.store)
        assert result.ok, result.summary()
        assert result.rows_checked >= 1


def test_a_merge_records_the_hash_of_every_row_it_wrote_in_one_entry(laptops: tuple[Laptop, Laptop],
                                                                      tmp_path: Path) -> None:
    a, b = laptops
    for n in range(30):
        a.services.incidents.record(_input(f"Farm {n}"))
    before = AuditLog(b.store).count()
    a.send_to(b, tmp_path)
    assert AuditLog(b.store).count() == before + 1  # one entry for the package, not one per row
    merge = AuditLog(b.store).entries(action="merge")[0]
    assert merge.changes is not None and merge.changes["row_hashes"]["count"] == 30
    assert b.store.db.execute(f"SELECT COUNT(*) FROM {ROW_HASHES_TABLE} WHERE seq = ?",
                              [merge.seq]).fetchone()[0] == 30
    assert _verify(b.store).ok


def test_raw_edits_of_500_merged_incidents_on_a_central_store_are_each_reported(tmp_path: Path) -> None:
    laptop, central = Laptop(tmp_path / "laptop.db"), Laptop(tmp_path / "central.db")
    try:
        identity = laptop.services.sync.identity()
        central.services.sync.trust(identity.device_id, identity.public_key, name="laptop")
        with laptop.store.transaction():
            table = SyncTable(laptop.store, "incidents")
            for n in range(500):
                table.insert({"kind": "fly_tipping", "occurred_start": "2026-11-20T09:30:00Z",
                              "reported_at": "2026-11-21T10:00:00Z", "lat": 51.5, "lon": 0.1, "place": f"P{n}",
                              "status": "open", "synthetic": 0})
        laptop.send_to(central, tmp_path, since=False)
        assert _verify(central.store).ok
        central.store.db.execute("UPDATE incidents SET status = 'closed'")
        result = _verify(central.store)
        changed = [p for p in result.problems if p.kind == "row_changed"]
        assert len(changed) == 500 and len(result.problems) == 500
        assert all("changed outside RuralWatch" in p.message and p.table == "incidents" for p in changed)
        assert result.summary().splitlines()[0] == "audit log BROKEN: 500 problems"
        assert len(result.summary().splitlines()) == 501  # one line each
        assert len(result.summary(limit=20).splitlines()) == 22
    finally:
        laptop.store.close()
        central.store.close()


def test_editing_the_row_hashes_a_merge_recorded_breaks_that_entry(laptops: tuple[Laptop, Laptop],
                                                                    tmp_path: Path) -> None:
    a, b = laptops
    incident = a.services.incidents.record(_input()).id
    a.send_to(b, tmp_path)
    b.store.db.execute("UPDATE incidents SET place = 'tampered' WHERE id = ?", [incident])
    # Covering the edit by rewriting the side table's line is caught: the merge entry seals its lines.
    assert not _verify(b.store).ok
    row = SyncTable(b.store, "incidents").get_raw(incident)
    b.store.db.execute(f"UPDATE {ROW_HASHES_TABLE} SET hash = ? WHERE row_id = ?", [row_hash(row), incident])
    result = _verify(b.store)
    assert "lines" in _kinds(result) and "were altered" in result.problem


# --- the tampers of issue 15, item 2 -------------------------------------------------------------------------------

def test_a_raw_row_edit_is_reported(store: Store) -> None:
    incident = Services.build(store).incidents.record(_input()).id
    store.db.execute("UPDATE incidents SET place = 'Elsewhere' WHERE id = ?", [incident])
    result = _verify(store)
    assert [(p.kind, p.row_id) for p in result.problems] == [("row_changed", incident)]


def test_a_hard_delete_of_an_incident_is_reported(store: Store) -> None:
    incident = Services.build(store).incidents.record(_input()).id
    store.db.execute("DELETE FROM incidents WHERE id = ?", [incident])
    result = _verify(store)
    assert [(p.kind, p.row_id) for p in result.problems] == [("row_deleted", incident)]
    assert "deleted outside RuralWatch" in result.problem


def test_a_fabricated_insert_is_reported(store: Store) -> None:
    services = Services.build(store)
    real = services.incidents.record(_input()).id
    row = SyncTable(store, "incidents").get_raw(real)
    fake = {**row, "id": "fabricated-0000", "place": "Made up"}
    store.db.execute(f"INSERT INTO incidents ({', '.join(fake)}) VALUES ({', '.join('?' * len(fake))})",
                     list(fake.values()))
    result = _verify(store)
    assert [(p.kind, p.row_id) for p in result.problems] == [("row_unrecorded", "fabricated-0000")]
    assert "no audit entry" in result.problem


def test_a_spoofed_device_id_is_reported(store: Store) -> None:
    """Pretending another laptop wrote the row no longer hides it: every row is checked, whoever wrote it."""
    incident = Services.build(store).incidents.record(_input()).id
    store.db.execute("UPDATE incidents SET device_id = 'someoneelse', place = 'x' WHERE id = ?", [incident])
    assert [(p.kind, p.row_id) for p in _verify(store).problems] == [("row_changed", incident)]


def test_a_role_changed_through_sql_is_reported(admin: Store) -> None:
    accounts = AccountService(admin)
    pat = accounts.add("pat", "special", "a long enough password", params=TEST_PARAMS)
    assert _verify(admin).ok
    admin.db.execute("UPDATE accounts SET role = 'administrator' WHERE id = ?", [pat.id])
    result = _verify(admin)
    assert [(p.kind, p.table, p.row_id) for p in result.problems] == [("row_changed", "accounts", pat.id)]
    # The same change made by an administrator through RuralWatch is recorded and verifies.
    admin.db.execute("UPDATE accounts SET role = 'special' WHERE id = ?", [pat.id])
    accounts.set_role("pat", "analyst")
    assert _verify(admin).ok


def test_a_setting_edited_through_sql_is_reported(store: Store) -> None:
    services = Services.build(store)
    services.roster.set_rules(11, 40)
    services.retention.set_settings(reporter_months=6)
    assert _verify(store).ok
    store.db.execute("UPDATE meta SET value = '168' WHERE key = 'roster.max_weekly_hours'")
    store.db.execute("INSERT INTO meta(key, value) VALUES ('retention.volunteer_months', '0')")
    result = _verify(store)
    assert {(p.kind, p.row_id) for p in result.problems} == {
        ("row_changed", "roster.max_weekly_hours"), ("row_unrecorded", "retention.volunteer_months")}


def test_a_rogue_trusted_device_is_reported(store: Store) -> None:
    sync = Services.build(store).sync
    peer = Laptop(store.path.with_name("peer.db"))
    try:
        identity = peer.services.sync.identity()
        sync.trust(identity.device_id, identity.public_key, name="peer")
    finally:
        peer.store.close()
    assert _verify(store).ok
    store.db.execute("INSERT INTO sync_peers(device_id, name, public_key, trusted_at) VALUES "
                     "('rogue1', 'rogue', ?, '2026-11-20T00:00:00Z')", ["ab" * 32])
    store.db.execute("UPDATE sync_peers SET public_key = ? WHERE device_id = ?", ["cd" * 32, identity.device_id])
    result = _verify(store)
    assert {(p.kind, p.table, p.row_id) for p in result.problems} == {
        ("row_unrecorded", "sync_peers", "rogue1"), ("row_changed", "sync_peers", identity.device_id)}


def test_harm_weights_and_published_crime_are_covered(store: Store) -> None:
    services = Services.build(store)
    services.harm.set_weight("police_uk:Public order", 30, "local priority")
    services.harm.set_weight("police_uk:Criminal damage and arson", 20, "local priority")
    services.harm.reset_weight("police_uk:Criminal damage and arson")
    services.published.import_paths([FIXTURES / "police-uk" / "2018-01-essex-street-first150.csv"])
    services.published.import_paths([FIXTURES / "police-uk" / "2018-03-essex-street-first150.csv"])
    assert _verify(store).ok
    store.db.execute("UPDATE harm_overrides SET days = 0")
    store.db.execute("INSERT INTO harm_overrides(key, days, note, updated_at) VALUES "
                     "('police_uk:Criminal damage and arson', 0, 'x', '2026-01-01')")
    store.db.execute("UPDATE published_crimes SET crime_type = 'Other crime' WHERE id = (SELECT MAX(id) FROM "
                     "published_crimes)")
    result = _verify(store)
    assert {(p.kind, p.table, p.row_id) for p in result.problems} == {
        ("row_changed", "harm_overrides", "police_uk:Public order"),
        ("row_unrecorded", "harm_overrides", "police_uk:Criminal damage and arson"),
        ("row_changed", "import_batches", "2"),
    }


def test_deleting_the_whole_audit_log_reports_every_row(store: Store) -> None:
    services = Services.build(store)
    ids = [services.incidents.record(_input(f"Farm {n}")).id for n in range(3)]
    store.db.execute("DELETE FROM audit_log")
    result = _verify(store)
    assert not result.ok
    assert result.problems[0].kind == "log_empty"
    assert result.problems[0].message == "the audit log is empty but the database holds 3 rows"
    assert {p.row_id for p in result.problems if p.kind == "row_unrecorded"} == set(ids)
    assert "head" in _kinds(result)  # the recorded head still names the removed entries
    store.db.execute("DELETE FROM meta WHERE key = 'audit.head'")
    assert _kinds(_verify(store)) == {"log_empty", "row_unrecorded"}


def test_editing_an_entry_without_rehashing_and_deleting_the_last_are_both_reported(store: Store) -> None:
    services = Services.build(store)
    for n in range(4):
        services.incidents.record(_input(f"Farm {n}"))
    store.db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    store.db.execute("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    result = _verify(store)
    kinds = [p.kind for p in result.problems]
    assert kinds[:2] == ["entry_altered", "head"] and result.first_broken == 2
    assert "entry 2 was altered" in result.summary() and "were removed" in result.summary()
    # The row whose entry went is reported too (it now has no entry at all).
    assert "row_unrecorded" in kinds


def test_every_problem_is_reported_not_only_the_first(store: Store) -> None:
    services = Services.build(store)
    ids = [services.incidents.record(_input(f"Farm {n}")).id for n in range(5)]
    store.db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    store.db.execute("UPDATE incidents SET place = 'x' WHERE id IN (?, ?)", ids[1:3])
    store.db.execute("DELETE FROM incidents WHERE id = ?", [ids[4]])
    result = _verify(store)
    assert [p.kind for p in result.problems] == ["entry_altered", "row_changed", "row_changed", "row_deleted"]
    assert len(result.summary().splitlines()) == 5


# --- upgrades --------------------------------------------------------------------------------------------------

def test_an_old_database_gets_a_baseline_and_then_catches_fabricated_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = open_store(path, steps=MIGRATIONS[:9])  # before the side table: rows merged or written pre-audit
    try:
        with old.transaction():
            SyncTable(old, "incidents").insert({"kind": "fly_tipping", "occurred_start": "2026-11-20T09:30:00Z",
                                                "lat": 51.5, "lon": 0.1, "place": "Audited"})
        row = SyncTable(old, "incidents").get_raw(next(iter(old.db.execute("SELECT id FROM incidents")))[0])
        merged = {**row, "id": "merged-row", "device_id": "otherdevice", "place": "From elsewhere"}
        old.db.execute(f"INSERT INTO incidents ({', '.join(merged)}) VALUES ({', '.join('?' * len(merged))})",
                       list(merged.values()))
        old.db.execute("INSERT INTO meta(key, value) VALUES ('roster.min_rest_hours', '10')")
        old.db.conn.commit()
    finally:
        old.close()
    store = open_store(path)
    try:
        log = AuditLog(store)
        baseline = log.entries(action="baseline")
        assert len(baseline) == 1 and baseline[0].changes["row_hashes"]["count"] == 2  # type: ignore[index]
        assert log.verify().ok
        store.db.execute("UPDATE incidents SET place = 'x' WHERE id = 'merged-row'")
        fabricated = {**row, "id": "fabricated-row"}
        store.db.execute(f"INSERT INTO incidents ({', '.join(fabricated)}) VALUES "
                         f"({', '.join('?' * len(fabricated))})", list(fabricated.values()))
        assert {(p.kind, p.row_id) for p in log.verify().problems} == {
            ("row_changed", "merged-row"), ("row_unrecorded", "fabricated-row")}
    finally:
        store.close()


def _declared_policies() -> list[str]:
    from ruralwatch.services import policies

    found: list[str] = []
    for value in vars(policies).values():
        for item in value.values() if isinstance(value, dict) else (value,):
            if isinstance(item, policies.Policy):
                found.append(item.key)
    return found


def test_every_declared_policy_is_covered_by_verify() -> None:
    from ruralwatch.services.retention import META_LAST_RUN
    from ruralwatch.store.audit import FIELD_KEYS_META, SETTING_PREFIXES

    keys = [*_declared_policies(), META_LAST_RUN, FIELD_KEYS_META]
    assert {"near_repeat.knox_zone", "sync.central_dsn", "vehicles.column_mappings"} <= set(keys)  # the walk works
    assert [key for key in keys if not key.startswith(SETTING_PREFIXES)] == []


def test_every_setter_writes_only_covered_settings_and_verify_then_passes(store: Store, tmp_path: Path) -> None:
    """Each setting written through its service, then: every meta row an audit entry covers is one verify checks
    (else verify calls it deleted, and a hand edit of it goes unseen), every meta key written is such a setting or
    known bookkeeping, and a hand edit of each is caught."""
    from datetime import date
    from types import SimpleNamespace

    import numpy as np

    from ruralwatch.store.audit import SETTING_PREFIXES

    services = Services.build(store)
    plan = services.patrols.default_settings()
    services.roster.set_rules(10, 24.0, "area")
    services.retention.set_settings(reporter_months=7)
    services.retention.apply(as_of=date(2026, 12, 1))  # its last run
    services.patrols.set_dose_radius_m(150)
    services.patrols.set_default_settings(plan.dwell_minutes, 1.355, plan.speed_kmh)
    services.premises.set_repeat_window(180)
    services.near_repeat.set_zone_settings(500, 21)
    knox = SimpleNamespace(suggested_zone=lambda: (200.0, 7), incidents=80, iterations=39,
                           p_values=np.array([[0.02]]), ratios=np.array([[1.8]]))
    services.near_repeat.save_knox_zone(SimpleNamespace(result=knox, query=SimpleNamespace(kinds=("farm_burglary",))))
    services.geography.use_force("Essex")
    wards = tmp_path / "wards.geojson"
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"WD13NM": "Thaxted", "WD13CD": "E05004471"},
         "geometry": {"type": "Polygon", "coordinates": [[[0.30, 51.93], [0.38, 51.93], [0.38, 51.98], [0.30, 51.98],
                                                          [0.30, 51.93]]]}}]}), encoding="utf-8")
    services.geography.import_file("wards", wards)
    services.sync.set_central_dsn("service=hq")
    services.vehicles.import_list(FIXTURES / "vehicle-lists" / "anpr-hotlist-sample.csv", "ANPR hotlist")

    audited = {row[0] for row in store.db.execute(
        f"SELECT DISTINCT row_id FROM {ROW_HASHES_TABLE} WHERE table_name = 'meta'")}
    assert len(audited) == 13 and {"near_repeat.zone_days", "sync.central_dsn", "vehicles.column_mappings"} <= audited
    assert sorted(key for key in audited if not key.startswith(SETTING_PREFIXES)) == []
    bookkeeping = {"device_id", "audit.head", "hlc"}
    written = {row[0] for row in store.db.execute("SELECT key FROM meta")}
    assert sorted(key for key in written - bookkeeping if not key.startswith(SETTING_PREFIXES)) == []
    assert _verify(store).ok
    for key in sorted(audited):
        store.db.execute("UPDATE meta SET value = value || ' ' WHERE key = ?", [key])
    changed = {p.row_id for p in _verify(store).problems if p.kind == "row_changed"}
    assert changed == audited


def test_entries_hashed_with_nulls_still_verify_and_an_added_column_breaks_nothing(store: Store) -> None:
    incident = Services.build(store).incidents.record(_input()).id
    row = SyncTable(store, "incidents").get_raw(incident)
    # An entry written before NULL values were left out of the hash (the legacy form) still matches.
    store.db.execute("UPDATE audit_log SET row_hash = ? WHERE record_id = ?", [legacy_row_hash(row), incident])
    result = _verify(store)
    assert [p.kind for p in result.problems] == ["entry_altered"]  # the entry itself changed, the row matches
    store.db.execute("UPDATE audit_log SET row_hash = ? WHERE record_id = ?", [row_hash(row), incident])
    store.db.execute("ALTER TABLE incidents ADD COLUMN later_field TEXT")  # as a future migration would
    assert _verify(store).ok  # a NULL column is left out of the hash: every row still matches


def test_column_mappings_an_earlier_version_wrote_unaudited_are_read_and_not_called_tampered(store: Store) -> None:
    """Before every setting was audited, a vehicle list's column mappings went into meta as
    "vehicles.list_mappings" with no audit entry: such a database must verify clean (the old key is not covered), its
    mappings still be used, and the first changed mapping be written under the covered key with its entry."""
    old = {"ANPR hotlist": {"vrm": "Reg No"}}
    store.db.execute("INSERT INTO meta (key, value) VALUES ('vehicles.list_mappings', ?)", [json.dumps(old)])
    services = Services.build(store)
    assert _verify(store).ok
    assert services.vehicles.mapping_for("ANPR hotlist") == {"vrm": "Reg No"}
    services.vehicles.import_list(FIXTURES / "vehicle-lists" / "anpr-hotlist-sample.csv", "ANPR hotlist")
    assert store.meta("vehicles.column_mappings") is not None  # its other columns guessed: a changed mapping
    assert _verify(store).ok
    store.db.execute("UPDATE meta SET value = '{}' WHERE key = 'vehicles.column_mappings'")
    assert "row_changed" in _kinds(_verify(store))
