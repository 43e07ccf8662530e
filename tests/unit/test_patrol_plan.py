"""Patrol plans fitted to a window (ruralwatch.patrols.plan): Koper dwell, travel, dropping, replanning."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import ValidationError
from ruralwatch.patrols.plan import Candidate, Plan, PlanSettings, replan, suggest_plan
from ruralwatch.patrols.route import distance_matrix

START = datetime(2025, 10, 4, 19, 0)
BASE = (51.86, 0.55)  # a briefing point in the middle of the test area


def _cand(i: int, lat: float, lon: float, harm: float) -> Candidate:
    return Candidate(f"hotspot:{i}", lat, lon, harm, f"Hotspot {i} (harm {harm:g} days)", f"{i} reports in 28 days")


def _random_candidates(seed: int, n: int, spread: float = 0.25) -> list[Candidate]:
    rng = np.random.default_rng(seed)
    return [
        _cand(i, 51.75 + rng.random() * spread, 0.4 + rng.random() * spread * 1.6, float(rng.integers(1, 1000)))
        for i in range(n)
    ]


def _leg_minutes(a: tuple[float, float], b: tuple[float, float]) -> float:
    s = PlanSettings()
    return float(distance_matrix([a, b])[0, 1]) * s.road_factor / (s.speed_kmh * 1000 / 60)


def _check_invariants(plan: Plan, candidates: list[Candidate], s: PlanSettings) -> None:
    """Everything a plan promises: it fits, times run forward, totals add up, nothing is lost."""
    eps = 1e-6
    assert plan.travel_minutes + plan.dwell_minutes <= plan.window_minutes + eps
    assert plan.window_minutes == pytest.approx((plan.end - plan.start).total_seconds() / 60)
    assert plan.dwell_minutes == pytest.approx(s.dwell_minutes * len(plan.stops))
    legs = sum(stop.travel_minutes for stop in plan.stops)
    assert plan.travel_minutes == pytest.approx(legs + plan.return_travel_minutes)
    if plan.start_point is None:
        assert plan.return_travel_minutes == pytest.approx(0, abs=1e-9)
    previous = plan.start
    for seq, stop in enumerate(plan.stops, start=1):
        assert stop.seq == seq
        assert stop.dwell_minutes == s.dwell_minutes
        assert stop.arrive >= previous
        assert stop.arrive - previous == pytest.approx(timedelta(minutes=stop.travel_minutes), abs=timedelta(0, 0, 5))
        assert stop.leave - stop.arrive == pytest.approx(timedelta(minutes=s.dwell_minutes), abs=timedelta(0, 0, 5))
        assert stop.leave <= plan.end
        previous = stop.leave
    assert plan.finish <= plan.end
    keys = [stop.key for stop in plan.stops] + [c.key for c in plan.dropped]
    assert sorted(keys) == sorted(c.key for c in candidates)  # stops + dropped = candidates, none twice


# --- fitting the window ----------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    n=st.integers(min_value=0, max_value=30),
    hours=st.floats(min_value=0.2, max_value=10),
    dwell=st.sampled_from([0.0, 5.0, 10.0, 15.0]),
    with_base=st.booleans(),
)
def test_plan_never_overruns_the_window(seed: int, n: int, hours: float, dwell: float, with_base: bool) -> None:
    candidates = _random_candidates(seed, n)
    s = PlanSettings(dwell_minutes=dwell)
    plan = suggest_plan(candidates, START, START + timedelta(hours=hours), s, BASE if with_base else None)
    _check_invariants(plan, candidates, s)


@pytest.mark.parametrize("with_base", [False, True])
def test_lowest_harm_is_dropped_first(with_base: bool) -> None:
    for seed in range(40):
        candidates = _random_candidates(seed, 15)
        plan = suggest_plan(candidates, START, START + timedelta(hours=2.5), start_point=BASE if with_base else None)
        _check_invariants(plan, candidates, PlanSettings())
        assert plan.stops and plan.dropped, "the window should fit some stops but not all"
        lowest_kept = min(stop.harm for stop in plan.stops)
        assert all(c.harm <= lowest_kept for c in plan.dropped)
        harms = [c.harm for c in plan.dropped]
        assert harms == sorted(harms)  # reported lowest harm first


def test_the_plan_is_as_large_as_fits() -> None:
    # Small instances: the next most harmful stop really does not fit, even on its best possible route
    # (brute force over every order of the top k + 1 from the base and back).
    s = PlanSettings(dwell_minutes=5)  # short dwell, so the route rather than the dwell decides
    checked = 0
    for seed in range(60):
        candidates = _random_candidates(seed, 8, spread=0.12)
        plan = suggest_plan(candidates, START, START + timedelta(minutes=90), s, BASE)
        _check_invariants(plan, candidates, s)
        if not plan.dropped:
            continue
        checked += 1
        top = sorted(candidates, key=lambda c: -c.harm)[: len(plan.stops) + 1]
        points = [BASE] + [(c.lat, c.lon) for c in top]
        minutes = distance_matrix(points) * s.road_factor / (s.speed_kmh * 1000 / 60)
        orders = np.array(list(itertools.permutations(range(1, len(points)))), dtype=int)
        tours = np.hstack([np.zeros((len(orders), 1), dtype=int), orders, np.zeros((len(orders), 1), dtype=int)])
        best = float(minutes[tours[:, :-1], tours[:, 1:]].sum(axis=1).min())
        assert best + s.dwell_minutes * len(top) > plan.window_minutes, f"seed {seed}: one more stop would fit"
    assert checked >= 50


def test_exact_fit_is_kept() -> None:
    # Four stops in the same field, a one-hour window, 15 minutes each: exactly full.
    candidates = [_cand(i, 52.0, 0.5, 10 - i) for i in range(4)]
    plan = suggest_plan(candidates, START, START + timedelta(hours=1))
    assert len(plan.stops) == 4 and not plan.dropped
    assert plan.stops[-1].leave == START + timedelta(hours=1)
    assert plan.spare_minutes == pytest.approx(0)


def test_dwell_defaults_to_fifteen_minutes_and_is_configurable() -> None:
    assert PlanSettings().dwell_minutes == 15.0
    candidates = [_cand(i, 52.0, 0.5, 10 - i) for i in range(8)]
    default = suggest_plan(candidates, START, START + timedelta(hours=1))
    assert [stop.dwell_minutes for stop in default.stops] == [15.0] * 4
    ten = suggest_plan(candidates, START, START + timedelta(hours=1), PlanSettings(dwell_minutes=10))
    assert [stop.dwell_minutes for stop in ten.stops] == [10.0] * 6
    assert ten.stops[0].leave - ten.stops[0].arrive == timedelta(minutes=10)
    assert [c.key for c in ten.dropped] == ["hotspot:7", "hotspot:6"]


def test_travel_is_straight_line_times_road_factor_at_average_speed() -> None:
    a, b = _cand(1, 52.0, 0.5, 9), _cand(2, 52.1, 0.5, 5)
    plan = suggest_plan([b, a], START, START + timedelta(hours=3))
    metres = float(distance_matrix([(52.0, 0.5), (52.1, 0.5)])[0, 1])
    expected = metres * 1.4 / 1000 / 48 * 60  # about 19.5 minutes for 11.1 km
    assert expected == pytest.approx(19.46, abs=0.05)
    assert [stop.key for stop in plan.stops] == ["hotspot:1", "hotspot:2"]  # most harmful first, no base
    first, second = plan.stops
    assert first.arrive == START and first.travel_minutes == 0
    assert second.travel_minutes == pytest.approx(expected)
    assert second.arrive == pytest.approx(first.leave + timedelta(minutes=expected), abs=timedelta(0, 0, 5))
    assert plan.travel_minutes == pytest.approx(expected)
    slow = suggest_plan([a, b], START, START + timedelta(hours=3), PlanSettings(road_factor=2.0, speed_kmh=24.0))
    assert slow.stops[1].travel_minutes == pytest.approx(expected * (2.0 / 1.4) * 2)


def test_with_a_base_the_tour_starts_and_ends_there() -> None:
    candidates = _random_candidates(3, 6, spread=0.1)
    s = PlanSettings()
    plan = suggest_plan(candidates, START, START + timedelta(hours=4), s, BASE)
    assert len(plan.stops) == 6 and plan.start_point == BASE
    first, last = plan.stops[0], plan.stops[-1]
    assert first.travel_minutes == pytest.approx(_leg_minutes(BASE, (first.lat, first.lon)))
    assert first.arrive > START
    assert plan.return_travel_minutes == pytest.approx(_leg_minutes((last.lat, last.lon), BASE))
    assert plan.finish == pytest.approx(last.leave + timedelta(minutes=plan.return_travel_minutes),
                                        abs=timedelta(0, 0, 5))
    _check_invariants(plan, candidates, s)


def test_the_return_leg_counts_against_the_window() -> None:
    # One stop 10 km from base: about 17.5 minutes each way plus 15 on site, so 50 minutes in all.
    far = _cand(1, BASE[0] + 0.0899, BASE[1], 100)
    one_way = _leg_minutes(BASE, (far.lat, far.lon))
    assert 2 * one_way + 15 == pytest.approx(50, abs=0.5)
    fits = suggest_plan([far], START, START + timedelta(minutes=2 * one_way + 15.01), start_point=BASE)
    assert [stop.key for stop in fits.stops] == ["hotspot:1"]
    # Enough time to get there and dwell, not to come back: refused.
    short = suggest_plan([far], START, START + timedelta(minutes=one_way + 15 + 5), start_point=BASE)
    assert not short.stops and [c.key for c in short.dropped] == ["hotspot:1"]


def test_a_stop_that_cannot_fit_on_its_own_does_not_empty_the_plan() -> None:
    remote = _cand(1, BASE[0] + 0.9, BASE[1], 1000)  # 100 km away: hours there and back
    near = [_cand(i, BASE[0] + 0.001 * i, BASE[1], 10 - i) for i in range(2, 5)]
    plan = suggest_plan([remote, *near], START, START + timedelta(hours=1), start_point=BASE)
    assert {stop.key for stop in plan.stops} == {c.key for c in near}
    assert [c.key for c in plan.dropped] == ["hotspot:1"]


def test_only_the_top_max_candidates_are_considered() -> None:
    candidates = [_cand(i, 52.0, 0.5, 100 - i) for i in range(10)]
    plan = suggest_plan(candidates, START, START + timedelta(hours=8), PlanSettings(max_candidates=3))
    assert [stop.key for stop in plan.stops] == ["hotspot:0", "hotspot:1", "hotspot:2"]
    assert [c.key for c in plan.dropped] == [f"hotspot:{i}" for i in range(9, 2, -1)]


def test_equal_harm_is_broken_by_key_so_plans_are_repeatable() -> None:
    candidates = [_cand(i, 52.0 + 0.01 * i, 0.5, 50) for i in range(6)]
    first = suggest_plan(candidates, START, START + timedelta(minutes=50))
    again = suggest_plan(list(reversed(candidates)), START, START + timedelta(minutes=50))
    assert [s.key for s in first.stops] == [s.key for s in again.stops]
    assert first.stops[0].key == "hotspot:0"


def test_no_candidates_gives_an_empty_plan() -> None:
    for base in (None, BASE):
        plan = suggest_plan([], START, START + timedelta(hours=2), start_point=base)
        assert plan.stops == () and plan.dropped == ()
        assert plan.travel_minutes == 0 and plan.dwell_minutes == 0 and plan.window_minutes == 120
        assert plan.finish == START


def test_window_too_short_for_one_dwell_drops_everything() -> None:
    candidates = _random_candidates(1, 4)
    plan = suggest_plan(candidates, START, START + timedelta(minutes=10))
    assert plan.stops == () and len(plan.dropped) == 4


@pytest.mark.parametrize("minutes", [0, -30])
def test_end_not_after_start_is_refused(minutes: int) -> None:
    with pytest.raises(ValidationError) as info:
        suggest_plan(_random_candidates(1, 3), START, START + timedelta(minutes=minutes))
    assert [e.field for e in info.value.errors] == ["end"]
    with pytest.raises(ValidationError) as info:
        replan(_random_candidates(1, 3), START, START + timedelta(minutes=minutes), PlanSettings())
    assert [e.field for e in info.value.errors] == ["end"]


def test_mixing_aware_and_naive_times_is_refused_on_end() -> None:
    with pytest.raises(ValidationError) as info:
        suggest_plan([], START, datetime(2025, 10, 4, 22, 0, tzinfo=UTC))
    assert info.value.errors[0].field == "end"


def test_bad_settings_and_candidates_are_refused() -> None:
    end = START + timedelta(hours=2)
    bad = PlanSettings(dwell_minutes=-1, road_factor=0.5, speed_kmh=0, max_candidates=0)
    with pytest.raises(ValidationError) as info:
        suggest_plan([], START, end, bad)
    assert {e.field for e in info.value.errors} == {"dwell_minutes", "road_factor", "speed_kmh", "max_candidates"}
    with pytest.raises(ValidationError, match="whole number"):
        suggest_plan([], START, end, PlanSettings(max_candidates=2.5))  # type: ignore[arg-type]
    # Settings read back from JSON as 3.0 still work.
    three = suggest_plan([_cand(i, 52.0, 0.5, i) for i in range(5)], START, end,
                         PlanSettings(max_candidates=3.0))  # type: ignore[arg-type]
    assert len(three.stops) == 3
    twice = [_cand(1, 52.0, 0.5, 3), _cand(1, 52.1, 0.5, 4)]
    with pytest.raises(ValidationError, match="listed twice"):
        suggest_plan(twice, START, end)
    with pytest.raises(ValidationError, match="location"):
        suggest_plan([_cand(1, float("nan"), 0.5, 3)], START, end)
    with pytest.raises(ValidationError) as info:
        suggest_plan([], START, end, start_point=(95.0, 0.5))
    assert info.value.errors[0].field == "start_point"


def test_fifty_candidates_all_fit_a_long_window_and_the_route_is_sensible() -> None:
    candidates = _random_candidates(9, 50, spread=0.15)
    s = PlanSettings()
    plan = suggest_plan(candidates, START, START + timedelta(hours=24), s, BASE)
    assert len(plan.stops) == 50 and not plan.dropped
    _check_invariants(plan, candidates, s)
    # Far shorter than visiting in harm order (a zig-zag across the area).
    by_harm = sorted(candidates, key=lambda c: -c.harm)
    zigzag = replan(by_harm, START, START + timedelta(hours=24), s, BASE)
    assert plan.travel_minutes < 0.5 * zigzag.travel_minutes


# --- replan ----------------------------------------------------------------------------------------------------


def test_replan_keeps_the_users_order_and_recomputes_times() -> None:
    candidates = _random_candidates(4, 6, spread=0.1)
    s = PlanSettings(dwell_minutes=12)
    suggested = suggest_plan(candidates, START, START + timedelta(hours=4), s, BASE)
    by_key = {c.key: c for c in candidates}
    edited = [by_key[stop.key] for stop in reversed(suggested.stops)]  # the user reversed the route
    plan = replan(edited, START, START + timedelta(hours=4), s, BASE)
    assert [stop.key for stop in plan.stops] == [c.key for c in edited]
    assert plan.dropped == ()
    assert plan.stops[0].travel_minutes == pytest.approx(_leg_minutes(BASE, (edited[0].lat, edited[0].lon)))
    for before, after in itertools.pairwise(plan.stops):
        assert after.travel_minutes == pytest.approx(_leg_minutes((before.lat, before.lon), (after.lat, after.lon)))
    _check_invariants(plan, edited, s)


def test_replan_moves_what_does_not_fit_to_dropped_in_the_users_order() -> None:
    # Five co-located stops, 15 minutes each, a 50-minute window: three fit, the last two are dropped as given.
    edited = [_cand(i, 52.0, 0.5, harm) for i, harm in enumerate([1, 50, 3, 99, 7])]
    plan = replan(edited, START, START + timedelta(minutes=50), PlanSettings())
    assert [stop.key for stop in plan.stops] == ["hotspot:0", "hotspot:1", "hotspot:2"]
    assert [c.key for c in plan.dropped] == ["hotspot:3", "hotspot:4"]
    assert plan.stops[-1].leave == START + timedelta(minutes=45)


def test_replan_cuts_where_the_return_to_base_would_overrun() -> None:
    near = _cand(1, BASE[0] + 0.001, BASE[1], 5)
    far = _cand(2, BASE[0] + 0.0899, BASE[1], 5)  # about 17.5 minutes from base
    after = _cand(3, BASE[0] + 0.002, BASE[1], 5)
    plan = replan([near, far, after], START, START + timedelta(minutes=55), PlanSettings(), BASE)
    assert [stop.key for stop in plan.stops] == ["hotspot:1"]
    assert [c.key for c in plan.dropped] == ["hotspot:2", "hotspot:3"]  # later stops are not squeezed in
    assert plan.finish <= plan.end


def test_replan_of_nothing_is_an_empty_plan() -> None:
    plan = replan([], START, START + timedelta(hours=1), PlanSettings())
    assert plan.stops == () and plan.dropped == () and plan.travel_minutes == 0
