"""Per-laptop policies kept in the database's `meta` table (not synced), each declared once: its key, its
default, and how it is read from and written to text.

A key not yet written means the default, so databases from before a policy existed read as they always did;
a value that does not parse (edited by hand) also reads as the default: safer than refusing to start.
Services read them through `Policy.read(store)` and change them through `write_changed`, which writes and audits
only what changed, in one shape for every setter; checking a new value (ranges, permissions) stays with the service
that owns the policy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ruralwatch.core.errors import FieldError, RuralWatchError, ValidationError
from ruralwatch.core.patrol_plan import PlanSettings, settings_from_json, settings_to_dict, settings_to_json
from ruralwatch.mapping.geography import DEFAULT_FORCE_CODE, ImportedAreas, UnknownForceError, force_by_code
from ruralwatch.patrols.track_dose import DEFAULT_RADIUS_M
from ruralwatch.rostering.model import REACHES, RosterRules
from ruralwatch.store.audit import record_event

if TYPE_CHECKING:
    from ruralwatch.store.database import Store

T = TypeVar("T")


class MetaStore(Protocol):
    """What a policy needs of a store (ruralwatch.store.database.Store)."""

    def meta(self, key: str, default: str | None = None) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Policy(Generic[T]):
    key: str
    default: T
    parse: Callable[[str], T]  # raises ValueError (or TypeError, KeyError) for text it cannot read
    format: Callable[[T], str] = str
    audited: Callable[[T], Any] = _as_is  # the value as the audit entry keeps it (plain JSON)
    # Being chosen matters apart from the value (the force: the window asks at first start until one is): until
    # written, the value a write replaces is None, so choosing the default is written and audited too.
    must_choose: bool = False
    # The key an earlier RuralWatch wrote this under without auditing it: read while the key itself was never
    # written, and left as it is (verify does not cover it, so an old database does not read as tampered with).
    formerly: str | None = None

    def read(self, store: MetaStore) -> T:
        stored = store.meta(self.key)
        if stored is None and self.formerly is not None:
            stored = store.meta(self.formerly)
        if stored is None or not stored.strip():
            return self.default
        try:
            return self.parse(stored.strip())
        except (ValueError, TypeError, KeyError):
            return self.default

    def write(self, store: MetaStore, value: T) -> None:
        store.set_meta(self.key, self.format(value))

    def chosen(self, store: MetaStore) -> bool:
        """Whether a value was ever written (a key not written reads as the default)."""
        return bool((store.meta(self.key) or "").strip())

    def replaced(self, store: MetaStore) -> T | None:
        """The value a write would replace: the one in force, or None for a must_choose policy never chosen."""
        return None if self.must_choose and not self.chosen(store) else self.read(store)


def _changed(store: Store, wanted: list[tuple[Policy[Any], Any]]) -> list[tuple[Policy[Any], Any, Any]]:
    return [(policy, old, new) for policy, new in wanted if (old := policy.replaced(store)) != new]


def write_changed(store: Store, new_values: Iterable[tuple[Policy[Any], Any]]) -> dict[str, list[Any]]:
    """Write each policy whose new value differs from the one in force, with one "settings" audit entry naming
    exactly those keys, old -> new, in one transaction. When nothing differs nothing is written or audited
    (Settings saves every section each time; a script may repeat a command). Returns the entry's changes ({}: none).
    """
    wanted = list(new_values)
    if not _changed(store, wanted):
        return {}  # decided before taking the write lock: an unchanged save waits for no other writer
    with store.transaction():
        changed = _changed(store, wanted)  # again under the lock: the old values are the ones replaced
        if not changed:
            return {}
        for policy, _old, new in changed:
            policy.write(store, new)
        changes = {policy.key: [None if old is None else policy.audited(old), policy.audited(new)]
                   for policy, old, new in changed}
        record_event(store, "settings", changes=changes, covers=[("meta", policy.key) for policy, _, _ in changed])
    return changes


@dataclass(frozen=True)
class PendingPolicies:
    """New values of one service's policies, checked (values and the role) by that service and not yet written;
    `announce` runs after they are, when any of them changed (the service's change notice)."""

    values: tuple[tuple[Policy[Any], Any], ...]
    announce: Callable[[], None] | None = None


def write_pending(store: Store, pending: Iterable[PendingPolicies]) -> dict[str, list[Any]]:
    """Write every pending value that differs from the one in force, with one audit entry, in one transaction
    (write_changed), then announce the parts that changed. Returns the entry's changes ({}: none)."""
    parts = list(pending)
    changes = write_changed(store, [value for part in parts for value in part.values])
    for part in parts:
        if part.announce is not None and any(policy.key in changes for policy, _ in part.values):
            part.announce()
    return changes


def check_all(checks: Iterable[Callable[[], PendingPolicies]]) -> list[PendingPolicies]:
    """Run every service's check; a ValidationError names the fields of all of them that are refused (Settings
    marks each one), so nothing is written while any value is refused."""
    pending: list[PendingPolicies] = []
    errors: list[FieldError] = []
    for check in checks:
        try:
            pending.append(check())
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return pending


def save_all(store: Store, checks: Iterable[Callable[[], PendingPolicies]]) -> dict[str, list[Any]]:
    """Several services' settings saved as one: all checked first (`check_all`), then written in one transaction
    with one audit entry (`write_pending`). A refused value anywhere writes nothing."""
    return write_pending(store, check_all(checks))


# --- rostering rules (services/roster.py) -----------------------------------------------------------------------

def _reach(text: str) -> str:
    if text not in REACHES:
        raise ValueError(f"{text!r} is not one of {', '.join(REACHES)}")
    return text


_RULES = RosterRules()
MIN_REST_HOURS = Policy("roster.min_rest_hours", _RULES.min_rest_hours, float)
MAX_WEEKLY_HOURS = Policy("roster.max_weekly_hours", _RULES.max_weekly_hours, float)
MAX_REACH = Policy("roster.max_reach", _RULES.max_reach, _reach)

# --- retention periods in months, 0 = keep for ever (services/retention.py) -------------------------------------

RETENTION_MONTHS: dict[str, Policy[int]] = {
    name: Policy(f"retention.{name}", default, int)
    for name, default in (("reporter_months", 12), ("volunteer_months", 6), ("victim_vrm_months", 12),
                          ("suspect_vrm_months", 0), ("track_months", 12), ("premises_months", 12))
}

# --- the premises register (services/premises.py) ----------------------------------------------------------------

MAX_REPEAT_DAYS = 3650


def _repeat_days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_REPEAT_DAYS:
        raise ValueError(f"{value} days is outside 1-{MAX_REPEAT_DAYS}")
    return value


# How far back an earlier incident at the same premises makes a new one a repeat ("victimised before").
REPEAT_WINDOW_DAYS = Policy("premises.repeat_window_days", 365, _repeat_days)

# --- patrol planning defaults (services/patrols) -----------------------------------------------------------------


PLAN_DEFAULTS = Policy("patrol.plan_defaults", PlanSettings(), settings_from_json, settings_to_json,
                       settings_to_dict)

# The measured dose (services/patrols/track.py): metres around a stop within which the track counts as there.
MIN_RADIUS_M, MAX_RADIUS_M = 10.0, 2000.0


def _radius(text: str) -> float:
    value = float(text)
    if not MIN_RADIUS_M <= value <= MAX_RADIUS_M:
        raise ValueError(f"{value} m is outside {MIN_RADIUS_M}-{MAX_RADIUS_M} m")
    return value


DOSE_RADIUS_M = Policy("patrol.dose_radius_m", DEFAULT_RADIUS_M, _radius)


# --- geography: the force and its imported boundaries (services/geography.py) -------------------------------------


def _known_force_code(text: str) -> str:
    try:
        return force_by_code(text).code
    except UnknownForceError as exc:  # a code edited in by hand that is no force: read as the default
        raise ValueError(str(exc)) from None


def _imported(text: str) -> ImportedAreas | None:
    return ImportedAreas.from_json(text)


def _imported_text(value: ImportedAreas | None) -> str:
    return value.to_json() if value is not None else ""


FORCE = Policy("geography.force", DEFAULT_FORCE_CODE, _known_force_code, must_choose=True)
IMPORTED_DISTRICTS: Policy[ImportedAreas | None] = Policy("geography.districts", None, _imported, _imported_text)
IMPORTED_WARDS: Policy[ImportedAreas | None] = Policy("geography.wards", None, _imported, _imported_text)


# --- the central store this laptop syncs with at the station (services/sync.py, `sync central`) ------------------


def _central_dsn(text: str) -> str:
    from ruralwatch.central.target import pg_target

    try:
        return pg_target(text).dsn
    except RuralWatchError as exc:  # edited in by hand and unreadable: read as "not set"
        raise ValueError(str(exc)) from None


def _described_dsn(dsn: str) -> str | None:
    """Where a connection string points (user@host/db), as every message says it: the audit keeps no more."""
    from ruralwatch.central.target import describe_dsn

    return describe_dsn(dsn) if dsn else None


CENTRAL_DSN = Policy("sync.central_dsn", "", _central_dsn, audited=_described_dsn)


# --- lists of vehicles of interest: which column holds what, per source (services/vehicles.py) ------------------


def _mappings(text: str) -> dict[str, dict[str, str]]:
    value = json.loads(text)
    if not isinstance(value, dict) or not all(
            isinstance(m, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in m.items())
            for m in value.values()):
        raise ValueError("not a mapping of sources to column mappings")
    return value


def _mappings_text(value: dict[str, dict[str, str]]) -> str:
    return json.dumps(value, sort_keys=True)


# Written unaudited as "vehicles.list_mappings" before settings were all audited: kept under a new key, so that
# verify can cover it without calling every database that imported a list before then tampered with.
VEHICLE_LIST_MAPPINGS: Policy[dict[str, dict[str, str]]] = Policy(
    "vehicles.column_mappings", {}, _mappings, _mappings_text, formerly="vehicles.list_mappings")


# --- near repeats: the risk zone round an incident (services/near_repeat.py) -------------------------------------


@dataclass(frozen=True)
class SavedKnoxZone:
    """The zone a Knox test justified, kept when the analyst saved it: the default for the zone settings."""

    metres: float
    days: int
    incidents: int
    iterations: int
    p_value: float  # of the nearest cell (first distance band, first time band)
    ratio: float
    kinds: list[str] = field(default_factory=list)
    run_at: str = ""


def _optional(kind: Callable[[str], T]) -> Callable[[str], T | None]:
    return lambda text: kind(text)


def _optional_text(value: object) -> str:
    return "" if value is None else str(value)


def _saved_knox(text: str) -> SavedKnoxZone | None:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a saved Knox zone")
    return SavedKnoxZone(**value)


def _saved_knox_text(value: SavedKnoxZone | None) -> str:
    return "" if value is None else json.dumps(asdict(value), sort_keys=True)


# None: not set here, so the saved Knox zone (else the default) applies.
NEAR_REPEAT_METRES: Policy[float | None] = Policy("near_repeat.zone_metres", None, _optional(float), _optional_text)
NEAR_REPEAT_DAYS: Policy[int | None] = Policy("near_repeat.zone_days", None, _optional(int), _optional_text)
def _saved_knox_audited(value: SavedKnoxZone | None) -> dict[str, Any] | None:
    return None if value is None else asdict(value)


KNOX_ZONE: Policy[SavedKnoxZone | None] = Policy("near_repeat.knox_zone", None, _saved_knox, _saved_knox_text,
                                                 _saved_knox_audited)
