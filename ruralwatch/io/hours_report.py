"""Volunteer hours against commitment: a PDF for the Special Constabulary and volunteer coordinators.

One row per person and month with the hours given, the hours planned and the hours committed; a finished month
below its commitment is shaded light red and marked "below" in words, so it still reads when printed in black and
white. Which month is "below", "over" or "so far" is decided by the hours service (services.hours.month_status),
the same rule the window and the CLI use: this module only prints it. Totals follow by station and by kind of
duty. Same page template and atomic write as the patrol briefing (pdf_common).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.platypus import Flowable

from ruralwatch.core.vocab import DUTY_KIND_NAMES, HOURS_STATUS_NAMES, PERSON_ROLE_NAMES
from ruralwatch.io import pdf_common as pdf

BELOW = HOURS_STATUS_NAMES["below"]
_EPSILON = 1e-6  # for printing a difference of summed floats as 0


@dataclass(frozen=True)
class HoursLine:
    name: str
    role: str  # a key of PERSON_ROLES (or free text)
    station: str
    month: str  # "YYYY-MM"
    hours: float  # given: completed duties and patrols
    commitment: float  # hours a month; 0 means no commitment, so never below
    planned: float = 0.0  # duties and patrols still to come
    status: str = "met"  # a key of HOURS_STATUSES, from services.hours.month_status
    judged: bool = True  # a finished month with a commitment: counted in "below ... of N"

    @property
    def below(self) -> bool:
        return self.status == "below"

    @property
    def applies(self) -> bool:
        return self.status != "not_applicable"


@dataclass(frozen=True)
class HoursTotal:
    group: str  # a station, or a key of DUTY_KINDS
    hours: float


@dataclass(frozen=True)
class HoursReport:
    title: str
    period_label: str
    lines: tuple[HoursLine, ...]
    by_station: tuple[HoursTotal, ...]
    by_kind: tuple[HoursTotal, ...]
    generated_at: datetime


def write_hours_pdf(report: HoursReport, path: Path) -> None:
    """Write the report to `path`, all or nothing (a missing folder raises RuralWatchError)."""
    pdf.build_pdf(path, report.title, report.generated_at, hours_story(report),
                  subject=f"Hours against commitment, {report.period_label}")


def hours_story(report: HoursReport) -> list[Flowable]:
    below = sum(1 for line in report.lines if line.below)
    judged = sum(1 for line in report.lines if line.judged)
    people = len({(line.name, line.station) for line in report.lines})
    total = sum(line.hours for line in report.lines)
    story: list[Flowable] = [
        pdf.para(report.title, "title"),
        pdf.para(report.period_label, "subtitle"),
        pdf.key_value_table([
            ("People", str(people)),
            ("Hours given", format_hours(total)),
            ("Below commitment", f"{below} of {judged} finished person-months"),
            ("Period", report.period_label),
        ], label_width=0.19),
    ]
    story += pdf.section("Hours by person and month", _lines_table(report.lines),
                      "No hours recorded in this period.")
    if report.lines:
        story.append(pdf.para(f'Rows marked "{BELOW}" (shaded) are finished months under the person\'s monthly '
                              'commitment; "so far" is the month still running and "to come" a later one, never '
                              'below yet; "over": given and planned pass the commitment; a commitment of 0 h '
                              "never counts as below.", "note"))
    story += pdf.section("Totals by station", _totals_table("Station", report.by_station, str),
                      "No hours by station in this period.")
    story += pdf.section("Totals by kind of duty", _totals_table("Kind of duty", report.by_kind, _kind_name),
                      "No hours by kind of duty in this period.")
    return story


def _lines_table(lines: Sequence[HoursLine]) -> Flowable | None:
    if not lines:
        return None
    ordered = sorted(lines, key=lambda line: (line.station.casefold(), line.name.casefold(), line.month))
    rows: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = []
    for index, line in enumerate(ordered, start=1):
        committed = line.applies and line.commitment > 0
        # A shortfall only for a finished month: a month still running is not "-16" on its first day.
        finished = line.status not in ("so_far", "to_come")
        difference = line.hours - line.commitment if committed and finished else None
        word = HOURS_STATUS_NAMES.get(line.status, line.status)
        if line.below:
            word = f'<font color="#a4161a"><b>{word}</b></font>'
        # The difference and the status in one column ("-16 below", "+2 over", "so far"): nine columns did not fit
        # a portrait page without wrapping names and stations.
        status = " ".join(part for part in (_signed(difference) if difference is not None else "", word) if part)
        rows.append([
            line.name, PERSON_ROLE_NAMES.get(line.role, line.role), line.station, month_label(line.month),
            format_hours(line.hours), format_hours(line.planned) if line.planned else "",
            format_hours(line.commitment) if committed else "-", pdf.markup(status) if line.below else status,
        ])
        if line.below:
            extra.append(("BACKGROUND", (0, index), (-1, index), pdf.WARN_FILL))
    return pdf.data_table(
        ["Name", "Role", "Station", "Month", "Given", "Planned", "Committed", "Status"], rows,
        [17, 18, 14, 10, 7, 9, 11, 14], right=(4, 5, 6), extra=extra,
    )


def _totals_table(label: str, totals: Sequence[HoursTotal], name: Any) -> Flowable | None:
    if not totals:
        return None
    ordered = sorted(totals, key=lambda t: (-t.hours, str(name(t.group)).casefold()))
    rows: list[list[Any]] = [[name(t.group), format_hours(t.hours)] for t in ordered]
    rows.append([pdf.markup("<b>Total</b>"),
                 pdf.markup(f"<b>{format_hours(sum(t.hours for t in totals))}</b>", "cell_right")])
    last = len(rows)
    return pdf.data_table([label, "Hours"], rows, [75, 25], right=(1,), zebra=False,
                          extra=[("LINEABOVE", (0, last), (-1, last), 0.8, pdf.ACCENT)])


def _kind_name(key: str) -> str:
    return DUTY_KIND_NAMES.get(key, key)


def format_hours(value: float) -> str:
    """12, 12.5, 12.25: up to two decimals (quarter hours are common) without trailing zeros."""
    shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if shown in ("-0", "") else shown


def _signed(value: float) -> str:
    if abs(value) < _EPSILON:
        return "0"
    return ("+" if value > 0 else "-") + format_hours(abs(value))


def month_label(month: str) -> str:
    """Month "2026-10" shown as "Oct 2026"; anything else is shown as given."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        return month
    return f"{first:%b %Y}"
