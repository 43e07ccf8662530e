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


def what_name(what: str, fmt: str) -> str:
    """What an export holds, in the words for the format chosen: the Export dialog offered "incidents (… in a
    workbook)" with CSV chosen. CSV and GeoJSON hold one row per incident (its vehicles and items counted)."""
    if what == "incidents":
        return ("incidents, with their vehicles and stolen items (a sheet each)" if fmt == "xlsx"
                else "incidents, one row each (their vehicles and stolen items counted)")
    return WHAT_NAMES[what]
