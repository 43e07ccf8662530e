"""Errors of the command line itself (not of the services); like every RuralWatchError: one line, exit 2."""

from __future__ import annotations

from ruralwatch.core.errors import RuralWatchError


class OptionError(RuralWatchError):
    """Options that do not go together; the message names the options itself. Nothing was written."""


class DatabaseMissingError(RuralWatchError):
    """The database RuralWatch remembers is not there (a drive not connected?)."""
