"""PAI, PEI and hit rate of a forecast surface (ruralwatch.analysis.accuracy)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.analysis.accuracy import pai_pei, top_cells

# Ten cells in a row; the forecast ranks them 0, 1, 2, ... (predicted 9 down to 0).
PREDICTED = np.array([[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]], dtype=float)
TEST = np.array([[2, 0, 1, 0, 3, 0, 0, 1, 0, 3]], dtype=float)  # 10 test crimes
ALL = np.ones((1, 10), dtype=bool)


def test_ten_cell_hand_case() -> None:
    # Test counts sorted: 3, 3, 2, 1, 1, 0, ... -> best k cells capture 3, 6, 8, 9, 10.
    # 10% -> 1 cell  (cell 0):      captured 2, hit 0.2, PAI 0.2 / 0.1 = 2.0, PEI 2 / 3.
    # 20% -> 2 cells (cells 0-1):   captured 2, hit 0.2, PAI 1.0,             PEI 2 / 6.
    # 30% -> 3 cells (cells 0-2):   captured 3, hit 0.3, PAI 1.0,             PEI 3 / 8 = 0.375.
    # 50% -> 5 cells (cells 0-4):   captured 6, hit 0.6, PAI 1.2,             PEI 6 / 10 = 0.6.
    result = pai_pei(PREDICTED, TEST, ALL, fractions=(0.1, 0.2, 0.3, 0.5))
    assert result["cells"] == {"0.1": 1, "0.2": 2, "0.3": 3, "0.5": 5}
    assert result["area_share"] == pytest.approx({"0.1": 0.1, "0.2": 0.2, "0.3": 0.3, "0.5": 0.5})
    assert result["hit_rate"] == pytest.approx({"0.1": 0.2, "0.2": 0.2, "0.3": 0.3, "0.5": 0.6})
    assert result["pai"] == pytest.approx({"0.1": 2.0, "0.2": 1.0, "0.3": 1.0, "0.5": 1.2})
    assert result["pei"] == pytest.approx({"0.1": 2 / 3, "0.2": 1 / 3, "0.3": 0.375, "0.5": 0.6})


def test_default_fractions_round_up_to_one_cell_on_ten_cells() -> None:
    # ceil(0.01 x 10) = ceil(0.03 x 10) = ceil(0.05 x 10) = 1: each takes cell 0 (2 of 10 crimes).
    result = pai_pei(PREDICTED, TEST, ALL)
    assert result["cells"] == {"0.01": 1, "0.03": 1, "0.05": 1}
    assert result["pai"] == pytest.approx({"0.01": 2.0, "0.03": 2.0, "0.05": 2.0})


def test_floating_point_fraction_does_not_add_a_cell() -> None:
    # 0.03 x 100 is 3.0000000000000004 in binary floating point; it must give 3 cells, not 4.
    grid_shape = (10, 10)
    result = pai_pei(np.zeros(grid_shape), np.ones(grid_shape), np.ones(grid_shape, bool), fractions=(0.03, 0.07))
    assert result["cells"] == {"0.03": 3, "0.07": 7}


def test_mask_limits_cells_and_crimes() -> None:
    # Cell 0 (the top forecast, 2 crimes) is outside the study area: 9 study cells, 8 test crimes.
    # 1 cell = ceil(0.1 x 9): cell 1 (0 crimes): hit 0, PAI 0, PEI 0 / 3 = 0.
    # 4 cells = ceil(0.4 x 9) = ceil(3.6): cells 1-4 hold 0 + 1 + 0 + 3 = 4: hit 0.5, area 4/9, PAI 1.125;
    #   best 4 study cells: 3 + 3 + 1 + 1 = 8 -> PEI 0.5.
    mask = ALL.copy()
    mask[0, 0] = False
    result = pai_pei(PREDICTED, TEST, mask, fractions=(0.1, 0.4))
    assert result["cells"] == {"0.1": 1, "0.4": 4}
    assert result["hit_rate"] == pytest.approx({"0.1": 0.0, "0.4": 0.5})
    assert result["pai"] == pytest.approx({"0.1": 0.0, "0.4": 1.125})
    assert result["pei"] == pytest.approx({"0.1": 0.0, "0.4": 0.5})


def test_ties_go_to_the_lower_flat_index() -> None:
    flat = np.array([[1.0, 3.0, 3.0], [3.0, np.nan, 0.0]])
    # 3s at flat 1, 2, 3 in that order; NaN ranks last (below the 0).
    assert top_cells(flat, np.ones((2, 3), bool), 6).tolist() == [1, 2, 3, 0, 5, 4]
    # A flat forecast (e.g. a KDE that is zero almost everywhere) over many cells: still south-west first.
    many = np.zeros((20, 50))
    many[7, 3] = 1.0
    assert top_cells(many, np.ones((20, 50), bool), 40).tolist() == [353, *range(39)]


def test_zero_test_crimes_gives_none_not_a_division_by_zero() -> None:
    result = pai_pei(PREDICTED, np.zeros((1, 10)), ALL, fractions=(0.1, 0.5))
    assert result["cells"] == {"0.1": 1, "0.5": 5}
    for key in ("pai", "pei", "hit_rate"):
        assert result[key] == {"0.1": None, "0.5": None}


def test_perfect_forecast_has_pei_one() -> None:
    result = pai_pei(TEST, TEST, ALL, fractions=(0.1, 0.2, 0.3, 0.5))
    assert result["pei"] == pytest.approx({"0.1": 1.0, "0.2": 1.0, "0.3": 1.0, "0.5": 1.0})


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        pai_pei(PREDICTED, TEST, ALL, fractions=(0.0,))
    with pytest.raises(ValueError):
        pai_pei(PREDICTED, TEST, ALL, fractions=(1.5,))
    with pytest.raises(ValueError):
        pai_pei(PREDICTED, TEST[:, :5], ALL)
    with pytest.raises(ValueError):
        pai_pei(PREDICTED, -TEST, ALL)
    with pytest.raises(ValueError):
        pai_pei(PREDICTED, TEST, np.zeros((1, 10), bool))


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n=st.integers(min_value=1, max_value=40),
    fractions=st.lists(st.floats(min_value=1e-3, max_value=1.0), min_size=1, max_size=4),
)
def test_pai_pei_bounds(data: st.DataObject, n: int, fractions: list[float]) -> None:
    predicted = np.array(data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)[None, :]
    test = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype=float)[None, :]
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))[None, :]
    if not mask.any():
        mask[0, 0] = True
    result = pai_pei(predicted, test, mask, fractions=fractions)
    n_study = int(mask.sum())
    for key, cells in result["cells"].items():
        assert 1 <= cells <= n_study
        area_share = cells / n_study
        if test[mask].sum() == 0:
            assert result["pai"][key] is None and result["pei"][key] is None
            continue
        assert 0.0 <= result["hit_rate"][key] <= 1.0 + 1e-12
        assert 0.0 <= result["pei"][key] <= 1.0 + 1e-12
        assert result["pai"][key] <= 1.0 / area_share + 1e-9
