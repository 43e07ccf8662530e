"""Signing in on the command line: which account, its password, and opening the database as it.

The password never comes from argv (it would sit in the shell history and the process list): it is read from
`--passphrase-file PATH` (before the command), the file named by $RURALWATCH_PASSPHRASE_FILE, or a prompt
on the terminal. The account is `--user NAME`, $RURALWATCH_USER, or the only account there is.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ruralwatch.core.errors import RuralWatchError

if TYPE_CHECKING:
    from ruralwatch.store.database import Store

# The services are imported where they are used: every command module imports this one to declare its options,
# and a command should load only what it runs (issue 21; tests/integration/test_cli_imports.py).

PASSPHRASE_ENV = "RURALWATCH_PASSPHRASE_FILE"
USER_ENV = "RURALWATCH_USER"


class PasswordError(RuralWatchError):
    pass


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help=f"account to sign in as (default: ${USER_ENV}, or the only account)")
    parser.add_argument("--passphrase-file", dest="account_passphrase_file", type=Path, metavar="PATH",
                        help=f"file holding the account's password (default: ${PASSPHRASE_ENV}, else a prompt)")


def warn_if_exposed(path: Path) -> None:
    """One stderr line when other users may read or change a password file (POSIX mode bits). The file is still
    used: refusing it would break the scripts that rely on it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # reading it reports the problem
    if os.name != "posix" or not mode & 0o066:
        return
    how = " and ".join(word for bits, word in ((0o044, "read"), (0o022, "changed")) if mode & bits)
    print(f"ruralwatch: warning: {path} can be {how} by other users: chmod 600 {path}", file=sys.stderr)


