"""Patrol plans weigh the harm of a chosen source: our incidents, published crime, or both summed. A Norfolk walk
(a force new to RuralWatch, published crime only) got no plan at all beside a Hotspots tab full of hotspots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from ruralwatch.core.crime_types import type_choices
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.month_split import MonthSplit
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.patrol_plan import PlanSettings, settings_to_json, stops_to_json
from ruralwatch.core.people import PersonInput
from ruralwatch.services.analysis import HotspotQuery
from ruralwatch.services.container import Services
from ruralwatch.services.patrols import candidate_of
from ruralwatch.services.patrols.places import HOTSPOT_CELL_M, saved_before_notes, shift_month
from ruralwatch.store import Store, open_store
from ruralwatch.store.audit import audit_for
from ruralwatch.store.migrations import MIGRATIONS, patrol_plan_note

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
SUFFOLK = sorted(FIXTURES.glob("2018-1?-suffolk-street-every12th.csv"))
NOW = datetime(2019, 1, 20, 12, 0, tzinfo=UTC)
IPSWICH = (52.0567, 1.1482)  # the town centre
BASILDON = (51.5761, 0.4887)  # the town centre


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


def test_our_incidents_come_first_and_both_takes_each_month_from_one(suffolk: Services) -> None:
    ours = suffolk.incidents.record(IncidentInput(kind="farm_burglary", occurred_start="2019-01-10 02:00",
                                                  lat=IPSWICH[0], lon=IPSWICH[1], place="Test Farm"))
    ours = suffolk.incidents.get(ours.id)
    auto = _plan(suffolk, "auto")
    assert auto.source == "incidents" and "Chosen as 1 of ours fall in Ipswich" in auto.source_note
    assert [stop.reason for stop in auto.stops] == ["harm hotspot of 2018-02 to 2019-01"]  # ours alone
    published = _plan(suffolk, "published")
    assert published.source == "published" and not any(s.key.startswith("incident:") for s in published.stops)
    both = _plan(suffolk, "all")
    assert both.source == "all" and both.source_note.startswith(
        "Stops from both sources, each month from one (published crime 2018-10 to 2018-12; our incidents 2018-02 to "
        "2018-09 and 2019-01), so a crime we recorded that was later published counts once.")
    # Ours of 2019-01 (not published yet) adds to published crime's harm: the top hotspot holds at least as much.
    assert max(s.harm for s in both.stops) > max(s.harm for s in published.stops)
    with pytest.raises(ValidationError):
        _plan(suffolk, "guesswork")


def test_both_counts_a_crime_of_ours_in_a_published_month_once(suffolk: Services) -> None:
    """Both summed the two sources over the same months, so a crime we recorded that data.police.uk later published
    (the same burglary in November 2018) was counted twice. Each month now comes from one source: the months
    published crime holds from it, the rest (after its latest month, or never imported) from ours."""
    published = _plan(suffolk, "published")
    suffolk.incidents.record(IncidentInput(kind="farm_burglary", occurred_start="2018-11-15 02:00",
                                           lat=IPSWICH[0], lon=IPSWICH[1], place="Test Farm"))
    source = suffolk.patrols.plan_source("Ipswich", published.start, "all")
    assert source.split == MonthSplit(published=("2018-10", "2018-11", "2018-12"),
                                      ours=tuple(f"2018-{m:02d}" for m in range(2, 10)) + ("2019-01",))
    assert source.published_months == ("2018-10", "2018-12") and source.ours == 0
    both = _plan(suffolk, "all")
    # November's burglary is in November's published crime: the hotspots are published crime's, harm for harm.
    assert sorted((s.key, s.harm) for s in both.stops) == sorted((s.key, s.harm) for s in published.stops)
    assert both.source_note.startswith("Stops from both sources, each month from one (published crime 2018-10 to "
                                       "2018-12; our incidents 2018-02 to 2018-09 and 2019-01)")


def test_a_month_missing_from_published_crime_is_counted_from_ours(store: Store) -> None:
    """Essex's fixtures hold 2018-01, 2018-03 and 2018-04, not 2018-02: a May patrol takes the gap and May (not
    published yet) from our incidents, not from neither."""
    now = datetime(2018, 5, 25, 12, 0, tzinfo=UTC)
    services = Services.build(store, clock=lambda: now)
    services.published.import_paths(sorted((FIXTURES.parent / "police-uk").glob("2018-0?-essex-street-*.csv")))
    for day in ("2018-01-20", "2018-02-14", "2018-05-02"):  # January is published; February and May are not
        services.incidents.record(IncidentInput(kind="farm_burglary", occurred_start=f"{day} 02:00",
                                                lat=BASILDON[0], lon=BASILDON[1]))
    start = datetime(2018, 5, 28, 17, 0, tzinfo=UTC)
    source = services.patrols.plan_source("Basildon", start, "all")
    assert source.split is not None and source.split.published == ("2018-01", "2018-03", "2018-04")
    assert source.split.ours == tuple(f"2017-{m:02d}" for m in range(6, 13)) + ("2018-02", "2018-05")
    assert source.ours == 2  # February's and May's; January's is in January's published crime
    assert ("published crime 2018-01 and 2018-03 to 2018-04; our incidents 2017-06 to 2017-12, 2018-02 and 2018-05"
            in source.note)
    plan = services.patrols.plan_for_window("Basildon", "2018-05-28", "18:00", "22:00",
                                            settings=PlanSettings(harm_source="all"))
    assert plan.stops and plan.source_note == source.note


def test_only_the_chosen_forces_published_months_count_as_published(store: Store) -> None:
    """Norfolk's October held beside Suffolk's November and December does not make October Suffolk's."""
    services = Services.build(store, clock=lambda: NOW)
    services.published.import_paths([*SUFFOLK[1:], FIXTURES / "2018-10-norfolk-street-every30th.csv"])
    services.geography.use_force("Suffolk")
    suffolk = services.patrols.plan_source("Ipswich", NOW, "all").split
    assert suffolk is not None and suffolk.published == ("2018-11", "2018-12") and "2018-10" in suffolk.ours
    services.geography.use_force("Norfolk")
    norfolk = services.patrols.plan_source("Norwich", NOW, "all").split
    assert norfolk is not None and norfolk.published == ("2018-10",) and "2018-11" in norfolk.ours


