"""When a new patrol is offered for, and a patrol listed by when it ran. A walk at 21:35 on Monday got Tuesday's
evening, was asked whether to start a patrol "planned for Tue 08 Dec", and the patrol it ran that Monday evening
stayed listed under Tuesday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolInput, new_patrol_window
from ruralwatch.core.people import PersonInput
from ruralwatch.services.container import Services
from ruralwatch.store import Store

MONDAY_EVENING = datetime(2026, 12, 7, 21, 35, tzinfo=UTC)  # GMT in December: UK time is UTC


@pytest.mark.parametrize(("local", "expected"), [
    ("2026-12-07 02:00", (date(2026, 12, 7), time(18, 0), time(22, 0))),  # the small hours: tonight
    ("2026-12-07 17:59", (date(2026, 12, 7), time(18, 0), time(22, 0))),
    ("2026-12-07 18:00", (date(2026, 12, 7), time(18, 15), time(22, 15))),  # begun: from the next quarter hour
    ("2026-12-07 21:35", (date(2026, 12, 7), time(21, 45), time(1, 45))),  # past midnight, as the form takes it
    ("2026-12-07 23:50", (date(2026, 12, 8), time(0, 0), time(4, 0))),
    ("2026-07-07 21:35", (date(2026, 7, 7), time(21, 45), time(1, 45))),  # summer time: UK local, not UTC
])
def test_a_new_patrol_is_for_this_evening_from_the_next_quarter_hour_once_it_has_begun(local, expected) -> None:
    now = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=times.LOCAL_ZONE)
    assert new_patrol_window(now) == expected


def test_a_started_patrol_is_listed_by_when_it_ran(store: Store) -> None:
    services = Services.build(store, clock=lambda: MONDAY_EVENING)
    officers = [services.people.add(PersonInput(name=f"PC {n}", role="officer", collar_number=f"PC{n}")).id
                for n in (1, 2)]

    def patrol(day: str, start: str, end: str, crew: str):  # noqa: ANN202 - a PatrolRecord
        return services.patrols.create(PatrolInput(day=day, start=start, end=end, area="Uttlesford",
                                                   purpose="general_rural_patrol", crew=[crew]))[0]

    tuesday = patrol("2026-12-08", "18:00", "22:00", officers[0])  # run on Monday evening instead
    late = patrol("2026-12-07", "23:00", "03:00", officers[1])  # Monday night, not started yet
    services.patrols.start(tuesday.id)
    ran = services.patrols.get(tuesday.id)
    assert (ran.ran_from, ran.ran_until) == (MONDAY_EVENING, None)  # under way
    assert (late.ran_from, late.ran_until) == (late.start, late.end)  # not started: as planned
    assert [p.id for p in services.patrols.list()] == [late.id, tuesday.id]
