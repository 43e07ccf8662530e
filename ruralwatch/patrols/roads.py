"""A routable road network and shortest-time routes between patrol stops (no I/O; the OSM reader and the file
are ruralwatch.io.osm_roads).

Shape of the network. An OpenStreetMap way is a chain of points; most points only bend the road. The graph
that Dijkstra searches keeps only the points where something happens (a junction, a dead end, a change between
one-way and two-way) and joins them by directed edges, each with its drive time, length and the chain of points
it follows (its *shape*, kept for the map). Measured on a synthetic county (bench/roads_bench.py) this graph has
about a sixth of the points, and scipy's Dijkstra costs about as much less per search: on the uncontracted graph
of a first trial, 50 searches took 3.9 s; contracted, and with one search per stop (see ``RoadRouter.times``), a
50-candidate plan takes about 1 s and a 10-stop plan about 0.2 s (docs/BENCHMARKS.md).

A stop is snapped to the nearest point of any road (shape points included) within ``SNAP_LIMIT_M``. A point
inside an edge is left forwards to the edge's end and reached from the edge's start; both partial times are
known from the offsets kept per point, so a stop half-way down a lane costs half the lane.

Only the largest strongly connected part of the network is kept (import), so every snapped stop can reach every
other: no route is ever "infinite" because of a one-way street leading out of an island of private roads.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # as ruralwatch.patrols.route

# Shown wherever a road route is drawn or timed (map, briefing): OpenStreetMap data is under the ODbL, whose
# attribution the OSMF asks for as "© OpenStreetMap contributors".
ATTRIBUTION = "Roads © OpenStreetMap contributors (ODbL)"

# A stop further than this from every road is "not covered": the plan falls back to the straight line. Hotspot
# cells are 250-500 m squares whose centre is often in a field; a kilometre keeps them while refusing a place
# outside the extract (which has no roads near it at all).
SNAP_LIMIT_M = 1000.0

# The drive from a stop to the nearest road point (across a yard or a field gate), at walking-pace driving.
CONNECTOR_KMH = 15.0


@dataclass(frozen=True)
class RoadClass:
    kmh: float  # planning speed: what a marked car keeps up on such a road, never above the limit
    limit: str  # the legal limit it is below (UK national speed limits, Highway Code rule 124)


# Drive speeds by OSM highway class. The limits are the UK national speed limits for cars (Highway Code rule 124:
# 70 mph on motorways and dual carriageways, 60 mph on single carriageways, 30 mph on roads with street lights
# in built-up areas; 20 mph zones for living streets). The planning speeds are lower than the limits because a
# patrol car meets bends, junctions, farm traffic and villages: they follow the DfT's free-flow speed
# statistics (SPE0111: cars on rural single carriageway A roads average about 48 mph; minor rural roads are
# slower) and, for lanes and tracks, the speeds forces use in their own response-time planning.
# Only these classes are drivable; footways, cycleways, bridleways, paths and steps are never routed.
ROAD_CLASSES: Mapping[str, RoadClass] = {
    "motorway": RoadClass(105.0, "70 mph"),
    "motorway_link": RoadClass(60.0, "70 mph (slip roads: signed lower)"),
    "trunk": RoadClass(85.0, "70 mph dual / 60 mph single carriageway"),
    "trunk_link": RoadClass(50.0, "as trunk; slip roads"),
    "primary": RoadClass(70.0, "60 mph single carriageway"),
    "primary_link": RoadClass(45.0, "60 mph; slip roads"),
    "secondary": RoadClass(60.0, "60 mph single carriageway"),
    "secondary_link": RoadClass(40.0, "60 mph; slip roads"),
    "tertiary": RoadClass(50.0, "60 mph single carriageway"),
    "tertiary_link": RoadClass(35.0, "60 mph; slip roads"),
    "unclassified": RoadClass(40.0, "60 mph (national limit on rural lanes)"),
    "residential": RoadClass(30.0, "30 mph (street lights: built-up area)"),
    "living_street": RoadClass(15.0, "20 mph"),
    "service": RoadClass(20.0, "60 mph in law; farm and yard access in practice"),
    "track": RoadClass(15.0, "60 mph in law; unsurfaced, 4x4 only in practice"),
    "road": RoadClass(30.0, "unknown class: as a built-up road"),
}

MPH_KMH = 1.609344


def way_speed_kmh(tags: Mapping[str, str]) -> float | None:
    """The planning speed of an OSM way, or None when it is not a road a patrol car may drive.

    A posted ``maxspeed`` lower than the class speed wins (a 30 mph village stretch of a B road)."""
    road = ROAD_CLASSES.get(tags.get("highway", ""))
    if road is None or tags.get("area") == "yes":
        return None
    access = tags.get("motor_vehicle") or tags.get("motorcar") or tags.get("vehicle") or tags.get("access")
    if access in {"no", "private", "agricultural", "forestry", "delivery"}:
        return None
    speed = road.kmh
    posted = _maxspeed_kmh(tags.get("maxspeed", ""))
    if posted is not None:
        speed = min(speed, posted)
    return speed


def way_direction(tags: Mapping[str, str]) -> int:
    """1: one-way along the way's points; -1: one-way against them; 0: both ways (OSM's oneway rules:
    motorways and roundabouts are one-way unless tagged otherwise)."""
    oneway = tags.get("oneway", "")
    if oneway in {"yes", "true", "1"}:
        return 1
    if oneway in {"-1", "reverse"}:
        return -1
    if oneway == "no":
        return 0
    if tags.get("highway") == "motorway" or tags.get("junction") in {"roundabout", "circular"}:
        return 1
    return 0


def _maxspeed_kmh(text: str) -> float | None:
    value = text.strip().lower()
    factor = 1.0
    if value.endswith("mph"):
        value, factor = value[:-3].strip(), MPH_KMH
    elif value.endswith("km/h"):
        value = value[:-4].strip()
    try:
        speed = float(value) * factor
    except ValueError:
        return None  # "national", "signals", "GB:nsl_single": the class speed stands
    return speed if 5.0 <= speed <= 130.0 else None


# --- the network ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadNetwork:
    """Points of the roads and the contracted graph over them (see the module docstring). All arrays are numpy.

    ``node_point[k]`` is the point of graph node k. Edge e runs from graph node ``edge_from[e]`` to
    ``edge_to[e]`` in ``edge_seconds[e]`` over ``edge_metres[e]``, along points
    ``shape[shape_start[e]:shape_start[e + 1]]`` (both ends included). ``point_edge[p]`` holds the (at most two,
    one per direction) edges point p lies inside of (-1 for none) and ``point_offset[p]`` the seconds from each
    edge's start to p.
    """

    lat: np.ndarray
    lon: np.ndarray
    node_point: np.ndarray
    edge_from: np.ndarray
    edge_to: np.ndarray
    edge_seconds: np.ndarray
    edge_metres: np.ndarray
    shape_start: np.ndarray
    shape: np.ndarray
    point_edge: np.ndarray
    point_offset: np.ndarray

    @property
    def node_count(self) -> int:
        return int(len(self.node_point))

    @property
    def edge_count(self) -> int:
        return int(len(self.edge_from))

    @property
    def point_count(self) -> int:
        return int(len(self.lat))

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) in degrees; zeros for an empty network."""
        if not len(self.lat):
            return (0.0, 0.0, 0.0, 0.0)
        return (float(self.lat.min()), float(self.lon.min()), float(self.lat.max()), float(self.lon.max()))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in _ARRAYS}