def test_with_no_published_month_in_the_year_both_is_ours_and_says_so(suffolk: Services) -> None:
    later = datetime(2020, 3, 10, 12, 0, tzinfo=UTC)  # Suffolk's files end 2018-12
    source = suffolk.patrols.plan_source("Ipswich", later, "all")
    assert source.split is not None and not source.split.published and source.published_months is None
    assert source.note.startswith("Stops from our own incidents only (our incidents 2019-04 to 2020-03): the "
                                  "force's published crime holds none of these months.")
    assert suffolk.patrols.nothing_to_plan("Ipswich", later, "all") == (
        "Neither source has a place in Ipswich in 2019-04 to 2020-03 (our incidents 2019-04 to 2020-03). Add places "
        "by hand or choose another area.")


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


def test_a_saved_plan_says_what_it_said_when_saved_whatever_data_comes_after(store: Store, tmp_path: Path) -> None:
    """A saved plan's note was worked out again each time it was shown: a month of published crime imported after
    the plan was saved changed what the saved plan said its stops came from. It is now saved with the plan."""
    services = Services.build(store, clock=lambda: NOW)
    services.published.import_paths(SUFFOLK[:2])  # 2018-10 and 2018-11: December is not out yet
    services.geography.use_force("Suffolk")
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    record, _ = services.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                    purpose="general_rural_patrol", crew=[officer]))
    suggested = services.patrols.suggest_for(record.id, PlanSettings(harm_source="all"))
    said = suggested.source_note
    assert "(published crime 2018-10 to 2018-11; our incidents 2018-02 to 2018-09 and 2018-12 to 2019-01)" in said
    saved = services.patrols.get(record.id)
    assert saved.plan_note == said and services.patrols.timed(saved).source_note == said

    services.published.import_paths(SUFFOLK[2:])  # December comes out
    now_would_say = services.patrols.plan_source("Ipswich", saved.start, "all").note
    assert "(published crime 2018-10 to 2018-12; our incidents 2018-02 to 2018-09 and 2019-01)" in now_would_say
    assert services.patrols.timed(services.patrols.get(record.id)).source_note == said
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(
        services.patrols.brief(record.id, tmp_path / "brief.pdf")).pages).split())
    assert "published crime 2018-10 to 2018-11; our incidents 2018-02 to 2018-09 and 2018-12 to 2019-01" in text

    # Editing the stops keeps the suggestion's words (and the edited plan says them, as the window shows it).
    edited = services.patrols.edit_plan(record.id, [candidate_of(s) for s in saved.stops[:-1]])
    assert edited.source == "all" and edited.source_note == said
    assert services.patrols.get(record.id).plan_note == said
    # And the months it was saved with, as a split (they were only in the note's words).
    months = MonthSplit(("2018-10", "2018-11"), tuple(f"2018-{m:02d}" for m in range(2, 10)) + ("2018-12", "2019-01"))
    assert edited.months == months == services.patrols.timed(services.patrols.get(record.id)).months
    # A new suggestion says what it is made from now.
    assert services.patrols.suggest_for(record.id).source_note == now_would_say
    assert services.patrols.get(record.id).plan_note == now_would_say


