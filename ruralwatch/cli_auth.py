"""Signing in on the command line, and the commands for accounts and the audit log.

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
from typing import Any

from ruralwatch.cli_output import print_json
from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES
from ruralwatch.services.accounts import AccountService, create_database, encrypt_database
from ruralwatch.services.audit import AuditService
from ruralwatch.services.backups import sign_in_checked
from ruralwatch.store.database import Store, is_encrypted
from ruralwatch.store.keyring import Keyring, keyring_path

COMMANDS = ("accounts", "audit")
SETUP_COMMANDS = ("init", "encrypt")
PASSPHRASE_ENV = "RURALWATCH_PASSPHRASE_FILE"
USER_ENV = "RURALWATCH_USER"


class PasswordError(RuralWatchError):
    pass


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help=f"account to sign in as (default: ${USER_ENV}, or the only account)")
    parser.add_argument("--passphrase-file", dest="account_passphrase_file", type=Path, metavar="PATH",
                        help=f"file holding the account's password (default: ${PASSPHRASE_ENV}, else a prompt)")


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help="create a new encrypted database and its administrator")
    init.add_argument("--admin", required=True, metavar="NAME", help="the administrator's account name")
    encrypt = commands.add_parser("encrypt", help="encrypt a database made before accounts existed")
    encrypt.add_argument("--admin", required=True, metavar="NAME")

    accounts = commands.add_parser("accounts", help="local accounts and their roles (administrators)")
    actions = accounts.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    listing = actions.add_parser("list", help="every account with its role")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="add an account; its password is read from --password-file or a prompt")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=list(ACCOUNT_ROLE_NAMES))
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--person", default=None, help="the volunteer or officer record (id) it belongs to")
    add.add_argument("--password-file", type=Path, metavar="PATH", help="the new account's password")
    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=list(ACCOUNT_ROLE_NAMES))
    for name, text in (("disable", "stop an account signing in"), ("enable", "let it sign in again (reset its "
                       "password next)"), ("unlock", "lift a lock-out after failed sign-ins")):
        action = actions.add_parser(name, help=text)
        action.add_argument("username")
    link = actions.add_parser("person", help="link an account to the person (roster record) it belongs to")
    link.add_argument("username")
    link.add_argument("person", nargs="?", metavar="PERSON_ID", help="the person's id (`people list --json`)")
    link.add_argument("--none", action="store_true", help="unlink: the account belongs to no one in the roster")
    reset = actions.add_parser("reset-password", help="set a new password for an account")
    reset.add_argument("username")
    reset.add_argument("--password-file", type=Path, metavar="PATH")
    passwd = actions.add_parser("passwd", help="change your own password")
    passwd.add_argument("--password-file", type=Path, metavar="PATH", help="the new password")

    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    actions.add_parser("verify", help="check the hash chain and every row against its last entry")
    listing = actions.add_parser("list", help="entries, newest first")
    listing.add_argument("--by", dest="actor", help="only this account's entries")
    listing.add_argument("--record", help="only entries about this record id")
    listing.add_argument("--action", dest="entry_action")
    listing.add_argument("--since", metavar="'YYYY-MM-DD HH:MM'")
    listing.add_argument("--until", metavar="'YYYY-MM-DD HH:MM'")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")


# --- passwords and signing in --------------------------------------------------------------------------


def read_secret(path: Path | None, prompt: str, confirm: bool = False, env: str | None = PASSPHRASE_ENV) -> str:
    """From the file given, else the file named by the environment variable, else a terminal prompt."""
    source = path or (Path(os.environ[env]) if env and os.environ.get(env) else None)
    if source is not None:
        try:
            text = source.expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise PasswordError(f"cannot read the password file {source}: {exc.strerror or exc}") from None
        secret = text.rstrip("\r\n")
        if not secret:
            raise PasswordError(f"the password file {source} is empty")
        return secret
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


def _username(args: argparse.Namespace, db_path: Path) -> str:
    chosen = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if chosen:
        return str(chosen)
    names = Keyring.load(db_path).usernames()
    if len(names) == 1:
        return names[0]
    raise PasswordError(f"{db_path.name} has {len(names)} accounts: say which with --user NAME or ${USER_ENV}")


def open_signed_in(args: argparse.Namespace, db_path: Path) -> Store:
    """The database opened as the signed-in account. A plain (pre-encryption) file is refused with the fix."""
    db_path = db_path.expanduser()
    if not db_path.exists() or db_path.stat().st_size == 0:
        raise RuralWatchError(f"there is no database at {db_path}: create one with "
                              f"`ruralwatch --db {db_path} init --admin NAME`")
    if not is_encrypted(db_path) and not keyring_path(db_path).exists():
        raise RuralWatchError(f"{db_path} is not encrypted: encrypt it first with "
                              f"`ruralwatch --db {db_path} encrypt --admin NAME`")
    username = _username(args, db_path)
    password = read_secret(getattr(args, "account_passphrase_file", None), f"Password for {username}: ")
    return sign_in_checked(db_path, username, password)


def create_new(args: argparse.Namespace, db_path: Path, admin: str) -> Store:
    password = read_secret(getattr(args, "account_passphrase_file", None), f"New password for {admin}: ",
                           confirm=True)
    return create_database(db_path, admin, password)


def run_setup(args: argparse.Namespace, db_path: Path) -> int:
    """`init` and `encrypt`: they make the accounts, so they run before anyone can sign in."""
    if args.command == "init":
        store = create_new(args, db_path, args.admin)
        store.close()
        print(f"created encrypted database {db_path} with administrator {args.admin}; keep {keyring_path(db_path).name}"
              " beside it (it holds the wrapped keys)")
        return 0
    password = read_secret(getattr(args, "account_passphrase_file", None), f"New password for {args.admin}: ",
                           confirm=True)
    encrypt_database(db_path, args.admin, password)
    print(f"encrypted {db_path}; administrator {args.admin}")
    return 0


# --- accounts and audit --------------------------------------------------------------------------------


def run(args: argparse.Namespace, store: Store) -> int:
    if args.command == "accounts":
        return _accounts(AccountService(store), args)
    return _audit(store, args)


def _accounts(service: AccountService, args: argparse.Namespace) -> int:
    action = args.action
    if action == "list":
        service.store.actor.require("accounts.manage")
        accounts = service.list()
        if args.json:
            print_json([a.__dict__ for a in accounts])
        else:
            for a in accounts:
                state = "" if a.active else "  (disabled)"
                print(f"{a.username:<20} {a.role_name:<22} {a.display_name}{state}")
    elif action == "add":
        password = read_secret(args.password_file, f"Password for the new account {args.username}: ", confirm=True,
                               env=None)
        account = service.add(args.username, args.role, password, args.name, args.person)
        print(f"added {account.username} ({account.role_name})")
    elif action == "role":
        account = service.set_role(args.username, args.role)
        print(f"{account.username} is now {account.role_name}")
    elif action in ("disable", "enable"):
        account = service.set_active(args.username, action == "enable")
        print(f"{account.username} {'enabled: set a password with reset-password' if account.active else 'disabled'}")
    elif action == "person":
        if bool(args.person) == bool(args.none):
            raise RuralWatchError("give either a PERSON_ID or --none")
        account = service.set_person(args.username, None if args.none else args.person)
        linked = dict(service.person_choices()).get(account.person_id or "", "no one in the roster")
        print(f"{account.username} belongs to {linked}")
    elif action == "unlock":
        service.unlock(args.username)
        print(f"{args.username} unlocked")
    elif action == "reset-password":
        password = read_secret(args.password_file, f"New password for {args.username}: ", confirm=True, env=None)
        service.reset_password(args.username, password)
        print(f"new password set for {args.username}")
    elif action == "passwd":
        old = read_secret(getattr(args, "account_passphrase_file", None), "Current password: ")
        new = read_secret(args.password_file, "New password: ", confirm=True, env=None)
        service.change_own_password(old, new)
        print("password changed")
    return 0


def _audit(store: Store, args: argparse.Namespace) -> int:
    audit = AuditService(store)
    if args.action == "verify":
        result = audit.verify()
        print(result.summary())
        return 0 if result.ok else 2
    since = times.to_storage(times.parse_moment(args.since, "since")) if args.since else None
    until = times.to_storage(times.parse_moment(args.until, "until")) if args.until else None
    entries = audit.entries(args.actor, args.record, since, until, args.entry_action, args.limit)
    if args.json:
        print_json([e.__dict__ for e in entries])
    else:
        for e in entries:
            what = " ".join(part for part in (e.table or "", e.record_id or "") if part)
            fields = ", ".join(sorted(e.changes)) if isinstance(e.changes, dict) else ""
            print(f"{e.seq:>6}  {times.format_local(e.at)}  {e.actor:<16} {e.action:<14} {what}  {fields}")
    return 0
