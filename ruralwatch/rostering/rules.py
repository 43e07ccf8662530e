"""Check one assignment against every rostering rule and say, for each rule it breaks, why in one sentence.

The small helpers here (``clash``, ``week_key``, ``skill_shortfall``, ``skills_blocked``, ``over_weekly``,
``locality``, ``beyond_reach``) are shared with auto-fill so that the two can never disagree about what breaks a
rule.

Locality (how near a duty is to a person's home) compares names, case and spacing aside: the same station is
``SAME_STATION``; otherwise the same area (district) is ``SAME_AREA``; anything else, or a person whose station
and area are not recorded, is ``ELSEWHERE``. A duty that names no station counts everyone in its area as at
their own station, and a duty that names neither is local to everyone (nothing to compare).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from ruralwatch.core.vocab import PERSON_ROLE_NAMES, PERSON_ROLES, SKILL_NAMES, SKILLS
from ruralwatch.rostering.availability import calendar_for, format_day, format_span, local_datetime
from ruralwatch.rostering.model import REACHES, Commitment, Duty, RosterRules, RuleBreach, Volunteer

# Seconds of slack when adding up weekly hours, so float rounding never turns exactly 24 h into "over 24 h".
WEEKLY_SLACK_SECONDS = 1e-3
RULE_ORDER = ("inactive", "role", "unavailable", "distance", "double_booked", "rest", "weekly_hours", "skills",
              "full")
# Locality tiers, nearest first; each is also the index of the widest RosterRules.max_reach that allows it.
SAME_STATION, SAME_AREA, ELSEWHERE = 0, 1, 2
_SKILL_ORDER = {key: i for i, (key, _) in enumerate(SKILLS)}
_ROLE_ORDER = {key: i for i, (key, _) in enumerate(PERSON_ROLES)}


# --- shared helpers ------------------------------------------------------------------------------------------


def seconds(moment: datetime) -> float:
    """POSIX seconds of a timezone-aware datetime."""
    return moment.astimezone(UTC).timestamp()


def clash(other_start: float, other_end: float, start: float, end: float, rest_seconds: float) -> str | None:
    """"double_booked" if [other_start, other_end) overlaps [start, end), "rest" if the gap between them is
    shorter than `rest_seconds`, else None."""
    if other_start < end and other_end > start:
        return "double_booked"
    gap = start - other_end if other_end <= start else other_start - end
    return "rest" if gap < rest_seconds else None


def week_key(moment: float) -> tuple[int, int]:
    """(ISO year, ISO week) of a moment in UK local time."""
    iso = local_datetime(moment).isocalendar()
    return iso.year, iso.week


def over_weekly(week_seconds: float, duty_seconds: float, rules: RosterRules) -> bool:
    return week_seconds + duty_seconds > rules.max_weekly_hours * 3600 + WEEKLY_SLACK_SECONDS


def _place_name(text: str) -> str:
    return " ".join(text.split()).casefold()


def locality(volunteer: Volunteer, duty: Duty) -> int:
    """SAME_STATION, SAME_AREA or ELSEWHERE: how near `duty` is to the person's home (module docstring)."""
    station, area = _place_name(duty.station), _place_name(duty.area)
    if not station and not area:
        return SAME_STATION
    if station and _place_name(volunteer.station) == station:
        return SAME_STATION
    if area and _place_name(volunteer.area) == area:
        return SAME_AREA if station else SAME_STATION
    return ELSEWHERE


def beyond_reach(volunteer: Volunteer, duty: Duty, rules: RosterRules, tier: int | None = None) -> bool:
    """True when the duty is further from the person's home than ``rules.max_reach`` allows. A person whose
    station and area are not recorded is never held back by it (there is nothing to judge)."""
    if rules.max_reach == "anywhere" or not (volunteer.station.strip() or volunteer.area.strip()):
        return False
    return (locality(volunteer, duty) if tier is None else tier) > REACHES.index(rules.max_reach)


