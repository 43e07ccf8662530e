"""Saved plan stops read back from every shape a database holds; what each patrol status allows; one error for
broken rostering rules on a duty or a crew."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ruralwatch.core.month_split import MonthSplit
from ruralwatch.core.patrol_plan import (
    PlanSettings,
    PlanStop,
    settings_from_json,
    settings_to_json,
    stop_to_json,
    stops_from_json,
    stops_to_json,
)
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.patrols.crew import OVERRIDE, CrewIssue
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.model import RuleBreach

STOP = PlanStop(seq=1, key="cell:1:2", lat=51.9, lon=0.3, label="Hotspot 1", reason="harm hotspot", harm=12.5,
                arrive=datetime(2026, 11, 20, 6, 0, tzinfo=UTC), leave=datetime(2026, 11, 20, 6, 15, tzinfo=UTC),
                dwell_minutes=15.0, travel_minutes=0.0)
# As the service wrote a stop before PlanStop (plan_to_json): keys in this order, times as storage text.
LEGACY = ('[{"seq": 1, "key": "cell:1:2", "lat": 51.9, "lon": 0.3, "label": "Hotspot 1", "reason": "harm hotspot",'
          ' "harm": 12.5, "arrive": "2026-11-20T06:00:00Z", "leave": "2026-11-20T06:15:00Z", "dwell_minutes": 15.0,'
          ' "travel_minutes": 0.0}]')


@pytest.mark.parametrize("saved", [None, "", "  ", "[]", "null"])
def test_a_patrol_without_a_plan_reads_as_no_stops(saved: str | None) -> None:
    assert stops_from_json(saved) == ()


def test_stops_are_written_exactly_as_before_and_read_back() -> None:
    assert stops_to_json([STOP]) == LEGACY
    assert stops_from_json(LEGACY) == (STOP,)


def test_a_stop_missing_the_optional_fields_still_reads() -> None:
    old = json.loads(LEGACY)[0]
    for name in ("travel_minutes", "reason", "harm", "seq"):
        del old[name]
    old["dwell_minutes"] = 15  # an integer
    (stop,) = stops_from_json(json.dumps([old]))
    assert (stop.seq, stop.travel_minutes, stop.reason, stop.harm, stop.dwell_minutes) == (1, 0.0, "", 0.0, 15.0)
    assert stop_to_json(stop)["arrive"] == "2026-11-20T06:00:00Z"


def test_settings_keep_unknown_keys_out_and_missing_ones_default() -> None:
    assert settings_from_json(None) == PlanSettings()
    assert settings_from_json('{"dwell_minutes": 10, "colour": "red"}') == PlanSettings(dwell_minutes=10)
    # A plan's month split round-trips; settings without one are written as before (no key), so they compare equal.
    split = PlanSettings(planned_from="all", planned_months=MonthSplit(("2018-10",), ("2018-12", "2019-01")))
    assert settings_from_json(settings_to_json(split)) == split
    assert "planned_months" not in settings_to_json(PlanSettings())
    assert json.loads(settings_to_json(PlanSettings())) == {"dwell_minutes": 15.0, "road_factor": 1.4,
                                                             "speed_kmh": 48.0, "max_candidates": 50,
                                                             "harm_source": "auto", "planned_from": ""}


def test_what_each_status_allows() -> None:
    allowed = {
        status: {rule for rule in ("can_edit_plan", "can_brief", "can_start", "can_log", "can_end", "can_cancel",
                                   "is_final", "is_open", "has_dose") if getattr(status, rule)}
        for status in PatrolStatus
    }
    assert allowed == {
        PatrolStatus.PLANNED: {"can_edit_plan", "can_brief", "can_start", "can_cancel", "is_open"},
        PatrolStatus.BRIEFED: {"can_edit_plan", "can_brief", "can_start", "can_cancel", "is_open"},
        PatrolStatus.IN_PROGRESS: {"can_brief", "can_log", "can_end", "is_open", "has_dose"},
        PatrolStatus.COMPLETED: {"can_brief", "is_final", "has_dose"},
        PatrolStatus.CANCELLED: {"can_cancel", "is_final"},
    }
    assert PatrolStatus("in_progress") == "in_progress" and PatrolStatus.IN_PROGRESS.text == "in progress"
    assert f"{PatrolStatus.BRIEFED:<9}|" == "briefed  |"


def test_one_error_for_broken_rules_on_a_duty_and_on_a_crew() -> None:
    duty = RuleBreachError.for_assignment([RuleBreach("rest", "Sam would have 4 h rest"),
                                           RuleBreach("unavailable", "Sam is away")])
    assert str(duty) == "Sam would have 4 h rest; Sam is away (give a reason to override)"
    assert [b.rule for b in duty.breaches] == ["rest", "unavailable"] and duty.issues == []
    crew = RuleBreachError.for_crew([CrewIssue(OVERRIDE, "rest", "Sam would have 4 h rest.", "p1")])
    assert str(crew) == "crew: Sam would have 4 h rest. Give a reason to override."
    assert crew.errors[0].field == "crew" and [(b.rule, i.person_id) for b, i in zip(
        crew.breaches, crew.issues, strict=True)] == [("rest", "p1")]


def test_a_log_entry_placed_by_a_latitude_and_longitude_in_the_grid_reference_box_is_logged_there() -> None:
    """The patrol log refused a phone map's "51.8802, 0.2712" typed where a grid reference goes."""
    from ruralwatch.core.patrol import PatrolEventInput, validate_event

    values = validate_event(PatrolEventInput(kind="note", grid_ref="51.8802, 0.2712"),
                            now=datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    assert (values["lat"], values["lon"]) == (51.8802, 0.2712)
