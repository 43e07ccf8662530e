"""The command line's grammar: global options, then one sub-parser per command of every spec."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from ruralwatch import __version__
from ruralwatch.cli import signin
from ruralwatch.cli.commands import SPECS
from ruralwatch.cli.exit_codes import ExitCode

# Checks the window and the map, so it needs Qt: app.py runs it, never the (Qt-free) dispatcher.
SELF_TEST = "self-test"


class CliParser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        # Sub-command parsers would prefix their own name; every error starts the same way instead.
        self.exit(ExitCode.USAGE, f"ruralwatch: error: {message}\n")


def build_parser() -> CliParser:
    parser = CliParser(prog="ruralwatch", description="RuralWatch: rural crime and volunteer coordination.")
    parser.add_argument("--db", help="database file (default: $RURALWATCH_DB, else the folder chosen at first "
                                     "start, else the user data folder; `data-folder` shows which)")
    parser.add_argument("--version", action="version", version=f"RuralWatch {__version__}")
    parser.add_argument("--demo", action="store_true", help="with no command: load demo data, then open")
    signin.add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CliParser)
    for spec in SPECS:
        spec.add_parsers(commands, CliParser)
    commands.add_parser(SELF_TEST, help="check the window and offline map work on this machine")
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
