"""A forecast meant to beat last period's map at small coverage, its parameters chosen on earlier months only.

The honest baseline for hotspot forecasting is the prior-period grid ("naive": where crime was, it will be), which
KDE and Gi* often fail to beat at small coverages. This module's forecast ("blend" in `evaluate`) is a family of
well-known refinements of it, with naive as its simplest member.

Candidate family (fixed before any held-back month of the test forces was looked at: docs/BENCHMARKS.md,
"Forecast accuracy, pre-registered"). Per cell, from the training months' counts c_1..c_n (oldest first):

- **Recency** (exponentially weighted counts): month t weighs w_t = 0.5 ** (age_t / h), h the half-life in months
  (h = inf: every month alike). S = sum w_t c_t, N = sum w_t, so S / N is a weighted mean monthly count.
- **Kernel smoothing towards the neighbourhood** (kernel density of counts over neighbouring cells, Chainey, Tompson
  & Uhlig 2008; used as an empirical-Bayes prior): m = G_sigma * (S / N), a Gaussian of standard deviation sigma
  metres over the cells, mass-preserving (`smooth`). The cell's rate is the Poisson-gamma posterior mean
  (S + k m) / (N + k): k is the prior's strength in months of data. Spelled so, the pull towards the neighbourhood
  shrinks as months accumulate, which lets a k chosen on short walk-forward histories carry over to the full one
  (a fixed share did not: larger spreads won on one- to three-month histories and lost on the test month).
- **Near-repeat boost** (Johnson & Bowers 2004: risk raised for weeks within about 400 m of a crime): beta more
  months' worth of the newest month's crime, spread by a Gaussian of NEAR_REPEAT_M (two sd = 400 m), added to the
  numerator and beta to the denominator.

rate = (S + k m + beta G_200 * c_n) / (N + k + beta).  Grid (`CANDIDATES`, simplest first):
h in {inf, 6, 3} months x (k = 0, or k in {0.25, 0.5, 1, 2} with sigma in {125, 250, 500} m) x beta in {0, 0.5}:
78 candidates. h = inf, k = 0, beta = 0 is exactly the naive grid (same ranking, same tie-break).

Choice (`choose`): walk-forward over the training months only: each of the last `folds` (3) training months is
forecast from the months before it; the candidate capturing the largest mean share of those months' crime in the
top `fraction` (1%) of study-area cells wins, ties to the earlier (simpler) candidate. The test period is not an
argument, so it cannot be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ruralwatch.analysis.accuracy import top_cells as top_cells  # re-exported for callers and tests

__all__ = ["CANDIDATES", "NEAR_REPEAT_M", "Blend", "Choice", "blend", "choose", "smooth",
           "top_cells"]

NEAR_REPEAT_M = 200.0  # Gaussian sd of the near-repeat boost: 2 sd = 400 m, Johnson & Bowers' distance
_TRUNCATE = 3.0  # kernels cut at 3 sd (99.7% of a 1-D Gaussian's mass; renormalised, so nothing is lost)


@dataclass(frozen=True)
class Blend:
    half_life_months: float  # math.inf: every month alike
    bandwidth_m: float  # sd of the neighbourhood kernel (0 when prior_months is 0)
    prior_months: float  # k: strength of the neighbourhood prior, in months of data (0: the cell's own counts)
    near_repeat: float = 0.0  # beta: months' worth of the newest month's crime, spread NEAR_REPEAT_M, added

    @property
    def is_naive(self) -> bool:
        return math.isinf(self.half_life_months) and self.prior_months == 0 and self.near_repeat == 0

    def describe(self) -> str:
        recency = ("every month alike" if math.isinf(self.half_life_months)
                   else f"half-life {self.half_life_months:g} months")
        prior = (f"pulled towards the {self.bandwidth_m:g} m neighbourhood with {_months_weight(self.prior_months)}"
                 if self.prior_months else "no smoothing")
        # "near-repeat boost 0.5" said nothing of what was boosted, by how much or how far.
        repeat = (f", the newest month's crime added again at {_months_weight(self.near_repeat)} within about "
                  f"{2 * NEAR_REPEAT_M:g} m (near repeats)" if self.near_repeat else "")
        return f"{recency}, {prior}{repeat}"


def _months_weight(value: float) -> str:
    """"1 month's weight" (a walk read "with 1 months' weight"), "0.5 months' weight"."""
    return f"{value:g} month's weight" if value == 1 else f"{value:g} months' weight"


def _candidates() -> tuple[Blend, ...]:
    found: list[Blend] = []
    for near_repeat in (0.0, 0.5):
        for half_life in (math.inf, 6.0, 3.0):
            found.append(Blend(half_life, 0.0, 0.0, near_repeat))
            for prior in (0.25, 0.5, 1.0, 2.0):
                for bandwidth in (125.0, 250.0, 500.0):
                    found.append(Blend(half_life, bandwidth, prior, near_repeat))
    return tuple(found)


# Simplest first (naive is CANDIDATES[0]): on a tie in validation the earlier candidate is kept.
CANDIDATES: tuple[Blend, ...] = _candidates()


@dataclass(frozen=True)
class Choice:
    blend: Blend
    folds: tuple[str, ...]  # the training months forecast during the choice
    captured: dict[Blend, float]  # mean share of each fold's crime captured at the coverage, per candidate


def _kernel(sigma_cells: float) -> NDArray[np.float64]:
    radius = max(1, math.ceil(_TRUNCATE * sigma_cells))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (offsets / sigma_cells) ** 2)
    return weights / weights.sum()


def _convolve(surface: NDArray[np.float64], kernel: NDArray[np.float64]) -> NDArray[np.float64]:
    """Separable convolution with a symmetric 1-D kernel along both axes; beyond the edge is empty."""
    radius = len(kernel) // 2
    out = np.asarray(surface, dtype=np.float64)
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)])
        size = out.shape[axis]
        total = np.zeros_like(out)
        for i, weight in enumerate(kernel):
            total += weight * (padded[i:i + size] if axis == 0 else padded[:, i:i + size])
        out = total
    return out


def smooth(surface: NDArray[np.float64], sigma_cells: float) -> NDArray[np.float64]:
    """A Gaussian spread of `surface` (sd `sigma_cells` cells) that keeps its total: each cell's mass is shared
    among the cells of its kernel that lie on the grid (at an edge, the part that would fall off goes to the cells
    left), so nothing leaks out and a forecast is not lowered near the grid's edge."""
    surface = np.asarray(surface, dtype=np.float64)
    if sigma_cells <= 0:
        return surface.copy()
    kernel = _kernel(sigma_cells)
    reach = _convolve(np.ones_like(surface), kernel)  # share of each cell's kernel on the grid (symmetric kernel)
    return _convolve(surface / reach, kernel)


