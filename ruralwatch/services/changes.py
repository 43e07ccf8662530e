"""A small publish/subscribe hub so services can say what changed without knowing who listens.

The window bridges it to a Qt signal; the CLI ignores it. Services never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    topic: str  # e.g. "incidents"
    action: str  # "created", "updated", "deleted", "bulk"
    ids: tuple[str, ...] = ()


Listener = Callable[[Change], None]


class ChangeHub:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)
