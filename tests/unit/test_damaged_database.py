"""A laptop's own database damaged or wrong at sign-in (fixtures/damaged_databases): the service says what is wrong in
the user's words (never SQLite's), offers the latest good backup where restoring one helps, says what to fix where it
would not (a read-only file or folder, a full disk), and changes none of the files."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.damaged_databases import (
    ADMIN,
    CONDITIONS,
    DAMAGE_KINDS,
    INCIDENTS,
    PASSWORD,
    damage,
    laptop,
    restricted,
    says_it_in_user_words,
    snapshot,
)

from ruralwatch.services.accounts import sign_in
from ruralwatch.services.backups import (
    DamagedDatabaseError,
    DatabaseUnavailableError,
    restore,
    sign_in_checked,
)
from ruralwatch.services.database_files import ENCRYPTED, inspect_database
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.backups import list_backups
from ruralwatch.store.keyring import SignInError

# What each damage is called, in the words of the message (besides "cannot be used").
SAID = {
    "cut short": "cut short",
    "cut at a page": "part of it cannot be read",
    "bytes changed": "part of it cannot be read",
    "last page changed": "part of it cannot be read",
    "first page changed": "does not open with the key in its keyring",
    "zeroed": "does not open with the key in its keyring",
    "another database's file": "does not open with the key in its keyring",
    "another database's keyring": "belong to different databases",
    "keyring missing": "its keyring rw.db.keys, which holds the key to open it, is missing",
    "keyring cut short": "its keyring rw.db.keys, which holds the key to open it, is damaged",
    "stale WAL of another database": "rw.db-wal, does not belong to it",
}


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_each_damage_is_said_in_the_users_words_with_the_backup_offered_and_nothing_changed(tmp_path: Path,
                                                                                            kind: str) -> None:
    db = laptop(tmp_path / "laptop")
    damage(db, kind, tmp_path / "scratch")
    before = snapshot(db)
    with pytest.raises(DamagedDatabaseError) as caught:
        sign_in_checked(db, ADMIN, PASSWORD)
    problem = caught.value.problem
    assert SAID[kind] in problem.problem
    for text in (str(caught.value), problem.problem, problem.title):
        assert says_it_in_user_words(text), text
    assert not any(word in problem.message.lower() for word in ("sql", "malformed", "not a database")), \
        problem.message
    # The laptop's backup is sound (with its own keyring): it is offered, and restoring it mends everything.
    assert problem.backup == list_backups(db)[0] and problem.button_text is not None
    assert snapshot(db) == before, "looking changed the damaged files"
    restore(db, problem.backup.path, ADMIN, PASSWORD)
    store = sign_in_checked(db, ADMIN, PASSWORD)
    try:
        assert IncidentService(store).count() == INCIDENTS
    finally:
        store.close()


def test_a_wal_of_another_database_is_not_written_into_the_file(tmp_path: Path) -> None:
    """A read-write connection folds the WAL into the file when it closes: the check reads without one, so the
    file stays sound and moving the stray WAL away is enough."""
    db = laptop(tmp_path / "laptop")
    damage(db, "stale WAL of another database", tmp_path / "scratch")
    with pytest.raises(DamagedDatabaseError, match="rw.db-wal, does not belong to it"):
        sign_in_checked(db, ADMIN, PASSWORD)
    Path(f"{db}-wal").unlink()
    Path(f"{db}-shm").unlink(missing_ok=True)
    store = sign_in_checked(db, ADMIN, PASSWORD)
    try:
        assert IncidentService(store).count() == INCIDENTS
    finally:
        store.close()


def test_a_wrong_password_on_a_damaged_database_is_only_a_wrong_password(tmp_path: Path) -> None:
    db = laptop(tmp_path / "laptop")
    damage(db, "bytes changed", tmp_path / "scratch")
    with pytest.raises(SignInError, match="wrong password"):
        sign_in_checked(db, ADMIN, "not the password at all")


@pytest.mark.parametrize("kind", ["keyring missing", "keyring cut short"])
def test_the_window_shows_the_sign_in_for_a_keyring_problem_so_a_backup_can_be_restored(tmp_path: Path,
                                                                                       kind: str) -> None:
    db = laptop(tmp_path / "laptop")
    damage(db, kind, tmp_path / "scratch")
    found = inspect_database(db)
    assert found.state == ENCRYPTED and "Restore a backup…" in found.problem
    assert says_it_in_user_words(found.problem) and "is missing" in found.problem or "is damaged" in found.problem


EXPECTED = {
    "database read-only": "RuralWatch cannot write to {db}: the file is read-only for you; nothing was changed",
    "folder read-only": "RuralWatch cannot write in the folder {folder}, where rw.db keeps its working files: the "
                        "folder is read-only for you; nothing was changed",
    "disk full": "the disk holding {db} is full: free some space on it, then sign in again; nothing was changed",
}


def _sign_in_outcome(db: Path) -> str:
    try:
        sign_in_checked(db, ADMIN, PASSWORD).close()
        return "signed in"
    except DatabaseUnavailableError as exc:
        return f"unavailable: {exc}"
    except Exception as exc:  # noqa: BLE001 - what the child saw, for the assertion's message
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_laptop_that_cannot_write_is_told_what_to_fix_and_nothing_changes(tmp_path: Path, condition: str) -> None:
    db = laptop(tmp_path / "laptop")
    sign_in(db, ADMIN, PASSWORD).close()  # everything the child needs is imported
    before = snapshot(db)
    outcome = restricted(db, condition, lambda: _sign_in_outcome(db))
    assert outcome == "unavailable: " + EXPECTED[condition].format(db=db, folder=db.parent)
    assert says_it_in_user_words(outcome)
    assert snapshot(db) == before
    store = sign_in_checked(db, ADMIN, PASSWORD)  # fixed: it signs in
    store.close()
