"""Errors of the central store: one clear line each (exit code 2); nothing was changed when one is raised."""

from __future__ import annotations

from ruralwatch.core.errors import RuralWatchError


class CentralError(RuralWatchError):
    """The central store cannot be reached or used as asked (connection, rights, schema, PostGIS)."""


class NotTrustedYet(CentralError):
    """One side of a station sync does not trust the other yet. The text is the command that fixes it; `untrusted`
    says whose identity is missing ("central": this laptop lacks the central store's, "laptop": the other way round),
    with that device's id and key, so a window can say it in its own words."""

    def __init__(self, message: str, untrusted: str, device_id: str, public_key: str) -> None:
        super().__init__(message)
        self.untrusted = untrusted
        self.device_id = device_id
        self.public_key = public_key
