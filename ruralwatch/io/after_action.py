"""A patrol's after-action summary: what it delivered against its plan, as a PDF for the file and the debrief.

For each planned stop: the planned dwell, the minutes the crew logged (arrived -> left), the minutes the recorded
track spent within the dose radius, its visits and the first and last time there; the stops never reached; time
at the area's hotspots that were not on the plan; and a track summary without a map (distance, duration, and the
gaps where the receiver dropped out, which are shown, never bridged). Times are UK local time. The data arrives as
plain frozen dataclasses the caller (ruralwatch.services.patrols.after_action) fills from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.platypus import Flowable, KeepTogether

from ruralwatch.core import geo
from ruralwatch.io import pdf_common as pdf
from ruralwatch.patrols.track import TrackStats

# --- input ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AfterActionStop:
    seq: int
    label: str
    lat: float
    lon: float
    planned_minutes: float
    logged_minutes: float
    logged: bool  # the crew logged an arrival there
    measured_minutes: float | None = None  # from the track (None: no track)
    visits: int | None = None
    first: datetime | None = None  # UTC: when the track first came within the radius
    last: datetime | None = None  # ... and last left it

    @property
    def reached(self) -> bool:
        """By the track when there is one, else by the log."""
        return bool(self.visits) if self.visits is not None else self.logged


@dataclass(frozen=True)
class UnplannedPlace:
    label: str
    lat: float
    lon: float
    minutes: float
    visits: int


@dataclass(frozen=True)
class AfterAction:
    title: str
    call_sign: str
    vehicle: str
    purpose: str  # display text
    area_name: str
    status: str  # display text
    planned_start: datetime
    planned_end: datetime
    started_at: datetime | None
    ended_at: datetime | None
    crew: tuple[str, ...]
    stops: tuple[AfterActionStop, ...]
    radius_m: float
    track: TrackStats | None  # None: no recorded track, the logged figures only
    unplanned: tuple[UnplannedPlace, ...]
    unplanned_note: str  # why the unplanned hotspots could not be worked out, when they could not
    events: tuple[tuple[str, int], ...]  # (event name, count) as logged
    generated_at: datetime
    notes: str = ""


# --- the document --------------------------------------------------------------------------------------------


def write_after_action_pdf(summary: AfterAction, path: Path) -> None:
    """Write the summary to `path`, all or nothing (a missing folder raises RuralWatchError)."""
    pdf.build_pdf(path, f"After action: {summary.title}", summary.generated_at, after_action_story(summary),
                  subject=f"Patrol after-action summary {summary.call_sign}".strip())


def after_action_story(s: AfterAction) -> list[Flowable]:
    story: list[Flowable] = [
        pdf.para(f"After action: {s.title}", "title"),
        pdf.para(" · ".join(p for p in (s.call_sign, s.area_name, pdf.long_date(s.planned_start)) if p), "subtitle"),
        pdf.key_value_table(_details(s), label_width=0.15),
    ]
    if s.notes.strip():
        story.append(KeepTogether([pdf.heading("Notes"), pdf.para(s.notes.strip(), "body")]))
    story += pdf.section("Planned stops: planned against delivered", _stops_table(s), "No stops were planned.")
    story.append(pdf.para(_stops_note(s), "note"))
    story.append(KeepTogether([pdf.heading("Stops never reached"), _never_reached(s)]))
    story += pdf.section("Time at hotspots that were not planned", _unplanned_table(s), _unplanned_empty(s))
    story += _track_section(s)
    story += pdf.section("Log", _events_table(s.events), "Nothing was logged.")
    return story


def _details(s: AfterAction) -> list[tuple[str, str]]:
    planned = sum(x.planned_minutes for x in s.stops)
    logged = sum(x.logged_minutes for x in s.stops)
    at_stops = f"planned {pdf.minutes(planned)}, logged {pdf.minutes(logged)}"
    if s.track is not None:
        measured = sum(x.measured_minutes or 0.0 for x in s.stops)
        at_stops += f", from the track {pdf.minutes(measured)} (within {s.radius_m:.0f} m)"
    reached = sum(1 for x in s.stops if x.reached)
    return [
        ("Date", pdf.long_date(s.planned_start)),
        ("Planned", pdf.time_span(s.planned_start, s.planned_end)),
        ("Ran", _ran(s)),
        ("Status", s.status),
        ("Call sign", s.call_sign or "-"),
        ("Vehicle", s.vehicle or "-"),
        ("Purpose", s.purpose or "-"),
        ("Area", s.area_name or "-"),
        ("Crew", ", ".join(s.crew) or "-"),
        ("Stops", f"{len(s.stops)} planned, {reached} reached" + (" (by the track)" if s.track else " (by the log)")),
        ("At stops", at_stops),
        ("Track", _track_line(s.track)),
    ]


def _ran(s: AfterAction) -> str:
    if s.started_at is None:
        return "not started"
    if s.ended_at is None:
        return f"started {_clock(s.started_at, s.planned_start)}, not ended yet"
    return pdf.time_span(s.started_at, s.ended_at)


def _track_line(track: TrackStats | None) -> str:
    if track is None:
        return "none recorded: the figures are from the log"
    gaps = len(track.gaps)
    return (f"{track.distance_m / 1000:.1f} km over {pdf.minutes(track.duration_s / 60)}, "
            f"{gaps} gap{'' if gaps == 1 else 's'}" + (f" ({_length(track.gap_s)})" if gaps else ""))


def _clock(moment: datetime | None, day_of: datetime) -> str:
    if moment is None:
        return "-"
    shown, day = pdf.local(moment), pdf.local(day_of).date()
    return f"{shown:%H:%M}" if shown.date() == day else f"{pdf.short_date(shown)} {shown:%H:%M}"


def _length(seconds: float) -> str:
    """A gap's length: seconds count when it is short (a 90 s drop-out is not "2 min")."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return pdf.minutes(seconds / 60)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _stops_table(s: AfterAction) -> Flowable | None:
    if not s.stops:
        return None
    rows: list[list[Flowable | str]] = []
    warn: list[tuple[object, ...]] = []
    for row, x in enumerate(sorted(s.stops, key=lambda x: x.seq), start=1):
        rows.append([
            str(x.seq),
            pdf.markup(f"<b>{pdf.text(x.label)}</b><br/>"
                       f'<font size="7.5">{geo.lat_lon_to_grid_ref(x.lat, x.lon, 8)}</font>'),
            f"{x.planned_minutes:.0f}", f"{x.logged_minutes:.1f}" if x.logged else "not logged",
            _number(x.measured_minutes), "-" if x.visits is None else str(x.visits),
            _clock(x.first, s.planned_start), _clock(x.last, s.planned_start),
        ])
        if not x.reached:
            warn += [("BACKGROUND", (0, row), (-1, row), pdf.WARN_FILL),
                     ("TEXTCOLOR", (0, row), (-1, row), pdf.WARN_INK)]
    return pdf.data_table(["#", "Place", "Planned min", "Logged min", "Track min", "Visits", "First", "Last"],
                          rows, [5, 31, 10, 11, 10, 8, 12, 12], right=(0, 2, 3, 4, 5), extra=warn, zebra=False)


