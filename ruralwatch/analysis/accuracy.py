"""How well a hotspot surface forecast later crime: hit rate, PAI and PEI at fixed shares of the study area.

PAI (Chainey, Tompson & Uhlig 2008) is hit rate / area share: how many times better than picking cells at
random. PEI (Hunt 2016) divides the crimes the forecast captured by the most any choice of the same number of
cells could have captured, so it is comparable between test periods with different concentrations of crime.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["captured_share", "oracle_pai", "pai_pei", "top_cells"]


def top_cells(predicted: NDArray[np.float64], mask: NDArray[np.bool_], k: int) -> NDArray[np.int64]:
    """Flat indices of the k study-area cells with the highest prediction.

    Ties (common: many cells share a count, or a KDE of zero) go to the lower flat index, i.e. south-west first,
    so repeated runs pick the same cells. NaN predictions rank below everything.
    """
    flat = np.asarray(predicted, dtype=np.float64).ravel()
    study = np.flatnonzero(np.asarray(mask, dtype=bool).ravel())
    scores = np.nan_to_num(flat[study], nan=-np.inf)
    order = np.lexsort((study, -scores))  # last key is primary: descending score, then ascending index
    return study[order[:k]]


def _cells_for(fraction: float, n_study: int) -> int:
    # Round first: 0.03 * 100 is 3.0000000000000004 in floating point and must give 3 cells, not 4.
    return min(max(math.ceil(round(fraction * n_study, 9)), 1), n_study)


def pai_pei(
    predicted: NDArray[np.float64],
    test_counts: NDArray[np.float64],
    mask: NDArray[np.bool_],
    fractions: Sequence[float] = (0.01, 0.03, 0.05),
) -> dict[str, Any]:
    """Hit rate, PAI and PEI of the top ceil(fraction x study cells) predicted cells, per fraction.

    ``predicted`` and ``test_counts`` are arrays on the same grid (e.g. a KDE of the training period and
    grid_counts of the test period). Only study-area cells are ranked, and only test crimes inside the study
    area count. Returns ``{"pai": {"0.01": ..}, "pei": {..}, "hit_rate": {..}, "cells": {..},
    "area_share": {..}}`` keyed by the fraction formatted with ``f"{fraction:g}"``; with no test crimes the
    pai, pei and hit_rate values are None.
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    test_counts = np.asarray(test_counts, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if not (predicted.shape == test_counts.shape == mask.shape):
        raise ValueError(
            f"predicted {predicted.shape}, test_counts {test_counts.shape} and mask {mask.shape} must match"
        )
    n_study = int(np.count_nonzero(mask))
    if n_study == 0:
        raise ValueError("the mask has no study-area cells")
    test_study = test_counts[mask]
    if not np.all(np.isfinite(test_study)) or np.any(test_study < 0):
        raise ValueError("test counts must be finite and non-negative inside the study area")
    total = float(test_study.sum())
    # The test data's own best cells, for PEI's denominator: cumulative crimes of its k busiest cells.
    best_cumulative = np.cumsum(np.sort(test_study)[::-1])
    test_flat = test_counts.ravel()
    result: dict[str, Any] = {"pai": {}, "pei": {}, "hit_rate": {}, "cells": {}, "area_share": {}}
    for fraction in fractions:
        if not 0 < fraction <= 1:
            raise ValueError(f"fractions must be in (0, 1], not {fraction!r}")
        key = f"{fraction:g}"
        k = _cells_for(fraction, n_study)
        area_share = k / n_study
        result["cells"][key] = k
        result["area_share"][key] = area_share
        if total <= 0:
            result["hit_rate"][key] = result["pai"][key] = result["pei"][key] = None
            continue
        captured = float(test_flat[top_cells(predicted, mask, k)].sum())
        hit_rate = captured / total
        result["hit_rate"][key] = hit_rate
        result["pai"][key] = hit_rate / area_share
        # best_cumulative[k - 1] > 0 whenever total > 0, since the busiest cell holds at least one crime.
        result["pei"][key] = captured / float(best_cumulative[k - 1])
    return result


def captured_share(
    predicted: NDArray[np.float64], values: NDArray[np.float64], mask: NDArray[np.bool_],
    fractions: Sequence[float] = (0.01, 0.03, 0.05),
) -> dict[str, float | None]:
    """Share of the test period's `values` (crimes, or their harm) inside the top predicted cells, per fraction;
    None when the test period holds none in the study area."""
    values = np.asarray(values, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    total = float(values[mask].sum())
    n_study = int(np.count_nonzero(mask))
    found: dict[str, float | None] = {}
    for fraction in fractions:
        cells = top_cells(predicted, mask, _cells_for(fraction, n_study))
        found[f"{fraction:g}"] = float(values.ravel()[cells].sum()) / total if total > 0 else None
    return found


def oracle_pai(
    test_counts: NDArray[np.float64], mask: NDArray[np.bool_], fractions: Sequence[float] = (0.01, 0.03, 0.05),
) -> dict[str, float | None]:
    """The best PAI any choice of cells could reach at each fraction (the test period's own busiest cells): the
    ceiling a forecast is measured against."""
    counts = np.asarray(test_counts, dtype=np.float64)
    return {key: (None if share is None else share / (_cells_for(f, int(np.count_nonzero(mask)))
                                                      / int(np.count_nonzero(mask))))
            for f, (key, share) in zip(fractions, captured_share(counts, counts, mask, fractions).items(),
                                       strict=True)}
