"""Backup files of the encrypted database: making, checking, listing, rotating, and swapping one in.

A backup is made with SQLite's online backup API from the open, keyed connection into a new file keyed with the
same key: SQLCipher copies the pages as they are, so a backup is encrypted exactly like the database, and it
opens only with the database's keyring, which is copied beside it (`<backup>.keys`). The copy is written under a
hidden temporary name, checked with `PRAGMA integrity_check`, and only then renamed to its real name: a file with
a backup's name has passed the check when it was made.

Layout: `<database folder>/backups/<database stem>-YYYYMMDDTHHMMSSZ-<reason>.db` and its `.db.keys`, reason
"start", "daily" or "manual". Rotation (see `rotate`) keeps the newest KEEP[reason] of each automatic reason and
never deletes a manual backup. The policy (when a backup is due) is in ruralwatch.services.backups.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError
from ruralwatch.store.database import SQLITE_HEADER, DatabaseError, Store, connect, key_does_not_fit
from ruralwatch.store.keyring import Keyring, keyring_path

FOLDER_NAME = "backups"
REASONS = ("start", "daily", "manual")
# How many of each reason rotation keeps (newest first). Manual backups are never deleted automatically.
KEEP: dict[str, int] = {"daily": 7, "start": 3}
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PART_SUFFIX = ".part"
# Every SQLite (and SQLCipher) page size is a power of two from 512 bytes: a database file is a whole number of them.
MIN_PAGE_SIZE = 512
# A temporary file left this long is from a backup that died (a crash, power cut): rotation removes it.
STALE_PART_SECONDS = 3600
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}Z)-(?P<reason>start|daily|manual)(?:-(?P<n>\d+))?\.db$")


class BackupError(RuralWatchError):
    """A backup could not be made, read or restored. Nothing was changed."""


class UnusableBackupError(BackupError):
    """The file chosen to restore cannot be used as it is (empty, damaged, not a backup, a keyring of another
    backup): one sentence in the user's words, the same in the window and on the command line, without SQLite's
    own text ("SQL logic error" said nothing to anyone)."""

    def __init__(self, backup: Path, why: str, subject: str = "the backup") -> None:
        self.backup = backup
        super().__init__(f"{subject} {backup.name} {why}: choose another backup; nothing was changed")


# Why a backup cannot be used, in the words the messages use ("the backup X …", "it …").
DAMAGED = "is damaged (part of it cannot be read)"
EMPTY = "is empty"
NOT_A_BACKUP = "is not a RuralWatch backup (backups are encrypted database files)"


@dataclass(frozen=True)
class BackupInfo:
    """One backup file as found on disk (its name says when and why it was made)."""

    path: Path
    made: datetime  # UTC
    reason: str
    size: int
    has_keyring: bool

    @property
    def keyring(self) -> Path:
        return keyring_path(self.path)

    @property
    def made_local(self) -> str:
        """When it was made, UK local time (`2026-11-25 06:30`)."""
        return times.format_local(times.to_storage(self.made))

    @property
    def size_text(self) -> str:
        """Its size as people read it (the CLI's listing and the window's)."""
        return size_text(self.size)

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "made": times.to_storage(self.made), "reason": self.reason,
                "size": self.size, "keyring": self.has_keyring}


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def backups_folder(db_path: Path) -> Path:
    return Path(db_path).expanduser().parent / FOLDER_NAME


def backup_name(db_path: Path, made: datetime, reason: str, number: int = 1) -> str:
    stamp = made.astimezone(UTC).strftime(STAMP_FORMAT)
    extra = f"-{number}" if number > 1 else ""
    return f"{Path(db_path).stem}-{stamp}-{reason}{extra}.db"


def parse_name(path: Path) -> tuple[str, datetime, str] | None:
    """(database stem, when made, reason) from a backup's file name; None for any other file."""
    match = _NAME.match(path.name)
    if match is None:
        return None
    made = datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
    return match["stem"], made, match["reason"]


def info_for(path: Path) -> BackupInfo | None:
    """The backup at `path` if its name is a backup's name and the file is there."""
    parsed = parse_name(path)
    if parsed is None or not path.is_file():
        return None
    return BackupInfo(path, parsed[1], parsed[2], path.stat().st_size, keyring_path(path).is_file())


def list_backups(db_path: Path, folder: Path | None = None) -> list[BackupInfo]:
    """This database's backups in `folder` (default: its backups folder), newest first."""
    folder = folder or backups_folder(db_path)
    if not folder.is_dir():
        return []
    stem = Path(db_path).stem
    found = []
    for entry in os.scandir(folder):
        info = info_for(Path(entry.path))
        if info is not None and parse_name(info.path)[0] == stem:  # type: ignore[index]
            found.append(info)
    return sorted(found, key=lambda b: (b.made, b.path.name), reverse=True)


# --- checking ------------------------------------------------------------------------------------------


