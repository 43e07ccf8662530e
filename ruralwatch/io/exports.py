"""Exports for force analysts: incidents, patrols (their routes, stops and logs), duties and hours as CSV, GeoJSON
or an Excel workbook.

`WHATS` names what an export holds; each is one or more `Table`s (named columns, typed values), built once and
written by one writer per format. The CSV and GeoJSON files hold one table (the first of the chosen kind: the
incidents, not their vehicles); the workbook holds all of the kind's tables, one sheet each. `all` writes every
table: a workbook with a README sheet (what each column means, the period, the force, who exported it and when),
or a folder of CSV or GeoJSON files, one per table. In GeoJSON incidents, stops and log entries are points, a patrol
is its planned route (a LineString from its start point through its stops), duties and hours have no geometry.

Personal data (`PERSONAL_FIELDS`: the reporter's name and phone) is left out unless asked for.

Files are written to a temporary file beside the target, which replaces the target only once complete: a
failed export leaves no half-written file and an earlier export at the same path untouched. Like any file
`tempfile` makes, the export is readable by its owner only: it holds police data.

Spreadsheet safety: text that starts with ``= + - @`` (or a tab or carriage return) gets a leading ``'`` in the
CSV so Excel shows it instead of running it as a formula (OWASP's advice for CSV injection); in the workbook
such text is stored as a plain text cell, so it reads back unchanged. Every CSV and workbook RuralWatch writes
(duties and hours too: `write_csv` of a frame, `write_sheets`) goes through these writers.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch import __version__
from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, FieldError, ProgressCallback, RuralWatchError, ValidationError
from ruralwatch.core.incident import PERSONAL_FIELDS, Incident, IncidentFilter
from ruralwatch.core.kinds import (
    EQUIPMENT_CATEGORIES,
    KINDS,
    PROPERTY_MARKINGS,
    DetailField,
    FieldType,
    is_kind,
    kind_by_key,
    kind_name,
)
from ruralwatch.core.month_split import months_from_to
from ruralwatch.core.vocab import STATUS_NAMES, label
from ruralwatch.core.vrm import display_vrm
from ruralwatch.io import picture_tables
from ruralwatch.io.column_types import BOOLEAN, DATE, INTEGER, LOCAL_TIME, MONEY, NUMBER, TEXT
from ruralwatch.io.export_choices import FORMATS, WHATS
from ruralwatch.io.picture import Picture

if TYPE_CHECKING:
    import pandas as pd

_FORMAT_NAMES = {"csv": "CSV", "geojson": "GeoJSON", "xlsx": "XLSX"}
_SUFFIX_FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".xlsx": "xlsx"}

ATTRIBUTION = f"RuralWatch {__version__}: recorded in this RuralWatch database"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LOCAL_FORMAT = "%Y-%m-%d %H:%M"


# --- options ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    """What to export, for which days (UK local, inclusive; incidents by when they happened, patrols and duties by
    their planned start, hours by month), and whether personal data goes with it."""

    date_from: date | None = None
    date_to: date | None = None
    kinds: tuple[str, ...] = ()
    include_personal: bool = False
    what: str = "incidents"

    @classmethod
    def parse(
        cls,
        date_from: str | date | None = None,
        date_to: str | date | None = None,
        kinds: Iterable[str] = (),
        include_personal: bool = False,
        what: str = "incidents",
    ) -> ExportOptions:
        """Check what a user typed; one ValidationError lists every problem."""
        errors: list[FieldError] = []
        if what not in WHATS:
            errors.append(FieldError("what", f"{what!r} is not something to export (one of: {', '.join(WHATS)})"))
        days: dict[str, date | None] = {}
        for name, value in (("from", date_from), ("to", date_to)):
            days[name] = None
            if value is not None and str(value).strip():
                try:
                    days[name] = times.parse_date(value, name)
                except ValidationError as exc:
                    errors.extend(exc.errors)
        first, last = days["from"], days["to"]
        if first and last and last < first:
            errors.append(FieldError("to", f"{last.isoformat()} is before the first day, {first.isoformat()}"))
        wanted: list[str] = []
        for kind in kinds:
            key = kind.strip()
            if not is_kind(key):
                known = ", ".join(k.key for k in KINDS)
                errors.append(FieldError("kind", f"{key!r} is not an incident kind (known: {known})"))
            elif key not in wanted:
                wanted.append(key)
        if errors:
            raise ValidationError(errors)
        return cls(first, last, tuple(wanted), include_personal, what)

    def incident_filter(self) -> IncidentFilter:
        """Live incidents only: tombstoned (deleted) incidents are never exported."""
        return IncidentFilter(kinds=self.kinds, start_from=self.date_from, start_to=self.date_to)

    def describe(self) -> dict[str, Any]:
        return {
            "what": self.what, "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "kinds": list(self.kinds), "personal_data": self.include_personal,
        }

    def wants(self, kind: str) -> bool:
        return self.what in (kind, "all")


def resolve_format(fmt: str | None, out: Path | str) -> str:
    """The format asked for, or the one the file name implies (``.csv``, ``.geojson``/``.json``, ``.xlsx``)."""
    if fmt:
        if fmt not in FORMATS:
            raise ValidationError.single("format", f"{fmt!r} is not an export format ({', '.join(FORMATS)})")
        return fmt
    suffix = Path(out).suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    raise ValidationError.single(
        "format", f"cannot tell the format from {Path(out).name!r}: give --format {'|'.join(FORMATS)}"
    )


# --- tables ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # the header in CSV and XLSX, the property name in GeoJSON
    type: str = TEXT
    meaning: str = ""  # for the workbook's README sheet and the user guide


@dataclass
class Table:
    name: str  # the XLSX sheet name (31 characters at most)
    columns: list[Column]
    # Keyed by column name; values are plain Python (str, int, float, bool, date, None). A "_geometry" key (a
    # GeoJSON geometry or None) overrides the point at lat/lon in GeoJSON; tables without lat/lon have none.
    rows: list[dict[str, Any]]
    file_stem: str = "incidents"  # the file's name in a folder of files (`all` as CSV or GeoJSON)


@dataclass
class ExportData:
    """Everything an export may hold, already filtered."""

    incidents: list[Incident]
    options: ExportOptions = field(default_factory=ExportOptions)
    generated: datetime = field(default_factory=times.utc_now)
    picture: Picture = field(default_factory=Picture)  # patrols, duties, people and hours
    context: dict[str, str] = field(default_factory=dict)  # for the README sheet: force, exported by, source


def _detail_columns() -> list[tuple[DetailField, Column]]:
    """One column per kind-specific detail, headed by the catalogue's labels: ``Hare coursing: Dogs``."""
    columns = []
    for kind in KINDS:
        for spec in kind.details:
            column_type = {
                FieldType.INTEGER: INTEGER, FieldType.BOOLEAN: BOOLEAN, FieldType.DATE: DATE,
            }.get(spec.type, TEXT)
            columns.append((spec, Column(f"{kind.name}: {spec.label}", column_type)))
    return columns


