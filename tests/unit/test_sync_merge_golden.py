"""The central merge's result, fixed (issue 21, fourth pass): a merge reworked for speed must store the same values,
record the same audit lines (row hashes), count and report the same. The digests below were taken with the merge as
it was before the rework (main at 22e535c); this test recomputes them from a merge of inserts and updates of every
kind of value into every column affinity, over several batches, with rows repeated within and across batches,
conflicts, rows left unchanged, stored BLOBs and values a package cannot carry, and field clocks both plain and
not (a device name outside ASCII)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from test_sync_merge_hashes import _FIELDS, _TABLE, _USUAL, _VALUES

import ruralwatch.services.sync as sync_module
from ruralwatch.services.sync import SyncService, _MergeStats
from ruralwatch.store import Store
from ruralwatch.sync.merge import Side

# sha256 of: every stored value with its type; the audit lines (row hashes) of each merge; each merge's counts and
# conflicts. Taken with main at 22e535c (0 inserted, 156 updated, 9 unchanged, 455 conflicts in the second merge).
_ROWS = "720c4eb845e503c2d33799430e3c60bb2ac802cac0f8d2a6486c398708cae07c"
_LINES = "806034787fed5bca495e7abf54c113b3b29644c94f845b89d682dce3e5384d70"
_REPORT = "a0b4b992e0678cbd2912aba895b4320c8bc2fc1fd72a56c371c506ddbe27187e"


def _clock(millis: int, counter: int, device: str) -> str:
    return f"{millis:015d}-{counter:06d}-{device}"


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _merge(sync: SyncService, store: Store, rows: list[dict[str, Any]], sender: Side) -> _MergeStats:
    stats = _MergeStats()
    with store.transaction():
        sync._merge_table("things", sync._columns("things"), rows, None, Side(store.device_id, {}), sender, stats)
    return stats


def _row(row_id: str, values: dict[str, Any], clocks: dict[str, str], star: str, device: str) -> dict[str, Any]:
    return {"id": row_id, **_USUAL, **values, "created_at": "c", "updated_at": star, "device_id": device,
            "hlc": max([star, *clocks.values()]), "field_hlc": json.dumps({"*": star, **clocks}, sort_keys=True),
            "deleted": 0}


def test_a_merge_stores_and_records_what_it_did_before(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_module, "_BATCH", 7)  # many batches: rows repeated within and across them
    store.db.execute(_TABLE)
    sync = SyncService(store)
    # Rows held before any merge, some with what no package carries (a BLOB in every affinity, a float where an
    # integer column holds it as a float, text with a NUL), each with its own local clocks.
    held = []
    for n, value in enumerate([b"\x00\x01blob", b"", 2.5, 2**40, "tab\tnul\x00", None, 1e300, -0.0]):
        for name in _FIELDS:
            star = _clock(1, n, "central")
            held.append(_row(f"held{n}-{name}", {name: value}, {}, star, "central"))
    columns = sync._columns("things")
    placeholders = ",".join("?" * len(columns))
    store.db.conn.executemany(f"INSERT INTO things ({','.join(columns)}) VALUES ({placeholders})",
                              [[row[c] for c in columns] for row in held])
    results: list[Any] = []
    # 1. Inserts of every value into every column, one row inserted twice in a batch and once more later.
    first = []
    for n, value in enumerate(_VALUES):
        for name in _FIELDS:
            star = _clock(2, n, "laptop1")
            first.append(_row(f"row{n}-{name}", {name: value}, {}, star, "laptop1"))
    again, later = _clock(3, 0, "laptop1"), _clock(4, 0, "laptop1")
    first.insert(3, {**first[1], "t": "again", "field_hlc": json.dumps({"*": first[1]["hlc"], "t": again}),
                     "hlc": again})
    first.append({**first[0], "v": "later", "field_hlc": json.dumps({"*": first[0]["hlc"], "v": later}),
                  "hlc": later})
    stats = _merge(sync, store, first, Side("laptop1", {}))
    results.append((stats.inserted, stats.updated, stats.unchanged, stats.conflicts, sorted(stats.row_hashes.items())))
    # 2. Updates from another laptop that knew nothing of laptop1 or the central store: per-field clocks (some
    # older, some newer than those held: conflicts both ways), every value into every column, rows left as they
    # were, rows repeated in a batch and across batches, the held rows with their BLOBs, and a device outside ASCII.
    second = []
    targets = [row["id"] for row in first[:len(_VALUES) * 3]] + [row["id"] for row in held]
    for n, row_id in enumerate(targets):
        value = _VALUES[(n * 7) % len(_VALUES)]
        device = "läptop2" if n % 5 == 0 else "laptop2"
        name = _FIELDS[n % len(_FIELDS)]
        star = _clock(1 if n % 3 == 0 else 2, n, device)
        clocks = {name: _clock(5 if n % 4 else 0, n, device), "t": _clock(6, n, device)}
        second.append(_row(row_id, {name: value, "t": f"t{n % 3}"}, clocks, star, device))
        if n % 11 == 0:
            second.append(_row(row_id, {name: "again", "t": "t9"}, {name: _clock(7, n, device)}, star, device))
    second += second[:9]  # merged again, later, in other batches: unchanged
    stats = _merge(sync, store, second, Side("laptop2", {}))
    results.append((stats.inserted, stats.updated, stats.unchanged, stats.conflicts, sorted(stats.row_hashes.items())))
    stored = store.db.execute("SELECT * FROM things ORDER BY id").fetchall()
    assert (stats.inserted, stats.updated, stats.unchanged, len(stats.conflicts)) == (0, 156, 9, 455)
    assert _digest([(type(v).__name__, v) for row in stored for v in row]) == _ROWS
    assert _digest([result[4] for result in results]) == _LINES
    assert _digest([result[:4] for result in results]) == _REPORT
