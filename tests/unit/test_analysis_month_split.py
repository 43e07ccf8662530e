"""Every analysis from both sources (source "all") counts each month from one source, by the patrol plan's rule:
published crime for the months the force's published crime holds, our incidents for the rest. Summed, a crime we
recorded that data.police.uk later published counted twice in hotspots, harm by area, concentration and timing.

Published crime is inserted at chosen British National Grid cells, as in test_analysis_service.py.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.month_split_property import assert_each_month_from_one_source
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analysis_service import CHELMSFORD, THAXTED, Published

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.month_split import MonthSplit, months_from_to
from ruralwatch.services.analysis import AnalysisService, HotspotQuery
from ruralwatch.services.harm import HarmService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store, open_store

FARM_BURGLARY = 183.5  # CCHI days of our farm_burglary
BURGLARY = 245.91  # of published "Burglary" (Essex)


@pytest.fixture
def analysis(store: Store) -> AnalysisService:
    return AnalysisService(store, HarmService(store))


@pytest.fixture
def published(store: Store) -> Published:
    return Published(store)


def _ours(service: IncidentService, *days: str) -> None:
    for day in days:
        service.record(IncidentInput(kind="farm_burglary", occurred_start=f"{day} 10:00", lat=THAXTED[0],
                                     lon=THAXTED[1]))


@pytest.fixture
def march_published_april_ours(published: Published, incident_service: IncidentService) -> None:
    """March 2024 is published (one burglary, Chelmsford); we recorded a farm burglary at Thaxted in March (so it
    is in March's published crime too, as far as RuralWatch can tell) and one in April (not published yet)."""
    published.add(*CHELMSFORD, "Burglary", month="2024-03")
    _ours(incident_service, "2024-03-05", "2024-04-05")


def test_the_split_of_a_period(analysis, march_published_april_ours) -> None:
    assert analysis.month_split("2024-02", "2024-05") == MonthSplit(("2024-03",), ("2024-02", "2024-04", "2024-05"))
    # Open ends: the first and last month either source holds.
    assert analysis.month_split(None, None) == MonthSplit(("2024-03",), ("2024-04",))
    assert analysis.month_split("2024-04", None) == MonthSplit((), ("2024-04",))


def test_harm_by_area_counts_march_once(analysis, march_published_april_ours) -> None:
    frame, counted = analysis.by_area_counted("district", "all")
    rows = frame.set_index("area")
    assert rows.loc["Uttlesford", "count"] == 1  # April's; March's of ours is March's published crime
    assert rows.loc["Uttlesford", "harm"] == pytest.approx(FARM_BURGLARY, abs=0.05)
    assert rows.loc["Chelmsford", "count"] == 1
    assert frame["count"].sum() == 2
    assert "Months: published crime 2024-03; our incidents 2024-04 (each month from one source" in counted


def test_concentration_counts_march_once(analysis, march_published_april_ours) -> None:
    result = analysis.concentration("all")
    assert result["crimes"] == 2
    assert result["total_harm"] == pytest.approx(BURGLARY + FARM_BURGLARY, abs=0.05)
    assert result["months"] == {"published": ["2024-03"], "incidents": ["2024-04"]}


def test_timing_takes_each_month_of_the_trend_from_one_source(analysis, published, march_published_april_ours):
    published.add(None, None, "Burglary", month="2024-03")  # without a location: still March's crime
    result = analysis.timing("all")
    counts = dict(zip(result["monthly_trend"]["month"], result["monthly_trend"]["count"], strict=True))
    assert (counts["2024-03"], counts["2024-04"]) == (2, 1)  # March: published crime's two; not + ours
    assert result["months"] == MonthSplit(("2024-03",), ("2024-04",))
    assert result["incidents_timed"] == 2  # the hour table is ours whatever the source: both of them


def test_published_crime_without_a_location_in_our_months_is_not_counted(analysis, published,
                                                                         march_published_april_ours) -> None:
    published.add(None, None, "Burglary", month="2024-03")
    published.add(None, None, "Burglary", month="2024-04")  # April holds no located row: April is ours
    assert analysis.no_location("published", None, None) == 2
    assert analysis.no_location("all", None, None) == 1
    run = analysis.hotspots(HotspotQuery(method="grid", source="all"))
    assert run.no_location == 1 and run.points == 2


def test_forecast_accuracy_from_both_refuses_to_mix_the_sources(analysis, published, incident_service) -> None:
    """Trained on published crime and scored on our incidents, PAI would measure the sources, not the forecast."""
    for month in ("2024-01", "2024-02"):
        published.add(*CHELMSFORD, "Burglary", month=month)
    _ours(incident_service, "2024-01-10", "2024-03-10")
    with pytest.raises(ValidationError) as raised:
        analysis.evaluate("2024-01", "2024-02", "2024-03", "2024-03", source="all")
    error = raised.value.errors[0]
    assert error.field == "source"
    assert "training (published crime 2024-01 to 2024-02), test (our incidents 2024-03)" in error.message
    assert "choose published crime or our incidents" in error.message


def test_forecast_accuracy_from_both_with_every_month_published(analysis, published, incident_service) -> None:
    for month in ("2024-01", "2024-02", "2024-03"):
        published.add(*CHELMSFORD, "Burglary", month=month)
    _ours(incident_service, "2024-01-10", "2024-03-10")  # in published months: not counted again
    result = analysis.evaluate("2024-01", "2024-02", "2024-03", "2024-03", source="all")
    alone = analysis.evaluate("2024-01", "2024-02", "2024-03", "2024-03", source="published")
    assert (result["train"]["crimes"], result["test"]["crimes"]) == (2, 1)
    assert result["methods"] == alone["methods"]
    assert result["months"] == {"published": ["2024-01", "2024-02", "2024-03"], "incidents": []}
    assert "every training and test month is published crime's" in result["months_note"]
    assert alone["months"] is None


def test_the_patrol_plan_splits_its_months_with_the_analyses_rule(store, analysis, monkeypatch) -> None:
    """One function: the plan's split is AnalysisService.month_split's, not a copy of the rule."""
    from ruralwatch.services.container import Services

    services = Services.build(store, clock=lambda: datetime(2024, 6, 1, 12, tzinfo=UTC))
    asked: list[tuple[str | None, str | None]] = []
    real = AnalysisService.month_split

    def spy(self: AnalysisService, month_from: str | None, month_to: str | None) -> MonthSplit:
        asked.append((month_from, month_to))
        return real(self, month_from, month_to)

    monkeypatch.setattr(AnalysisService, "month_split", spy)
    source = services.patrols.plan_source("Uttlesford", datetime(2024, 5, 20, 18, tzinfo=UTC), "all")
    assert asked == [("2023-06", "2024-05")]
    assert source.split == real(services.analysis, "2023-06", "2024-05")


# --- the property, as the plan's (tests/unit/test_plan_month_split.py) --------------------------------------

FIRST = "2023-11"
WINDOW = months_from_to(FIRST, "2024-06")  # eight months


@settings(max_examples=15, deadline=None)
@given(held=st.sets(st.sampled_from(WINDOW)), ours=st.sets(st.sampled_from(WINDOW)),
       ends=st.tuples(st.sampled_from((None, *WINDOW[:3])), st.sampled_from((None, *WINDOW[-3:]))))
def test_no_month_of_any_analysis_from_two_sources_and_none_lost(held: set[str], ours: set[str],
                                                                 ends: tuple[str | None, str | None]) -> None:
    """A month of published crime held is counted from it alone; every other month from our incidents alone.
    Published month k holds k + 2 crimes and we recorded one in each month of `ours`, so each month's count says
    which source it came from."""
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "split.db")
        try:
            rows = Published(store)
            for month in held:
                rows.add(*CHELMSFORD, "Burglary", month=month, times=WINDOW.index(month) + 2)
            _ours(IncidentService(store), *(f"{month}-15" for month in ours))
            analysis = AnalysisService(store, HarmService(store))
            split = analysis.month_split(*ends)
            period = analysis.period_months(*ends)
            assert_each_month_from_one_source(period, held, split)
            counted = analysis.points("all", *ends)["month"].value_counts().to_dict()
            expected = {m: WINDOW.index(m) + 2 if m in held else 1 for m in period if m in held or m in ours}
            assert counted == expected
            run = analysis.hotspots(HotspotQuery(method="grid", weight="count", source="all", month_from=ends[0],
                                                 month_to=ends[1]))
            assert run.points == sum(expected.values()) and run.months == split
        finally:
            store.close()
