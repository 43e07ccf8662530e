"""Password and passphrase files the command line reads: used as they are, with one warning line when other
users may read or change them (every reader goes through cli.signin.read_secret_file)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ruralwatch.cli import signin
from ruralwatch.services.sync import PASSPHRASE_ENV as SYNC_ENV

SECRET = "correct horse battery"


def _file(tmp_path: Path, mode: int, name: str = "secret.txt") -> Path:
    path = tmp_path / name
    path.write_text(SECRET + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize(("mode", "how"), [(0o644, "read"), (0o640, "read"), (0o622, "changed"),
                                           (0o602, "changed"), (0o666, "read and changed")])
def test_a_password_file_others_may_use_is_read_with_one_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int, how: str) -> None:
    path = _file(tmp_path, mode)
    assert signin.account_password(argparse.Namespace(account_passphrase_file=path), "Password: ") == SECRET
    assert capsys.readouterr().err == (f"ruralwatch: warning: {path} can be {how} by other users: "
                                       f"chmod 600 {path}\n")


def test_an_owner_only_password_file_gives_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, 0o600)
    assert signin.account_password(argparse.Namespace(account_passphrase_file=path), "Password: ") == SECRET
    assert capsys.readouterr().err == ""


def test_every_password_and_passphrase_file_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """$RURALWATCH_PASSPHRASE_FILE, a command's own --password-file, and both ways of giving a sync passphrase."""
    sign_in, own, sync_arg, sync_env = (_file(tmp_path, 0o644, name) for name in ("a", "b", "c", "d"))
    monkeypatch.setenv(signin.PASSPHRASE_ENV, str(sign_in))
    monkeypatch.setenv(SYNC_ENV, str(sync_env))
    assert signin.account_password(argparse.Namespace(), "Password: ") == SECRET
    assert signin.new_password(own, "New password: ") == SECRET
    assert signin.sync_passphrase(sync_arg) == SECRET
    assert signin.sync_passphrase(None) == SECRET
    warned = capsys.readouterr().err.splitlines()
    assert warned == [f"ruralwatch: warning: {p} can be read by other users: chmod 600 {p}"
                      for p in (sign_in, own, sync_arg, sync_env)]


@pytest.mark.parametrize(("encoding", "ending"), [("utf-8-sig", "\r\n"), ("utf-16", "\r\n"), ("utf-16-be", ""),
                                                  ("utf-8", "\n")])
def test_a_password_file_saved_by_a_windows_editor_gives_the_password_typed(
        tmp_path: Path, encoding: str, ending: str) -> None:
    """Notepad's byte order mark was kept as part of the password (UTF-8), so it was wrong every time and each try
    counted towards the lock; UTF-16 ("Unicode") was refused in codec words."""
    path = tmp_path / "password.txt"
    data = (SECRET + " \u00e9t\u00e9" + ending).encode(encoding)
    path.write_bytes(b"\xfe\xff" + data if encoding == "utf-16-be" else data)
    path.chmod(0o600)
    assert signin.read_secret_file(path) == SECRET + " \u00e9t\u00e9"


def test_a_password_file_that_is_not_text_says_so_in_words(tmp_path: Path) -> None:
    path = tmp_path / "password.txt"
    path.write_bytes("caf\u00e9\n".encode("latin-1"))
    path.chmod(0o600)
    with pytest.raises(signin.PasswordError, match=r"password.txt: it is not UTF-8 text; save it again as plain") as e:
        signin.read_secret_file(path)
    assert "codec" not in str(e.value)