def read_secret_file(source: Path, what: str = "password") -> str:
    """The secret in a password or passphrase file (its text without the final newline): every file of a
    password or passphrase the command line reads comes through here."""
    path = source.expanduser()
    warn_if_exposed(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PasswordError(f"cannot read the {what} file {source}: {exc.strerror or exc}") from None
    try:
        # Windows editors save text with a byte order mark (Notepad: UTF-8 with one, or "Unicode", UTF-16): it is not
        # part of what was typed, and left in, the password was wrong every time (and each try counted).
        text = raw.decode("utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PasswordError(f"cannot read the {what} file {source}: it is not UTF-8 text; save it again as plain "
                            "text (UTF-8)") from None
    secret = text.rstrip("\r\n")
    if not secret:
        raise PasswordError(f"the {what} file {source} is empty")
    return secret


def sync_passphrase(path: Path | None) -> str | None:
    """A sync package's passphrase: --passphrase-file after the command, else $RURALWATCH_SYNC_PASSPHRASE_FILE."""
    from ruralwatch.services.sync import PASSPHRASE_ENV as SYNC_PASSPHRASE_ENV

    source = path or (Path(os.environ[SYNC_PASSPHRASE_ENV]) if os.environ.get(SYNC_PASSPHRASE_ENV) else None)
    return read_secret_file(source, "passphrase") if source is not None else None


def read_secret(path: Path | None, prompt: str, confirm: bool = False, env: str | None = PASSPHRASE_ENV) -> str:
    """From the file given, else the file named by the environment variable, else a terminal prompt."""
    source = path or (Path(os.environ[env]) if env and os.environ.get(env) else None)
    if source is not None:
        return read_secret_file(source)
    if not sys.stdin.isatty():
        where = f"--passphrase-file PATH or ${env}" if env else "--password-file PATH"
        raise PasswordError(f"no password given: use {where} (never the command line)")
    try:
        secret = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != secret:
            raise PasswordError("the two passwords differ")
    except (EOFError, KeyboardInterrupt):
        raise PasswordError("no password given (the prompt was closed)") from None
    return secret


def account_password(args: argparse.Namespace, prompt: str, confirm: bool = False) -> str:
    """The signing-in account's password: --passphrase-file, $RURALWATCH_PASSPHRASE_FILE or a prompt."""
    try:
        return read_secret(getattr(args, "account_passphrase_file", None), prompt, confirm=confirm)
    except PasswordError as exc:
        package_file = getattr(args, "passphrase_file", None)
        if (package_file is None or str(getattr(args, "command", "")) not in ("central", "sync")
                or not str(exc).startswith("no password given:")):
            raise
        # `central merge DIR --passphrase-file F` (as the guide's first line read) gave only the package's passphrase:
        # "no password given: use --passphrase-file" sent the user round in a circle.
        command = " ".join(str(part) for part in (args.command, getattr(args, "action", None)) if part)
        raise PasswordError(f"no password given to sign in: the --passphrase-file after `{command}` is the "
                            "package passphrase; give your account's password file before the command "
                            f"(ruralwatch --passphrase-file PATH {command} ...) or in ${PASSPHRASE_ENV}") from None


def given_username(args: argparse.Namespace) -> str | None:
    """--user, else $RURALWATCH_USER; None when neither names an account."""
    chosen = getattr(args, "user", None) or os.environ.get(USER_ENV)
    return str(chosen) if chosen else None


def _username(args: argparse.Namespace, db_path: Path) -> str:
    from ruralwatch.store.keyring import Keyring

    chosen = given_username(args)
    if chosen:
        return chosen
    names = Keyring.load(db_path).usernames()
    if len(names) == 1:
        return names[0]
    raise PasswordError(f"{db_path.name} has {len(names)} accounts: say which with --user NAME or ${USER_ENV}")


def open_signed_in(args: argparse.Namespace, db_path: Path) -> Store:
    """The database opened as the signed-in account. A plain (pre-encryption) file is refused with the fix."""
    from ruralwatch.services.backups import check_keyring, sign_in_checked
    from ruralwatch.store.database import check_plain_database, is_encrypted
    from ruralwatch.store.keyring import keyring_path

    db_path = db_path.expanduser()
    if db_path.is_dir():
        raise RuralWatchError(f"{db_path} is a folder, not a database file: give the file itself "
                              f"(e.g. {db_path / 'ruralwatch.db'})")
    if not db_path.exists() or db_path.stat().st_size == 0:
        raise RuralWatchError(f"there is no database at {db_path}: create one with "
                              f"`ruralwatch --db {db_path} init --admin NAME`")
    if not is_encrypted(db_path) and not keyring_path(db_path).exists():
        check_plain_database(db_path)  # another program's SQLite file is not one to encrypt
        raise RuralWatchError(f"{db_path} is not encrypted: encrypt it first with "
                              f"`ruralwatch --db {db_path} encrypt --admin NAME`")
    from ruralwatch.store.keyring import PasswordChangeRequired

    if is_encrypted(db_path):
        check_keyring(db_path)  # a missing or damaged keyring is said (with the backup to restore) before any prompt
    username = _username(args, db_path)
    password = account_password(args, f"Password for {username}: ")
    try:
        return sign_in_checked(db_path, username, password)
    except PasswordChangeRequired:
        # A one-time password (a new account's, an administrator's reset) opens only `accounts passwd`, which
        # chooses the account's own password as it signs in; every other command is refused with that advice.
        if (getattr(args, "command", None), getattr(args, "action", None)) != ("accounts", "passwd"):
            raise
    new = new_password(getattr(args, "password_file", None), "New password (the administrator's works once): ")
    store = sign_in_checked(db_path, username, password, new_password=new)
    args.password_chosen = True  # `accounts passwd` has nothing left to do
    return store


def create_new(args: argparse.Namespace, db_path: Path, admin: str) -> Store:
    """A new encrypted database with `admin` as its administrator, opened as them (`init`, `demo` on a new file)."""
    from ruralwatch.services.accounts import create_database

    password = account_password(args, f"New password for {admin}: ", confirm=True)
    return create_database(db_path, admin, password)


def new_password(path: Path | None, prompt: str) -> str:
    """A password being set (an account's new one): typed twice at a prompt; never from the sign-in variable."""
    return read_secret(path, prompt, confirm=True, env=None)
