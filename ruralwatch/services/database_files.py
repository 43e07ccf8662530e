"""What is at the database path before anyone signs in: nothing yet, an encrypted database, a plain one made
before encryption, or something unusable. Looks without changing the file or its keyring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.store import migrations
from ruralwatch.store.backups import MIN_PAGE_SIZE
from ruralwatch.store.database import DatabaseError, check_openable, connect, is_encrypted
from ruralwatch.store.database_check import NOT_ENCRYPTED, keyring_problem
from ruralwatch.store.keyring import Keyring, KeyringError, keyring_path
from ruralwatch.store.sqlite_lib import sqlite_utils

NEW, ENCRYPTED, PLAIN, UNUSABLE = "new", "encrypted", "plain", "unusable"
RESTORE_BOTH = ("An administrator can restore a backup, which brings back the database and its keyring together: "
                "type the account name and the password of the backup's day, then press Restore a backup…")


@dataclass(frozen=True)
class Inspection:
    """What is at the database path: NEW (nothing yet), ENCRYPTED, PLAIN (made before encryption), UNUSABLE.
    An ENCRYPTED database may have a problem too: its keyring cannot be used, and the sign-in says so first."""

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
            if path.stat().st_size % MIN_PAGE_SIZE == 0:
                # Whole pages: most likely this laptop's database whose keyring is missing or damaged. The sign-in
                # says so and offers a backup, which puts back the database and its keyring together.
                return Inspection(ENCRYPTED, f"The database {path.name} cannot be opened: "
                                             f"{keyring_problem(path)}. {RESTORE_BOTH}")
            return Inspection(UNUSABLE, f"{path.name} is not a plain SQLite file: either an encrypted RuralWatch "
                                        f"database whose keyring cannot be used, or not a RuralWatch database at "
                                        f"all.\n\n{exc}")
        return Inspection(ENCRYPTED, usernames=tuple(keyring.usernames()))
    if keys.exists():
        try:
            usernames = tuple(Keyring.load(path).usernames())
        except KeyringError:
            usernames = ()
        return Inspection(ENCRYPTED, f"The database {path.name} cannot be opened: {NOT_ENCRYPTED}. {RESTORE_BOTH}",
                          usernames)
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
