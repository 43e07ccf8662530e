"""Backups: encrypted copies checked before they count, rotation, the daily clock, restore, a damaged database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.accounts import add_account
from fixtures.damaged_backups import DAMAGE_KINDS, changed, copy_backup, cut, damage, says_it_in_user_words
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import CancelledError
from ruralwatch.core.incident import IncidentFilter, IncidentInput
from ruralwatch.core.permissions import PermissionDeniedError
from ruralwatch.services.accounts import AccountService, create_database, sign_in
from ruralwatch.services.backups import (
    DAILY_DUE_AFTER,
    KEEP,
    BackupError,
    BackupService,
    DamagedDatabaseError,
    UnusableBackupError,
    backup_now,
    check_backup_file,
    check_database,
    daily_due,
    latest_good_backup,
    list_with_status,
    maybe_backup,
    newest_backup_in,
    restore,
    sign_in_checked,
    startup_problem,
)
from ruralwatch.services.demo import load_demo
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import backups as store_backups
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.backups import backups_folder, list_backups, parse_name, rotate
from ruralwatch.store.database import SQLITE_HEADER, Store, connect, open_store
from ruralwatch.store.keyring import TEST_PARAMS, Keyring, PasswordChangeRequired, SignInError, keyring_path

ADMIN = "admin"
PASSWORD = "correct horse battery staple"
SPECIAL = "sam"
SPECIAL_PASSWORD = "special constable sam"
T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


def _fill(store: Store, count: int = 150) -> None:
    """Enough incidents that the file has many pages (a byte overwritten mid-file hits a page in use)."""
    load_demo(IncidentService(store), count=count, now=T0)


def _incidents(store: Store) -> int:
    return IncidentService(store).count()


def _damage(path: Path) -> None:
    """Overwrite bytes in the middle of a closed file (an encrypted page then fails its HMAC)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xa5" * 512)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _open_with_key(path: Path, key: bytes) -> Store:
    return open_store(path, key=key)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "ruralwatch.db"
    store = create_database(path, ADMIN, PASSWORD, TEST_PARAMS)
    try:
        _fill(store)
    finally:
        store.close()
    return path


@pytest.fixture
def live(db: Path) -> Iterator[Store]:
    store = sign_in(db, ADMIN, PASSWORD)
    yield store
    store.close()


# --- making a backup -----------------------------------------------------------------------------------


def test_a_backup_is_encrypted_checked_and_has_the_same_rows(live: Store, db: Path) -> None:
    info = backup_now(live, now=T0)

    assert info.path.parent == db.parent / "backups"
    assert info.path.name == "ruralwatch-20260302T073000Z-manual.db"
    assert parse_name(info.path)[1:] == (T0, "manual")  # type: ignore[index]
    assert info.path.read_bytes()[:16] != SQLITE_HEADER
    assert keyring_path(info.path).is_file() and info.has_keyring
    assert not list(info.path.parent.glob(".*"))  # no temporary file left
    raw = connect(info.path, live.key)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no WAL beside it
    raw.close()
    copy = _open_with_key(info.path, live.key)  # type: ignore[arg-type]
    try:
        assert _incidents(copy) == _incidents(live) == 150
    finally:
        copy.close()
    # ... and with a password through its own keyring, as a restore opens it.
    assert Keyring.load(info.path).unlock(ADMIN, PASSWORD) == live.key
    entry = AuditLog(live).entries(action="backup")[0]
    assert entry.actor == ADMIN and entry.changes["reason"] == "manual"  # type: ignore[index]


