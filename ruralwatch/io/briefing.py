"""The patrol briefing pack: one PDF a crew takes out on patrol, readable on paper with no signal.

Page 1 carries the patrol details, crew, contact points and a vector map (no tiles, no network) drawn true to
shape on the British National Grid: the patrol area, district and ward outlines for context, the route through
the numbered stops, and recent incidents as lettered markers in their kind colours (as on the app's map).
Near-repeat risk zones live during the patrol are dashed rings to scale on the map and a table of their own; the
registered premises in the area victimised within the repeat window ("repeat victims") and those inside a live zone
("premises to visit") are tables of their own and small squares on the map as on the app's premises layer (outlined
red for a repeat victim), never with a contact (the pack goes to Specials and volunteers).
Then come the stop list, recent incidents and vehicles of interest; long tables flow on with their header row
repeated. Times are UK local time. The data arrives as plain frozen dataclasses the caller fills from the store.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.graphics.shapes import Path as ShapePath
from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether

from ruralwatch.core import geo
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.geo import from_bng, to_bng
from ruralwatch.core.kinds import is_kind, kind_by_key
from ruralwatch.core.vocab import PATROL_PURPOSE_NAMES, PERSON_ROLE_NAMES, SKILL_NAMES
from ruralwatch.io import pdf_common as pdf
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
from ruralwatch.mapping.symbols import BASE, NEAR_REPEAT, PREMISES, PREMISES_REPEAT, ROUTE_COLOUR, STOP
from ruralwatch.mapping.symbols import ROUTE as ROUTE_SYMBOL
from ruralwatch.patrols.roads import ATTRIBUTION as ROADS_ATTRIBUTION

# The pack's contents live in briefing_data (the services import them without reportlab); callers of this module
# may name them here as before.
__all__ = [
    "Briefing", "BriefingIncident", "BriefingPremisesToVisit", "BriefingRepeatVictim", "BriefingStop", "BriefingZone",
    "ContactPoint", "CrewLine", "VehicleOfInterest", "briefing_story", "patrol_map", "write_briefing_pdf",
]

RECENT_DAYS = 14

# --- the document --------------------------------------------------------------------------------------------


def write_briefing_pdf(briefing: Briefing, path: Path) -> None:
    """Write the briefing pack to `path`, all or nothing (a missing folder raises RuralWatchError)."""
    pdf.build_pdf(path, briefing.title, briefing.generated_at, briefing_story(briefing),
                  subject=f"Patrol briefing {briefing.call_sign}".strip())


def briefing_story(briefing: Briefing) -> list[Flowable]:
    """The flowables of the pack, in reading order (public so a caller could append its own sections)."""
    story: list[Flowable] = [
        pdf.para(briefing.title, "title"),
        pdf.para(" · ".join(p for p in (briefing.call_sign, briefing.area_name, _long_date(briefing.start)) if p),
                 "subtitle"),
        pdf.key_value_table(_details(briefing), label_width=0.15),
    ]
    if briefing.notes.strip():
        story.append(KeepTogether([pdf.heading("Notes"), pdf.para(briefing.notes.strip(), "body")]))
    story += pdf.section("Crew", _crew_table(briefing.crew), "No crew assigned yet.")
    story += pdf.section("Contact points", _contacts_table(briefing.contacts), "No contact points listed.")
    story.append(KeepTogether([pdf.heading("Map"), patrol_map(briefing)]))
    story += pdf.section("Stops", _stops_table(briefing), "No stops planned.")
    if briefing.plan_source and briefing.stops:  # the crew should know a published-crime hotspot is approximate
        story.append(pdf.para(briefing.plan_source, "body"))
    story += pdf.section("Near-repeat risk zones in this area", _zones_table(briefing.zones),
                         "No near-repeat risk zones live in this area.")
    story += pdf.section("Premises to visit (inside a near-repeat risk zone)",
                         _to_visit_table(briefing.premises_to_visit),
                         "No registered premises in this area is inside a live near-repeat risk zone.")
    story += pdf.section("Repeat victims in this area", _repeat_victims_table(briefing),
                         f"No registered premises in this area was victimised in the last "
                         f"{briefing.repeat_window_days} days.")
    story += pdf.section(f"Recent incidents (last {RECENT_DAYS} days)", _incidents_table(briefing.incidents),
                         f"No incidents in the last {RECENT_DAYS} days.")
    story += pdf.section("Vehicles of interest", _vehicles_table(briefing.vehicles), "No vehicles of interest.")
    return story


def _details(b: Briefing) -> list[tuple[str, str]]:
    stops = len(b.stops)
    return [
        ("Date", _long_date(b.start)),
        ("Times", _time_span(b.start, b.end)),
        ("Call sign", b.call_sign or "-"),
        ("Vehicle", b.vehicle or "-"),
        ("Purpose", PATROL_PURPOSE_NAMES.get(b.purpose, b.purpose) or "-"),
        ("Area", b.area_name or "-"),
        ("Stops", f"{stops} stop{'' if stops == 1 else 's'}"),
        ("Planned time", f"travel {_minutes(b.travel_minutes)}"
                         + (f" ({b.travel_basis})" if b.travel_basis else "")
                         + f", at stops {_minutes(b.dwell_minutes)}"),
    ]


def _crew_table(crew: Sequence[CrewLine]) -> Flowable | None:
    if not crew:
        return None
    rows = [
        [c.name, PERSON_ROLE_NAMES.get(c.role, c.role), c.collar_number,
         ", ".join(SKILL_NAMES.get(s, s) for s in c.skills), c.phone]
        for c in crew
    ]
    return pdf.data_table(["Name", "Role", "Collar no.", "Skills", "Phone"], rows, [21, 20, 10, 31, 18])


def _contacts_table(contacts: Sequence[ContactPoint]) -> Flowable | None:
    if not contacts:
        return None
    rows: list[list[Flowable | str]] = [[pdf.markup(f"<b>{pdf.text(c.name)}</b>"), c.detail] for c in contacts]
    return pdf.data_table(["Contact", "How to reach"], rows, [30, 70], zebra=False)


def _stops_table(b: Briefing) -> Flowable | None:
    if not b.stops:
        return None
    day = pdf.local(b.start).date()
    rows: list[list[Flowable | str]] = [
        [str(s.seq), pdf.markup(f"<b>{pdf.text(s.label)}</b><br/>"
                                f'<font size="7.5">{geo.lat_lon_to_grid_ref(s.lat, s.lon, 8)}</font>'),
         _clock(s.arrive, day), _clock(s.leave, day),
         _minutes(s.dwell_minutes), f"{s.harm:,.0f}", s.reason]
        for s in sorted(b.stops, key=lambda s: s.seq)
    ]
    return pdf.data_table(["#", "Place", "Arrive", "Leave", "Dwell", "Harm", "Reason"], rows,
                          [5, 26, 9, 9, 9, 8, 34], right=(0, 4, 5))


def _incidents_table(incidents: Sequence[BriefingIncident]) -> Flowable | None:
    if not incidents:
        return None
    rows: list[list[Flowable | str]] = []
    for i in sorted(incidents, key=lambda i: _utc(i.occurred), reverse=True):
        colour, letter, name = _kind_style(i.kind)
        kind = pdf.markup(f'<font color="{colour}"><b>{pdf.text(letter)}</b></font>&nbsp;&nbsp;{pdf.text(name)}')
        place = pdf.text(i.place)
        if i.description.strip():
            place += f'<br/><font size="7.5" color="#5f6368">{pdf.text(i.description.strip())}</font>'
        rows.append([_when(i.occurred), kind, pdf.markup(place), i.crime_reference])
    return pdf.data_table(["When", "Kind", "Place", "Crime reference"], rows, [17, 20, 45, 18])


def _zones_table(zones: Sequence[BriefingZone]) -> Flowable | None:
    if not zones:
        return None
    rows: list[list[Flowable | str]] = []
    for z in sorted(zones, key=lambda z: _utc(z.occurred), reverse=True):
        colour, letter, name = _kind_style(z.kind)
        kind = pdf.markup(f'<font color="{colour}"><b>{pdf.text(letter)}</b></font>&nbsp;&nbsp;{pdf.text(name)}')
        rows.append([_when(z.occurred), kind, z.place, f"{z.radius_m:g} m", _when(z.until),
                     str(z.earlier) if z.earlier else ""])
    return pdf.data_table(["Incident", "Kind", "Place", "Radius", "Risk until", "Earlier inside"], rows,
                          [17, 20, 27, 9, 17, 10], right=(3, 5))


def _premises_cell(name: str, grid_ref: str) -> Flowable:
    return pdf.markup(f"<b>{pdf.text(name)}</b><br/>" + f'<font size="7.5">{pdf.text(grid_ref)}</font>')


def _repeat_victims_table(b: Briefing) -> Flowable | None:
    if not b.repeat_victims:
        return None
    rows: list[list[Flowable | str]] = [
        [_premises_cell(v.name, v.grid_ref), v.kind, ", ".join(v.schemes), str(v.incidents), _when(v.latest)]
        for v in sorted(b.repeat_victims, key=lambda v: _utc(v.latest), reverse=True)
    ]
    return pdf.data_table(["Premises", "Kind", "Watch schemes", f"Incidents ({b.repeat_window_days} days)",
                           "Latest"], rows, [30, 16, 20, 16, 18], right=(3,))


def _to_visit_table(visits: Sequence[BriefingPremisesToVisit]) -> Flowable | None:
    if not visits:
        return None
    rows: list[list[Flowable | str]] = []
    for v in visits:
        colour, letter, name = _kind_style(v.incident_kind)
        nearby = pdf.markup(f'<font color="{colour}"><b>{pdf.text(letter)}</b></font>&nbsp;&nbsp;{pdf.text(name)}'
                            f"<br/>{pdf.text(_when(v.incident_occurred))}, {v.distance_m:.0f} m away")
        rows.append([_premises_cell(v.name, v.grid_ref), v.kind, nearby, v.last_visit or "never",
                     "yes" if v.repeat else ""])
    return pdf.data_table(["Premises", "Kind", "Incident nearby", "Last visit", "Repeat victim"], rows,
                          [30, 14, 30, 13, 13])


def _vehicles_table(vehicles: Sequence[VehicleOfInterest]) -> Flowable | None:
    if not vehicles:
        return None
    rows: list[list[Flowable | str]] = [
        [pdf.markup(f"<b>{pdf.text(v.vrm)}</b>"), str(v.times_seen) if v.times_seen else "listed",
         _when(v.last_seen) if v.times_seen else "", "; ".join(v.places),
         ", ".join(_kind_style(k)[2] for k in v.kinds),
         pdf.markup("<br/>".join(pdf.text(part) for part in (v.description, *v.listed) if part))]
        for v in vehicles
    ]
    return pdf.data_table(["VRM", "Seen", "Last seen", "Where", "Kinds", "Description"], rows,
                          [11, 6, 17, 25, 19, 22], right=(1,))


# --- formatting ----------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return pdf.local(moment).astimezone(UTC)


# Shared with the after-action summary (ruralwatch.io.after_action): one way to write dates and lengths.
_long_date = pdf.long_date
_short_date = pdf.short_date
_time_span = pdf.time_span


def _clock(moment: datetime, day: Any) -> str:
    shown = pdf.local(moment)
    return f"{shown:%H:%M}" if shown.date() == day else f"{shown:%a} {shown:%H:%M}"


def _when(moment: datetime) -> str:
    shown = pdf.local(moment)
    return f"{_short_date(shown)} {shown:%H:%M}"


_minutes = pdf.minutes


def _kind_style(key: str) -> tuple[str, str, str]:
    """(colour, letter, name) of an incident kind; unknown kinds get a neutral grey '?' rather than failing."""
    if is_kind(key):
        kind = kind_by_key(key)
        return kind.colour, kind.icon, kind.name
    return "#7f7f7f", "?", key


# --- the map -------------------------------------------------------------------------------------------------

MAP_HEIGHT = 300.0  # points; the width is the frame's
MIN_SPAN_M = 1500.0  # a single stop still gets a readable neighbourhood
PAD = 0.08  # share of the extent added on every side

ROUTE = colors.HexColor(ROUTE_COLOUR)  # the app's map draws the route and stops in the same colour
AREA_FILL = colors.HexColor("#e8eef5")
AREA_LINE = colors.HexColor("#3d6a99")
DISTRICT_LINE = colors.HexColor("#8a9099")
WARD_LINE = colors.HexColor("#d3d6da")
WARD_LABEL = colors.HexColor("#8d939a")
WARD_LABEL_SIZE = 5.5
DISTRICT_LABEL_SIZE = 7.0
WARD_VIEW_MAX_M = 40_000.0  # wider than this, ward outlines would be a grey mesh: districts only
LAND = colors.HexColor("#fbfbf8")


def _project(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(lat, lon) points to British National Grid metres, in one pyproj call."""
    if not points:
        return []
    eastings, northings = to_bng().transform([p[1] for p in points], [p[0] for p in points])
    return list(zip(eastings, northings, strict=True))


