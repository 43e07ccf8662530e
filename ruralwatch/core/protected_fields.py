"""The one catalogue of fields held encrypted under keys only entitled roles hold (field-level encryption).

Each category is a kind of personal data or intelligence with the permission that entitles a role to read it
(ruralwatch.core.permissions). Its values are stored as `rwf1:` ciphertext (ruralwatch.store.field_vault) under
that category's key; only accounts whose role holds the permission are given the key, so someone with the database
key and a lower role reads ciphertext there, whatever tool they open the file with.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    action: str  # the permission that entitles a role to read these fields
    description: str


CATEGORIES: tuple[Category, ...] = (
    Category("reporters", "personal.reporters",
             "reporters' names and phone numbers, premises contacts' names, phone numbers and emails"),
    Category("volunteers", "personal.volunteers", "volunteers' phone numbers, emails and notes"),
    Category("registrations", "vehicles.view",
             "vehicle registrations on incidents, stop-checks and lists of vehicles of interest"),
)
CATEGORY_BY_KEY = {c.key: c for c in CATEGORIES}

# table -> column -> category. Names stay in clear: duties and briefings name their crew for every role.
PROTECTED: dict[str, dict[str, str]] = {
    "incidents": {"reporter_name": "reporters", "reporter_phone": "reporters"},
    "people": {"phone": "volunteers", "email": "volunteers", "notes": "volunteers"},
    "incident_vehicles": {"vrm": "registrations"},
    "stolen_items": {"vrm": "registrations"},  # a stolen quad bike's or tractor's own registration
    "patrol_events": {"vrm": "registrations"},
    "watchlist_vehicles": {"vrm": "registrations"},
    "premises": {"contact_name": "reporters", "contact_phone": "reporters", "contact_email": "reporters"},
}


def category_of(table: str, column: str) -> str | None:
    return PROTECTED.get(table, {}).get(column)
