"""`ruralwatch init` and `encrypt`: they make the database's accounts, so they run before anyone can sign in."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ruralwatch.cli import signin
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.spec import FileCommand, Phase


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of their own
    init = commands.add_parser("init", help="create a new encrypted database and its administrator")
    init.add_argument("--admin", required=True, metavar="NAME", help="the administrator's account name")
    encrypt = commands.add_parser("encrypt", help="encrypt a database made before accounts existed")
    encrypt.add_argument("--admin", required=True, metavar="NAME")


def run(args: argparse.Namespace, db_path: Path) -> int:
    """`init` and `encrypt`: they make the accounts, so they run before anyone can sign in."""
    from ruralwatch.services.accounts import encrypt_database
    from ruralwatch.store.keyring import keyring_path

    if args.command == "init":
        store = signin.create_new(args, db_path, args.admin)
        store.close()
        print(f"created encrypted database {db_path} with administrator {args.admin}; keep {keyring_path(db_path).name}"
              " beside it (it holds the wrapped keys)")
        return ExitCode.OK
    password = signin.account_password(args, f"New password for {args.admin}: ", confirm=True)
    encrypt_database(db_path, args.admin, password)
    print(f"encrypted {db_path}; administrator {args.admin}")
    return ExitCode.OK


SPEC = FileCommand(("init", "encrypt"), Phase.SET_UP, add_parsers, run)
