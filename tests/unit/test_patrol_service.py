"""Joint patrols through the service: crew rules, plan from hotspots, briefing, the log, dose and dosage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def services(store: Store) -> Services:
    built = Services.build(store)
    load_demo(built.incidents, count=900, now=NOW)
    built.patrols._now = lambda: NOW  # the patrol's clock: events are stamped "now"
    return built


def _crew(services: Services) -> tuple[str, str, str]:
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    special = services.people.add(PersonInput(name="SC Special", role="special", skills=["off_road"])).id
    volunteer = services.people.add(PersonInput(name="FW Volunteer", role="volunteer")).id
    return officer, special, volunteer


def _patrol(services: Services, crew: list[str], day: str = "2026-11-20", start: str = "06:00",
            end: str = "10:00") -> str:
    record, _ = services.patrols.create(PatrolInput(
        day=day, start=start, end=end, area="Uttlesford", purpose="hare_coursing_operation", crew=crew,
        call_sign="RURAL11", vehicle="Ford Ranger",
    ))
    return record.id


def test_a_crew_without_an_officer_or_independent_special_is_refused(services: Services) -> None:
    _, special, volunteer = _crew(services)
    with pytest.raises(ValidationError, match="independent"):
        _patrol(services, [special, volunteer])
    assert services.patrols.list() == []


def test_missing_skills_are_warned_not_refused(services: Services) -> None:
    officer, _, _ = _crew(services)
    record, issues = services.patrols.create(PatrolInput(
        day="2026-11-20", start="06:00", end="10:00", area="Uttlesford", purpose="hare_coursing_operation",
        crew=[officer],
    ))
    assert record.status == "planned"
    assert any(i.code == "missing_skill" and i.severity == "warning" for i in issues)


def test_nobody_is_on_two_patrols_at_once(services: Services) -> None:
    officer, special, _ = _crew(services)
    _patrol(services, [officer, special])
    with pytest.raises(ValidationError, match="[Dd]ouble|already|another"):
        _patrol(services, [officer], start="08:00", end="11:00")


def test_an_unknown_area_is_one_clear_error(services: Services) -> None:
    officer, _, _ = _crew(services)
    with pytest.raises(ValidationError) as caught:
        services.patrols.create(PatrolInput(day="2026-11-20", start="06:00", end="10:00", area="Atlantis",
                                            purpose="general_rural_patrol", crew=[officer]))
    assert caught.value.errors[0].field == "area"


def test_suggested_plan_visits_hotspots_inside_the_window(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    assert plan.stops
    assert plan.travel_minutes + plan.dwell_minutes <= plan.window_minutes + 1e-6
    saved = services.patrols.get(patrol_id).stops
    assert [s["key"] for s in saved] == [s.key for s in plan.stops]
    assert all(s["dwell_minutes"] == 15 for s in saved)


def test_briefing_pdf_lists_route_crew_and_vehicles(services: Services, tmp_path: Path) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    out = services.patrols.brief(patrol_id, tmp_path / "brief.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "RURAL11" in text and "PC Officer" in text and "SC Special" in text
    assert plan.stops[0].label in text
    vehicles = services.patrols.vehicles_of_interest(services.patrols.get(patrol_id).start)
    assert vehicles and vehicles[0].vrm in text
    assert services.patrols.get(patrol_id).status == "briefed"


def test_log_flags_a_vehicle_of_interest_and_dose_adds_up(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    plan = services.patrols.suggest_for(patrol_id)
    start = plan.start
    services.patrols.start(patrol_id, at=start)
    first, second = plan.stops[0].key, plan.stops[1].key
    suspect = services.patrols.vehicles_of_interest(NOW)[0].vrm

    def log(kind: str, minutes: int, **extra: str) -> object:
        return services.patrols.log(patrol_id, PatrolEventInput(kind=kind, at=start + timedelta(minutes=minutes),
                                                                **extra))

    log("arrived_stop", 0, stop_key=first)
    checked = log("stop_check", 5, stop_key=first, vrm=suspect)
    innocent = log("stop_check", 6, stop_key=first, vrm="AB12 CDE")
    log("left_stop", 12, stop_key=first)
    log("arrived_stop", 20, stop_key=second)
    log("left_stop", 38, stop_key=second)
    services.patrols.end(patrol_id, at=start + timedelta(minutes=200))
    assert checked.flagged and not innocent.flagged
    assert checked.lat == plan.stops[0].lat  # the place comes from the planned stop
    dose = services.patrols.dose(patrol_id)
    minutes = {s.key: s.actual_minutes for s in dose.stops}
    assert (minutes[first], minutes[second]) == (12.0, 18.0)
    assert len(dose.missed) == len(plan.stops) - 2
    assert dose.events_by_kind["Vehicle stop-check"] == 2
    dosage = {d.key: d for d in services.patrols.dosage(start - timedelta(days=1), start + timedelta(days=1))}
    assert (dosage[first].visits, dosage[first].minutes) == (1, 12.0)


def test_events_need_a_started_patrol_and_a_valid_grid_reference(services: Services) -> None:
    officer, _, _ = _crew(services)
    patrol_id = _patrol(services, [officer])
    with pytest.raises(ValidationError, match="start the patrol"):
        services.patrols.log(patrol_id, PatrolEventInput(kind="note"))
    services.patrols.start(patrol_id, at=NOW - timedelta(hours=1))
    with pytest.raises(ValidationError) as caught:
        services.patrols.log(patrol_id, PatrolEventInput(kind="person_spoken", grid_ref="TL 12345"))
    assert caught.value.errors[0].field == "grid_ref"
    event = services.patrols.log(patrol_id, PatrolEventInput(kind="person_spoken", grid_ref="TL 5400 3000"))
    assert 51.9 < event.lat < 52.0
    assert [e.kind for e in services.patrols.log_of(patrol_id)] == ["patrol_started", "person_spoken"]


def test_patrol_hours_count_for_the_crew(services: Services) -> None:
    officer, special, _ = _crew(services)
    patrol_id = _patrol(services, [officer, special])
    services.patrols.start(patrol_id, at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    services.patrols.end(patrol_id, at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    rows = services.hours.summary("2026-11", "2026-11").by_person
    assert rows.set_index("name").loc["SC Special", "hours"] == 3.5