DETAIL_COLUMNS = _detail_columns()


def incident_columns(include_personal: bool = False) -> list[Column]:
    """The incidents table's columns, in order; the personal ones only when asked for."""
    columns = [
        Column("id"), Column("kind"), Column("kind_name"), Column("subkind"), Column("subkind_name"),
        Column("occurred_start_utc"), Column("occurred_start_local", LOCAL_TIME),
        Column("occurred_end_utc"), Column("occurred_end_local", LOCAL_TIME),
        Column("reported_at_utc"), Column("reported_at_local", LOCAL_TIME),
        Column("lat", NUMBER), Column("lon", NUMBER), Column("grid_ref"),
        Column("place"), Column("description"), Column("status"), Column("status_name"),
        Column("crime_reference"), Column("reporter_name"), Column("reporter_phone"),
        *(column for _, column in DETAIL_COLUMNS),
        Column("vrms"), Column("vehicle_count", INTEGER),
        Column("stolen_item_count", INTEGER), Column("stolen_value_gbp", MONEY),
        Column("recovered_item_count", INTEGER), Column("attachment_count", INTEGER),
        Column("synthetic", BOOLEAN), Column("created_at"), Column("updated_at"), Column("device_id"),
    ]
    return [c for c in columns if include_personal or c.name not in PERSONAL_FIELDS]


