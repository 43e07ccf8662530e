"""A laptop's own database checked before anyone signs in to it: read only, so a damaged file (or a stale WAL beside
it) is left exactly as it was for a restore to keep, and every problem in the user's words, never SQLite's.

A read-write connection would fold the WAL into the file when it closes: a WAL left from another copy of the
database would then be written over a sound file. `mode=ro` reads the WAL without ever writing the file; `immutable`
reads the file alone, which tells a WAL that does not fit from a damaged file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

from ruralwatch.store.backups import MIN_PAGE_SIZE
from ruralwatch.store.database import (
    SQLITE_HEADER,
    DatabaseBusyError,
    DatabaseError,
    driver,
    is_busy,
    key_does_not_fit,
)
from ruralwatch.store.keyring import keyring_path

# Why a database cannot be used, as "it …" phrases the sign-in's messages end with.
EMPTY = "the file is empty"
DAMAGED = "it is damaged (part of it cannot be read)"
CUT_SHORT = "it is damaged (it was cut short: its size is not a whole number of database pages)"
KEY_DOES_NOT_FIT = ("it does not open with the key in its keyring: its beginning is damaged, or the file and its "
                    "keyring belong to different databases (one was copied over the other)")
DRIVE_ERROR = "the drive reported an error while reading it (is the drive still connected?)"
NOT_ENCRYPTED = ("it is not encrypted, although its keyring is beside it: its beginning was overwritten, or it was "
                 "replaced by an old copy from before encryption")

# How a write fails when the disk has no room (or the file may not grow): the sign-in writes to the audit log.
FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def stale_wal(path: Path) -> str:
    return (f"the file of its latest changes beside it, {wal_path(path).name}, does not belong to it (left from "
            "another copy of the database)")


def in_user_words(exc: BaseException) -> str:
    """A failed read of the database as an "it …" phrase (a busy file is not damage: DatabaseBusyError)."""
    if is_busy(exc):
        raise DatabaseBusyError() from None
    if key_does_not_fit(exc):
        return KEY_DOES_NOT_FIT
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if name.startswith("SQLITE_IOERR"):
        return DRIVE_ERROR
    return DAMAGED


def _read_only(path: Path, key: bytes | None, with_wal: bool) -> Any:
    # Without a WAL there is nothing but the file to read: `immutable` then creates no -wal or -shm beside it.
    with_wal = with_wal and wal_path(path).exists()
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if with_wal else "&immutable=1")
    conn = driver.connect(uri, uri=True)
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def read_problem(path: Path, key: bytes | None, quick: bool = True, with_wal: bool = True) -> str | None:
    """What keeps the database at `path` from being read with `key` (its first page, its list of tables, and with
    `quick` PRAGMA quick_check over every page), or None; it writes nothing. The caller quiets SQLCipher's log."""
    size = path.stat().st_size
    if size == 0:
        return EMPTY
    if size % MIN_PAGE_SIZE:
        return CUT_SHORT
    conn = _read_only(path, key, with_wal)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if quick:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if [str(row[0]).strip() for row in rows] != ["ok"]:
                return DAMAGED
    except DatabaseError as exc:
        return in_user_words(exc)
    finally:
        conn.close()
    return None


def database_problem(path: Path, key: bytes, other_key: bytes | None = None, quick: bool = True) -> str | None:
    """What is wrong with a laptop's encrypted database, read with its key (or `other_key`: a key rotation that
    stopped half way), in the user's words; None when it is sound. Writes nothing."""
    problem = read_problem(path, key, quick)
    if problem == KEY_DOES_NOT_FIT and other_key is not None and read_problem(path, other_key, quick) is None:
        return None
    if problem is not None and problem not in (EMPTY, CUT_SHORT) and wal_path(path).is_file() \
            and wal_path(path).stat().st_size and read_problem(path, key, quick, with_wal=False) is None:
        return stale_wal(path)
    return problem


def plain_with_keyring(path: Path) -> bool:
    """A plain SQLite file with a keyring beside it: not a database made before encryption, but one whose
    encrypted file was overwritten or replaced."""
    if not path.is_file() or not keyring_path(path).is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def keyring_problem(path: Path) -> str:
    """Why the keyring of the database at `path` cannot be used (it does not load), as an "it …" phrase."""
    keys = keyring_path(path)
    if not keys.exists():
        return f"its keyring {keys.name}, which holds the key to open it, is missing"
    if not os.access(keys, os.R_OK):
        return f"its keyring {keys.name}, which holds the key to open it, cannot be read by you"
    return f"its keyring {keys.name}, which holds the key to open it, is damaged"


# --- a laptop that cannot write --------------------------------------------------------------------------------


def write_problem(path: Path) -> str | None:
    """Why the signed-in user cannot write the database's files (signing in writes the audit log, and SQLite makes
    its working files beside the database), in words that name the file or folder; None when they can."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"RuralWatch cannot write in the folder {folder}, where {path.name} keeps its working files: the "
                "folder is read-only for you")
    for file in (path, wal_path(path), path.with_name(path.name + "-shm"), keyring_path(path)):
        if file.exists() and not os.access(file, os.W_OK):
            return f"RuralWatch cannot write to {file}: the file is read-only for you"
    return None


def disk_is_full(folder: Path) -> bool:
    """Whether a file in `folder` cannot grow by a few pages (a full disk, a quota): tried with a temporary file,
    removed at once."""
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".ruralwatch-space-")
    except OSError as exc:
        return exc.errno in FULL_ERRNOS
    try:
        left = memoryview(bytes(16 * 4096))
        while left:  # a write that reaches the limit is cut short first; the next one fails
            left = left[os.write(handle, left):]
        os.fsync(handle)
        return False
    except OSError as exc:
        return exc.errno in FULL_ERRNOS
    finally:
        os.close(handle)
        os.unlink(name)
