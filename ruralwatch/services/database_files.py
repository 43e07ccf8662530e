"""What is at the database path before anyone signs in: nothing yet, an encrypted database, a plain one made
before encryption, or something unusable. Looks without changing the file or its keyring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.store import migrations
from ruralwatch.store.database import DatabaseError, check_openable, connect, is_encrypted
from ruralwatch.store.keyring import Keyring, KeyringError, keyring_path
from ruralwatch.store.sqlite_lib import sqlite_utils

NEW, ENCRYPTED, PLAIN, UNUSABLE = "new", "encrypted", "plain", "unusable"


@dataclass(frozen=True)
class Inspection:
    """What is at the database path: NEW (nothing yet), ENCRYPTED, PLAIN (made before encryption), UNUSABLE."""

    state: str
    problem: str = ""
    usernames: tuple[str, ...] = ()


def inspect_database(path: Path) -> Inspection:
    """Look at the file (and its keyring) without changing either."""
    path = Path(path).expanduser()
    keys = keyring_path(path)
    if path.is_dir():
        return Inspection(UNUSABLE, f"{path} is a folder, not a database file.")
    if not path.exists() or path.stat().st_size == 0:
        if keys.exists():
            return Inspection(UNUSABLE, f"The database file {path.name} is missing, but its keyring {keys.name} "
                                        "is there. Restore the database file from its backup, or move "
                                        f"{keys.name} away to start a new, empty database.")
        return Inspection(NEW)
    if is_encrypted(path):
        try:
            keyring = Keyring.load(path)
        except KeyringError as exc:
            return Inspection(UNUSABLE, f"{path.name} is not a plain SQLite file: either an encrypted RuralWatch "
                                        f"database whose keyring cannot be used, or not a RuralWatch database at "
                                        f"all.\n\n{exc}")
        return Inspection(ENCRYPTED, usernames=tuple(keyring.usernames()))
    if keys.exists():
        return Inspection(UNUSABLE, f"{path.name} is not encrypted, but an encryption keyring ({keys.name}) is "
                                    "beside it: the file may have been replaced by an old copy. Restore the "
                                    "encrypted database from its backup, or move the keyring away.")
    try:
        conn = connect(path, None)
        try:
            check_openable(sqlite_utils.Database(conn, execute_plugins=False), path, len(migrations.MIGRATIONS))
        finally:
            conn.close()
    except RuralWatchError as exc:
        return Inspection(UNUSABLE, str(exc))
    except DatabaseError as exc:
        return Inspection(UNUSABLE, f"{path.name} is damaged or not a RuralWatch database ({exc}).")
    return Inspection(PLAIN)