@dataclass(frozen=True)
class _View:
    """Where the map's ground extent (BNG metres) lands on the drawing (points), one scale for both axes."""

    e0: float
    n0: float
    scale: float  # points per metre
    x0: float
    y0: float
    width: float
    height: float

    def xy(self, e: float, n: float) -> tuple[float, float]:
        return self.x0 + (e - self.e0) * self.scale, self.y0 + (n - self.n0) * self.scale

    @property
    def span_m(self) -> float:
        return self.width / self.scale


def patrol_map(b: Briefing, width: float = pdf.FRAME_WIDTH, height: float = MAP_HEIGHT) -> Drawing:
    """The map as a reportlab Drawing: true shape on the National Grid, grid north up."""
    stops = sorted(b.stops, key=lambda s: s.seq)
    stop_xy = _project([(s.lat, s.lon) for s in stops])
    start_xy = _project([b.start_point]) if b.start_point else []
    located = [i for i in b.incidents if i.lat is not None and i.lon is not None]
    incident_xy = _project([(i.lat, i.lon) for i in located])  # type: ignore[misc]
    rings = [_project(list(ring)) for ring in b.area_outline if len(ring) >= 3]
    premises = map_premises(b)
    premises_xy = _project([(lat, lon) for lat, lon, _ in premises])

    legend, legend_height = _legend(b, located, width)
    drawing = Drawing(width, height + legend_height)
    box = (0.0, legend_height, width, height)
    drawing.add(_rect(*box, fillColor=LAND, strokeColor=None))

    focus = _focus(stop_xy + start_xy + [p for ring in rings for p in ring], incident_xy)
    if not focus:
        drawing.add(String(width / 2, legend_height + height / 2, "No locations to map",
                           fontName=pdf.FONT_ITALIC, fontSize=10, fillColor=pdf.MUTED, textAnchor="middle"))
        drawing.add(_rect(*box, fillColor=None, strokeColor=pdf.RULE, strokeWidth=0.8))
        return drawing

    view = _fit_view(focus, box)
    clip = Group(ShapePath(points=[0, legend_height, width, legend_height, width, legend_height + height,
                                   0, legend_height + height], operators=[0, 1, 1, 1, 3], isClipPath=1,
                           strokeColor=None, fillColor=None))
    for ring_path in _area_paths(rings, view):
        clip.add(ring_path)
    markers = [(*view.xy(e, n), 9.0) for e, n in start_xy]
    markers += [(x, y + 10.0, 10.0) for x, y in (view.xy(e, n) for e, n in stop_xy)]  # a pin's head is above its tip
    markers += [(*view.xy(e, n), 5.0) for e, n in incident_xy]
    markers += [(*view.xy(e, n), 5.0) for e, n in premises_xy]
    # A patrol with a base goes out from it and back to it: the loop is part of the planned travel. Timed by road,
    # the line follows the roads the times were worked out on.
    route = (_project(list(b.route_path)) if b.route_path
             else start_xy + stop_xy + (start_xy if start_xy and stop_xy else []))
    context_drawn = _add_context(clip, view, markers, b.context, [view.xy(e, n) for e, n in route],
                                 [[view.xy(e, n) for e, n in ring] for ring in rings])
    for ring in rings:
        clip.add(_ring_line(ring, view, AREA_LINE, 1.4))
    for zone, (e, n) in zip(b.zones, _project([(z.lat, z.lon) for z in b.zones]), strict=True):
        _add_zone(clip, *view.xy(e, n), max(zone.radius_m * view.scale, 2.0))
    _add_route(clip, view, route)
    for (_lat, _lon, repeat), (e, n) in zip(premises, premises_xy, strict=True):  # under incidents and stops
        _add_premises_marker(clip, *view.xy(e, n), repeat)
    for incident, (e, n) in zip(located, incident_xy, strict=True):
        _add_incident_marker(clip, *view.xy(e, n), incident.kind)
    if start_xy:
        _add_start_marker(clip, *view.xy(*start_xy[0]))
    for stop, (e, n) in zip(stops, stop_xy, strict=True):
        _add_stop_marker(clip, *view.xy(e, n), str(stop.seq))
    drawing.add(clip)

    _add_scale_bar(drawing, view)
    _add_north_arrow(drawing, view)
    credits = []
    if context_drawn:
        credits.append("Boundaries: ONS, OGL v3. Contains OS data © Crown copyright and database right.")
    if b.route_path:  # the ODbL asks for the attribution wherever the data is used
        credits.append(ROADS_ATTRIBUTION + ".")
    if credits:
        note = " ".join(credits)
        note_width = stringWidth(note, pdf.FONT, 5.5)
        drawing.add(_rect(width - note_width - 7, legend_height + 0.8, note_width + 6.2, 8,
                          fillColor=colors.Color(1, 1, 1, alpha=0.85), strokeColor=None))
        drawing.add(String(width - 4, legend_height + 3, note, fontName=pdf.FONT, fontSize=5.5,
                           fillColor=pdf.MUTED, textAnchor="end"))
    drawing.add(_rect(*box, fillColor=None, strokeColor=pdf.RULE, strokeWidth=0.8))
    drawing.add(legend)
    return drawing


