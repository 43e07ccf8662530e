"""`ruralwatch backup`, `backups` and `restore` on an encrypted database signed in from a password file, through
the real command line (the harness)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_harness import ADMIN, Cli, Result, open_db, secret_file
from fixtures.accounts import add_account
from fixtures.damaged_backups import DAMAGE_KINDS, damage, says_it_in_user_words

from ruralwatch.core.incident import IncidentFilter
from ruralwatch.services.demo import load_demo
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.backups import backups_folder, list_backups
from ruralwatch.store.keyring import keyring_path

Runner = Callable[..., Result]


@pytest.fixture
def run(cli: Cli) -> Runner:
    return cli


@pytest.fixture
def filled(encrypted_db: Path) -> Path:
    store = open_db(encrypted_db)
    try:
        load_demo(IncidentService(store), count=120)
    finally:
        store.close()
    return encrypted_db


def _count(db: Path) -> int:
    store = open_db(db)
    try:
        return IncidentService(store).count()
    finally:
        store.close()


def _delete_some(db: Path, how_many: int) -> None:
    store = open_db(db)
    try:
        service = IncidentService(store)
        for row in service.rows(IncidentFilter(), limit=how_many):
            service.delete(row.id)
    finally:
        store.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _passphrase_file(monkeypatch: pytest.MonkeyPatch, path: Path, password: str) -> None:
    """The commands read their password from `path` from now on."""
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(secret_file(path, password)))


def _damage(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\x5a" * 512)


def test_backup_then_list(run: Runner, filled: Path, tmp_path: Path) -> None:
    made = run("backup")
    assert made.code == 0, made.err
    path = Path(made.out.strip())
    assert path.parent == backups_folder(filled) and path.is_file() and keyring_path(path).is_file()

    elsewhere = run("backup", "--to", str(tmp_path / "usb"))
    assert elsewhere.code == 0, elsewhere.err
    assert Path(elsewhere.out.strip()).parent == tmp_path / "usb"
    typo = run("backup", "--to", str(tmp_path / "usbb" / "backups"))  # a stick not mounted, or mistyped
    assert typo.code == 2 and typo.err.count("\n") == 1 and "does not exist" in typo.err, typo.err
    assert not (tmp_path / "usbb").exists()

    listed = run("backups", "--json")
    assert listed.code == 0, listed.err
    rows = listed.json()
    assert [(r["file"], r["reason"], r["verified"], r["keyring"]) for r in rows] == [
        (str(path), "manual", True, True)]
    assert rows[0]["size"] == path.stat().st_size and rows[0]["made"].endswith("Z")

    text = run("backups")
    assert text.code == 0 and "manual" in text.out and "verified" in text.out and str(path) in text.out


def test_the_listing_flags_a_damaged_backup(run: Runner, filled: Path) -> None:
    path = Path(run("backup").out.strip())
    _damage(path)
    listed = run("backups", "--json").json()
    assert listed[0]["verified"] is False and "damaged" in listed[0]["problem"]
    assert "NOT USABLE" in run("backups").out


def test_restore_brings_back_deleted_incidents(run: Runner, filled: Path) -> None:
    backup = Path(run("backup").out.strip())
    _delete_some(filled, 30)
    assert _count(filled) == 90

    result = run("restore", "--from", str(backup), "--yes")

    assert result.code == 0, result.err
    assert _count(filled) == 120
    kept = [p for p in filled.parent.iterdir() if ".before-restore-" in p.name and not p.name.endswith(".keys")]
    assert len(kept) == 1 and keyring_path(kept[0]).is_file()
    assert f"kept as {kept[0]}" in result.out and "restore --from" in result.out
    assert _count(kept[0]) == 90  # the database as it was, to undo the restore


def test_restore_without_yes_changes_nothing(run: Runner, filled: Path) -> None:
    backup = Path(run("backup").out.strip())
    _delete_some(filled, 10)
    before = _files(filled.parent)

    result = run("restore", "--from", str(backup))

    assert result.code == 2
    assert "would restore" in result.out and "--yes" in result.err
    assert _files(filled.parent) == before
    assert _count(filled) == 110


@pytest.mark.parametrize("case", ["damaged", "no keyring", "not a backup", "missing", "dangling link"])
def test_restore_from_a_bad_file_is_one_line_and_changes_nothing(run: Runner, filled: Path, tmp_path: Path,
                                                                 case: str) -> None:
    backup = Path(run("backup").out.strip())
    if case == "damaged":
        _damage(backup)
    elif case == "no keyring":
        keyring_path(backup).unlink()
    elif case == "not a backup":
        backup = tmp_path / "notes.db"
        backup.write_text("shopping list\n")
    elif case == "missing":
        backup = tmp_path / "nothing-here.db"
    else:  # a shortcut to the backup on a stick no longer plugged in
        backup = tmp_path / "latest-backup.db"
        backup.symlink_to(tmp_path / "stick" / "gone.db")
    before = _files(filled.parent)

    result = run("restore", "--from", str(backup), "--yes")

    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1 and result.err.startswith("ruralwatch: error: ")
    assert "Traceback" not in result.err
    assert _files(filled.parent) == before
    if case in ("missing", "dangling link"):  # as every other command says it, not "not a backup"
        assert f"{backup}: no such file" in result.err, result.err
    if case == "dangling link":
        assert "a link to " in result.err and "gone.db" in result.err


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_a_damaged_backup_is_one_sentence_in_the_users_words_exit_2_and_changes_nothing(
        run: Runner, filled: Path, tmp_path: Path, kind: str) -> None:
    good = Path(run("backup").out.strip())
    candidate = damage(good, tmp_path / "stick" / good.name, kind)
    before, offered = _files(filled.parent), _files(candidate.parent)

    for checking_only in (True, False):
        result = run("restore", "--from", str(candidate), *(() if checking_only else ("--yes",)))

        assert result.code == 2 and result.out == ""
        assert result.err.startswith("ruralwatch: error: the ") and candidate.name in result.err
        assert result.err.rstrip().endswith("choose another backup; nothing was changed")
        assert says_it_in_user_words(result.err), result.err
        assert _files(filled.parent) == before and _files(candidate.parent) == offered


def test_a_wrong_password_for_a_backup_is_one_line_exit_2_and_changes_nothing(
        run: Runner, filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = Path(run("backup").out.strip())
    _passphrase_file(monkeypatch, tmp_path / "wrong.txt", "not the password it had then")
    before = _files(filled.parent)

    result = run("restore", "--from", str(good), "--yes")

    assert result.code == 2 and "wrong password for the backup" in result.err
    assert says_it_in_user_words(result.err), result.err
    assert _files(filled.parent) == before


def test_restore_works_when_the_database_is_damaged(run: Runner, filled: Path) -> None:
    backup = Path(run("backup").out.strip())
    _damage(filled)

    result = run("restore", "--from", str(backup), "--yes")

    assert result.code == 0, result.err
    assert _count(filled) == 120


def test_a_damaged_database_offers_the_latest_good_backup(run: Runner, filled: Path) -> None:
    backup = Path(run("backup").out.strip())
    _damage(filled)

    result = run("incidents", "list")

    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "damaged" in result.err and f"restore --from {backup} --yes" in result.err


def test_only_an_administrator_may_restore(run: Runner, filled: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_db(filled)
    try:
        add_account(store, "sam", "special", "special constable sam")
    finally:
        store.close()
    made = run("--user", ADMIN, "backup")
    assert made.code == 0, made.err
    backup = Path(made.out.strip())
    _passphrase_file(monkeypatch, tmp_path / "sam.txt", "special constable sam")
    before = _files(filled.parent)

    result = run("--user", "sam", "restore", "--from", str(backup), "--yes")

    assert result.code == 2 and "may not" in result.err
    assert _files(filled.parent) == before
    assert list_backups(filled)[0].path == backup


def test_a_backup_on_a_usb_stick_is_listed_and_checked_there(run: Runner, filled: Path, tmp_path: Path) -> None:
    # A walk made `backup --to /media/usb/RW` and ran `backups` to check it: only the backups beside the database
    # were listed, and nothing could check the one on the stick.
    (tmp_path / "usb").mkdir()  # the stick, mounted
    usb = tmp_path / "usb" / "RW"
    made = run("backup", "--to", str(usb))
    assert made.code == 0 and f"backups --in {usb}" in made.err, made.err
    copy = Path(made.out.strip())
    listed = run("backups", "--in", str(usb), "--json")
    assert listed.code == 0, listed.err
    assert [(r["file"], r["verified"]) for r in listed.json()] == [(str(copy), True)]
    assert str(copy) not in run("backups").out  # the default listing is still the folder beside the database
    _damage(copy)
    assert "NOT USABLE" in run("backups", "--in", str(usb)).out
    missing = run("backups", "--in", str(tmp_path / "not-mounted"))
    assert missing.code == 2 and "not a folder" in missing.err and missing.err.count("\n") == 1


def test_a_backup_onto_a_full_drive_names_the_folder_and_leaves_nothing(run: Runner, filled: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's words alone ("the backup could not be made: database or disk is full") named no folder."""
    from ruralwatch.store import backups
    from ruralwatch.store.database import DatabaseError

    def full(*args: object, **kwargs: object) -> None:
        raise DatabaseError("database or disk is full")

    stick = tmp_path / "USB stick"
    stick.mkdir()
    monkeypatch.setattr(backups, "copy_database", full)
    refused = run("backup", "--to", str(stick))
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert f"the backup could not be written to {stick}: database or disk is full" in refused.err
    assert list(stick.iterdir()) == []
