"""Route ordering (ruralwatch.patrols.route): distances, tour lengths and closeness to the brute-force optimum."""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.geo import LatLon, haversine_km
from ruralwatch.patrols.route import distance_matrix, improve_route, order_route, tour_length

INSTANCES = 200
MAX_STOPS = 9
TOLERANCE = 0.05  # the spec: within 5% of the optimum


@cache
def _permutations(n: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(n))), dtype=int).reshape(-1, n)


def _brute_force(dist: np.ndarray, start: int | None, closed: bool) -> float:
    """Shortest route by trying every order (itertools.permutations), lengths summed with numpy."""
    n = dist.shape[0]
    if n < 2:
        return 0.0
    if start is None:
        orders = _permutations(n)
    else:
        rest = np.array([i for i in range(n) if i != start])
        perms = rest[_permutations(n - 1)] if n > 1 else np.empty((1, 0), dtype=int)
        orders = np.hstack([np.full((len(perms), 1), start), perms])
    lengths = dist[orders[:, :-1], orders[:, 1:]].sum(axis=1)
    if closed:
        lengths = lengths + dist[orders[:, -1], orders[:, 0]]
    return float(lengths.min())


def _instance(seed: int) -> tuple[np.ndarray, int, int]:
    """Random stops over a rural area about 20 x 30 km; returns (dist, n, a random start)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, MAX_STOPS + 1))
    lat = 51.8 + rng.random(n) * 0.2
    lon = 0.4 + rng.random(n) * 0.45
    dist = distance_matrix(list(zip(lat, lon, strict=True)))
    return dist, n, int(rng.integers(n))


# --- distance_matrix ------------------------------------------------------------------------------------------


def test_distance_matrix_matches_the_haversine_in_core_geo() -> None:
    points = [(51.73, 0.47), (51.89, 0.90), (52.05, 1.15), (51.54, 0.71)]
    dist = distance_matrix(points)
    assert dist.shape == (4, 4)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            expected = haversine_km(LatLon(*a), LatLon(*b)) * 1000
            assert dist[i, j] == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert np.allclose(dist, dist.T)
    assert np.all(np.diag(dist) == 0)


def test_one_degree_of_latitude_is_about_111_km() -> None:
    dist = distance_matrix([(52.0, 0.5), (53.0, 0.5)])
    assert dist[0, 1] == pytest.approx(111_195, rel=1e-3)


def test_distance_matrix_of_nothing_and_of_one_point() -> None:
    assert distance_matrix([]).shape == (0, 0)
    assert distance_matrix([(52.0, 0.5)]).tolist() == [[0.0]]


# --- tour_length ----------------------------------------------------------------------------------------------


def test_tour_length_open_and_closed() -> None:
    dist = np.array([[0, 1, 5], [1, 0, 2], [5, 2, 0]], dtype=float)
    assert tour_length([0, 1, 2], dist, closed=False) == 3
    assert tour_length([0, 1, 2], dist, closed=True) == 8
    assert tour_length([2], dist, closed=True) == 0
    assert tour_length([], dist, closed=False) == 0


# --- order_route against brute force ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closed", "fixed_start"),
    [(True, True), (True, False), (False, True), (False, False)],
    ids=["closed-from-start", "closed", "open-from-start", "open-free-start"],
)
def test_route_is_within_five_percent_of_the_brute_force_optimum(closed: bool, fixed_start: bool) -> None:
    worst = 0.0
    sizes: set[int] = set()
    for seed in range(INSTANCES):
        dist, n, start = _instance(seed)
        sizes.add(n)
        start_index = start if fixed_start else None
        order = order_route(dist, start_index=start_index, return_to_start=closed)
        assert sorted(order) == list(range(n))
        if fixed_start:
            assert order[0] == start
        elif closed:
            assert order[0] == 0
        optimum = _brute_force(dist, start_index if not closed else (start_index or 0), closed)
        length = tour_length(order, dist, closed)
        assert length >= optimum - 1e-6, "shorter than the optimum: the brute force or the length is wrong"
        gap = length / optimum - 1 if optimum > 0 else 0.0
        worst = max(worst, gap)
        assert gap <= TOLERANCE, f"seed {seed}: {n} stops, {gap:.1%} above the optimum"
    assert sizes == set(range(1, MAX_STOPS + 1))  # every size up to 9 was exercised
    assert worst <= TOLERANCE


def test_order_route_is_deterministic() -> None:
    rng = np.random.default_rng(42)
    points = list(zip(51.8 + rng.random(30) * 0.3, 0.4 + rng.random(30) * 0.5, strict=True))
    dist = distance_matrix(points)
    for closed in (True, False):
        first = order_route(dist, start_index=3, return_to_start=closed)
        assert all(order_route(dist, start_index=3, return_to_start=closed) == first for _ in range(3))


def test_open_path_along_a_line_from_one_end_goes_straight() -> None:
    # Five stops due north of each other, given out of order; starting at the southern end.
    lats = [52.04, 52.0, 52.03, 52.01, 52.02]
    dist = distance_matrix([(lat, 0.5) for lat in lats])
    order = order_route(dist, start_index=1, return_to_start=False)
    assert [lats[i] for i in order] == sorted(lats)
    # From the middle, an open path goes to the nearer end first, then sweeps to the far end.
    middle = order_route(dist, start_index=4, return_to_start=False)
    assert tour_length(middle, dist, closed=False) == pytest.approx(
        dist[4, 3] + dist[3, 1] + dist[1, 0], rel=1e-9
    )


def test_closed_tour_of_a_square_goes_round_the_edge() -> None:
    dist = distance_matrix([(52.0, 0.5), (52.1, 0.6), (52.0, 0.6), (52.1, 0.5)])
    order = order_route(dist, start_index=0, return_to_start=True)
    # No diagonal: 0 and 1 are opposite corners, as are 2 and 3.
    legs = {frozenset(pair) for pair in itertools.pairwise([*order, order[0]])}
    assert frozenset({0, 1}) not in legs and frozenset({2, 3}) not in legs


@pytest.mark.parametrize("closed", [True, False])
def test_tiny_routes(closed: bool) -> None:
    assert order_route(np.zeros((0, 0)), return_to_start=closed) == []
    assert order_route(np.zeros((1, 1)), start_index=0, return_to_start=closed) == [0]
    two = np.array([[0.0, 3.0], [3.0, 0.0]])
    assert order_route(two, start_index=1, return_to_start=closed) == [1, 0]


def test_bad_start_index_and_matrix_are_refused() -> None:
    with pytest.raises(IndexError):
        order_route(np.zeros((3, 3)), start_index=3)
    with pytest.raises(ValueError, match="square"):
        order_route(np.zeros((2, 3)))


# --- improve_route ---------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n=st.integers(min_value=1, max_value=25),
    closed=st.booleans(),
    fix_start=st.booleans(),
)
def test_improve_route_never_lengthens_and_keeps_its_stops(seed: int, n: int, closed: bool, fix_start: bool) -> None:
    rng = np.random.default_rng(seed)
    points = list(zip(51.8 + rng.random(n) * 0.3, 0.4 + rng.random(n) * 0.5, strict=True))
    dist = distance_matrix(points)
    order = [int(i) for i in rng.permutation(n)]
    improved = improve_route(order, dist, return_to_start=closed, fix_start=fix_start)
    assert sorted(improved) == sorted(order)
    assert tour_length(improved, dist, closed) <= tour_length(order, dist, closed) + 1e-6
    if closed or fix_start:
        assert improved[0] == order[0]


def test_improve_route_works_on_a_subset_of_the_matrix() -> None:
    rng = np.random.default_rng(5)
    dist = distance_matrix(list(zip(51.8 + rng.random(12) * 0.3, 0.4 + rng.random(12) * 0.5, strict=True)))
    subset = [7, 2, 9, 4, 11, 0]
    improved = improve_route(subset, dist, return_to_start=True)
    assert improved[0] == 7 and sorted(improved) == sorted(subset)
    assert tour_length(improved, dist, True) <= tour_length(subset, dist, True) + 1e-6
    with pytest.raises(ValueError, match="once"):
        improve_route([1, 2, 1], dist)


def test_brute_force_helper_agrees_with_a_hand_worked_case() -> None:
    # Square of side 1 with the diagonal sqrt(2): the best closed tour is the perimeter.
    s = math.sqrt(2)
    dist = np.array([[0, 1, s, 1], [1, 0, 1, s], [s, 1, 0, 1], [1, s, 1, 0]], dtype=float)
    assert _brute_force(dist, 0, closed=True) == pytest.approx(4)
    assert _brute_force(dist, None, closed=False) == pytest.approx(3)
