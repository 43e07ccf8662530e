"""Crew rules for a patrol: who may lead, which skills the purpose needs, nobody in two places at once, and the
rostering rules a duty assignment is held to.

Errors are refused until fixed; warnings are allowed and shown to whoever plans the patrol. A patrol is work
time like a duty, so each crew member is also checked against the rostering rules that make sense for it
(``PATROL_RULES``: has not left, available, 11 h rest, weekly hours; ``rostering.rules.check_assignment`` does the
checking): those are ``override`` issues, refused unless whoever plans the patrol gives a reason, which is then
recorded with the crew place, as for a duty assignment. The duty-only rules (role allowed, skills still needed,
full crew, how far from home) do not apply: the crew rules above cover who may go and with which skills.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vocab import PATROL_PURPOSE_NAMES, PERSON_ROLE_NAMES, PURPOSE_SKILLS, SKILL_NAMES
from ruralwatch.rostering.availability import calendar_for
from ruralwatch.rostering.model import Commitment, Duty, RosterRules, Volunteer
from ruralwatch.rostering.rules import check_assignment, seconds

ERROR = "error"
OVERRIDE = "override"  # breaks a rostering rule: saved only with a reason, which is recorded
WARNING = "warning"
SEVERITY_ORDER = {ERROR: 0, OVERRIDE: 1, WARNING: 2}
# Rostering rules (codes of rostering.model.RuleBreach) that hold for a patrol crew place.
PATROL_RULES = ("inactive", "unavailable", "rest", "weekly_hours")

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
    severity: str  # "error" (refused unless fixed), "override" (refused unless a reason is given), "warning"
    # "no_lead", "missing_skill", "double_booked", "volunteer_on_patrol", "empty", "duplicate"; for "override" the
    # rostering rule's code ("inactive", "unavailable", "rest", "weekly_hours")
    code: str
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
    rule_issues: Iterable[CrewIssue] = (),
) -> list[CrewIssue]:
    """Every rule the crew breaks, errors first, then rostering rules to override, then warnings (each group in
    rule order). `rule_issues` are the rostering-rule issues (``roster_rule_issues``), merged in.

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

    issues: list[CrewIssue] = list(rule_issues)
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
    return sorted(issues, key=lambda issue: SEVERITY_ORDER.get(issue.severity, len(SEVERITY_ORDER)))


def roster_rule_issues(
    volunteers: Iterable[Volunteer],
    start: datetime,
    end: datetime,
    commitments: Mapping[str, Sequence[Commitment]],
    rules: RosterRules,
) -> list[CrewIssue]:
    """The PATROL_RULES each crew member would break by going on a patrol from `start` to `end` (aware times), as
    ``override`` issues in rule order, person by person. `commitments` maps person id to their other duties and
    patrols (the caller leaves out this patrol and its own duty)."""
    window = Duty(id="\x00patrol", title="this patrol", kind="joint_patrol", start=start, end=end,
                  min_crew=0, max_crew=1_000_000)
    issues: list[CrewIssue] = []
    seen: set[str] = set()
    for volunteer in volunteers:
        if volunteer.id in seen:
            continue
        seen.add(volunteer.id)
        for breach in check_assignment(volunteer, window, commitments.get(volunteer.id, ()), rules, noun="patrol"):
            if breach.rule == "unavailable" and _shifts_kept_elsewhere(volunteer, start, end):
                continue
            if breach.rule in PATROL_RULES:
                issues.append(CrewIssue(OVERRIDE, breach.rule, breach.message + ".", volunteer.id))
    return issues


def _shifts_kept_elsewhere(volunteer: Volunteer, start: datetime, end: datetime) -> bool:
    """A regular officer who has recorded no availability here and no day away during the patrol: their shifts are
    kept in the force's own duty system, so "no availability is recorded" says nothing (a walk's officer needed an
    override reason to crew their own patrol). Specials and volunteers give their availability here; duties and
    auto-fill keep to it for everyone."""
    if volunteer.role != "officer":
        return False
    calendar = calendar_for(volunteer)
    return not calendar.records_availability() and calendar.away_during(seconds(start), seconds(end)) is None


def has_errors(issues: Iterable[CrewIssue]) -> bool:
    """True when the crew must be fixed before the patrol can be saved."""
    return any(issue.severity == ERROR for issue in issues)


def needs_reason(issues: Iterable[CrewIssue]) -> bool:
    """True when the crew breaks a rostering rule: saved only with a reason to override."""
    return any(issue.severity == OVERRIDE for issue in issues)


def _span(start: datetime, end: datetime) -> str:
    if start.date() == end.date():
        return f"{start:%a %d %b %H:%M}-{end:%H:%M}"
    return f"{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M}"
