"""The window never freezes: during a long import the event loop keeps turning."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fixtures.big_police_uk import big_csv
from PySide6.QtCore import QTimer

ROWS = 60_000
TICK_MS = 10
MAX_CPU_BETWEEN_TURNS_S = 0.100
MAX_SETUP_CPU_S = 0.300


def _cpu_seconds(thread: threading.Thread) -> float | None:
    """CPU time the thread has used so far, read from another thread; None once it has ended."""
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident or 0))
    except (OSError, ProcessLookupError):
        return None


def _waited_for_a_core() -> float:
    """Seconds the calling thread has spent ready to run but waiting for a free core (Linux's per-thread
    schedstat); 0 where the kernel does not say."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def test_the_event_loop_never_waits_on_100_ms_of_one_threads_cpu_in_an_import(qtbot, window, tmp_path: Path) -> None:
    """Between two turns of the window's event loop neither the importing worker nor the UI thread runs 100 ms of
    CPU: the work is cut small enough and lets go of the interpreter. (A single thread's CPU time never exceeds
    the wall time, so 100 ms of the worker's CPU in one gap means the loop waited at least that long while the
    worker ran.) CPU time, not wall time, so a busy machine, which stretches every gap without using more CPU,
    cannot fail it; bench/responsiveness_bench.py prints the wall-clock latency. One thing a busy machine does
    change: while the UI thread waits for a free core (other processes have both), the worker may go on running
    on the other one, through no fault of its own. That time, which the kernel counts for the UI thread, is taken
    off the worker's CPU in the same gap (measured with both cores kept busy: up to 124 ms of waiting for a core in
    one gap, with 50 ms of the worker's CPU in it)."""
    source = big_csv(tmp_path, ROWS)
    # (UI thread CPU, worker CPU, UI thread's wait for a core, wall clock: for the failure message only)
    samples: list[tuple[float, float | None, float, float]] = []
    import_done: list[bool] = []
    worker: list[threading.Thread] = []
    timer = QTimer(window)
    timer.setInterval(TICK_MS)

    def sample() -> None:
        wall, ui, work = time.perf_counter(), time.thread_time(), _cpu_seconds(worker[0])
        samples.append((ui, work, _waited_for_a_core(), wall))  # the file read last: it lets go of the interpreter

    timer.timeout.connect(sample)
    original_refresh = window.refresh_context

    def refreshed() -> None:
        import_done.append(True)
        original_refresh()

    window.refresh_context = refreshed
    window.import_published([source])
    task = window.tasks[-1]
    assert task._thread is not None
    worker.append(task._thread)
    timer.start()
    with qtbot.waitSignal(task.finished, timeout=120_000):
        pass
    timer.stop()
    assert window.problems == []
    assert import_done, "the import finished and the window took its result"
    assert window.services.published.count() == ROWS
    during = [sample for sample in samples if sample[1] is not None]
    assert len(during) >= 2, "the event loop turned while the worker ran"
    stretches = [max(ui_b - ui_a, work_b - work_a - (waited_b - waited_a))
                 for (ui_a, work_a, waited_a, _), (ui_b, work_b, waited_b, _) in zip(during, during[1:], strict=False)]
    # One stretch may be longer: the worker's set-up, where building its own coordinate transformers (pyproj makes
    # them per thread) is one C call that cannot let go of the interpreter (30-40 ms of CPU on a quiet machine, up
    # to 150 ms measured with both cores busy). It is bounded on its own; every other stretch is the work's chunking.
    ordered = sorted(stretches, reverse=True)
    assert ordered[0] < MAX_SETUP_CPU_S, f"the worker's longest stretch was {ordered[0] * 1000:.0f} ms of CPU"
    worst = ordered[1] if len(ordered) > 1 else 0.0
    at = stretches.index(worst) if len(ordered) > 1 else 0
    (ui_a, work_a, waited_a, wall_a), (ui_b, work_b, waited_b, wall_b) = during[at], during[at + 1]
    detail = (f"between turns {at + 1} and {at + 2} of {len(during)}, {(wall_b - wall_a) * 1000:.0f} ms apart: "
              f"UI thread CPU {(ui_b - ui_a) * 1000:.0f} ms, "
              f"worker CPU {(work_b - work_a) * 1000:.0f} ms, UI thread waiting for a core "
              f"{(waited_b - waited_a) * 1000:.0f} ms")
    print(f"{len(during)} turns of the event loop during the import; worst CPU between two: {worst * 1000:.0f} ms "
          f"({detail})")
    assert worst < MAX_CPU_BETWEEN_TURNS_S, f"the event loop waited on {worst * 1000:.0f} ms of CPU ({detail})"
