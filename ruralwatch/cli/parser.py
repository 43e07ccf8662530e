"""The command line's grammar: global options, then one sub-parser per command of every spec."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from ruralwatch import __version__
from ruralwatch.cli import signin
from ruralwatch.cli.commands import COMMAND_NAMES, SPECS
from ruralwatch.cli.exit_codes import ExitCode

# Checks the window and the map, so it needs Qt: app.py runs it, never the (Qt-free) dispatcher.
SELF_TEST = "self-test"


class CliParser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        # Sub-command parsers would prefix their own name; every error starts the same way instead.
        self.exit(ExitCode.USAGE, f"ruralwatch: error: {message}\n")


def _add_global_options(parser: argparse.ArgumentParser, version: bool = True) -> None:
    parser.add_argument("--db", help="database file (default: $RURALWATCH_DB, else the folder chosen at first "
                                     "start, else the user data folder; `data-folder` shows which)")
    if version:  # prints and exits while parsing: left out of the command scan, where it is just a flag
        parser.add_argument("--version", action="version", version=f"RuralWatch {__version__}")
    parser.add_argument("--demo", action="store_true", help="with no command: load demo data, then open")
    signin.add_global_options(parser)


def build_parser(only: str | None = None) -> CliParser:
    """The whole grammar; with `only`, just the global options and that command's group (see parse)."""
    parser = CliParser(prog="ruralwatch", description="RuralWatch: rural crime and volunteer coordination.")
    _add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CliParser)
    for spec in SPECS.owning(only) if only is not None else SPECS:
        spec.add_parsers(commands, CliParser)
    commands.add_parser(SELF_TEST, help="check the window and offline map work on this machine")
    return parser


class _NotSure(Exception):
    pass


class _CommandScan(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotSure(message)


def command_in(argv: Sequence[str]) -> str | None:
    """The command `argv` runs, found with the same global options as the real parser; None when help is asked
    for or it is not plainly one command (then the whole grammar parses it, and reports any mistake)."""
    if any(arg in ("-h", "--help") for arg in argv):
        return None
    scan = _CommandScan(prog="ruralwatch", add_help=False)
    _add_global_options(scan, version=False)
    scan.add_argument("command", nargs="?")
    try:
        found, _rest = scan.parse_known_args(list(argv))
    except _NotSure:
        return None
    return found.command if found.command in COMMAND_NAMES else None


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line. When it names one command, only that command's group is added to the parser:
    building every group imports every command module and their services (0.1-0.2 s of each start, issue 21);
    the global options and that group's sub-parsers are the same objects either way, so is the result."""
    arguments = list(argv) if argv is not None else sys.argv[1:]
    return build_parser(only=command_in(arguments)).parse_args(arguments)
