"""A plan from both sources counts each month of its year from one of them: published crime for the months the
force's published crime holds, our incidents for the rest. No month from two sources, none from neither."""

from __future__ import annotations

from fixtures.month_split_property import assert_each_month_from_one_source
from hypothesis import given
from hypothesis import strategies as st

from ruralwatch.core.month_split import MonthSplit, months_text, split_months

FIRST, LAST = 2015 * 12, 2030 * 12  # month indexes: year * 12 + month - 1


def month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def expand(text: str) -> list[str]:
    """months_text read back: '2026-01 to 2026-03 and 2026-05' -> the four months."""
    if not text:
        return []
    runs = text.replace(" and ", ", ").split(", ")
    months = []
    for run in runs:
        first, _, last = run.partition(" to ")
        start = int(first[:4]) * 12 + int(first[5:]) - 1
        end = int((last or first)[:4]) * 12 + int((last or first)[5:]) - 1
        assert end > start or not last, run  # a run of one month is written as that month
        months.extend(month(i) for i in range(start, end + 1))
    return months


@given(first=st.integers(FIRST, LAST), length=st.integers(1, 24),
       held=st.sets(st.integers(FIRST - 30, LAST + 30), max_size=60))
def test_every_month_of_the_window_comes_from_exactly_one_source(first: int, length: int, held: set[int]) -> None:
    window = [month(first + k) for k in range(length)]
    published = {month(i) for i in held}
    split = split_months(window, published)
    assert_each_month_from_one_source(window, published, split)  # the analyses' property too
    # The words name every month of each source, once.
    assert expand(months_text(split.published)) == list(split.published)
    assert expand(months_text(split.ours)) == list(split.ours)


@given(end=st.integers(FIRST, LAST), lag=st.integers(0, 14),
       gaps=st.sets(st.integers(0, 11), max_size=4))
def test_published_crime_coming_out_late_leaves_ours_the_latest_months_and_the_gaps(end: int, lag: int,
                                                                                    gaps: set[int]) -> None:
    """Published every month up to `lag` months before the patrol's, but for some months never imported."""
    window = [month(end - 11 + k) for k in range(12)]
    latest = end - lag
    held = [month(i) for i in range(end - 30, latest + 1) if end - i not in gaps]
    split = split_months(window, held)
    after_latest = [month(i) for i in range(max(latest + 1, end - 11), end + 1)]
    missing = [m for m in window if m not in after_latest and 11 - window.index(m) in gaps]
    assert set(split.ours) == set(after_latest) | set(missing)
    assert len(split.published) + len(split.ours) == 12


def test_the_split_in_words() -> None:
    split = split_months(["2026-01", "2026-02", "2026-03", "2026-04"], ["2026-01", "2026-03"])
    assert split == MonthSplit(("2026-01", "2026-03"), ("2026-02", "2026-04"))
    assert split.text() == "published crime 2026-01 and 2026-03; our incidents 2026-02 and 2026-04"
    assert split_months(["2026-11", "2026-12"], []).text() == "our incidents 2026-11 to 2026-12"
    assert months_text(("2025-11", "2025-12", "2026-01", "2026-03", "2026-05", "2026-06")) == (
        "2025-11 to 2026-01, 2026-03 and 2026-05 to 2026-06")