def _stops_note(s: AfterAction) -> str:
    base = ("Planned: the dwell on the plan. Logged: from the crew's arrived and left entries. ")
    if s.track is None:
        return base + "No track was recorded, so there are no measured minutes."
    return base + (f"Track: minutes the recorded track spent within {s.radius_m:.0f} m of the stop; Visits: times it "
                   "came within that distance; First and Last: when it first arrived and last left. Time in a gap "
                   "where the receiver dropped out is not counted.")


def _never_reached(s: AfterAction) -> Flowable:
    missed = [x for x in sorted(s.stops, key=lambda x: x.seq) if not x.reached]
    if not s.stops:
        return pdf.empty_note("No stops were planned.")
    if not missed:
        return pdf.empty_note("Every planned stop was reached" + (" by the track." if s.track else " (by the log)."))
    how = (f"the track never came within {s.radius_m:.0f} m" if s.track is not None
           else "no arrival was logged (no track was recorded)")
    names = "; ".join(f"{x.seq}. {x.label}" for x in missed)
    return pdf.markup(f"{len(missed)} of {len(s.stops)}: {pdf.text(names)} — {pdf.text(how)}.", "body")


def _unplanned_table(s: AfterAction) -> Flowable | None:
    if s.track is None or not s.unplanned:
        return None
    rows: list[list[Flowable | str]] = [
        [u.label, geo.lat_lon_to_grid_ref(u.lat, u.lon, 8), f"{u.minutes:.1f}", str(u.visits)] for u in s.unplanned]
    return pdf.data_table(["Hotspot", "Grid reference", "Track min", "Visits"], rows, [46, 26, 14, 14],
                          right=(2, 3))


