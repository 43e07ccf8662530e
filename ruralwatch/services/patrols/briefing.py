"""The briefing pack: route, crew, recent incidents, near-repeat zones, repeat victims and premises to visit, and
vehicles of interest for a patrol, as a PDF."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vocab import PATROL_PURPOSE_NAMES, PERSON_ROLE_NAMES, SKILL_NAMES
from ruralwatch.io.briefing_data import (
    Briefing,
    BriefingIncident,
    BriefingPremisesToVisit,
    BriefingRepeatVictim,
    BriefingStop,
    BriefingZone,
    ContactPoint,
    CrewLine,
    VehicleOfInterest,
)
from ruralwatch.mapping import boundaries
from ruralwatch.patrols.plan import Plan
from ruralwatch.services.near_repeat import NearRepeatService
from ruralwatch.services.patrols.places import PatrolPlaces
from ruralwatch.services.premises import PremisesService
from ruralwatch.store.audit import record_event

BRIEFING_DAYS = 14  # the briefing lists incidents this recent
CONTACTS = (
    ContactPoint("Force control room", "999 emergency / 101 non-emergency; airwave talkgroup as briefed"),
    ContactPoint("Rural Engagement Team", "Duty sergeant via control"),
)


class PatrolBriefing(PatrolPlaces):
    def briefing(self, patrol_id: str) -> Briefing:
        patrol = self.get(patrol_id)
        area = self._area(patrol.area)
        people = {p.id: p for p in (self.people.get(pid) for pid, _ in patrol.crew)}
        recent = self._recent_incidents(area, patrol.start, BRIEFING_DAYS)
        recent.sort(key=lambda r: r["occurred_start"], reverse=True)
        timed = self.timed(patrol) if patrol.stops else None
        stops = tuple(
            BriefingStop(s.seq, s.label, s.reason, s.lat, s.lon, s.arrive, s.leave, s.dwell_minutes, s.harm)
            for s in patrol.stops
        )
        return Briefing(
            title=patrol.title, call_sign=patrol.call_sign, vehicle=patrol.vehicle,
            purpose=PATROL_PURPOSE_NAMES.get(patrol.purpose, patrol.purpose), area_name=patrol.area,
            start=patrol.start, end=patrol.end, stops=stops, start_point=patrol.base,
            area_outline=_outline(area),
            incidents=tuple(
                BriefingIncident(r["kind"], times.from_storage(r["occurred_start"]), r["place"] or "", r["lat"],
                                 r["lon"], r["description"] or "", r["crime_reference"] or "")
                for r in recent
            ),
            vehicles=tuple(_for_briefing(self.vehicles_of_interest(patrol.start))),
            crew=tuple(
                CrewLine(p.name, PERSON_ROLE_NAMES.get(p.role, p.role), p.collar_number,
                         tuple(SKILL_NAMES.get(s, s) for s in p.skills), p.phone)
                for p in people.values()
            ),
            contacts=CONTACTS,
            # As the Plan tab shows it: the saved order retimed, so it includes the drive back to base.
            travel_minutes=timed.travel_minutes if timed else 0.0,
            travel_basis=timed.basis if timed else "",
            route_path=timed.route_path if timed else (),
            dwell_minutes=sum(s.dwell_minutes for s in patrol.stops),
            generated_at=self._now(), notes=patrol.notes, context=self.analysis.geography.current().areas,
            zones=self._near_repeat_zones(area, patrol.start),
            repeat_victims=self._repeat_victims(area, patrol.start),
            premises_to_visit=self._premises_to_visit(area, patrol.start),
            repeat_window_days=PremisesService(self.store, clock=self._now).repeat_window(),
            plan_source=timed.source_note if timed else "",
        )

    def _can_see_premises(self) -> bool:
        return self.store.actor.can("premises.view") and self.store.actor.can("incident.view")

    def _repeat_victims(self, area: boundaries.Area, at: datetime) -> tuple[BriefingRepeatVictim, ...]:
        """Registered premises inside the area victimised within the repeat window before the patrol starts."""
        if not self._can_see_premises():
            return ()
        return tuple(
            BriefingRepeatVictim(v.name, v.kind_name, v.grid_ref, tuple(v.scheme_names), v.incidents,
                                 times.from_storage(v.latest), v.lat, v.lon)
            for v in PremisesService(self.store, clock=self._now).recent_victims(at)
            if boundaries.contains(area, v.lat, v.lon))

    def _premises_to_visit(self, area: boundaries.Area, at: datetime) -> tuple[BriefingPremisesToVisit, ...]:
        """Registered premises inside the area and inside a near-repeat zone live when the patrol starts."""
        if not self._can_see_premises():
            return ()
        return tuple(
            BriefingPremisesToVisit(v.name, v.kind_name, v.grid_ref, tuple(v.scheme_names), v.incident_kind,
                                    times.from_storage(v.occurred_start), v.distance_m, v.last_visit, v.repeat,
                                    v.lat, v.lon)
            for v in PremisesService(self.store, clock=self._now).to_visit(at)
            if boundaries.contains(area, v.lat, v.lon))

    def _near_repeat_zones(self, area: boundaries.Area, at: datetime) -> tuple[BriefingZone, ...]:
        """Near-repeat risk zones live when the patrol starts, round incidents inside its area."""
        zones = NearRepeatService(self.store, clock=self._now).active_zones(at)
        return tuple(
            BriefingZone(z.kind, z.place, z.lat, z.lon, z.radius_m, times.from_storage(z.occurred_start),
                         times.from_storage(z.until), len(z.earlier))
            for z in zones if boundaries.contains(area, z.lat, z.lon))

    def preview_briefing(self, area_name: str, plan: Plan, purpose: str = "general_rural_patrol") -> Briefing:
        """A plan pack: a previewed plan (nothing saved) as a briefing for the officer who will plan and crew it.
        No crew, call sign or vehicle; the area's recent incidents, zones and vehicles as the viewer may see them."""
        self.store.actor.require("patrol.preview")
        area = self._area(area_name)
        recent = self._recent_incidents(area, plan.start, BRIEFING_DAYS)
        recent.sort(key=lambda r: r["occurred_start"], reverse=True)
        return Briefing(
            title=f"Plan preview: {area.label} (not a recorded patrol)", call_sign="", vehicle="",
            purpose=PATROL_PURPOSE_NAMES.get(purpose, purpose), area_name=area.label, start=plan.start,
            end=plan.end,
            stops=tuple(BriefingStop(s.seq, s.label, s.reason, s.lat, s.lon, s.arrive, s.leave, s.dwell_minutes,
                                     s.harm) for s in plan.stops),
            start_point=plan.start_point, area_outline=_outline(area),
            incidents=tuple(
                BriefingIncident(r["kind"], times.from_storage(r["occurred_start"]), r["place"] or "", r["lat"],
                                 r["lon"], r["description"] or "", r["crime_reference"] or "")
                for r in recent
            ),
            vehicles=tuple(_for_briefing(self.vehicles_of_interest(plan.start))), crew=(), contacts=CONTACTS,
            travel_minutes=plan.travel_minutes, travel_basis=plan.basis, route_path=plan.route_path,
            dwell_minutes=plan.dwell_minutes, generated_at=self._now(),
            notes=(f"Suggested by {self.store.actor.username} from crime harm. Nothing is saved: an officer who "
                   "plans patrols records it (New patrol), chooses the crew and writes the briefing."),
            context=self.analysis.geography.current().areas, zones=self._near_repeat_zones(area, plan.start),
            repeat_victims=self._repeat_victims(area, plan.start),
            premises_to_visit=self._premises_to_visit(area, plan.start),
            repeat_window_days=PremisesService(self.store, clock=self._now).repeat_window(),
            plan_source=plan.source_note,
        )

    def write_plan_pack(self, area_name: str, plan: Plan, path: Path, purpose: str = "general_rural_patrol") -> Path:
        """Write a previewed plan as a plan pack PDF (`preview_briefing`); nothing about patrols changes."""
        from ruralwatch.io.briefing import write_briefing_pdf  # reportlab: only when a pack is written

        if not plan.stops:
            raise ValidationError.single("area", "the plan has no stops: there is nothing to put in a pack")
        briefing = self.preview_briefing(area_name, plan, purpose)
        write_briefing_pdf(briefing, path)
        with self.store.transaction():
            record_event(self.store, "export", "patrols", None,
                         {"plan_pack": str(path), "area": briefing.area_name, "start": times.to_storage(plan.start),
                          "stops": len(plan.stops)})
        return path

    def brief(self, patrol_id: str, path: Path) -> Path:
        """Write the briefing pack PDF; a planned patrol becomes briefed."""
        self.store.actor.require("patrol.plan")
        from ruralwatch.io.briefing import write_briefing_pdf  # reportlab: only when a pack is written

        briefing = self.briefing(patrol_id)
        write_briefing_pdf(briefing, path)
        with self.store.transaction():
            record_event(self.store, "export", "patrols", patrol_id, {"briefing": str(path)})
        patrol = self.get(patrol_id)
        if patrol.status is PatrolStatus.PLANNED:
            self._set(patrol_id, {"status": PatrolStatus.BRIEFED.value,
                                  "briefed_at": times.to_storage(self._now())})
        return path


def _outline(area: boundaries.Area) -> tuple[tuple[tuple[float, float], ...], ...]:
    geometry = area.geometry
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return tuple(tuple((lat, lon) for lon, lat in polygon[0]) for polygon in polygons)


# A whole force hotlist would bury the vehicles the team itself has seen: a briefing lists every vehicle seen on
# the team's reports (on a list or not) and the most recently listed of the rest. A stop-check matches every list.
BRIEFING_LISTED_ONLY = 20


def _for_briefing(vehicles: list[VehicleOfInterest]) -> list[VehicleOfInterest]:
    seen = [v for v in vehicles if v.times_seen]
    return seen + [v for v in vehicles if not v.times_seen][:BRIEFING_LISTED_ONLY]
