"""The exit codes of `ruralwatch COMMAND`. A script tells success from refusal by them, so they never change."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    # One line on stderr: a usage mistake, or a domain error (RuralWatchError); nothing was changed.
    BAD_INPUT = 2
    USAGE = 2  # argparse's own code for a usage mistake; an alias of BAD_INPUT
    # Ran, but did not do what was asked: `restore` or `retention apply` without --yes, a package `central merge`
    # refused, an audit chain that does not verify. Scripts see the same code as for bad input.
    NOT_DONE = 2
