"""SQLCipher settings the store relies on for speed, checked on the connections it opens (issue 21)."""

from __future__ import annotations

import os
from pathlib import Path

from ruralwatch.store import open_store


def test_memory_security_is_off_and_pages_are_4_kib(tmp_path: Path) -> None:
    store = open_store(tmp_path / "e.db", key=os.urandom(32))
    try:
        # Off on purpose (store/database.connect says why): on, every allocation is locked and every free wiped.
        assert store.db.execute("PRAGMA cipher_memory_security").fetchone()[0] in (0, "0")
        assert int(store.db.execute("PRAGMA page_size").fetchone()[0]) == 4096
    finally:
        store.close()