def _local(text: str | None) -> datetime | None:
    """Stored UTC text as naive UK wall-clock time (GMT or BST, whichever was in force)."""
    return times.to_local(times.from_storage(text)).replace(tzinfo=None) if text else None


def _detail_value(spec: DetailField, value: Any) -> Any:
    if value is None:
        return None
    if spec.type is FieldType.CHOICE:
        return label(spec.choices, value)
    if spec.type is FieldType.BOOLEAN:
        return bool(value)
    if spec.type is FieldType.DATE:
        return date.fromisoformat(value)
    return value


def incident_record(incident: Incident) -> dict[str, Any]:
    """One incident as a row of the incidents table (every column, personal ones included)."""
    values = [item["value_pence"] for item in incident.items if item["value_pence"] is not None]
    kind = kind_by_key(incident.kind) if is_kind(incident.kind) else None
    record: dict[str, Any] = {
        "id": incident.id, "kind": incident.kind, "kind_name": kind_name(incident.kind),
        "subkind": incident.subkind,
        "subkind_name": label(kind.subkinds, incident.subkind) if kind and incident.subkind else None,
        "occurred_start_utc": incident.occurred_start, "occurred_start_local": _local(incident.occurred_start),
        "occurred_end_utc": incident.occurred_end, "occurred_end_local": _local(incident.occurred_end),
        "reported_at_utc": incident.reported_at, "reported_at_local": _local(incident.reported_at),
        "lat": incident.lat, "lon": incident.lon, "grid_ref": incident.grid_ref,
        "place": incident.place, "description": incident.description,
        "status": incident.status, "status_name": STATUS_NAMES.get(incident.status, incident.status),
        "crime_reference": incident.crime_reference,
        "reporter_name": incident.reporter_name, "reporter_phone": incident.reporter_phone,
        "vrms": "; ".join(display_vrm(v["vrm"]) for v in incident.vehicles if v["vrm"]),
        "vehicle_count": len(incident.vehicles),
        "stolen_item_count": len(incident.items),
        "stolen_value_gbp": sum(values) / 100 if values else None,
        "recovered_item_count": sum(1 for item in incident.items if item["recovered"]),
        "attachment_count": len(incident.attachments),
        "synthetic": incident.synthetic,
        "created_at": incident.created_at, "updated_at": incident.updated_at, "device_id": incident.device_id,
    }
    for spec, column in DETAIL_COLUMNS:
        record[column.name] = _detail_value(spec, incident.details.get(spec.key))
    return record


def incidents_table(data: ExportData) -> Table:
    incidents = sorted(data.incidents, key=lambda i: (i.occurred_start, i.id))
    return Table("Incidents", incident_columns(data.options.include_personal),
                 [incident_record(i) for i in incidents])


def vehicles_table(data: ExportData) -> Table:
    columns = [Column(n) for n in ("incident_id", "vrm", "role", "make", "model", "colour")]
    rows = [
        {"incident_id": incident.id, "vrm": display_vrm(v["vrm"]), "role": v["role"], "make": v["make"] or "",
         "model": v["model"] or "", "colour": v["colour"] or ""}
        for incident in sorted(data.incidents, key=lambda i: (i.occurred_start, i.id))
        for v in incident.vehicles
    ]
    return Table("Vehicles", columns, rows, "vehicles")


