"""Headless commands over the same services the window uses. No Qt here.

Layout: parser.py (the grammar), dispatch.py (runs a command by its spec), spec.py (what a command group
declares), signin.py (account and password), output.py, exit_codes.py, errors.py; one module per command group in
commands/, listed in commands/__init__.py. Bad input never shows a traceback: one line on stderr and exit code 2;
a bug does.
"""

from __future__ import annotations

from ruralwatch.cli.dispatch import main_cli
from ruralwatch.cli.output import report_error
from ruralwatch.cli.parser import SELF_TEST, CliParser, build_parser, parse

__all__ = ["SELF_TEST", "CliParser", "build_parser", "main_cli", "parse", "report_error"]
