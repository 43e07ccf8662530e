"""The window's tile handler is bounded by the reader's deadlines, and pays for a hostile file once (issue 15, 9)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from ruralwatch.mapping import mbtiles
from ruralwatch.ui.tiles import TileSchemeHandler


def test_a_basemap_that_never_finishes_its_check_is_refused_once(qapp, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbtiles, "CHECK_SECONDS", 0.3)
    endless = tmp_path / "endless.mbtiles"
    conn = sqlite3.connect(endless)
    conn.execute("CREATE VIEW tiles AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                 "SELECT 0 AS zoom_level, n AS tile_column, 0 AS tile_row, X'89504E47' AS tile_data FROM r")
    conn.commit()
    conn.close()
    asked: list[str] = []
    handler = TileSchemeHandler(lambda basemap_id: asked.append(basemap_id) or endless)
    started = time.monotonic()
    assert handler.reader("endless") is None
    assert time.monotonic() - started < 5
    assert len(handler.failed) == 1 and "longer than 0.3 s" in handler.failed[0]
    started = time.monotonic()
    for _ in range(50):  # every further tile of that basemap: refused at once, not checked again
        assert handler.reader("endless") is None
    assert time.monotonic() - started < 0.5 and asked == ["endless"]
    handler.forget()  # basemaps changed: look again
    assert handler.reader("endless") is None and asked == ["endless", "endless"]
