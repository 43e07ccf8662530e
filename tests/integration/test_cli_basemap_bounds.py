"""`ruralwatch basemap add` refuses a hostile file within seconds with one line and exit 2 (issue 15, item 9)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from cli_harness import Cli

from ruralwatch.mapping import mbtiles


def test_a_tiles_view_that_never_ends_and_a_fifo_are_refused(cli: Cli, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbtiles, "CHECK_SECONDS", 1.0, raising=False)
    endless = tmp_path / "endless.mbtiles"
    conn = sqlite3.connect(endless)
    conn.execute("CREATE VIEW tiles AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                 "SELECT 0 AS zoom_level, n AS tile_column, 0 AS tile_row, X'89504E47' AS tile_data FROM r")
    conn.commit()
    conn.close()
    fifo = tmp_path / "pipe.mbtiles"
    os.mkfifo(fifo)
    for path, reason in ((endless, "took longer than 1 s"), (fifo, "pipe (FIFO)")):
        started = time.monotonic()
        added = cli("basemap", "add", str(path), "--name", path.stem)
        assert time.monotonic() - started < 10
        assert added.code == 2 and added.err.count("\n") == 1 and reason in added.err, added.err
        assert "not a usable basemap" in added.err or "not a file" in added.err
    assert cli("basemap", "list", "--json").json() == []
