"""Hostile basemap files are refused within seconds, never hang (issue 15, item 9): a `tiles` view over an endless
recursive query, a FIFO or a device in place of the file, and a tile query that never ends while the map is shown."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_mbtiles import PNG, make_mbtiles

from ruralwatch.mapping import mbtiles
from ruralwatch.mapping.mbtiles import MBTiles, MBTilesError, inspect_mbtiles

ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)"


def endless_view(path: Path) -> Path:
    """`tiles` is a view over a recursive query that never ends: COUNT(*) over it runs forever."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"CREATE VIEW tiles AS {ENDLESS} SELECT 0 AS zoom_level, n AS tile_column, 0 AS tile_row, "
                     f"X'89504E470D0A1A0A' AS tile_data FROM r")
        conn.commit()
    finally:
        conn.close()
    return path


def slow_tiles_at_zoom_1(path: Path) -> Path:
    """Checks pass (COUNT, the zoom range and the first tile never touch it), but a zoom-1 tile never ends."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE t (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.executemany("INSERT INTO t VALUES (?, 0, 0, ?)", [(0, PNG), (1, PNG)])
        conn.execute(f"CREATE VIEW tiles AS SELECT zoom_level, tile_column, tile_row, CASE WHEN zoom_level = 1 "
                     f"THEN ({ENDLESS} SELECT max(n) FROM r) ELSE tile_data END AS tile_data FROM t")
        conn.commit()
    finally:
        conn.close()
    return path


def within(seconds: float, call: Callable[[], object], release: Callable[[], None] = lambda: None) -> BaseException:
    """Run `call` on a thread; it must raise within `seconds` (the error is returned). If it hangs, `release`
    unblocks it and the test fails instead of hanging too."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            caught.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        release()
        worker.join(5)
        pytest.fail(f"still running after {seconds} s")
    assert caught, "no error raised"
    return caught[0]


@pytest.mark.parametrize("opener", [MBTiles, inspect_mbtiles], ids=["MBTiles", "inspect_mbtiles"])
def test_a_tiles_view_that_never_ends_is_refused_at_the_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 opener: Callable[[Path], object]) -> None:
    monkeypatch.setattr(mbtiles, "CHECK_SECONDS", 0.5)
    path = endless_view(tmp_path / "endless.mbtiles")
    started = time.monotonic()
    error = within(10, lambda: opener(path))
    assert isinstance(error, MBTilesError), repr(error)
    assert time.monotonic() - started < 5
    message = str(error)
    assert "\n" not in message and "endless.mbtiles" in message and "longer than 0.5 s" in message
    assert "not a usable basemap" in message


def test_the_deadline_can_be_given_per_file(tmp_path: Path) -> None:
    path = endless_view(tmp_path / "endless.mbtiles")
    error = within(10, lambda: inspect_mbtiles(path, check_seconds=0.2))
    assert isinstance(error, MBTilesError) and "longer than 0.2 s" in str(error)


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mbtiles"
    os.mkfifo(fifo)

    def release() -> None:  # a writer lets a blocked open (the old behaviour) return
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    error = within(5, lambda: inspect_mbtiles(fifo), release)
    assert isinstance(error, MBTilesError) and "pipe.mbtiles" in str(error) and "pipe (FIFO)" in str(error)
    assert "\n" not in str(error)


def test_a_device_is_refused(tmp_path: Path) -> None:
    error = within(5, lambda: inspect_mbtiles(Path("/dev/zero")))
    assert isinstance(error, MBTilesError) and "a device, not a file" in str(error)


def test_a_symlink_to_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "basemap.mbtiles"
    link.symlink_to(fifo)
    error = within(5, lambda: MBTiles(link), lambda: os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)))
    assert isinstance(error, MBTilesError) and "pipe (FIFO)" in str(error)


def test_a_tile_query_that_never_ends_is_an_error_at_its_deadline(tmp_path: Path) -> None:
    path = slow_tiles_at_zoom_1(tmp_path / "slow.mbtiles")
    with MBTiles(path, tile_seconds=0.3) as tiles:
        assert tiles.tile(0, 0, 0) == PNG
        started = time.monotonic()
        error = within(10, lambda: tiles.tile(1, 0, 1))
        assert isinstance(error, MBTilesError) and "longer than 0.3 s" in str(error), repr(error)
        assert time.monotonic() - started < 5
        assert tiles.tile(0, 0, 0) == PNG  # the connection is still usable afterwards


def test_a_real_file_is_not_affected_by_the_bounds(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "ok.mbtiles", [(z, 0, 0, PNG) for z in range(5)])
    with MBTiles(path, check_seconds=5, tile_seconds=5) as tiles:
        assert tiles.info.tile_count == 5 and (tiles.info.minzoom, tiles.info.maxzoom) == (0, 4)
        assert tiles.tile(4, 0, 15) == PNG
