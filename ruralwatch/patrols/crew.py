"""Crew rules for a patrol: who may lead, which skills the purpose needs, nobody in two places at once.

Errors are refused until fixed; warnings are allowed and shown to whoever plans the patrol.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vocab import PATROL_PURPOSE_NAMES, PERSON_ROLE_NAMES, PURPOSE_SKILLS, SKILL_NAMES

ERROR = "error"
WARNING = "warning"

# Roles that may lead a patrol on their own; a Special needs independent patrol status as well.
LEAD_ROLES = frozenset({"officer"})


@dataclass(frozen=True)
class CrewMember:
    person_id: str
    name: str
    role: str  # a key of PERSON_ROLES: "officer" | "special" | "volunteer"
    independent_patrol: bool  # Specials signed off to patrol without a regular officer
    skills: frozenset[str]  # keys of SKILLS


@dataclass(frozen=True)
class CrewIssue:
    severity: str  # "error" (refused unless fixed) or "warning" (allowed, shown)
    code: str  # "no_lead", "missing_skill", "double_booked", "volunteer_on_patrol", "empty", "duplicate"
    message: str
    person_id: str | None = None


def can_lead(member: CrewMember) -> bool:
    """A regular officer, or a Special Constable with independent patrol status."""
    return member.role in LEAD_ROLES or (member.role == "special" and member.independent_patrol)


def check_crew(
    members: Iterable[CrewMember],
    purpose: str,
    start: datetime,
    end: datetime,
    other_commitments: Mapping[str, Sequence[tuple[datetime, datetime, str]]],
) -> list[CrewIssue]:
    """Every rule the crew breaks, errors first then warnings (each group in rule order).

    ``other_commitments`` maps person_id to that person's other patrols and duties as (start, end, label); the
    caller leaves out the patrol being checked. Time ranges are half-open, so a duty ending at 18:00 does not
    clash with a patrol starting at 18:00.
    Raises ValidationError for an unknown purpose or role, or an ``end`` not after ``start``.
    """
    crew = list(members)
    if purpose not in PATROL_PURPOSE_NAMES:
        raise ValidationError.single("purpose", f"{purpose!r} is not a patrol purpose")
    for member in crew:
        if member.role not in PERSON_ROLE_NAMES:
            raise ValidationError.single("crew", f"{member.name} has an unknown role {member.role!r}")
    try:
        ordered = end > start
    except TypeError as exc:  # one aware, one naive
        raise ValidationError.single("end", "start and end must both carry a time zone, or neither") from exc
    if not ordered:
        raise ValidationError.single("end", "the patrol must end after it starts")

    if not crew:
        return [CrewIssue(ERROR, "empty", "The patrol has no crew: add at least one officer.")]

    issues: list[CrewIssue] = []
    counts = Counter(member.person_id for member in crew)
    unique: dict[str, CrewMember] = {}
    for member in crew:
        if counts[member.person_id] > 1 and member.person_id not in unique:
            issues.append(CrewIssue(ERROR, "duplicate", f"{member.name} is on the crew more than once.",
                                    member.person_id))
        unique.setdefault(member.person_id, member)

    if not any(can_lead(member) for member in unique.values()):
        issues.append(CrewIssue(
            ERROR, "no_lead",
            "The crew needs a police officer or a Special Constable with independent patrol status.",
        ))

    for member in unique.values():
        for other_start, other_end, label in other_commitments.get(member.person_id, ()):
            if other_start < end and start < other_end:  # half-open overlap
                issues.append(CrewIssue(
                    ERROR, "double_booked",
                    f"{member.name} is already on {label} ({_span(other_start, other_end)}).",
                    member.person_id,
                ))

    held = frozenset().union(*(member.skills for member in unique.values()))
    purpose_name = PATROL_PURPOSE_NAMES[purpose]
    for skill in PURPOSE_SKILLS.get(purpose, ()):
        if skill not in held:
            # Labels verbatim (not lower-cased): they hold names such as "Farm Watch" and "4x4".
            issues.append(CrewIssue(
                WARNING, "missing_skill",
                f"No one on the crew has the skill \"{SKILL_NAMES.get(skill, skill)}\", "
                f"needed for the purpose \"{purpose_name}\".",
            ))

    for member in unique.values():
        if member.role == "volunteer":
            issues.append(CrewIssue(
                WARNING, "volunteer_on_patrol",
                f"{member.name} is a community volunteer: they observe and report, and must stay with an officer.",
                member.person_id,
            ))

    # Stable sort: errors first, rule order kept within each severity.
    return sorted(issues, key=lambda issue: issue.severity != ERROR)


def has_errors(issues: Iterable[CrewIssue]) -> bool:
    """True when the crew must be fixed before the patrol can be saved."""
    return any(issue.severity == ERROR for issue in issues)


def _span(start: datetime, end: datetime) -> str:
    if start.date() == end.date():
        return f"{start:%a %d %b %H:%M}-{end:%H:%M}"
    return f"{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M}"
