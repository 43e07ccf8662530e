"""Months missing from published crime (Essex's files lack 2018-08 and 2018-09): the import names them, the
Accuracy tab's hint says them, and forecast accuracy over them warns or, with nothing at all, refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_analysis_service import CHELMSFORD, COLCHESTER, Published

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.month_split import held_text, missing_months
from ruralwatch.services.analysis import AnalysisService
from ruralwatch.services.harm import HarmService
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "police-uk"


@pytest.fixture
def analysis(store: Store) -> AnalysisService:
    return AnalysisService(store, HarmService(store))


@pytest.fixture
def with_a_gap(store: Store) -> Published:
    """Published crime for 2024-01 to 2024-06 but 2024-04 and 2024-05, the same cells each month."""
    published = Published(store)
    for month in ("2024-01", "2024-02", "2024-03", "2024-06"):
        published.add(*CHELMSFORD, "Burglary", month=month, times=3)
        published.add(*COLCHESTER, "Shoplifting", month=month)
    return published


def test_missing_months_are_those_between_the_first_and_last_held() -> None:
    assert missing_months(["2018-01", "2018-07", "2018-10", "2019-02"][::-1]) == (
        "2018-02", "2018-03", "2018-04", "2018-05", "2018-06", "2018-08", "2018-09", "2018-11", "2018-12",
        "2019-01")
    assert missing_months([]) == ()
    held = [f"2018-{m:02d}" for m in (1, 2, 3, 4, 5, 6, 7, 10, 11, 12)] + ["2019-01", "2019-02"]
    assert held_text(held) == "2018-01 to 2019-02, no data for 2018-08 and 2018-09"
    assert held_text(["2018-01", "2018-02"]) == "2018-01 to 2018-02"


def test_the_import_summary_names_the_months_missing_inside_the_span_held(store: Store) -> None:
    service = PublishedCrimeService(store)
    report = service.import_paths([FIXTURES / "2018-01-essex-street-first150.csv",
                                   FIXTURES / "2018-03-essex-street-first150.csv"])
    assert report.missing_months == ["2018-02"]
    assert service.missing_months() == ("2018-02",)
    assert report.summary().endswith("Published crime now holds 2018-01 to 2018-03 with no data for 2018-02: "
                                     "analyses over those months have nothing from them")


def test_an_import_without_a_gap_says_nothing_of_one(store: Store) -> None:
    report = PublishedCrimeService(store).import_paths([FIXTURES / "2018-01-essex-street-first150.csv"])
    assert report.missing_months == [] and "no data" not in report.summary()


def test_the_blank_month_hint_names_the_missing_months(analysis, with_a_gap) -> None:
    with pytest.raises(ValidationError) as caught:
        analysis.evaluate("2024-01", "2024-02", "2024-03", "")
    assert caught.value.errors[-1].message == ("give the last month to test on, YYYY-MM (published crime holds "
                                               "2024-01 to 2024-06, no data for 2024-04 and 2024-05)")


def test_accuracy_over_months_without_data_says_which_and_what_the_figures_cover(analysis, with_a_gap) -> None:
    result = analysis.evaluate("2024-01", "2024-02", "2024-03", "2024-06")
    assert result["missing_months"] == {"train": [], "test": ["2024-04", "2024-05"]}
    assert result["test"]["crimes"] == 8  # 2024-03 and 2024-06
    assert result["warning"] == ("Published crime has no data for test 2024-04 and 2024-05 (2 of 4 months held): "
                                 "the figures cover only the months held, not the whole period asked for.")


def test_accuracy_over_a_complete_period_has_no_warning(analysis, with_a_gap) -> None:
    result = analysis.evaluate("2024-01", "2024-02", "2024-03", "2024-03")
    assert result["warning"] == "" and result["missing_months"] == {"train": [], "test": []}


@pytest.mark.parametrize(("months", "field", "words"), [
    (("2024-01", "2024-03", "2024-04", "2024-05"), "test_from", "no data for any test month (2024-04 and 2024-05)"),
    (("2023-10", "2023-12", "2024-01", "2024-02"), "train_from",
     "no data for any training month (2023-10, 2023-11 and 2023-12)"),
])
def test_accuracy_with_no_data_in_a_whole_period_is_refused(analysis, with_a_gap, months, field, words) -> None:
    with pytest.raises(ValidationError) as caught:
        analysis.evaluate(*months)
    error = caught.value.errors[0]
    assert error.field == field
    assert words in error.message
    assert error.message.endswith("it holds 2024-01 to 2024-06, no data for 2024-04 and 2024-05")


def test_the_latest_complete_span_held_is_offered(analysis, with_a_gap) -> None:
    # 2024-06 alone after the gap is no span: 2024-01 to 2024-03, its last month tested.
    assert analysis.latest_complete_span() == ("2024-01", "2024-02", "2024-03", "2024-03")


def test_the_latest_complete_span_is_the_latest_unbroken_run(analysis, store) -> None:
    published = Published(store)
    for month in ("2018-01", "2018-02", "2018-07", "2018-10", "2018-11", "2018-12", "2019-01", "2019-02"):
        published.add(*CHELMSFORD, "Burglary", month=month)
    # 2018-10 to 2019-02 unbroken: its last month tested, the four before it learnt from.
    assert analysis.latest_complete_span() == ("2018-10", "2019-01", "2019-02", "2019-02")


# --- hotspots: one per place, neighbours labelled ----------------------------------------------------------------


@pytest.fixture
def one_peak_over_two_cells(store: Store) -> Published:
    published = Published(store)
    published.add(*CHELMSFORD, "Burglary", times=3)
    published.add(CHELMSFORD[0] + 250, CHELMSFORD[1], "Burglary", times=2)  # the next cell east
    published.add(*COLCHESTER, "Burglary")
    return published


def test_every_cell_ranked_names_its_neighbour(analysis, one_peak_over_two_cells) -> None:
    from ruralwatch.services.analysis import HotspotQuery

    run = analysis.hotspots(HotspotQuery(method="grid", top_n=3))
    assert [h.easting for h in run.hotspots] == [CHELMSFORD[0], CHELMSFORD[0] + 250, COLCHESTER[0]]
    assert run.groups == [1, 1, 3] and run.places() == 2
    assert run.labels()[1].endswith(" (next to 1)") and "next to" not in run.labels()[2]
    assert run.to_dict()["hotspots"][1]["next_to"] == 1 and run.to_dict()["hotspots"][0]["next_to"] is None


def test_one_per_place_leaves_a_hotter_cells_neighbours_out(analysis, one_peak_over_two_cells) -> None:
    from ruralwatch.services.analysis import HotspotQuery

    for method in ("grid", "kde"):
        run = analysis.hotspots(HotspotQuery(method=method, top_n=3, places=True))
        assert [(h.easting, h.northing) for h in run.hotspots][:2] == [CHELMSFORD, COLCHESTER], method
        assert run.places() == len(run.hotspots)
