"""Hybrid logical clock: monotonic under wall-clock jumps, causal across devices, text-sortable."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.clock import Hlc, HybridLogicalClock


def scripted_wall(values: Iterable[int]) -> Callable[[], int]:
    """A wall clock that reads the given values in turn."""
    iterator = iter(values)
    return lambda: next(iterator)


def key(stamp: Hlc) -> tuple[int, int]:
    return stamp.millis, stamp.counter


def test_strictly_increasing_when_the_wall_clock_goes_backwards() -> None:
    walls = [1_000, 1_000, 999, 500, 0, 1_001, 1_001, 2_000, 10]
    clock = HybridLogicalClock("deviceA", wall_millis=scripted_wall(walls))
    stamps = [clock.now() for _ in walls]
    assert all(key(a) < key(b) for a, b in zip(stamps, stamps[1:], strict=False))
    assert [s.millis for s in stamps] == [1_000, 1_000, 1_000, 1_000, 1_000, 1_001, 1_001, 2_000, 2_000]
    assert [s.counter for s in stamps] == [0, 1, 2, 3, 4, 0, 1, 0, 1]
    assert {s.device for s in stamps} == {"deviceA"}


def test_starts_after_the_last_stamp_it_is_given() -> None:
    last = Hlc(5_000, 3, "deviceA")
    clock = HybridLogicalClock("deviceA", last=last, wall_millis=lambda: 10)
    assert key(clock.now()) == (5_000, 4)


def test_observe_moves_past_a_remote_stamp_from_the_future() -> None:
    clock = HybridLogicalClock("local", wall_millis=lambda: 1_000)
    clock.now()
    remote = Hlc(9_000, 7, "remote")
    observed = clock.observe(remote)
    assert key(observed) == (9_000, 8)
    assert observed.device == "local"
    after = clock.now()  # the wall clock is still at 1 000 ms
    assert key(after) > key(observed) > key(remote)


def test_observe_a_remote_stamp_in_the_past_still_advances() -> None:
    clock = HybridLogicalClock("local", wall_millis=lambda: 1_000)
    before = clock.now()
    observed = clock.observe(Hlc(10, 99, "remote"))
    assert key(observed) == (1_000, 1)
    assert key(observed) > key(before)


def test_observe_same_millisecond_takes_the_larger_counter() -> None:
    clock = HybridLogicalClock("local", wall_millis=lambda: 1_000)
    clock.now()
    clock.now()  # (1000, 1)
    assert key(clock.observe(Hlc(1_000, 5, "remote"))) == (1_000, 6)
    assert key(clock.observe(Hlc(1_000, 0, "remote"))) == (1_000, 7)


def test_observe_when_the_wall_clock_is_ahead_of_both_resets_the_counter() -> None:
    clock = HybridLogicalClock("local", wall_millis=scripted_wall([1_000, 5_000]))
    clock.now()
    assert key(clock.observe(Hlc(2_000, 9, "remote"))) == (5_000, 0)


def test_device_id_must_not_contain_the_separator() -> None:
    with pytest.raises(ValueError):
        HybridLogicalClock("bad-device")


def test_encoding_is_fixed_width() -> None:
    assert Hlc(1_700_000_000_000, 5, "abc").encode() == "001700000000000-000005-abc"
    assert str(Hlc(1, 2, "d")) == Hlc(1, 2, "d").encode()


# --- properties --------------------------------------------------------------------------------------------

devices = st.text(alphabet="0123456789abcdefXYZ_", min_size=1, max_size=16)
stamps = st.builds(Hlc, st.integers(0, 10**15 - 1), st.integers(0, 10**6 - 1), devices)


@settings(max_examples=300, database=None)
@given(stamps)
def test_encode_decode_round_trip(stamp: Hlc) -> None:
    assert Hlc.decode(stamp.encode()) == stamp


@settings(max_examples=500, database=None)
@given(stamps, stamps)
def test_string_order_equals_tuple_order(a: Hlc, b: Hlc) -> None:
    assert (a.encode() < b.encode()) == (a < b)
    assert (a.encode() == b.encode()) == (a == b)


operations = st.lists(
    st.tuples(
        st.integers(0, 5_000),  # wall clock reading, jumping about freely
        st.none() | st.builds(Hlc, st.integers(0, 6_000), st.integers(0, 50), st.just("remote")),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, database=None)
@given(operations)
def test_every_stamp_is_later_than_everything_seen_before(ops: list[tuple[int, Hlc | None]]) -> None:
    clock = HybridLogicalClock("local", wall_millis=scripted_wall(wall for wall, _ in ops))
    previous: Hlc | None = None
    for wall, remote in ops:
        stamp = clock.now() if remote is None else clock.observe(remote)
        if previous is not None:
            assert key(stamp) > key(previous)
            assert stamp.encode() > previous.encode()
        if remote is not None:
            assert key(stamp) > key(remote)
        assert stamp.millis >= wall
        previous = stamp


# --- bounds: the counter's width, and remote clocks far ahead (issue 15, item 8) ---------------------------------


def test_a_million_events_in_one_millisecond_stay_ordered_and_fixed_width() -> None:
    """The wall clock never moves: over a million stamps, strictly increasing as objects and as text."""
    clock = HybridLogicalClock("local", wall_millis=lambda: 1_764_000_000_000)
    previous = clock.now()
    previous_text = previous.encode()
    for _ in range(1_000_100):
        stamp = clock.now()
        text = stamp.encode()
        assert stamp > previous and text > previous_text and len(text) == len(previous_text)
        previous, previous_text = stamp, text
    assert key(previous) == (1_764_000_000_001, 100)


@settings(max_examples=50, database=None, deadline=None)
@given(st.integers(0, 10**15 - 10), st.integers(10**6 - 50, 10**6 - 1), st.integers(1, 3_000),
       st.lists(st.integers(0, 10**15 - 1), max_size=5))
def test_a_frozen_wall_clock_never_overflows_the_counter(start: int, first_counter: int, ticks: int,
                                                          remotes: list[int]) -> None:
    """Near the counter's limit, with a wall clock that never moves and remote stamps at the limit too."""
    clock = HybridLogicalClock("local", last=Hlc(start, first_counter, "local"), wall_millis=lambda: start,
                               max_skew_ms=10**15)
    previous = Hlc(start, first_counter, "local")
    previous_text = previous.encode()
    for tick in range(ticks):
        if remotes and tick % 500 == 0:
            remote = Hlc(min(remotes.pop(), start + 2), 999_999, "remote")
            stamp = clock.observe(remote)
            assert stamp > Hlc(remote.millis, remote.counter, "local") or stamp.millis > remote.millis
        else:
            stamp = clock.now()
        text = stamp.encode()
        assert stamp > previous and text > previous_text and len(text) == len(previous_text)
        previous, previous_text = stamp, text