def test_an_administrator_may_back_up_to_another_folder_and_other_roles_only_automatically(
        live: Store, db: Path, tmp_path: Path) -> None:
    add_account(live, SPECIAL, "special", SPECIAL_PASSWORD)
    special = sign_in(db, SPECIAL, SPECIAL_PASSWORD)
    try:
        with pytest.raises(PermissionDeniedError):
            backup_now(special, tmp_path / "elsewhere", now=T0)
        with pytest.raises(PermissionDeniedError):
            list_with_status(special)
        assert not (tmp_path / "elsewhere").exists()
        automatic = maybe_backup(special, "start", T0)  # the window's start-up backup, whoever signed in
    finally:
        special.close()
    assert automatic is not None and list_backups(db) == [automatic]
    (tmp_path / "usb").mkdir()  # the stick, mounted
    info = backup_now(live, tmp_path / "usb" / "backups", now=T0)  # a folder on it is made
    assert info.path.parent == tmp_path / "usb" / "backups" and info.has_keyring
    assert list_backups(db) == [automatic]  # not in the database's own backups folder
    with pytest.raises(BackupError, match="usbb does not exist"):  # a typo, or the stick not mounted
        backup_now(live, tmp_path / "usbb" / "backups", now=T0)
    assert not (tmp_path / "usbb").exists()


def test_a_plain_file_is_never_backed_up(tmp_path: Path) -> None:
    plain = open_store(tmp_path / "plain.db")
    try:
        assert maybe_backup(plain, "start", T0) is None
        with pytest.raises(BackupError, match="not encrypted"):
            backup_now(plain)
    finally:
        plain.close()
    assert not backups_folder(tmp_path / "plain.db").exists()


