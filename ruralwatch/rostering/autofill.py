"""Fill the open places of a period's duties fairly, never breaking a rostering rule.

How it decides (deterministic, no randomness; same input, same output, whatever the order of the input):

1. Skill needs first, scarcest first. Every (duty, skill) still short is ranked by how many people could take
   that place at all (active, role allowed, available, within reach) and hold the skill; the fewest go first,
   then by start. Holders of a rare skill are therefore placed where only they can go before they are used up
   elsewhere.
2. Then every duty below its minimum crew, the duty with the fewest possible people first (then by start).
   Filling in start order would let an easy early duty take the only person a hard later one could have had;
   most-constrained-first fills more places for the same rules.
3. For each place, among the people who break no rule, the local ones first, then the fairest of them:
   a. the pool (``rules.locality``): people of the duty's own station or of its area (district) are LOCAL;
      everyone else (another district, or station and area not recorded) is only chosen when no local person who
      breaks no rule is left for that place. A Maldon Special is only sent to Great Dunmow when no Great Dunmow
      or Uttlesford volunteer can take it.
   b. within a pool, the person furthest below their commitment in the duty's month (UK local, the month it
      starts in, as the hours report counts it): their monthly commitment minus the hours they already have in
      that month, whatever the period being filled: duties and patrols done (the hours logged for them),
      planned, and assigned earlier in this fill; recomputed after every assignment. So everyone local still
      below their commitment comes before anyone local who has met theirs, and among those who have met it the
      one with the fewest hours beyond it goes first. Someone with no commitment (a regular officer, a
      volunteer who gave none: 0 hours) owes nothing, so is never "below": they come after every local person
      still below theirs, and their hours that month are their hours beyond it.
   c. ties (the same hours below or beyond): the duty's own station before the rest of its area, then fewer
      duties in that month, then the lower id.
   Nearness decides the pool and breaks ties; fairness decides within the pool. The strict tiers before this
   (station, then district, then anyone) gave a Great Dunmow Special 41 h of a 16 h commitment while two
   Uttlesford Specials of 12 h and 20 h got 10 h and 11 h: the district is near enough to share its work.

Fairness is judged over the commitment's own period, the calendar month, not over the days being filled: filling
a fortnight one week at a time gave the second week to whoever had been lucky in the first (one Special 5 duties,
another with a 20 h commitment 1), since each fill started everyone from nothing. Counting the whole month and
the whole commitment makes a fill the same whether the month is filled at once or a week at a time.

With ``RosterRules.max_reach`` set to "area" or "station", people are never sent beyond their own area or
station at all (a rule like any other, so the place stays a gap rather than break it).

Each new assignment becomes a commitment at once, so later places see its rest, overlap and weekly hours.
The rules are the very helpers ``check_assignment`` uses, and auto-fill treats them all as hard.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ruralwatch.core.words import count_of
from ruralwatch.rostering.availability import (
    MONTH_NAMES,
    Calendar,
    calendar_for,
    local_date,
    local_datetime,
    midnight,
)
from ruralwatch.rostering.model import Commitment, Duty, RosterRules, Volunteer
from ruralwatch.rostering.rules import (
    ELSEWHERE,
    RULE_ORDER,
    beyond_reach,
    clash,
    locality,
    over_weekly,
    seconds,
    short_words,
    shortfall_after,
    skill_label,
    skill_shortfall,
    skill_sort_key,
    skills_blocked,
    week_key,
)

DAY = timedelta(days=1)
# How a gap's reasons count the people who could not take a place.
BREACH_WORDS = {
    "role": "role not allowed",
    "unavailable": "unavailable",
    "distance": "too far from home",
    "double_booked": "double-booked",
    "rest": "too little rest",
    "weekly_hours": "over weekly hours",
    "skills": "lacking the skills still needed",
}


@dataclass(frozen=True)
class Assignment:
    duty_id: str
    person_id: str


@dataclass(frozen=True)
class Gap:
    duty_id: str
    missing: int  # places short of min_crew, or of skilled crew, whichever is more
    reasons: tuple[str, ...]  # e.g. "no one available with Off-road / 4x4 driving (3 unavailable, 1 rest)"


@dataclass(frozen=True)
class BelowCommitment:
    """Someone still below their monthly commitment after the fill, and why the period's other duties did not go
    to them: a fill that gave RET officers every Maldon Saturday night while the Maldon Specials had 0 of 16 h
    said nothing of the Specials being unavailable then."""

    person_id: str
    month: tuple[int, int]  # (year, month), UK local
    hours: float  # in that month after the fill
    commitment: float
    # A few words each, with how many duties ("not available Sat 18:00–23:00 (4 duties)"): rules.short_words for the
    # first rule each duty breaks, or that the duty was crewed by others while they were free.
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AutofillResult:
    assignments: tuple[Assignment, ...]  # in the order they were decided
    gaps: tuple[Gap, ...]  # in duty start order
    below: tuple[BelowCommitment, ...] = ()  # by month, then furthest below first


Month = tuple[int, int]  # (year, month), UK local
Key = tuple[float, int, str, int]


def month_key(moment: float) -> Month:
    """The UK local month a duty or commitment starting at `moment` counts in (as in rostering.hours)."""
    local = local_datetime(moment)
    return local.year, local.month


@dataclass(frozen=True)
class MonthStanding:
    """Where someone stands against their monthly commitment in one month: the hours auto-fill's fairness counts
    (every duty and patrol they are on that starts in the month, done, planned or assigned; a done duty by the
    hours logged for it) and how many duties and patrols. "Assign someone" and `duty candidates` order the free by
    it, as auto-fill picks within a pool: a coordinator saw them by station and had to work out who was owed."""

    month: Month
    hours: float
    commitment: float
    duties: int

    @property
    def owed(self) -> float:
        """Hours still below the commitment (0 once met, and for someone with none)."""
        return max(0.0, self.commitment - self.hours)

    def key(self) -> tuple[float, int]:
        """Furthest below first, then the fewest beyond (those who met it, or have none), then fewest duties;
        rounded so float noise cannot break a genuine tie (as _Person.key)."""
        return round(self.hours - self.commitment, 6), self.duties

    def text(self) -> str:
        """``owes 12 of 16 h in Dec``, ``commitment met in Dec (18 of 16 h)``, ``no commitment (4 h in Dec)``."""
        name = MONTH_NAMES[self.month[1] - 1]
        if self.commitment <= 0:
            return f"no commitment ({_hours(self.hours)} h in {name})" if self.hours > 0 else "no commitment"
        if self.owed > 0.05:  # what rounds to 0.0 h is met, not "owes 0"
            return f"owes {_hours(self.owed)} of {_hours(self.commitment)} h in {name}"
        return f"commitment met in {name} ({_hours(self.hours)} of {_hours(self.commitment)} h)"


def _hours(amount: float) -> str:
    return f"{round(amount, 1):g}"


def month_standing(volunteer: Volunteer, commitments: Iterable[Commitment], month: Month) -> MonthStanding:
    """`volunteer`'s standing in `month` (UK local) from their commitments, counted as auto-fill counts them."""
    spent = 0.0
    sources: set[str] = set()
    for c in commitments:
        start = seconds(c.start)
        if c.person_id == volunteer.id and month_key(start) == month:
            spent += seconds(c.end) - start if c.hours is None else c.hours * 3600
            sources.add(c.source_id)
    return MonthStanding(month, spent / 3600, volunteer.monthly_commitment_hours, len(sources))


