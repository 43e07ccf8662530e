"""Every connection the factory opens gets the larger page cache (SQLCipher decrypts each page it re-reads)."""

from __future__ import annotations

import os
from pathlib import Path

from ruralwatch.store import open_store
from ruralwatch.store.database import CACHE_KIB


def test_plain_encrypted_and_reopened_stores_have_the_page_cache(tmp_path: Path) -> None:
    assert CACHE_KIB >= 65_536
    key = os.urandom(32)
    for store in (open_store(tmp_path / "plain.db"), open_store(tmp_path / "secret.db", key=key)):
        other = store.reopen()
        try:
            for s in (store, other):
                assert s.db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB
        finally:
            other.close()
            store.close()
