"""Patrol plans weigh the harm of a chosen source: our incidents, published crime, or both summed. A Norfolk walk
(a force new to RuralWatch, published crime only) got no plan at all beside a Hotspots tab full of hotspots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.patrol_plan import PlanSettings
from ruralwatch.core.people import PersonInput
from ruralwatch.services.analysis import HotspotQuery
from ruralwatch.services.container import Services
from ruralwatch.services.patrols.places import HOTSPOT_CELL_M, shift_month
from ruralwatch.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
SUFFOLK = sorted(FIXTURES.glob("2018-1?-suffolk-street-every12th.csv"))
NOW = datetime(2019, 1, 20, 12, 0, tzinfo=UTC)
IPSWICH = (52.0567, 1.1482)  # the town centre


@pytest.fixture
def suffolk(store: Store) -> Services:
    """Suffolk with its published crime of 2018-10 to 2018-12 (every 12th row) and none of our incidents."""
    services = Services.build(store, clock=lambda: NOW)
    services.published.import_paths(SUFFOLK)
    services.geography.use_force("Suffolk")
    return services


def _plan(services: Services, source: str, day: str = "2019-01-20"):  # noqa: ANN202 - a Plan
    return services.patrols.plan_for_window("Ipswich", day, "18:00", "22:00",
                                            settings=PlanSettings(harm_source=source))


def test_published_crime_alone_plans_the_harm_hotspots_and_says_how_far_to_trust_them(suffolk: Services) -> None:
    plan = _plan(suffolk, "auto")
    assert plan.stops and plan.source == "published"
    assert all(stop.reason == "harm hotspot of published crime, 2018-10 to 2018-12" for stop in plan.stops
               if stop.key.startswith("cell:"))
    # The Hotspots tab's own run (the same CCHI weights of Suffolk, one catalogue) ranks the same first place.
    run = suffolk.analysis.hotspots(HotspotQuery(method="kde", weight="harm", source="published", area="Ipswich",
                                                 month_from="2018-10", month_to="2018-12", cell_m=HOTSPOT_CELL_M))
    top = max(plan.stops, key=lambda stop: stop.harm)
    assert top.harm == round(float(run.hotspots[0].value), 3)
    assert plan.source_note == (
        "None of our incidents in Ipswich fall in 2018-02 to 2019-01, so: Stops from published crime (data.police.uk, "
        "Suffolk's crime harm weights; hotspots of 2018-10 to 2018-12, the latest month published, 1 month before "
        "the patrol's). Published locations are snapped to anonymised map points (a street or area centre), so a "
        "hotspot is near, not at, where crimes happened; published crime comes out 1-2 months late.")
    assert not _plan(suffolk, "incidents").stops  # asked for ours, there are none
    assert suffolk.patrols.nothing_to_plan("Ipswich", plan.start, "incidents") == (
        "No incidents of our own are recorded yet. Choose published crime to plan from, or add places by hand.")


def test_our_incidents_come_first_and_both_sums_the_two(suffolk: Services) -> None:
    ours = suffolk.incidents.record(IncidentInput(kind="farm_burglary", occurred_start="2019-01-10 02:00",
                                                  lat=IPSWICH[0], lon=IPSWICH[1], place="Test Farm"))
    ours = suffolk.incidents.get(ours.id)
    auto = _plan(suffolk, "auto")
    assert auto.source == "incidents" and "Chosen as 1 of ours fall in Ipswich" in auto.source_note
    assert [stop.reason for stop in auto.stops] == ["harm hotspot of 2018-02 to 2019-01"]  # ours alone
    published = _plan(suffolk, "published")
    assert published.source == "published" and not any(s.key.startswith("incident:") for s in published.stops)
    both = _plan(suffolk, "all")
    assert both.source == "all" and "their harm summed" in both.source_note and "counts twice" in both.source_note
    # Summed: the top hotspot of both holds at least the top of published crime alone.
    assert max(s.harm for s in both.stops) >= max(s.harm for s in published.stops)
    with pytest.raises(ValidationError):
        _plan(suffolk, "guesswork")


@pytest.mark.parametrize(("start", "months"), [
    (datetime(2027, 3, 1, 0, 30, tzinfo=UTC), ("2026-04", "2027-03")),  # a March patrol: not back to 2026-03
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), ("2026-01", "2026-12")),
    (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), ("2025-05", "2026-04")),  # 00:30 on 1 April, UK summer time
])
def test_the_twelve_months_are_twelve_calendar_months(suffolk: Services, start: datetime,
                                                      months: tuple[str, str]) -> None:
    """The plan's '12 months' stepped back 11 x 31 days and spanned 13 calendar months."""
    suffolk = Services.build(suffolk.store, clock=lambda: start)  # the patrol's day is today
    assert suffolk.patrols.plan_source("Ipswich", start).incident_months == months
    assert shift_month(months[1], -11) == months[0]
    # An incident in the month before the first is not counted; one on the first's first day is.
    before = shift_month(months[0], -1)
    suffolk.incidents.record(IncidentInput(kind="farm_burglary", occurred_start=f"{before}-28 12:00",
                                           lat=IPSWICH[0], lon=IPSWICH[1]))
    assert suffolk.patrols.plan_source("Ipswich", start).ours == 0
    suffolk.incidents.record(IncidentInput(kind="farm_burglary", occurred_start=f"{months[0]}-01 00:30",
                                           lat=IPSWICH[0], lon=IPSWICH[1]))
    assert suffolk.patrols.plan_source("Ipswich", start).ours == 1


def test_a_briefing_from_published_crime_says_its_places_are_anonymised(suffolk: Services, tmp_path: Path) -> None:
    officer = suffolk.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    record, _ = suffolk.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                   purpose="general_rural_patrol", crew=[officer], call_sign="R1"))
    suffolk.patrols.suggest_for(record.id)
    saved = suffolk.patrols.get(record.id)
    assert saved.settings.planned_from == "published" and saved.stops
    assert "anonymised map points" in suffolk.patrols.timed(saved).source_note
    out = suffolk.patrols.brief(record.id, tmp_path / "brief.pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    assert "Stops from published crime" in text and "anonymised map points" in text
    assert "1-2 months late" in text
