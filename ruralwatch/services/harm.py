"""Crime harm weights (Cambridge Crime Harm Index days) for published crime and RuralWatch's own kinds.

Defaults come from resources/harm (provenance in its README); an analyst can override any weight, and the
override is stored with its note, who set it and when. Keys:
  `police_uk:<crime type>`                e.g. police_uk:Burglary (the chosen force's weights; Essex by default)
  `kind:<incident kind>`                  e.g. kind:hare_coursing
  `kind:equipment_theft:<value band>`     by total value of the stolen items
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import is_kind
from ruralwatch.mapping.geography import force_by_code
from ruralwatch.paths import resource_path
from ruralwatch.services import policies
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store

FORCE = "Essex"  # the default force's name in cchi_weights_by_force_category.csv
CCHI_SOURCE = (
    "Cambridge Crime Harm Index days, derived by isthisben/cbl-realcrime (commit 5591939d) from the CCHI 2026 "
    "update; Sherman, Neyroud & Neyroud (2016), Policing 10(3):171-183"
)
# Upper bounds in pounds of the equipment theft value bands (Sentencing Council theft guideline categories).
VALUE_BANDS: tuple[tuple[str, float], ...] = (
    ("under_500", 500),
    ("500_to_10000", 10_000),
    ("10000_to_100000", 100_000),
    ("100000_plus", float("inf")),
)
MAX_DAYS = 36_500.0  # a hundred years: anything above is a typing mistake


@dataclass(frozen=True)
class HarmWeight:
    key: str
    days: float
    label: str
    note: str
    default_days: float
    overridden: bool = False
    updated_at: str | None = None


@lru_cache(maxsize=8)
def default_weights(force: str = FORCE) -> dict[str, HarmWeight]:
    """Default weights: published crime types with `force`'s CCHI weights (its name in the per-force table,
    Force.cchi_force), RuralWatch's own kinds as in ruralwatch_kinds.csv."""
    weights: dict[str, HarmWeight] = {}
    with resource_path("harm", "cchi_weights_by_force_category.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["force"] == force:
                key = f"police_uk:{row['crime_type']}"
                days = float(row["cchi_days"])
                weights[key] = HarmWeight(key, days, row["crime_type"], f"{force} weight. {CCHI_SOURCE}", days)
    if not weights:
        raise ValueError(f"no CCHI weights for the force {force!r}")
    # Anti-social behaviour is published beside crime but is not a crime: the CCHI gives it no weight. It is
    # listed (at 0) so analysts see it and can give it one.
    asb = "police_uk:Anti-social behaviour"
    weights.setdefault(asb, HarmWeight(asb, 0.0, "Anti-social behaviour",
                                       "Not a crime: the Cambridge Crime Harm Index gives it no weight.", 0.0))
    with resource_path("harm", "ruralwatch_kinds.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = f"kind:{row['key']}"
            days = float(row["cchi_days"])
            note = f"Nearest CCHI offence: {row['nearest_offence']}. {row['note']}"
            published_as = (row.get("force_crime_type") or "").strip()
            if published_as:
                # The chosen force's weight for that published crime type: a Norfolk walk's heritage crime
                # carried Essex's 15.97 days for criminal damage and arson (Norfolk's is 11.18).
                days = weights[f"police_uk:{published_as}"].days
                note = f"Nearest CCHI offence: {row['nearest_offence']} ({force} weight). {row['note']}"
            weights[key] = HarmWeight(key, days, row["key"].replace("_", " ").replace(":", ", "), note, days)
    return weights


def value_band(total_pounds: float) -> str:
    for band, upper in VALUE_BANDS:
        if total_pounds < upper:
            return band
    return VALUE_BANDS[-1][0]


class HarmService:
    def __init__(self, store: Store, hub: ChangeHub | None = None) -> None:
        self.store = store
        self.hub = hub or ChangeHub()

    def force(self) -> str:
        """The chosen force's name in the CCHI table (services/geography.py sets the force)."""
        return force_by_code(policies.FORCE.read(self.store)).cchi_force

    def defaults(self) -> dict[str, HarmWeight]:
        return default_weights(self.force())

    def weights(self) -> dict[str, HarmWeight]:
        """Defaults of the chosen force with the analyst's overrides applied."""
        merged = dict(self.defaults())
        for row in self.store.db.query("SELECT key, days, note, updated_at FROM harm_overrides"):
            base = merged.get(row["key"])
            if base is None:
                continue  # a key no longer in the catalogue
            merged[row["key"]] = HarmWeight(base.key, row["days"], base.label, row["note"], base.default_days,
                                            overridden=True, updated_at=row["updated_at"])
        return merged

    def set_weight(self, key: str, days: float, note: str) -> HarmWeight:
        self.store.actor.require("harm.edit")
        if key not in self.defaults():
            raise ValidationError.single("key", f"{key!r} is not a harm weight (see `ruralwatch harm list`)")
        if not 0 <= days <= MAX_DAYS:
            raise ValidationError.single("days", f"a harm weight is 0 to {MAX_DAYS:,.0f} days (got {days})")
        if not note.strip():
            raise ValidationError.single("note", "say why the weight changes: the note is kept with it")
        with self.store.transaction():
            self.store.db.execute(
                "INSERT INTO harm_overrides(key, days, note, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET days = excluded.days, note = excluded.note, "
                "updated_at = excluded.updated_at",
                [key, float(days), note.strip(), times.to_storage(times.utc_now())],
            )
            record_event(self.store, "update", "harm_overrides", key, {"days": days, "note": note.strip()},
                         covers=[("harm_overrides", key)])
        self.hub.publish(Change("harm", "updated", (key,)))
        return self.weights()[key]

    def reset_weight(self, key: str) -> HarmWeight:
        self.store.actor.require("harm.edit")
        if key not in self.defaults():
            raise ValidationError.single("key", f"{key!r} is not a harm weight (see `ruralwatch harm list`)")
        with self.store.transaction():
            self.store.db.execute("DELETE FROM harm_overrides WHERE key = ?", [key])
            record_event(self.store, "delete", "harm_overrides", key, covers=[("harm_overrides", key)])
        self.hub.publish(Change("harm", "updated", (key,)))
        return self.weights()[key]

    # --- lookups used by analysis -------------------------------------------------------------------------

    def for_crime_type(self, crime_type: str, weights: dict[str, HarmWeight] | None = None) -> float:
        """Published crime: CCHI days for the data.police.uk category (0 for anti-social behaviour)."""
        weights = weights or self.weights()
        found = weights.get(f"police_uk:{crime_type}")
        return found.days if found else 0.0

    def for_incident(
        self, kind: str, stolen_value_pence: int | None = None, weights: dict[str, HarmWeight] | None = None
    ) -> float:
        weights = weights or self.weights()
        if kind == "equipment_theft" and stolen_value_pence:
            return weights[f"kind:equipment_theft:{value_band(stolen_value_pence / 100)}"].days
        found = weights.get(f"kind:{kind}") if is_kind(kind) else None
        return found.days if found else 0.0
