"""Putting a patrol's log right: correct a logged event's planned stop, time or note, withdraw it as logged by
mistake or restore one withdrawn by mistake; and correct a finished patrol's own start and end times.

Nothing is deleted: a correction is an edit of the event's syncable row (so it travels and merges field by field
like any edit) whose audit entry carries who changed what and why; a withdrawn event stays in the log, shown with
its reason, and no longer counts (the dose, the after-action summary and exports read the log without it).

Who may: the officer who logged it; the patrol's crew while the patrol runs; and, at any time, the roles the
catalogue gives `patrol.correct_log` (ruralwatch.core.permissions). Once the patrol has ended a correction or a
restoration needs a reason; a withdrawal always does. A finished patrol's start and end (an End pressed back at the
station: its crew's hours and the dose read them) are corrected by its crew or those roles, with a reason, and only
so that every event that counts stays within them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, NotFoundError, ValidationError
from ruralwatch.core.patrol import RESTORED, LoggedEvent, PatrolRecord
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES, PermissionDeniedError, who_may
from ruralwatch.core.vocab import PATROL_EVENT_NAMES
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols.log import BOOKENDS, PLANNED_SPAN, PatrolLog
from ruralwatch.services.roster import TOPIC as DUTIES_TOPIC

REASON_MAX = 500  # a sentence or two: the audit entry and the log's tooltip carry it whole
NOTE_MAX = 2000


@dataclass(frozen=True)
class EventCorrection:
    """What to change on a logged event; None keeps it as logged.

    `stop`: "" for no planned stop, the stop's number on the plan (as the briefing and `patrol show` print it) or
    its key. `at`: a datetime or 'YYYY-MM-DD HH:MM' (UK local). `note`: the event's detail."""

    stop: str | None = None
    at: datetime | str | None = None
    note: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class PatrolTimesCorrection:
    """A finished patrol's start and end as they really were; None keeps it. A datetime or 'YYYY-MM-DD HH:MM'
    (UK local)."""

    started: datetime | str | None = None
    ended: datetime | str | None = None
    reason: str = ""


