"""The analysis report: one self-contained HTML file (tables, charts as embedded PNG) for an area and period.

Plain HTML with inline styles and images, so it opens offline in any browser and prints to PDF from there.
"""

from __future__ import annotations

import base64
import html
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from ruralwatch import __version__

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; max-width: 70em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #eef2e6; text-align: left; } td.n { text-align: right; } .note { color: #555; font-size: 0.85em; }
img { max-width: 100%; border: 1px solid #ddd; }
"""


@dataclass
class ReportSection:
    title: str
    text: str = ""
    table: pd.DataFrame | None = None
    png: bytes | None = None
    notes: list[str] = field(default_factory=list)
    right: int | None = None  # columns from this one on are figures written already (analysis/figures.py)


def _table_html(frame: pd.DataFrame, right: int | None = None) -> str:
    import pandas as pd  # loaded already: `frame` is one (this module is imported without it, issue 21)

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value in enumerate(values):
            if right is not None and column >= right:
                cells.append(f'<td class="n">{html.escape(str(value))}</td>')
            elif value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
                cells.append("<td></td>")
            elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
                cells.append(f'<td class="n">{int(value):,}</td>')  # counts are whole, numpy's too
            elif isinstance(value, float):
                cells.append(f'<td class="n">{value:,.2f}</td>')
            else:
                cells.append(f"<td>{html.escape('' if value is None else str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def analysis_report_html(
    title: str, subtitle: str, sections: Sequence[ReportSection], generated: str, sources: Sequence[str]
) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.png:
            encoded = base64.b64encode(section.png).decode("ascii")
            parts.append(f"<img alt='{html.escape(section.title)}' src='data:image/png;base64,{encoded}'>")
        if section.table is not None and len(section.table):
            parts.append(_table_html(section.table, section.right))
        parts.extend(f"<p class='note'>{html.escape(n)}</p>" for n in section.notes)
    parts.append("<h2>Sources</h2>")
    parts.extend(f"<p class='note'>{html.escape(source)}</p>" for source in sources)
    parts.append(f"<p class='note'>Generated {html.escape(generated)} by RuralWatch {__version__}.</p></body></html>")
    return "".join(parts)


def hotspot_table(run: Any) -> pd.DataFrame:
    import pandas as pd  # only when a report is made: the window opens without pandas (issue 21)

    from ruralwatch.analysis.options import hotspot_value, value_name

    value = value_name(run.query.method, run.query.weight)  # "Value" did not say of what
    return pd.DataFrame([
        # Coordinates as text: a patrol needs metres (5 decimals), not the table's 2-decimal number format.
        {"Rank": h.rank, "Area": area, value: hotspot_value(h.value, run.query.weight),
         "Latitude": f"{h.centre_lat:.5f}", "Longitude": f"{h.centre_lon:.5f}"}
        for h, area in zip(run.hotspots, run.labels(), strict=True)
    ], dtype=object)