def map_premises(b: Briefing) -> list[tuple[float, float, bool]]:
    """(lat, lon, repeat victim) of each premises the pack lists, once: the repeat victims and the premises to
    visit, as the app's premises layer draws them (a red outline when victimised within the repeat window)."""
    found: dict[tuple[str, str], tuple[float, float, bool]] = {}
    listed = [(v.name, v.grid_ref, v.lat, v.lon, True) for v in b.repeat_victims]
    listed += [(v.name, v.grid_ref, v.lat, v.lon, v.repeat) for v in b.premises_to_visit]
    for name, grid_ref, lat, lon, repeat in listed:
        if lat is None or lon is None:
            try:
                point = geo.grid_ref_to_lat_lon(grid_ref)
            except ValidationError:
                continue  # no place to draw: it is in its table
            lat, lon = point.lat, point.lon
        key = (name, grid_ref)
        found[key] = (lat, lon, repeat or (key in found and found[key][2]))
    return list(found.values())


def _focus(patrol: list[tuple[float, float]], incidents: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points the map must show: the patrol, plus the incidents near it. A far-off (mis-placed) incident would
    shrink the route to a dot, so it is left to be clipped; every incident is in the table anyway."""
    if not patrol:
        return incidents
    es, ns = [p[0] for p in patrol], [p[1] for p in patrol]
    reach = max(max(es) - min(es), max(ns) - min(ns), MIN_SPAN_M) * 0.5
    near = [(e, n) for e, n in incidents
            if min(es) - reach <= e <= max(es) + reach and min(ns) - reach <= n <= max(ns) + reach]
    return patrol + near


def _fit_view(points: Sequence[tuple[float, float]], box: tuple[float, float, float, float]) -> _View:
    x0, y0, width, height = box
    es, ns = [p[0] for p in points], [p[1] for p in points]
    span_e = max(max(es) - min(es), MIN_SPAN_M)
    span_n = max(max(ns) - min(ns), MIN_SPAN_M)
    span_e, span_n = span_e * (1 + 2 * PAD), span_n * (1 + 2 * PAD)
    # Grow the shorter side to the box's shape: one scale for both axes keeps the ground true to shape.
    if span_e / span_n < width / height:
        span_e = span_n * width / height
    else:
        span_n = span_e * height / width
    centre_e, centre_n = (max(es) + min(es)) / 2, (max(ns) + min(ns)) / 2
    return _View(centre_e - span_e / 2, centre_n - span_n / 2, width / span_e, x0, y0, width, height)


def _area_paths(rings: Sequence[Sequence[tuple[float, float]]], view: _View) -> list[ShapePath]:
    if not rings:
        return []
    path = ShapePath(fillColor=AREA_FILL, strokeColor=None, fillMode=1)  # even-odd, so holes stay unfilled
    for ring in rings:
        for i, (e, n) in enumerate(ring):
            x, y = view.xy(e, n)
            if i == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        path.closePath()
    return [path]


def _ring_line(ring: Sequence[tuple[float, float]], view: _View, colour: Color, width: float,
               dash: Sequence[float] | None = None) -> PolyLine:
    points: list[float] = []
    for e, n in [*ring, ring[0]]:
        points.extend(view.xy(e, n))
    # None is reportlab's own default (a solid line); types-reportlab leaves None out of strokeDashArray's type.
    return PolyLine(points, strokeColor=colour, strokeWidth=width, strokeDashArray=dash,  # type: ignore[arg-type]
                    strokeLineJoin=1)


def _rect(x: float, y: float, width: float, height: float, **style: Any) -> Rect:
    """Rect(...) with style keywords. Only for the type checker: types-reportlab annotates Rect's **kw as the style
    TypedDict itself instead of Unpack[...] as for the other shapes, so it rejects every style keyword."""
    return Rect(x, y, width, height, **style)


def _view_lonlat_bbox(view: _View) -> tuple[float, float, float, float]:
    span_n = view.height / view.scale
    corners_e = [view.e0, view.e0 + view.span_m, view.e0, view.e0 + view.span_m]
    corners_n = [view.n0, view.n0, view.n0 + span_n, view.n0 + span_n]
    lons, lats = from_bng().transform(corners_e, corners_n)
    return min(lons), min(lats), max(lons), max(lats)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _geometry_rings(geometry: dict[str, Any]) -> Iterable[list[tuple[float, float]]]:
    """(lat, lon) rings of a GeoJSON Polygon or MultiPolygon (which stores [lon, lat])."""
    polygons = geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for ring in polygon:
            yield [(float(p[1]), float(p[0])) for p in ring]


def _add_context(group: Group, view: _View, markers: Sequence[tuple[float, float, float]],
                 context: boundaries.AreaSet | None = None, route: Sequence[tuple[float, float]] = (),
                 outlines: Sequence[Sequence[tuple[float, float]]] = ()) -> bool:
    """District and, zoomed in, ward outlines with their names: the only landmarks a tile-free map has.

    Ward names are shown when wards are drawn, district names otherwise. Each name goes at its area's centre or,
    where that is taken, at the nearest place inside the area clear of the route (drawing points), the markers
    (x, y, radius) and the other names, and if it can be of every outline too (`outlines`: the patrol area's
    rings, drawing points); a name with no such place is left out, so none is unreadable.
    """
    try:
        bbox = _view_lonlat_bbox(view)
        areas = context if context is not None else boundaries.essex()
        districts = [a for a in areas.districts() if _overlaps(a.bbox, bbox)]
        show_wards = view.span_m <= WARD_VIEW_MAX_M
        wards = [a for a in areas.wards() if _overlaps(a.bbox, bbox)] if show_wards else []
    except (OSError, ValueError, KeyError):
        return False  # context is a nicety: a missing resource file must not stop a briefing
    if not districts and not wards:
        return False
    drawn: list[list[tuple[float, float]]] = [list(ring) for ring in outlines]
    ward_labels = [_outline(group, view, ward, WARD_LINE, 0.5, None, drawn) for ward in wards]
    district_labels = [_outline(group, view, district, DISTRICT_LINE, 0.9, (4, 2), drawn) for district in districts]
    # Zoomed in on a force without ward boundaries, the district names are the landmarks.
    labels, size = ((ward_labels, WARD_LABEL_SIZE) if show_wards and wards
                    else (district_labels, DISTRICT_LABEL_SIZE))
    inside = [label for label in labels if label is not None]
    if len(inside) > 30:  # beyond that the names would bury the route
        return True
    taken = [(x - r, y - r, x + r, y + r) for x, y, r in markers]
    segments = _SegmentIndex(route)
    lines = _SegmentIndex([], rings=drawn)
    frame = (view.x0 + 2, view.y0 + 12, view.x0 + view.width - 2, view.y0 + view.height - 2)  # above the credits
    for x, y, name, ring in inside:
        half = stringWidth(name, pdf.FONT_ITALIC, size) / 2
        spot = place_label((x, y), half, size, ring, taken, segments, frame, lines)
        if spot is None:
            continue
        taken.append(_label_box(*spot, half, size))
        group.add(String(*spot, name, fontName=pdf.FONT_ITALIC, fontSize=size, fillColor=WARD_LABEL,
                         textAnchor="middle"))
    return True


def _label_box(x: float, y: float, half: float, size: float) -> tuple[float, float, float, float]:
    """The box a name drawn centred on (x, y) (its baseline) covers, with a point of air round it."""
    return x - half - 1, y - 2, x + half + 1, y + size


def place_label(anchor: tuple[float, float], half: float, size: float, ring: Sequence[tuple[float, float]],
                taken: Sequence[tuple[float, float, float, float]], route: _SegmentIndex,
                frame: tuple[float, float, float, float],
                lines: _SegmentIndex | None = None) -> tuple[float, float] | None:
    """Where an area's name goes: the anchor (its centre) or the nearest of the places around it, a line or two
    above or below and a name's width aside, that lies in `frame`, in the area (`ring`, drawing points; unless
    its centre is not in it either, as Maldon's in the Blackwater estuary), and covers no `taken` box and no
    stretch of the route; the nearest such place clear of the outlines (`lines`) too, when there is one. None
    when there is no such place. A walk's briefing drew the route straight through "Uttlesford"."""
    step_y, step_x = size + 3, half + 4
    candidates = sorted(((dx * step_x, dy * step_y) for dx in range(-2, 3) for dy in range(-3, 4)),
                        key=lambda d: math.hypot(d[0], d[1]))
    keep_inside = bool(ring) and _inside_ring(anchor[0], anchor[1] + size / 3, ring)
    fallback = None
    for dx, dy in candidates:
        x, y = anchor[0] + dx, anchor[1] + dy
        box = _label_box(x, y, half, size)
        if not (frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]):
            continue
        if keep_inside and not _inside_ring(x, y + size / 3, ring):
            continue
        if any(_overlaps(box, other) for other in taken) or route.crosses(box, margin=2.5):
            continue
        if lines is None or not lines.crosses(box):
            return x, y
        fallback = fallback or (x, y)
    return fallback


