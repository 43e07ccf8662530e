"""Errors of sync: one clear line each (CLI exit code 2). The database is untouched when one is raised."""

from __future__ import annotations

from ruralwatch.core.errors import RuralWatchError


class PackageError(RuralWatchError):
    """A package was refused: damaged, altered, untrusted, or not for this database."""
