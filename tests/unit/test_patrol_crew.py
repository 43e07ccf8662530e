"""Crew rules (ruralwatch.patrols.crew): each rule passing and failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vocab import PATROL_PURPOSE_NAMES, PURPOSE_SKILLS, SKILL_NAMES
from ruralwatch.patrols.crew import CrewIssue, CrewMember, can_lead, check_crew, has_errors

START = datetime(2025, 10, 4, 19, 0)
END = START + timedelta(hours=4)
HARE = "hare_coursing_operation"
GENERAL = "general_rural_patrol"


def _member(
    pid: str, role: str = "officer", independent: bool = False, skills: tuple[str, ...] = (), name: str = ""
) -> CrewMember:
    return CrewMember(pid, name or f"Person {pid}", role, independent, frozenset(skills))


def _codes(issues: list[CrewIssue]) -> list[str]:
    return [issue.code for issue in issues]


OFFICER = _member("p1", "officer", skills=("rural_crime", "off_road"), name="PC Amy Holt")


def test_a_good_crew_has_no_issues() -> None:
    assert check_crew([OFFICER], HARE, START, END, {}) == []
    assert check_crew([OFFICER, _member("p2", "special")], GENERAL, START, END, {}) == []


# --- empty -----------------------------------------------------------------------------------------------------


def test_empty_crew_is_an_error() -> None:
    issues = check_crew([], GENERAL, START, END, {})
    assert _codes(issues) == ["empty"]
    assert issues[0].severity == "error" and has_errors(issues)


# --- no_lead ---------------------------------------------------------------------------------------------------


def test_a_regular_officer_leads() -> None:
    assert "no_lead" not in _codes(check_crew([_member("p1", "officer")], GENERAL, START, END, {}))


def test_a_special_with_independent_patrol_status_leads() -> None:
    special = _member("s1", "special", independent=True)
    assert can_lead(special)
    assert "no_lead" not in _codes(check_crew([special, _member("v1", "volunteer")], GENERAL, START, END, {}))


@pytest.mark.parametrize(
    "crew",
    [
        [_member("s1", "special", independent=False)],
        [_member("v1", "volunteer", independent=True)],  # the flag means nothing for a volunteer
        [_member("s1", "special"), _member("v1", "volunteer")],
    ],
    ids=["special-without-status", "volunteer", "special-and-volunteer"],
)
def test_no_officer_or_independent_special_is_an_error(crew: list[CrewMember]) -> None:
    issues = check_crew(crew, GENERAL, START, END, {})
    lead = [issue for issue in issues if issue.code == "no_lead"]
    assert len(lead) == 1 and lead[0].severity == "error"
    assert "independent patrol" in lead[0].message


# --- missing_skill ---------------------------------------------------------------------------------------------


def test_missing_skills_are_warnings_naming_skill_and_purpose() -> None:
    issues = check_crew([_member("p1", "officer", skills=("first_aid",))], HARE, START, END, {})
    missing = [issue for issue in issues if issue.code == "missing_skill"]
    assert [issue.severity for issue in missing] == ["warning", "warning"]
    assert not has_errors(issues)
    for skill, issue in zip(PURPOSE_SKILLS[HARE], missing, strict=True):
        assert SKILL_NAMES[skill] in issue.message
        assert PATROL_PURPOSE_NAMES[HARE] in issue.message


def test_a_skill_held_by_anyone_on_the_crew_counts() -> None:
    crew = [_member("p1", "officer", skills=("rural_crime",)), _member("v1", "volunteer", skills=("off_road",))]
    issues = check_crew(crew, HARE, START, END, {})
    assert "missing_skill" not in _codes(issues)


def test_one_missing_skill_of_two() -> None:
    issues = check_crew([_member("p1", "officer", skills=("rural_crime",))], HARE, START, END, {})
    assert _codes(issues) == ["missing_skill"]
    assert SKILL_NAMES["off_road"] in issues[0].message


def test_purposes_without_skills_never_warn() -> None:
    assert check_crew([_member("p1", "officer")], "encampment_visit", START, END, {}) == []


# --- double_booked ---------------------------------------------------------------------------------------------


def test_overlapping_commitment_is_an_error_naming_it() -> None:
    other = {"p1": [(START + timedelta(hours=3), END + timedelta(hours=2), "Patrol: Dengie hare coursing")]}
    issues = check_crew([OFFICER], HARE, START, END, other)
    assert _codes(issues) == ["double_booked"]
    issue = issues[0]
    assert issue.severity == "error" and issue.person_id == "p1"
    assert "Dengie hare coursing" in issue.message and "PC Amy Holt" in issue.message


def test_a_commitment_inside_or_around_the_patrol_clashes() -> None:
    inside = {"p1": [(START + timedelta(hours=1), START + timedelta(hours=2), "Training: first aid")]}
    around = {"p1": [(START - timedelta(hours=1), END + timedelta(hours=1), "Event: county show")]}
    assert _codes(check_crew([OFFICER], HARE, START, END, inside)) == ["double_booked"]
    assert _codes(check_crew([OFFICER], HARE, START, END, around)) == ["double_booked"]


def test_back_to_back_and_other_peoples_commitments_do_not_clash() -> None:
    other = {
        "p1": [
            (START - timedelta(hours=2), START, "Patrol: earlier"),
            (END, END + timedelta(hours=1), "Patrol: later"),
        ],
        "p9": [(START, END, "Patrol: someone else's")],
    }
    assert check_crew([OFFICER], HARE, START, END, other) == []


def test_each_clash_is_reported() -> None:
    other = {
        "p1": [(START, START + timedelta(hours=1), "Duty A"), (END - timedelta(hours=1), END, "Duty B")],
        "p2": [(START, END, "Duty C")],
    }
    issues = check_crew([OFFICER, _member("p2", "special")], HARE, START, END, other)
    clashes = [issue for issue in issues if issue.code == "double_booked"]
    assert [(issue.person_id, issue.message.split(" is already on ")[1][:6]) for issue in clashes] == [
        ("p1", "Duty A"), ("p1", "Duty B"), ("p2", "Duty C")
    ]


# --- duplicate -------------------------------------------------------------------------------------------------


def test_the_same_person_twice_is_an_error_once() -> None:
    issues = check_crew([OFFICER, OFFICER, _member("p2"), OFFICER], HARE, START, END, {})
    assert _codes(issues) == ["duplicate"]
    assert issues[0].severity == "error" and issues[0].person_id == "p1"


def test_a_duplicate_is_checked_for_clashes_only_once() -> None:
    other = {"p1": [(START, END, "Duty A")]}
    issues = check_crew([OFFICER, OFFICER], HARE, START, END, other)
    assert sorted(_codes(issues)) == ["double_booked", "duplicate"]


# --- volunteer_on_patrol ---------------------------------------------------------------------------------------


def test_a_volunteer_on_a_joint_patrol_is_a_warning() -> None:
    volunteer = _member("v1", "volunteer", name="Sam Reed")
    issues = check_crew([OFFICER, volunteer], HARE, START, END, {})
    assert _codes(issues) == ["volunteer_on_patrol"]
    assert issues[0].severity == "warning" and issues[0].person_id == "v1" and "Sam Reed" in issues[0].message
    assert not has_errors(issues)


def test_officers_and_specials_bring_no_volunteer_warning() -> None:
    crew = [OFFICER, _member("s1", "special", independent=True)]
    assert "volunteer_on_patrol" not in _codes(check_crew(crew, HARE, START, END, {}))


# --- ordering and refusals -------------------------------------------------------------------------------------


def test_errors_come_before_warnings() -> None:
    crew = [_member("v1", "volunteer"), _member("s1", "special")]
    other = {"s1": [(START, END, "Duty A")]}
    issues = check_crew(crew, HARE, START, END, other)
    assert _codes(issues) == ["no_lead", "double_booked", "missing_skill", "missing_skill", "volunteer_on_patrol"]
    severities = [issue.severity for issue in issues]
    assert severities == sorted(severities, key=lambda s: s != "error")


def test_unknown_purpose_role_and_bad_times_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        check_crew([OFFICER], "sightseeing", START, END, {})
    assert info.value.errors[0].field == "purpose"
    with pytest.raises(ValidationError) as info:
        check_crew([_member("x", "sheriff")], GENERAL, START, END, {})
    assert info.value.errors[0].field == "crew"
    for end in (START, START - timedelta(minutes=1), datetime(2025, 10, 4, 23, 0, tzinfo=UTC)):
        with pytest.raises(ValidationError) as info:
            check_crew([OFFICER], GENERAL, START, end, {})
        assert info.value.errors[0].field == "end"


def test_members_may_be_any_iterable() -> None:
    assert check_crew(iter([OFFICER]), HARE, START, END, {}) == []


# --- rostering rules -------------------------------------------------------------------------------------------


def test_rostering_rules_are_override_issues_between_errors_and_warnings() -> None:
    from datetime import time

    from ruralwatch.core.times import LOCAL_ZONE
    from ruralwatch.patrols.crew import OVERRIDE, needs_reason, roster_rule_issues
    from ruralwatch.rostering.model import Commitment, RosterRules, Volunteer, WeeklySlot

    start = datetime(2025, 10, 4, 19, 0, tzinfo=LOCAL_ZONE)  # a Saturday
    end = start + timedelta(hours=4)
    evenings = (WeeklySlot(5, time(17), time(23, 30)),)
    free = Volunteer("p1", "PC Amy Holt", "officer", weekly=evenings)
    tired = Volunteer("p2", "SC Ben Cole", "special", weekly=evenings)
    away = Volunteer("p3", "Cat Dale", "volunteer")
    earlier = {"p2": [Commitment("p2", start - timedelta(hours=12), start - timedelta(hours=10), "d1")]}
    found = roster_rule_issues([free, tired, away, tired], start, end, earlier, RosterRules())
    assert [(i.severity, i.code, i.person_id) for i in found] == [
        (OVERRIDE, "rest", "p2"), (OVERRIDE, "unavailable", "p3")]
    assert found[0].message == ("SC Ben Cole would have only 10 h rest between a commitment ending Sat 4 Oct 09:00 "
                                "and this patrol (minimum 11 h).")
    assert needs_reason(found) and not has_errors(found)
    members = [_member("p2", "special"), _member("p3", "volunteer")]
    ordered = check_crew(members, GENERAL, start, end, {}, found)
    assert [i.severity for i in ordered] == ["error", OVERRIDE, OVERRIDE, "warning"]
    assert roster_rule_issues([free], start, end, {}, RosterRules()) == []