def _inside_ring(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Even-odd test of a point against a ring (drawing points)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _segment_crosses(a: tuple[float, float], b: tuple[float, float],
                     box: tuple[float, float, float, float]) -> bool:
    """Whether the segment a-b passes through the box (Liang-Barsky clipping)."""
    left, bottom, right, top = box
    (x1, y1), (x2, y2) = a, b
    if max(x1, x2) < left or min(x1, x2) > right or max(y1, y2) < bottom or min(y1, y2) > top:
        return False
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x1 - left), (dx, right - x1), (-dy, y1 - bottom), (dy, top - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


class _SegmentIndex:
    """A route's segments (drawing points) bucketed by 40-point cells: a road route has thousands of them, and
    each name tries up to 35 places."""

    CELL = 40.0

    def __init__(self, points: Sequence[tuple[float, float]],
                 rings: Sequence[Sequence[tuple[float, float]]] = ()) -> None:
        self.segments = list(zip(points, points[1:], strict=False))
        for ring in rings:  # closed: the last point back to the first
            self.segments += list(zip(ring, [*ring[1:], *ring[:1]], strict=True))
        self.cells: dict[tuple[int, int], list[int]] = {}
        for i, ((x1, y1), (x2, y2)) in enumerate(self.segments):
            for cell in self._cells((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))):
                self.cells.setdefault(cell, []).append(i)

    def _cells(self, box: tuple[float, float, float, float]) -> Iterable[tuple[int, int]]:
        for i in range(math.floor(box[0] / self.CELL), math.floor(box[2] / self.CELL) + 1):
            for j in range(math.floor(box[1] / self.CELL), math.floor(box[3] / self.CELL) + 1):
                yield i, j

    def crosses(self, box: tuple[float, float, float, float], margin: float = 0.0) -> bool:
        """Whether the route passes within `margin` of the box (the line's own width and its white casing)."""
        grown = (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)
        seen: set[int] = set()
        for cell in self._cells(grown):
            for i in self.cells.get(cell, ()):
                if i not in seen:
                    seen.add(i)
                    if _segment_crosses(*self.segments[i], grown):
                        return True
        return False