def skill_shortfall(needs: Mapping[str, int], crew_skills: Iterable[frozenset[str]]) -> dict[str, int]:
    """Skill -> how many more crew must hold it, given the skills of the crew already on the duty."""
    remaining = dict(needs)
    for skills in crew_skills:
        for skill in skills:
            if skill in remaining:
                remaining[skill] -= 1
    return {skill: count for skill, count in remaining.items() if count > 0}


def shortfall_after(shortfall: Mapping[str, int], skills: frozenset[str]) -> dict[str, int]:
    """The shortfall once a person holding `skills` joins the crew."""
    after = {s: n - 1 if s in skills else n for s, n in shortfall.items()}
    return {s: n for s, n in after.items() if n > 0}


def skills_blocked(shortfall: Mapping[str, int], skills: frozenset[str], places_left_after: int) -> bool:
    """True when taking a person with `skills` leaves fewer places than skilled crew still needed.

    Each skill need counts as its own place (as the duty form checks: needs add up to at most max_crew), so a
    person holding a needed skill never breaks this on a duty that could be staffed before them; one holding
    none is refused exactly when the places left are all wanted for skilled crew.
    """
    before = sum(shortfall.values())
    after = sum(shortfall_after(shortfall, skills).values())
    return after > places_left_after and after == before


def skill_label(skill: str) -> str:
    return SKILL_NAMES.get(skill, skill)


def skill_sort_key(skill: str) -> tuple[int, str]:
    return _SKILL_ORDER.get(skill, len(_SKILL_ORDER)), skill