def stolen_items_table(data: ExportData) -> Table:
    columns = [
        Column("incident_id"), Column("category"), Column("category_name"), Column("description"),
        Column("make"), Column("model"), Column("serial"), Column("marking"), Column("marking_name"),
        Column("value_gbp", MONEY), Column("recovered", BOOLEAN),
    ]
    rows = [
        {
            "incident_id": incident.id, "category": item["category"],
            "category_name": label(EQUIPMENT_CATEGORIES, item["category"]),
            "description": item["description"] or "", "make": item["make"] or "", "model": item["model"] or "",
            "serial": item["serial_number"] or "", "marking": item["marking"],
            "marking_name": label(PROPERTY_MARKINGS, item["marking"]),
            "value_gbp": None if item["value_pence"] is None else item["value_pence"] / 100,
            "recovered": bool(item["recovered"]),
        }
        for incident in sorted(data.incidents, key=lambda i: (i.occurred_start, i.id))
        for item in incident.items
    ]
    return Table("Stolen items", columns, rows, "stolen-items")


def _picture_table(name: str, stem: str, specs: tuple[picture_tables.ColumnSpec, ...],
                   rows: list[dict[str, Any]], data: ExportData) -> Table:
    personal = data.options.include_personal
    columns = [Column(n, t, m) for n, t, m in specs if personal or n not in picture_tables.PERSONAL_COLUMNS]
    return Table(name, columns, rows, stem)


def patrols_table(data: ExportData) -> Table:
    return _picture_table("Patrols", "patrols", picture_tables.PATROL_COLUMNS,
                          picture_tables.patrol_rows(data.picture), data)


def patrol_stops_table(data: ExportData) -> Table:
    return _picture_table("Patrol stops", "patrol-stops", picture_tables.STOP_COLUMNS,
                          picture_tables.stop_rows(data.picture), data)


def patrol_events_table(data: ExportData) -> Table:
    return _picture_table("Patrol log", "patrol-events", picture_tables.EVENT_COLUMNS,
                          picture_tables.event_rows(data.picture), data)


def duties_table(data: ExportData) -> Table:
    return _picture_table("Duties", "duties", picture_tables.DUTY_COLUMNS,
                          picture_tables.duty_rows(data.picture), data)


def hours_months(data: ExportData) -> list[str]:
    """The months of the hours table: those of --from..--to, else every month from the first hours worked to the
    month of the export."""
    current = times.to_local(data.generated).strftime("%Y-%m")
    options = data.options
    first = options.date_from.strftime("%Y-%m") if options.date_from else min(
        (w.month for w in data.picture.worked), default=current)
    last = options.date_to.strftime("%Y-%m") if options.date_to else max(
        [current, *(w.month for w in data.picture.worked)])
    return list(months_from_to(first, last))


def hours_table(data: ExportData) -> Table:
    current = times.to_local(data.generated).strftime("%Y-%m")
    return _picture_table("Hours", "hours", picture_tables.HOURS_COLUMNS,
                          picture_tables.hours_rows(data.picture, hours_months(data), current), data)


TableFunction = Callable[[ExportData], Table]

# What each `--what` holds, in order: the first table is what a CSV or GeoJSON file of it holds, all of them are
# the workbook's sheets. A new table is one function here.
WHAT_TABLES: dict[str, tuple[TableFunction, ...]] = {
    "incidents": (incidents_table, vehicles_table, stolen_items_table),
    "patrols": (patrols_table,),
    "patrol-stops": (patrol_stops_table,),
    "patrol-events": (patrol_events_table,),
    "duties": (duties_table,),
    "hours": (hours_table,),
}
WHAT_TABLES["all"] = tuple(make for what in WHATS if what != "all" for make in WHAT_TABLES[what])
SHEETS = WHAT_TABLES["incidents"]  # the incident workbook's sheets


# --- writers -------------------------------------------------------------------------------------------------


