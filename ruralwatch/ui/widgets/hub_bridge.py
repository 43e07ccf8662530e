"""The one bridge from the services' change hub into Qt.

The hub calls its listeners in whatever thread wrote (a worker's services, or the UI thread). The bridge
re-emits each Change as a signal connected to a slot of its own, and the bridge lives on the UI thread, so a
change from a worker is queued to the UI thread and one from the UI thread is delivered at once.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from ruralwatch.services.changes import Change, ChangeHub


class HubBridge(QObject):
    """Calls `on_change(change)` on the UI thread for every change published on `hub`, until `dispose()` or
    until `parent` (the widget listening) is destroyed: a notice arriving after that is dropped, never an error
    in the writer."""

    changed = Signal(object)

    def __init__(self, hub: ChangeHub, on_change: Callable[[Change], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_change = on_change
        self.changed.connect(self._deliver)
        bridge = self
        unsubscribe: Callable[[], None] = lambda: None  # noqa: E731 (replaced once subscribed)

        def listen(change: Change) -> None:
            if not shiboken6.isValid(bridge):  # the widget and its bridge are gone: stop listening
                unsubscribe()
                return
            try:
                bridge.changed.emit(change)
            except RuntimeError:  # deleted between the check and the emit
                unsubscribe()

        unsubscribe = hub.subscribe(listen)
        self._unsubscribe: Callable[[], None] | None = unsubscribe
        # Not a bound method of the bridge: it must still run while the bridge is being destroyed.
        parent.destroyed.connect(lambda *_: unsubscribe())

    @Slot(object)
    def _deliver(self, change: Change) -> None:
        if self._unsubscribe is not None:
            self._on_change(change)

    def dispose(self) -> None:
        """Stop listening now (call it before closing the store the listener reads)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
