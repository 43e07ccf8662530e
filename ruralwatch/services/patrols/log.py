"""The patrol log: start, events as they happen, end.

Each logged event is its own transaction, written the moment it is logged (the store runs with
synchronous=FULL), so a laptop that dies mid-patrol keeps every event logged before it died.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ruralwatch.core import times
from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.patrol import LoggedEvent, PatrolEventInput, PatrolRecord, validate_event
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vrm import normalise_vrm
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols.places import PatrolPlaces
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
            event_id = self.repo.insert_event({"patrol_id": patrol_id, **values, "vrm_flagged": int(flagged)})
        self._publish("updated", patrol_id)
        return self.event(event_id)

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

    def log_of(self, patrol_id: str) -> list[LoggedEvent]:
        return [self._event_visible(e) for e in self.repo.events_of(patrol_id)]

    def _event_visible(self, event: LoggedEvent) -> LoggedEvent:
        """A stop-checked registration only for roles that may see registrations."""
        if event.vrm and not self.store.actor.can("vehicles.view"):
            return replace(event, vrm="")
        return event
