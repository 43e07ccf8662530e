"""The published-crime import hashes each batch from the values it inserted instead of reading them back
(issue 21): that digest must be exactly the one `batch_hash` reads back and `audit verify` recomputes, for every
kind of row (with and without Crime ID or location, empty fields, other forces), into an empty table (indexes
built after the rows) and into one that already holds rows (some ignored: the digest is then read back)."""

from __future__ import annotations

from pathlib import Path

from ruralwatch.services.published import SAME_ROW, PublishedCrimeService
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


def _held(store: Store) -> list[tuple[object, ...]]:
    return store.db.execute(
        "SELECT dedupe_key, crime_id, month, lon, lat, easting, location, crime_type, last_outcome, outcome_month "
        "FROM published_crimes WHERE falls_within IS NOT 'Seed Constabulary' ORDER BY dedupe_key").fetchall()


def test_a_first_import_keeps_one_row_per_key_as_the_unique_index_would(tmp_path: Path) -> None:
    """Into an empty table the dedupe key's UNIQUE index is dropped and the import makes the keys unique itself:
    what it keeps and reports must be what INSERT OR IGNORE gives with the index in place (a table that holds an
    unrelated row keeps it). The same file under two names repeats the keys of its rows without a Crime ID."""
    from ruralwatch.store import open_store

    copy = tmp_path / "2018-04-essex-street-copy.csv"
    copy.write_bytes((FIXTURES / "police-uk" / "2018-04-essex-street-no-id-or-location.csv").read_bytes())
    files = [*sorted((FIXTURES / "police-uk").glob("2018-*.csv")), copy,
             *sorted((FIXTURES / "police-uk" / "repeats").glob("*.csv"))]
    seed = tmp_path / "seed.csv"
    seed.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                    "Crime type,Last outcome category,Context\n"
                    "seed1,2017-01,Seed Constabulary,Seed Constabulary,0.5,51.7,On or near Seed Lane,E01,Seed 001,"
                    "Burglary,,\n")
    reports, held = [], []
    for name, seeded in (("empty.db", False), ("seeded.db", True)):
        store = open_store(tmp_path / name)
        try:
            service = PublishedCrimeService(store)
            if seeded:
                service.import_paths([seed])
            reports.append(service.import_paths(files))
            held.append(_held(store))
            assert audit_for(store).verify().ok
        finally:
            store.close()
    empty, seeded = reports
    assert empty.already_held[SAME_ROW] > 0  # the copy's rows were held, not imported twice
    assert (empty.imported, empty.duplicates, empty.already_held, empty.no_location) == (
        seeded.imported, seeded.duplicates, seeded.already_held, seeded.no_location)
    assert [f.imported for f in empty.per_file] == [f.imported for f in seeded.per_file]
    assert held[0] == held[1]


def test_migration_20_keeps_every_row_and_digest_and_makes_the_key_index_droppable(tmp_path: Path) -> None:
    from ruralwatch.store import open_store
    from ruralwatch.store.migrations import MIGRATIONS, published_crime_key_index

    assert MIGRATIONS.index(published_crime_key_index) == 19  # migration 20
    path = tmp_path / "older.db"
    older = open_store(path, steps=MIGRATIONS[:19])
    try:
        PublishedCrimeService(older).import_paths(sorted((FIXTURES / "police-uk").glob("2018-*.csv")))
        before = older.db.execute("SELECT * FROM published_crimes ORDER BY id").fetchall()
        assert "sqlite_autoindex_published_crimes_1" in {r[1] for r in older.db.execute(
            "PRAGMA index_list(published_crimes)")}
    finally:
        older.close()
    store = open_store(path)
    try:
        assert store.db.execute("SELECT * FROM published_crimes ORDER BY id").fetchall() == before
        indexes = {r[1]: bool(r[2]) for r in store.db.execute("PRAGMA index_list(published_crimes)")}
        assert indexes == {"idx_published_crimes_dedupe_key": True, "idx_published_crimes_month": False,
                           "idx_published_crimes_crime_type": False, "idx_published_crimes_crime_id": False}
        result = audit_for(store).verify()
        assert result.ok, result.summary()
        again = PublishedCrimeService(store).import_paths(sorted((FIXTURES / "police-uk").glob("2018-*.csv")))
        assert again.imported == 0  # the key is still unique
    finally:
        store.close()