def hours_text(amount: float) -> str:
    """``11 h``, ``10 h 59 min``, ``45 min`` (rounded down to the minute, so 10 h 59 min 59 s is not "11 h")."""
    minutes = int(amount // 60 + 1e-9)
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h {rest} min" if rest else f"{whole} h"


def _join(words: Sequence[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


# --- the check ---------------------------------------------------------------------------------------------


def check_assignment(
    volunteer: Volunteer,
    duty: Duty,
    commitments: Iterable[Commitment],
    rules: RosterRules,
    crew: Sequence[Volunteer] = (),
    noun: str = "duty",
) -> list[RuleBreach]:
    """Every rule that putting `volunteer` on `duty` would break (empty: fine), in RULE_ORDER.

    `commitments` are the person's existing commitments (others' and this duty's own are ignored); `crew` the
    people already on the duty, without this person. `noun` names the work in messages ("this patrol").
    """
    name = volunteer.display_name
    breaches: list[RuleBreach] = []
    start, end = seconds(duty.start), seconds(duty.end)

    if not volunteer.active:
        breaches.append(RuleBreach("inactive", f"{name} has left and can no longer be rostered"))

    if volunteer.role not in duty.allowed_roles:
        role = PERSON_ROLE_NAMES.get(volunteer.role, volunteer.role)
        ordered = sorted(duty.allowed_roles, key=lambda r: (_ROLE_ORDER.get(r, len(_ROLE_ORDER)), r))
        allowed = [PERSON_ROLE_NAMES.get(r, r) for r in ordered]
        only = f"is only for {_join(allowed, 'or')}" if allowed else "allows no roles"
        breaches.append(RuleBreach("role", f"{name} is a {role}, and {duty.title} {only}"))

    why = calendar_for(volunteer).gaps(start, end)
    if why is not None:
        breaches.append(RuleBreach("unavailable", why))

    if beyond_reach(volunteer, duty, rules):
        home = volunteer.station.strip() or volunteer.area.strip()
        there = ", ".join(part.strip() for part in (duty.station, duty.area) if part.strip())
        limit = "their own station" if rules.max_reach == "station" else "their own area"
        breaches.append(RuleBreach(
            "distance", f"{name} is based at {home} and {duty.title} is at {there}: people are sent no further than "
                        f"{limit}",
        ))

    own = [c for c in commitments if c.person_id == volunteer.id and c.source_id != duty.id]
    rest_seconds = rules.min_rest_hours * 3600
    timed = sorted((seconds(c.start), seconds(c.end)) for c in own)
    if any(member.id == volunteer.id for member in crew):
        breaches.append(RuleBreach("double_booked", f"{name} is already on {duty.title}", "already on it"))
    for other_start, other_end in timed:
        if clash(other_start, other_end, start, end, rest_seconds) == "double_booked":
            breaches.append(RuleBreach(
                "double_booked", f"{name} is already committed {format_span(other_start, other_end)}"
            ))
    for other_start, other_end in timed:
        if clash(other_start, other_end, start, end, rest_seconds) != "rest":
            continue
        minimum = hours_text(rest_seconds)
        if other_end <= start:
            when = f"a commitment ending {_moment_text(other_end)}"
            gap = start - other_end
            text = f"{name} would have only {hours_text(gap)} rest between {when} and this {noun} (minimum {minimum})"
        else:
            when = f"a commitment starting {_moment_text(other_start)}"
            gap = other_start - end
            text = f"{name} would have only {hours_text(gap)} rest between this {noun} and {when} (minimum {minimum})"
        breaches.append(RuleBreach("rest", text))

    week = week_key(start)
    week_seconds = sum(b - a for a, b in timed if week_key(a) == week)
    if over_weekly(week_seconds, end - start, rules):
        monday = date.fromisocalendar(week[0], week[1], 1)
        breaches.append(RuleBreach(
            "weekly_hours",
            f"{name} would be committed for {hours_text(week_seconds + end - start)} in the week beginning "
            f"{format_day(monday)} (limit {hours_text(rules.max_weekly_hours * 3600)})",
        ))

    full = len(crew) >= duty.max_crew
    # On a full duty "skills" would only repeat "full", so it is judged for a free place only.
    if not full:
        shortfall = skill_shortfall(duty.required_skills, (member.skills for member in crew))
        places_left = duty.max_crew - len(crew) - 1
        if skills_blocked(shortfall, volunteer.skills, places_left):
            needed = ", ".join(
                f"{skill_label(s)}: {n} more" for s, n in sorted(shortfall.items(), key=lambda i: skill_sort_key(i[0]))
            )
            places = "no place" if places_left <= 0 else f"only {places_left} place" + ("s" if places_left > 1 else "")
            breaches.append(RuleBreach(
                "skills", f"{name} has none of the skills still needed ({needed}); taking them would leave {places}"
            ))
    else:
        breaches.append(RuleBreach("full", full_crew_text(duty.title, duty.max_crew)))
    return [b if b.short else replace(b, short=short_words(b.rule, volunteer, duty, rules)) for b in breaches]


def short_words(rule: str, volunteer: Volunteer, duty: Duty, rules: RosterRules) -> str:
    """A broken rule in a few words, for a list of people ("away 3–9 Jan", "on another duty then"): the choice
    of whom to assign and auto-fill's account of whom it left out say the same."""
    if rule == "unavailable":
        return calendar_for(volunteer).unavailable_words(seconds(duty.start), seconds(duty.end)) or "unavailable"
    if rule == "distance":
        return "too far from " + (volunteer.station.strip() or volunteer.area.strip() or "home")
    if rule == "weekly_hours":
        return f"over {hours_text(rules.max_weekly_hours * 3600)} that week"
    if rule == "rest":
        return f"under {hours_text(rules.min_rest_hours * 3600)} rest from another duty"
    return SHORT_WORDS.get(rule, rule)


def not_free_text(breaches: Iterable[RuleBreach]) -> str:
    """``not free (away 3–9 Jan; on another duty then)``: the window's list of people and the command line's
    refusal say the same words."""
    shorts = list(dict.fromkeys(b.short or b.rule for b in breaches))
    return f"not free ({'; '.join(shorts)})" if shorts else "free"


SHORT_WORDS = {
    "inactive": "has left",
    "role": "role not allowed on this duty",
    "double_booked": "on another duty then",
    "skills": "lacks the skills still needed",
    "full": "duty full",
}


def full_crew_text(title: str, max_crew: int) -> str:
    """The one wording of a duty's full crew: a duty assignment and a crew added to its patrol say the same."""
    return f"{title} already has its full crew of {max_crew}"


def _moment_text(moment: float) -> str:
    local = local_datetime(moment)
    return f"{format_day(local.date())} {local:%H:%M}"