@contextmanager
def quiet_cipher_log() -> Iterator[None]:
    """SQLCipher writes every failed page check to stderr (a process-wide setting); a damaged file is reported
    by us instead, in one line. The previous level is put back after."""
    conn = connect(Path(":memory:"), None)
    previous = None
    try:
        with suppress(DatabaseError):
            previous = conn.execute("PRAGMA cipher_log_level").fetchone()[0]
            conn.execute("PRAGMA cipher_log_level = NONE")
        yield
    finally:
        if previous and re.fullmatch(r"[A-Z]+", str(previous)):
            with suppress(DatabaseError):
                conn.execute(f"PRAGMA cipher_log_level = {previous}")
        conn.close()


def summarise_check(rows: list[tuple[Any, ...]]) -> str | None:
    """None when `PRAGMA integrity_check`/`quick_check` said ok; else its first problem and how many more."""
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    lines = [line for line in lines if line and not line.startswith("***")]
    if lines == ["ok"]:
        return None
    if not lines:
        return "the check gave no result"
    more = f" (and {len(lines) - 1} more problems)" if len(lines) > 1 else ""
    return lines[0] + more


def check_connection(conn: Any, full: bool = False) -> str | None:
    """What is wrong with the database open on `conn`, or None. quick_check (O(pages)), or the full check."""
    with quiet_cipher_log():
        try:
            rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        except DatabaseError:  # SQLite's own words ("SQL logic error") add nothing a person can act on
            return f"it {DAMAGED}"
    found = summarise_check(rows)
    return f"it is damaged ({found})" if found else None


def check_file(path: Path, key: bytes | None, full: bool = False) -> str | None:
    """What is wrong with the database file at `path` opened with `key`, or None when it is sound.

    A file that does not open with the key (damaged first page, or the key of another database) is a problem too.
    """
    path = Path(path)
    if not path.is_file():
        return "the file is missing" if not path.exists() else "it is not a file"
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    if size % MIN_PAGE_SIZE:
        return f"it is damaged (its size, {size:,} bytes, is not a whole number of database pages)"
    try:
        conn = connect(path, key)
    except (DatabaseError, ValueError):
        return "it cannot be opened"
    try:
        with quiet_cipher_log():
            try:  # the first page only: it opens with the key, or the key (or that page) is wrong
                conn.execute("PRAGMA user_version").fetchone()
            except DatabaseError as exc:
                return ("it cannot be read (it is damaged, or its key is another file's)" if key_does_not_fit(exc)
                        else f"it {DAMAGED}")
            try:  # the key is right: a later page of the schema that fails is damage
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except DatabaseError:
                return "it is damaged (its list of tables cannot be read)"
        return check_connection(conn, full)
    finally:
        conn.close()


def outside_problem(path: Path, named_as_backup: bool) -> str | None:
    """What its size and first bytes show is wrong with a backup file, before any key: EMPTY, DAMAGED (cut short:
    not a whole number of pages, for a file `named_as_backup` or with a keyring beside it), NOT_A_BACKUP; or None."""
    size = path.stat().st_size
    if size == 0:
        return EMPTY
    if looks_encrypted(path):
        return None
    return DAMAGED if size % MIN_PAGE_SIZE and named_as_backup else NOT_A_BACKUP


def keyring_problem(backup: Path) -> str:
    """Why a backup cannot be opened when its keyring does not load (an "it …" phrase)."""
    return f"cannot be opened (its keyring {keyring_path(backup).name} is damaged)"


def looks_encrypted(path: Path) -> bool:
    """A file of whole database pages without the plain SQLite header (cheap: the content is only checked with
    the key)."""
    size = path.stat().st_size
    if size == 0 or size % MIN_PAGE_SIZE:
        return False
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER


# --- making --------------------------------------------------------------------------------------------


# Pages per backup step when progress is reported: 4 MB at SQLCipher's 4 KiB pages, a few per second on a slow disk.
COPY_STEP_PAGES = 1024


def copy_database(conn: Any, target: Path, key: bytes | None,
                  progress: ProgressCallback | None = None) -> None:
    """The online backup API from `conn` into a new file keyed with `key`; a single file (no WAL) after.

    With `progress(done, total) -> bool` the copy goes in steps and stops (CancelledError) once it returns False;
    the partial target is the caller's to remove."""
    copy = connect(target, key)

    def step(_status: int, remaining: int, total: int) -> None:
        if progress is not None and not progress(total - remaining, total):
            raise CancelledError("cancelled: nothing was copied")

    try:
        with quiet_cipher_log():
            if progress is None:
                conn.backup(copy)
            else:
                conn.backup(copy, pages=COPY_STEP_PAGES, progress=step)
            copy.execute("PRAGMA journal_mode = DELETE").fetchone()
    finally:
        copy.close()


def _free_target(folder: Path, db_path: Path, made: datetime, reason: str) -> Path:
    number = 1
    while True:
        target = folder / backup_name(db_path, made, reason, number)
        if not target.exists() and not keyring_path(target).exists():
            return target
        number += 1


def _part(target: Path) -> Path:
    return target.with_name(f".{target.name}{PART_SUFFIX}")


def _remove(path: Path) -> None:
    with suppress(FileNotFoundError):
        path.unlink()