class _Person:
    __slots__ = ("index", "volunteer", "calendar", "commits", "week_seconds", "month_seconds", "month_sources",
                 "target")

    def __init__(self, index: int, volunteer: Volunteer) -> None:
        self.index = index
        self.volunteer = volunteer
        self.calendar: Calendar = calendar_for(volunteer)
        self.commits: list[tuple[float, float, str]] = []
        self.week_seconds: dict[tuple[int, int], float] = {}
        # What counts towards each month's commitment: seconds, and the duties and patrols they came from.
        self.month_seconds: dict[Month, float] = {}
        self.month_sources: dict[Month, set[str]] = {}
        self.target = volunteer.monthly_commitment_hours * 3600

    def credit(self, month: Month, source: str, amount: float) -> None:
        self.month_seconds[month] = self.month_seconds.get(month, 0.0) + amount
        self.month_sources.setdefault(month, set()).add(source)

    def key(self, month: Month) -> Key:
        # Most below commitment sorts first; rounded so float noise cannot break a genuine tie.
        return (round(self.month_seconds.get(month, 0.0) - self.target, 3), len(self.month_sources.get(month, ())),
                self.volunteer.id, self.index)


class _Place:
    """A duty being filled."""

    __slots__ = ("duty", "start", "end", "length", "week", "month", "crew", "shortfall", "candidates", "pools",
                 "tier_of")

    def __init__(self, duty: Duty) -> None:
        self.duty = duty
        self.start = seconds(duty.start)
        self.end = seconds(duty.end)
        self.length = self.end - self.start
        self.week = week_key(self.start)
        self.month = month_key(self.start)
        self.crew: list[str] = []
        self.shortfall: dict[str, int] = {}
        self.candidates: set[int] = set()  # people who may take it at all: active, role allowed, available
        # The candidates split into the local pool (same station or area) and everyone else, local first;
        # together they are `candidates`. `tier_of` is each candidate's locality, the tie-break within a pool.
        self.pools: tuple[set[int], ...] = ()
        self.tier_of: dict[int, int] = {}

    @property
    def wanted(self) -> int:
        return min(self.duty.min_crew, self.duty.max_crew)