def _outline(group: Group, view: _View, area: boundaries.Area, colour: Color, width: float,
             dash: Sequence[float] | None,
             drawn: list[list[tuple[float, float]]]) -> tuple[float, float, str, list[tuple[float, float]]] | None:
    """Draw an area's rings (added to `drawn`, in drawing points); return where its name goes (centre of its
    largest ring) if that is well inside, with that ring in drawing points (the name stays inside it)."""
    biggest: list[tuple[float, float]] = []
    for ring in _geometry_rings(area.geometry):
        projected = _project(ring)
        group.add(_ring_line(projected, view, colour, width, dash))
        drawn.append([view.xy(e, n) for e, n in projected])
        if len(projected) > len(biggest):
            biggest = projected
    if not biggest:
        return None
    x, y = view.xy(*_centroid(biggest))
    if view.x0 + 20 < x < view.x0 + view.width - 20 and view.y0 + 14 < y < view.y0 + view.height - 10:
        return x, y, area.name, [view.xy(e, n) for e, n in biggest]
    return None


def _centroid(ring: Sequence[tuple[float, float]]) -> tuple[float, float]:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) < 1e-9:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    return cx / (3 * area), cy / (3 * area)


def _add_route(group: Group, view: _View, points: Sequence[tuple[float, float]]) -> None:
    if len(points) < 2:
        return
    xy = [view.xy(e, n) for e, n in points]
    group.add(PolyLine([c for p in xy for c in p], strokeColor=colors.white, strokeWidth=4, strokeLineJoin=1,
                       strokeLineCap=1))
    group.add(PolyLine([c for p in xy for c in p], strokeColor=ROUTE, strokeWidth=1.8, strokeLineJoin=1,
                       strokeLineCap=1))
    for (x1, y1), (x2, y2) in zip(xy, xy[1:], strict=False):
        length = math.hypot(x2 - x1, y2 - y1)
        if length < 36:  # too short to carry an arrow clear of the stop circles
            continue
        angle = math.atan2(y2 - y1, x2 - x1)
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        group.add(Polygon(_arrowhead(mx, my, angle, 6.5), fillColor=ROUTE, strokeColor=colors.white,
                          strokeWidth=0.6))


