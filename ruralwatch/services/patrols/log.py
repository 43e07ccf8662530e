"""The patrol log: start, events as they happen, end.

Each logged event is its own transaction, written the moment it is logged (the store runs with
synchronous=FULL), so a laptop that dies mid-patrol keeps every event logged before it died.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

from ruralwatch.core import times
from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.patrol import LoggedEvent, PatrolEventInput, PatrolRecord, validate_event
from ruralwatch.core.patrol_plan import PlanStop
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vrm import normalise_vrm
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols.base import metres
from ruralwatch.services.patrols.places import PatrolPlaces
from ruralwatch.services.policies import DOSE_RADIUS_M
from ruralwatch.services.roster import TOPIC as DUTIES_TOPIC

BOOKENDS = ("patrol_started", "patrol_ended")  # written by start and end, never logged by hand
# A start or end typed afterwards must lie this close to the planned window: a wrong day (the usual slip when
# logging the next morning) is refused instead of giving the crew a day's hours or none.
PLANNED_SPAN = timedelta(hours=12)


class PatrolLog(PatrolPlaces):
    def start(self, patrol_id: str, at: datetime | str | None = None) -> PatrolRecord:
        """Start now, or at `at` (a datetime, or text 'YYYY-MM-DD HH:MM' in UK local time) when logged afterwards."""
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if not patrol.status.can_start:
            raise ValidationError.single("status", f"the patrol is {patrol.status.text}")
        moment = self._bookend_time(patrol, at)
        return self._bookend(patrol_id, PatrolStatus.IN_PROGRESS, "started_at", "patrol_started", moment)

    def end(self, patrol_id: str, at: datetime | str | None = None) -> PatrolRecord:
        """End now, or at `at`; after the start and after every event logged on it."""
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if not patrol.status.can_end:
            raise ValidationError.single("status", "the patrol has not started")
        moment = self._bookend_time(patrol, at)
        stamped = times.to_storage(moment)
        # The same second is allowed for "now" only (a start and end pressed at once); a typed end must be later.
        if patrol.started_at and (stamped < patrol.started_at or (at is not None and stamped == patrol.started_at)):
            raise ValidationError.single("at", f"the end ({times.format_local(stamped)}) must be after the start "
                                               f"({times.format_local(patrol.started_at)})")
        last = max((e.at for e in self.repo.events_of(patrol_id)), default=None)
        if last and stamped < last:
            raise ValidationError.single("at", f"the end ({times.format_local(stamped)}) is before the last event "
                                               f"logged ({times.format_local(last)})")
        return self._bookend(patrol_id, PatrolStatus.COMPLETED, "ended_at", "patrol_ended", moment)

    def _bookend_time(self, patrol: PatrolRecord, at: datetime | str | None) -> datetime:
        """Now, or the time given: not in the future and within PLANNED_SPAN of the planned window."""
        now = self._now()
        if at is None:
            return now
        moment = times.parse_moment(at, "at")
        times.check_not_future(moment, "at", now)
        if not patrol.start - PLANNED_SPAN <= moment <= patrol.end + PLANNED_SPAN:
            hours = int(PLANNED_SPAN.total_seconds() // 3600)
            planned = (f"{times.format_local(times.to_storage(patrol.start))}–"
                       f"{times.format_local(times.to_storage(patrol.end))[11:]}")
            raise ValidationError.single("at", f"{times.format_local(times.to_storage(moment))} is more than {hours} "
                                               f"hours from the planned {planned}: check the date")
        return moment

    def _bookend(self, patrol_id: str, status: PatrolStatus, column: str, kind: str,
                 at: datetime) -> PatrolRecord:
        moment = times.to_storage(at)
        duty_id = None
        with self.store.transaction():
            self.repo.update(patrol_id, {"status": status.value, column: moment})
            self.repo.insert_event({"patrol_id": patrol_id, "kind": kind, "at": moment, "detail": "",
                                    "vrm_flagged": 0})
            if status is PatrolStatus.COMPLETED:  # the roster duty it stands for took place (its hours: the patrol's)
                duty_id = self.roster.follow_patrol(patrol_id, {"status": "completed"})
        self._publish("updated", patrol_id)
        if duty_id:
            self.hub.publish(Change(DUTIES_TOPIC, "updated", (duty_id,)))
        return self.get(patrol_id)

    def log(self, patrol_id: str, inp: PatrolEventInput) -> LoggedEvent:
        """Write one event at once. A stop-check VRM is looked up against vehicles of interest and flagged."""
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if not patrol.status.can_log:
            raise ValidationError.single("status", "start the patrol before logging events")
        if inp.kind in BOOKENDS:
            raise ValidationError.single("kind", "use start and end for that")
        now = self._now()
        if inp.stop_key.strip().isdigit():  # the stop's number on the plan, as the briefing and `show` print it
            seq = int(inp.stop_key)
            numbered = patrol.stop_numbered(seq)
            if numbered is None:
                raise ValidationError.single("stop", f"the plan has no stop {seq} (it has 1 to {len(patrol.stops)})")
            inp = replace(inp, stop_key=numbered.key)
        values = validate_event(inp, now)
        if values["kind"] == "arrived_stop" and not values["stop_key"]:  # pressing Arrived says a stop was reached
            lat, lon = values["lat"], values["lon"]
            values["stop_key"] = self._arrived_where(
                patrol, lat if isinstance(lat, float) else None, lon if isinstance(lon, float) else None)
        stop = patrol.stop_keyed(str(values["stop_key"])) if values["stop_key"] else None
        if values["stop_key"] and stop is None:
            raise ValidationError.single("stop", "that stop is not on the plan")
        if patrol.started_at and str(values["at"]) < patrol.started_at:
            raise ValidationError.single("at", f"that is before the patrol started "
                                               f"({times.format_local(patrol.started_at)})")
        if values["lat"] is None and stop is not None:
            values["lat"], values["lon"] = stop.lat, stop.lon
        flagged = False
        if values["vrm"]:
            interest = {normalise_vrm(v.vrm) for v in self.vehicles_of_interest(now)}
            flagged = normalise_vrm(str(values["vrm"])) in interest
        with self.store.transaction():
            # Who logged it: the officer who logged an event may correct it later (services/patrols/corrections).
            event_id = self.repo.insert_event({"patrol_id": patrol_id, **values, "vrm_flagged": int(flagged),
                                               "logged_by": self.store.actor.username,
                                               "logged_by_person": self.store.actor.person_id})
        self._publish("updated", patrol_id)
        return self.event(event_id)

    def next_stop_to_arrive(self, patrol_id: str) -> PlanStop:
        """The first stop of the plan (plan order) not yet arrived at: where "Arrived" with no stop named goes, as
        pressing Arrived is itself the crew saying they reached a stop. Refused once every stop has been."""
        patrol = self.get(patrol_id)
        arrived = {e.stop_key for e in self.repo.events_of(patrol.id) if e.kind == "arrived_stop" and e.stop_key}
        if not patrol.stops:
            raise ValidationError.single("stop", "the plan has no stops to arrive at")
        stop = next((s for s in sorted(patrol.stops, key=lambda s: s.seq) if s.key not in arrived), None)
        if stop is None:
            raise ValidationError.single("stop", f"all {len(patrol.stops)} planned stops have been arrived at: "
                                                 "choose the stop to arrive at it again")
        return stop

    def _arrived_where(self, patrol: PatrolRecord, lat: float | None, lon: float | None) -> str:
        """The stop an "Arrived" with no stop named is credited to: with a position given, the stop within its dose
        radius (never one the crew is not at); without, the next stop of the plan not yet arrived at."""
        if lat is None or lon is None:
            return self.next_stop_to_arrive(patrol.id).key
        found = self.stop_at_position(patrol.id, lat, lon)
        if found is None:
            raise ValidationError.single("stop", f"no planned stop within {self.dose_radius_m():.0f} m of that "
                                                 "place: name the stop")
        return str(found)

    def dose_radius_m(self) -> float:
        """Metres around a stop within which the track counts as being at it (a per-laptop policy)."""
        return DOSE_RADIUS_M.read(self.store)

    def stop_at_position(self, patrol_id: str, lat: float, lon: float, held: str | None = None) -> str | None:
        """The planned stop an event logged at a live position belongs to: `held` (the stop the officer chose or
        logged arriving at) while the position is within twice the dose radius of it (a receiver's drift, the far
        side of a farmyard), else the nearest stop whose dose radius the position is within, else None. An event
        is never credited to a stop the crew is not at: it would count the stop visited in the dose."""
        patrol = self.get(patrol_id)
        radius = self.dose_radius_m()
        apart = {s.key: metres(lat, lon, s.lat, s.lon) for s in patrol.stops}
        if held is not None and apart.get(held, math.inf) <= 2 * radius:
            return held
        near = [(distance, key) for key, distance in apart.items() if distance <= radius]
        return min(near)[1] if near else None

    def link_incident(self, event_id: str, incident_id: str) -> None:
        """Link the incident recorded from a "new incident" event to that event."""
        self.store.actor.require("patrol.log")
        with self.store.transaction():
            patrol_id = self.repo.link_event(event_id, incident_id)
        self._publish("updated", patrol_id)

    def event(self, event_id: str) -> LoggedEvent:
        found = self.repo.event(event_id)
        if found is None:
            raise NotFoundError(f"no patrol event {event_id}")
        return self._event_visible(found)

    def log_of(self, patrol_id: str, withdrawn: bool = False) -> list[LoggedEvent]:
        """The events that count, in time order; with `withdrawn`, also those withdrawn as logged by mistake (the
        log as shown: a withdrawn event stays in the record with its reason)."""
        return [self._event_visible(e) for e in self.repo.events_of(patrol_id, withdrawn)]

    def _event_visible(self, event: LoggedEvent) -> LoggedEvent:
        """A stop-checked registration only for roles that may see registrations."""
        if event.vrm and not self.store.actor.can("vehicles.view"):
            return replace(event, vrm="")
        return event
