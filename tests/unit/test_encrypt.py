"""Encrypting a database made before accounts: nothing readable is left beside it."""

from __future__ import annotations

from pathlib import Path

from ruralwatch.services.accounts import encrypt_database, sign_in
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import open_store
from ruralwatch.store.database import SQLITE_HEADER
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.store.migrations import MIGRATIONS

PASSWORD = "correct horse battery"


def test_encrypting_an_older_plain_database_leaves_no_plain_copy(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = open_store(path, steps=MIGRATIONS[:7])  # a release from before accounts
    old.db.execute(
        "INSERT INTO incidents(id, kind, occurred_start, lat, lon, status, reporter_phone, created_at, updated_at,"
        " device_id, hlc, field_hlc) VALUES ('a', 'fly_tipping', '2026-01-01T00:00:00Z', 51.9, 0.5, 'open',"
        " '07700 900555', 'x', 'x', 'd', '000000000000001-000000-d', '{\"*\": \"000000000000001-000000-d\"}')"
    )
    old.db.conn.commit()
    old.close()
    encrypt_database(path, "admin", PASSWORD, TEST_PARAMS)
    for file in tmp_path.iterdir():
        data = file.read_bytes()
        assert not data.startswith(SQLITE_HEADER), f"{file.name} is a readable SQLite file"
        assert b"07700 900555" not in data, f"{file.name} holds the phone number in clear"
    store = sign_in(path, "admin", PASSWORD)
    try:
        assert IncidentService(store).get("a").reporter_phone == "07700 900555"
    finally:
        store.close()
