"""Times typed as text (core.times.parse_moment): UK local wall time, read back as typed, or one refusal; never a
time an hour off from what was typed (the clocks' change nights)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError

# Every minute of the weeks round both 2026 changes, and some others.
MINUTES = st.one_of(
    st.integers(0, 3 * 24 * 60).map(lambda m: datetime(2026, 3, 28) + timedelta(minutes=m)),
    st.integers(0, 3 * 24 * 60).map(lambda m: datetime(2026, 10, 24) + timedelta(minutes=m)),
    st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)),
)


@given(MINUTES)
def test_a_typed_time_reads_back_as_typed_or_is_refused_as_the_clocks_change(typed: datetime) -> None:
    text = typed.strftime("%Y-%m-%d %H:%M")
    try:
        moment = times.parse_moment(text, "at")
    except ValidationError as exc:
        assert len(exc.errors) == 1 and exc.errors[0].field == "at"
        assert typed.month in (3, 10) and typed.hour == 1, "only the change nights' 01:00-01:59 are refused"
        assert exc.errors[0].message.startswith(f"{text} ")
        return
    assert times.format_local(times.to_storage(moment)) == text


@pytest.mark.parametrize(("text", "stored"), [("2026-10-25 01:30+01:00", "2026-10-25T00:30:00Z"),
                                              ("2026-10-25 01:30+00:00", "2026-10-25T01:30:00Z"),
                                              ("2026-03-29 00:59", "2026-03-29T00:59:00Z"),
                                              ("2026-03-29 02:00", "2026-03-29T01:00:00Z")])
def test_an_offset_says_which_of_the_autumn_hours_and_the_edges_of_the_gap_read_as_typed(text: str,
                                                                                       stored: str) -> None:
    assert times.to_storage(times.parse_moment(text, "at")) == stored


def test_a_datetime_from_a_box_or_clock_is_taken_as_it_comes() -> None:
    # The window's date boxes hand over datetimes; only typed text is judged.
    assert times.to_storage(times.parse_moment(datetime(2026, 10, 25, 1, 30), "at")) == "2026-10-25T00:30:00Z"
