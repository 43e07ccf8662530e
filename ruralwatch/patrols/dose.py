"""The dose actually given at a patrol's stops, from its log: minutes between arriving and leaving each."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from ruralwatch.core import times
from ruralwatch.core.patrol import LoggedEvent


def minutes_at_stops(log: list[LoggedEvent], ended_at: str | None) -> dict[str, float]:
    """Stop key -> minutes between "arrived" and the next "left" (or the next arrival elsewhere, or the end)."""
    minutes: dict[str, float] = defaultdict(float)
    current: tuple[str, datetime] | None = None
    for event in log:
        moment = times.from_storage(event.at)
        if event.kind == "arrived_stop" and event.stop_key:
            if current:
                minutes[current[0]] += (moment - current[1]).total_seconds() / 60
            current = (event.stop_key, moment)
            minutes.setdefault(event.stop_key, 0.0)
        elif event.kind in ("left_stop", "patrol_ended") and current:
            minutes[current[0]] += (moment - current[1]).total_seconds() / 60
            current = None
    if current and ended_at:
        minutes[current[0]] += (times.from_storage(ended_at) - current[1]).total_seconds() / 60
    return dict(minutes)
