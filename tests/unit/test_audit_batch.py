"""Audited writes in bulk: SyncTable writes with `RETURNING *` (no re-read, no per-row savepoint) must leave
exactly the chain and row hashes that one write at a time leaves, and nothing at all when rolled back."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from ruralwatch.core.errors import NotFoundError
from ruralwatch.store import Store, open_store
from ruralwatch.store.audit import GENESIS, HEAD_KEY, audit_for, row_hash
from ruralwatch.store.syncable import SyncTable

ROWS = 60


def _incident(n: int) -> dict[str, Any]:
    return {"kind": "fly_tipping", "occurred_start": "2026-11-20T09:30:00Z", "reported_at": "2026-11-21T10:00:00Z",
            "lat": 51.5 + n / 1000, "lon": 0.1, "place": f"Place {n}", "status": "open", "synthetic": 1}


def _chain(store: Store) -> list[dict[str, Any]]:
    cursor = store.db.execute("SELECT * FROM audit_log ORDER BY seq")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _check_chain(store: Store) -> list[dict[str, Any]]:
    """Every entry follows the one before; the head in meta is the newest entry; verify agrees."""
    entries = _chain(store)
    prev = GENESIS
    for n, entry in enumerate(entries, start=1):
        assert entry["seq"] == n
        assert entry["prev_hash"] == prev
        prev = entry["hash"]
    assert store.meta(HEAD_KEY) == (f"{len(entries)}:{prev}" if entries else None)
    result = audit_for(store).verify()
    assert result.ok, result.problem
    return entries


def _writes(table: SyncTable, ids: list[str], each: Callable[[], AbstractContextManager[Any]]) -> None:
    """Inserts, updates, tombstones and restores; `each` wraps every single write."""
    for n, row_id in enumerate(ids):
        with each():
            table.insert(_incident(n), row_id=row_id)
    for n, row_id in enumerate(ids):
        if n % 3 == 0:
            with each():
                table.update(row_id, {"status": "closed", "place": f"Moved {n}"})
        if n % 5 == 0:
            with each():
                table.tombstone(row_id)
        if n % 10 == 0:
            with each():
                table.restore(row_id)


def _shape(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What an entry records, without the times, clocks and hashes that differ between two runs."""
    return [(e["seq"], e["action"], e["target_table"], e["record_id"], e["changes"]) for e in entries]


def test_many_writes_in_one_transaction_leave_the_chain_of_writes_one_by_one(tmp_path: Path) -> None:
    ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(ROWS)]
    batched, single = open_store(tmp_path / "batched.db"), open_store(tmp_path / "single.db")
    try:
        with batched.transaction():  # all in one transaction
            _writes(SyncTable(batched, "incidents"), ids, nullcontext)
        _writes(SyncTable(single, "incidents"), ids, single.transaction)  # each write its own transaction
        batched_entries, single_entries = _check_chain(batched), _check_chain(single)
        assert len(batched_entries) == ROWS + len(range(0, ROWS, 3)) + len(range(0, ROWS, 5)) + len(range(0, ROWS, 10))
        assert _shape(batched_entries) == _shape(single_entries)
        # The last entry of every row holds the hash of the row as stored.
        for store in (batched, single):
            last = {e["record_id"]: e["row_hash"] for e in _chain(store)}
            for row_id in ids:
                assert last[row_id] == row_hash(SyncTable(store, "incidents").get_raw(row_id))
    finally:
        batched.close()
        single.close()


def test_a_rolled_back_transaction_leaves_the_head_and_the_log_as_they_were(store: Store) -> None:
    table = SyncTable(store, "incidents")
    with store.transaction():
        kept = table.insert(_incident(0))
    before = _check_chain(store)
    head = store.meta(HEAD_KEY)
    with pytest.raises(RuntimeError), store.transaction():
        for n in range(20):
            table.insert(_incident(n))
        table.update(kept, {"place": "never"})
        raise RuntimeError("abandon")
    assert _chain(store) == before
    assert store.meta(HEAD_KEY) == head
    assert store.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 1
    # The next write continues the chain from the kept head.
    with store.transaction():
        table.update(kept, {"place": "after"})
    entries = _check_chain(store)
    assert entries[-1]["prev_hash"] == head.split(":", 1)[1]


def test_a_rolled_back_savepoint_inside_a_transaction_leaves_no_gap_or_fork(store: Store) -> None:
    table = SyncTable(store, "incidents")
    with store.transaction():
        first = table.insert(_incident(1))
        with pytest.raises(RuntimeError), store.transaction():  # nested: a savepoint
            table.insert(_incident(2))
            table.update(first, {"status": "closed"})
            raise RuntimeError("inner only")
        table.update(first, {"place": "kept"})
    entries = _check_chain(store)
    assert [e["action"] for e in entries] == ["create", "update"]
    assert '"place"' in entries[1]["changes"] and '"status"' not in entries[1]["changes"]


def test_the_audited_row_is_the_row_as_stored_after_column_affinity(store: Store) -> None:
    table = SyncTable(store, "incidents")
    with store.transaction():
        row_id = table.insert({**_incident(0), "hc_people": "3", "lat": "51.25", "synthetic": True})
    inserted = table.get_raw(row_id)
    assert inserted["hc_people"] == 3 and inserted["lat"] == 51.25 and inserted["synthetic"] == 1
    assert _check_chain(store)[-1]["row_hash"] == row_hash(inserted)
    with store.transaction():
        table.update(row_id, {"hc_dogs": "2"})
    updated = table.get_raw(row_id)
    assert updated["hc_dogs"] == 2
    assert _check_chain(store)[-1]["row_hash"] == row_hash(updated)


def test_a_write_outside_a_transaction_commits_with_its_entry(store: Store) -> None:
    table = SyncTable(store, "incidents")
    row_id = table.insert(_incident(0))
    assert not store.db.conn.in_transaction
    table.update(row_id, {"place": "elsewhere"})
    table.tombstone(row_id)
    assert not store.db.conn.in_transaction
    assert [e["action"] for e in _check_chain(store)] == ["create", "update", "delete"]


def test_a_raw_change_after_bulk_writes_is_still_caught(store: Store) -> None:
    table = SyncTable(store, "incidents")
    with store.transaction():
        ids = [table.insert(_incident(n)) for n in range(30)]
    with store.transaction():
        store.db.execute("UPDATE incidents SET place = 'tampered' WHERE id = ?", [ids[17]])
    result = audit_for(store).verify()
    assert not result.ok and ids[17] in result.problem


def test_writing_a_missing_row_is_refused_and_writes_nothing(store: Store) -> None:
    table = SyncTable(store, "incidents")
    with pytest.raises(NotFoundError), store.transaction():
        table.update("no-such-id", {"place": "x"})
    assert _chain(store) == []