def make_backup(store: Store, reason: str, folder: Path | None = None, now: datetime | None = None,
                progress: ProgressCallback | None = None) -> BackupInfo:
    """Copy the open encrypted database into `folder` (default: its backups folder), checked, with its keyring.

    `progress(done, total) -> bool` as for copy_database: False stops it (CancelledError) and nothing is kept."""
    if reason not in REASONS:
        raise ValueError(f"a backup's reason is one of {', '.join(REASONS)}")
    if store.key is None:
        raise BackupError(f"{store.path} is not encrypted, so it is not backed up (a backup is encrypted like the "
                          f"database): encrypt it with `ruralwatch --db {store.path} encrypt --admin NAME`")
    keyring = Keyring.load(store.path)  # a backup without its keyring could never be opened: refuse early
    chosen = folder is not None
    folder = Path(folder).expanduser() if folder is not None else backups_folder(store.path)
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} is a file, not a folder")
    if chosen and not folder.parent.is_dir():
        # A folder chosen for the backup (a stick, a share) may be made, but not the path to it: a mistyped or
        # unmounted /media/usbb would put the "offsite" copy on the laptop itself.
        raise BackupError(f"{folder.parent} does not exist: is the drive connected, and the folder spelt right? "
                          "Nothing was written")
    made = (now or times.utc_now()).astimezone(UTC).replace(microsecond=0)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_target(folder, store.path, made, reason)
        part = _part(target)
        _remove(part)
        try:
            copy_database(store.db.conn, part, store.key, progress)
            problem = check_file(part, store.key, full=True)
            if problem is not None:
                raise BackupError(f"the backup copy failed its integrity check, so it was not kept: {problem}")
            os.chmod(part, 0o600)
            keyring.copy_to(target)  # the keyring first: a backup's name only ever appears with its keyring
            os.replace(part, target)
        except BaseException:
            _remove(part)
            if not target.exists():
                _remove(keyring_path(target))
            raise
    except DatabaseError as exc:
        # SQLite's own words ("database or disk is full", "unable to open database file") name no place: say where.
        raise BackupError(f"the backup could not be written to {folder}: {exc}") from None
    except OSError as exc:
        raise BackupError(f"the backup could not be written to {folder}: {exc.strerror or exc}") from None
    _sync_folder(folder)
    info = info_for(target)
    assert info is not None
    return info


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# --- rotating ------------------------------------------------------------------------------------------


def rotate(db_path: Path, folder: Path | None = None, keep: dict[str, int] | None = None,
           now: datetime | None = None) -> list[Path]:
    """Delete this database's automatic backups beyond the newest keep[reason] of each reason (with their
    keyrings), keyrings whose backup is gone, and temporary files of backups that died (not touched for an
    hour before `now`, default the clock's time). Manual backups stay. Returns the backups deleted."""
    keep = KEEP if keep is None else keep
    folder = folder or backups_folder(db_path)
    if not folder.is_dir():
        return []
    deleted: list[Path] = []
    seen: dict[str, int] = {}
    for info in list_backups(db_path, folder):  # newest first
        if info.reason not in keep:
            continue
        seen[info.reason] = seen.get(info.reason, 0) + 1
        if seen[info.reason] > keep[info.reason]:
            _remove(info.path)
            _remove(info.keyring)
            deleted.append(info.path)
    stem = Path(db_path).stem
    moment = now.timestamp() if now is not None else time.time()
    for entry in os.scandir(folder):
        path = Path(entry.path)
        if path.name.endswith(".db.keys"):
            backup = path.with_name(path.name.removesuffix(".keys"))
            parsed = parse_name(backup)
            if parsed is not None and parsed[0] == stem and not backup.exists():
                _remove(path)
        elif path.name.startswith(f".{stem}-") and PART_SUFFIX in path.name:  # with its -wal, -journal
            with suppress(OSError):
                if moment - entry.stat().st_mtime > STALE_PART_SECONDS:
                    _remove(path)
    return deleted


# --- swapping a restored copy in -----------------------------------------------------------------------

SIDE_FILES = ("-wal", "-shm")


def _with_suffix(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def swap_in(db_path: Path, staged: Path, kept_as: Path | None) -> None:
    """Replace the database and its keyring by `staged` and its keyring. The current database (with its WAL
    files and keyring) is moved to `kept_as` first, if there is one. Undone if any step fails."""
    moves: list[tuple[Path, Path]] = []
    plan: list[tuple[Path, Path]] = []
    if kept_as is not None:
        plan += [(db_path, kept_as)] + [(_with_suffix(db_path, s), _with_suffix(kept_as, s)) for s in SIDE_FILES]
        plan.append((keyring_path(db_path), keyring_path(kept_as)))
    else:
        for suffix in SIDE_FILES:  # files of a database that is no longer there: they must not meet the new one
            _remove(_with_suffix(db_path, suffix))
    plan += [(staged, db_path), (keyring_path(staged), keyring_path(db_path))]
    try:
        for source, target in plan:
            if source.exists():
                os.replace(source, target)
                moves.append((source, target))
    except OSError as exc:
        for source, target in reversed(moves):
            with suppress(OSError):
                os.replace(target, source)
        raise BackupError(f"the database could not be replaced ({exc.strerror or exc}); it was left as it was") \
            from None
    _sync_folder(db_path.parent)
