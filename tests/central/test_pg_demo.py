"""The PostgreSQL central store follows the demo rule as the SQLite one does (ruralwatch.sync.demo_rows): a package
from an older RuralWatch has its demo rows left out, counted in the report and the merge audit; demo rows an older
central store took in never go out to a laptop, nor count as pending for it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.laptops import Laptop
from pg_helpers import merge, new_central

from ruralwatch.central.postgres import PgCentral
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.demo import load_demo, load_demo_premises
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync import demo_rows
from ruralwatch.sync.package import PackageReader

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _pg_demo(central: PgCentral) -> int:
    total = 0
    for table in SYNCABLE_TABLES:
        found = demo_rows.condition(table, "r")
        if found:
            total += central.conn.execute(f'SELECT count(*) FROM "{table}" AS r WHERE {found}'.encode()).fetchone()[0]
    return total


def _old_export(laptop: Laptop, path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """What an export did before the rule: every row. How many rows it carried."""
    with monkeypatch.context() as old:
        old.setattr(demo_rows, "real_rows", lambda _table, _alias: "1 = 1")
        old.setattr(demo_rows, "condition", lambda _table, _alias: None)
        laptop.services.sync.export(path)
    return PackageReader(path).contents(None, SYNCABLE_TABLES).row_count()


def test_an_older_package_s_demo_rows_are_left_out_and_older_demo_rows_never_go_to_a_laptop(
        pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Laptop(tmp_path / "a.db"), Laptop(tmp_path / "b.db")
    central = new_central(pg_dsn)
    try:
        for laptop in (a, b):
            identity = laptop.services.sync.identity()
            central.trust(identity.device_id, identity.public_key, laptop.path.stem)
            laptop.services.sync.trust(central.device_id, central.keys.public_hex(), "HQ")
        load_demo(a.services.incidents, count=30, now=NOW)
        load_demo_premises(a.services.premises, a.services.incidents, now=NOW)
        a.services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9,
                                                  lon=0.3, place="Real farm"))
        carried = _old_export(a, tmp_path / "old.rwsync", monkeypatch)

        merged = merge(central, tmp_path / "old.rwsync")
        assert (merged.status, merged.rows, merged.inserted, merged.conflicts) == ("applied", carried, 1, 0)
        assert merged.demo_left_out == carried - 1
        assert _pg_demo(central) == 0
        detail = central.conn.execute(b"SELECT detail FROM merge_audit WHERE action = 'merge'").fetchone()[0]
        assert (json.loads(detail) if isinstance(detail, str) else detail)["demo_left_out"] == carried - 1

        # A central store that merged demo rows before the rule keeps them, but sends them to no laptop.
        with monkeypatch.context() as older:
            older.setattr(demo_rows, "leave_out", lambda _contents, _held: 0)
            _old_export(a, tmp_path / "older.rwsync", monkeypatch)
            assert merge(central, tmp_path / "older.rwsync").inserted == carried - 1
        assert _pg_demo(central) == carried - 1
        (device,) = [d for d in central.status().devices if d.device_id == b.store.device_id]
        assert device.pending == 1  # the real incident only
        made = central.package_for(b.store.device_id, tmp_path / "to-b.rwsync", None)
        assert sum(made.rows.values()) == 1
        received = b.services.sync.import_package(tmp_path / "to-b.rwsync")
        assert (received.inserted, received.conflicts) == (1, 0)
        assert not b.services.incidents.has_synthetic()
    finally:
        central.close()
        a.store.close()
        b.store.close()
