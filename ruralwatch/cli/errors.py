"""Errors of the command line itself (not of the services); like every RuralWatchError: one line, exit 2."""

from __future__ import annotations

from ruralwatch.core.errors import FieldError, RuralWatchError, ValidationError


class OptionError(RuralWatchError):
    """Options that do not go together; the message names the options itself. Nothing was written."""


class DatabaseMissingError(RuralWatchError):
    """The database RuralWatch remembers is not there (a drive not connected?)."""


def named_by_option(exc: ValidationError, options: dict[str, str] | None = None) -> ValidationError:
    """The same refusal with each field named as the option that gave it (`reporter_months` -> `--reporter-months`,
    or as `options` says), since the command line's user typed options, not the services' field names."""
    names = options or {}
    return ValidationError([FieldError(names.get(e.field, f"--{e.field.replace('_', '-')}"), e.message)
                            for e in exc.errors])
