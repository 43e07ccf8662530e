"""`ruralwatch basemap add --copy` and `basemap remove` for a copy, end to end in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli_harness import Cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mbtiles"


def test_copy_then_remove(cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    stick = tmp_path / "usb" / "essex.mbtiles"
    stick.parent.mkdir()
    shutil.copy(FIXTURES / "one_tile.mbtiles", stick)
    added = cli("basemap", "add", str(stick), "--name", "Essex", "--copy")
    copy = encrypted_db.parent / "basemaps" / "essex.mbtiles"
    assert added.code == 0 and f"copied to {copy}" in added.out
    listed = cli("basemap", "list", "--json").json()
    assert [(b["name"], b["copy"], b["problem"]) for b in listed] == [("Essex", True, None)]
    stick.unlink()
    removed = cli("basemap", "remove", "Essex")
    assert removed.code == 0 and "its copy was deleted" in removed.out and not copy.exists()
    missing = cli("basemap", "add", str(stick), "--copy")  # nothing there any more: one line, exit 2
    assert missing.code == 2 and missing.err.count("\n") == 1
