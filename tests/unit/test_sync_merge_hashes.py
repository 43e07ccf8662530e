"""A merge hashes the rows it writes from the values it wrote instead of reading them back (issue 21), and row_hash
writes a row's text with orjson where that gives the same bytes: both must give exactly the hash a read-back and
`audit verify` compute, for every column affinity and every kind of value a package can carry (and those it cannot:
a value whose stored form differs is read back)."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sync_merge import Device, make
from test_sync_package import World, entries

from ruralwatch.services.sync import SyncService, _kept_as_written, _MergeStats
from ruralwatch.store import Store
from ruralwatch.store.audit import ROW_HASHES_TABLE, _canonical, _row_text, audit_for, row_hash
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync import package
from ruralwatch.sync.merge import Side

# One column per affinity, named both the plain way and the ways SQLite's rules read (VARCHAR is TEXT, FLOAT is
# REAL, no type is BLOB, DECIMAL is NUMERIC), beside the sync columns every syncable table has.
_TABLE = """CREATE TABLE things (id TEXT PRIMARY KEY, t TEXT, v VARCHAR(5), i INTEGER, bi BIGINT, r REAL, f FLOAT,
    n NUMERIC, d DECIMAL(10, 5), b BLOB, u, created_at TEXT, updated_at TEXT, device_id TEXT, hlc TEXT,
    field_hlc TEXT, deleted INTEGER NOT NULL DEFAULT 0)"""
_VALUES: list[Any] = [
    None,
    "text",
    "12",
    "1.5",
    " 7",
    "1e3",
    "0x10",
    "",
    'é ☃ \u2028\x00\x1f"\\',
    5,
    0,
    -3,
    2**62,
    2**63 - 1,
    -(2**63),
    1.5,
    2.0,
    0.0,
    -0.0,
    1e-5,
    1e20,
    51.5005,
    -0.25,
    True,
    False,
]
# Each column's usual value (kept as written), so that a row differs from the usual only in the column tried.
_USUAL: dict[str, Any] = {"t": "x", "v": "x", "i": 1, "bi": 2, "r": 1.5, "f": 2.5, "n": 3, "d": 4, "b": "x", "u": 5}
_FIELDS = tuple(_USUAL)


def _clock(millis: int, device: str) -> str:
    return f"{millis:015d}-000000-{device}"


def _read_back(store: Store, table: str) -> dict[tuple[str, str], str]:
    cursor = store.db.execute(f"SELECT * FROM [{table}]")
    names = [d[0] for d in cursor.description]
    return {(table, str(values[0])): row_hash(dict(zip(names, values, strict=True))) for values in cursor}


def test_every_affinity_and_value_hashes_as_read_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inserts (every value in every column), then updates of every column to every value: each row's hash is the
    one read back, whether it was hashed as written or read back (both ways are taken)."""
    store.db.execute(_TABLE)
    sync = SyncService(store)
    read_back: list[str] = []
    hash_written = SyncService._hash_written

    def counted(self: SyncService, table: str, ids: list[str], stats: _MergeStats) -> None:
        read_back.extend(ids)
        hash_written(self, table, ids, stats)

    monkeypatch.setattr(SyncService, "_hash_written", counted)
    columns = sync._columns("things")
    receiver, sender = Side(store.device_id, {}), Side("laptop1", {})

    def rows(millis: int, prefix: str) -> list[dict[str, Any]]:
        made = []
        for n, value in enumerate(_VALUES):
            for name in _FIELDS:
                clock = _clock(millis, "laptop1")
                made.append(
                    {
                        "id": f"{prefix}{n}-{name}",
                        **_USUAL,
                        name: value,
                        "created_at": "c",
                        "updated_at": "u",
                        "device_id": "laptop1",
                        "hlc": clock,
                        "field_hlc": json.dumps({"*": clock}),
                        "deleted": 0,
                    }
                )
        return made

    stats = _MergeStats()
    with store.transaction():
        sync._merge_table("things", columns, rows(1, "row"), None, receiver, sender, stats)
    assert stats.inserted == len(_VALUES) * len(_FIELDS)
    assert stats.row_hashes == _read_back(store, "things")
    assert 0 < len(read_back) < stats.inserted
    read_back.clear()
    # Now every row again, with every field changed to every value (a later clock): updates of each column.
    later = []
    for n, row in enumerate(rows(2, "row")):
        value = _VALUES[(n * 7) % len(_VALUES)]
        later.append({**row, **dict.fromkeys(_FIELDS, value)})
    stats = _MergeStats()
    with store.transaction():
        sync._merge_table("things", columns, later, None, receiver, sender, stats)
    assert stats.updated == len(later)
    assert stats.row_hashes == _read_back(store, "things")
    assert 0 < len(read_back) < stats.updated


