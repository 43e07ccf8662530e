"""Basemaps copied beside the database: checked, cancellable, stored relative so they move with the data folder,
and deleted with the basemap (a file the user only pointed at is never touched). Real MBTiles fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ruralwatch.core.errors import CancelledError
from ruralwatch.paths import DB_ENV
from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.services.basemaps import BasemapError, BasemapService
from ruralwatch.services.data_location import finish_move, move_database
from ruralwatch.store import Store
from ruralwatch.store.basemaps import basemaps_folder
from ruralwatch.store.keyring import TEST_PARAMS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mbtiles"
PASSWORD = "correct horse battery"


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """The basemap on a 'USB stick' (a folder of its own)."""
    folder = tmp_path / "usb"
    folder.mkdir()
    return Path(shutil.copy(FIXTURES / "geography-class-jpg.mbtiles", folder / "essex.mbtiles"))


def test_a_copy_is_checked_stored_relative_and_deleted_with_the_basemap(store: Store, stick: Path) -> None:
    service = BasemapService(store)
    added = service.add(stick, "Essex", copy=True)
    copy = basemaps_folder(store.path) / "essex.mbtiles"
    assert added.managed and Path(added.path) == copy and copy.read_bytes() == stick.read_bytes()
    assert store.db.execute("SELECT path FROM basemaps").fetchone()[0] == "basemaps/essex.mbtiles"
    stick.unlink()  # the stick is out: the map still has its basemap
    assert service.check(added) is None
    service.remove("Essex")
    assert not copy.exists()


def test_a_file_used_where_it_is_is_never_deleted(store: Store, stick: Path) -> None:
    service = BasemapService(store)
    added = service.add(stick, "Essex")
    assert not added.managed and added.path == str(stick.resolve())
    service.remove("Essex")
    assert stick.exists()


def test_a_cancelled_or_refused_copy_leaves_nothing(store: Store, stick: Path, tmp_path: Path) -> None:
    service = BasemapService(store)
    notes: list[str] = []
    with pytest.raises(CancelledError):
        service.add(stick, "Essex", copy=True, progress=lambda done, total, note="": notes.append(note) and False)
    assert notes == ["Copying essex.mbtiles (0.5 MB)"]  # which file, how big (491,520 bytes)
    assert service.list() == [] and list(basemaps_folder(store.path).iterdir()) == []
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BasemapError):
        service.add(bad, "Bad", copy=True)  # refused before anything is copied
    assert service.list() == [] and list(basemaps_folder(store.path).iterdir()) == []


def test_copied_basemaps_move_with_the_data_folder(tmp_path: Path, stick: Path, monkeypatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    old = tmp_path / "old" / "ruralwatch.db"
    old.parent.mkdir()
    store = create_database(old, "admin", PASSWORD, TEST_PARAMS)
    BasemapService(store).add(stick, "Essex", copy=True)
    moved = move_database(store, tmp_path / "new")
    store.close()
    assert finish_move(moved) == []
    assert not basemaps_folder(old).exists()
    reopened = sign_in(moved.new_path, "admin", PASSWORD)
    try:
        service = BasemapService(reopened)
        basemap = service.get("Essex")
        assert Path(basemap.path) == basemaps_folder(moved.new_path) / "essex.mbtiles"
        assert service.check(basemap) is None
    finally:
        reopened.close()
