"""`--db` pointing at the wrong thing: each gets one line that says what the path is and what to do, exit 2, and
the file is left exactly as it was (a folder, another program's SQLite file, a damaged keyring)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from cli_harness import Cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(result) -> str:
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


def test_a_folder_is_named_as_a_folder(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "RuralWatch"
    folder.mkdir()
    line = _one_error_line(cli("incidents", "list", db=folder))
    assert f"{folder} is a folder, not a database file" in line
    assert str(folder / "ruralwatch.db") in line  # the file it probably meant
    assert "encrypt" not in line


def test_another_programs_sqlite_file_is_not_offered_encryption(cli: Cli, tmp_path: Path) -> None:
    mbtiles = tmp_path / "essex.mbtiles"
    mbtiles.write_bytes((FIXTURES / "mbtiles" / "one_tile.mbtiles").read_bytes())
    before = _digest(mbtiles)
    line = _one_error_line(cli("incidents", "list", db=mbtiles))
    assert "is an SQLite database but not a RuralWatch one (it has tables: " in line
    assert "encrypt it" not in line
    assert _digest(mbtiles) == before
    assert not Path(f"{mbtiles}-wal").exists()


def test_a_plain_ruralwatch_database_is_still_offered_encryption(cli: Cli, tmp_path: Path) -> None:
    from ruralwatch.store import open_store

    plain = tmp_path / "old.db"
    open_store(plain).close()
    line = _one_error_line(cli("incidents", "list", db=plain))
    assert f"{plain} is not encrypted: encrypt it first with `ruralwatch --db {plain} encrypt --admin NAME`" in line


def test_a_damaged_keyring_says_so_without_the_json_parsers_words(cli: Cli) -> None:
    keys = Path(f"{cli.db_path}.keys")
    assert cli("incidents", "list").code == 0
    for damage in (keys.read_bytes()[:40], b"\x00\xff" * 20):  # cut short, overwritten
        keys.write_bytes(damage)
        line = _one_error_line(cli("incidents", "list"))
        assert f"the database {cli.db_path} cannot be used: its keyring {keys.name}, which holds the key to open " \
               "it, is damaged; there is no good backup" in line
        assert "Expecting" not in line and "codec" not in line
        assert keys.read_bytes() == damage


def test_encrypt_names_a_folder_and_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    assert f"{tmp_path} is a folder, not a database file" in _one_error_line(
        cli("encrypt", "--admin", "admin", db=tmp_path))
    missing = tmp_path / "nothing.db"
    assert f"there is no database at {missing}" in _one_error_line(cli("encrypt", "--admin", "admin", db=missing))
    assert not missing.exists()
    conn = sqlite3.connect(tmp_path / "other.db")
    conn.execute("CREATE TABLE x (a)")
    conn.close()
    assert "is an SQLite database but not a RuralWatch one" in _one_error_line(
        cli("encrypt", "--admin", "admin", db=tmp_path / "other.db"))
