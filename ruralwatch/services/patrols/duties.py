"""A joint-patrol duty on the roster becomes its patrol: the day, times, area, station and crew of the duty, the
crew rules checked as for any patrol, and the duty linked to it (`duties.patrol_id`).

From then on the two are one commitment: the calendar and the rostering rules see the duty, the crew log the patrol
in Team ▸ Patrols, the duty's crew changes reach the patrol until it starts (services/roster.py), the patrol's
times and crew changes reach the duty (planning.update), ending the patrol completes the duty (log.end), and the
hours count once (rostering/hours.py: the patrol's as logged once it is completed, else the duty's).

Why not a patrol for every crewed joint-patrol duty automatically: two laptops crewing the same duty offline would
each make one, and after a sync the duty could stand for only one of them (the other an orphan in everyone's
patrol list); a duty's area may still be blank when it is crewed, and auto-fill crews a month of duties in one
step. So it is one deliberate action, open to whoever plans patrols and to a crew member of the duty itself
(`patrol.from_own_duty`), so a Special rostered on it is never left with nothing to start.
"""

from __future__ import annotations

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolInput, PatrolRecord, validate_patrol
from ruralwatch.core.patrol_plan import settings_to_json, stops_to_json
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.people import DutyRecord
from ruralwatch.core.vocab import DUTY_KIND_NAMES
from ruralwatch.patrols.crew import OVERRIDE, CrewIssue
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols.planning import PatrolPlanning
from ruralwatch.services.roster import TOPIC as DUTIES_TOPIC

JOINT_PATROL = "joint_patrol"  # the duty kind that stands for a patrol


class PatrolFromDuty(PatrolPlanning):
    def may_plan_from(self, duty: DutyRecord) -> bool:
        """Whether the signed-in account may turn this duty into its patrol: a planner, or one of its crew."""
        actor = self.store.actor
        if actor.can("patrol.plan"):
            return True
        return actor.can("patrol.from_own_duty") and any(pid == actor.person_id for pid, _ in duty.crew)

    def patrol_of_duty(self, duty_id: str) -> PatrolRecord | None:
        """The live patrol a duty stands for, or None (none yet, or it was deleted)."""
        duty = self.roster.duty(duty_id)
        return self.repo.find(duty.patrol_id) if duty.patrol_id else None

    def plan_from_duty(self, duty_id: str, purpose: str = "general_rural_patrol",
                       override_reason: str = "") -> tuple[PatrolRecord, list[CrewIssue]]:
        """Record the patrol a joint-patrol duty stands for and link the duty to it, in one transaction.

        Crew errors refuse it with the messages of `create`. A crew member who breaks a rostering rule needs a
        reason, as in `create`, unless their place on the duty was already given one (it is recorded with their
        crew place too). A duty whose patrol was cancelled or deleted may be planned again.
        """
        duty = self.roster.duty(duty_id)
        if not self.may_plan_from(duty):
            self.store.actor.require("patrol.plan")  # the usual refusal, naming the role
        if duty.kind != JOINT_PATROL:
            raise ValidationError.single("duty", f"only a joint-patrol duty becomes a patrol; this one is "
                                                 f"{DUTY_KIND_NAMES.get(duty.kind, duty.kind).lower()}")
        if duty.status != "planned":
            raise ValidationError.single("duty", f"the duty is {duty.status}")
        current = self.repo.find(duty.patrol_id) if duty.patrol_id else None
        if current is not None and current.status is not PatrolStatus.CANCELLED:
            raise ValidationError.single("duty", f"the duty is already planned as patrol {current.id[:8]} "
                                                 f"({current.status.text})")
        if not duty.area:
            raise ValidationError.single("area", "the duty has no area: give it its district (Edit duty…) first")
        start, end = times.to_local(duty.start), times.to_local(duty.end)
        notes = "\n".join(part for part in (f"Station: {duty.station}" if duty.station else "", duty.notes) if part)
        crew = [pid for pid, _ in duty.crew]
        values = validate_patrol(PatrolInput(
            day=start.date(), start=f"{start:%H:%M}", end=f"{end:%H:%M}", area=duty.area, purpose=purpose,
            title=duty.title, crew=crew, notes=notes))
        area = self._area(str(values["area_name"]))
        values["area_name"], values["area_kind"] = area.label, area.kind
        given = override_reason.strip()
        on_duty = self.roster.override_reasons(duty.id)
        with self.store.transaction():
            patrol_id = self.repo.insert(
                {**values, "status": PatrolStatus.PLANNED.value, "plan": stops_to_json(()),
                 "plan_settings": settings_to_json(self.default_settings()), "synthetic": 0})
            # Linked first, so the crew's place on this very duty is not "another duty at that time".
            self.roster.link_patrol(duty.id, patrol_id)
            issues, _ = self._crew_issues(crew, values, patrol_id, None)  # errors raise (and roll back)
            broken = [i for i in issues if i.severity == OVERRIDE]
            unexplained = [i for i in broken if i.person_id not in on_duty]
            if unexplained and not given:
                raise RuleBreachError.for_crew(unexplained)
            for person_id in crew:
                rules = [i.code for i in broken if i.person_id == person_id]
                self.repo.insert_crew(patrol_id, person_id, rules, given or on_duty.get(person_id, ""))
        self._publish("created", patrol_id)
        self.hub.publish(Change(DUTIES_TOPIC, "updated", (duty.id,)))
        return self.get(patrol_id), issues
