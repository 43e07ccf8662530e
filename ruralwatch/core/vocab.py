"""Small vocabularies shared by every layer: incident statuses and vehicle roles."""

from __future__ import annotations

STATUSES: tuple[tuple[str, str], ...] = (
    ("open", "Open"),
    ("under_investigation", "Under investigation"),
    ("closed", "Closed"),
    ("no_further_action", "No further action"),
)

VEHICLE_ROLES: tuple[tuple[str, str], ...] = (
    ("suspect", "Suspect"),
    ("victim", "Victim"),
    ("witness", "Witness"),
)

STATUS_NAMES = dict(STATUSES)
VEHICLE_ROLE_NAMES = dict(VEHICLE_ROLES)


def label(vocabulary: tuple[tuple[str, str], ...], key: str | None) -> str:
    """Display name for a key of a (key, label) vocabulary; the key itself when unknown."""
    if key is None:
        return ""
    return dict(vocabulary).get(key, key)
