"""The forecast (ruralwatch.analysis.forecast): what it computes, that its kernel keeps the total, that naive is its
simplest member, and that its choice is made walk-forward on the training months alone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ruralwatch.analysis import forecast
from ruralwatch.analysis.forecast import Blend
from ruralwatch.core.month_split import months_from_to
from ruralwatch.io import picture_tables

NAIVE = Blend(math.inf, 0.0, 0.0, 0.0)


def test_the_training_months_cross_years_through_the_one_month_function() -> None:
    """The forecast's months and the hours export's were copies of core.month_split.months_from_to: one function
    now, so a fix to one is a fix to all."""
    assert months_from_to("2018-11", "2019-02") == ("2018-11", "2018-12", "2019-01", "2019-02")
    assert months_from_to("2019-02", "2019-02") == ("2019-02",)
    assert months_from_to("2019-03", "2019-02") == ()
    assert not hasattr(forecast, "months_between")
    assert not hasattr(picture_tables, "months_between")


def test_the_blend_chosen_reads_in_words() -> None:
    """The blend Cambridgeshire's published crime chose (trained 2018-10..2019-01): the Accuracy tab and `evaluate`
    read "with 1 months' weight, near-repeat boost 0.5", a plural and a number that said nothing."""
    chosen = Blend(math.inf, 250.0, 1.0, 0.5)
    assert chosen.describe() == ("every month alike, pulled towards the 250 m neighbourhood with 1 month's weight, "
                                 "the newest month's crime added again at 0.5 months' weight within about 400 m "
                                 "(near repeats)")
    assert Blend(3.0, 250.0, 0.5, 0.0).describe() == (
        "half-life 3 months, pulled towards the 250 m neighbourhood with 0.5 months' weight")
    assert NAIVE.describe() == "every month alike, no smoothing"


def test_the_first_candidate_is_the_naive_grid() -> None:
    assert forecast.CANDIDATES[0] == NAIVE and NAIVE.is_naive
    assert len(set(forecast.CANDIDATES)) == len(forecast.CANDIDATES) == 78  # the grid in docs/BENCHMARKS.md
    months = [np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[3.0, 0.0], [0.0, 0.0]])]
    assert np.array_equal(forecast.blend(months, NAIVE, 250.0), np.array([[2.0, 0.0], [0.0, 1.0]]))


def test_a_half_life_of_one_month_halves_each_older_month() -> None:
    months = [np.array([[4.0]]), np.array([[0.0]])]  # the older month had crime, the newer none
    # weights 0.5 (a month old) and 1: 0.5 * 4 / 1.5
    assert forecast.blend(months, Blend(1.0, 0.0, 0.0), 250.0)[0, 0] == pytest.approx(4 / 3)


def test_the_prior_pulls_a_cell_towards_its_neighbourhood_less_as_months_accumulate() -> None:
    """Empirical Bayes: (S + k m) / (N + k), so with k = 1 one month's count is pulled half way to the smoothed
    mean and four months' a fifth of the way."""
    counts = np.zeros((9, 9))
    counts[4, 4] = 10.0
    params = Blend(math.inf, 250.0, 1.0)
    smoothed = forecast.smooth(counts, 1.0)
    one = forecast.blend([counts], params, 250.0)
    four = forecast.blend([counts] * 4, params, 250.0)
    assert one[4, 4] == pytest.approx((10 + smoothed[4, 4]) / 2)
    assert four[4, 4] == pytest.approx((40 + smoothed[4, 4]) / 5)
    assert one[4, 5] > four[4, 5] > 0  # a neighbour gains, less with more data


def test_the_near_repeat_boost_raises_cells_near_the_newest_months_crime() -> None:
    old, new = np.zeros((1, 20)), np.zeros((1, 20))
    old[0, 1], new[0, 15] = 1.0, 1.0
    surface = forecast.blend([old, new], Blend(math.inf, 0.0, 0.0, 0.5), 100.0)  # sd 200 m = two cells
    assert surface[0, 14] > 0 and surface[0, 16] > 0 and surface[0, 2] == 0  # cut at 3 sd: six cells
    assert surface[0, 15] > surface[0, 1]  # the newest month's place ranks first


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 12)),
              elements=st.floats(0, 1000, allow_nan=False, allow_infinity=False)),
       st.floats(0.2, 6.0))