class _Filler:
    def __init__(self, volunteers: Iterable[Volunteer], duties: Iterable[Duty], existing: Mapping[str, Sequence[str]],
                 commitments: Iterable[Commitment], rules: RosterRules, period_start: date, period_end: date) -> None:
        self.rules = rules
        self.rest = rules.min_rest_hours * 3600
        self.lo, self.hi = midnight(period_start), midnight(period_end + DAY)
        self.people: list[_Person] = []
        self.by_id: dict[str, _Person] = {}
        for volunteer in volunteers:
            if volunteer.id not in self.by_id:  # a repeated id is the same person: the first one counts
                person = _Person(len(self.people), volunteer)
                self.people.append(person)
                self.by_id[volunteer.id] = person
        self.places = self._places(duties)
        self._load(existing, commitments)
        # Per month filled, everyone fairest first (the key's first field is hours above commitment).
        self.order: dict[Month, list[Key]] = {
            month: sorted(p.key(month) for p in self.people) for month in {place.month for place in self.places}
        }
        self.assignments: list[Assignment] = []

    def _places(self, duties: Iterable[Duty]) -> list[_Place]:
        places: list[_Place] = []
        seen: set[str] = set()
        for duty in sorted(duties, key=lambda d: (seconds(d.start), d.id)):
            place = _Place(duty)
            if duty.id in seen or not self.lo <= place.start < self.hi:
                continue  # only duties starting in the period are filled; others count only as commitments
            seen.add(duty.id)
            places.append(place)
        return places

    def _load(self, existing: Mapping[str, Sequence[str]], commitments: Iterable[Commitment]) -> None:
        place_ids = {place.duty.id for place in self.places}
        on_duty: dict[str, set[str]] = {}
        for c in commitments:
            person = self.by_id.get(c.person_id)
            if person is not None:
                start, end = seconds(c.start), seconds(c.end)
                person.commits.append((start, end, c.source_id))
                person.credit(month_key(start), c.source_id, end - start if c.hours is None else c.hours * 3600)
            if c.source_id in place_ids:
                on_duty.setdefault(c.source_id, set()).add(c.person_id)
        for place in self.places:
            # A commitment to the duty means the person is on it, even if `existing` forgot them.
            listed = list(dict.fromkeys(existing.get(place.duty.id, ())))
            place.crew = listed + sorted(on_duty.get(place.duty.id, set()) - set(listed))
            place.shortfall = skill_shortfall(
                place.duty.required_skills,
                (self.by_id[pid].volunteer.skills for pid in place.crew if pid in self.by_id),
            )
            for pid in place.crew:
                person = self.by_id.get(pid)
                # An existing assignment missing from `commitments` still blocks its time.
                if person is not None and not any(src == place.duty.id for _, _, src in person.commits):
                    person.commits.append((place.start, place.end, place.duty.id))
                    person.credit(place.month, place.duty.id, place.length)
        for person in self.people:
            for start, end, _ in person.commits:
                week = week_key(start)
                person.week_seconds[week] = person.week_seconds.get(week, 0.0) + (end - start)
        self._find_candidates()

    def _find_candidates(self) -> None:
        if not self.places:
            return
        first = min(local_date(p.start) for p in self.places)
        last = max(local_date(p.end) for p in self.places)
        active = [p for p in self.people if p.volunteer.active]
        for person in active:
            person.calendar.prepare(first, last)
        # Many duties share their times (shift patterns), so availability is worked out once per time span.
        free_for: dict[tuple[float, float], list[_Person]] = {}
        for place in self.places:
            span = (place.start, place.end)
            free = free_for.get(span)
            if free is None:
                free = free_for[span] = [p for p in active if p.calendar.covers(place.start, place.end)]
            roles = place.duty.allowed_roles
            crew = set(place.crew)
            local: set[int] = set()
            elsewhere: set[int] = set()
            for p in free:
                if p.volunteer.role not in roles or p.volunteer.id in crew:
                    continue
                tier = locality(p.volunteer, place.duty)
                if not beyond_reach(p.volunteer, place.duty, self.rules, tier):
                    (elsewhere if tier == ELSEWHERE else local).add(p.index)
                    place.tier_of[p.index] = tier
            place.pools = tuple(pool for pool in (local, elsewhere) if pool)
            place.candidates = local | elsewhere

    # --- rules --------------------------------------------------------------------------------------------

    def _fits(self, person: _Person, place: _Place) -> bool:
        """The rules that change as assignments are made; the fixed ones are in place.candidates."""
        duty = place.duty
        if len(place.crew) >= duty.max_crew:
            return False
        if over_weekly(person.week_seconds.get(place.week, 0.0), place.length, self.rules):
            return False
        if place.shortfall and skills_blocked(place.shortfall, person.volunteer.skills,
                                              duty.max_crew - len(place.crew) - 1):
            return False
        start, end, rest = place.start, place.end, self.rest
        for other_start, other_end, source in person.commits:
            if source != duty.id and clash(other_start, other_end, start, end, rest) is not None:
                return False
        return True

    def _codes(self, person: _Person, place: _Place) -> set[str]:
        """Every rule a person breaks for a place (for explaining gaps)."""
        duty = place.duty
        codes: set[str] = set()
        if person.volunteer.role not in duty.allowed_roles:
            codes.add("role")
        if not person.calendar.covers(place.start, place.end):
            codes.add("unavailable")
        if beyond_reach(person.volunteer, duty, self.rules):
            codes.add("distance")
        for other_start, other_end, source in person.commits:
            if source != duty.id:
                code = clash(other_start, other_end, place.start, place.end, self.rest)
                if code is not None:
                    codes.add(code)
        if over_weekly(person.week_seconds.get(place.week, 0.0), place.length, self.rules):
            codes.add("weekly_hours")
        if len(place.crew) < duty.max_crew and skills_blocked(
            place.shortfall, person.volunteer.skills, duty.max_crew - len(place.crew) - 1
        ):
            codes.add("skills")
        return codes

    # --- filling ------------------------------------------------------------------------------------------

    def _pick(self, place: _Place, skill: str | None = None) -> _Person | None:
        order = self.order[place.month]  # fairest first: hours beyond commitment, duties, id
        for pool in place.pools:  # local first
            left = len(pool)
            best: tuple[Key, int] | None = None  # the fairest who fits, and the locality that breaks its tie
            for key in order:
                if best is not None and key[0] != best[0][0]:
                    break  # past everyone as far below as the one found: only the tie-break was left to look at
                index = key[3]
                if index not in pool:
                    continue
                person = self.people[index]
                if (skill is None or skill in person.volunteer.skills) and self._fits(person, place):
                    tier = place.tier_of[index]
                    if best is None or tier < best[1]:
                        best = (key, tier)
                left -= 1
                if not left:
                    break
            if best is not None:
                return self.people[best[0][3]]
        return None

    def _assign(self, person: _Person, place: _Place) -> None:
        duty = place.duty
        place.crew.append(person.volunteer.id)
        place.shortfall = shortfall_after(place.shortfall, person.volunteer.skills)
        place.candidates.discard(person.index)
        for pool in place.pools:
            pool.discard(person.index)
        person.commits.append((place.start, place.end, duty.id))
        person.week_seconds[place.week] = person.week_seconds.get(place.week, 0.0) + place.length
        order = self.order[place.month]
        del order[bisect_left(order, person.key(place.month))]
        person.credit(place.month, duty.id, place.length)
        insort(order, person.key(place.month))
        self.assignments.append(Assignment(duty.id, person.volunteer.id))

    def fill(self) -> AutofillResult:
        needs: list[tuple[int, float, str, tuple[int, str], _Place]] = []
        for place in self.places:
            for skill in place.shortfall:
                holders = sum(1 for i in place.candidates if skill in self.people[i].volunteer.skills)
                needs.append((holders, place.start, place.duty.id, skill_sort_key(skill), place))
        needs.sort(key=lambda need: need[:4])
        for _, _, _, (_, skill), place in needs:
            while place.shortfall.get(skill, 0) > 0 and len(place.crew) < place.duty.max_crew:
                person = self._pick(place, skill)
                if person is None:
                    break
                self._assign(person, place)

        open_places = [p for p in self.places if len(p.crew) < p.wanted]
        for place in sorted(open_places, key=lambda p: (len(p.candidates), p.start, p.duty.id)):
            while len(place.crew) < place.wanted:
                person = self._pick(place)
                if person is None:
                    break
                self._assign(person, place)
        return AutofillResult(tuple(self.assignments), tuple(self._gaps()), tuple(self._below()))

    # --- explaining what is left ----------------------------------------------------------------------------

    def _gaps(self) -> list[Gap]:
        gaps: list[Gap] = []
        for place in self.places:
            duty = place.duty
            short = max(0, duty.min_crew - len(place.crew))
            skilled_short = sum(place.shortfall.values())
            if not short and not skilled_short:
                continue
            crew = set(place.crew)
            others = [p for p in self.people if p.volunteer.active and p.volunteer.id not in crew]
            codes = {p.index: self._codes(p, place) for p in others}
            reasons: list[str] = []
            if duty.max_crew < duty.min_crew:
                reasons.append(f"its maximum crew ({duty.max_crew}) is below its minimum ({duty.min_crew})")
            full = len(place.crew) >= duty.max_crew
            for skill in [] if full else sorted(place.shortfall, key=skill_sort_key):
                label = skill_label(skill)
                holders = [p for p in others if skill in p.volunteer.skills]
                if holders:
                    why = _summary(Counter(_first_rule(codes[p.index]) for p in holders if codes[p.index]))
                    reasons.append(f"no one available with {label} ({why})")
                else:
                    reasons.append(f"no one available with {label} (no one on the roster holds it)")
            if full and skilled_short:
                needed = ", ".join(skill_label(s) for s in sorted(place.shortfall, key=skill_sort_key))
                reasons.append(f"the crew is full ({duty.max_crew}) but still short of {needed}")
            if short and not full:
                if others:
                    reasons.append(_summary(Counter(_first_rule(codes[p.index]) for p in others if codes[p.index])))
                else:
                    reasons.append("no one else on the roster")
            gaps.append(Gap(duty.id, max(short, skilled_short), tuple(reasons)))
        return gaps


    def _below(self) -> list[BelowCommitment]:
        """Everyone with a commitment still below it in a month filled, with why each duty of that month in the
        period went to someone else (the rule they break, in the words the list of people uses)."""
        found: list[BelowCommitment] = []
        for month in sorted(self.order):
            places = [p for p in self.places if p.month == month]
            for person in self.people:
                done = person.month_seconds.get(month, 0.0)
                if not person.volunteer.active or person.target <= 0 or done >= person.target - 1e-6:
                    continue
                why: Counter[str] = Counter()
                for place in places:
                    if person.volunteer.id in place.crew:
                        continue
                    codes = self._codes(person, place)
                    if codes:
                        why[short_words(_first_rule(codes), person.volunteer, place.duty, self.rules)] += 1
                    else:
                        why["free, but crewed by others"] += 1
                if why:
                    reasons = _below_reasons(why)
                else:
                    reasons = ("no duty of the period to give them",)
                found.append(BelowCommitment(person.volunteer.id, month, round(done / 3600, 2),
                                             person.volunteer.monthly_commitment_hours, reasons))
        return sorted(found, key=lambda b: (b.month, b.hours - b.commitment, b.person_id))


