"""Lists of vehicles of interest as forces hand them over (force intelligence systems, ANPR hotlists): CSV or Excel
files whose columns differ from source to source. This module reads one into entries: which column is which (a
mapping, guessed from the headers and remembered per source by the service), registrations in any spacing or case
normalised as everywhere else (ruralwatch.core.vrm), dates in the forms UK spreadsheets use, and every row it cannot
take counted with its reason rather than dropped silently.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.vrm import normalise_vrm, vrm_format
from ruralwatch.io.text_encoding import utf16_without_bom

# The fields an entry has, and header texts that name each (compared without case, spaces or punctuation).
FIELDS = ("vrm", "reason", "added_on", "expires_on", "handling")
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "vrm": ("vrm", "registration", "reg", "regno", "registrationnumber", "vehicleregistration", "plate",
            "numberplate", "index", "vehicle"),
    "reason": ("reason", "why", "interest", "category", "marker", "warning", "flag", "details"),
    "added_on": ("dateadded", "added", "addedon", "date", "from", "start", "created", "listed"),
    "expires_on": ("expiry", "expires", "expiresdate", "expirydate", "expireson", "until", "reviewdate", "end",
                   "validuntil"),
    "handling": ("handling", "handlingnote", "handlingcode", "note", "notes", "action", "instructions"),
}
MAX_ROWS = 200_000  # far beyond any hotlist a team holds: a bigger file is the wrong file
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d", "%d %b %Y", "%d %B %Y")


@dataclass(frozen=True)
class ListEntry:
    vrm: str  # normalised
    reason: str
    added_on: date | None
    expires_on: date | None
    handling: str
    row: int  # 1-based data row in the file, for messages


@dataclass
class ParsedList:
    entries: list[ListEntry] = field(default_factory=list)  # one per registration (the last row of a repeated one)
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> rows
    rows_read: int = 0
    repeated: int = 0  # rows naming a registration an earlier row of the file named


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Field -> header, from the headers' names (the first header naming a field wins; each header used once)."""
    mapping: dict[str, str] = {}
    for name in FIELDS:
        for header in headers:
            if header not in mapping.values() and _key(header) in HEADER_NAMES[name]:
                mapping[name] = header
                break
    return mapping


def read_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The header row and the data rows of a CSV (any common delimiter, UTF-8 or Windows-1252) or of the first
    sheet of an .xlsx workbook. One clear error for anything else."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return _xlsx_rows(path)
        if suffix in (".csv", ".txt"):
            return _csv_rows(path)
    except OSError as exc:
        raise RuralWatchError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    raise ValidationError.single("file", f"{path.name}: a list must be a .csv or .xlsx file")


def _csv_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04"):  # a workbook saved or renamed as .csv: read what it is
        return _xlsx_rows(path)
    text = ""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": UTF-16, tab-separated
        text = raw.decode("utf-16", errors="replace")
    elif encoding := utf16_without_bom(raw):  # the same without its BOM: NULs in every other byte, not binary
        text = raw.decode(encoding, errors="replace")
    elif b"\x00" in raw[:65536]:
        raise ValidationError.single("file", f"{path.name} is a binary file, not a CSV text file or an Excel "
                                             "workbook")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    try:
        # The sniffer splits its sample on \n only: lines ended by a lone \r (Excel for Mac's "CSV (Macintosh)") were
        # one line to it, and the delimiter it guessed from that put every column in one.
        sample = "\n".join(text[:4096].splitlines())
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [row for row in csv.reader(text.splitlines(), dialect) if any(cell.strip() for cell in row)]
    except csv.Error:  # a field over csv's 128 KiB limit: not a list of vehicles
        raise ValidationError.single("file", f"{path.name} is not a readable CSV list: a field is longer than "
                                             "128 KiB, or the file is damaged") from None
    if not rows:
        raise ValidationError.single("file", f"{path.name} is empty")
    return [cell.strip() for cell in rows[0]], rows[1:]


def _xlsx_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    # Opened as a stream: openpyxl refuses a file name that does not end in .xlsx (a workbook saved as .csv).
    with path.open("rb") as stream:
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except (BadZipFile, KeyError, ValueError, TypeError) as exc:
            raise ValidationError.single("file", f"{path.name} is not a readable Excel workbook ({exc})") from None
        try:
            sheet = book.worksheets[0]
            rows = [list(row) for row in sheet.iter_rows(values_only=True)
                    if any(cell is not None and str(cell).strip() for cell in row)]
        finally:
            book.close()
    if not rows:
        raise ValidationError.single("file", f"{path.name} is empty")
    return ["" if cell is None else str(cell).strip() for cell in rows[0]], rows[1:]


def parse_day(value: Any) -> date | None:
    """A date from a spreadsheet cell: a date, ISO or UK day-first text; None for an empty cell. ValueError else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date")


def parse_list(headers: Sequence[str], rows: Iterable[Sequence[Any]], mapping: Mapping[str, str],
               default_reason: str = "") -> ParsedList:
    """Entries from the rows: `mapping` names the header of each field (the registration at least)."""
    if "vrm" not in mapping or mapping["vrm"] not in headers:
        raise ValidationError.single("mapping", f"no column holds the registrations (columns: "
                                                f"{', '.join(h for h in headers if h) or 'none'}); name it with "
                                                f"--map vrm=COLUMN")
    unknown = [f"{name}={header}" for name, header in mapping.items() if name not in FIELDS or header not in headers]
    if unknown:
        raise ValidationError.single("mapping", f"{', '.join(unknown)}: not a field ({', '.join(FIELDS)}) and a "
                                                f"column of the file ({', '.join(headers)})")
    index = {name: list(headers).index(header) for name, header in mapping.items()}
    parsed = ParsedList()
    by_vrm: dict[str, ListEntry] = {}

    def cell(row: Sequence[Any], name: str) -> Any:
        position = index.get(name)
        return row[position] if position is not None and position < len(row) else None

    def reject(reason: str) -> None:
        parsed.rejected[reason] = parsed.rejected.get(reason, 0) + 1

    for number, row in enumerate(rows, start=1):
        parsed.rows_read += 1
        if parsed.rows_read > MAX_ROWS:
            raise ValidationError.single("file", f"more than {MAX_ROWS:,} rows: not a list of vehicles of interest")
        vrm = normalise_vrm(str(cell(row, "vrm") or ""))
        if not vrm:
            reject("no registration")
            continue
        if vrm_format(vrm) is None:
            reject("not a registration")
            continue
        try:
            added, expires = parse_day(cell(row, "added_on")), parse_day(cell(row, "expires_on"))
        except ValueError:
            reject("a date that does not read")
            continue
        if added and expires and expires < added:
            reject("expires before it was added")
            continue
        text = " ".join(str(cell(row, "reason") or "").split()) or default_reason
        entry = ListEntry(vrm, text, added, expires, " ".join(str(cell(row, "handling") or "").split()), number)
        if vrm in by_vrm:
            parsed.repeated += 1
        by_vrm[vrm] = entry
    parsed.entries = list(by_vrm.values())
    return parsed