def test_smoothing_keeps_the_total_and_stays_non_negative(surface: np.ndarray, sigma: float) -> None:
    smoothed = forecast.smooth(surface, sigma)
    assert smoothed.shape == surface.shape
    assert smoothed.sum() == pytest.approx(surface.sum(), rel=1e-9, abs=1e-9)
    assert np.all(smoothed >= -1e-9)


def test_smoothing_is_symmetric_and_peaks_where_the_crime_is() -> None:
    point = np.zeros((11, 11))
    point[5, 5] = 1.0
    smoothed = forecast.smooth(point, 1.5)
    assert np.allclose(smoothed, smoothed[::-1, :]) and np.allclose(smoothed, smoothed.T)
    assert np.unravel_index(np.argmax(smoothed), smoothed.shape) == (5, 5)


def test_a_hotspot_that_moved_is_followed_by_a_short_half_life() -> None:
    """Crime moved from the west cell to the east one three months ago: the choice weights recent months."""
    west, east = np.zeros((1, 40)), np.zeros((1, 40))
    west[0, 2], east[0, 37] = 10.0, 10.0
    months = [west, west, west, east, east, east]
    mask = np.ones((1, 40), dtype=bool)
    choice = forecast.choose(months, [f"2019-{m:02d}" for m in range(1, 7)], mask, 250.0, fraction=0.025)
    assert choice.blend.half_life_months < math.inf
    assert forecast.top_cells(forecast.blend(months, choice.blend, 250.0), mask, 1)[0] == 37


def test_with_one_month_there_is_nothing_to_choose_on() -> None:
    choice = forecast.choose([np.ones((2, 2))], ["2019-01"], np.ones((2, 2), dtype=bool), 250.0)
    assert choice.blend == forecast.CANDIDATES[0] and choice.folds == ()


class _Watched(Sequence[np.ndarray]):
    """Training months that record which months each read reached (a slice's stop, an index)."""

    def __init__(self, months: list[np.ndarray]) -> None:
        self.months = months
        self.reached: list[int] = []

    def __len__(self) -> int:
        return len(self.months)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            self.reached.append(len(self.months[key]) and range(len(self.months))[key][-1])
        else:
            self.reached.append(range(len(self.months))[key])
        return self.months[key]


small = [Blend(math.inf, 0.0, 0.0), Blend(3.0, 250.0, 1.0), Blend(math.inf, 500.0, 0.5, 0.5)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=16, max_size=16), min_size=1, max_size=6))
def test_walk_forward_forecasts_each_fold_from_earlier_months_only(monthly: list[list[int]]) -> None:
    """Each fold's forecast reads only months before the month it is scored on (injected months, no dates), the
    folds are training months after the first, and the same data gives the same choice (ties to the simplest)."""
    grids = [np.array(m, dtype=float).reshape(4, 4) for m in monthly]
    names = [f"2019-{m:02d}" for m in range(1, len(grids) + 1)]
    mask = np.ones((4, 4), dtype=bool)
    watched = _Watched(grids)
    choice = forecast.choose(watched, names, mask, 250.0, fraction=0.25, candidates=small)
    assert set(choice.folds) <= set(names[1:])
    assert choice.blend in small
    if choice.folds:
        # Reads come as (forecast from months[:t], score on months[t]) pairs: the forecast never reaches t.
        pairs = list(zip(watched.reached[::2], watched.reached[1::2], strict=True))
        assert pairs and all(read < scored for read, scored in pairs)
    else:
        assert choice.blend == small[0]
    assert forecast.choose(grids, names, mask, 250.0, fraction=0.25, candidates=small) == choice


def test_months_and_names_must_pair() -> None:
    with pytest.raises(ValueError):
        forecast.choose([np.ones((2, 2))] * 2, ["2019-01"], np.ones((2, 2), dtype=bool), 250.0)