def _first_rule(codes: Iterable[str]) -> str:
    return min(codes, key=RULE_ORDER.index)


def _summary(counts: Counter[str]) -> str:
    """How many people each rule kept out; a person is counted once, under the first rule they break."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], RULE_ORDER.index(item[0])))
    return ", ".join(f"{n} {BREACH_WORDS.get(code, code)}" for code, n in ranked) or "no rule stopped them"


def autofill(
    volunteers: Sequence[Volunteer],
    duties: Sequence[Duty],
    existing: Mapping[str, Sequence[str]],
    commitments: Sequence[Commitment],
    rules: RosterRules,
    period_start: date,
    period_end: date,
) -> AutofillResult:
    """Fill the duties starting on local dates period_start..period_end (inclusive) up to their minimum crew.

    `existing` maps duty id -> person ids already on it; `commitments` are everyone's commitments (existing
    assignments and patrol places). Inactive people are never chosen; duties starting outside the period are
    left alone. Returns the new assignments (in the order decided) and a Gap for every duty still short.
    """
    if period_end < period_start:
        return AutofillResult((), ())
    return _Filler(volunteers, duties, existing, commitments, rules, period_start, period_end).fill()


NOT_AVAILABLE = "not available "  # rules.short_words' start for a duty outside someone's availability


def _below_reasons(why: Counter[str]) -> tuple[str, ...]:
    """Reasons with their counts, most duties first; the times someone is not available at are one reason (five of
    them read as five reasons, the same words again and again, in a line too long to read)."""
    times = {words.removeprefix(NOT_AVAILABLE): n for words, n in why.items() if words.startswith(NOT_AVAILABLE)}
    grouped = Counter({words: n for words, n in why.items() if not words.startswith(NOT_AVAILABLE)})
    if len(times) > 1:
        spans = ", ".join(sorted(times, key=lambda span: (-times[span], span)))
        grouped[f"not available at their times: {spans}"] = sum(times.values())
    else:
        grouped.update({NOT_AVAILABLE + span: n for span, n in times.items()})
    return tuple(f"{words} ({count_of(n, 'duty', 'duties')})"
                 for words, n in sorted(grouped.items(), key=lambda item: (-item[1], item[0])))
