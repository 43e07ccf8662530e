"""Errors of sync: one clear line each (CLI exit code 2). The database is untouched when one is raised."""

from __future__ import annotations

from ruralwatch.core.errors import RuralWatchError


class PackageError(RuralWatchError):
    """A package was refused: damaged, altered, untrusted, or not for this database."""


class KeyChanged(RuralWatchError):
    """A device already trusted here was given again with another public key: what an impostor would send. Nothing
    was changed; the key is replaced only when that is asked for explicitly. `how` says how to ask (the command
    line's option); a window says it in its own words from the fields."""

    def __init__(self, device_id: str, name: str | None, old_key: str, new_key: str,
                 how: str = "give --replace-key to replace it") -> None:
        from ruralwatch.sync.crypto import fingerprint

        self.device_id, self.name, self.old_key, self.new_key = device_id, name, old_key, new_key
        who = f"device {device_id}" + (f" ({name})" if name else "")
        super().__init__(f"{who} is already trusted here with another key ({fingerprint(old_key)}; the one given is "
                         f"{fingerprint(new_key)}). A different key is what an impostor would send: check the new "
                         f"key with the device's owner (its Sync panel or `sync identity`), then {how}")
