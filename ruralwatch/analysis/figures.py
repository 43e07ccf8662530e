"""How a figure of an analysis is written, wherever it is shown: the Areas tab, `ruralwatch areas` and the analysis
report. Harm is in whole days (hundredths of a day of custody are noise); the report wrote 491.82 where the window
showed 492. No numpy or pandas here: the command line's parser and the window import it cheaply."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

# The table of harm by area: the frame's column, its heading, its digits (None: text).
AREA_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("area", "Area", None),
    ("count", "Crimes", 0),
    ("harm", "Harm (days)", 0),
    ("area_km2", "km²", 1),  # short: the docked Areas table cut its last column with "Area (km²)"
    ("harm_per_km2", "Harm per km²", 2),
)


def figure(value: Any, digits: int | None) -> str:
    """A number with thousands commas and `digits` decimals; "" where there is none (NaN, None); text as it is."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if digits is None or isinstance(value, str):
        return str(value)
    return f"{float(value):,.{digits}f}"


def area_table(rows: Iterable[Mapping[str, Any]], level: str = "district") -> tuple[list[str], list[list[str]]]:
    """(headings, rows as text) of `AnalysisService.by_area`'s records, the first heading the level's name."""
    headings = [level.capitalize() if key == "area" else heading for key, heading, _ in AREA_COLUMNS]
    return headings, [[figure(row[key], digits) for key, _, digits in AREA_COLUMNS] for row in rows]


def concentration_text(concentration: Mapping[str, Any]) -> str:
    """How concentrated harm is, in words, as the Areas tab and `ruralwatch areas` both say it."""
    shares = concentration["harm_share_top_cells"]
    share = concentration["share_at_repeat_places"]
    return (f"Concentration: {100 * (shares['0.01'] or 0):.0f}% of all harm lies in the top 1% of "
            f"{concentration['cell_m']:.0f} m cells, {100 * (shares['0.05'] or 0):.0f}% in the top 5%. "
            f"Repeats: {concentration['repeat_places']:,} of {concentration['places']:,} places were hit more than "
            f"once, accounting for {100 * (share or 0):.0f}% of crimes.")