def test_a_plan_saved_before_notes_were_kept_says_only_what_its_saved_source_tells(tmp_path: Path) -> None:
    """Migration 22 adds the note; a plan saved before it has none, and is not worked out again from today's data
    (a plan from both was then summed over the same months: today's words would describe another plan)."""
    path = tmp_path / "older.db"
    assert MIGRATIONS.index(patrol_plan_note) == 21  # migration 22
    older = open_store(path, steps=MIGRATIONS[:21])
    try:
        services = Services.build(older, clock=lambda: NOW)
        services.published.import_paths(SUFFOLK)
        services.geography.use_force("Suffolk")
        officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
        record, _ = services.patrols.create(PatrolInput(day="2019-01-20", start="18:00", end="22:00", area="Ipswich",
                                                        purpose="general_rural_patrol", crew=[officer]))
        settings = PlanSettings(harm_source="all", planned_from="all")
        plan = services.patrols.suggest("Ipswich", record.start, record.end, settings=settings)
        with older.transaction():  # as the plan was saved then: stops and settings, no note
            services.patrols.repo.update(record.id, {"plan": stops_to_json(plan.stops),
                                                     "plan_settings": settings_to_json(settings)})
    finally:
        older.close()
    store = open_store(path)
    try:
        services = Services.build(store, clock=lambda: NOW)
        saved = services.patrols.get(record.id)
        assert saved.plan_note is None and saved.stops
        note = services.patrols.timed(saved).source_note
        assert note == saved_before_notes("all") and "their harm summed" in note and "counted twice" in note
        assert "anonymised map points" in note
        result = audit_for(store).verify()
        assert result.ok, result.summary()
    finally:
        store.close()


def test_a_plan_leaves_out_the_crime_types_chosen_and_its_note_says_so(suffolk: Services) -> None:
    """An analyst targeting rural patrols leaves the town centre's shoplifting out of the plan: the hotspots are
    those of the other types, the saved note says which types counted, and a wrong name is one clear message."""
    every = _plan(suffolk, "published")
    assert "Crime types" not in every.source_note
    plan = suffolk.patrols.plan_for_window("Ipswich", "2019-01-20", "18:00", "22:00", settings=PlanSettings(
        harm_source="published", exclude_types=("shoplifting", "Anti-social behaviour")))
    assert plan.source_note.endswith(" Crime types: all but Shoplifting, Anti-social behaviour.")
    run = suffolk.analysis.hotspots(HotspotQuery(
        method="kde", weight="harm", source="published", area="Ipswich", month_from="2018-10", month_to="2018-12",
        cell_m=HOTSPOT_CELL_M, exclude_kinds=("Shoplifting", "Anti-social behaviour")))
    assert max(stop.harm for stop in plan.stops) == round(float(run.hotspots[0].value), 3)
    assert max(stop.harm for stop in plan.stops) != max(stop.harm for stop in every.stops)
    with pytest.raises(ValidationError, match="did you mean Shoplifting"):
        suffolk.patrols.plan_for_window("Ipswich", "2019-01-20", "18:00", "22:00", settings=PlanSettings(
            harm_source="published", exclude_types=("Shoplifing",)))


def test_a_plans_crime_types_are_kept_with_its_settings() -> None:
    from ruralwatch.core.patrol_plan import settings_from_json

    chosen = PlanSettings(exclude_types=("Shoplifting", "fly_tipping"))
    assert settings_from_json(settings_to_json(chosen)) == chosen
    assert "exclude_types" not in settings_to_json(PlanSettings())  # settings saved before it compare as they were


def test_a_source_holding_none_of_the_chosen_types_is_not_used_and_the_note_says_so(suffolk: Services) -> None:
    """Only Hare coursing (one of our kinds) chosen, planning from published crime: no error naming a field
    ("exclude_types: every crime type is left out"), no stops from it, and the note and the why-empty say so."""
    only_hare = tuple(key for key, _name in type_choices("all") if key != "hare_coursing")
    settings = PlanSettings(harm_source="published", exclude_types=only_hare)
    plan = suffolk.patrols.plan_for_window("Ipswich", "2019-01-20", "18:00", "22:00", settings=settings)
    assert not plan.stops
    assert "Published crime holds none of the chosen types, so it is not used." in plan.source_note
    assert suffolk.patrols.candidates("Ipswich", datetime(2019, 1, 20, 18, tzinfo=UTC), source="published",
                                      exclude_types=only_hare) == []
    why = suffolk.patrols.nothing_to_plan("Ipswich", datetime(2019, 1, 20, 18, tzinfo=UTC), "published", only_hare)
    assert why.startswith("Published crime holds none of the chosen crime types")
