"""Running a parsed command: find the spec that owns it, then let it run in its phase.

A domain error (RuralWatchError) is the user's to fix: one line on stderr, exit code 2; a refused field is named
as the option the user typed (cli/user_words.py). Anything else, a
KeyError included, is a bug and propagates with its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ruralwatch.cli.commands import SPECS
from ruralwatch.cli.errors import DatabaseMissingError
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import report_error
from ruralwatch.cli.spec import CommandSpec
from ruralwatch.cli.user_words import chosen_parser, in_user_words, option_names, refusal
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.paths import missing_remembered_db


def spec_for(command: str) -> CommandSpec:
    # The registry imports only the module of the spec that owns the command; a plain sequence is searched.
    owning = getattr(SPECS, "owning", None)
    for spec in owning(command) if owning is not None else SPECS:
        if command in spec.names:
            return spec
    # The parser only accepts the commands of SPECS (and self-test, which app.py runs).
    raise AssertionError(f"no command spec owns {command!r}")


def run_command(args: argparse.Namespace, db_path: Path) -> int:
    spec = spec_for(args.command)
    missing = missing_remembered_db(args.db)
    if missing is not None and spec.needs_database:
        raise DatabaseMissingError(f"the database RuralWatch uses, {missing}, is not there (a drive not "
                                   "connected?): connect it, or name a file with --db")
    return spec.execute(args, db_path)


def main_cli(args: argparse.Namespace, db_path: Path, argv: Sequence[str] = ()) -> int:
    """Run the parsed command; `argv` (the words typed) lets a refusal name each option as the user typed it."""
    try:
        return run_command(args, db_path)
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: not an error. Point stdout at nothing so the
        # interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except ValidationError as exc:
        return report_error(in_user_words(exc, _typed_options(args, argv)))
    except RuralWatchError as exc:
        return report_error(refusal(exc))


def _typed_options(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, str]:
    # Only when a refusal is reported: the grammar of the command that ran, as parse() built it.
    from ruralwatch.cli.parser import build_parser

    return option_names(chosen_parser(build_parser(only=args.command), args), argv)
