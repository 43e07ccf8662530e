"""`ruralwatch data-folder [--move-to FOLDER]`: where the database is, and moving it (administrators).

Without --move-to it only reads: the database file, its keyring and backups folder, and what chose them (--db,
$RURALWATCH_DB, the folder chosen at first start or by a move, or the default). With --move-to it signs in,
copies the database and keyring into FOLDER (ruralwatch.services.data_location), and, once the database is
closed, removes the old files and moves the backups along.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ruralwatch.cli import signin
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import FileCommand, Phase
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.paths import DB_ENV, location_file, location_is_choosable, remembered_db_path


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of its own
    folder = commands.add_parser(
        "data-folder", help="where the database is kept; --move-to moves it (administrators)",
        description="Show where the database, its keyring and its backups are kept and why. With --move-to, copy "
                    "them into another folder, check the copy, use it from now on (the window and the command "
                    "line alike) and remove the old files.",
    )
    folder.add_argument("--move-to", type=Path, metavar="FOLDER",
                        help="move the database, its keyring and backups into FOLDER (an absolute path)")
    folder.add_argument("--json", action="store_true")


def chosen_by(cli_value: str | None) -> str:
    if cli_value:
        return "--db"
    if os.environ.get(DB_ENV):
        return f"${DB_ENV}"
    if remembered_db_path() is not None:
        return f"chosen at first start or by a move (recorded in {location_file()})"
    return "the default data folder"


def run(args: argparse.Namespace, db_path: Path) -> int:
    from ruralwatch.services.data_location import finish_move, move_database

    if args.move_to is None:
        return _show(args, db_path)
    if not location_is_choosable(args.db):
        raise RuralWatchError("data-folder --move-to moves the remembered database: run it without --db or "
                              f"${DB_ENV} (to move a file named by them, move it yourself)")
    store = signin.open_signed_in(args, db_path)
    try:
        moved = move_database(store, args.move_to)
    finally:
        store.close()
    problems = finish_move(moved)
    print(f"moved: {moved.new_path} (was {moved.old_path}); RuralWatch uses it from now on")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return ExitCode.OK


def _show(args: argparse.Namespace, db_path: Path) -> int:
    from ruralwatch.store.backups import backups_folder
    from ruralwatch.store.keyring import keyring_path

    facts = {
        "database": str(db_path),
        "exists": db_path.exists(),
        "keyring": str(keyring_path(db_path)),
        "backups": str(backups_folder(db_path)),
        "chosen_by": chosen_by(args.db),
    }
    if args.json:
        print_json(facts)
        return ExitCode.OK
    print(f"database: {facts['database']}{'' if facts['exists'] else ' (not created yet)'}")
    print(f"keyring:  {facts['keyring']}")
    print(f"backups:  {facts['backups']}")
    print(f"chosen by {facts['chosen_by']}")
    return ExitCode.OK


# Runs even when the remembered database is not there: saying where it is and why is its job.
SPEC = FileCommand(("data-folder",), Phase.SET_UP, add_parsers, run, needs_database=False)
