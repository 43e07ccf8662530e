"""Hybrid logical clock (Kulkarni et al., 2014) for ordering edits across devices that sync.

A timestamp is wall-clock milliseconds, a counter for events within the same millisecond, and the device id
as the final tie-break. Encoded as a fixed-width string so that string order is causal order; SQLite can
then compare and index clocks as plain text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_MS_WIDTH = 15
_COUNTER_WIDTH = 6


@dataclass(frozen=True, order=True)
class Hlc:
    millis: int
    counter: int
    device: str

    def encode(self) -> str:
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
    ) -> None:
        if "-" in device:
            raise ValueError("device id must not contain '-'")
        self.device = device
        self._wall = wall_millis
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
            return Hlc(self._millis, self._counter, self.device)

    def observe(self, remote: Hlc) -> Hlc:
        """Advance past a timestamp received from another device (sync import) and return a new one."""
        with self._lock:
            wall = self._wall()
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
            return Hlc(self._millis, self._counter, self.device)
