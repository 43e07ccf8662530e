"""Hour-by-weekday tables, monthly trends and the Sept-March season view (ruralwatch.analysis.temporal)."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralwatch.analysis.temporal import WEEKDAYS, hour_by_weekday, monthly_trend, season_view


def test_hour_by_weekday_uses_london_clock_time_across_both_clock_changes() -> None:
    times = pd.Series(
        pd.to_datetime(
            [
                "2025-03-30T00:59:00Z",  # Sun 30 Mar, 00:59 GMT -> Sun hour 0
                "2025-03-30T01:00:00Z",  # clocks go forward: 02:00 BST -> Sun hour 2
                "2025-10-26T00:30:00Z",  # 01:30 BST -> Sun hour 1
                "2025-10-26T01:30:00Z",  # clocks went back: 01:30 GMT -> Sun hour 1 again
                "2025-07-01T19:30:00Z",  # Tue 1 Jul, 20:30 BST -> Tue hour 20
                "2025-01-06T23:30:00Z",  # Mon 6 Jan, 23:30 GMT -> Mon hour 23
                None,  # NaT: ignored
            ],
            utc=True,
        )
    )
    table = hour_by_weekday(times)
    assert table.shape == (7, 24)
    assert list(table.index) == list(WEEKDAYS) and table.index[0] == "Mon"
    assert list(table.columns) == list(range(24))
    assert table.loc["Sun", 0] == 1 and table.loc["Sun", 2] == 1 and table.loc["Sun", 1] == 2
    assert table.loc["Tue", 20] == 1 and table.loc["Mon", 23] == 1
    assert int(table.to_numpy().sum()) == 6


def test_hour_by_weekday_takes_naive_times_as_utc() -> None:
    naive = pd.Series(pd.to_datetime(["2025-07-01 19:30", "2025-12-31 23:59"]))
    table = hour_by_weekday(naive)
    # 19:30 UTC in July is 20:30 BST (Tuesday); 23:59 UTC on 31 Dec is 23:59 GMT (Wednesday).
    assert table.loc["Tue", 20] == 1 and table.loc["Wed", 23] == 1
    assert int(table.to_numpy().sum()) == 2


def test_monthly_trend_from_police_uk_months() -> None:
    months = pd.Series(["2024-01"] * 3 + ["2024-03"] + ["2025-01"] * 2 + ["2025-03"])
    trend = monthly_trend(months)
    # Every month from 2024-01 to 2025-03 (15 rows); empty months count 0.
    assert list(trend.columns) == ["month", "count", "count_year_before"]
    assert trend["month"].tolist()[:3] == ["2024-01", "2024-02", "2024-03"]
    assert len(trend) == 15 and trend["count"].sum() == 7
    by_month = trend.set_index("month")
    assert by_month.loc["2024-02", "count"] == 0
    # A year before 2025-01 is 2024-01 (3); 2025-02 <- 2024-02 (0, inside the data); 2025-03 <- 2024-03 (1).
    assert by_month.loc["2025-01", "count_year_before"] == 3
    assert by_month.loc["2025-02", "count_year_before"] == 0
    assert by_month.loc["2025-03", "count_year_before"] == 1
    # Before the data starts the year-before figure is unknown, not zero.
    assert by_month.loc["2024-12", "count_year_before"] is pd.NA


def test_monthly_trend_from_datetimes_uses_the_local_month() -> None:
    times = pd.Series(pd.to_datetime(["2024-01-31T23:30:00Z", "2024-05-31T23:30:00Z"], utc=True))
    # 23:30 UTC on 31 Jan is still January (GMT); on 31 May it is 00:30 BST on 1 June.
    trend = monthly_trend(times).set_index("month")
    assert trend.loc["2024-01", "count"] == 1
    assert trend.loc["2024-05", "count"] == 0
    assert trend.loc["2024-06", "count"] == 1


def test_monthly_trend_of_nothing_is_empty() -> None:
    trend = monthly_trend(pd.Series([], dtype=object))
    assert trend.empty and list(trend.columns) == ["month", "count", "count_year_before"]


def test_season_view_runs_september_to_march() -> None:
    months = pd.Series(
        ["2024-09", "2024-09", "2024-12", "2025-02", "2025-04", "2025-10", "2025-10", "2025-10", "2026-01"]
    )
    view = season_view(months)
    # Data from 2024-09 to 2026-01. 2024/25 = Sep 2024..Mar 2025; 2025/26 = Sep 2025..Mar 2026, of which
    # Feb and Mar 2026 are after the data (<NA>). April 2025 is out of season and counted nowhere.
    assert list(view.columns) == ["Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    assert list(view.index) == ["2024/25", "2025/26"]
    assert view.loc["2024/25"].tolist() == [2, 0, 0, 1, 0, 1, 0]
    assert view.loc["2025/26", "Oct"] == 3 and view.loc["2025/26", "Jan"] == 1
    assert view.loc["2025/26", "Feb"] is pd.NA and view.loc["2025/26", "Mar"] is pd.NA
    assert int(view.sum().sum()) == 8


def test_season_view_from_datetimes_and_a_summer_season() -> None:
    # 23:30 UTC on 31 Aug 2025 is 00:30 BST on 1 Sep: the first night of the 2025/26 season.
    times = pd.Series(pd.to_datetime(["2025-08-31T23:30:00Z", "2026-03-31T22:00:00Z"], utc=True))
    view = season_view(times)
    assert list(view.index) == ["2025/26"]
    assert view.loc["2025/26", "Sep"] == 1 and view.loc["2025/26", "Mar"] == 1
    summer = season_view(pd.Series(["2025-06", "2025-08", "2025-08"]), season_months=(6, 7, 8))
    assert list(summer.index) == ["2025"] and summer.loc["2025"].tolist() == [1, 0, 2]


def test_season_months_must_be_consecutive() -> None:
    with pytest.raises(ValueError):
        season_view(pd.Series(["2025-01"]), season_months=(9, 11))
    with pytest.raises(ValueError):
        season_view(pd.Series(["2025-01"]), season_months=(0, 1))
