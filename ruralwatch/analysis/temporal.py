"""When crime happens: hour-by-weekday tables, month-on-month trends and the Sept-March (hare coursing) season.

Instants are stored in UTC but patterns are about the clock on the wall, so everything is converted to
Europe/London first: 19:30 UTC in July is 20:30 local. Naive datetimes are taken to be UTC. Police.uk data only
gives a month ('YYYY-MM'); monthly_trend and season_view accept that directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["LOCAL_TZ", "MONTH_NAMES", "WEEKDAYS", "hour_by_weekday", "monthly_trend", "season_view"]

LOCAL_TZ = "Europe/London"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Fixed English names rather than calendar.month_abbr, which follows the process locale.
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_TEXT = r"\d{4}-\d{2}"


def _local_times(times: pd.Series) -> pd.Series:
    """Times as tz-aware Europe/London timestamps, NaT dropped. Naive values are UTC."""
    series = pd.Series(times)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        utc = pd.to_datetime(series, utc=True)
    else:
        utc = pd.to_datetime(series, utc=True, format="ISO8601")
    return utc.dropna().dt.tz_convert(LOCAL_TZ)


def _months(values: pd.Series) -> pd.PeriodIndex:
    """Calendar months (local time) of 'YYYY-MM' strings or of datetimes."""
    series = pd.Series(values).dropna()
    if series.empty:
        return pd.PeriodIndex([], freq="M")
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        # Each distinct month parsed once: a period per row of a year of a force's crime (200,000 rows, a dozen
        # months) took most of the analysis report's time, with its progress at 100%.
        codes, distinct = pd.factorize(series.astype(str).str.strip())
        text = pd.Series(distinct, dtype=object)
        if text.str.fullmatch(_MONTH_TEXT).all():
            return pd.PeriodIndex(text, freq="M").take(codes)
    local = _local_times(series)
    # Drop the zone after converting: to_period would otherwise warn, and the local month is what we want.
    return pd.PeriodIndex(local.dt.tz_localize(None), freq="M")


def hour_by_weekday(times_utc: pd.Series) -> pd.DataFrame:
    """7 x 24 counts: rows Mon..Sun, columns hour 0..23, local (Europe/London) clock time."""
    local = _local_times(times_utc)
    cell = local.dt.day_of_week.to_numpy(dtype=np.int64) * 24 + local.dt.hour.to_numpy(dtype=np.int64)
    counts = np.bincount(cell, minlength=7 * 24).reshape(7, 24)
    table = pd.DataFrame(counts, index=pd.Index(WEEKDAYS, name="weekday"), columns=pd.RangeIndex(24, name="hour"))
    return table


def monthly_trend(months: pd.Series) -> pd.DataFrame:
    """One row per month from the first to the last in the data: month ('YYYY-MM'), count, count_year_before.

    Months with no crime inside that range count 0. count_year_before is the count twelve months earlier, or
    <NA> when that month precedes the data (unknown is not zero).
    """
    periods = _months(months)
    if len(periods) == 0:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype=object),
                "count": pd.Series(dtype="int64"),
                "count_year_before": pd.Series(dtype="Int64"),
            }
        )
    counts = pd.Series(1, index=periods).groupby(level=0).sum()
    span = pd.period_range(periods.min(), periods.max(), freq="M")
    count = counts.reindex(span, fill_value=0).astype("int64")
    before = span - 12
    year_before = pd.array(counts.reindex(before, fill_value=0).to_numpy(), dtype="Int64")
    year_before[before < span[0]] = pd.NA
    return pd.DataFrame({"month": span.strftime("%Y-%m"), "count": count.to_numpy(), "count_year_before": year_before})


def _check_season(season_months: Sequence[int]) -> tuple[int, ...]:
    months = tuple(int(m) for m in season_months)
    if not 1 <= len(months) <= 12 or any(not 1 <= m <= 12 for m in months):
        raise ValueError(f"season_months must be 1 to 12 months numbered 1-12, not {season_months!r}")
    if any(b != a % 12 + 1 for a, b in zip(months, months[1:], strict=False)):
        raise ValueError(f"season_months must be consecutive calendar months, not {season_months!r}")
    return months


def season_view(times: pd.Series, season_months: Sequence[int] = (9, 10, 11, 12, 1, 2, 3)) -> pd.DataFrame:
    """Counts per season (rows) and month of the season (columns, in season order, e.g. Sep..Mar).

    A season that crosses the new year is labelled by both years, '2025/26'; one within a year by the year.
    Every season touching the data's range of months is listed. A month outside that range (before the first
    or after the last month in the data) is <NA>, so a season still in progress is not read as a quiet one.
    Accepts datetimes (converted to local time) or police.uk 'YYYY-MM' months.
    """
    months = _check_season(season_months)
    wraps = months[-1] < months[0]
    columns = pd.Index([MONTH_NAMES[m - 1] for m in months], name="month")
    periods = _months(times)
    if len(periods) == 0:
        return pd.DataFrame(index=pd.Index([], name="season", dtype=object), columns=columns, dtype="Int64")
    first, last = periods.min(), periods.max()

    def season_periods(start_year: int) -> list[pd.Period]:
        # In a wrapping season the months after the new year (numbered below the first) fall in the next year.
        return [
            pd.Period(year=start_year + (1 if wraps and month < months[0] else 0), month=month, freq="M")
            for month in months
        ]

    start_years = [
        year
        for year in range(first.year - 1, last.year + 1)
        if any(first <= period <= last for period in season_periods(year))
    ]
    counts = pd.Series(1, index=periods).groupby(level=0).sum()
    table = np.zeros((len(start_years), len(months)), dtype=object)
    for row, year in enumerate(start_years):
        for col, period in enumerate(season_periods(year)):
            table[row, col] = int(counts.get(period, 0)) if first <= period <= last else pd.NA
    labels = [f"{y}/{(y + 1) % 100:02d}" if wraps else str(y) for y in start_years]
    return pd.DataFrame(table, index=pd.Index(labels, name="season"), columns=columns).astype("Int64")
