"""Hours worked, from stored rows (either engine's): the one rule the hours report, the roster and the central
export share.

A person's hours are those of every completed duty they were assigned to (the hours recorded on the assignment,
else the duty's length), and of every completed joint patrol they crewed (from when it started to when it ended,
else its planned times). Each counts in the UK local month it began.

A duty that stands for a patrol (its `patrol_id`) and that patrol are one piece of work, counted once, by one rule:
while the patrol is completed its crew's hours come from the patrol (as logged) and the duty adds nothing; otherwise
(the patrol not ended, cancelled or deleted) a completed duty counts as any duty does. Ending the patrol completes its
duty (services/patrols/log.py), so normally both are completed and the patrol's logged times are what count."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ruralwatch.core import times

JOINT_PATROL = "joint_patrol"  # the kind of the hours a patrol's crew worked


@dataclass(frozen=True)
class WorkedHours:
    person_id: str
    month: str  # YYYY-MM, UK local
    kind: str  # the duty's kind, or JOINT_PATROL
    hours: float


def _hours(start: str, end: str) -> float:
    return (times.from_storage(end) - times.from_storage(start)).total_seconds() / 3600


def worked_hours(duties: Iterable[Mapping[str, Any]], assignments: Iterable[Mapping[str, Any]],
                 patrols: Iterable[Mapping[str, Any]], crew: Iterable[Mapping[str, Any]],
                 people: Iterable[str]) -> list[WorkedHours]:
    """Every live row of `duties`, `duty_assignments`, `patrols` and `patrol_crew` (dicts by column), for the
    live `people` ids: one entry per person per completed duty or patrol."""
    known = set(people)
    completed_patrols = {p["id"]: p for p in patrols if p["status"] == "completed"}
    # A duty whose patrol is completed is counted through that patrol, never as well.
    completed_duties = {d["id"]: d for d in duties if _duty_worked(d, completed_patrols)}
    found: list[WorkedHours] = []
    for assignment in assignments:
        duty = completed_duties.get(assignment["duty_id"])
        if duty is None or assignment["person_id"] not in known:
            continue
        recorded = assignment.get("hours")
        hours = float(recorded) if recorded is not None else _hours(duty["starts_at"], duty["ends_at"])
        found.append(WorkedHours(assignment["person_id"], _month(duty["starts_at"]), duty["kind"], round(hours, 2)))
    for place in crew:
        patrol = completed_patrols.get(place["patrol_id"])
        if patrol is None or place["person_id"] not in known:
            continue
        start = patrol.get("started_at") or patrol["starts_at"]
        end = patrol.get("ended_at") or patrol["ends_at"]
        found.append(WorkedHours(place["person_id"], _month(start), JOINT_PATROL, round(_hours(start, end), 2)))
    return found


def planned_hours(duties: Iterable[Mapping[str, Any]], assignments: Iterable[Mapping[str, Any]],
                  patrols: Iterable[Mapping[str, Any]], crew: Iterable[Mapping[str, Any]],
                  people: Iterable[str]) -> list[WorkedHours]:
    """The hours still to come, by the same rows and rules as `worked_hours`: every planned duty a person is on
    (its length; not one whose patrol is open) and every open joint patrol they crew (planned, briefed or running:
    its planned times), except one whose duty already counts as worked (marked completed). A coordinator who has
    just filled a month sees who it puts above or below commitment before any of it is done; completed duties then
    move to the hours given."""
    known = set(people)
    duties = list(duties)
    patrols = list(patrols)
    completed_patrols = {p["id"] for p in patrols if p["status"] == "completed"}
    # A patrol whose duty counts as worked (marked completed, the patrol not ended) is that work, not still to come.
    worked_through_duty = {d.get("patrol_id") for d in duties if _duty_worked(d, completed_patrols)}
    open_patrols = {p["id"]: p for p in patrols if p["status"] in ("planned", "briefed", "in_progress")
                    and p["id"] not in worked_through_duty}
    # A duty whose patrol is open is counted through that patrol; one whose patrol was cancelled or deleted (the
    # duty stays planned, to be planned again) counts as any duty, as in `worked_hours`.
    open_duties = {d["id"]: d for d in duties
                   if d["status"] == "planned" and d.get("patrol_id") not in open_patrols}
    found: list[WorkedHours] = []
    for assignment in assignments:
        duty = open_duties.get(assignment["duty_id"])
        if duty is not None and assignment["person_id"] in known:
            found.append(WorkedHours(assignment["person_id"], _month(duty["starts_at"]), duty["kind"],
                                     round(_hours(duty["starts_at"], duty["ends_at"]), 2)))
    for place in crew:
        patrol = open_patrols.get(place["patrol_id"])
        if patrol is not None and place["person_id"] in known:
            found.append(WorkedHours(place["person_id"], _month(patrol["starts_at"]), JOINT_PATROL,
                                     round(_hours(patrol["starts_at"], patrol["ends_at"]), 2)))
    return found


def counted_hours(duty: Mapping[str, Any], patrol: Mapping[str, Any] | None) -> tuple[float, bool]:
    """The hours a duty counts for its crew (an assignment's own recorded hours aside), by the rule above, and
    whether they are logged: through its patrol while that is open (planned times) or completed (logged times,
    else planned), unless the duty already counts as worked on its own; otherwise the duty's length."""
    live = patrol is not None and patrol["status"] in ("planned", "briefed", "in_progress", "completed")
    if patrol is None or not live or (patrol["status"] != "completed" and duty["status"] == "completed"):
        return round(_hours(duty["starts_at"], duty["ends_at"]), 2), False
    if patrol["status"] != "completed":
        return round(_hours(patrol["starts_at"], patrol["ends_at"]), 2), False
    start, end = patrol.get("started_at"), patrol.get("ended_at")
    return (round(_hours(start or patrol["starts_at"], end or patrol["ends_at"]), 2),
            bool(start and end))


def _duty_worked(duty: Mapping[str, Any], completed_patrols: Container[str | None]) -> bool:
    """The one rule for a duty and its patrol: a completed duty counts as worked unless its patrol is completed
    (then the patrol's logged hours count instead)."""
    return duty["status"] == "completed" and duty.get("patrol_id") not in completed_patrols


def _month(stored: str) -> str:
    return times.to_local(times.from_storage(stored)).strftime("%Y-%m")


def commitment_months(added: Mapping[str, str], worked: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Per person (`added`: id -> stored time the person was added), the first month (YYYY-MM, UK) their monthly
    commitment applies: the month they were added, or an earlier month they already gave hours in (duties recorded
    afterwards). `worked` is (person id, month) pairs. A month before it is not theirs to be judged on."""
    first = {person_id: times.to_local(times.from_storage(stored)).strftime("%Y-%m")
             for person_id, stored in added.items()}
    for person_id, month in worked:
        if person_id in first and month < first[person_id]:
            first[person_id] = month
    return first