def test_observe_a_remote_counter_at_its_width_moves_to_the_next_millisecond() -> None:
    clock = HybridLogicalClock("local", wall_millis=lambda: 1_000)
    remote = Hlc(1_000, 999_999, "remote")
    stamp = clock.observe(remote)
    assert key(stamp) == (1_001, 0) and stamp.encode() > remote.encode()
    assert len(stamp.encode()) == len(remote.encode()) - len("remote") + len("local")


def test_a_stamp_wider_than_the_encoding_is_never_written() -> None:
    with pytest.raises(ValueError):
        Hlc(1, 1_000_000, "d").encode()


DAY = 24 * 3_600_000


def test_observe_refuses_a_remote_clock_more_than_the_skew_ahead_and_does_not_move() -> None:
    from ruralwatch.core.clock import MAX_CLOCK_SKEW_MS, ClockSkewError

    assert MAX_CLOCK_SKEW_MS == DAY
    now = 1_764_000_000_000  # late 2025
    clock = HybridLogicalClock("local", wall_millis=lambda: now)
    before = clock.now()
    year_2100 = Hlc(4_102_444_800_000, 0, "laptop7")
    with pytest.raises(ClockSkewError, match=r"^device laptop7's clock is 74 years ahead of this laptop's: check "
                                             r"its date and time, then export again$"):
        clock.observe(year_2100)
    assert key(clock.now()) == (before.millis, before.counter + 1)  # not pinned in 2100
    assert key(clock.observe(Hlc(now + DAY - 1, 3, "laptop7"))) == (now + DAY - 1, 4)  # within the skew: followed


def test_skew_is_described_in_the_largest_whole_unit() -> None:
    from ruralwatch.core.clock import describe_span

    assert describe_span(2 * DAY + 5) == "2 days"
    assert describe_span(DAY) == "1 day"
    assert describe_span(3 * 3_600_000) == "3 hours"
    assert describe_span(400 * DAY) == "1 year"