def _csv_value(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.type == BOOLEAN:
        return "yes" if value else "no"
    if column.type == MONEY:
        return f"{value:.2f}"
    if column.type == LOCAL_TIME:
        return value.strftime(_LOCAL_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if column.type == TEXT and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def frame_table(name: str, frame: pd.DataFrame) -> Table:
    """A pandas frame as a Table, so every CSV and workbook the app writes goes through the same writers (and
    their formula neutralising): numeric columns stay numbers, anything else is text."""
    from pandas.api import types

    columns = []
    for heading in frame.columns:
        dtype = frame[heading].dtype
        kind = (BOOLEAN if types.is_bool_dtype(dtype) else INTEGER if types.is_integer_dtype(dtype)
                else NUMBER if types.is_numeric_dtype(dtype) else TEXT)
        columns.append(Column(str(heading), kind))
    plain = frame.astype(object).where(frame.notna(), None)  # NaN is an empty cell, as to_csv wrote it
    rows = [{str(k): v for k, v in row.items()} for row in plain.to_dict("records")]
    return Table(name[:31], columns, rows)


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """A workbook of frames (sheet name -> frame), written like the incident workbook."""
    write_xlsx([frame_table(name, frame) for name, frame in sheets.items()], path)


def write_csv(table: Table | pd.DataFrame, path: Path) -> None:
    """UTF-8 with a byte-order mark, so Excel reads it as UTF-8 (for £ and accents); one header row."""
    if not isinstance(table, Table):
        table = frame_table("Sheet1", table)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_value(c, row.get(c.name)) for c in table.columns])