def _arrowhead(x: float, y: float, angle: float, size: float) -> list[float]:
    tip = (x + size / 2 * math.cos(angle), y + size / 2 * math.sin(angle))
    back = angle + math.pi
    left = (tip[0] + size * math.cos(back - 0.45), tip[1] + size * math.sin(back - 0.45))
    right = (tip[0] + size * math.cos(back + 0.45), tip[1] + size * math.sin(back + 0.45))
    return [*tip, *left, *right]


def _add_stop_marker(group: Group, x: float, y: float, label: str) -> None:
    """A teardrop pin with its tip on the stop, as on the app's map: round markers are incidents."""
    radius = 6.5 if len(label) < 3 else 7.5
    cy = y + radius + 3.5  # the head's centre, above the tip
    group.add(Polygon([x, y, x - radius * 0.8, cy - radius * 0.55, x + radius * 0.8, cy - radius * 0.55],
                      fillColor=ROUTE, strokeColor=colors.white, strokeWidth=1.0))
    group.add(Circle(x, cy, radius, fillColor=ROUTE, strokeColor=colors.white, strokeWidth=1.0))
    group.add(Polygon([x, y + 1.3, x - radius * 0.62, cy - radius * 0.45, x + radius * 0.62, cy - radius * 0.45],
                      fillColor=ROUTE, strokeColor=None))  # hides the circle's outline where the point joins it
    group.add(String(x, cy - 2.6, label, fontName=pdf.FONT_BOLD, fontSize=7.5, fillColor=colors.white,
                     textAnchor="middle"))


