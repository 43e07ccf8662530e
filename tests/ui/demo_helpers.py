"""Demo data for the window tests that plan and log patrols: incidents and a roster, with the patrol service (and
everything reading the time) on the test's clock, so no test reads today's date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from ruralwatch.core import times
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.demo_roster import load_demo_roster
from ruralwatch.services.patrols import PatrolService


def demo_on_clock(services: Services, clock: Callable[[], datetime], monkeypatch: pytest.MonkeyPatch,
                  now: datetime, count: int) -> Services:
    """`count` demo incidents and the demo roster as of `now`; the patrol service and the window on `clock`."""
    monkeypatch.setattr(times, "utc_now", clock)
    services.patrols = PatrolService(services.store, services.hub, services.people, services.roster,
                                     services.analysis, services.harm, clock=clock)
    load_demo(services.incidents, count=count, now=now)
    load_demo_roster(services.people, services.roster, services.patrols, now=now)
    return services
