"""The after-action summary of a patrol that ran: the dose per planned stop (planned, logged, measured from the
track), stops never reached, time at hotspots that were not planned, and the track's distance, duration and gaps,
as a PDF (ruralwatch.io.after_action)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.vocab import PATROL_PURPOSE_NAMES
from ruralwatch.patrols.track import track_stats
from ruralwatch.services.patrols.dose import PatrolDoses
from ruralwatch.store.audit import record_event

if TYPE_CHECKING:
    from ruralwatch.io.after_action import AfterAction

# The PDF module (reportlab's platypus, about 0.1 s) is imported by the summary: every process that builds the
# patrol service imported it for nothing (issue 21).


class PatrolAfterAction(PatrolDoses):
    def after_action(self, patrol_id: str) -> AfterAction:
        """What the after-action PDF shows, for a patrol that has started (its dose exists)."""
        from ruralwatch.io.after_action import AfterAction, AfterActionStop, UnplannedPlace

        self.store.actor.require("patrol.view")
        patrol = self.get(patrol_id)
        if not patrol.status.has_dose and not self.repo.track_count(patrol.id):  # a GPX can come from a phone
            raise ValidationError.single("status", f"{patrol.title} has not run yet: there is nothing to sum up")
        dose = self.dose(patrol.id)
        track = self.repo.track_of(patrol.id)
        unplanned: list[UnplannedPlace] = []
        note = ""
        if track:
            try:
                unplanned = [UnplannedPlace(u.label, u.lat, u.lon, u.minutes, u.visits)
                             for u in self.unplanned_hotspots(patrol.id)]
            except RuralWatchError as exc:  # the hotspots need the area's incidents: say why, keep the rest
                note = f"The area's other hotspots could not be worked out: {exc}"
        planned = {s.key: s for s in patrol.stops}
        stops = tuple(
            AfterActionStop(
                planned[s.key].seq, s.label, planned[s.key].lat, planned[s.key].lon, s.planned_minutes,
                s.actual_minutes, s.visited, s.measured_minutes, s.visits,
                times.from_storage(s.first_at) if s.first_at else None,
                times.from_storage(s.last_at) if s.last_at else None)
            for s in dose.stops)
        return AfterAction(
            title=patrol.title, call_sign=patrol.call_sign, vehicle=patrol.vehicle,
            purpose=PATROL_PURPOSE_NAMES.get(patrol.purpose, patrol.purpose), area_name=patrol.area,
            status=patrol.status.text.capitalize(), planned_start=patrol.start, planned_end=patrol.end,
            started_at=times.from_storage(patrol.started_at) if patrol.started_at else None,
            ended_at=times.from_storage(patrol.ended_at) if patrol.ended_at else None,
            crew=tuple(name for _, name in patrol.crew), stops=stops, radius_m=self.dose_radius_m(),
            track=track_stats(track) if track else None, unplanned=tuple(unplanned), unplanned_note=note,
            events=tuple(sorted(dose.events_by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
            generated_at=self._now(), notes=patrol.notes,
        )

    def write_after_action(self, patrol_id: str, path: Path) -> Path:
        """Write the after-action PDF (all or nothing); the export is in the audit log."""
        from ruralwatch.io.after_action import write_after_action_pdf

        summary = self.after_action(patrol_id)
        write_after_action_pdf(summary, path)
        with self.store.transaction():
            record_event(self.store, "export", "patrols", self.get(patrol_id).id, {"after_action": str(path)})
        return path