def _add_start_marker(group: Group, x: float, y: float) -> None:
    """The base, where the patrol starts and finishes: a house, as on the app's map. No letter: "S" and "B" are
    incident kinds (suspicious activity, farm burglary)."""
    fill, line = colors.HexColor(BASE.colour), colors.HexColor(BASE.outline)
    group.add(Polygon([x, y + 6.5, x + 6.5, y + 0.8, x + 4.6, y + 0.8, x + 4.6, y - 5.5, x - 4.6, y - 5.5,
                       x - 4.6, y + 0.8, x - 6.5, y + 0.8], fillColor=fill, strokeColor=line, strokeWidth=1.0,
                      strokeLineJoin=1))
    group.add(_rect(x - 1.2, y - 5.5, 2.4, 3.6, fillColor=line, strokeColor=None))


def _add_zone(group: Group, x: float, y: float, radius: float) -> None:
    """A near-repeat risk zone: a dashed ring of its radius, lightly filled, in the map page's colours."""
    colour = colors.HexColor(NEAR_REPEAT.colour)
    group.add(Circle(x, y, radius, fillColor=colors.Color(colour.red, colour.green, colour.blue, alpha=0.1),
                     strokeColor=colors.HexColor(NEAR_REPEAT.outline), strokeWidth=1.2, strokeDashArray=[3, 2]))


def _add_premises_marker(group: Group, x: float, y: float, repeat: bool, size: float = 8.0) -> None:
    """A registered premises: a small slate square with a white house in it, as on the app's map; outlined red
    (and a little thicker) when victimised within the repeat window."""
    symbol = PREMISES_REPEAT if repeat else PREMISES
    half = size / 2
    group.add(_rect(x - half, y - half, size, size, fillColor=colors.HexColor(symbol.colour),
                    strokeColor=colors.HexColor(symbol.outline), strokeWidth=1.4 if repeat else 0.7))
    h = size * 0.3  # the house: a roof over a square
    group.add(Polygon([x, y + h * 1.1, x + h, y + h * 0.1, x + h * 0.7, y + h * 0.1, x + h * 0.7, y - h,
                       x - h * 0.7, y - h, x - h * 0.7, y + h * 0.1, x - h, y + h * 0.1],
                      fillColor=colors.white, strokeColor=None))


