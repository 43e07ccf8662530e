"""Hybrid logical clock (Kulkarni et al., 2014) for ordering edits across devices that sync.

A timestamp is wall-clock milliseconds, a counter for events within the same millisecond, and the device id
as the final tie-break. Encoded as a fixed-width string so that string order is causal order; SQLite can
then compare and index clocks as plain text.

Two bounds keep the encoding and the order sound against other devices' clocks:
- the counter has `_COUNTER_WIDTH` digits; when a millisecond holds more events than that, the clock moves on to
  the next millisecond instead of writing a wider counter (which would sort wrongly as text);
- a remote time more than `MAX_CLOCK_SKEW_MS` ahead of this device's wall clock is refused (`ClockSkewError`):
  a peer whose date is wrong (2100) would otherwise pin this clock there for good, since an HLC never goes back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.words import count_of

_MS_WIDTH = 15
_COUNTER_WIDTH = 6
MAX_MILLIS = 10**_MS_WIDTH - 1
MAX_COUNTER = 10**_COUNTER_WIDTH - 1
# How far another device's clock may run ahead of ours. Laptops set by hand drift by minutes, a wrong time zone
# by hours; a day is generous for those and still refuses a wrong date (a year typed as 2100).
MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000

_SPANS = ((365 * 24 * 3_600_000 + 6 * 3_600_000, "year"), (24 * 3_600_000, "day"), (3_600_000, "hour"),
          (60_000, "minute"))


def describe_span(millis: int) -> str:
    """'74 years', '2 days', '3 hours', '5 minutes': the largest whole unit, for a message."""
    for size, unit in _SPANS:
        if millis >= size:
            count = millis // size
            return count_of(count, unit)
    return f"{max(millis, 0) / 1000:g} seconds"


def skew_message(device: str, ahead_millis: int) -> str:
    return (f"device {device}'s clock is {describe_span(ahead_millis)} ahead of this laptop's: check its date and "
            f"time, then export again")


class ClockSkewError(RuralWatchError):
    """A remote clock too far ahead of this device's wall clock; nothing was changed."""

    def __init__(self, device: str, ahead_millis: int) -> None:
        self.device = device
        self.ahead_millis = ahead_millis
        super().__init__(skew_message(device, ahead_millis))


def check_skew(remote: Hlc, wall_millis: int, max_skew_ms: int = MAX_CLOCK_SKEW_MS) -> None:
    """Raise ClockSkewError when `remote` is more than `max_skew_ms` ahead of `wall_millis`."""
    if remote.millis - wall_millis > max_skew_ms:
        raise ClockSkewError(remote.device, remote.millis - wall_millis)


@dataclass(frozen=True, order=True)
class Hlc:
    millis: int
    counter: int
    device: str

    def encode(self) -> str:
        # A wider field would still format, but would sort wrongly as text: never write one.
        if not (0 <= self.millis <= MAX_MILLIS and 0 <= self.counter <= MAX_COUNTER):
            raise ValueError(f"clock {self.millis}/{self.counter} does not fit the encoding")
        return f"{self.millis:0{_MS_WIDTH}d}-{self.counter:0{_COUNTER_WIDTH}d}-{self.device}"

    @classmethod
    def decode(cls, text: str) -> Hlc:
        millis, counter, device = text.split("-", 2)
        return cls(int(millis), int(counter), device)

    def __str__(self) -> str:
        return self.encode()


class HybridLogicalClock:
    """Issues strictly increasing timestamps for one device, even when the wall clock steps back."""

    def __init__(
        self,
        device: str,
        last: Hlc | None = None,
        wall_millis: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        max_skew_ms: int = MAX_CLOCK_SKEW_MS,
    ) -> None:
        if "-" in device:
            raise ValueError("device id must not contain '-'")
        self.device = device
        self._wall = wall_millis
        self.max_skew_ms = max_skew_ms
        self._millis = last.millis if last else 0
        self._counter = last.counter if last else 0
        self._lock = threading.Lock()

    def now(self) -> Hlc:
        """A new timestamp for a local event."""
        with self._lock:
            wall = self._wall()
            if wall > self._millis:
                self._millis, self._counter = wall, 0
            else:
                self._counter += 1
            return self._issue()

    def observe(self, remote: Hlc) -> Hlc:
        """Advance past a timestamp received from another device (sync import) and return a new one.

        Raises ClockSkewError, changing nothing, for a remote time more than `max_skew_ms` ahead of the wall clock.
        """
        with self._lock:
            wall = self._wall()
            check_skew(remote, wall, self.max_skew_ms)
            top = max(wall, self._millis, remote.millis)
            if top == self._millis == remote.millis:
                self._counter = max(self._counter, remote.counter) + 1
            elif top == self._millis:
                self._counter += 1
            elif top == remote.millis:
                self._counter = remote.counter + 1
            else:
                self._counter = 0
            self._millis = top
            return self._issue()

    def _issue(self) -> Hlc:
        """The current stamp; a counter past its width moves on to the next millisecond (still later, same width).

        Called with the lock held."""
        if self._counter > MAX_COUNTER:
            self._millis, self._counter = self._millis + 1, 0
        return Hlc(self._millis, self._counter, self.device)
