"""Errors of the central store: one clear line each (exit code 2); nothing was changed when one is raised."""

from __future__ import annotations

from ruralwatch.core.errors import RuralWatchError


class CentralError(RuralWatchError):
    """The central store cannot be reached or used as asked (connection, rights, schema, PostGIS)."""
