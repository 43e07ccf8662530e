"""One rule for the month a volunteer's commitment starts, shared by the Hours tab and the analysts' export: a month
before the person was added is never "below" (it read a red "0 / 16 h · below" in the window and
below_commitment = true in the whole-picture export)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ruralwatch.io.picture import Picture
from ruralwatch.io.picture_tables import hours_rows
from ruralwatch.rostering.hours import JOINT_PATROL, WorkedHours, commitment_months


def test_the_month_added_in_uk_time_or_an_earlier_month_with_hours() -> None:
    added = {"late": "2026-11-30T23:30:00Z",  # 30 Nov 23:30 UTC is still November in the UK (GMT)
             "summer": "2026-07-31T23:30:00Z",  # but 31 Jul 23:30 UTC is 1 Aug 00:30 BST
             "history": "2026-12-01T09:00:00Z"}
    worked = [("history", "2026-10"), ("history", "2026-11"), ("stranger", "2026-01")]
    assert commitment_months(added, worked) == {"late": "2026-11", "summer": "2026-08", "history": "2026-10"}


@given(months=st.lists(st.sampled_from(["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]), max_size=6))
def test_never_later_than_the_month_added_nor_than_any_month_worked(months: list[str]) -> None:
    first = commitment_months({"p": "2026-11-15T12:00:00Z"}, [("p", m) for m in months])["p"]
    assert first <= "2026-11" and all(first <= m for m in months)


def _person(person_id: str, added: str) -> dict:
    return {"id": person_id, "name": person_id.title(), "role": "special", "collar_number": "", "station": "",
            "monthly_commitment_hours": 16, "active": 1, "created_at": added}


def test_the_exports_hours_lines_follow_the_same_rule() -> None:
    picture = Picture(people={"ann": _person("ann", "2026-11-10T10:00:00Z"),
                              "bob": _person("bob", "2026-09-01T10:00:00Z")},
                      worked=[WorkedHours("bob", "2026-10", JOINT_PATROL, 4.0)])
    rows = {(r["person_id"], r["month"]): r for r in hours_rows(picture, ["2026-10", "2026-11"], "2026-12")}
    before = rows[("ann", "2026-10")]
    assert (before["commitment_hours"], before["difference_hours"], before["below_commitment"]) == (None, None, False)
    assert rows[("ann", "2026-11")]["below_commitment"] is True
    assert rows[("bob", "2026-10")]["commitment_hours"] == 16.0 and rows[("bob", "2026-10")]["below_commitment"]
