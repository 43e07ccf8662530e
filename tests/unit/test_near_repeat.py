"""The Knox test for near repeats (ruralwatch.analysis.near_repeat): a hand-counted table, a synthetic process
with and without a near-repeat effect, and the invariants any table keeps."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.analysis.near_repeat import KnoxBands, all_pairs_time_counts, knox_table, knox_test
from ruralwatch.core.errors import CancelledError

# Six incidents (easting m, northing m, day). Pairs, counted by hand (distance, days apart -> cell):
#   AB 100 m, 3 d -> 0-200 m, 0-7        AC 300 m, 10 d -> 200-400, 8-14     BC 316 m, 7 d -> 200-400, 0-7
#   AF 200 m (the edge), 56 d -> 0-200, 29-56    BF 100 m, 53 d -> 0-200, 29-56    CF 361 m, 46 d -> 200-400, 29-56
#   DE 150 m, 20 d -> 0-200, 15-28       DF 4,800 m, 44 d -> beyond, 29-56
#   AD BD CD AE BE CE EF: over 1,600 m and over 56 days -> beyond, beyond (7 pairs)
HAND = {
    "A": (0.0, 0.0, 0), "B": (100.0, 0.0, 3), "C": (0.0, 300.0, 10), "D": (5000.0, 0.0, 100),
    "E": (5000.0, 150.0, 120), "F": (200.0, 0.0, 56),
}
HAND_TABLE = [
    # 0-7  8-14  15-28  29-56  >56 days
    [1, 0, 1, 2, 0],  # 0-200 m
    [1, 1, 0, 1, 0],  # 200-400 m
    [0, 0, 0, 0, 0],  # 400-800 m
    [0, 0, 0, 0, 0],  # 800-1600 m
    [0, 0, 0, 1, 7],  # beyond 1600 m
]


def _arrays(points: dict[str, tuple[float, float, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = list(points.values())
    return (np.array([v[0] for v in values]), np.array([v[1] for v in values]),
            np.array([v[2] for v in values], dtype=np.int64))


def _brute_force(x: np.ndarray, y: np.ndarray, t: np.ndarray, bands: KnoxBands) -> np.ndarray:
    table = np.zeros((len(bands.distance_m) + 1, len(bands.days) + 1), dtype=np.int64)
    for i, j in itertools.combinations(range(len(x)), 2):
        d = math.hypot(x[i] - x[j], y[i] - y[j])
        dt = abs(int(t[i]) - int(t[j]))
        row = next((k for k, edge in enumerate(bands.distance_m) if d <= edge), len(bands.distance_m))
        col = next((k for k, edge in enumerate(bands.days) if dt <= edge), len(bands.days))
        table[row, col] += 1
    return table


def test_knox_table_matches_the_hand_count() -> None:
    x, y, t = _arrays(HAND)
    table = knox_table(x, y, t)
    assert table.tolist() == HAND_TABLE
    assert table.sum() == 15  # 6 * 5 / 2


def test_labels_of_the_default_bands() -> None:
    bands = KnoxBands()
    assert bands.distance_labels == ["0-200 m", "200-400 m", "400-800 m", "800-1600 m", "> 1600 m"]
    assert bands.time_labels == ["0-7 days", "8-14 days", "15-28 days", "29-56 days", "> 56 days"]


@pytest.mark.parametrize("distance, days", [((200.0, 100.0), (7,)), ((), (7,)), ((200.0,), (0, 7)),
                                            ((200.0,), (7.5,))])
def test_bad_bands_are_refused(distance: tuple[float, ...], days: tuple[float, ...]) -> None:
    with pytest.raises(ValueError):
        KnoxBands(distance, days)  # type: ignore[arg-type]


def _near_repeat_process(seed: int, effect: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crime spread over 20 x 20 km and a year; with `effect`, a third of them followed 1-7 days later by one
    within 150 m (a near repeat)."""
    rng = np.random.default_rng(seed)
    n = 400
    x, y = rng.uniform(0, 20_000, n), rng.uniform(0, 20_000, n)
    t = rng.integers(0, 365, n)
    if effect:
        parents = rng.choice(n, 130, replace=False)
        angle, radius = rng.uniform(0, 2 * np.pi, parents.size), rng.uniform(0, 150, parents.size)
        x = np.concatenate([x, x[parents] + radius * np.cos(angle)])
        y = np.concatenate([y, y[parents] + radius * np.sin(angle)])
        t = np.concatenate([t, t[parents] + rng.integers(1, 8, parents.size)])
    else:
        # As many incidents as with the effect, all independent.
        x, y = np.concatenate([x, rng.uniform(0, 20_000, 130)]), np.concatenate([y, rng.uniform(0, 20_000, 130)])
        t = np.concatenate([t, rng.integers(0, 365, 130)])
    return x, y, t


