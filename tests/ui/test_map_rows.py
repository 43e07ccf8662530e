"""Rows reach the map page in parts, through the page's own rwrows: scheme, not as script text (see MapView)."""

from __future__ import annotations

import json
from pathlib import Path

from map_helpers import run_js, shown_map

ROWS = [[10 + n, 51.6 + n / 50, 0.2 + n / 40, n % 3, 0, 29_000_000 + n, f"Farm {n % 4}"] for n in range(12)]


def _parts(rows: list[list], size: int) -> list[str]:
    return [json.dumps(rows[k : k + size]) for k in range(0, len(rows), size)]


def test_rows_in_parts_are_all_drawn_before_later_scripts_run(qtbot, tmp_path: Path):
    with shown_map(qtbot, tmp_path) as view:
        counted: list[object] = []
        with qtbot.waitSignal(view.incidents_shown, timeout=10_000, check_params_cb=lambda n: n == 12):
            view.show_incidents(_parts(ROWS, 5))
            # Asked for before the page has the rows: still answered after them, as before.
            view.run_js("rw.markerCount()", counted.append)
        qtbot.waitUntil(lambda: bool(counted), timeout=10_000)
        assert counted == [12]
        assert run_js(qtbot, view, "rw.clusteredTotal()") == 12
        # The popup of an incident reads its row: kind, place, status, the handle of "Open incident".
        assert run_js(qtbot, view, "rw.focus(17, true)") is True
        popup = run_js(qtbot, view, "document.querySelector('.rw-popup').innerHTML")
        assert "Farm 3" in popup and 'data-id="17"' in popup and "Status:" in popup
        assert run_js(qtbot, view, "rw.highlightedId()") == 17
        # A second push replaces the first; a single JSON array still works.
        with qtbot.waitSignal(view.incidents_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
            view.show_incidents(json.dumps(ROWS[:3]))
        assert run_js(qtbot, view, "rw.markerCount()") == 3


def test_offered_rows_are_served_once_and_only_from_the_page(qtbot, tmp_path: Path):
    with shown_map(qtbot, tmp_path) as view:
        before = len(view.guard.requested)  # one guard for every view of the process
        with qtbot.waitSignal(view.incidents_shown, timeout=10_000):
            view.show_incidents(_parts(ROWS, 4))
        urls = [u for u in view.guard.requested[before:] if u.startswith("rwrows:")]
        assert len(urls) == 3 and view.guard.blocked == []
        # Taken: asking again fails, and nothing is left in Python.
        run_js(
            qtbot,
            view,
            f"(function () {{ window.__again = null; fetch('{urls[0]}').then("
            "(r) => { window.__again = r.ok; }, () => { window.__again = 'refused'; }); return 1; })()",
        )
        qtbot.waitUntil(lambda: run_js(qtbot, view, "window.__again") is not None, timeout=10_000)
        assert run_js(qtbot, view, "window.__again") in (False, "refused")
        assert urls[0].split("/")[2] not in view.rows._offered


def test_context_rows_go_the_same_way(qtbot, tmp_path: Path):
    with shown_map(qtbot, tmp_path) as view:
        view.show_context(json.dumps([[n, 51.7 + n / 100, 0.4, "Burglary", "2026-10"] for n in range(5)]))
        assert run_js(qtbot, view, "rw.contextCount()") == 5  # run after the rows are in


def test_rows_offered_to_a_view_deleted_before_its_page_took_them_are_dropped(qtbot, tmp_path: Path):
    from PySide6.QtCore import QCoreApplication, QEvent

    from ruralwatch.ui.map_view import MapView

    view = MapView(tmp_path)
    view.show_incidents(_parts(ROWS, 4))  # the page is not loaded yet: offered, not taken
    handler, tokens = view.rows, set(view._row_callbacks)
    assert tokens and tokens <= set(handler._offered)
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not tokens & set(handler._offered)
