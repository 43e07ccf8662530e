"""The export formats and contents a person can choose (`--format`, `--what`), apart from the writers: the
command line builds its parser from these at every start-up, and io.exports costs 30 ms of imports (issue 21)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("csv", "geojson", "xlsx")
# What an export can hold (`--what`); "all" is every one of them.
WHATS: tuple[str, ...] = ("incidents", "patrols", "patrol-stops", "patrol-events", "duties", "hours", "all")
WHAT_NAMES = {
    "incidents": "incidents (with their vehicles and stolen items in a workbook)",
    "patrols": "patrols: one row per patrol, its route as a line",
    "patrol-stops": "patrols' planned stops with planned and measured minutes",
    "patrol-events": "patrol log entries (stop-checks, arrivals, notes...)",
    "duties": "rostered duties with their crew and open places",
    "hours": "hours per person and month against their commitment",
    "all": "everything above",
}
