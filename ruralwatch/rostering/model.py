"""The rostering engine's data: people with their availability, duties, commitments, rules and breaches.

All frozen. Times of day (slots, exceptions) are UK local wall-clock times; duty and commitment instants are
timezone-aware datetimes (any zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

EXCEPTION_KINDS = ("away", "extra")
ALL_ROLES: frozenset[str] = frozenset({"officer", "special", "volunteer"})
# How far a person may be sent from home (RosterRules.max_reach), nearest first: only duties at their own
# station, duties in their own area (district) too, or anywhere.
REACHES = ("station", "area", "anywhere")
REACH_NAMES = {"station": "own station only", "area": "own area (district)", "anywhere": "anywhere"}


class SkillNeeds(Mapping[str, int]):
    """Skill -> how many crew must hold it. Immutable and hashable, so a frozen Duty stays hashable.

    Built from a dict or from (skill, count) pairs; counts of zero are dropped, negative counts refused.
    """

    __slots__ = ("_needs",)

    def __init__(self, needs: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        pairs = needs.items() if isinstance(needs, Mapping) else needs
        cleaned: dict[str, int] = {}
        for skill, count in pairs:
            number = int(count)
            if number < 0:
                raise ValueError(f"skill {skill!r}: a negative number of crew ({number}) cannot be needed")
            if number:
                cleaned[str(skill)] = cleaned.get(str(skill), 0) + number
        self._needs: dict[str, int] = dict(sorted(cleaned.items()))

    def __getitem__(self, skill: str) -> int:
        return self._needs[skill]

    def __iter__(self) -> Iterator[str]:
        return iter(self._needs)

    def __len__(self) -> int:
        return len(self._needs)

    def __hash__(self) -> int:
        return hash(tuple(self._needs.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._needs == {k: v for k, v in other.items() if v}
        return NotImplemented

    def __repr__(self) -> str:
        return f"SkillNeeds({self._needs!r})"

    def __reduce__(self) -> tuple[type[SkillNeeds], tuple[tuple[tuple[str, int], ...]]]:
        return SkillNeeds, (tuple(self._needs.items()),)


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime would silently be read in the laptop's own zone; refuse it instead.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class WeeklySlot:
    """Recurring availability, UK local time."""

    weekday: int  # 0 = Monday .. 6 = Sunday
    start: time
    end: time  # end <= start means the slot runs past midnight into the next day (start == end: 24 hours)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")


@dataclass(frozen=True)
class AvailabilityException:
    on: date  # local date
    kind: str  # "away" (not available) or "extra" (available in addition)
    start: time | None = None  # None/None = the whole day; a missing start is 00:00, a missing end midnight
    end: time | None = None  # end <= start runs past midnight, as for WeeklySlot

    def __post_init__(self) -> None:
        if self.kind not in EXCEPTION_KINDS:
            raise ValueError(f"exception kind must be 'away' or 'extra', got {self.kind!r}")


@dataclass(frozen=True)
class Volunteer:
    id: str
    name: str
    role: str  # "officer" | "special" | "volunteer"
    skills: frozenset[str] = frozenset()
    independent_patrol: bool = False
    monthly_commitment_hours: float = 16.0
    active: bool = True
    weekly: tuple[WeeklySlot, ...] = ()
    exceptions: tuple[AvailabilityException, ...] = ()
    station: str = ""  # home station, e.g. "Great Dunmow"
    area: str = ""  # home area (district), e.g. "Uttlesford"

    def __post_init__(self) -> None:
        # Accept any iterables (lists from a form or the database) but store immutable ones.
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "weekly", tuple(self.weekly))
        object.__setattr__(self, "exceptions", tuple(self.exceptions))

    @property
    def display_name(self) -> str:
        return self.name.strip() or self.id


@dataclass(frozen=True)
class Duty:
    id: str
    title: str
    kind: str
    start: datetime  # timezone-aware (UTC or any zone)
    end: datetime
    # Given as a dict (or pairs); stored as an immutable SkillNeeds.
    required_skills: Mapping[str, int] = field(default_factory=SkillNeeds)
    allowed_roles: frozenset[str] = ALL_ROLES
    min_crew: int = 1
    max_crew: int = 2
    station: str = ""
    area: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, "Duty.start")
        _require_aware(self.end, "Duty.end")
        if self.end <= self.start:
            raise ValueError(f"duty {self.id!r} ends before it starts")
        if not isinstance(self.required_skills, SkillNeeds):
            object.__setattr__(self, "required_skills", SkillNeeds(self.required_skills))
        object.__setattr__(self, "allowed_roles", frozenset(self.allowed_roles))

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Commitment:
    """Time a person is already committed: an existing assignment or a patrol crew place."""

    person_id: str
    start: datetime
    end: datetime
    source_id: str  # the duty or patrol id
    # Hours logged for it when they differ from its length (a completed duty's recorded hours): what counts
    # towards the person's month for fairness. Rest and overlap still use start and end.
    hours: float | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, "Commitment.start")
        _require_aware(self.end, "Commitment.end")


@dataclass(frozen=True)
class RosterRules:
    min_rest_hours: float = 11.0
    max_weekly_hours: float = 24.0  # per ISO week (Mon-Sun, UK local)
    max_reach: str = "anywhere"  # one of REACHES: the furthest a person may be sent from their station

    def __post_init__(self) -> None:
        if self.min_rest_hours < 0 or self.max_weekly_hours < 0:
            raise ValueError("rest and weekly hours cannot be negative")
        if self.max_reach not in REACHES:
            raise ValueError(f"max_reach must be one of {', '.join(REACHES)}, got {self.max_reach!r}")


@dataclass(frozen=True)
class RuleBreach:
    # Stable code: "inactive", "role", "unavailable", "distance", "skills", "double_booked", "rest", "weekly_hours",
    # "full"
    rule: str
    message: str  # one clear human sentence saying why
    # A few words for a list of people ("away 3–9 Jan", "on another duty then"): rules.short_words, which auto-fill's
    # explanations use too. Not compared: the sentence is the breach.
    short: str = field(default="", compare=False)