def blend(monthly: Sequence[NDArray[np.float64]], params: Blend, cell_m: float) -> NDArray[np.float64]:
    """The forecast rate per cell (crimes a month) from per-month counts (oldest first) on one grid of `cell_m`
    metre cells."""
    return _blend(monthly, params, cell_m, {})


_Cache = dict[tuple[object, ...], NDArray[np.float64]]


def _blend(monthly: Sequence[NDArray[np.float64]], params: Blend, cell_m: float,
           cache: _Cache) -> NDArray[np.float64]:
    # `cache` holds the weighted sums and spreads shared by candidates (keyed by the months used), so the choice
    # computes each once rather than once per candidate.
    if not monthly:
        raise ValueError("a forecast needs at least one month")
    if cell_m <= 0:
        raise ValueError("cell_m must be positive")
    n = len(monthly)
    h = params.half_life_months
    weights = [1.0 if math.isinf(h) else 0.5 ** ((n - 1 - i) / h) for i in range(n)]
    months = sum(weights)
    total = cache.get(("sum", n, h))
    if total is None:
        total = np.zeros_like(np.asarray(monthly[0], dtype=np.float64))
        for weight, counts in zip(weights, monthly, strict=True):
            total += weight * np.asarray(counts, dtype=np.float64)
        cache[("sum", n, h)] = total
    numerator, denominator = total, months
    if params.prior_months:
        prior = cache.get(("prior", n, h, params.bandwidth_m))
        if prior is None:
            prior = cache[("prior", n, h, params.bandwidth_m)] = smooth(total / months, params.bandwidth_m / cell_m)
        numerator = numerator + params.prior_months * prior
        denominator += params.prior_months
    if params.near_repeat:
        repeat = cache.get(("repeat", n))
        if repeat is None:
            repeat = cache[("repeat", n)] = smooth(np.asarray(monthly[n - 1], dtype=np.float64),
                                                   NEAR_REPEAT_M / cell_m)
        numerator = numerator + params.near_repeat * repeat
        denominator += params.near_repeat
    return numerator / denominator


def _captured(predicted: NDArray[np.float64], actual: NDArray[np.float64], mask: NDArray[np.bool_],
              fraction: float) -> float | None:
    total = float(actual[mask].sum())
    if total <= 0:
        return None
    k = max(1, math.ceil(round(fraction * int(np.count_nonzero(mask)), 9)))
    return float(actual.ravel()[top_cells(predicted, mask, k)].sum()) / total


def choose(monthly: Sequence[NDArray[np.float64]], month_names: Sequence[str], mask: NDArray[np.bool_],
           cell_m: float, fraction: float = 0.01, folds: int = 3,
           candidates: Sequence[Blend] = CANDIDATES) -> Choice:
    """The candidate that, forecasting each of the last `folds` training months from the months before it,
    captures most crime at `fraction` of the study area on average. Needs two months or more; with fewer the
    simplest candidate is returned (nothing to choose on). Only `monthly` is read: the caller passes the training
    months and nothing after them."""
    if len(monthly) != len(month_names):
        raise ValueError("one name per month")
    usable = list(range(1, len(monthly)))[-folds:]
    if not usable:
        return Choice(candidates[0], (), {})
    scores: dict[Blend, float] = {}
    cache: _Cache = {}
    for candidate in candidates:
        shares = [s for t in usable
                  if (s := _captured(_blend(monthly[:t], candidate, cell_m, cache), monthly[t], mask, fraction))
                  is not None]
        scores[candidate] = sum(shares) / len(shares) if shares else 0.0
    order = {c: i for i, c in enumerate(candidates)}
    best = max(candidates, key=lambda c: (round(scores[c], 12), -order[c]))
    return Choice(best, tuple(month_names[t] for t in usable), scores)