_ARRAYS = ("lat", "lon", "node_point", "edge_from", "edge_to", "edge_seconds", "edge_metres", "shape_start",
           "shape", "point_edge", "point_offset")


def network_from_arrays(arrays: Mapping[str, np.ndarray]) -> RoadNetwork:
    """The network from its arrays (as ``RoadNetwork.arrays`` gives them); KeyError when one is missing."""
    return RoadNetwork(**{name: np.asarray(arrays[name]) for name in _ARRAYS})


def segment_metres(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle metres between paired points (vectorised haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def build_network(lat: np.ndarray, lon: np.ndarray, seg_from: np.ndarray, seg_to: np.ndarray,
                  seg_kmh: np.ndarray) -> RoadNetwork:
    """Contract directed segments between points into the graph (see the module docstring).

    ``seg_from[i] -> seg_to[i]`` is one drivable directed step between two points at ``seg_kmh[i]``. Repeated
    steps keep the fastest; self-steps are ignored. Keeps the largest strongly connected part only.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    a = np.asarray(seg_from, dtype=np.int64)
    b = np.asarray(seg_to, dtype=np.int64)
    kmh = np.asarray(seg_kmh, dtype=float)
    keep = a != b
    a, b, kmh = a[keep], b[keep], kmh[keep]
    metres = segment_metres(lat[a], lon[a], lat[b], lon[b])
    seconds = metres / (kmh / 3.6)
    # One step per ordered pair: the fastest.
    order = np.lexsort((seconds, b, a))
    a, b, metres, seconds = a[order], b[order], metres[order], seconds[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, metres, seconds = a[first], b[first], metres[first], seconds[first]
    n = len(lat)
    if len(a) == 0:
        return _empty()

    # Strongly connected at the level of points (the same parts as at the level of the contracted graph).
    steps = csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, label = connected_components(steps, directed=True, connection="strong")
    used = np.zeros(n, dtype=bool)
    used[a] = used[b] = True
    sizes = np.bincount(label[used], minlength=int(label.max()) + 1)
    main = int(np.argmax(sizes))
    inside = label == main
    keep = inside[a] & inside[b]
    a, b, metres, seconds = a[keep], b[keep], metres[keep], seconds[keep]

    # A point is a graph node unless exactly one road passes through it: two distinct neighbours and as many
    # steps in as out (a two-way road: 2 and 2; a one-way road: 1 and 1).
    out_deg = np.bincount(a, minlength=n)
    in_deg = np.bincount(b, minlength=n)
    pairs = np.unique(np.sort(np.stack([a, b], axis=1), axis=1), axis=0)
    neighbours = np.bincount(pairs.ravel(), minlength=n)
    present = (out_deg + in_deg) > 0
    is_node = present & ~((neighbours == 2) & (out_deg == in_deg))

    # Steps leaving each point, grouped (CSR by hand).
    by_from = np.argsort(a, kind="stable")
    a_s, b_s, m_s, s_s = a[by_from], b[by_from], metres[by_from], seconds[by_from]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a_s, minlength=n), out=ptr[1:])

    # Two chains between the same pair of nodes (a loop road off a street, a lay-by) would make parallel edges,
    # and a chain back to its own start a self-loop: the graph keeps one edge per pair, so the slower chain's
    # middle point becomes a node of its own and the walk is done again (once or twice on real data), so no road
    # is lost and every point stays reachable.
    while True:
        edges, split = _walk_chains(is_node.tolist(), ptr.tolist(), b_s.tolist(), m_s.tolist(), s_s.tolist())
        if not split:
            break
        is_node[split] = True
    return _assemble(lat, lon, edges)


def _walk_chains(node_l: list[bool], ptr_l: list[int], b_l: list[int], m_l: list[float], s_l: list[float]
                 ) -> tuple[dict[tuple[int, int], tuple[float, float, list[int]]], list[int]]:
    """Edges (start, end) -> (seconds, metres, points) from every node along every step out of it, and the points
    to make nodes because a chain ran parallel to a faster one or back to its start."""
    edges: dict[tuple[int, int], tuple[float, float, list[int]]] = {}
    split: list[int] = []
    for start, is_start in enumerate(node_l):
        if not is_start:
            continue
        for k in range(ptr_l[start], ptr_l[start + 1]):
            chain = [start, b_l[k]]
            secs, dist = s_l[k], m_l[k]
            prev, cur = start, b_l[k]
            while not node_l[cur]:
                nxt = -1
                for j in range(ptr_l[cur], ptr_l[cur + 1]):
                    if b_l[j] != prev:
                        nxt = j
                        break
                if nxt < 0:
                    break  # cannot happen for a pass-through point; defensive
                secs += s_l[nxt]
                dist += m_l[nxt]
                prev, cur = cur, b_l[nxt]
                chain.append(cur)
            end = chain[-1]
            if not node_l[end]:
                continue
            if end == start:
                if len(chain) > 2:
                    split.append(chain[len(chain) // 2])
                continue
            found = (secs, dist, chain)
            best = edges.get((start, end))
            if best is None:
                edges[(start, end)] = found
                continue
            fast, slow = (best, found) if best[0] <= secs else (found, best)
            edges[(start, end)] = fast
            # Split the slower chain; a single step cannot be split, so then the faster one.
            target = slow[2] if len(slow[2]) > 2 else fast[2]
            if len(target) > 2:
                split.append(target[len(target) // 2])
    return edges, split


def _assemble(lat: np.ndarray, lon: np.ndarray, edges: dict[tuple[int, int], tuple[float, float, list[int]]]
              ) -> RoadNetwork:
    if not edges:
        return _empty()
    keys = sorted(edges)
    chains = [edges[k][2] for k in keys]
    used_points = np.unique(np.concatenate([np.asarray(c, dtype=np.int64) for c in chains]))
    remap = np.full(len(lat), -1, dtype=np.int64)
    remap[used_points] = np.arange(len(used_points))
    node_old = np.unique(np.asarray([k[0] for k in keys] + [k[1] for k in keys], dtype=np.int64))
    node_of_point = np.full(len(lat), -1, dtype=np.int64)
    node_of_point[node_old] = np.arange(len(node_old))
    lengths = np.asarray([len(c) for c in chains], dtype=np.int64)
    shape_start = np.zeros(len(chains) + 1, dtype=np.int64)
    np.cumsum(lengths, out=shape_start[1:])
    shape = remap[np.concatenate([np.asarray(c, dtype=np.int64) for c in chains])]
    edge_seconds = np.asarray([edges[k][0] for k in keys], dtype=np.float64)

    # Where each shape point lies inside an edge, and the seconds from the edge's start to it.
    new_lat, new_lon = lat[used_points], lon[used_points]
    step_metres = segment_metres(new_lat[shape[:-1]], new_lon[shape[:-1]], new_lat[shape[1:]], new_lon[shape[1:]])
    point_edge = np.full((len(used_points), 2), -1, dtype=np.int32)
    point_offset = np.zeros((len(used_points), 2), dtype=np.float32)
    for e in range(len(chains)):
        lo, hi = int(shape_start[e]), int(shape_start[e + 1])
        if hi - lo <= 2:
            continue
        # Seconds along the edge in proportion to metres (an edge's steps may differ in speed only when a way
        # changes class mid-chain, which happens at a node anyway in OSM practice).
        cum = np.concatenate([[0.0], np.cumsum(step_metres[lo:hi - 1])])
        frac = cum / cum[-1] if cum[-1] > 0 else np.zeros_like(cum)
        inner = shape[lo + 1:hi - 1]
        slot = (point_edge[inner, 0] >= 0).astype(np.int64)
        point_edge[inner, slot] = e
        point_offset[inner, slot] = (frac[1:-1] * edge_seconds[e]).astype(np.float32)
    return RoadNetwork(
        lat=new_lat, lon=new_lon, node_point=remap[node_old].astype(np.int32),
        edge_from=node_of_point[np.asarray([k[0] for k in keys])].astype(np.int32),
        edge_to=node_of_point[np.asarray([k[1] for k in keys])].astype(np.int32),
        edge_seconds=edge_seconds, edge_metres=np.asarray([edges[k][1] for k in keys], dtype=np.float64),
        shape_start=shape_start, shape=shape.astype(np.int32), point_edge=point_edge, point_offset=point_offset,
    )


def _empty() -> RoadNetwork:
    none_f, none_i = np.zeros(0), np.zeros(0, dtype=np.int32)
    return RoadNetwork(none_f, none_f, none_i, none_i, none_i, none_f, none_f, np.zeros(1, dtype=np.int64), none_i,
                       np.zeros((0, 2), dtype=np.int32), np.zeros((0, 2), dtype=np.float32))


# --- routing --------------------------------------------------------------------------------------------------


class RoadTimes:
    """Drive minutes between stops (``minutes[i, j]`` from stop i to stop j; not symmetric on one-way roads) and
    the road each leg follows, traced only when asked for (a plan draws a dozen of the n x n legs)."""

    def __init__(self, minutes: np.ndarray, trace: Callable[[int, int], tuple[tuple[float, float], ...]]) -> None:
        self.minutes = minutes
        self._trace = trace
        self._paths: dict[tuple[int, int], tuple[tuple[float, float], ...]] = {}

    def path(self, i: int, j: int) -> tuple[tuple[float, float], ...]:
        """(lat, lon) points of the leg from stop i to stop j, starting and ending at the stops themselves."""
        found = self._paths.get((i, j))
        if found is None:
            found = self._paths[(i, j)] = self._trace(i, j)
        return found


@dataclass(frozen=True)
class _Snap:
    point: int  # road point index
    connector_seconds: float
    exits: tuple[tuple[int, float, int], ...]  # (graph node, seconds from the stop, edge left along or -1)
    entries: tuple[tuple[int, float, int], ...]  # (graph node, seconds to the stop, edge arrived along or -1)


class RoadRouter:
    """Shortest-time routes on one loaded network. Build once per network (loading a county's file and building
    the spatial index take about 0.4 s); ``times`` is then cheap enough to call per plan."""

    # The window retimes the open patrol's plan each time it is shown or changed: the same stops, asked again.
    RECENT = 16

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        self._recent: OrderedDict[tuple[tuple[float, float], ...], RoadTimes | None] = OrderedDict()
        self._recent_lock = threading.Lock()

    @cached_property
    def _edge_of(self) -> dict[tuple[int, int], int]:
        net = self.network
        return {(int(u), int(v)): e for e, (u, v) in enumerate(zip(net.edge_from.tolist(), net.edge_to.tolist(),
                                                                   strict=True))}

    @cached_property
    def _node_of_point(self) -> np.ndarray:
        net = self.network
        found = np.full(net.point_count, -1, dtype=np.int64)
        found[net.node_point] = np.arange(net.node_count)
        return found

    @cached_property
    def _tree(self) -> tuple[object, float]:
        from scipy.spatial import cKDTree

        net = self.network
        lat0 = float(np.radians(np.mean(net.lat))) if net.point_count else 0.0
        return cKDTree(self._xy(net.lat, net.lon, lat0)), lat0

    @staticmethod
    def _xy(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
        # Equirectangular metres about the network's mean latitude: within 0.5% over a county, enough to pick
        # the nearest road point; the connector's length is then measured by the haversine.
        return np.column_stack([np.radians(lon) * math.cos(lat0) * EARTH_RADIUS_M, np.radians(lat) * EARTH_RADIUS_M])

    def covers(self, points: Sequence[tuple[float, float]]) -> bool:
        """Whether every point is within SNAP_LIMIT_M of a road of the network."""
        return self._snap(points) is not None

    def times(self, points: Sequence[tuple[float, float]]) -> RoadTimes | None:
        """Drive minutes between every pair of (lat, lon) points and the road routes, or None when a point is not
        within SNAP_LIMIT_M of the network (then the caller uses the straight line).

        Each stop joins the graph as a node of its own for this call, with edges to where its road leads (both
        ends of the edge it lies inside, at the partial times) and from where its road comes, and straight to a
        stop further along the same edge: one Dijkstra per stop then gives every time, where searching from each
        end of each stop's edge took twice as many. The last RECENT answers are kept."""
        key = tuple(_pt(p) for p in points)
        with self._recent_lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
        found = self._times(points)
        with self._recent_lock:
            self._recent[key] = found
            while len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return found

    def _times(self, points: Sequence[tuple[float, float]]) -> RoadTimes | None:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        snaps = self._snap(points)
        if snaps is None:
            return None
        n = len(snaps)
        stops = [_pt(p) for p in points]
        if n == 0:
            return RoadTimes(np.zeros((0, 0)), lambda i, j: ())
        net = self.network
        base = net.node_count
        extra_from: list[int] = []
        extra_to: list[int] = []
        extra_sec: list[float] = []
        for i, snap in enumerate(snaps):
            for node, sec, _ in snap.exits:
                extra_from.append(base + i)
                extra_to.append(node)
                extra_sec.append(sec)
            for node, sec, _ in snap.entries:
                extra_from.append(node)
                extra_to.append(base + i)
                extra_sec.append(sec)
        direct = self._direct_pairs(snaps)
        for (i, j), (sec, _) in direct.items():
            extra_from.append(base + i)
            extra_to.append(base + j)
            extra_sec.append(sec)
        # A zero in a sparse matrix is no edge at all to csgraph: a stop on a junction joins it at a nanosecond.
        weights = np.maximum(np.asarray(extra_sec, dtype=float), 1e-9)
        size = base + n
        graph = csr_matrix((np.concatenate([net.edge_seconds, weights]),
                            (np.concatenate([net.edge_from, np.asarray(extra_from, dtype=np.int64)]),
                             np.concatenate([net.edge_to, np.asarray(extra_to, dtype=np.int64)]))),
                           shape=(size, size))
        dist, pred = dijkstra(graph, directed=True, indices=np.arange(base, size), return_predecessors=True)
        connector = np.array([s.connector_seconds for s in snaps])
        minutes = (dist[:, base:] + connector[:, None] + connector[None, :]) / 60.0
        np.fill_diagonal(minutes, 0.0)
        same = np.array([s.point for s in snaps])
        for i, j in zip(*np.nonzero(same[:, None] == same[None, :]), strict=True):
            if i != j:  # both nearest the same road point: straight across between them, no road in between
                gap = float(segment_metres(np.array(stops[i][0]), np.array(stops[i][1]), np.array(stops[j][0]),
                                           np.array(stops[j][1])))
                minutes[i, j] = gap / (CONNECTOR_KMH / 3.6) / 60.0
        if not np.all(np.isfinite(minutes)):
            return None  # cannot happen on a strongly connected network; the straight line is the honest answer

        def trace(i: int, j: int) -> tuple[tuple[float, float], ...]:
            if i == j:
                return (stops[i],)
            if snaps[i].point == snaps[j].point:
                return (stops[i], stops[j])
            hops = [base + j]
            while hops[-1] != base + i:
                hops.append(int(pred[i, hops[-1]]))
            hops.reverse()
            return (stops[i], *self._coords(self._points_of(hops, snaps, direct)), stops[j])

        return RoadTimes(minutes, trace)

    # --- internals ---------------------------------------------------------------------------------------

    def _snap(self, points: Sequence[tuple[float, float]]) -> list[_Snap] | None:
        net = self.network
        if not len(points):
            return []
        if net.point_count == 0:
            return None
        tree, lat0 = self._tree
        coords = np.asarray(points, dtype=float).reshape(-1, 2)
        _, nearest = tree.query(self._xy(coords[:, 0], coords[:, 1], lat0))  # type: ignore[attr-defined]
        nearest = np.asarray(nearest, dtype=np.int64)
        gaps = segment_metres(coords[:, 0], coords[:, 1], net.lat[nearest], net.lon[nearest])
        if np.any(gaps > SNAP_LIMIT_M):
            return None
        snaps = []
        for p, gap in zip(nearest.tolist(), gaps.tolist(), strict=True):
            connector = gap / (CONNECTOR_KMH / 3.6)
            node = int(self._node_of_point[p])
            if node >= 0:
                snaps.append(_Snap(p, connector, ((node, 0.0, -1),), ((node, 0.0, -1),)))
                continue
            exits, entries = [], []
            for slot in range(2):
                e = int(net.point_edge[p, slot])
                if e < 0:
                    continue
                offset = float(net.point_offset[p, slot])
                exits.append((int(net.edge_to[e]), float(net.edge_seconds[e]) - offset, e))
                entries.append((int(net.edge_from[e]), offset, e))
            snaps.append(_Snap(p, connector, tuple(exits), tuple(entries)))
        return snaps

    def _direct_pairs(self, snaps: list[_Snap]) -> dict[tuple[int, int], tuple[float, int]]:
        """Pairs of stops inside the same edge, j after i: (seconds straight along it, the edge)."""
        net = self.network
        on_edge: dict[int, list[int]] = {}
        for i, snap in enumerate(snaps):
            for _, _, e in snap.exits:
                if e >= 0:
                    on_edge.setdefault(e, []).append(i)
        found: dict[tuple[int, int], tuple[float, int]] = {}
        for e, members in on_edge.items():
            if len(members) < 2:
                continue
            chain = net.shape[net.shape_start[e]:net.shape_start[e + 1]].tolist()
            for i in members:
                for j in members:
                    p, q = snaps[i].point, snaps[j].point
                    if i == j or p == q or chain.index(q) < chain.index(p):
                        continue
                    slot_i = 0 if int(net.point_edge[p, 0]) == e else 1
                    slot_j = 0 if int(net.point_edge[q, 0]) == e else 1
                    secs = float(net.point_offset[q, slot_j]) - float(net.point_offset[p, slot_i])
                    found[(i, j)] = (max(0.0, secs), e)
        return found

    def _points_of(self, hops: list[int], snaps: list[_Snap],
                   direct: dict[tuple[int, int], tuple[float, int]]) -> list[int]:
        """Road points along a Dijkstra path of graph nodes and stop nodes (numbered from ``node_count``)."""
        net = self.network
        base = net.node_count

        def chain(e: int) -> list[int]:
            return net.shape[net.shape_start[e]:net.shape_start[e + 1]].tolist()

        points = [snaps[hops[0] - base].point]
        for u, w in zip(hops[:-1], hops[1:], strict=True):
            if u >= base and w >= base:  # along one edge from stop to stop
                line = chain(direct[(u - base, w - base)][1])
                points += line[line.index(snaps[u - base].point) + 1:line.index(snaps[w - base].point) + 1]
            elif u >= base:  # out of a stop to the end of its edge
                snap = snaps[u - base]
                edge = next(e for node, _, e in snap.exits if node == w)
                if edge >= 0:
                    line = chain(edge)
                    points += line[line.index(snap.point) + 1:]
            elif w >= base:  # from the start of a stop's edge to the stop
                snap = snaps[w - base]
                edge = next(e for node, _, e in snap.entries if node == u)
                if edge >= 0:
                    line = chain(edge)
                    points += line[1:line.index(snap.point) + 1]
            else:
                points += chain(self._edge_of[(u, w)])[1:]
        return points

    def _coords(self, points: list[int]) -> list[tuple[float, float]]:
        net = self.network
        return [(round(float(net.lat[p]), 6), round(float(net.lon[p]), 6)) for p in points]


def _pt(point: Sequence[float]) -> tuple[float, float]:
    return float(point[0]), float(point[1])
