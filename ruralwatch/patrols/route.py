"""Order patrol stops into a short route: nearest neighbour, then 2-opt and Or-opt to a local optimum.

Distances are straight-line (great-circle) metres between (lat, lon) points, computed with a vectorised
haversine rather than through the British National Grid: the spec asks for straight-line distance, the
haversine needs no pyproj call per plan, works for a point just off the grid (a briefing point over the
border), and differs from grid distance by well under 1% across Great Britain, far less than the road factor
the plan multiplies it by.

Routes are lists of indices into the distance matrix. Three shapes are supported:
  - closed tour (``return_to_start=True``): starts and ends at ``start_index`` (index 0 when None);
  - open path from a fixed start (``return_to_start=False`` with ``start_index``): ends wherever is shortest;
  - open path with a free start (``return_to_start=False``, ``start_index=None``).
Everything is deterministic: no randomness, ties broken by the lowest index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), as ruralwatch.core.geo.haversine_km uses

# Or-opt moves chains of up to this many consecutive stops elsewhere in the route (the classic choice).
OR_OPT_MAX_SEGMENT = 3

# How many nearest-neighbour starting routes order_route improves and picks the best of.
MULTI_START = 8


def distance_matrix(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Symmetric matrix of great-circle metres between (lat, lon) points; shape (n, n), zero diagonal."""
    coords = np.asarray(points, dtype=float).reshape(-1, 2)
    lat = np.radians(coords[:, 0])
    lon = np.radians(coords[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    dist = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    np.fill_diagonal(dist, 0.0)
    return dist


def tour_length(order: Sequence[int], dist: np.ndarray, closed: bool) -> float:
    """Length of the route visiting ``order``; ``closed`` adds the leg from the last stop back to the first."""
    if len(order) < 2:
        return 0.0
    idx = np.asarray(order, dtype=int)
    total = float(dist[idx[:-1], idx[1:]].sum())
    if closed:
        total += float(dist[idx[-1], idx[0]])
    return total


def order_route(dist: np.ndarray, start_index: int | None = None, return_to_start: bool = True) -> list[int]:
    """Visit every index of ``dist`` once, as short as the heuristics find; see the module docstring for shapes.

    The result begins with ``start_index`` whenever it is given (and with 0 for a closed tour without one).
    """
    matrix = _check_matrix(dist)
    n = matrix.shape[0]
    if start_index is not None and not 0 <= start_index < n:
        raise IndexError(f"start_index {start_index} is outside 0..{n - 1}")
    if n == 0:
        return []
    if return_to_start and start_index is None:
        start_index = 0  # a closed tour has no start of its own; rotate it to begin at 0
    # One nearest-neighbour start gets 2-opt/Or-opt stuck up to ~12% above the optimum on open paths; a handful
    # of different starts, each taken to its local optimum, brings the worst case within a fraction of a percent
    # on small instances at a few milliseconds each for 50 stops.
    best: list[int] = []
    best_length = np.inf
    for initial in _initial_routes(matrix, start_index):
        route = improve_route(initial, matrix, return_to_start=return_to_start, fix_start=start_index is not None)
        length = tour_length(route, matrix, return_to_start)
        if length < best_length:  # strict: on a tie the earlier start wins, keeping the result deterministic
            best, best_length = route, length
    return best


def improve_route(
    order: Sequence[int], dist: np.ndarray, return_to_start: bool = True, fix_start: bool = True
) -> list[int]:
    """Apply improving 2-opt and Or-opt moves to ``order`` until none is left (a local optimum).

    Used to re-optimise incrementally after a stop is removed from a good route. The first stop stays first
    when ``fix_start`` is set (always, for a closed tour, where it is where the patrol sets off from).
    ``order`` may be any subset of the matrix's indices.
    """
    matrix = _check_matrix(dist)
    route = [int(i) for i in order]
    if len(route) != len(set(route)):
        raise ValueError("a route visits each stop once")
    if len(route) < 3 and (return_to_start or fix_start):
        return route  # nothing to reorder: the start is fixed and at most one other stop remains
    # Sentinel formulation: the route is framed by two fixed end nodes and only the interior moves. A closed
    # tour is framed by its start twice; an open end is framed by a virtual node at distance 0 from everything,
    # so the same move evaluations serve all three route shapes.
    n = matrix.shape[0]
    framed = np.zeros((n + 1, n + 1))
    framed[:n, :n] = matrix
    virtual = n
    if return_to_start:
        head, tail, interior = route[0], route[0], route[1:]
    elif fix_start:
        head, tail, interior = route[0], virtual, route[1:]
    else:
        head, tail, interior = virtual, virtual, route
    path = np.array([head, *interior, tail], dtype=int)
    path = _local_search(framed, path)
    inner = [int(i) for i in path[1:-1]]
    return inner if head == virtual else [head, *inner]


# --- internals ----------------------------------------------------------------------------------------------------


def _check_matrix(dist: np.ndarray) -> np.ndarray:
    matrix = np.asarray(dist, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError("the distance matrix must be square")
    return matrix


def _nearest_neighbour(dist: np.ndarray, prefix: Sequence[int]) -> list[int]:
    """Nearest-neighbour route that begins with ``prefix``."""
    n = dist.shape[0]
    unvisited = np.ones(n, dtype=bool)
    unvisited[list(prefix)] = False
    order = list(prefix)
    current = order[-1]
    for _ in range(n - len(order)):
        row = np.where(unvisited, dist[current], np.inf)
        current = int(np.argmin(row))
        unvisited[current] = False
        order.append(current)
    return order


def _initial_routes(dist: np.ndarray, start: int | None) -> list[list[int]]:
    """Up to MULTI_START different nearest-neighbour routes to improve, deterministic."""
    n = dist.shape[0]
    if n <= 2:
        return [_nearest_neighbour(dist, [start if start is not None else 0])]
    if start is not None:
        # Fixed start: force each of its nearest stops to come second in turn.
        others = [int(i) for i in np.argsort(dist[start], kind="stable") if i != start]
        return [_nearest_neighbour(dist, [start, second]) for second in others[:MULTI_START]]
    # Free open path: begin at the stops farthest, in total, from the rest (extremities make good path ends).
    firsts = np.argsort(-dist.sum(axis=1), kind="stable")[:MULTI_START]
    return [_nearest_neighbour(dist, [int(first)]) for first in firsts]


def _local_search(dist: np.ndarray, path: np.ndarray) -> np.ndarray:
    """Best-improvement 2-opt + Or-opt over the interior of ``path`` (its two end nodes never move)."""
    scale = float(dist.max()) if dist.size else 0.0
    eps = 1e-9 * max(scale, 1.0)  # ignore float noise so the loop always ends
    while True:
        # The matrix in route order: every move below is then plain slicing, no fancy indexing per move kind.
        ordered = dist[np.ix_(path, path)]
        two = _best_two_opt(ordered)
        orm = _best_or_opt(ordered)
        two_delta = two[0] if two is not None else np.inf
        or_delta = orm[0] if orm is not None else np.inf
        if min(two_delta, or_delta) >= -eps:
            return path
        if two is not None and two_delta <= or_delta:
            _, i, j = two
            path = np.concatenate([path[:i], path[i : j + 1][::-1], path[j + 1 :]])
            continue
        assert orm is not None
        _, start, length, edge, reverse = orm
        segment = path[start : start + length]
        if reverse:
            segment = segment[::-1]
        rest = np.concatenate([path[:start], path[start + length :]])
        # ``edge`` indexes the original path; past the removed chain it shifts left by the chain's length.
        at = edge + 1 if edge < start else edge + 1 - length
        path = np.concatenate([rest[:at], segment, rest[at:]])


def _best_two_opt(ordered: np.ndarray) -> tuple[float, int, int] | None:
    """Best reversal of path[i..j] (1 <= i < j <= len-2): returns (delta, i, j).

    ``ordered`` is the distance matrix with rows and columns in route order.
    """
    m = ordered.shape[0] - 1  # number of edges; edge k joins path[k] and path[k + 1]
    if m < 3:
        return None
    w = np.diagonal(ordered, offset=1)
    # Swapping edges k1 < k2 for (a[k1], a[k2]) and (b[k1], b[k2]) reverses path[k1 + 1 .. k2].
    delta = ordered[:-1, :-1] + ordered[1:, 1:] - w[:, None] - w[None, :]
    delta[np.tril_indices(m, k=1)] = np.inf
    flat = int(np.argmin(delta))
    k1, k2 = divmod(flat, m)
    if not np.isfinite(delta[k1, k2]):
        return None
    return float(delta[k1, k2]), k1 + 1, k2


def _best_or_opt(ordered: np.ndarray) -> tuple[float, int, int, int, bool] | None:
    """Best move of a chain path[s..s+L-1] (L <= 3) into another edge, either way round.

    Returns (delta, s, L, edge, reversed) where ``edge`` is the index of the edge of the current path it goes into.
    """
    size = ordered.shape[0]
    m = size - 1
    w = np.diagonal(ordered, offset=1)
    best: tuple[float, int, int, int, bool] | None = None
    edges = np.arange(m)
    for length in range(1, OR_OPT_MAX_SEGMENT + 1):
        starts = np.arange(1, size - length)  # the chain lies in the interior, 1 .. size-2
        if len(starts) == 0:
            break
        ends = starts + length - 1
        gain = ordered[starts - 1, starts] + ordered[ends, ends + 1] - ordered[starts - 1, ends + 1]
        # The chain cannot go into the edges it touches: starts-1 .. ends.
        touching = (edges[None, :] >= starts[:, None] - 1) & (edges[None, :] <= ends[:, None])
        base = w[None, :] + gain[:, None]
        fwd = ordered[starts, :-1] + ordered[ends, 1:] - base
        fwd[touching] = np.inf
        options = [(fwd, False)]
        if length > 1:  # a single stop reversed is the same move
            rev = ordered[ends, :-1] + ordered[starts, 1:] - base
            rev[touching] = np.inf
            options.append((rev, True))
        for candidate, reverse in options:
            flat = int(np.argmin(candidate))
            row, edge = divmod(flat, m)
            value = float(candidate[row, edge])
            if np.isfinite(value) and (best is None or value < best[0]):
                best = (value, int(starts[row]), length, edge, reverse)
    return best