def test_a_known_near_repeat_effect_is_found() -> None:
    x, y, t = _near_repeat_process(seed=7, effect=True)
    result = knox_test(x, y, t, iterations=99, seed=1)
    assert result.raised[0, 0]
    assert result.ratios[0, 0] > 5
    assert result.p_values[0, 0] < 0.05 and result.p_values[0, 0] == pytest.approx(0.01)
    assert result.suggested_zone() == (200.0, 7)
    assert "raised within 200 m for 7 days" in result.summary()
    # Further than the offspring fall, nothing is raised; "beyond" never is.
    assert not result.raised[2:, :].any() and not result.raised[:, -1].any()


def test_no_effect_is_found_where_there_is_none() -> None:
    x, y, t = _near_repeat_process(seed=7, effect=False)
    result = knox_test(x, y, t, iterations=99, seed=1)
    assert not result.raised[:2, :2].any()
    assert result.p_values[0, 0] > 0.05
    assert result.suggested_zone() is None


def test_same_seed_same_result_and_to_dict() -> None:
    x, y, t = _near_repeat_process(seed=3, effect=True)
    first = knox_test(x, y, t, iterations=39, seed=5)
    second = knox_test(x, y, t, iterations=39, seed=5)
    assert np.array_equal(first.expected, second.expected) and np.array_equal(first.p_values, second.p_values)
    data = first.to_dict()
    assert data["pairs"] == len(x) * (len(x) - 1) // 2
    assert data["observed"][0][0] == int(first.observed[0, 0])
    assert data["suggested_zone"] == {"metres": 200.0, "days": 7}


def test_progress_reports_and_cancel_stops() -> None:
    x, y, t = _near_repeat_process(seed=3, effect=False)
    seen: list[tuple[int, int]] = []
    knox_test(x, y, t, iterations=10, progress=lambda done, total, _note="": seen.append((done, total)) or True)
    assert seen[-1] == (10, 10)
    with pytest.raises(CancelledError):
        knox_test(x, y, t, iterations=10, progress=lambda done, _total: done < 3)


def test_too_few_incidents() -> None:
    result = knox_test(np.array([1.0]), np.array([1.0]), np.array([1]), iterations=5)
    assert result.pairs == 0 and result.suggested_zone() is None
    assert "Too few incidents" in result.summary()


points = st.lists(
    st.tuples(st.integers(0, 3000), st.integers(0, 3000), st.integers(0, 120)), min_size=0, max_size=40,
)
band_sets = st.sampled_from([KnoxBands(), KnoxBands((100.0, 500.0), (3, 30)), KnoxBands((1000.0,), (1,))])


@settings(max_examples=60, deadline=None)
@given(points=points, bands=band_sets)
def test_table_equals_brute_force_and_counts_every_pair(points: list[tuple[int, int, int]],
                                                        bands: KnoxBands) -> None:
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    t = np.array([p[2] for p in points], dtype=np.int64)
    table = knox_table(x, y, t, bands)
    n = len(points)
    assert table.sum() == n * (n - 1) // 2
    assert (table >= 0).all()
    assert np.array_equal(table, _brute_force(x, y, t, bands))
    assert np.array_equal(all_pairs_time_counts(t, bands), table.sum(axis=0))


@settings(max_examples=30, deadline=None)
@given(points=points.filter(lambda p: len(p) >= 2), bands=band_sets, seed=st.integers(0, 2**32 - 1))
def test_permuting_dates_keeps_both_marginal_totals(points: list[tuple[int, int, int]], bands: KnoxBands,
                                                     seed: int) -> None:
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    t = np.array([p[2] for p in points], dtype=np.int64)
    observed = knox_table(x, y, t, bands)
    shuffled = knox_table(x, y, np.random.default_rng(seed).permutation(t), bands)
    assert np.array_equal(observed.sum(axis=0), shuffled.sum(axis=0))  # time bands: the same differences
    assert np.array_equal(observed.sum(axis=1), shuffled.sum(axis=1))  # distance bands: the same places
    result = knox_test(x, y, t, bands, iterations=5, seed=seed)
    assert np.allclose(result.expected.sum(axis=0), observed.sum(axis=0))
    assert np.allclose(result.expected.sum(axis=1), observed.sum(axis=1))
    assert ((result.p_values > 0) & (result.p_values <= 1)).all()


def test_a_cell_of_one_or_two_pairs_is_never_called_raised() -> None:
    # Two pairs 50 m and a day apart among 60 incidents spread over 20 km and a year: unusual, but too few.
    rng = np.random.default_rng(11)
    x, y, t = rng.uniform(0, 20_000, 60), rng.uniform(0, 20_000, 60), rng.integers(0, 365, 60)
    x[1], y[1], t[1] = x[0] + 50, y[0], t[0] + 1
    x[3], y[3], t[3] = x[2], y[2] + 50, t[2] + 1
    result = knox_test(x, y, t, iterations=99, seed=4)
    assert result.observed[0, 0] >= 2 and result.p_values[0, 0] < 0.05
    assert not result.raised[0, 0] and result.suggested_zone() is None
    assert "at least 5 pairs" in result.summary()