def _add_incident_marker(group: Group, x: float, y: float, kind: str, radius: float = 4.6) -> None:
    colour, letter, _ = _kind_style(kind)
    group.add(Circle(x, y, radius, fillColor=colors.HexColor(colour), strokeColor=colors.white, strokeWidth=0.6))
    group.add(String(x, y - 1.9, letter, fontName=pdf.FONT_BOLD, fontSize=5.4, fillColor=colors.white,
                     textAnchor="middle"))


def _nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 x 10^n metres not above the target, so the scale bar reads in round numbers."""
    power = 10 ** math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        if step * power <= target_m:
            return step * power
    return power


def _add_scale_bar(drawing: Drawing, view: _View) -> None:
    metres = _nice_length(view.span_m * 0.22)
    length = metres * view.scale
    x, y = view.x0 + 10, view.y0 + 12
    drawing.add(_rect(x - 5, y - 6, length + 36, 19, fillColor=colors.Color(1, 1, 1, alpha=0.85),
                      strokeColor=None))
    half = length / 2
    drawing.add(_rect(x, y, half, 3.5, fillColor=colors.black, strokeColor=colors.black, strokeWidth=0.5))
    drawing.add(_rect(x + half, y, half, 3.5, fillColor=colors.white, strokeColor=colors.black, strokeWidth=0.5))
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    drawing.add(String(x, y + 5.5, "0", fontName=pdf.FONT, fontSize=6.5, textAnchor="middle"))
    drawing.add(String(x + length, y + 5.5, label, fontName=pdf.FONT, fontSize=6.5, textAnchor="middle"))


def _add_north_arrow(drawing: Drawing, view: _View) -> None:
    x, top = view.x0 + view.width - 18, view.y0 + view.height - 10
    drawing.add(Polygon([x, top, x - 6, top - 20, x, top - 15], fillColor=colors.black, strokeColor=colors.black,
                        strokeWidth=0.6))
    drawing.add(Polygon([x, top, x + 6, top - 20, x, top - 15], fillColor=colors.white, strokeColor=colors.black,
                        strokeWidth=0.6))
    drawing.add(String(x, top - 30, "N", fontName=pdf.FONT_BOLD, fontSize=8, textAnchor="middle"))


def _legend(b: Briefing, located: Sequence[BriefingIncident], width: float) -> tuple[Group, float]:
    """A key below the map: route symbols, then each incident kind that appears on it, wrapped into rows."""
    items: list[tuple[str, str]] = [("stop", STOP.name)]
    if b.start_point:
        items.append(("start", BASE.name))
    if len(b.stops) + (1 if b.start_point else 0) >= 2:
        items.append(("route", ROUTE_SYMBOL.name))
    if b.area_outline:
        items.append(("area", "Patrol area"))
    if b.zones:
        items.append(("zone", NEAR_REPEAT.name))
    premises = map_premises(b)
    if any(not repeat for _, _, repeat in premises):
        items.append(("premises", PREMISES.name))
    if any(repeat for _, _, repeat in premises):
        items.append(("premises_repeat", PREMISES_REPEAT.name))
    seen: list[str] = []
    for incident in located:
        if incident.kind not in seen:
            seen.append(incident.kind)
    items += [(f"kind:{key}", _kind_style(key)[2]) for key in sorted(seen, key=lambda k: _kind_style(k)[2])]

    row_height, font_size = 17.0, 7.0  # tall enough for a stop's pin
    placed: list[tuple[float, int, str, str]] = []
    x, row = 0.0, 0
    for symbol, name in items:
        item_width = 16 + _text_width(name, font_size) + 12
        if x + item_width > width and x > 0:
            x, row = 0.0, row + 1
        placed.append((x, row, symbol, name))
        x += item_width
    rows = row + 1
    height = rows * row_height + 6
    group = Group()
    for x, row, symbol, name in placed:
        cy = height - 6 - row_height * row - row_height / 2 + 1
        cx = x + 6
        if symbol == "stop":
            _add_stop_marker(group, cx, cy - 8, "1")  # the pin's head on the row's middle
        elif symbol == "start":
            _add_start_marker(group, cx, cy)
        elif symbol == "route":
            group.add(Line(cx - 7, cy, cx + 7, cy, strokeColor=ROUTE, strokeWidth=1.8))
        elif symbol == "area":
            group.add(_rect(cx - 6, cy - 4, 12, 8, fillColor=AREA_FILL, strokeColor=AREA_LINE, strokeWidth=1))
        elif symbol == "zone":
            _add_zone(group, cx, cy, 5.5)
        elif symbol in ("premises", "premises_repeat"):
            _add_premises_marker(group, cx, cy, symbol == "premises_repeat")
        else:
            _add_incident_marker(group, cx, cy, symbol.split(":", 1)[1])
        group.add(String(x + 16, cy - 2.4, name, fontName=pdf.FONT, fontSize=font_size, fillColor=pdf.INK))
    return group, height


def _text_width(value: str, size: float) -> float:
    return stringWidth(value, pdf.FONT, size)
