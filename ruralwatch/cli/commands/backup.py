"""`ruralwatch backup`, `backups` and `restore`: encrypted backups of the database, and putting one back.

`backup` and `backups` run signed in, like every other command (administrators: "data.backup"). `restore`
does not sign in to the current database, which may be damaged beyond opening: `run_restore(args, db_path)`
signs in against the backup's own keyring (password from --passphrase-file, $RURALWATCH_PASSPHRASE_FILE or a
prompt; the account from --user, $RURALWATCH_USER or the backup's only account), and only an administrator may
restore. Without `--yes` it checks everything, prints what would happen and exits 2 with nothing changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli import signin
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import FileCommand, Phase, SignedInCommand

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of their own
    backup = commands.add_parser("backup", help="make an encrypted backup of the database now, with its keyring")
    backup.add_argument("--to", type=Path, metavar="FOLDER",
                        help="where to put it (default: the backups folder beside the database); a manual backup "
                             "is never deleted by rotation")
    listing = commands.add_parser("backups", help="the database's backups, newest first, each checked")
    listing.add_argument("--in", dest="folder", type=Path, metavar="FOLDER",
                         help="the backups in this folder instead (e.g. the USB stick a `backup --to` wrote to)")
    listing.add_argument("--json", action="store_true")


def add_restore_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of its own
    restoring = commands.add_parser(
        "restore", help="replace the database by a backup (administrators; needs --yes)",
        description="Replace the database and its keyring by a backup. The backup is checked and opened with your "
                    "password as it was when the backup was made; the current database is kept beside it as "
                    "<db>.before-restore-<time> (restore that to undo). Works when the database is damaged.",
    )
    restoring.add_argument("--from", dest="backup", type=Path, required=True, metavar="BACKUP",
                           help="the backup file (its .keys file must be beside it)")
    restoring.add_argument("--yes", action="store_true",
                           help="really restore; without it everything is checked and nothing is changed")


def run(args: argparse.Namespace, store: Store) -> int:
    """`backup` and `backups`, signed in. (`restore` is run_restore, before signing in.)"""
    from ruralwatch.services.backups import backup_now, list_with_status
    from ruralwatch.store.backups import backups_folder

    if args.command == "backup":
        info = backup_now(store, args.to)
        print(info.path)
        if args.to is not None:  # the listing looks beside the database unless told where
            print(f"check it with: ruralwatch backups --in {info.path.parent}", file=sys.stderr)
        return ExitCode.OK
    folder = args.folder.expanduser() if args.folder is not None else None
    found = list_with_status(store, folder)  # refuses a folder that is not there (the window says the same)
    if args.json:
        print_json([status.to_dict() for status in found])
        return ExitCode.OK
    if not found:
        print(f"no backups of {store.path.name} in {folder or backups_folder(store.path)}", file=sys.stderr)
    for status in found:
        state = "verified" if status.verified else f"NOT USABLE: {status.problem}"
        print(f"{status.info.made_local}  {status.info.reason:7} {status.info.size_text:>9}  {state}  "
              f"{status.info.path}")
    return ExitCode.OK


def run_restore(args: argparse.Namespace, db_path: Path) -> int:
    """`restore --from BACKUP [--yes]`, without signing in to the (perhaps damaged) database."""
    from ruralwatch.services.backups import check_backup_file, restore

    db_path = db_path.expanduser()
    backup = Path(args.backup).expanduser()
    check_backup_file(db_path, backup)  # a wrong file is refused before the password is asked for
    username = _username(args, backup)
    password = signin.account_password(args, f"Password for {username} (as when the backup was made): ")
    result = restore(db_path, backup, username, password, dry_run=not args.yes)
    for line in result.describe():
        print(line)
    if not args.yes:
        print("nothing changed: add --yes to restore", file=sys.stderr)
        return ExitCode.NOT_DONE
    return ExitCode.OK


def _username(args: argparse.Namespace, backup: Path) -> str:
    from ruralwatch.store.keyring import Keyring

    chosen = signin.given_username(args)
    if chosen:
        return chosen
    names = Keyring.load(backup).usernames()
    if len(names) == 1:
        return names[0]
    raise signin.PasswordError(f"the backup {backup.name} has {len(names)} accounts: say which administrator with "
                               f"--user NAME or ${signin.USER_ENV}")


BACKUP = SignedInCommand(("backup", "backups"), add_parsers, run)
RESTORE = FileCommand(("restore",), Phase.BEFORE_SIGN_IN, add_restore_parser, run_restore)
