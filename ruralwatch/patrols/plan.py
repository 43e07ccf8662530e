"""Fit a hotspot patrol plan to a patrol window: Koper-curve dwell at each stop, travel between them.

The Koper curve finds that a 10-15 minute visit to a hotspot gives the longest residual deterrence, so a plan is
a route through the most harmful hotspots with a fixed dwell at each, as many as the window allows.

Travel time is by road when a road network has been imported (ruralwatch.patrols.roads, passed in as ``roads``)
and reaches every stop: the shortest drive time on the roads, at speeds by road class. Otherwise it is the
straight-line distance x ``road_factor`` at ``speed_kmh``: a constant factor (1.4 is the usual detour index for
rural Britain) is honest about not knowing the roads. ``Plan.basis`` says which ("by road" or
"straight line × 1.4"), and a plan by road carries the road route's points for the map and the briefing.

Entry points:
  - ``suggest_plan`` picks, orders and trims: the result never overruns the window;
  - ``replan`` keeps the order the user edited and recomputes the times, moving what no longer fits to ``dropped``;
  - ``timed_plan`` is a saved plan with its totals, timed as ``replan`` timed it (the window and the briefing show
    these, so they agree with what was saved).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.month_split import MonthSplit
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.core.patrol_plan import PlanSettings, PlanStop
from ruralwatch.patrols.roads import RoadRouter, RoadTimes
from ruralwatch.patrols.route import distance_matrix, improve_route, order_route, tour_length

BY_ROAD = "by road"


@dataclass(frozen=True)
class Candidate:
    """A hotspot or recent incident cluster to visit."""

    key: str  # stable id, e.g. "hotspot:3" or "incident:<uuid>"
    lat: float
    lon: float
    harm: float  # higher = more important
    label: str  # e.g. "Hotspot 3 (harm 412 days)"
    reason: str  # why it is on the plan, e.g. "3 hare coursing reports in 28 days"


@dataclass(frozen=True)
class Plan:
    stops: tuple[PlanStop, ...]
    dropped: tuple[Candidate, ...]  # did not fit in the window; see suggest_plan and replan for the order
    travel_minutes: float  # every leg, including the return to start_point when there is one
    dwell_minutes: float
    window_minutes: float
    start: datetime  # the patrol window
    end: datetime
    start_point: tuple[float, float] | None  # base/briefing point (lat, lon), if given
    basis: str = ""  # how travel was timed: BY_ROAD or "straight line × 1.4" (see straight_line_basis)
    # By road: the road route as (lat, lon) points, from the base (or the first stop) through every stop (and back
    # to the base). Empty when timed on the straight line: the map then joins the stops directly.
    route_path: tuple[tuple[float, float], ...] = ()
    # What the stops were chosen from (incidents, published, all) and that in words, with published crime's caveats
    # (services/patrols/places.PlanSource); empty for a plan the planner alone made.
    source: str = ""
    source_note: str = ""
    # A suggestion from both ("all"): which months came from which source (core.month_split); None otherwise. A
    # saved plan's are those saved with it (PlanSettings.planned_months), None for one saved before they were kept.
    months: MonthSplit | None = None

    @property
    def by_road(self) -> bool:
        return self.basis == BY_ROAD

    @property
    def return_travel_minutes(self) -> float:
        """The leg from the last stop back to the start point (0 without one)."""
        return max(0.0, self.travel_minutes - sum(stop.travel_minutes for stop in self.stops))

    @property
    def busy_minutes(self) -> float:
        return self.travel_minutes + self.dwell_minutes

    @property
    def spare_minutes(self) -> float:
        return max(0.0, self.window_minutes - self.busy_minutes)

    @property
    def finish(self) -> datetime:
        """When the crew is back at the start point (or leaves the last stop); never after ``end``."""
        return min(self.end, self.start + timedelta(minutes=self.busy_minutes))


def suggest_plan(
    candidates: Sequence[Candidate],
    start: datetime,
    end: datetime,
    settings: PlanSettings = PlanSettings(),  # noqa: B008 - frozen, so a shared default is safe
    start_point: tuple[float, float] | None = None,
    roads: RoadRouter | None = None,
) -> Plan:
    """The most harmful candidates that fit in the window, in a short route, with arrival and departure times.

    - The top ``settings.max_candidates`` by harm (ties: by key) are considered; the rest go straight to dropped.
    - With a ``start_point`` the route is a closed tour from it and back (the crew returns to base, and that leg
      counts against the window). Without one it is an open path that starts at the most harmful stop at the
      start of the window: with no known base there is no travel to price before the first stop, and leading
      with the worst hotspot makes sure it is visited even if the crew is called away later in the shift.
    - While travel + dwell exceeds the window the lowest-harm stop is dropped and the route re-optimised,
      so the plan is always the top k stops by harm for the largest k found to fit. One exception: a stop that
      cannot fit even on its own (the trip from the base, the dwell and the trip back exceed the window) is
      dropped whatever its harm, so one remote hotspot cannot empty the plan.
    - ``dropped`` holds every candidate not planned, lowest harm first, so stops + dropped = candidates.
    Never overruns the window. No candidates gives an empty plan. Raises ValidationError when ``end`` is not
    after ``start`` (field "end") or a setting, candidate or the start point is unusable.
    """
    window = _window_minutes(start, end)
    _check_settings(settings)
    base = _check_point(start_point)
    pool = _check_candidates(candidates)

    ranked = sorted(pool, key=lambda c: (-c.harm, c.key))
    considered = ranked[: int(settings.max_candidates)]
    travel_times = _travel(considered, base, settings, roads)
    minutes = travel_times.fitting
    offset = 1 if base is not None else 0  # node index of considered[r] is r + offset; node 0 is the base
    eps = 1e-9 * max(1.0, window)

    reachable = [
        r for r in range(len(considered))
        if settings.dwell_minutes + (2 * minutes[0, r + offset] if base is not None else 0.0) <= window + eps
    ]
    # Dwell alone bounds how many stops can fit: skip the routing of stops that certainly would be dropped.
    if settings.dwell_minutes > 0:
        reachable = reachable[: int(math.floor((window + eps) / settings.dwell_minutes))]

    route = _fit_route(reachable, minutes, offset, base is not None, window, settings.dwell_minutes, eps)
    planned_ranks = [node - offset for node in route if node >= offset]  # node 0 is the base, when given
    planned = [considered[r] for r in planned_ranks]
    planned_keys = {c.key for c in planned}
    dropped = tuple(c for c in reversed(ranked) if c.key not in planned_keys)
    nodes = [r + offset for r in planned_ranks]
    stops, travel, dwell, path = _schedule(planned, nodes, start, end, settings, base, travel_times)
    return Plan(tuple(stops), dropped, travel, dwell, window, start, end, base, travel_times.basis, path)


def replan(
    stops_in_order: Sequence[Candidate],
    start: datetime,
    end: datetime,
    settings: PlanSettings = PlanSettings(),  # noqa: B008 - frozen, so a shared default is safe
    start_point: tuple[float, float] | None = None,
    roads: RoadRouter | None = None,
) -> Plan:
    """Recompute the times of a plan the user reordered, added to or trimmed, keeping their order exactly.

    Stops are timed in the given order (from the start point, when given, and back to it at the end). The plan
    is cut at the first stop that cannot be finished by ``end`` (including the trip back to the start point):
    that stop and every one after it are moved to ``dropped``, in the user's order. Later stops are not
    squeezed in around it, because that would silently change the order the user chose; they can reorder
    instead. ``max_candidates`` does not apply: the user picked these stops.
    """
    window = _window_minutes(start, end)
    _check_settings(settings)
    base = _check_point(start_point)
    ordered = _check_candidates(stops_in_order)
    travel_times = _travel(ordered, base, settings, roads)
    minutes = travel_times.minutes
    offset = 1 if base is not None else 0
    eps = 1e-9 * max(1.0, window)

    elapsed = 0.0
    kept = 0
    for i in range(len(ordered)):
        node = i + offset
        leg = minutes[node - 1, node] if node > 0 else 0.0
        leave = elapsed + leg + settings.dwell_minutes
        back = minutes[node, 0] if base is not None else 0.0
        if leave + back > window + eps:
            break
        elapsed = leave
        kept = i + 1
    nodes = [i + offset for i in range(kept)]
    stops, travel, dwell, path = _schedule(ordered[:kept], nodes, start, end, settings, base, travel_times)
    return Plan(tuple(stops), tuple(ordered[kept:]), travel, dwell, window, start, end, base, travel_times.basis,
                path)


def candidate_of(stop: PlanStop) -> Candidate:
    """A saved stop as a place to plan again (reordered, retimed, added back)."""
    return Candidate(stop.key, stop.lat, stop.lon, stop.harm, stop.label, stop.reason)


def timed_plan(record: PatrolRecord, roads: RoadRouter | None = None) -> Plan:
    """A patrol's saved stops with the plan's totals, recomputed in the saved order exactly as ``replan`` (and so
    the service's edit_plan) times them: the travel includes the drive back to base. Raises ValidationError as
    ``replan`` does."""
    return replan([candidate_of(stop) for stop in record.stops], record.start, record.end, record.settings,
                  record.base, roads)


def straight_line_basis(settings: PlanSettings) -> str:
    """How a plan not timed by road says so: "straight line × 1.4"."""
    return f"straight line × {settings.road_factor:g}"


# --- internals ----------------------------------------------------------------------------------------------------


def _fit_route(
    ranks: list[int],
    minutes: np.ndarray,
    offset: int,
    has_base: bool,
    window: float,
    dwell: float,
    eps: float,
) -> list[int]:
    """Route (node indices, starting with the base when there is one) of the top ranks that fits the window.

    ``ranks`` are in harm order, most harmful first; the last is dropped each time the route does not fit.
    """
    if not ranks:
        return []
    nodes = ([0] if has_base else []) + [r + offset for r in ranks]
    sub = minutes[np.ix_(nodes, nodes)]
    # Positions in ``sub``: 0 is the base (or, without one, the most harmful stop, which leads the open path).
    local = order_route(sub, start_index=0, return_to_start=has_base)
    stop_count = len(ranks)

    def busy(route: list[int]) -> float:
        return tour_length(route, sub, closed=has_base) + dwell * stop_count

    # Ranks sit in ``sub`` at their list position (+1 with a base), so the lowest-harm stop left is the largest.
    # Drop and re-optimise incrementally from the previous route: a few cheap moves per drop.
    while stop_count > 0 and busy(local) > window + eps:
        if stop_count == 1 and not has_base:
            return []  # the lone stop is the path's start: nothing left to route
        local = [i for i in local if i != max(local)]
        stop_count -= 1
        local = improve_route(local, sub, return_to_start=has_base, fix_start=True)
    # The warm-started search can stall a few minutes short of what a fresh multi-start search finds: give the
    # last stop dropped one fresh try (and the next, while they keep fitting) before settling.
    while stop_count < len(ranks):
        trial = list(range(stop_count + 1 + (1 if has_base else 0)))
        fresh = order_route(sub[np.ix_(trial, trial)], start_index=0, return_to_start=has_base)
        if tour_length(fresh, sub, closed=has_base) + dwell * (stop_count + 1) > window + eps:
            break
        local = fresh  # ``trial`` is 0..k, so positions in the sub-matrix are indices into ``sub`` as they are
        stop_count += 1
    if stop_count == 0:
        return []
    return [nodes[i] for i in local]


@dataclass(frozen=True)
class _Travel:
    """Minutes between the base (node 0, when there is one) and the stops, and how they were found."""

    minutes: np.ndarray  # minutes[i, j]: from node i to node j (by road, not always minutes[j, i])
    basis: str
    road: RoadTimes | None

    @property
    def fitting(self) -> np.ndarray:
        """The matrix to order and fit a route with. The route heuristics assume a symmetric matrix (2-opt
        reverses stretches of the route); on one-way roads each pair is taken at its slower direction, so a route
        that fits by this matrix fits whichever way it is driven, and the plan never overruns the window."""
        return self.minutes if self.road is None else np.maximum(self.minutes, self.minutes.T)


def _travel(stops: Sequence[Candidate], base: tuple[float, float] | None, settings: PlanSettings,
            roads: RoadRouter | None) -> _Travel:
    points = ([base] if base is not None else []) + [(c.lat, c.lon) for c in stops]
    if roads is not None and len(points) > 1:
        road = roads.times(points)
        if road is not None:
            return _Travel(road.minutes, BY_ROAD, road)
    metres_per_minute = settings.speed_kmh * 1000.0 / 60.0
    return _Travel(distance_matrix(points) * settings.road_factor / metres_per_minute, straight_line_basis(settings),
                   None)


def _schedule(
    ordered: Sequence[Candidate],
    nodes: Sequence[int],
    start: datetime,
    end: datetime,
    settings: PlanSettings,
    base: tuple[float, float] | None,
    travel_times: _Travel,
) -> tuple[list[PlanStop], float, float, tuple[tuple[float, float], ...]]:
    """Timed stops for a route already known to fit; ``nodes[i]`` is the node of ``ordered[i]`` in
    ``travel_times``. Returns (stops, total travel incl. return, total dwell, road route points or ())."""
    if not ordered:
        return [], 0.0, 0.0, ()
    minutes = travel_times.minutes
    route_nodes = ([0] if base is not None else []) + list(nodes) + ([0] if base is not None else [])
    path: list[tuple[float, float]] = []
    if travel_times.road is not None:
        path.append(travel_times.road.path(route_nodes[0], route_nodes[0])[0])
        for a, b in zip(route_nodes[:-1], route_nodes[1:], strict=True):
            path += travel_times.road.path(a, b)[1:]
    stops: list[PlanStop] = []
    elapsed = 0.0
    travel = 0.0
    for i, cand in enumerate(ordered):
        node = nodes[i]
        previous = nodes[i - 1] if i > 0 else (0 if base is not None else None)
        leg = float(minutes[previous, node]) if previous is not None else 0.0
        travel += leg
        arrive_at = elapsed + leg
        elapsed = arrive_at + settings.dwell_minutes
        stops.append(
            PlanStop(
                seq=i + 1,
                key=cand.key,
                lat=cand.lat,
                lon=cand.lon,
                label=cand.label,
                reason=cand.reason,
                harm=cand.harm,
                arrive=_at(start, end, arrive_at),
                leave=_at(start, end, elapsed),
                dwell_minutes=settings.dwell_minutes,
                travel_minutes=leg,
            )
        )
    if base is not None:
        travel += float(minutes[nodes[-1], 0])
    return stops, travel, settings.dwell_minutes * len(ordered), tuple(path)


def _at(start: datetime, end: datetime, minutes: float) -> datetime:
    # Clamp: microsecond rounding of an exact fit must not put the last departure after the window.
    return min(end, start + timedelta(minutes=minutes))


def _window_minutes(start: datetime, end: datetime) -> float:
    try:
        ordered = end > start
    except TypeError as exc:  # one aware, one naive
        raise ValidationError.single("end", "start and end must both carry a time zone, or neither") from exc
    if not ordered:
        raise ValidationError.single("end", "the patrol must end after it starts")
    return (end - start).total_seconds() / 60.0


def _check_settings(settings: PlanSettings) -> None:
    errors: list[FieldError] = []
    if not (math.isfinite(settings.dwell_minutes) and settings.dwell_minutes >= 0):
        errors.append(FieldError("dwell_minutes", "dwell time must be zero or more minutes"))
    if not (math.isfinite(settings.road_factor) and settings.road_factor >= 1):
        errors.append(FieldError("road_factor", "road factor must be at least 1 (roads are never shorter)"))
    if not (math.isfinite(settings.speed_kmh) and settings.speed_kmh > 0):
        errors.append(FieldError("speed_kmh", "average speed must be more than 0 km/h"))
    if not _is_count(settings.max_candidates):
        errors.append(FieldError("max_candidates", "at least one candidate must be considered (a whole number)"))
    if errors:
        raise ValidationError(errors)


def _is_count(value: object) -> bool:
    # Settings read back from JSON may hold 50.0 for 50: accept any whole number of 1 or more.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 1 and int(value) == value


def _check_point(point: tuple[float, float] | None) -> tuple[float, float] | None:
    if point is None:
        return None
    lat, lon = (float(v) for v in point)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError.single("start_point", f"{lat}, {lon} is not a valid latitude, longitude")
    return lat, lon


def _check_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    pool = list(candidates)
    seen: set[str] = set()
    for cand in pool:
        if cand.key in seen:
            raise ValidationError.single("candidates", f"{cand.label or cand.key} is listed twice")
        seen.add(cand.key)
        if not (math.isfinite(cand.lat) and math.isfinite(cand.lon) and -90 <= cand.lat <= 90
                and -180 <= cand.lon <= 180):
            raise ValidationError.single("candidates", f"{cand.label or cand.key} has no valid location")
        if not math.isfinite(cand.harm):
            raise ValidationError.single("candidates", f"{cand.label or cand.key} has no harm score")
    return pool
