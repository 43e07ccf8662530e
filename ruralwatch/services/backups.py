"""Backups: when they are made, who may restore one, and what to do about a damaged database at start.

Policy
------
* On start (after sign-in) the window calls `maybe_backup(store, "start")`: it always makes one backup, named
  "daily" when a daily backup is due and "start" otherwise (never two copies at once).
* While it runs, the window calls `maybe_backup(store, "daily")` now and then (say hourly): a backup only when
  the newest *daily* backup is DAILY_DUE_AFTER old or more (a little under a day, so a laptop started at about
  the same time each morning still gets one every day); otherwise it only lists a folder.
* `backup_now` (`ruralwatch backup`) makes a "manual" backup, in the backups folder or another (a USB stick).
* Rotation, after every automatic backup: the newest 7 daily and the newest 3 start-up backups are kept, with
  their keyrings; manual backups are never deleted automatically, nor the `<db>.before-restore-*` copies.
* Manual backups and the list of backups are for administrators ("data.backup": a backup is a whole copy of the
  database); the automatic ones are made whoever is signed in. Only an administrator may restore one
  ("data.purge"). Backups and restores are recorded in the audit log.

A damaged database at start: `sign_in_checked` signs in and runs `PRAGMA quick_check`; if the file is damaged
it raises DamagedDatabaseError, whose `problem` (a StartupProblem) says what is wrong and offers the latest
backup that passes the same check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError, ValidationError, noted
from ruralwatch.core.permissions import Actor, PermissionDeniedError
from ruralwatch.services.accounts import sign_in, sign_in_unlocked, unlock_account
from ruralwatch.store import database_check
from ruralwatch.store.audit import record_event
from ruralwatch.store.backups import (
    DAMAGED,
    KEEP,
    SIDE_FILES,
    STAMP_FORMAT,
    BackupError,
    BackupInfo,
    UnusableBackupError,
    backups_folder,
    check_file,
    copy_database,
    info_for,
    keyring_problem,
    list_backups,
    make_backup,
    outside_problem,
    parse_name,
    quiet_cipher_log,
    rotate,
    swap_in,
)
from ruralwatch.store.database import (
    DatabaseBusyError,
    DatabaseError,
    EncryptedDatabaseError,
    NotARuralWatchDatabaseError,
    SchemaTooNewError,
    Store,
    connect,
    in_use_elsewhere,
    is_busy,
    is_encrypted,
    key_does_not_fit,
    open_store,
)
from ruralwatch.store.database_check import (
    DRIVE_ERROR,
    FULL_ERRNOS,
    KEY_DOES_NOT_FIT,
    NOT_ENCRYPTED,
    database_problem,
    disk_is_full,
    plain_with_keyring,
    write_problem,
)
from ruralwatch.store.identity import AccountKeys
from ruralwatch.store.keyring import KdfParams, Keyring, KeyringError, SignInError, Unlocked, keyring_path

DAILY_DUE_AFTER = timedelta(hours=20)
AUTOMATIC = ("start", "daily")
RESTORE_ACTION = "data.purge"
# Set in a restored database: what this laptop wrote or received after the backup was made is gone from it, though
# the central store holds it and counts it as the laptop's. The next sync with the central store asks for everything
# (ruralwatch.central.station), then clears it. Bookkeeping, not a setting (ruralwatch.store.audit.SETTING_PREFIXES).
SYNC_RESTORED_META = "sync_restored"
BACKUP_ACTION = "data.backup"

__all__ = [
    "AUTOMATIC", "DAILY_DUE_AFTER", "KEEP", "BackupError", "BackupInfo", "BackupService", "BackupStatus",
    "DamagedDatabaseError", "DatabaseUnavailableError", "RestoreResult", "StartupProblem", "UnusableBackupError",
    "backup_now", "backups_folder", "check_backup_file", "check_database", "check_keyring", "daily_due",
    "latest_good_backup", "list_with_status", "maybe_backup", "newest_backup_in", "restore", "sign_in_checked",
    "startup_problem",
]


# --- making backups ------------------------------------------------------------------------------------


def daily_due(db_path: Path, now: datetime | None = None) -> bool:
    """True when there is no daily backup younger than DAILY_DUE_AFTER (cheap: one folder listing)."""
    now = now or times.utc_now()
    newest = next((b for b in list_backups(db_path) if b.reason == "daily"), None)
    return newest is None or now - newest.made >= DAILY_DUE_AFTER


def _audit_backup(store: Store, info: BackupInfo) -> None:
    with store.transaction():
        record_event(store, "backup", None, None, {"file": str(info.path), "reason": info.reason,
                                                   "size": info.size})


def maybe_backup(store: Store, reason: str, now: datetime | None = None) -> BackupInfo | None:
    """The automatic backup: "start" (always one: "daily" if that is due) or "daily" (only when due).

    None when nothing was due, or for a plain (unencrypted) file, which is never backed up. Rotates after.
    Raises BackupError when a backup was due but could not be made (the caller warns; the work goes on).
    Uses the store's connection: call it on the thread that opened the store (or on a `store.reopen()`).
    No permission check, on purpose: this is the system's own maintenance, run for every signed-in role, into
    the data folder's backups/ (never elsewhere); making copies at will is `backup_now` ("data.backup").
    """
    if reason not in AUTOMATIC:
        raise ValueError(f"an automatic backup's reason is one of {', '.join(AUTOMATIC)}")
    if store.key is None:
        return None
    due = daily_due(store.path, now)
    if reason == "daily" and not due:
        return None
    info = make_backup(store, "daily" if due else "start", now=now)
    _audit_backup(store, info)
    rotate(store.path)
    return info


def backup_now(store: Store, folder: Path | None = None, now: datetime | None = None,
               progress: ProgressCallback | None = None) -> BackupInfo:
    """A manual backup (`ruralwatch backup [--to FOLDER]`, the window's Back up now), never rotated away.
    Administrators only. `progress` returning False cancels it (CancelledError) with nothing kept or audited."""
    store.actor.require(BACKUP_ACTION)
    info = make_backup(store, "manual", folder=folder, now=now, progress=noted(progress, "Copying the database"))
    _audit_backup(store, info)
    return info


@dataclass(frozen=True)
class BackupStatus:
    """A backup and what a check of it found now (problem None: it opens with the key and passes quick_check)."""

    info: BackupInfo
    problem: str | None

    @property
    def verified(self) -> bool:
        return self.problem is None

    def to_dict(self) -> dict[str, Any]:
        return {**self.info.to_dict(), "verified": self.verified, "problem": self.problem}


def verify_backup(info: BackupInfo, key: bytes | None, signer: AccountKeys | None = None) -> str | None:
    """What is wrong with a backup, or None. Without the key only what can be seen from outside is checked.
    A backup made before the database key was rotated opens with the key its own keyring seals to `signer` (the
    signed-in account's keys)."""
    if not info.has_keyring:
        return f"its keyring {info.keyring.name} is missing, so it cannot be opened"
    try:
        keyring = Keyring.load(info.path)
    except KeyringError:
        return f"it {keyring_problem(info.path)}"
    why = outside_problem(info.path, named_as_backup=True)
    if why is not None:
        return f"it {why}"
    if key is None:
        return None
    problem = check_file(info.path, key)
    if problem is not None and signer is not None:
        own = keyring.key_for(signer)
        if own is not None and own != key:
            return check_file(info.path, own)
    return problem


def list_with_status(store: Store, folder: Path | None = None,
                     progress: ProgressCallback | None = None) -> list[BackupStatus]:
    """The database's backups in its backups folder or in `folder` (a USB stick), newest first, each checked with
    the signed-in store's key. Administrators only. `progress` before each check (which backup) and once all are
    checked; False cancels."""
    store.actor.require(BACKUP_ACTION)
    if folder is not None:
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise BackupError(f"{folder} is not a folder (a USB stick not connected?)")
    found = list_backups(store.path, folder)
    checked: list[BackupStatus] = []
    for done, info in enumerate(found):
        if progress is not None and not progress(done, len(found),
                                                 f"Checking backup {done + 1} of {len(found)}: {info.path.name}"):
            raise CancelledError("cancelled: the backups were not all checked")
        checked.append(BackupStatus(info, verify_backup(info, store.key, store.signer)))
    if progress is not None:
        progress(len(found), len(found), "")
    return checked


class BackupService:
    """The same functions over one store, for the window (services/container.py)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self._now = clock

    def folder(self) -> Path:
        """Where this database's backups go unless told otherwise."""
        return backups_folder(self.store.path)

    def maybe_backup(self, reason: str) -> BackupInfo | None:
        return maybe_backup(self.store, reason, self._now())

    def backup_now(self, folder: Path | None = None, progress: ProgressCallback | None = None) -> BackupInfo:
        return backup_now(self.store, folder, self._now(), progress)

    def list(self, folder: Path | None = None, progress: ProgressCallback | None = None) -> list[BackupStatus]:
        return list_with_status(self.store, folder, progress)

    def check_restore(self, backup: Path, password: str,
                      progress: ProgressCallback | None = None) -> RestoreResult:
        """Every check of a restore of `backup` over this database by the signed-in account, changing nothing
        (`ruralwatch restore` without --yes): the window asks this before it closes to restore."""
        return restore(self.store.path, backup, self.store.actor.username, password, dry_run=True, now=self._now(),
                       progress=progress)

    def latest_good(self) -> BackupInfo | None:
        return latest_good_backup(self.store.path, self.store.key, self.store.signer)


# --- a damaged database --------------------------------------------------------------------------------


def check_database(db_path: Path, key: bytes | None) -> str | None:
    """What is wrong with the database file (opened with `key`, then PRAGMA quick_check), or None if sound."""
    return check_file(Path(db_path).expanduser(), key)


def latest_good_backup(db_path: Path, key: bytes | None = None,
                       signer: AccountKeys | None = None) -> BackupInfo | None:
    """The newest backup in the database's backups folder that passes the check (with `key`: it opens and
    passes quick_check; without: it has its keyring and looks encrypted). None if there is none."""
    for info in list_backups(Path(db_path).expanduser()):
        if verify_backup(info, key, signer) is None:
            return info
    return None


def restore_command(db_path: Path, backup: Path) -> str:
    return f"ruralwatch --db {_quoted(db_path)} restore --from {_quoted(backup)} --yes"


def _quoted(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if any(c.isspace() for c in text) else text


@dataclass(frozen=True)
class StartupProblem:
    """What the window (a dialog with a button) and the command line (one line) say about a damaged database."""

    db_path: Path
    problem: str
    backup: BackupInfo | None  # the latest good backup, offered

    @property
    def title(self) -> str:
        return "The database cannot be used"

    @property
    def message(self) -> str:
        """For a dialog: what is wrong, and what the button does."""
        text = (f"The database file {self.db_path} cannot be used: {self.problem}.\n\n"
                "This can happen after a power cut, a full disk or a failing drive.")
        if self.backup is None:
            return (text + f" There is no good backup in {backups_folder(self.db_path)}. Keep the file as it is and "
                    "ask for help: do not delete it.")
        return (text + f" The latest good backup was made on {self.backup.made_local} ({self.backup.reason}). "
                "Restoring it brings the database back as it was then; changes made since are lost unless another "
                "device synchronised them. The damaged file is kept beside it.")

    @property
    def button_text(self) -> str | None:
        return f"Restore the backup of {self.backup.made_local}" if self.backup else None

    def cli_message(self) -> str:
        """One line for the command line, with the command to run."""
        text = f"the database {self.db_path} cannot be used: {self.problem}"
        if self.backup is None:
            return text + f"; there is no good backup in {backups_folder(self.db_path)}: keep the file and ask for help"
        return (text + f"; the latest good backup is {self.backup.path} (made {self.backup.made_local}): restore it "
                f"with `{restore_command(self.db_path, self.backup.path)}`")


class DamagedDatabaseError(RuralWatchError):
    """The database file is damaged. `problem` says what, and which backup could replace it."""

    def __init__(self, problem: StartupProblem) -> None:
        self.problem = problem
        super().__init__(problem.cli_message())


def startup_problem(db_path: Path, key: bytes | None, problem: str | None = None) -> StartupProblem | None:
    """A StartupProblem when the database is damaged (checked now unless `problem` is given), else None."""
    db_path = Path(db_path).expanduser()
    problem = problem or check_database(db_path, key)
    if problem is None:
        return None
    return StartupProblem(db_path, problem, latest_good_backup(db_path, key))


class DatabaseUnavailableError(RuralWatchError):
    """The database may well be sound, but this laptop cannot use it now: a read-only file or folder, a full disk,
    a drive that reports errors. Restoring a backup would not help: the message says what would."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"{problem}; nothing was changed")


def sign_in_checked(db_path: Path, username: str, password: str, check: bool = True,
                    now: datetime | None = None, new_password: str | None = None,
                    params: KdfParams | None = None) -> Store:
    """`accounts.sign_in`, with (`check`) the database checked first, read only: PRAGMA quick_check over every page.

    Whatever is wrong with the database, its keyring or the files beside them, and whatever keeps this laptop from
    writing them, is said in the user's words, and the files are left as they were:
    * a damaged or missing database, a keyring that is missing, damaged or another database's, a WAL left from
      another copy: DamagedDatabaseError, offering the latest good backup (restoring one puts back both files);
    * a read-only file or folder, a full disk, a drive that fails: DatabaseUnavailableError, saying what to fix.
    A wrong password, a one-time password or a plain (pre-encryption) file raise what sign_in raises.
    """
    db_path = Path(db_path).expanduser()
    if keyring_path(db_path).is_file() and (not db_path.is_file() or db_path.stat().st_size == 0):
        # The keyring is there but the database is gone or empty: offer a backup (sign_in would start afresh).
        key = Keyring.load(db_path).unlock(username, password, now)  # the password is checked all the same
        raise DamagedDatabaseError(StartupProblem(db_path, check_database(db_path, key) or "the file is missing",
                                                  latest_good_backup(db_path, key)))
    if plain_with_keyring(db_path):
        raise DamagedDatabaseError(StartupProblem(db_path, NOT_ENCRYPTED, latest_good_backup(db_path)))
    if not db_path.is_file() or not is_encrypted(db_path):
        return _sign_in_plain(db_path, username, password, now, new_password, params)
    cannot_write = write_problem(db_path)
    if cannot_write is not None:
        raise DatabaseUnavailableError(cannot_write)
    check_keyring(db_path)
    try:
        keyring, unlocked = unlock_account(db_path, username, password, now)
    except OSError as exc:  # counting a failure, or the sign-in's own keyring change, could not be saved
        raise _cannot_write(db_path, exc) from None
    try:
        with quiet_cipher_log():
            if check:
                problem = database_problem(db_path, unlocked.key, unlocked.pending_key)
                if problem is not None:
                    raise _damaged(db_path, unlocked.key, unlocked.pending_key, problem)
            return sign_in_unlocked(db_path, keyring, unlocked, username, password, now, new_password, params)
    except (DamagedDatabaseError, SignInError, KeyringError, DatabaseBusyError, ValidationError, SchemaTooNewError):
        raise
    except (RuralWatchError, DatabaseError, OSError) as exc:
        if is_busy(exc):  # another program is writing: the file is fine, the caller tries again later
            raise DatabaseBusyError(db_path) from None
        cause = _driver_error(exc)
        if isinstance(exc, OSError) or (cause is not None and not _is_damage(cause)):
            raise _cannot_write(db_path, exc) from None
        if not isinstance(exc, DatabaseError | EncryptedDatabaseError | NotARuralWatchDatabaseError):
            raise  # its own words (a migration's refusal, say)
        # Read soundly just now, yet not opened: damage the check does not see (or it was skipped).
        raise _damaged(db_path, unlocked.key, unlocked.pending_key, database_check.DAMAGED) from None


def _damaged(db_path: Path, key: bytes, pending_key: bytes | None, problem: str) -> RuralWatchError:
    """The error for `problem`, found reading the database: a drive that fails to read is not the file's fault."""
    if problem == DRIVE_ERROR:
        return DatabaseUnavailableError(f"the drive holding {db_path} reported an error while RuralWatch read it: "
                                        "check the drive (is it still connected?), then sign in again")
    # A key that does not fit opens none of the backups either: they are only looked at from outside.
    return DamagedDatabaseError(StartupProblem(db_path, problem, latest_good_backup(
        db_path, None if problem == KEY_DOES_NOT_FIT else key)))


def _driver_error(exc: BaseException) -> DatabaseError | None:
    """The driver's error behind `exc`: itself, or the one a store error was raised from (`from None` keeps it as
    the context)."""
    for candidate in (exc, exc.__cause__, exc.__context__):
        if isinstance(candidate, DatabaseError):
            return candidate
    return None


def _sign_in_plain(db_path: Path, username: str, password: str, now: datetime | None, new_password: str | None,
                   params: KdfParams | None) -> Store:
    """A path that is not an encrypted database: sign_in refuses it in its own words (a plain file, a folder)."""
    try:
        with quiet_cipher_log():
            return sign_in(db_path, username, password, now, new_password, params)
    except DatabaseError as exc:
        if is_busy(exc):
            raise DatabaseBusyError(db_path) from None
        raise NotARuralWatchDatabaseError(f"{db_path} cannot be opened as a RuralWatch database") from None


def check_keyring(db_path: Path) -> None:
    """The keyring of an encrypted database loads, or DamagedDatabaseError: missing, damaged, unreadable. Restoring
    a backup puts back the database and its keyring together, so the latest backup is offered. Asks no password
    (the command line checks this before asking for one)."""
    try:
        Keyring.load(db_path)
    except KeyringError:
        problem = StartupProblem(db_path, database_check.keyring_problem(db_path), latest_good_backup(db_path))
        raise DamagedDatabaseError(problem) from None


def _is_damage(exc: DatabaseError) -> bool:
    """SQLite's codes for a file that is not what it should be, as opposed to one that cannot be written now."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_ERROR") or name.startswith("SQLITE_CORRUPT")


def _cannot_write(db_path: Path, exc: BaseException) -> DatabaseUnavailableError:
    """What kept the sign-in from writing, found out by looking (SQLite says "disk I/O error" for a full disk)."""
    cannot_write = write_problem(db_path)
    if cannot_write is not None:
        return DatabaseUnavailableError(cannot_write)
    if (isinstance(exc, OSError) and exc.errno in FULL_ERRNOS) or disk_is_full(db_path.parent):
        return DatabaseUnavailableError(f"the disk holding {db_path} is full: free some space on it, then sign in "
                                        "again")
    return DatabaseUnavailableError(f"the drive holding {db_path} reported an error while RuralWatch wrote to it: "
                                    "check the drive (is it still connected?), then sign in again")


# --- restoring -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did (done) or would do (a dry run: nothing changed)."""

    db_path: Path
    backup: Path
    made: datetime | None  # from the backup's name, when it has one
    account: str
    incidents: int  # in the backup
    kept_as: Path | None  # where the current database is (or would be) kept; None if there was none
    done: bool
    # The account's password in the backup is a one-time one an administrator set (a new account's, a reset's):
    # it restores, but signs in only to choose the account's own, as after a reset.
    password_to_choose: bool = False

    @property
    def made_local(self) -> str | None:
        """When the backup was made, UK local time (as BackupInfo.made_local); None when its name does not say."""
        return times.format_local(times.to_storage(self.made)) if self.made else None

    def describe(self) -> list[str]:
        made = f" (made {self.made_local})" if self.made_local else ""
        verb = "restored" if self.done else "would restore"
        lines = [f"{verb} {self.backup}{made}: checked, opens for {self.account}, {self.incidents} incidents",
                 f"{'replaced' if self.done else 'would replace'} {self.db_path} and its keyring with it"]
        if self.kept_as is not None:
            lines.append(f"the previous database {'is' if self.done else 'would be'} kept as {self.kept_as} (with "
                         f"its keyring); to undo: {restore_command(self.db_path, self.kept_as)}")
        if self.password_to_choose:
            lines.append(f"{self.account}'s password in the backup was set by an administrator: it works once more, "
                         "to sign in and choose a password of your own")
        return lines


def check_backup_file(db_path: Path, backup: Path) -> None:
    """Refuse what cannot be a RuralWatch backup before asking for a password. Raises BackupError."""
    if not backup.exists():
        # Worded as every other command says a missing file; a link left behind says where it pointed.
        if backup.is_symlink():
            raise BackupError(f"{backup}: no such file (a link to {backup.readlink()}, which is not there)")
        raise BackupError(f"{backup}: no such file")
    if not backup.is_file():
        raise BackupError(f"{backup} is not a file")
    if db_path.exists() and backup.resolve() == db_path.resolve():
        raise BackupError(f"{backup} is the database itself, not a backup of it")
    has_keyring = keyring_path(backup).is_file()
    why = outside_problem(backup, has_keyring or parse_name(backup) is not None)
    if why is not None:
        raise UnusableBackupError(backup, why, "the backup" if why == DAMAGED else "the file")
    if not has_keyring:
        raise BackupError(f"{backup} has no keyring beside it ({keyring_path(backup).name}): a backup cannot be "
                          "opened without the keyring made with it; copy both files")
    try:
        Keyring.load(backup)
    except KeyringError:
        raise UnusableBackupError(backup, keyring_problem(backup)) from None


def restore(db_path: Path, backup: Path, username: str, password: str, dry_run: bool = False,
            now: datetime | None = None, progress: ProgressCallback | None = None) -> RestoreResult:
    """Replace the database (and its keyring) by a backup; an administrator only.

    The backup is copied (with the online backup API, which reads every page) to a hidden file beside the
    database, checked (PRAGMA integrity_check), opened with the key unlocked by this account's password from the
    backup's own keyring (so it works when the current database is damaged), and migrated if it is older. The
    account must be an administrator in the backup, and in the current database too when that can still be
    read. The current database and keyring are kept as `<db>.before-restore-<stamp>` (restore that to undo), and
    one "restore" entry is written to the restored database's audit log. With `dry_run` every check is made and
    nothing is changed (so it may run while the database is open: the window checks before it closes). Any
    failure, or `progress` (of the copy) returning False (CancelledError), leaves everything as it was.
    """
    db_path, backup = Path(db_path).expanduser(), Path(backup).expanduser()
    check_backup_file(db_path, backup)
    if not dry_run and in_use_elsewhere(db_path):
        # Replacing a file another program is writing would send its work into the set-aside copy.
        raise BackupError(f"{db_path.name} is open in another RuralWatch window or command: close it (or let its "
                          "import or merge finish) and restore again; nothing was changed")
    moment = (now or times.utc_now()).astimezone(UTC)
    stamp = moment.strftime(STAMP_FORMAT)
    staged = db_path.with_name(f".{db_path.name}.restoring-{stamp}")
    # A new laptop's data folder may not exist yet: made for the staged copy, and taken away again unless the
    # restore is done (a failed or checking restore leaves nothing behind).
    made_folders = _missing_folders(db_path.parent)
    done = False
    try:
        _clear_staged(staged)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        Keyring.load(backup).copy_to(staged)
        unlocked = _unlock_backup(staged, backup, username, password, now)
        one_time = Keyring.load(staged).is_one_time(username)
        key = unlocked.key
        _copy_backup(backup, staged, key, noted(progress, f"Copying {backup.name}"))
        # The copy took the pages as they are (still encrypted): the full check is what reads every one.
        if check_file(staged, key, full=True) is not None:
            raise UnusableBackupError(backup, DAMAGED)
        try:
            store = open_store(staged, key=key)
        except DatabaseError:
            raise UnusableBackupError(backup, "cannot be opened as a RuralWatch database") from None
        except RuralWatchError as exc:  # a newer RuralWatch's file, and the like: its own words
            raise BackupError(f"{backup} cannot be opened as a RuralWatch database: {exc}") from None
        try:
            store.actor = _account(store, username, backup)
            store.signer = unlocked.keys  # the restore entry is signed like any other by this account
            store.actor.require(RESTORE_ACTION)
            _check_current_role(db_path, _current_keys(db_path, username, password, key), store.actor)
            incidents = _count_incidents(store)
            kept_as = _kept_as(db_path, stamp)
            if not dry_run:
                with store.transaction():
                    record_event(store, "restore", None, None, {
                        "from": str(backup), "made": _made(backup),
                        "previous_kept_as": str(kept_as) if kept_as else None,
                    })
                    store.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                                     "value = excluded.value", [SYNC_RESTORED_META, _made(backup) or str(backup)])
        finally:
            store.close()
        if not dry_run:
            swap_in(db_path, staged, kept_as)
            done = True
    except OSError as exc:
        raise BackupError(f"the restore could not be done ({exc.strerror or exc}); nothing was changed") from None
    finally:
        _clear_staged(staged)
        if not done:
            _remove_empty(made_folders)
    parsed = parse_name(backup)
    return RestoreResult(db_path, backup, parsed[1] if parsed else None, store.actor.username, incidents, kept_as,
                         not dry_run, one_time)


def _missing_folders(folder: Path) -> list[Path]:
    """`folder` and its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; one holding anything (someone else's file) stays
        try:
            folder.rmdir()
        except OSError:
            return


def newest_backup_in(folder: Path) -> Path:
    """The newest RuralWatch backup in `folder` (a USB stick, a copied backups folder), whatever the database it
    was made of was called; BackupError when there is none."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder (a USB stick not connected?)")
    found = [info for entry in folder.iterdir() if (info := info_for(entry)) is not None]
    if not found:
        raise BackupError(f"{folder} holds no RuralWatch backup (files named like ruralwatch-20260101T120000Z-daily.db"
                          ", each with its .keys file)")
    return max(found, key=lambda b: (b.made, b.path.name)).path


def _unlock_backup(staged: Path, backup: Path, username: str, password: str, now: datetime | None) -> Unlocked:
    try:
        return Keyring.load(staged).open(username, password, now)  # failures are counted in the copy only
    except SignInError as exc:
        if "locked" in str(exc):
            raise
        raise SignInError(f"unknown account or wrong password for the backup {backup.name} (it takes the password "
                          "the account had when the backup was made)") from None


def _made(backup: Path) -> str | None:
    parsed = parse_name(backup)
    return times.to_storage(parsed[1]) if parsed else None


def _kept_as(db_path: Path, stamp: str) -> Path | None:
    if not db_path.exists() and not keyring_path(db_path).exists():
        return None
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    number = 1
    while kept.exists() or keyring_path(kept).exists():
        number += 1
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{number}")
    return kept


def _clear_staged(staged: Path) -> None:
    for path in (staged, keyring_path(staged), *(staged.with_name(staged.name + s) for s in SIDE_FILES)):
        path.unlink(missing_ok=True)
    for leftover in staged.parent.glob(f"{staged.name}.schema*.bak"):  # open_store's copy before migrating
        leftover.unlink(missing_ok=True)


def _copy_backup(backup: Path, staged: Path, key: bytes, progress: ProgressCallback | None = None) -> None:
    """Copy the backup with the key its keyring gave. Its first page tells a key that does not fit (another
    backup's keyring, or that page damaged) from damage further in."""
    unreadable = UnusableBackupError(backup, "cannot be read with the keyring beside it (it is damaged, or the "
                                     "keyring is another database's)")
    try:
        source = connect(backup, key)
    except (DatabaseError, ValueError):
        raise unreadable from None
    try:
        with quiet_cipher_log():
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            copy_database(source, staged, key, progress)
    except DatabaseError as exc:
        raise (unreadable if key_does_not_fit(exc) else UnusableBackupError(backup, DAMAGED)) from None
    finally:
        source.close()


def _account(store: Store, username: str, backup: Path) -> Actor:
    try:
        row = store.db.execute(
            "SELECT id, username, role, active, person_id FROM accounts WHERE username = ? COLLATE NOCASE",
            [username.strip()],
        ).fetchone()
    except DatabaseError:
        raise UnusableBackupError(backup, "has no accounts: it is not a RuralWatch backup", "the file") from None
    if row is None or not row[3]:
        raise SignInError(f"the account {username.strip()} is disabled or missing in {backup.name}")
    return Actor(row[1], row[2], row[0], row[4])


def _current_keys(db_path: Path, username: str, password: str, backup_key: bytes) -> list[bytes]:
    """The keys to try on the current database: the backup's, and the one the current keyring gives this account
    (they differ after a key rotation), without counting a wrong password against the current account."""
    keys = [backup_key]
    try:
        current = Keyring.load(db_path).open(username, password, count=False).key
    except (RuralWatchError, OSError):
        return keys
    return keys if current == backup_key else [current, backup_key]


def _check_current_role(db_path: Path, keys: list[bytes], actor: Actor) -> None:
    """When the current database still opens (with the backup's key, or after a key rotation with the key the
    current keyring gives this account), the account must be an administrator there too: a role taken away since
    the backup stays taken away. A damaged current file cannot say: the backup decides."""
    if not db_path.is_file():
        return
    row: Any = None
    for key in keys:
        try:
            conn = connect(db_path, key)
        except (DatabaseError, ValueError):
            continue
        try:
            with quiet_cipher_log():
                row = conn.execute("SELECT username, role, active FROM accounts WHERE username = ? COLLATE NOCASE",
                                   [actor.username]).fetchone() or False
        except DatabaseError:
            continue
        finally:
            conn.close()
        break
    if row is None:  # no key opens it: damaged, and the backup decides
        return
    if row is False:
        raise PermissionDeniedError(f"{actor.username} is not an account of the current database {db_path.name}; "
                                    "only its administrators may restore a backup over it")
    if not row[2]:
        raise PermissionDeniedError(f"{actor.username} is disabled in the current database {db_path.name}")
    Actor(row[0], row[1]).require(RESTORE_ACTION)


def _count_incidents(store: Store) -> int:
    try:
        return int(store.db.execute("SELECT COUNT(*) FROM incidents WHERE deleted = 0").fetchone()[0])
    except DatabaseError:
        return 0
