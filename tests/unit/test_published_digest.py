"""The published-crime import hashes each batch from the values it inserted instead of reading them back
(issue 21): that digest must be exactly the one `batch_hash` reads back and `audit verify` recomputes, for every
kind of row (with and without Crime ID or location, empty fields, other forces), into an empty table (indexes
built after the rows) and into one that already holds rows (some ignored: the digest is then read back)."""

from __future__ import annotations

from pathlib import Path

from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.store import Store
from ruralwatch.store.audit import BATCHES, ROW_HASHES_TABLE, audit_for, batch_hash

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _recorded(store: Store) -> dict[int, str]:
    """Batch id -> the digest the log's latest line holds for it."""
    found: dict[int, str] = {}
    for row_id, digest in store.db.execute(
            f"SELECT row_id, hash FROM {ROW_HASHES_TABLE} WHERE table_name = ? ORDER BY seq", [BATCHES]):
        found[int(row_id)] = digest
    return found


def _indexes(store: Store) -> list[str]:
    return sorted(r[0] for r in store.db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'published_crimes' AND sql IS NOT NULL"))


def test_the_digest_of_every_batch_is_the_one_read_back(store: Store) -> None:
    indexes = _indexes(store)
    service = PublishedCrimeService(store)
    files = sorted((FIXTURES / "police-uk").glob("2018-*.csv")) + sorted((FIXTURES / "police-uk-other-forces")
                                                                          .glob("*.csv"))
    first = service.import_paths(files[:3])
    assert first.imported > 0 and first.no_location > 0
    assert _indexes(store) == indexes  # the indexes dropped for the empty table are back, the same
    recorded = _recorded(store)
    assert recorded and all(recorded[b] == batch_hash(store.db, b) for b in recorded)
    # Into a table that holds rows: repeats are ignored, and earlier batches may be rehashed.
    service.import_paths(files)
    recorded = _recorded(store)
    assert len(recorded) == 3 + len(files)
    assert all(recorded[b] == batch_hash(store.db, b) for b in recorded)
    result = audit_for(store).verify()
    assert result.ok, result.summary()


def test_a_crime_edited_after_an_import_is_still_caught(store: Store) -> None:
    PublishedCrimeService(store).import_paths([FIXTURES / "police-uk" / "2018-01-essex-street-first150.csv"])
    store.db.execute("UPDATE published_crimes SET crime_type = 'Other theft' WHERE id = 42")
    result = audit_for(store).verify()
    assert not result.ok and any(p.table == BATCHES for p in result.problems)
