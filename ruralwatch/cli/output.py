"""What the commands write: `--json` output and the one-line error report."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from ruralwatch.core.errors import ProgressCallback


def print_json(value: Any) -> None:
    """`--json` output: indented UTF-8; dates and other non-JSON values as their text."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def report_error(exc: BaseException | str) -> ExitCode:
    """A domain error as one line on stderr, never a traceback."""
    print(f"ruralwatch: error: {exc}", file=sys.stderr)
    return ExitCode.BAD_INPUT


def progress_lines() -> ProgressCallback:
    """A long command's progress (core.errors.ProgressCallback) on stderr: each note, in the words the window's
    progress dialog shows, once (a note repeated while a step goes on is said once). Not for --json (scripts)."""
    said: list[str] = []

    def progress(_done: int, _total: int, note: str = "", /) -> bool:
        if note and note not in said[-1:]:
            print(f"  {note}…", file=sys.stderr)
            said[-1:] = [note]
        return True

    return progress
