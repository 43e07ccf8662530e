"""The Qt binding's signals must not leak or drop references: PySide6 6.12.0 dropped one reference to Python's
True on every Signal.emit() from Python, so after a few thousand emits (a receiver's fixes, change notices, a
long patrol) the interpreter aborted with "bool_dealloc". pyproject.toml excludes that version; this test says so
if a later one does it again."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

EMITS = 2_000


class _Sender(QObject):
    with_value = Signal(object)
    without = Signal()


def test_emitting_signals_from_python_keeps_true_alive(qapp) -> None:
    sender = _Sender()
    received: list[object] = []
    sender.with_value.connect(received.append)
    sender.without.connect(lambda: received.append(None))
    before = sys.getrefcount(True)
    for n in range(EMITS):
        sender.with_value.emit(n)
        sender.without.emit()
    after = sys.getrefcount(True)
    assert len(received) == 2 * EMITS
    # Other code may hold or release a few references to True meanwhile; the bug took one per emit.
    assert abs(after - before) < 50, f"True's references went from {before} to {after} over {2 * EMITS} emits"
