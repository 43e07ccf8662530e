"""Hours volunteers gave: from completed duties and completed patrols, by month, against their commitment.

A duty linked to a patrol counts once, through the patrol (its actual start and end when logged).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vocab import DUTY_KIND_NAMES, HOURS_STATUS_NAMES, PERSON_ROLE_NAMES
from ruralwatch.rostering.hours import commitment_months, planned_hours, worked_hours
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store

if TYPE_CHECKING:
    import pandas as pd

    from ruralwatch.io.hours_report import HoursReport

# pandas and the PDF writer (reportlab) are imported where a summary or a report is made: every process that
# builds the services (`ruralwatch demo`, the roster commands) imported them for nothing (issue 21).

_EPSILON = 1e-6  # hours are sums of floats: 7.999999 logged against 8 committed is not "below"

COLUMNS = ["person_id", "name", "role", "station", "month", "kind", "hours"]


@dataclass(frozen=True)
class HoursSummary:
    """Per person and month: hours, commitment and whether below it; totals by station and kind."""

    # person_id, name, role, station, month, hours, commitment, complete, applies (False before the person was
    # added: no commitment that month), below, planned (hours of planned duties and open patrols still to come),
    # over (given and planned pass the commitment), status (a key of HOURS_STATUSES: month_status), judged (a
    # finished month with a commitment, the months "below" is counted out of)
    by_person: pd.DataFrame
    by_station: pd.DataFrame  # station, hours
    by_kind: pd.DataFrame  # kind, hours
    month_from: str
    month_to: str


class HoursService:
    def __init__(self, store: Store, clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self._now = clock

    def this_month(self) -> str:
        """The month running now (YYYY-MM, UK time): it and later months are not judged yet."""
        return times.to_local(self._now()).strftime("%Y-%m")

    def sees_everyone(self) -> bool:
        """Whether the signed-in account sees everyone's hours; otherwise only its own person's (roster.all_hours),
        in the window, the CLI and the exports alike."""
        return self.store.actor.can("roster.all_hours")

    def own_person_id(self) -> str | None:
        """The roster person the signed-in account belongs to (its row is shown first and marked)."""
        return self.store.actor.person_id

    def entries(self, month_from: str, month_to: str) -> pd.DataFrame:
        """One row per person per completed duty or patrol in the months (YYYY-MM, inclusive)."""
        import pandas as pd

        _check_months(month_from, month_to)
        everyone = self.sees_everyone()
        own = self.store.actor.person_id
        records = [r for r in self._worked() if month_from <= r[4] <= month_to and (everyone or r[0] == own)]
        return pd.DataFrame.from_records(records, columns=COLUMNS)

    def _worked(self, to_come: bool = False) -> list[tuple[Any, ...]]:
        """Every completed duty or patrol hour, one COLUMNS tuple per person, month and kind, all months; with
        `to_come`, the hours of the duties and patrols still planned instead."""
        def live(table: str, columns: str) -> list[dict[str, Any]]:
            return list(self.store.db.query(f"SELECT {columns} FROM {table} WHERE deleted = 0"))

        people = {row["id"]: row for row in live("people", "id, name, role, station")}
        worked = (planned_hours if to_come else worked_hours)(
            live("duties", "id, kind, starts_at, ends_at, status, patrol_id"),
            live("duty_assignments", "duty_id, person_id, hours"),
            live("patrols", "id, status, starts_at, ends_at, started_at, ended_at"),
            live("patrol_crew", "patrol_id, person_id"), people)
        return [(w.person_id, people[w.person_id]["name"], people[w.person_id]["role"],
                 people[w.person_id]["station"] or "", w.month, w.kind, w.hours) for w in worked]

    def _joined_months(self, worked: list[tuple[Any, ...]]) -> dict[str, str]:
        """Per person, the month from which their commitment applies (rostering.hours.commitment_months)."""
        added = {row["id"]: row["created_at"]
                 for row in self.store.db.query("SELECT id, created_at FROM people WHERE deleted = 0")}
        return commitment_months(added, ((person_id, month) for person_id, *_, month, _kind, _hours in worked))

    def summary(self, month_from: str, month_to: str, include_inactive: bool = False) -> HoursSummary:
        import pandas as pd

        _check_months(month_from, month_to)
        every_month = self._worked()
        entries = pd.DataFrame.from_records([r for r in every_month if month_from <= r[4] <= month_to],
                                            columns=COLUMNS)
        joined = self._joined_months(every_month)
        people = pd.DataFrame.from_records(
            self.store.db.execute(
                "SELECT id, name, role, station, monthly_commitment_hours, active FROM people WHERE deleted = 0"
                " AND role != 'officer'"
            ).fetchall(),
            columns=["person_id", "name", "role", "station", "commitment", "active"],
        )
        if not include_inactive:
            people = people[people["active"] == 1]
        if not self.sees_everyone():  # their own line only (none while the account is not linked to its person)
            people = people[people["person_id"] == self.store.actor.person_id]
        months = pd.period_range(month_from, month_to, freq="M").strftime("%Y-%m").tolist()
        # Every volunteer gets a line for every month, so a month with no duty shows as 0 and below commitment.
        grid = people.merge(pd.DataFrame({"month": months}), how="cross")
        worked = entries.groupby(["person_id", "month"], as_index=False)["hours"].sum()
        by_person = grid.merge(worked, on=["person_id", "month"], how="left").fillna({"hours": 0.0})
        to_come = pd.DataFrame.from_records([r for r in self._worked(to_come=True) if month_from <= r[4] <= month_to],
                                            columns=COLUMNS)
        planned = to_come.groupby(["person_id", "month"], as_index=False).agg(planned=("hours", "sum"))
        by_person = by_person.merge(planned, on=["person_id", "month"], how="left").fillna({"planned": 0.0})
        by_person["commitment"] = by_person["commitment"].fillna(0.0).astype(float)
        this_month = self.this_month()
        by_person["complete"] = by_person["month"] < this_month
        # A month before the person was added is not theirs to be judged on (it showed "0 / 16 h · below").
        by_person["applies"] = by_person["month"] >= by_person["person_id"].map(joined).fillna("")
        # One status per person-month, by the one rule the window, the PDF, the CSV and the CLI all print.
        by_person["status"] = [
            month_status(month, this_month, hours, planned, commitment, applies)
            for month, hours, planned, commitment, applies in zip(
                by_person["month"], by_person["hours"], by_person["planned"], by_person["commitment"],
                by_person["applies"], strict=True)
        ]
        by_person["below"] = by_person["status"] == "below"
        by_person["over"] = by_person["status"] == "over"
        by_person["judged"] = by_person["complete"] & by_person["applies"] & (by_person["commitment"] > 0)
        by_person = by_person.drop(columns=["active"]).sort_values(["name", "month"]).reset_index(drop=True)
        # Totals over the same people as the lines above them (officers' hours are not volunteer hours).
        entries = entries[entries["person_id"].isin(set(people["person_id"]))]
        by_station = (
            entries.assign(station=entries["station"].replace("", "(no station)"))
            .groupby("station", as_index=False)[["hours"]].sum().sort_values("hours", ascending=False)
        )
        by_kind = entries.groupby("kind", as_index=False)[["hours"]].sum().sort_values("hours", ascending=False)
        return HoursSummary(by_person, by_station, by_kind, month_from, month_to)

    def export(self, summary: HoursSummary, path: Path, now: datetime | None = None) -> Path:
        """CSV, XLSX or PDF by the file's extension; the file appears only when complete."""
        from ruralwatch.io.exports import check_target, replace_atomically, write_csv, write_sheets

        self.store.actor.require("export.data")
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx", ".pdf"):
            raise ValidationError.single("output", f"{path.name}: use a .csv, .xlsx or .pdf file name")
        target = check_target(path)
        # A month before the person was added has no commitment: left blank, as the window shows a dash.
        # The status in the words the window shows ("so far", not the key).
        by_person = summary.by_person.assign(
            commitment=summary.by_person["commitment"].where(summary.by_person["applies"]),
            status=summary.by_person["status"].map(lambda key: HOURS_STATUS_NAMES.get(key, key)))
        if suffix == ".csv":
            replace_atomically(target, lambda part: write_csv(by_person, part))
        elif suffix == ".xlsx":
            replace_atomically(target, lambda part: write_sheets(part, {
                "By person": by_person, "By station": summary.by_station, "By kind": summary.by_kind,
            }))
        else:
            from ruralwatch.io.hours_report import write_hours_pdf

            write_hours_pdf(self.report(summary, now or self._now()), target)
        with self.store.transaction():
            record_event(self.store, "export", "hours", None, {
                "file": str(target), "from": summary.month_from, "to": summary.month_to,
            })
        return target

    @staticmethod
    def report(summary: HoursSummary, now: datetime) -> HoursReport:
        from ruralwatch.io.hours_report import HoursLine, HoursReport, HoursTotal

        period = summary.month_from if summary.month_from == summary.month_to else (
            f"{summary.month_from} to {summary.month_to}")
        return HoursReport(
            title="Volunteer hours against commitment",
            period_label=period,
            lines=tuple(
                HoursLine(name=r["name"], role=PERSON_ROLE_NAMES.get(r["role"], r["role"]), station=r["station"] or "",
                          month=r["month"], hours=float(r["hours"]), commitment=float(r["commitment"]),
                          planned=float(r["planned"]), status=str(r["status"]), judged=bool(r["judged"]))
                for r in _records(summary.by_person)
            ),
            by_station=tuple(HoursTotal(r["station"], float(r["hours"])) for r in _records(summary.by_station)),
            by_kind=tuple(
                HoursTotal(DUTY_KIND_NAMES.get(r["kind"], r["kind"]), float(r["hours"]))
                for r in _records(summary.by_kind)
            ),
            generated_at=now,
        )


