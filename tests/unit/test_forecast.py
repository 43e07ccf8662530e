"""The recency-and-spread forecast (ruralwatch.analysis.forecast): what it computes, and that its choice is made on
the training months alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.analysis import forecast
from ruralwatch.analysis.forecast import Blend


def test_months_between_crosses_years() -> None:
    assert forecast.months_between("2018-11", "2019-02") == ["2018-11", "2018-12", "2019-01", "2019-02"]
    assert forecast.months_between("2019-02", "2019-02") == ["2019-02"]


def test_every_month_alike_without_spread_is_the_mean_of_the_months() -> None:
    months = [np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[3.0, 0.0], [0.0, 0.0]])]
    assert np.array_equal(forecast.blend(months, Blend(math.inf, 0.0)), np.array([[2.0, 0.0], [0.0, 1.0]]))


def test_a_half_life_of_one_month_halves_each_older_month() -> None:
    months = [np.array([[4.0]]), np.array([[0.0]])]  # the older month had crime, the newer none
    # weights 0.5 (a month old) and 1: 0.5 * 4 / 1.5
    assert forecast.blend(months, Blend(1.0, 0.0))[0, 0] == pytest.approx(4 / 3)


def test_the_spread_adds_a_share_of_the_eight_neighbours_mean() -> None:
    counts = np.zeros((3, 3))
    counts[0, 0] = 8.0
    spread = forecast.blend([counts], Blend(math.inf, 0.5))
    assert spread[1, 1] == pytest.approx(0.5 * 8 / 8)  # one of its eight neighbours holds 8
    assert spread[0, 0] == 8.0  # its neighbours are empty
    assert spread[2, 2] == 0.0  # not a neighbour


def test_a_hotspot_that_moved_is_followed_by_a_short_half_life() -> None:
    """Crime moved from the west cell to the east one two months ago: the choice weights recent months."""
    west, east = np.zeros((1, 20)), np.zeros((1, 20))
    west[0, 2], east[0, 17] = 10.0, 10.0
    months = [west, west, west, east, east, east]
    mask = np.ones((1, 20), dtype=bool)
    choice = forecast.choose(months, [f"2019-{m:02d}" for m in range(1, 7)], mask, fraction=0.05)
    assert choice.blend.half_life_months < math.inf
    assert forecast.top_cells(forecast.blend(months, choice.blend), mask, 1)[0] == 17


def test_with_one_month_there_is_nothing_to_choose_on() -> None:
    choice = forecast.choose([np.ones((2, 2))], ["2019-01"], np.ones((2, 2), dtype=bool))
    assert choice.blend == forecast.CANDIDATES[0] and choice.folds == ()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=16, max_size=16), min_size=2, max_size=6))
def test_the_choice_forecasts_training_months_only_and_is_deterministic(monthly: list[list[int]]) -> None:
    """Walk-forward: the months it forecast are training months after the first (each from those before it), the
    choice is one of the candidates, and the same data gives the same choice (ties go to the simplest)."""
    grids = [np.array(m, dtype=float).reshape(4, 4) for m in monthly]
    names = [f"2019-{m:02d}" for m in range(1, len(grids) + 1)]
    mask = np.ones((4, 4), dtype=bool)
    choice = forecast.choose(grids, names, mask, fraction=0.25)
    assert set(choice.folds) <= set(names[1:])
    assert choice.blend in forecast.CANDIDATES
    again = forecast.choose(grids, names, mask, fraction=0.25)
    assert again == choice  # deterministic, ties to the simplest