class PatrolLogCorrections(PatrolLog):
    def correction_refusal(self, event_id: str) -> str | None:
        """Why the signed-in account may not correct or withdraw this event (None: it may). The window greys its
        buttons with this; correct_event and withdraw_event raise it."""
        try:
            self._correctable(event_id)
        except (PermissionDeniedError, ValidationError) as exc:
            return str(exc) if isinstance(exc, PermissionDeniedError) else exc.errors[0].message
        return None

    def correct_event(self, event_id: str, change: EventCorrection) -> LoggedEvent:
        """Correct a logged event's planned stop, time and note. Refused (nothing changed) when the account may
        not, the event was withdrawn, the time is outside the patrol or in the future, the stop is not on the
        plan, the patrol has ended and no reason is given, or nothing would change."""
        event, patrol = self._correctable(event_id)
        errors: list[FieldError] = []
        reason = _reason(change.reason, errors)
        values: dict[str, Any] = {}
        if change.stop is not None:
            try:
                values |= self._stop_values(patrol, event, change.stop)
            except ValidationError as exc:
                errors.extend(exc.errors)
        if change.at is not None:
            try:
                values["at"] = self._time_within(patrol, change.at)
            except ValidationError as exc:
                errors.extend(exc.errors)
        if change.note is not None:
            note = change.note.strip()
            if len(note) > NOTE_MAX:
                errors.append(FieldError("note", f"keep the note under {NOTE_MAX} characters"))
            _refuse_control(note, "note", errors)
            values["detail"] = note
        if not errors and patrol.status.is_final and not reason:
            ended = f" at {times.format_local(patrol.ended_at)}" if patrol.ended_at else ""
            errors.append(FieldError("reason", f"the patrol ended{ended}: say why the event is corrected"))
        if errors:
            raise ValidationError(errors)
        current = {"stop_key": event.stop_key, "at": event.at, "lat": event.lat, "lon": event.lon,
                   "detail": event.detail}
        if all(current[k] == v for k, v in values.items()):
            raise ValidationError.single("event", "that changes nothing: the event already says so")
        values |= {"corrected_at": times.to_storage(self._now()), "corrected_by": self.store.actor.username,
                   "correction_reason": reason or None}
        with self.store.transaction():
            self.repo.update_event(event.id, values, reason or None)
        self._publish("updated", patrol.id)
        return self.event(event.id)

    def withdraw_event(self, event_id: str, reason: str) -> LoggedEvent:
        """Withdraw an event logged by mistake: kept in the log as withdrawn with the reason (required), counted
        nowhere. Refused as correct_event is."""
        event, patrol = self._correctable(event_id)
        errors: list[FieldError] = []
        said = _reason(reason, errors, any_head=True)
        if not errors and not said:
            errors.append(FieldError("reason", "say why the event is withdrawn (it stays in the log with the reason)"))
        if errors:
            raise ValidationError(errors)
        values = {"withdrawn_at": times.to_storage(self._now()), "withdrawn_by": self.store.actor.username,
                  "withdrawn_reason": said}
        with self.store.transaction():
            self.repo.update_event(event.id, values, said)
        self._publish("updated", patrol.id)
        return self.event(event.id)

    def restore_refusal(self, event_id: str) -> str | None:
        """Why the signed-in account may not restore this event (None: it may): the window's Restore button."""
        try:
            self._correctable(event_id, restoring=True)
        except (PermissionDeniedError, ValidationError) as exc:
            return str(exc) if isinstance(exc, PermissionDeniedError) else exc.errors[0].message
        return None

    def restore_event(self, event_id: str, reason: str = "") -> LoggedEvent:
        """Restore an event withdrawn by mistake: it counts again (dose, after-action, exports). Who may is who may
        withdraw it; once the patrol has ended a reason is required. The withdrawal is cleared from the row (the
        audit log keeps it) and the restoration kept as the event's latest correction, so it syncs and merges as
        any edit."""
        event, patrol = self._correctable(event_id, restoring=True)
        errors: list[FieldError] = []
        said = _reason(reason, errors, any_head=True)
        if not errors and patrol.status.is_final and not said:
            ended = f" at {times.format_local(patrol.ended_at)}" if patrol.ended_at else ""
            errors.append(FieldError("reason", f"the patrol ended{ended}: say why the event is restored"))
        if not errors and (patrol.started_at and event.at < patrol.started_at
                           or patrol.ended_at and event.at > patrol.ended_at):
            # The patrol's times were corrected since it was withdrawn: it would count outside the patrol.
            errors.append(FieldError("event", f"it is at {times.format_local(event.at)}, outside the patrol "
                                              f"({_span(patrol)}): correct the patrol's times first"))
        if errors:
            raise ValidationError(errors)
        values = {"withdrawn_at": None, "withdrawn_by": None, "withdrawn_reason": None,
                  "corrected_at": times.to_storage(self._now()), "corrected_by": self.store.actor.username,
                  "correction_reason": f"{RESTORED}: {said}" if said else RESTORED}
        with self.store.transaction():
            self.repo.update_event(event.id, values, said or RESTORED)
        self._publish("updated", patrol.id)
        return self.event(event.id)

    # --- a finished patrol's own start and end ----------------------------------------------------------------

    def times_refusal(self, patrol_id: str) -> str | None:
        """Why the signed-in account may not correct this patrol's start and end (None: it may)."""
        try:
            self._times_correctable(patrol_id)
        except (PermissionDeniedError, ValidationError) as exc:
            return str(exc) if isinstance(exc, PermissionDeniedError) else exc.errors[0].message
        return None

    def correct_times(self, patrol_id: str, change: PatrolTimesCorrection) -> PatrolRecord:
        """Correct a finished patrol's start and/or end (an End pressed hours late): not in the future, within 12
        hours of when it was planned or logged (_retime), the end after the start, every event that
        counts within them (else each one outside is named), a reason required. The patrol, its own started/ended
        log entries and so its crew's hours and the dose follow; audited with the reason; nothing changed when
        refused."""
        patrol = self._times_correctable(patrol_id)
        errors: list[FieldError] = []
        reason = _reason(change.reason, errors)
        stored = {"started": patrol.started_at or "", "ended": patrol.ended_at or ""}
        for field, given in (("started", change.started), ("ended", change.ended)):
            if given is None:
                continue
            try:
                stored[field] = times.to_storage(self._retime(patrol, given))
            except ValidationError as exc:
                errors.extend(FieldError(field, e.message) for e in exc.errors)
        if errors:
            raise ValidationError(errors)
        start, end = stored["started"], stored["ended"]
        if end <= start:
            raise ValidationError.single(
                "ended" if change.ended is not None else "started",
                f"the end ({times.format_local(end)}) must be after the start ({times.format_local(start)})")
        if (start, end) == (patrol.started_at, patrol.ended_at):
            raise ValidationError.single("started", "that changes nothing: the patrol already says so")
        logged = [e for e in self.repo.events_of(patrol.id) if e.kind not in BOOKENDS]
        for field, outside, side in (("started", [e for e in logged if e.at < start], "before the start"),
                                     ("ended", [e for e in logged if e.at > end], "after the end")):
            if outside:
                named = "; ".join(_event_said(e) for e in outside[:5]) + ("; …" if len(outside) > 5 else "")
                errors.append(FieldError(field, f"{len(outside)} logged {_events(len(outside))} would fall {side} "
                                                f"({named}): correct or withdraw {_them(len(outside))} first"))
        if not errors and not reason:
            errors.append(FieldError("reason", "say why the patrol's times are corrected (its crew's hours follow)"))
        if errors:
            raise ValidationError(errors)
        stamp = {"corrected_at": times.to_storage(self._now()), "corrected_by": self.store.actor.username,
                 "correction_reason": reason}
        with self.store.transaction():
            self.repo.update_patrol(patrol.id, {"started_at": start, "ended_at": end}, reason)
            for bookend in self.repo.events_of(patrol.id, withdrawn=True):
                moment = {"patrol_started": start, "patrol_ended": end}.get(bookend.kind)
                if moment is not None and moment != bookend.at:
                    self.repo.update_event(bookend.id, {"at": moment, **stamp}, reason)
            duty_id = self.repo.duty_of(patrol.id)
        self._publish("updated", patrol.id)
        if duty_id:  # the hours of the duty the patrol stands for are the patrol's
            self.hub.publish(Change(DUTIES_TOPIC, "updated", (duty_id,)))
        return self.get(patrol.id)

    def _retime(self, patrol: PatrolRecord, at: datetime | str) -> datetime:
        """A corrected start or end: not in the future, and within PLANNED_SPAN of the day the patrol was planned
        for or of the times it was logged at (a patrol started early on purpose keeps its day): a wrong day is
        refused as at start and end."""
        moment = times.parse_moment(at, "at")
        times.check_not_future(moment, "at", self._now())
        logged = [times.from_storage(t) for t in (patrol.started_at, patrol.ended_at) if t]
        first, last = min([patrol.start, *logged]), max([patrol.end, *logged])
        if not first - PLANNED_SPAN <= moment <= last + PLANNED_SPAN:
            hours = int(PLANNED_SPAN.total_seconds() // 3600)
            raise ValidationError.single("at", f"{times.format_local(times.to_storage(moment))} is more than {hours} "
                                               f"hours from when the patrol was planned and logged: check the date")
        return moment

    def _times_correctable(self, patrol_id: str) -> PatrolRecord:
        actor = self.store.actor
        actor.require("patrol.view")
        patrol = self.get(patrol_id)
        on_crew = actor.person_id is not None and actor.person_id in {pid for pid, _ in patrol.crew}
        if not actor.can("patrol.correct_log") and not (actor.can("patrol.log") and on_crew):
            role = ACCOUNT_ROLE_NAMES.get(actor.role, actor.role)
            raise PermissionDeniedError(
                f"{actor.username} ({role}) may not correct this patrol's start and end: its crew may, and "
                f"{who_may('patrol.correct_log')}")
        if patrol.status is not PatrolStatus.COMPLETED or not patrol.started_at or not patrol.ended_at:
            raise ValidationError.single(  # the patrol's, not --started's (it was said when only --ended was given)
                "patrol", f"the patrol is {patrol.status.text}: only a finished patrol's start and end are corrected"
                           + (" (end it first)" if patrol.status.can_end else ""))
        return patrol

    # --- rules -----------------------------------------------------------------------------------------------

    def _correctable(self, event_id: str, restoring: bool = False) -> tuple[LoggedEvent, PatrolRecord]:
        self.store.actor.require("patrol.view")
        found = self.repo.event(self.repo.full_event_id(event_id))
        if found is None:
            raise NotFoundError(f"no patrol event {event_id}")
        patrol = self.get(self.repo.event_patrol(found.id))
        if found.kind in BOOKENDS:
            raise ValidationError.single(
                "event", f"\"{PATROL_EVENT_NAMES[found.kind]}\" is the patrol's own {found.kind[7:]} time, not a "
                         "logged event: it is not corrected or withdrawn here"
                         + (" (correct the patrol's start and end instead)" if patrol.status.is_final else ""))
        self._require_may_correct(patrol, found)
        if restoring and not found.withdrawn:
            raise ValidationError.single("event", "it is not withdrawn: there is nothing to restore")
        if found.withdrawn and not restoring:
            raise ValidationError.single("event", f"it was withdrawn at {times.format_local(found.withdrawn_at)}"
                                                  f" ({found.withdrawn_reason}): restore it first to change it")
        return self._event_visible(found), patrol

    def _require_may_correct(self, patrol: PatrolRecord, event: LoggedEvent) -> None:
        """The catalogue's correctors at any time; with patrol.log, the officer who logged the event (the same
        person on the roster, or the same account where it was logged by no linked person) and, while the patrol
        runs, its crew."""
        actor = self.store.actor
        if actor.can("patrol.correct_log"):
            return
        if actor.can("patrol.log"):
            if event.logged_by_person:
                own = actor.person_id == event.logged_by_person
            else:
                own = bool(event.logged_by) and actor.username == event.logged_by
            on_crew = actor.person_id is not None and actor.person_id in {pid for pid, _ in patrol.crew}
            if own or (on_crew and patrol.status.can_log):
                return
        role = ACCOUNT_ROLE_NAMES.get(actor.role, actor.role)
        raise PermissionDeniedError(
            f"{actor.username} ({role}) may not correct, withdraw or restore this event: the officer who logged it "
            f"and, while the patrol runs, its crew may, and {who_may('patrol.correct_log')} at any time")

    def _stop_values(self, patrol: PatrolRecord, event: LoggedEvent, text: str) -> dict[str, Any]:
        """The stop (none, by number or key) with the position: an event placed at the stop it was credited to
        moves with the correction (it was never there); one with its own position keeps it."""
        text = text.strip()
        if not text:
            stop = None
        elif text.isdigit():
            stop = patrol.stop_numbered(int(text))
            if stop is None:
                raise ValidationError.single("stop", f"the plan has no stop {text}"
                                                     + (f" (it has 1 to {len(patrol.stops)})" if patrol.stops else ""))
        else:
            stop = patrol.stop_keyed(text)
            if stop is None:
                raise ValidationError.single("stop", "that stop is not on the plan")
        values: dict[str, Any] = {"stop_key": stop.key if stop else None}
        old = patrol.stop_keyed(event.stop_key) if event.stop_key else None
        if old is not None and (event.lat, event.lon) == (old.lat, old.lon):
            values |= {"lat": stop.lat if stop else None, "lon": stop.lon if stop else None}
        return values

    def _time_within(self, patrol: PatrolRecord, at: datetime | str) -> str:
        """Storage text of `at`: from the patrol's start to its end (or now, while it runs), never in the future."""
        moment = times.parse_moment(at, "at")
        times.check_not_future(moment, "at", self._now())
        stamped = times.to_storage(moment)
        if patrol.started_at and stamped < patrol.started_at:
            raise ValidationError.single("at", f"{times.format_local(stamped)} is before the patrol started "
                                               f"({times.format_local(patrol.started_at)})")
        if patrol.ended_at and stamped > patrol.ended_at:
            raise ValidationError.single("at", f"{times.format_local(stamped)} is after the patrol ended "
                                               f"({times.format_local(patrol.ended_at)})")
        return stamped


def _reason(text: str, errors: list[FieldError], any_head: bool = False) -> str:
    said = " ".join((text or "").split())
    if len(said) > REASON_MAX:
        errors.append(FieldError("reason", f"keep the reason under {REASON_MAX} characters"))
    _refuse_control(said, "reason", errors)
    head = said.casefold()
    if not any_head and (head == RESTORED or head.startswith(f"{RESTORED}:")):
        # LoggedEvent.restored reads this head: an ordinary correction would show as "(restored)".
        errors.append(FieldError("reason", f"a correction's reason cannot start '{RESTORED}' (the log would read "
                                           "it as an event restored): say it another way"))
    return said


def _refuse_control(text: str, field: str, errors: list[FieldError]) -> None:
    """Control characters (an escape sequence pasted from a terminal) would be stored and printed raw to the next
    terminal that shows the log; line breaks and tabs are fine."""
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t\r"})
    if bad:
        errors.append(FieldError(field, f"it holds control characters ({', '.join(bad)}): type it again as "
                                        "plain text"))


def _span(patrol: PatrolRecord) -> str:
    start, end = times.format_local(patrol.started_at), times.format_local(patrol.ended_at)
    return f"{start}–{end[11:] if end[:10] == start[:10] else end}"


def _event_said(event: LoggedEvent) -> str:
    """An event as a refusal names it: its time, kind and short id (what `patrol event` takes)."""
    return f"{times.format_local(event.at)} {PATROL_EVENT_NAMES.get(event.kind, event.kind)} {event.id[:8]}"


def _events(count: int) -> str:
    return "event" if count == 1 else "events"


def _them(count: int) -> str:
    return "it" if count == 1 else "them"
