"""The window's frequent reads stay on indexes (migration 21, issue 21): the map's rows from one covering index (not
the table's pages: 100,000 incidents filled the page cache with whole rows), 'any demo data?' from the demo rows
alone, and the premises' recent incidents by the premises index, not by reading a year of incidents."""

from __future__ import annotations

from datetime import UTC, datetime

from ruralwatch.core.incident import IncidentFilter
from ruralwatch.store import Store
from ruralwatch.store.incidents import _map_row, where_clause


def _plan(store: Store, sql: str, params: list[object]) -> str:
    return " | ".join(str(row[3]) for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_the_map_reads_its_rows_from_the_covering_index(store: Store) -> None:
    for flt in (IncidentFilter(), IncidentFilter(kinds=["hare_coursing"]), IncidentFilter(statuses=["open"])):
        where, params = where_clause(flt)
        plan = _plan(store, f"SELECT {_map_row()} FROM incidents i{where}", params)
        assert "COVERING INDEX idx_incidents_map" in plan, plan


def test_asking_for_demo_data_reads_only_the_demo_rows(store: Store) -> None:
    plan = _plan(store, "SELECT 1 FROM incidents WHERE synthetic = 1 AND deleted = 0 LIMIT 1", [])
    assert "idx_incidents_synthetic" in plan, plan


def test_the_premises_recent_incidents_come_by_the_premises_index(store: Store) -> None:
    from ruralwatch.services.premises import PremisesService

    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        PremisesService(store)._recent_counts(datetime(2026, 11, 24, tzinfo=UTC), 365)
    finally:
        store.db.conn.set_trace_callback(None)
    query = next(s for s in statements if "premises_id, COUNT(*)" in s)
    assert "idx_incidents_premises" in _plan(store, query, [])