def test_rows_stored_differently_from_the_package_are_read_back(store: Store) -> None:
    """The fast path is taken for what a RuralWatch package holds, and only there."""
    store.db.execute(_TABLE)
    sync = SyncService(store)
    kept = sync._kept_types("things")
    assert kept is not None
    assert _kept_as_written("x", kept["t"]) and _kept_as_written(5, kept["i"]) and _kept_as_written(1.5, kept["r"])
    assert _kept_as_written(None, kept["r"]) and _kept_as_written(0.0, kept["f"]) and _kept_as_written("x", kept["u"])
    assert not _kept_as_written(-0.0, kept["r"])  # SQLite reads it back as 0.0
    assert not _kept_as_written(math.nan, kept["u"])  # stored as NULL
    assert not _kept_as_written(True, kept["i"])  # bound as 1
    assert not _kept_as_written(5, kept["t"]) and not _kept_as_written("5", kept["i"])
    assert not _kept_as_written(5, kept["r"]) and not _kept_as_written(2.0, kept["n"])
    store.db.execute("CREATE TRIGGER things_stamp AFTER UPDATE ON things BEGIN SELECT 1; END")
    assert sync._kept_types("things") is None  # a trigger could change what was written: read back


def test_a_package_with_odd_values_merges_with_lines_that_verify(tmp_path: Path) -> None:
    """End to end: a package whose incident rows carry a bool, an integer for a REAL, a number for a TEXT column,
    a numeric text for an INTEGER one and -0.0; the merge's lines are the rows read back, and verify passes."""
    world = World(tmp_path)
    try:
        world.a.incidents.record(make(place="Hill Top"))
        world.a.incidents.record(make(place="Low Farm", lat=52.1))
        plain = tmp_path / "plain.rwsync"
        world.a.sync.export(plain)
        contents = package.PackageReader(plain).contents(None, SYNCABLE_TABLES)
        incidents = contents.tables["incidents"]
        # A bool in an INTEGER column (not `synthetic`: a demo row is left out, ruralwatch.sync.demo_rows).
        incidents[-2].update({"lat": 52, "hc_landowner_informed": True, "place": 17})
        incidents[-1].update({"hc_people": "3", "lon": -0.0, "description": "café \u2028 ☃"})
        manifest = json.loads(entries(plain)["manifest.json"])
        header = {
            k: manifest[k]
            for k in ("package_id", "schema_version", "source_device", "created_at", "clock", "counts", "seen")
        }
        forged = tmp_path / "odd.rwsync"
        package.build(forged, header, contents.tables, contents.blobs, world.a.sync._keys())
        receiver = Device(world.b.path)
        try:
            result = receiver.sync.import_package(forged)
            assert result.status == "applied" and result.inserted >= 2
            lines = {
                (table, row_id): digest
                for table, row_id, digest in receiver.store.db.execute(
                    f"SELECT table_name, row_id, hash FROM {ROW_HASHES_TABLE} WHERE table_name = 'incidents'"
                )
            }
            assert lines == _read_back(receiver.store, "incidents")
            assert receiver.store.db.execute(
                "SELECT typeof(lat), typeof(hc_landowner_informed), typeof(place) FROM incidents WHERE id = ?",
                [incidents[-2]["id"]],
            ).fetchone() == ("real", "integer", "text")
            verified = audit_for(receiver.store).verify()
            assert verified.ok, verified.summary()
        finally:
            receiver.close()
    finally:
        world.a.close()


# --- row_hash's text: orjson where it writes what the json module writes --------------------------------------


def _slow(values: dict[str, Any]) -> bytes:
    return _canonical(values).encode()


def test_every_code_point_is_written_the_same() -> None:
    for start in range(0, sys.maxunicode + 1, 4096):
        text = "".join(chr(c) for c in range(start, min(start + 4096, sys.maxunicode + 1)) if not 0xD800 <= c <= 0xDFFF)
        row = {"a": text, "b": "x" + text[::-1]}
        assert _row_text(row) == _slow(row)


@pytest.mark.parametrize(
    "value",
    [
        0.0,
        -0.0,
        1e-4,
        9.999999999999999e-05,
        1e16,
        9999999999999998.0,
        1e-5,
        1e20,
        -1e16,
        5e-324,
        1.7976931348623157e308,
        math.inf,
        -math.inf,
        math.nan,
        2**63,
        -(2**63) - 1,
        2**64,
        b"\x00bytes",
        True,
        False,
        0,
        -1,
        51.5005,
    ],
)
def test_limits_are_written_the_same(value: Any) -> None:
    row = {"id": "x", "value": value, "other": 1.5}
    assert _row_text(row) == _slow(row)


def test_a_lone_surrogate_fails_as_before() -> None:
    row = {"id": "x", "value": "\ud800"}
    with pytest.raises(UnicodeEncodeError):
        _slow(row)
    with pytest.raises(UnicodeEncodeError):
        _row_text(row)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary(max_size=8))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), _SCALARS, max_size=12))
def test_any_row_hashes_as_the_json_module_would(row: dict[str, Any]) -> None:
    values = {k: v for k, v in row.items() if v is not None}
    assert _row_text(values) == _slow(values)
    assert row_hash(row) == hashlib.sha256(_slow(values)).hexdigest()
