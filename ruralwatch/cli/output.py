"""What the commands write: `--json` output and the one-line error report."""

from __future__ import annotations

import json
import sys
from typing import Any

from ruralwatch.cli.exit_codes import ExitCode


def print_json(value: Any) -> None:
    """`--json` output: indented UTF-8; dates and other non-JSON values as their text."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def report_error(exc: BaseException | str) -> ExitCode:
    """A domain error as one line on stderr, never a traceback."""
    print(f"ruralwatch: error: {exc}", file=sys.stderr)
    return ExitCode.BAD_INPUT
