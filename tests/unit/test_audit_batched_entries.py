"""Bulk writes audited by one entry (store.audit.audit_batch): each row a line of that entry, so the log stays as
tamper-evident as one entry per row — an edited, removed or fabricated row is named, an altered line or an entry
moved breaks the chain — and a rolled-back batch leaves nothing behind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.services.demo import demo_incidents
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store
from ruralwatch.store.audit import GENESIS, HEAD_KEY, ROW_HASHES_TABLE, audit_batch, audit_for
from ruralwatch.store.syncable import SyncTable

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def _load(store: Store, count: int = 40) -> list[str]:
    inputs = list(demo_incidents(7, count, NOW))
    IncidentService(store).record_many(inputs)
    return [incident_id for incident_id, _inp in inputs]


def _entries(store: Store) -> list[dict[str, Any]]:
    cursor = store.db.execute("SELECT * FROM audit_log ORDER BY seq")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _problems(store: Store) -> list[tuple[str, str | None, str | None]]:
    result = audit_for(store).verify()
    return [(p.kind, p.table, p.row_id) for p in result.problems]


def test_a_bulk_load_is_one_entry_with_a_line_per_row_and_verifies(store: Store) -> None:
    before = len(_entries(store))
    ids = _load(store)
    entries = _entries(store)[before:]
    assert [e["action"] for e in entries] == ["record_many"]
    rows = {table: store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("incidents", "incident_vehicles", "stolen_items")}
    lines = store.db.execute(f"SELECT table_name, count(*) FROM {ROW_HASHES_TABLE} WHERE seq = ? GROUP BY 1",
                             [entries[0]["seq"]]).fetchall()
    assert dict(lines) == {table: n for table, n in rows.items() if n}
    assert rows["incidents"] == len(ids)
    assert audit_for(store).verify().ok


def test_a_row_edited_after_a_bulk_load_is_named(store: Store) -> None:
    ids = _load(store)
    store.db.execute("UPDATE incidents SET place = 'tampered' WHERE id = ?", [ids[17]])
    assert _problems(store) == [("row_changed", "incidents", ids[17])]


def test_a_row_removed_after_a_bulk_load_is_named(store: Store) -> None:
    ids = _load(store)
    store.db.execute("PRAGMA foreign_keys = OFF")
    store.db.execute("DELETE FROM incidents WHERE id = ?", [ids[3]])
    assert ("row_deleted", "incidents", ids[3]) in _problems(store)


def test_a_row_fabricated_among_bulk_rows_is_named(store: Store) -> None:
    ids = _load(store)
    columns = [row[1] for row in store.db.execute("PRAGMA table_info(incidents)")]
    picked = ", ".join("'forged-id'" if c == "id" else f"[{c}]" for c in columns)
    store.db.execute(f"INSERT INTO incidents SELECT {picked} FROM incidents WHERE id = ?", [ids[0]])
    assert _problems(store) == [("row_unrecorded", "incidents", "forged-id")]


def test_a_line_altered_or_removed_breaks_its_entry(store: Store) -> None:
    _load(store)
    seq = _entries(store)[-1]["seq"]
    table, row_id = store.db.execute(f"SELECT table_name, row_id FROM {ROW_HASHES_TABLE} WHERE seq = ? "
                                     "ORDER BY table_name, row_id LIMIT 1", [seq]).fetchone()
    where = "seq = ? AND table_name = ? AND row_id = ?"
    store.db.execute(f"UPDATE {ROW_HASHES_TABLE} SET hash = ? WHERE {where}", ["0" * 64, seq, table, row_id])
    result = audit_for(store).verify()
    assert any(p.kind == "lines" and p.seq == seq for p in result.problems)
    store.db.execute(f"DELETE FROM {ROW_HASHES_TABLE} WHERE {where}", [seq, table, row_id])
    result = audit_for(store).verify()
    assert any(p.kind == "lines" and p.seq == seq for p in result.problems)


def test_the_batch_entry_moved_in_the_chain_is_caught(store: Store) -> None:
    _load(store)
    IncidentService(store).record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9,
                                                lon=0.3, place="After the load"))
    entries = _entries(store)
    batch, after = entries[-2], entries[-1]
    assert batch["action"] == "record_many"
    # Swap the two entries' places (numbers and links kept): the chain no longer follows.
    for entry, seq in ((batch, -1), (after, batch["seq"]), (batch, after["seq"])):
        store.db.execute("UPDATE audit_log SET seq = ? WHERE hash = ?", [seq, entry["hash"]])
    store.db.execute(f"UPDATE {ROW_HASHES_TABLE} SET seq = ? WHERE seq = ?", [after["seq"], batch["seq"]])
    kinds = {p.kind for p in audit_for(store).verify().problems}
    assert kinds & {"entry_order", "entry_altered", "head"}


def test_a_failed_batch_leaves_no_row_no_entry_and_the_head_as_it_was(store: Store) -> None:
    _load(store, 5)
    head, count = store.meta(HEAD_KEY), len(_entries(store))
    table = SyncTable(store, "incidents")
    with pytest.raises(RuntimeError), audit_batch(store, "record_many", "incidents"):
        table.insert({"kind": "fly_tipping", "place": "never"})
        raise RuntimeError("stop")
    assert store.meta(HEAD_KEY) == head and len(_entries(store)) == count
    assert store.db.execute("SELECT count(*) FROM incidents WHERE place = 'never'").fetchone()[0] == 0
    assert audit_for(store).verify().ok


def test_a_rolled_back_savepoint_inside_a_batch_leaves_lines_of_what_was_committed(store: Store) -> None:
    table = SyncTable(store, "incidents")
    with audit_batch(store, "record_many", "incidents"):
        kept = table.insert({"kind": "fly_tipping", "place": "kept"})
        gone = ""
        try:
            with store.transaction():  # a savepoint
                gone = table.insert({"kind": "fly_tipping", "place": "rolled back"})
                table.update(kept, {"place": "changed, then rolled back"})
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert store.db.execute("SELECT place FROM incidents WHERE id = ?", [kept]).fetchone()[0] == "kept"
    assert store.db.execute("SELECT count(*) FROM incidents WHERE id = ?", [gone]).fetchone()[0] == 0
    assert audit_for(store).verify().ok
    store.db.execute("UPDATE incidents SET place = 'tampered' WHERE id = ?", [kept])
    assert _problems(store) == [("row_changed", "incidents", kept)]


def test_a_row_written_in_bulk_then_edited_one_by_one_follows_its_latest_entry(store: Store) -> None:
    ids = _load(store)
    service = IncidentService(store)
    before = service.get(ids[5])
    service.update(ids[5], IncidentInput(
        kind=before.kind, occurred_start=before.occurred_start, lat=51.9, lon=0.3, place="Edited by hand",
        vehicles=[VehicleInput("AB12CDE", role="suspect")]))
    assert audit_for(store).verify().ok
    assert _entries(store)[-1]["action"] == "create"  # the new vehicle: entries one by one again
    store.db.execute("UPDATE incidents SET place = 'tampered' WHERE id = ?", [ids[5]])
    assert _problems(store) == [("row_changed", "incidents", ids[5])]


def test_removing_the_demo_is_one_entry_too(store: Store) -> None:
    ids = _load(store)
    service = IncidentService(store)
    IncidentService(store).load_synthetic(demo_incidents(8, 10, NOW))
    count = len(_entries(store))
    assert service.delete_synthetic() == 10
    assert [e["action"] for e in _entries(store)[count:]] == ["delete_synthetic"]
    assert audit_for(store).verify().ok
    assert store.db.execute("SELECT count(*) FROM incidents WHERE deleted = 0").fetchone()[0] == len(ids)


def test_the_chain_of_a_batch_starts_where_the_log_was(store: Store) -> None:
    entries_before = _entries(store)
    _load(store, 3)
    entries = _entries(store)
    prev = entries_before[-1]["hash"] if entries_before else GENESIS
    assert entries[len(entries_before)]["prev_hash"] == prev
    assert store.meta(HEAD_KEY) == f"{entries[-1]['seq']}:{entries[-1]['hash']}"