def month_status(month: str, this_month: str, hours: float, planned: float, commitment: float,
                 applies: bool) -> str:
    """How one person's month stands (a key of HOURS_STATUSES). Only a finished month can be "below": the month
    still running showed "-16 below" in the PDF on its first day while the window said nothing."""
    if not applies:
        return "not_applicable"
    committed = commitment > 0
    if committed and month < this_month and hours < commitment - _EPSILON:
        return "below"
    # Given and planned together pass a real commitment: the month asks more of them than they offered.
    if committed and hours + planned > commitment + _EPSILON:
        return "over"
    if month == this_month:
        return "so_far"
    return "to_come" if month > this_month else "met"


def shortfall(by_person: pd.DataFrame) -> tuple[int, int]:
    """(months below commitment, months judged): only finished months with a commitment count, as in the window."""
    return int(by_person["below"].sum()), int(by_person["judged"].sum())


def _records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """The rows as dicts of plain values, typed Any (itertuples types each field as any pandas scalar at all)."""
    return frame.to_dict("records")


def _check_months(month_from: str, month_to: str) -> None:
    for name, value in (("from", month_from), ("to", month_to)):
        try:
            datetime.strptime(value, "%Y-%m")
        except ValueError:
            raise ValidationError.single(name, f"{value!r} is not a month (use YYYY-MM)") from None
    if month_from > month_to:
        raise ValidationError.single("to", "the period ends before it starts")
