"""Recording a patrol and planning its route: create, update, cancel, delete; suggest and edit the plan; the
laptop's planning defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.patrol import PatrolInput, PatrolRecord, patrol_window, validate_patrol
from ruralwatch.core.patrol_plan import (
    PlanSettings,
    settings_to_json,
    stops_to_json,
)
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.patrols.crew import CrewIssue
from ruralwatch.patrols.plan import Candidate, Plan, replan, suggest_plan
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols.crew import PatrolCrew
from ruralwatch.services.patrols.places import PatrolPlaces, exclude_types_of, types_note
from ruralwatch.services.policies import PLAN_DEFAULTS, PendingPolicies, write_pending
from ruralwatch.services.roster import TOPIC as DUTIES_TOPIC


class PatrolPlanning(PatrolCrew, PatrolPlaces):
    # --- the patrol -------------------------------------------------------------------------------------------

    def create(self, inp: PatrolInput, synthetic: bool = False,
               override_reason: str | None = None) -> tuple[PatrolRecord, list[CrewIssue]]:
        """Record a planned patrol. Crew errors refuse it. Broken rostering rules (``override`` issues) refuse it
        too unless `override_reason` is given, which is then recorded with each crew place concerned. Every issue
        not refused is returned to show.

        `override_reason` None is for callers written before the rostering rules applied to crews: the
        ``override`` issues are returned with the warnings and nothing is refused or recorded.
        """
        self.store.actor.require("patrol.plan")
        values = validate_patrol(inp)
        area = self._area(str(values["area_name"]))
        values["area_name"] = area.label
        values["area_kind"] = area.kind
        issues, overrides = self._crew_issues(inp.crew, values, None, override_reason)
        with self.store.transaction():
            patrol_id = self.repo.insert(
                {**values, "status": PatrolStatus.PLANNED.value, "plan": stops_to_json(()),
                 "plan_settings": settings_to_json(self.default_settings()), "synthetic": int(synthetic)}
            )
            self._add_crew(patrol_id, inp.crew, overrides, override_reason or "")
        self._publish("created", patrol_id)
        return self.get(patrol_id), issues

    def update(self, patrol_id: str, inp: PatrolInput,
               override_reason: str | None = None) -> tuple[PatrolRecord, list[CrewIssue]]:
        """As `create`; crew members whose override is already recorded are not asked for a reason again."""
        self.store.actor.require("patrol.plan")
        current = self.get(patrol_id)
        if current.status.is_final:
            raise ValidationError.single("status", f"the patrol is {current.status.text}")
        values = validate_patrol(inp)
        area = self._area(str(values["area_name"]))
        values["area_name"], values["area_kind"] = area.label, area.kind
        moved = (values["starts_at"], values["ends_at"]) != (times.to_storage(current.start),
                                                             times.to_storage(current.end))
        issues, overrides = self._crew_issues(inp.crew, values, patrol_id, override_reason, not moved)
        with self.store.transaction():
            self.repo.update(patrol_id, values)
            if moved:  # overrides given for the old time no longer stand
                self.repo.clear_overrides(patrol_id)
            self._set_crew(patrol_id, inp.crew, overrides, override_reason or "")
            # The roster duty this patrol stands for keeps its time and crew: one commitment, not two.
            duty_id = self.roster.follow_patrol(patrol_id, values, list(dict.fromkeys(inp.crew)), overrides,
                                                override_reason or "")
        self._publish("updated", patrol_id)
        if duty_id:
            self.hub.publish(Change(DUTIES_TOPIC, "updated", (duty_id,)))
        return self.get(patrol_id), issues

    def cancel(self, patrol_id: str) -> PatrolRecord:
        self.store.actor.require("patrol.plan")
        current = self.get(patrol_id)
        if not current.status.can_cancel:
            raise ValidationError.single("status", f"the patrol is {current.status.text}")
        return self._set(patrol_id, {"status": PatrolStatus.CANCELLED.value})

    def delete(self, patrol_id: str) -> None:
        self.store.actor.require("patrol.plan")
        self.get(patrol_id)
        with self.store.transaction():
            self.repo.tombstone(patrol_id)
        self._publish("deleted", patrol_id)

    # --- planning defaults ----------------------------------------------------------------------------------

    def default_settings(self) -> PlanSettings:
        """This laptop's planning defaults (Settings): dwell, road factor and speed for new plans."""
        return PLAN_DEFAULTS.read(self.store)

    def set_default_settings(self, dwell_minutes: float, road_factor: float, speed_kmh: float) -> PlanSettings:
        change = self.default_settings_change(dwell_minutes, road_factor, speed_kmh)
        write_pending(self.store, [change])
        return change.values[0][1]

    def default_settings_change(self, dwell_minutes: float, road_factor: float,
                                speed_kmh: float) -> PendingPolicies:
        """The planning defaults checked (every one: Settings marks each refused box), not yet written."""
        self.store.actor.require("patrol.plan")
        errors: list[FieldError] = []
        if not 5 <= dwell_minutes <= 60:
            errors.append(FieldError("dwell_minutes", "a stop's dwell is 5 to 60 minutes (Koper: 10-15)"))
        if not 1.0 <= road_factor <= 3.0:
            errors.append(FieldError("road_factor", "the road factor is 1.0 to 3.0"))
        if not 10 <= speed_kmh <= 110:
            errors.append(FieldError("speed_kmh", "the average speed is 10 to 110 km/h"))
        if errors:
            raise ValidationError(errors)
        chosen = replace(self.default_settings(), dwell_minutes=float(dwell_minutes), road_factor=float(road_factor),
                         speed_kmh=float(speed_kmh))
        return PendingPolicies(((PLAN_DEFAULTS, chosen),))

    # --- the plan -------------------------------------------------------------------------------------------

    def suggest(self, area_name: str, start: datetime, end: datetime, purpose: str = "general_rural_patrol",
                settings: PlanSettings | None = None, base: tuple[float, float] | None = None) -> Plan:
        """The best plan for the window from the harm of `settings.harm_source` (PLAN_SOURCES); the plan says
        which crimes it used and, for published crime, how far to trust its places and months. Nothing is saved:
        a preview (patrol.preview); saving it is patrol.plan's."""
        self.store.actor.require("patrol.preview")
        settings = settings or self.default_settings()
        exclude = exclude_types_of(settings.exclude_types)
        settings = replace(settings, exclude_types=exclude)
        source = self.plan_source(area_name, start, settings.harm_source, purpose)
        candidates = self._candidates(area_name, start, purpose, settings.max_candidates, source, exclude)
        plan = suggest_plan(candidates, start, end, settings, base, self.roads.router())
        # The note is saved with the plan: the window, `patrol show` and the briefing say the plan was filtered.
        return replace(plan, source=source.used, source_note=source.note + types_note(exclude, source.used),
                       months=source.split)

    def plan_for_window(self, area_name: str, day: str, start: str, end: str,
                        purpose: str = "general_rural_patrol", settings: PlanSettings | None = None) -> Plan:
        begin, finish = patrol_window(day, start, end)
        return self.suggest(area_name, begin, finish, purpose, settings)

    def suggest_for(self, patrol_id: str, settings: PlanSettings | None = None) -> Plan:
        """A suggested plan for a recorded patrol and save it."""
        self.store.actor.require("patrol.plan")
        patrol = self.get(patrol_id)
        settings = settings or patrol.settings
        settings = replace(settings, exclude_types=exclude_types_of(settings.exclude_types))  # kept as keys
        plan = self.suggest(patrol.area, patrol.start, patrol.end, patrol.purpose, settings, patrol.base)
        self.save_plan(patrol_id, plan, settings)
        return plan

    def edit_plan(self, patrol_id: str, stops_in_order: list[Candidate], settings: PlanSettings | None = None) -> Plan:
        """Keep the user's order (after reordering, adding or dropping stops); recompute the times."""
        self.store.actor.require("patrol.plan")
        patrol = self.get(patrol_id)
        settings = settings or patrol.settings
        # The stops still come from what the last suggestion used, whatever settings a caller passes.
        kept = patrol.settings
        used = settings.planned_from or kept.planned_from
        settings = replace(settings, planned_from=used, planned_months=settings.planned_months or (
            kept.planned_months if used == kept.planned_from else None))
        plan = replan(stops_in_order, patrol.start, patrol.end, settings, patrol.base, self.roads.router())
        self.save_plan(patrol_id, plan, settings)  # no source: the saved note stays the suggestion's
        if settings.planned_from:  # and the edited plan still says what its stops came from
            plan = replace(plan, source=settings.planned_from, source_note=self.saved_note(patrol),
                           months=settings.planned_months)
        return plan

    def save_plan(self, patrol_id: str, plan: Plan, settings: PlanSettings) -> None:
        """Save the stops and settings; a suggested plan's source and what it said of it are kept with them (the
        window, `patrol show` and the briefing show those words as they were, whatever data came since)."""
        self.store.actor.require("patrol.plan")
        values = {"plan": stops_to_json(plan.stops)}
        if plan.source:
            settings = replace(settings, planned_from=plan.source, planned_months=plan.months)
            values["plan_note"] = plan.source_note
        values["plan_settings"] = settings_to_json(settings)
        patrol = self.get(patrol_id)
        if not patrol.status.can_edit_plan:
            raise ValidationError.single("status", f"the patrol is {patrol.status.text}")
        with self.store.transaction():
            self.repo.update(patrol_id, values)
        self._publish("updated", patrol_id)