def _json_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.type == LOCAL_TIME:
        return value.strftime(_LOCAL_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if column.type == MONEY:
        return round(value, 2)
    return value


def _geometry(row: dict[str, Any]) -> dict[str, Any] | None:
    if "_geometry" in row:
        return row["_geometry"]
    if row.get("lat") is None or row.get("lon") is None:
        return None  # a log entry without a position; duties and hours
    return {"type": "Point", "coordinates": [row["lon"], row["lat"]]}


def write_geojson(table: Table, path: Path, metadata: dict[str, Any]) -> None:
    """A FeatureCollection (WGS84, [lon, lat], as RFC 7946 requires) with every column as a property: points at
    lat/lon, a patrol's route as a LineString, no geometry (null) for rows without a place."""
    features = []
    for index, row in enumerate(table.rows):
        feature: dict[str, Any] = {"type": "Feature"}
        if row.get("id") is not None:
            feature["id"] = row["id"]
        elif "person_id" not in row:
            feature["id"] = index + 1
        feature["geometry"] = _geometry(row)
        feature["properties"] = {c.name: _json_value(c, row.get(c.name)) for c in table.columns}
        features.append(feature)
    collection = {"type": "FeatureCollection", **metadata, "features": features}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(collection, handle, ensure_ascii=False)
        handle.write("\n")


def readme_table(data: ExportData, tables: Sequence[Table]) -> Table:
    """The workbook's first sheet: what it holds, for whom and when, and what every column means."""
    options = data.options
    period = (f"{options.date_from.isoformat() if options.date_from else 'the first record'} to "
              f"{options.date_to.isoformat() if options.date_to else 'the last'} (UK local days; incidents by "
              "when they happened, patrols and duties by their planned start, hours by month)")
    about = [
        ("Exported", f"{times.to_local(data.generated).strftime(_LOCAL_FORMAT)} UK local time "
                     f"({times.to_storage(data.generated)} UTC)"),
        *((key, value) for key, value in data.context.items()),
        ("Period", period),
        ("Personal data", "included: share only with those entitled to it" if options.include_personal
         else "left out (names and contact details)"),
        ("Produced by", ATTRIBUTION),
    ]
    rows = [{"sheet": "", "column": label_, "meaning": value} for label_, value in about]
    for table in tables:
        rows.append({"sheet": table.name, "column": "", "meaning": f"{len(table.rows):,} rows"})
        rows += [{"sheet": table.name, "column": c.name, "meaning": c.meaning} for c in table.columns]
    return Table("README", [Column("sheet"), Column("column"), Column("meaning")], rows, "README")


_WIDTH_MIN, _WIDTH_MAX, _WIDTH_SAMPLE = 6, 50, 2000
_FIXED_WIDTHS = {LOCAL_TIME: 16, DATE: 10, MONEY: 12, BOOLEAN: 5}
_NUMBER_FORMATS = {LOCAL_TIME: "yyyy-mm-dd hh:mm", DATE: "yyyy-mm-dd", MONEY: '"£"#,##0.00'}


def _column_width(column: Column, rows: Sequence[dict[str, Any]]) -> float:
    if column.type in _FIXED_WIDTHS:
        longest = _FIXED_WIDTHS[column.type]
    else:
        sample = (row.get(column.name) for row in rows[:_WIDTH_SAMPLE])
        longest = max((len(str(value)) for value in sample if value is not None), default=0)
    return min(max(len(column.name), longest, _WIDTH_MIN), _WIDTH_MAX) + 2


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table with a frozen, filterable header row and sensible column widths."""
    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    def clean(value: Any) -> Any:
        # Control characters cannot be stored in a workbook at all.
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for table in tables:
            names = [c.name for c in table.columns]
            frame = pd.DataFrame(
                [[clean(row.get(n)) for n in names] for row in table.rows], columns=names, dtype=object
            )
            frame.to_excel(writer, sheet_name=table.name, index=False)
            sheet = writer.sheets[table.name]
            sheet.freeze_panes = "A2"
            if table.rows:
                sheet.auto_filter.ref = sheet.dimensions
            for number, column in enumerate(table.columns, start=1):
                letter = get_column_letter(number)
                sheet.column_dimensions[letter].width = _column_width(column, table.rows)
                number_format = _NUMBER_FORMATS.get(column.type)
                if column.type == TEXT or number_format:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=number, max_col=number):
                        if cell.data_type == "f":
                            cell.data_type = "s"  # text that looks like a formula stays text
                        elif number_format and cell.value is not None:
                            cell.number_format = number_format


# --- the export --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    counts: dict[str, int]  # table name -> rows written
    include_personal: bool

    def summary(self) -> str:
        parts = [f"{n:,} {_row_noun(name, n)}" for name, n in self.counts.items()]
        personal = ", personal data included" if self.include_personal else ""
        return f"exported {', '.join(parts)} to {self.path} ({_FORMAT_NAMES[self.format]}{personal})"


def _row_noun(table: str, count: int) -> str:
    """"incidents" / "1 incident", "patrol log entries", "hours" rows as "person-months"."""
    noun = {"Patrol log": "patrol log entries", "Hours": "person-months of hours"}.get(table, table.lower())
    if count == 1 and noun.endswith("s") and table not in ("Hours", "Patrol log"):
        noun = noun[:-1]
    return noun


def check_target(out: Path | str) -> Path:
    """Refuse, before any work, a target that cannot be written: a folder, a device or a pipe, or in a folder
    that is not there."""
    target = Path(out).expanduser()
    if target.is_dir():
        raise RuralWatchError(f"cannot write {target}: it is a folder")
    if target.exists() and not target.is_file():
        # A device or a pipe: the finished file is renamed into place, which would replace it (as root, /dev/full).
        raise RuralWatchError(f"cannot write {target}: it is not a regular file")
    folder = target.parent
    if not folder.is_dir():
        raise RuralWatchError(f"cannot write {target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise RuralWatchError(f"cannot write {target}: folder {folder} is not writable")
    return target


def replace_atomically(target: Path, write: Callable[[Path], object],
                       proceed: Callable[[], bool] | None = None) -> None:
    """Run `write` on a temporary file beside `target`, then move it into place; on any failure remove it.

    `proceed()` is asked once the file is written: False (the user cancelled) leaves `target` as it was.
    Whatever `write` returns (e.g. write_text's count) is ignored."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise RuralWatchError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(handle)
    part = Path(temporary)
    try:
        write(part)
        with open(part, "rb") as written:
            os.fsync(written.fileno())
        if proceed is not None and not proceed():
            raise CancelledError(f"cancelled: {target.name} was not written")
        os.replace(part, target)
    except OSError as exc:
        raise RuralWatchError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        part.unlink(missing_ok=True)


def writes_folder(what: str, fmt: str | None) -> bool:
    """Everything as CSV or GeoJSON is a folder of files, one per table; anything else one file."""
    return what == "all" and fmt in ("csv", "geojson")


def resolve_target(what: str, fmt: str | None, out: Path | str) -> tuple[str, Path]:
    """The format (as given, or from the file name's ending) and the checked target, a file or a folder of files:
    refused, before any work, when it cannot be written."""
    if writes_folder(what, fmt):
        return str(fmt), check_folder_target(out)
    return resolve_format(fmt, out), check_target(out)


def check_folder_target(out: Path | str) -> Path:
    """A folder for a set of files: new (its parent must exist) or empty, never one with files in it."""
    target = Path(out).expanduser()
    if target.exists() and not target.is_dir():
        raise RuralWatchError(f"cannot write {target}: it is a file (`all` as CSV or GeoJSON is a folder of files)")
    if target.is_dir() and any(target.iterdir()):
        raise RuralWatchError(f"cannot write {target}: the folder is not empty (choose a new or empty folder)")
    folder = target.parent
    if not folder.is_dir():
        raise RuralWatchError(f"cannot write {target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise RuralWatchError(f"cannot write {target}: folder {folder} is not writable")
    return target


def replace_folder(target: Path, write: Callable[[Path], object], proceed: Callable[[], bool] | None = None) -> None:
    """As replace_atomically, for a folder of files: written in a temporary folder beside `target`, then renamed
    into place (an empty `target` is replaced), so a failed or cancelled export leaves nothing."""
    try:
        part = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part"))
    except OSError as exc:
        raise RuralWatchError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        write(part)
        for written in part.iterdir():
            with open(written, "rb") as handle:
                os.fsync(handle.fileno())
        if proceed is not None and not proceed():
            raise CancelledError(f"cancelled: {target.name} was not written")
        if target.is_dir():
            target.rmdir()  # empty (checked): replaced by the finished folder
        os.replace(part, target)
    except OSError as exc:
        raise RuralWatchError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if part.exists():
            shutil.rmtree(part, ignore_errors=True)


def metadata(data: ExportData, table: Table | None = None) -> dict[str, Any]:
    """What the GeoJSON carries beside its features."""
    return {
        "name": f"RuralWatch {(table.name if table else 'incidents').lower()}",
        "attribution": ATTRIBUTION,
        "generated": times.to_storage(data.generated),
        "filters": data.options.describe(),
    }


def export(data: ExportData, fmt: str | None, out: Path | str,
           progress: ProgressCallback | None = None) -> ExportResult:
    """Write `data` as `fmt` (csv, geojson or xlsx) to `out`, all or nothing: what `data.options.what` names, as one
    file, or for `all` as CSV or GeoJSON a folder of files (`out` a folder that is new or empty).

    `progress(done, total, note) -> bool` hears of each table made and of the file written; False cancels
    (CancelledError) and leaves `out` as it was."""
    what = data.options.what
    fmt, target = resolve_target(what, fmt, out)
    in_folder = writes_folder(what, fmt)
    makers = WHAT_TABLES[what] if fmt == "xlsx" or in_folder else WHAT_TABLES[what][:1]
    steps = len(makers) + 1
    tables = []
    for step, make in enumerate(makers, start=1):
        tables.append(make(data))
        if progress is not None and not progress(step, steps, f"Writing {target.name}" if step == len(makers) else ""):
            raise CancelledError(f"cancelled: {target.name} was not written")

    def write_one(table: Table, path: Path) -> None:
        if fmt == "csv":
            write_csv(table, path)
        else:
            write_geojson(table, path, metadata(data, table))

    def write(path: Path) -> None:
        if fmt == "xlsx":
            write_xlsx([readme_table(data, tables), *tables] if what == "all" else tables, path)
        else:
            write_one(tables[0], path)

    proceed = None if progress is None else lambda: progress(steps, steps)
    if in_folder:
        suffix = ".csv" if fmt == "csv" else ".geojson"

        def write_all(folder: Path) -> None:
            for table in tables:
                write_one(table, folder / f"{table.file_stem}{suffix}")

        replace_folder(target, write_all, proceed)
    else:
        replace_atomically(target, write, proceed)
    counts = {table.name: len(table.rows) for table in tables}
    return ExportResult(target, fmt, counts, data.options.include_personal)