def test_a_copy_that_fails_its_integrity_check_does_not_count(live: Store, db: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    good = backup_now(live, now=T0)
    real_copy = store_backups.copy_database

    def damaging_copy(conn: object, target: Path, key: bytes | None, progress: object = None) -> None:
        real_copy(conn, target, key, progress)
        _damage(target)

    monkeypatch.setattr(store_backups, "copy_database", damaging_copy)
    with pytest.raises(BackupError, match="integrity check"):
        maybe_backup(live, "start", T0 + timedelta(hours=1))
    assert list_backups(db) == [good]
    assert sorted(p.name for p in good.path.parent.iterdir()) == [good.path.name, good.keyring.name]
    assert [e.changes["reason"] for e in AuditLog(live).entries(action="backup")] == ["manual"]  # type: ignore[index]


# --- the daily clock and rotation ----------------------------------------------------------------------


def test_a_daily_backup_only_when_due(live: Store, db: Path) -> None:
    assert daily_due(db, T0)
    first = maybe_backup(live, "daily", T0)
    assert first is not None and first.reason == "daily"
    assert maybe_backup(live, "daily", T0 + timedelta(hours=1)) is None
    assert maybe_backup(live, "daily", T0 + DAILY_DUE_AFTER - timedelta(seconds=1)) is None
    # A start-up always backs up, as "start" while the daily one is fresh ...
    started = maybe_backup(live, "start", T0 + timedelta(hours=2))
    assert started is not None and started.reason == "start"
    # ... and a start-up backup does not reset the daily clock.
    second = maybe_backup(live, "daily", T0 + DAILY_DUE_AFTER)
    assert second is not None and second.reason == "daily"
    # A start-up when a daily one is due makes that one (not two copies).
    third = maybe_backup(live, "start", T0 + 2 * DAILY_DUE_AFTER)
    assert third is not None and third.reason == "daily"
    assert [b.reason for b in list_backups(db)] == ["daily", "daily", "start", "daily"]
    with pytest.raises(ValueError):
        maybe_backup(live, "manual", T0)


def test_the_service_uses_its_clock(live: Store) -> None:
    now = [T0]
    service = BackupService(live, clock=lambda: now[0])
    assert service.maybe_backup("daily") is not None
    assert service.maybe_backup("daily") is None
    now[0] = T0 + timedelta(days=1)
    assert service.maybe_backup("daily") is not None
    assert [s.verified for s in service.list()] == [True, True]
    assert service.latest_good() == list_backups(live.path)[0]


def test_rotation_keeps_the_newest_of_each_automatic_kind_and_every_manual_one(live: Store, db: Path) -> None:
    manual = backup_now(live, now=T0 - timedelta(days=30))
    for day in range(10):
        morning = T0 + timedelta(days=day)
        assert maybe_backup(live, "start", morning).reason == "daily"  # type: ignore[union-attr]
        for hour in (1, 2):
            assert maybe_backup(live, "start", morning + timedelta(hours=hour)).reason == "start"  # type: ignore[union-attr]

    found = list_backups(db)
    daily = [b.made for b in found if b.reason == "daily"]
    start = [b.made for b in found if b.reason == "start"]
    assert daily == [T0 + timedelta(days=d) for d in range(9, 9 - KEEP["daily"], -1)]
    assert start == [T0 + timedelta(days=9, hours=h) for h in (2, 1)] + [T0 + timedelta(days=8, hours=2)]
    assert len(start) == KEEP["start"]
    assert manual in found
    on_disk = {p.name for p in backups_folder(db).iterdir()}
    assert on_disk == {b.path.name for b in found} | {b.keyring.name for b in found}  # keyrings went with them


def test_rotation_leaves_other_databases_alone_and_tidies_orphan_keyrings(live: Store, db: Path) -> None:
    folder = backups_folder(db)
    for day in range(KEEP["daily"] + 2):
        maybe_backup(live, "daily", T0 + timedelta(days=day))
    other = folder / "other-20200101T000000Z-daily.db"
    other.write_bytes(b"x")
    orphan = folder / "ruralwatch-20200101T000000Z-daily.db.keys"
    orphan.write_text("{}")
    unrelated = folder / "notes.txt"
    unrelated.write_text("mine")
    now = T0 + timedelta(days=KEEP["daily"] + 2)  # the file times are set from it, not from the machine's clock
    died = folder / ".ruralwatch-20200101T000000Z-daily.db.part"  # a backup that died (power cut) long ago
    died.write_bytes(b"half")
    os.utime(died, (0, 0))
    running = folder / ".ruralwatch-20260302T073000Z-daily.db.part"  # one being written right now
    running.write_bytes(b"half")
    written = (now - timedelta(seconds=5)).timestamp()
    os.utime(running, (written, written))
    assert rotate(db, now=now) == []
    assert other.exists() and unrelated.exists() and not orphan.exists()
    assert not died.exists() and running.exists()
    assert len(list_backups(db)) == KEEP["daily"]


# --- listing and the latest good backup ----------------------------------------------------------------


def test_the_listing_checks_each_backup(live: Store, db: Path) -> None:
    oldest = backup_now(live, now=T0)
    no_keyring = backup_now(live, now=T0 + timedelta(hours=1))
    damaged = backup_now(live, now=T0 + timedelta(hours=2))
    no_keyring.keyring.unlink()
    _damage(damaged.path)

    found = {s.info.path: s for s in list_with_status(live)}
    assert found[oldest.path].verified and found[oldest.path].to_dict()["verified"] is True
    assert "keyring" in found[no_keyring.path].problem  # type: ignore[operator]
    assert "damaged" in found[damaged.path].problem  # type: ignore[operator]
    assert latest_good_backup(db, live.key) == oldest
    assert latest_good_backup(db) == damaged  # without the key only the outside can be checked


# --- a damaged database at start -----------------------------------------------------------------------


def test_a_damaged_database_is_reported_and_the_latest_good_backup_offered(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    key = store.key
    older = backup_now(store, now=T0)
    newest = backup_now(store, now=T0 + timedelta(hours=1))
    store.close()
    assert check_database(db, key) is None
    _damage(newest.path)  # the newest backup is no good either
    _damage(db)

    problem = check_database(db, key)
    assert problem is not None and problem.startswith("it is damaged")
    with pytest.raises(DamagedDatabaseError) as caught:
        sign_in_checked(db, ADMIN, PASSWORD)
    offer = caught.value.problem
    assert offer.backup == older
    assert offer.button_text == f"Restore the backup of {older.made_local}"
    assert older.made_local in offer.message and "damaged" in offer.message
    line = str(caught.value)
    assert "\n" not in line
    assert f"restore --from {older.path} --yes" in line and f"--db {db}" in line
    assert startup_problem(db, key).backup == older  # type: ignore[union-attr]

    # The offered backup is restored although the current file cannot be used; the damaged one is kept.
    result = restore(db, older.path, ADMIN, PASSWORD, now=T0 + timedelta(days=1))
    assert result.done and result.kept_as is not None and result.kept_as.exists()
    assert check_database(db, key) is None
    restored = sign_in_checked(db, ADMIN, PASSWORD)
    try:
        assert _incidents(restored) == 150
    finally:
        restored.close()


def test_a_damaged_first_page_is_reported_too(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    good = backup_now(store, now=T0)
    store.close()
    with db.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"\0" * 200)
    with pytest.raises(DamagedDatabaseError) as caught:
        sign_in_checked(db, ADMIN, PASSWORD)
    assert caught.value.problem.backup == good


def test_a_missing_database_with_its_keyring_offers_a_backup(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    good = backup_now(store, now=T0)
    store.close()
    db.unlink()
    with pytest.raises(SignInError):
        sign_in_checked(db, ADMIN, "not the password at all")
    with pytest.raises(DamagedDatabaseError, match="missing") as caught:
        sign_in_checked(db, ADMIN, PASSWORD)
    assert caught.value.problem.backup == good
    assert not db.exists()  # nothing was created in its place
    restore(db, good.path, ADMIN, PASSWORD)
    sign_in_checked(db, ADMIN, PASSWORD).close()


def test_a_sound_database_signs_in(db: Path) -> None:
    store = sign_in_checked(db, ADMIN, PASSWORD)
    try:
        assert store.actor.username == ADMIN
    finally:
        store.close()
    with pytest.raises(SignInError):
        sign_in_checked(db, ADMIN, "wrong password here")


# --- restoring -----------------------------------------------------------------------------------------


def test_restore_replaces_the_data_and_keeps_the_previous_file(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    key = store.key
    assert key is not None
    backup = backup_now(store, now=T0)
    incidents = IncidentService(store)
    gone = [row.id for row in incidents.rows(IncidentFilter(), limit=20)]
    for incident_id in gone:
        incidents.delete(incident_id)
    assert incidents.count() == 130
    store.close()
    copy = _open_with_key(backup.path, key)
    entries_in_backup = AuditLog(copy).count()
    copy.close()

    result = restore(db, backup.path, ADMIN, PASSWORD, now=T0 + timedelta(days=1))

    assert result.done and result.incidents == 150 and result.account == ADMIN and result.made == T0
    assert result.kept_as == db.with_name("ruralwatch.db.before-restore-20260303T073000Z")
    assert keyring_path(result.kept_as).is_file()
    restored = _open_with_key(db, key)
    try:
        assert _incidents(restored) == 150
        audit = AuditLog(restored)
        assert audit.count() == entries_in_backup + 1
        entry = audit.entries(limit=1)[0]
        assert (entry.action, entry.actor) == ("restore", ADMIN)
        assert entry.changes["from"] == str(backup.path)  # type: ignore[index]
        assert entry.changes["previous_kept_as"] == str(result.kept_as)  # type: ignore[index]
        assert audit.verify().ok
    finally:
        restored.close()
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".")]  # no staging file left
    assert backup.path.exists()  # the backup itself is untouched

    # The previous file undoes it.
    undone = restore(db, result.kept_as, ADMIN, PASSWORD, now=T0 + timedelta(days=2))
    assert undone.incidents == 130
    again = _open_with_key(db, key)
    try:
        assert _incidents(again) == 130
    finally:
        again.close()


def test_a_dry_run_checks_everything_and_changes_nothing(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    backup = backup_now(store, now=T0)
    store.close()
    before = _snapshot(db.parent)
    result = restore(db, backup.path, ADMIN, PASSWORD, dry_run=True)
    assert not result.done and result.incidents == 150 and result.kept_as is not None
    assert "would restore" in result.describe()[0]
    assert _snapshot(db.parent) == before
    with pytest.raises(SignInError, match="when the backup was made"):
        restore(db, backup.path, ADMIN, "wrong password here", dry_run=True)
    assert _snapshot(db.parent) == before


def test_restoring_needs_an_administrator(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    add_account(store, SPECIAL, "special", SPECIAL_PASSWORD)
    add_account(store, "ann", "administrator", "another admin password")
    backup = backup_now(store, now=T0)
    # ann is an administrator in the backup, but no longer in the current database.
    AccountService(store).set_role("ann", "analyst")
    store.close()
    before = _snapshot(db.parent)

    with pytest.raises(PermissionDeniedError, match="restore backups"):
        restore(db, backup.path, SPECIAL, SPECIAL_PASSWORD)
    with pytest.raises(PermissionDeniedError, match="Analyst"):
        restore(db, backup.path, "ann", "another admin password")
    assert _snapshot(db.parent) == before


@pytest.mark.parametrize("case", ["missing", "folder", "text file", "plain sqlite", "no keyring", "damaged",
                                  "another database", "the database itself"])
def test_a_bad_backup_is_refused_with_nothing_changed(db: Path, tmp_path: Path, case: str) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    good = backup_now(store, now=T0)
    store.close()
    target = tmp_path / "elsewhere" / "candidate.db"
    target.parent.mkdir()
    if case == "folder":
        target.mkdir()
    elif case == "text file":
        target.write_text("not a database at all\n" * 100)
    elif case == "plain sqlite":
        open_store(target).close()
    elif case == "no keyring":
        target.write_bytes(good.path.read_bytes())
    elif case == "damaged":
        target.write_bytes(good.path.read_bytes())
        Keyring.load(good.path).copy_to(target)
        _damage(target)
    elif case == "another database":
        other = create_database(tmp_path / "other" / "other.db", ADMIN, PASSWORD, TEST_PARAMS)
        other.close()
        target.write_bytes(other.path.read_bytes())
        # The other database's file with this database's keyring: the key does not open it.
        Keyring.load(good.path).copy_to(target)
    elif case == "the database itself":
        target = db
    before = _snapshot(db.parent)
    with pytest.raises(BackupError) as caught:
        restore(db, target, ADMIN, PASSWORD)
    assert "\n" not in str(caught.value)
    assert _snapshot(db.parent) == before


def test_check_backup_file_says_what_is_wrong(db: Path, tmp_path: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    good = backup_now(store, now=T0)
    store.close()
    check_backup_file(db, good.path)
    good.keyring.unlink()
    with pytest.raises(BackupError, match="no keyring beside it"):
        check_backup_file(db, good.path)
    with pytest.raises(BackupError, match="nothing.db: no such file$"):
        check_backup_file(db, tmp_path / "nothing.db")


def test_a_new_database_its_wal_and_its_backup_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """They hold personal data: 0600 whatever the umask lets through (the keyring already is)."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "private.db"
        store = create_database(path, "root", "correct horse battery", TEST_PARAMS)
        try:
            IncidentService(store).record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                        lat=51.9, lon=0.3))
            backup = backup_now(store, now=T0).path
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), keyring_path(path), backup,
                     keyring_path(backup)]
            modes = {f.name: oct(f.stat().st_mode & 0o777) for f in files}
        finally:
            store.close()
    finally:
        os.umask(old)
    assert set(modes.values()) == {"0o600"}, modes


# --- the window's use of the same functions: progress, cancel, a folder, a check while open -------------------


def test_a_cancelled_backup_keeps_nothing_and_is_not_audited(live: Store, db: Path) -> None:
    seen: list[tuple[int, int]] = []

    def cancel(done: int, total: int, _note: str = "") -> bool:
        seen.append((done, total))
        return False

    with pytest.raises(CancelledError):
        BackupService(live, clock=lambda: T0).backup_now(progress=cancel)
    assert seen and seen[0][1] > 0
    assert list_backups(db) == [] and not [p for p in backups_folder(db).iterdir()]  # no part file, no keyring
    assert AuditLog(live).entries(action="backup") == []
    made = BackupService(live, clock=lambda: T0).backup_now(progress=lambda done, total, _note="": True)
    assert list_with_status(live)[0].info == made


def test_the_listing_of_a_folder_refuses_one_that_is_not_there_and_can_be_cancelled(live: Store, db: Path,
                                                                                     tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="not-mounted is not a folder"):
        BackupService(live).list(tmp_path / "not-mounted")
    usb = tmp_path / "usb"
    usb.mkdir()
    service = BackupService(live, clock=lambda: T0)
    service.backup_now(usb)
    service.backup_now(usb)
    counted: list[tuple[int, int, str]] = []
    assert [s.verified for s in service.list(usb, lambda done, total, note="": counted.append((done, total, note))
                                             or True)] == [True, True]
    names = [status.info.path.name for status in service.list(usb)]
    assert counted == [(0, 2, f"Checking backup 1 of 2: {names[0]}"), (1, 2, f"Checking backup 2 of 2: {names[1]}"),
                       (2, 2, "")]
    with pytest.raises(CancelledError):
        service.list(usb, lambda done, total, _note="": False)


def test_the_window_checks_a_restore_while_the_database_is_open_and_changes_nothing(live: Store, db: Path) -> None:
    service = BackupService(live, clock=lambda: T0)
    made = service.backup_now()

    def files() -> dict[str, bytes]:  # the -shm file is the open connection's own memory: it changes as it reads
        return {name: data for name, data in _snapshot(db.parent).items() if not name.endswith("-shm")}

    before = files()
    checked = service.check_restore(made.path, PASSWORD)
    assert not checked.done and checked.account == ADMIN and checked.incidents == 150 and checked.kept_as
    with pytest.raises(SignInError, match="when the backup was made"):
        service.check_restore(made.path, "not the password at all")
    assert files() == before
    # The real restore still refuses while the database is open here.
    with pytest.raises(BackupError, match="open in another RuralWatch window"):
        restore(db, made.path, ADMIN, PASSWORD)
    assert files() == before


def test_a_restore_with_an_administrators_one_time_password_says_the_account_must_choose_its_own(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    AccountService(store).add("admin2", "administrator", "given by the first administrator", params=TEST_PARAMS)
    backup = backup_now(store, now=T0)
    store.close()
    own = restore(db, backup.path, ADMIN, PASSWORD, dry_run=True, now=T0)
    assert not own.password_to_choose and not any("set by an administrator" in line for line in own.describe())
    result = restore(db, backup.path, "admin2", "given by the first administrator", now=T0 + timedelta(days=1))
    assert result.done and result.password_to_choose
    assert "admin2's password in the backup was set by an administrator" in result.describe()[-1]
    with pytest.raises(PasswordChangeRequired):  # restored as it was: it signs in only to choose its own
        sign_in(db, "admin2", "given by the first administrator")


def test_a_cancelled_restore_changes_nothing(db: Path) -> None:
    store = sign_in(db, ADMIN, PASSWORD)
    made = backup_now(store, now=T0)
    store.close()
    before = _snapshot(db.parent)
    with pytest.raises(CancelledError):
        restore(db, made.path, ADMIN, PASSWORD, progress=lambda done, total, _note="": False)
    assert _snapshot(db.parent) == before


def test_a_new_laptop_restores_into_a_folder_made_only_when_the_restore_is_done(db: Path, tmp_path: Path) -> None:
    """A replaced laptop has no data folder yet: a failed, cancelled or checking restore leaves none behind."""
    store = sign_in(db, ADMIN, PASSWORD)
    stick = tmp_path / "stick"
    older = backup_now(store, stick, now=T0)
    newest = backup_now(store, stick, now=T0 + timedelta(days=1))
    store.close()
    (stick / "notes.txt").write_text("not a backup", encoding="utf-8")
    assert newest_backup_in(stick) == newest.path != older.path
    fresh = tmp_path / "laptop" / "RuralWatch" / "ruralwatch.db"
    with pytest.raises(SignInError):
        restore(fresh, newest.path, ADMIN, "wrong password here")
    with pytest.raises(CancelledError):
        restore(fresh, newest.path, ADMIN, PASSWORD, progress=lambda done, total, _note="": False)
    assert restore(fresh, newest.path, ADMIN, PASSWORD, dry_run=True).kept_as is None
    assert not (tmp_path / "laptop").exists()
    result = restore(fresh, newest.path, ADMIN, PASSWORD)
    assert result.done and result.kept_as is None and result.incidents == 150
    signed_in = sign_in_checked(fresh, ADMIN, PASSWORD)
    try:
        assert _incidents(signed_in) == 150
    finally:
        signed_in.close()
    assert {"ruralwatch.db", "ruralwatch.db.keys"} <= {p.name for p in fresh.parent.iterdir()}
    assert not [p for p in fresh.parent.iterdir() if "restoring" in p.name]


def test_newest_backup_in_says_when_a_folder_holds_none(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="holds no RuralWatch backup"):
        newest_backup_in(tmp_path)
    with pytest.raises(BackupError, match="not a folder"):
        newest_backup_in(tmp_path / "unplugged")


# --- a damaged backup: one sentence in the user's words, nothing changed ---------------------------------------


@pytest.fixture
def good_backup(db: Path) -> Path:
    store = sign_in(db, ADMIN, PASSWORD)
    try:
        return backup_now(store, now=T0).path
    finally:
        store.close()


def _refused_as_unusable(db: Path, candidate: Path) -> str:
    """Restore `candidate` over `db` for real: refused as a backup that will not do, nothing changed anywhere."""
    before, offered = _snapshot(db.parent), _snapshot(candidate.parent)
    with pytest.raises(UnusableBackupError) as caught:
        restore(db, candidate, ADMIN, PASSWORD)
    message = str(caught.value)
    assert says_it_in_user_words(message), message
    assert candidate.name in message and message.endswith(": choose another backup; nothing was changed")
    assert _snapshot(db.parent) == before and _snapshot(candidate.parent) == offered
    return message


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_a_damaged_backup_is_refused_in_the_users_words_with_nothing_changed(db: Path, good_backup: Path,
                                                                             tmp_path: Path, kind: str) -> None:
    candidate = damage(good_backup, tmp_path / "stick" / good_backup.name, kind)
    message = _refused_as_unusable(db, candidate)
    expected = {"empty": "is empty", "not a backup": "cannot be read with the keyring beside it",
                "another database's file": "cannot be read with the keyring beside it",
                "first page changed": "cannot be read with the keyring beside it",
                "keyring damaged": "its keyring"}.get(kind, "is damaged (part of it cannot be read)")
    assert expected in message


def test_a_backup_of_another_database_with_a_password_it_does_not_know_is_a_wrong_password(
        db: Path, tmp_path: Path) -> None:
    other = create_database(tmp_path / "other" / "ruralwatch.db", ADMIN, "another team's password", TEST_PARAMS)
    try:
        theirs = backup_now(other, now=T0).path
    finally:
        other.close()
    before = _snapshot(db.parent)
    with pytest.raises(SignInError, match="wrong password for the backup") as caught:
        restore(db, theirs, ADMIN, PASSWORD)
    assert says_it_in_user_words(str(caught.value)) and _snapshot(db.parent) == before


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(how=st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("changed"), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=64)),
))
def test_a_backup_cut_anywhere_or_changed_anywhere_is_refused_in_the_users_words(db: Path, good_backup: Path,
                                                                                 how: tuple) -> None:
    data = good_backup.read_bytes()
    at = int(how[1] * len(data))
    damaged = cut(data, at) if how[0] == "cut" else changed(data, at, how[2])
    with tempfile.TemporaryDirectory() as folder:
        _refused_as_unusable(db, copy_backup(good_backup, Path(folder) / good_backup.name, damaged))
