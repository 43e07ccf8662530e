"""The data folder: which database a start uses, choosing a folder, and moving the database with its keyring and
backups. Real encrypted databases (cheap test key derivation); nothing is mocked below the service."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.accounts import add_account
from fixtures.read_only import refuse_root_in

from ruralwatch.core.errors import CancelledError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.permissions import PermissionDeniedError
from ruralwatch.paths import (
    DB_ENV,
    default_db_path,
    location_file,
    location_is_choosable,
    remember_db_path,
    remembered_db_path,
    resolve_db_path,
)
from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.services.backups import backup_now
from ruralwatch.services.data_location import DataFolderError, check_data_folder, finish_move, move_database
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import open_store
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.backups import backups_folder
from ruralwatch.store.keyring import TEST_PARAMS, keyring_path

PASSWORD = "correct horse battery"
WHEN = "2026-11-20T06:30:00Z"


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


@pytest.fixture
def admin_store(tmp_path: Path):
    path = tmp_path / "old" / "ruralwatch.db"
    path.parent.mkdir()
    store = create_database(path, "admin", PASSWORD, TEST_PARAMS)
    IncidentService(store).record(IncidentInput(kind="hare_coursing", occurred_start=WHEN, lat=51.9, lon=0.3,
                                                description="Three dogs on stubble"))
    yield store
    store.close()


# --- which database -------------------------------------------------------------------------------------------


def test_the_choice_is_used_after_the_option_and_the_environment(tmp_path: Path, monkeypatch) -> None:
    assert resolve_db_path(None) == default_db_path()
    chosen = tmp_path / "chosen" / "ruralwatch.db"
    remember_db_path(chosen)
    assert remembered_db_path() == chosen.resolve()
    assert resolve_db_path(None) == chosen.resolve()
    assert resolve_db_path(str(tmp_path / "x.db")) == tmp_path / "x.db"
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert not location_is_choosable(None)
    monkeypatch.delenv(DB_ENV)
    assert location_is_choosable(None) and not location_is_choosable("some.db")


def test_an_empty_record_is_no_choice(tmp_path: Path) -> None:
    location_file().parent.mkdir(parents=True, exist_ok=True)
    location_file().write_text("\n", encoding="utf-8")
    assert remembered_db_path() is None
    assert resolve_db_path(None) == default_db_path()


# --- checking a folder ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [
    ("", "Choose a folder"),
    ("relative/folder", "not a full path"),
])
def test_a_folder_that_is_not_one_is_refused(given: str, expected: str) -> None:
    with pytest.raises(DataFolderError, match=expected):
        check_data_folder(given)


def test_a_file_or_a_folder_with_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(DataFolderError, match="is a file"):
        check_data_folder(tmp_path / "a-file")
    taken = tmp_path / "taken"
    taken.mkdir()
    keyring_path(taken / "ruralwatch.db").write_text("{}", encoding="utf-8")  # a keyring alone counts too
    with pytest.raises(DataFolderError, match="already holds a RuralWatch database"):
        check_data_folder(taken)


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    target = check_data_folder(tmp_path / "a" / "b")
    assert target == tmp_path / "a" / "b" / "ruralwatch.db"
    assert target.parent.is_dir() and not target.exists()


def test_a_folder_one_may_not_write_in_is_refused(tmp_path: Path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    refuse_root_in(locked, monkeypatch)
    try:
        with pytest.raises(DataFolderError, match="may not write"):
            check_data_folder(locked)
    finally:
        locked.chmod(0o700)


# --- moving ---------------------------------------------------------------------------------------------------


def test_moving_copies_everything_and_removes_the_old_files_after_closing(admin_store, tmp_path: Path) -> None:
    old = admin_store.path
    backup = backup_now(admin_store)
    new_folder = tmp_path / "encrypted drive" / "RuralWatch"

    moved = move_database(admin_store, new_folder)

    assert moved.new_path == new_folder / "ruralwatch.db"
    assert remembered_db_path() == moved.new_path.resolve()
    assert old.exists() and keyring_path(old).exists()  # nothing removed while the database is open
    admin_store.close()
    assert finish_move(moved) == []
    assert not old.exists() and not keyring_path(old).exists()
    assert not backups_folder(old).exists()
    assert (backups_folder(moved.new_path) / backup.path.name).exists()

    reopened = sign_in(moved.new_path, "admin", PASSWORD)  # same keyring, same password
    try:
        assert IncidentService(reopened).count() == 1
        actions = [row[0] for row in reopened.db.execute("SELECT action FROM audit_log ORDER BY seq")]
        assert actions[-2:] == ["data.move", "login"]  # the move travelled with the copy
        assert AuditLog(reopened).verify().ok
    finally:
        reopened.close()


def test_only_an_administrator_moves_the_data(admin_store, tmp_path: Path) -> None:
    add_account(admin_store, "sc101", "special", "special constable 42")
    special = sign_in(admin_store.path, "sc101", "special constable 42")
    try:
        with pytest.raises(PermissionDeniedError):
            move_database(special, tmp_path / "elsewhere")
    finally:
        special.close()
    assert not (tmp_path / "elsewhere").exists()
    assert remembered_db_path() is None


def test_a_cancelled_move_leaves_nothing_behind(admin_store, tmp_path: Path) -> None:
    target = tmp_path / "new"
    notes: list[str] = []
    with pytest.raises(CancelledError):
        move_database(admin_store, target, progress=lambda done, total, note="": notes.append(note) and False)
    assert notes == [f"Copying the database to {target}"]  # the words the progress dialog shows
    assert list(target.iterdir()) == []
    assert remembered_db_path() is None
    assert IncidentService(admin_store).count() == 1
    last = admin_store.db.execute("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert last == "data.move.failed"


def test_moving_onto_itself_or_an_unencrypted_file_is_refused(admin_store, tmp_path: Path) -> None:
    with pytest.raises(DataFolderError, match="already in"):
        move_database(admin_store, admin_store.path.parent)
    plain = open_store(tmp_path / "plain.db")
    try:
        with pytest.raises(DataFolderError, match="encrypted"):
            move_database(plain, tmp_path / "plain-new")
    finally:
        plain.close()


def test_a_folder_inside_the_databases_own_backups_is_refused(admin_store) -> None:
    backup_now(admin_store)
    for inside in (backups_folder(admin_store.path), backups_folder(admin_store.path) / "deeper"):
        with pytest.raises(DataFolderError, match="inside RuralWatch's own backups folder"):
            move_database(admin_store, inside)
    assert remembered_db_path() is None


def test_a_cancel_after_the_last_page_still_stops_the_move(admin_store, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def cancel_once_copied(done: int, total: int, _note: str = "") -> bool:
        calls.append((done, total))
        return (done, total) != (1, 1)  # the copy goes through; the Cancel comes during the check after it

    with pytest.raises(CancelledError):
        move_database(admin_store, tmp_path / "new", progress=cancel_once_copied)
    assert calls[-1] == (1, 1)
    assert list((tmp_path / "new").iterdir()) == [] and remembered_db_path() is None


def test_a_write_by_another_connection_after_the_copy_stops_the_move(admin_store, tmp_path: Path,
                                                                      monkeypatch) -> None:
    import ruralwatch.services.data_location as data_location

    real_check = data_location.check_file

    def check_while_another_window_writes(path: Path, key: bytes | None) -> str | None:
        other = admin_store.reopen()
        try:
            IncidentService(other).record(IncidentInput(kind="fly_tipping", occurred_start=WHEN, lat=51.8, lon=0.6))
        finally:
            other.close()
        return real_check(path, key)

    monkeypatch.setattr(data_location, "check_file", check_while_another_window_writes)
    with pytest.raises(DataFolderError, match="changed while it was being copied"):
        move_database(admin_store, tmp_path / "new")
    assert list((tmp_path / "new").iterdir()) == [] and remembered_db_path() is None
    assert IncidentService(admin_store).count() == 2  # the late write is in the database still in use


def test_upgrade_copies_move_with_the_database(admin_store, tmp_path: Path) -> None:
    upgrade = admin_store.path.with_name(admin_store.path.name + ".schema8-20261125T120000Z.bak")
    upgrade.write_bytes(b"an encrypted copy made before an upgrade")
    moved = move_database(admin_store, tmp_path / "new")
    admin_store.close()
    assert finish_move(moved) == []
    assert not upgrade.exists()
    assert (moved.new_path.parent / upgrade.name).read_bytes() == b"an encrypted copy made before an upgrade"


def test_the_road_network_moves_with_the_database(admin_store, tmp_path: Path) -> None:
    roads = admin_store.path.with_name(admin_store.path.name + ".roads")
    roads.write_bytes(b"a road network imported from an OpenStreetMap extract")
    moved = move_database(admin_store, tmp_path / "new")
    admin_store.close()
    assert finish_move(moved) == []
    assert not roads.exists()
    assert (moved.new_path.parent / roads.name).read_bytes() == b"a road network imported from an OpenStreetMap extract"


def test_old_files_are_kept_when_the_new_database_is_missing(admin_store, tmp_path: Path) -> None:
    moved = move_database(admin_store, tmp_path / "new")
    admin_store.close()
    moved.new_path.unlink()  # e.g. the new drive was unplugged before RuralWatch closed
    problems = finish_move(moved)
    assert problems and "kept" in problems[0]
    assert moved.old_path.exists() and keyring_path(moved.old_path).exists()
