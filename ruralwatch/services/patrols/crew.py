"""A patrol's crew: checked against the crew rules and the rostering rules, with recorded overrides.

A crew member who breaks a rostering rule (availability, rest, weekly hours, has left) is kept only with a reason,
recorded with their crew place as a duty assignment's is. An override stands for the patrol's time only: moving
the patrol asks for a reason again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.patrols.crew import ERROR, OVERRIDE, WARNING, CrewIssue, CrewMember, check_crew, roster_rule_issues
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.model import Commitment
from ruralwatch.rostering.rules import full_crew_text
from ruralwatch.services.patrols.base import PatrolServiceBase


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


class PatrolCrew(PatrolServiceBase):
    def check_crew(self, crew_ids: list[str], purpose: str, start: datetime, end: datetime,
                   patrol_id: str | None = None, roster_rules: bool = False,
                   honour_overrides: bool = True, duty_places: bool = True) -> list[CrewIssue]:
        """Crew rules (ruralwatch.patrols.crew) against everyone's other duties and patrols; with `roster_rules`
        also the rostering rules a duty assignment is held to (availability, rest, weekly hours, left) as
        ``override`` issues, and for a patrol that stands for a roster duty (`duty_places`) the duty's maximum
        crew, as the duty's own "full" rule. On a saved patrol, a crew member whose override is recorded is shown
        as a warning for the rules overridden. (`roster_rules` is off by default only for callers written before
        those checks.)"""
        people = {p.id: p for p in (self.people.get(pid) for pid in crew_ids)}
        members = [
            CrewMember(pid, people[pid].name, people[pid].role, people[pid].independent_patrol,
                       frozenset(people[pid].skills))
            for pid in crew_ids
        ]
        others: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
        own: dict[str, list[Commitment]] = defaultdict(list)
        titles = self.repo.commitment_titles()
        for c in self.roster.commitments(crew_ids):
            if c.source_id != patrol_id and not self._is_duty_of(c.source_id, patrol_id):
                others[c.person_id].append((c.start, c.end, titles.get(c.source_id, "another duty")))
                own[c.person_id].append(c)
        rule_issues: list[CrewIssue] = []
        if roster_rules and _aware(start) and _aware(end) and end > start:  # else check_crew says what is wrong
            volunteers = self.people.volunteers(list(dict.fromkeys(crew_ids)))
            rule_issues = roster_rule_issues(volunteers, start, end, own, self.roster.rules())
            if duty_places and patrol_id:
                rule_issues += self._duty_places_issues(crew_ids, patrol_id)
            # An override was given for the patrol's time: moved to another time, it is asked for again.
            recorded = self.repo.overrides_by_person(patrol_id) if patrol_id and honour_overrides else {}
            rule_issues = [
                replace(i, severity=WARNING, message=f"{i.message} Overridden: {recorded[i.person_id][0]}")
                if i.person_id in recorded and i.code in recorded[i.person_id][1] else i
                for i in rule_issues
            ]
        return check_crew(members, purpose, start, end, others, rule_issues)

    def _duty_places_issues(self, crew_ids: list[str], patrol_id: str) -> list[CrewIssue]:
        """People added to the crew of a duty's patrol beyond the duty's maximum crew: the duty's "full" rule
        (services/roster.py asks a reason for it on the duty; crew changes here reach the duty)."""
        duty = self.roster.duty_of_patrol(patrol_id)
        if duty is None or duty.status != "planned":
            return []
        on_duty = {pid for pid, _ in duty.crew}
        crew = list(dict.fromkeys(crew_ids))
        staying = [pid for pid in crew if pid in on_duty]
        joining = [pid for pid in crew if pid not in on_duty]
        free = max(duty.max_crew - len(staying), 0)
        text = full_crew_text(duty.title, duty.max_crew) + "."
        return [CrewIssue(OVERRIDE, "full", text, pid) for pid in joining[free:]]

    def duty_crew_errors(self, patrol_id: str, person_id: str, leaving: bool = False) -> list[CrewIssue]:
        """The crew errors a patrol not yet started would have with `person_id` put on its duty (and so on its
        crew), or with `leaving` taken off it: the ones about them and the crew as a whole, in the words a patrol
        planned by hand gets (taking off the only one who may lead leaves "no lead")."""
        record = self.get(patrol_id)
        current = [pid for pid, _ in record.crew]
        if leaving:
            crew = [pid for pid in current if pid != person_id]
            if not crew:  # the last one off: the duty is crewed again from nothing (a lead first, as on any duty)
                return []
        else:
            crew = list(dict.fromkeys([*current, person_id]))
        issues = self.check_crew(crew, record.purpose, record.start, record.end, patrol_id, roster_rules=False)
        if leaving:  # errors of the crew as a whole only: the others' own clashes are not this change's
            return [i for i in issues if i.severity == ERROR and i.person_id is None]
        return [i for i in issues if i.severity == ERROR and i.person_id in (None, person_id)]

    def crew_hints(self, person_ids: list[str], purpose: str, start: datetime, end: datetime,
                   patrol_id: str | None = None) -> dict[str, list[CrewIssue]]:
        """What stands in the way of each person joining the crew at this time (an empty list: nothing): their
        other duties and patrols and the rostering rules, checked for everyone at once. Shown beside each name
        while a patrol is planned, so no one has to tick a person to learn they are away."""
        if not person_ids:
            return {}
        hints: dict[str, list[CrewIssue]] = {pid: [] for pid in person_ids}
        # Not the duty's places: everyone at once would count as joining it together.
        for issue in self.check_crew(list(hints), purpose, start, end, patrol_id, roster_rules=True,
                                     duty_places=False):
            # The role says "community volunteer" already; crew-wide issues (no lead, skills) name no one.
            if issue.person_id in hints and issue.code != "volunteer_on_patrol":
                hints[issue.person_id].append(issue)
        return hints

    def _is_duty_of(self, duty_id: str, patrol_id: str | None) -> bool:
        return bool(patrol_id) and self.repo.duty_patrol_id(duty_id) == patrol_id

    def overrides(self, patrol_id: str) -> list[tuple[str, str, list[str]]]:
        """(person name, reason, rules) of crew places kept despite broken rostering rules, as
        RosterService.overrides gives them for a duty."""
        names = dict(self.get(patrol_id).crew)
        recorded = self.repo.overrides_by_person(patrol_id)
        return [(names.get(pid, pid), reason, rules) for pid, (reason, rules) in recorded.items()]

    def _crew_issues(self, crew: list[str], values: dict[str, object], patrol_id: str | None,
                     override_reason: str | None, honour_overrides: bool = True,
                     ) -> tuple[list[CrewIssue], dict[str, list[str]]]:
        """All the crew's issues, and person id -> rostering rules to record as overridden. Raises for errors,
        and (RuleBreachError) for broken rostering rules without a reason."""
        issues = self.check_crew(
            crew, str(values["purpose"]), times.from_storage(str(values["starts_at"])),
            times.from_storage(str(values["ends_at"])), patrol_id, roster_rules=True,
            honour_overrides=honour_overrides,
        )
        errors = [i for i in issues if i.severity == ERROR]
        if errors:
            raise ValidationError.single("crew", "; ".join(i.message for i in errors))
        broken = [i for i in issues if i.severity == OVERRIDE]
        if override_reason is None:  # a caller that does not ask for reasons: shown, not enforced
            return issues, {}
        if broken and not override_reason.strip():
            raise RuleBreachError.for_crew(broken)
        overrides: dict[str, list[str]] = defaultdict(list)
        for issue in broken:
            overrides[str(issue.person_id)].append(issue.code)
        return issues, dict(overrides)

    def _add_crew(self, patrol_id: str, crew: list[str], overrides: dict[str, list[str]],
                  override_reason: str) -> None:
        for person_id in dict.fromkeys(crew):
            self.repo.insert_crew(patrol_id, person_id, overrides.get(person_id, []), override_reason)

    def _set_crew(self, patrol_id: str, crew: list[str], overrides: dict[str, list[str]] | None = None,
                  override_reason: str = "") -> None:
        overrides = overrides or {}
        current = self.repo.crew_places(patrol_id)
        for person_id, row_id in current.items():
            if person_id not in crew:
                self.repo.remove_crew(row_id)
            elif overrides.get(person_id):
                self.repo.record_override(row_id, overrides[person_id], override_reason)
        self._add_crew(patrol_id, [pid for pid in crew if pid not in current], overrides, override_reason)