def _unplanned_empty(s: AfterAction) -> str:
    if s.track is None:
        return "No recorded track: time at other hotspots is not known."
    if s.unplanned_note:
        return s.unplanned_note
    return f"The track spent no time within {s.radius_m:.0f} m of the area's other hotspots."


def _track_section(s: AfterAction) -> list[Flowable]:
    track = s.track
    if track is None:
        return pdf.section("Track", None, "No track was recorded for this patrol (no receiver connected and no GPX "
                                          "imported): the figures above are from the log only.")
    pairs = [
        ("Points", f"{track.points:,} in {track.segments} segment{'' if track.segments == 1 else 's'}"),
        ("Recorded", f"{_clock(track.first, s.planned_start)} – {_clock(track.last, s.planned_start)}"),
        ("Duration", pdf.minutes(track.duration_s / 60)),
        ("Distance", f"{track.distance_m / 1000:.1f} km (gaps not counted)"),
        ("With a position", pdf.minutes(track.recorded_s / 60)),
        ("Gaps", f"{len(track.gaps)} ({_length(track.gap_s)} in all)" if track.gaps else "none"),
    ]
    flow: list[Flowable] = [KeepTogether([pdf.heading("Track"), pdf.key_value_table(pairs, label_width=0.15)])]
    if s.started_at is not None and track.first is not None and track.last is not None:
        late = (track.first - s.started_at).total_seconds() / 60
        early = ((s.ended_at - track.last).total_seconds() / 60) if s.ended_at else 0.0
        if late <= -1 or early <= -1:  # a GPX file or a replayed log from another time: say so, never hide it
            flow.append(pdf.para(
                f"Part of the track lies outside the time the patrol ran ({_ran(s)}): it was recorded "
                f"{pdf.short_date(track.first)} {_clock(track.first, track.first)} – {_clock(track.last, track.first)}"
                " (a GPX file or a replayed log from another time?).", "note"))
        elif late >= 1 or early >= 1:
            parts = ([f"began {pdf.minutes(late)} after the patrol started"] if late >= 1 else []) + (
                [f"ended {pdf.minutes(early)} before it ended"] if early >= 1 else [])
            flow.append(pdf.para("The track " + " and ".join(parts) + ".", "note"))
    if track.gaps:
        rows: list[list[Flowable | str]] = [
            [str(n), _clock(g.start, s.planned_start), _clock(g.end, s.planned_start), _length(g.seconds)]
            for n, g in enumerate(track.gaps, start=1)]
        flow += [pdf.para("Gaps where the receiver dropped out (where the crew went then is not known):", "note"),
                 pdf.data_table(["#", "From", "To", "Length"], rows, [8, 30, 30, 32], right=(0,))]
    return flow


def _events_table(events: Sequence[tuple[str, int]]) -> Flowable | None:
    if not events:
        return None
    return pdf.data_table(["Logged", "Count"], [[name, str(count)] for name, count in events], [80, 20], right=(1,))
