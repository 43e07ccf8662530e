"""Parse data.police.uk street-level crime CSV files ("published crime").

A file is checked as a whole first: it must be UTF-8 text whose header is exactly the 12 standard columns,
or the same columns in the same order under snake_case names (older extracts use those). A file that is
not one of these, or that ends mid-row, raises `PoliceUkFormatError` and yields nothing.

Then each row is checked on its own. A bad row is rejected with a reason and counted; it never stops the
file (but a file whose Crime IDs a spreadsheet mostly turned into numbers is refused: it was re-saved, not
downloaded). Rows without coordinates (data.police.uk's "No Location") are kept, with a NULL location, and counted
as `no_location`: they still count in totals but stay out of spatial analysis.

Every accepted row gets a dedupe key, so importing the same file twice adds nothing:
  - `crime:<Crime ID>|<longitude>|<latitude>|<crime type>` when the row has a Crime ID: the same crime is the same
    Crime ID at the same place with the same type. In some forces' files Crime IDs repeat, from month to month and
    even within a month, for crimes at other places: those are other crimes and are kept. The same crime in a later
    month is a republication (its outcome may have moved on): ruralwatch.services.published keeps it once;
  - `hash:<sha256 of the normalised fields>:<n>` otherwise (anti-social behaviour has no Crime ID), where n
    counts identical rows earlier in the same file: two identical ASB rows in one month are two reports.
(Databases from before this rule hold `id:<Crime ID>` keys; the importer matches crimes on the columns, not the
key, so those rows are recognised too.)

Files from the data.police.uk API (and tools built on it) have other columns (`API_HEADER`): each row is mapped
onto the standard columns first (`date` is the month, `persistent_id` the Crime ID, `category` slugs become crime
types, `street_name` the location, `outcome_status` the last outcome) and then checked like any other row; the force
is not in such a file, so it comes from the file's name when that names a force.
Coordinates are projected to British National Grid metres in one pyproj call per file.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from sys import intern
from typing import Any, NoReturn

import numpy as np

from ruralwatch.core.crime_types import API_CATEGORIES
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.geo import GB_LAT_RANGE, GB_LON_RANGE, to_bng
from ruralwatch.io.text_encoding import utf16_without_bom
from ruralwatch.io.zips import zipped_again

STANDARD_HEADER: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
    "LSOA name", "Crime type", "Last outcome category", "Context",
)
SNAKE_CASE_HEADER: tuple[str, ...] = (
    "crime_id", "month", "reported_by", "falls_within", "longitude", "latitude", "location", "lsoa_code",
    "lsoa_name", "crime_type", "last_outcome_category", "context",
)
N_COLUMNS = len(STANDARD_HEADER)
# The 43 territorial police forces of England and Wales (as data.police.uk and the CCHI table name them).
FORCES: tuple[str, ...] = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London", "Cleveland", "Cumbria",
    "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Dyfed-Powys", "Essex", "Gloucestershire",
    "Greater Manchester", "Gwent", "Hampshire", "Hertfordshire", "Humberside", "Kent", "Lancashire",
    "Leicestershire", "Lincolnshire", "Merseyside", "Metropolitan Police", "Norfolk", "North Wales",
    "North Yorkshire", "Northamptonshire", "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire",
    "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire", "West Mercia", "West Midlands",
    "West Yorkshire", "Wiltshire",
)
API_HEADER: tuple[str, ...] = (
    "category", "persistent_id", "date", "lat", "long", "street_id", "street_name", "context", "id",
    "location_type", "location_subtype", "outcome_status",
)

# What each value in a ParsedFile record is: the published_crimes column it goes into. Text is as published,
# and empty text means "not given" (the store turns it into NULL); lon/lat/easting/northing are floats or None.
RECORD_COLUMNS: tuple[str, ...] = (
    "crime_id", "month", "reported_by", "falls_within", "lon", "lat", "location", "lsoa_code", "lsoa_name",
    "crime_type", "last_outcome", "context", "dedupe_key", "easting", "northing",
)
TEXT_COLUMNS = frozenset(RECORD_COLUMNS) - {"lon", "lat", "easting", "northing"}

# Why a row was rejected (the keys of ParsedFile.rejected).
WRONG_FIELD_COUNT = "wrong_field_count"
BAD_MONTH = "bad_month"
BAD_COORDINATES = "bad_coordinates"
NO_CRIME_TYPE = "no_crime_type"
MANGLED_CRIME_ID = "mangled_crime_id"
REJECT_REASONS: tuple[str, ...] = (WRONG_FIELD_COUNT, BAD_MONTH, BAD_COORDINATES, NO_CRIME_TYPE, MANGLED_CRIME_ID)

# The reasons in words, for a message about a whole file.
REASON_WORDS = {WRONG_FIELD_COUNT: "not 12 fields", BAD_MONTH: "month not YYYY-MM",
                BAD_COORDINATES: "coordinates not in Great Britain", NO_CRIME_TYPE: "no crime type",
                MANGLED_CRIME_ID: "Crime ID turned into a number by a spreadsheet"}
# A Crime ID is 64 hex digits. One made only of digits and one 'e' is a number to a spreadsheet, which saves it
# rounded ("1.23457E+63"): the crime can no longer be told from another, nor its republication matched.
_MANGLED_ID = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# How many line numbers of rejected rows to keep per reason, to point the user at examples.
EXAMPLE_LINES = 5


class PoliceUkFormatError(RuralWatchError):
    """The file as a whole is not a data.police.uk street-level crime CSV; nothing was imported from it."""


@dataclass
class ParsedFile:
    path: Path
    sha256: str
    header: str  # "standard", "snake_case" or "api"
    rows_read: int = 0
    records: list[list[Any]] = field(default_factory=list)  # see RECORD_COLUMNS
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_lines: dict[str, list[int]] = field(default_factory=dict)
    no_location: int = 0  # accepted rows without coordinates (kept, with a NULL location)

    @property
    def rejected_count(self) -> int:
        return sum(self.rejected.values())


# The other files of a data.police.uk download, month by month beside the -street.csv one: left out of a folder or
# a zip, refused with a word of advice when given on their own.
OTHER_DOWNLOAD_FILES = ("-outcomes.csv", "-stop-and-search.csv")
# A month of the largest force's street-level crime is ~25 MB: a member far beyond that is not one (or a zip bomb).
MAX_MEMBER_BYTES = 1 << 30


@dataclass(frozen=True)
class ZipMember:
    """A CSV file inside a zip, read without unpacking it: data.police.uk's download is a zip of month folders
    (`2018-10/2018-10-suffolk-street.csv`, with the month's outcomes and stop and search files beside it)."""

    archive: Path
    member: str

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name

    def resolve(self) -> ZipMember:
        return ZipMember(self.archive.resolve(), self.member)

    def __str__(self) -> str:
        return f"{self.archive}: {self.member}"

    def read(self) -> bytes:
        try:
            with zipfile.ZipFile(self.archive) as archive:
                return archive.read(self.member)
        except NotImplementedError:
            _fail(str(self), "compressed in a way RuralWatch cannot read; unzip it and import the folder instead")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, RuntimeError, ValueError):
            _fail(str(self), "cannot be read from the zip: the zip is damaged or cut short")


def is_other_download_file(name: str) -> bool:
    """An outcomes or stop and search file of a data.police.uk download (by its name)."""
    return name.lower().endswith(OTHER_DOWNLOAD_FILES)


def zip_members(path: Path) -> tuple[list[ZipMember], list[str]]:
    """The street-level crime CSV files in a zip, by name, and the outcomes and stop and search files left out.
    PoliceUkFormatError when the zip cannot be read or holds no such file."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    # NotImplementedError: a member made by a zip version Python's zipfile does not know (found by fuzzing).
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        _fail(str(path), "not a readable zip file (damaged or cut short?)" if path.suffix.lower() == ".zip"
              else "starts like a zip file or an Excel workbook but cannot be opened as one; not a CSV text file")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        _fail(str(path), "an Excel workbook, not a CSV file: save it from the spreadsheet as CSV (comma delimited)")
    csvs = [i for i in infos if i.filename.lower().endswith(".csv")]
    kept = [i for i in csvs if not is_other_download_file(i.filename)]
    skipped = [PurePosixPath(i.filename).name for i in csvs if is_other_download_file(i.filename)]
    inner = [PurePosixPath(i.filename).name for i in infos if i.filename.lower().endswith(".zip")]
    if not kept and inner:  # zipped again (an e-mail attachment, a stick's backup): not opened within
        _fail(str(path), zipped_again(inner[0], ".csv files", "folder"))
    if not kept:
        held = f"only {len(skipped)} outcomes or stop and search file(s)" if skipped else "no .csv files"
        _fail(str(path), f"the zip holds {held}, no street-level crime: on data.police.uk tick \"Include crime "
                         "data\" and download again")
    for info in kept:
        if info.flag_bits & 0x1:
            _fail(f"{path}: {info.filename}", "password-protected in the zip: unzip it first")
        if info.file_size > MAX_MEMBER_BYTES:
            _fail(f"{path}: {info.filename}", f"{info.file_size:,} bytes unpacked: too large to be a month of "
                                              "street-level crime")
    return [ZipMember(path, i.filename) for i in sorted(kept, key=lambda i: i.filename)], skipped


def is_month(text: str) -> bool:
    """`YYYY-MM` with a month 01-12 (ASCII digits only: isdigit() alone also takes '²⁰¹⁸' and '٢٠١٨')."""
    return (len(text) == 7 and text.isascii() and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()
            and "01" <= text[5:] <= "12")


def spreadsheet_month(text: str) -> str | None:
    """`YYYY-MM` from what a spreadsheet writes back for one: Excel reads 2018-10 as a date and saves it as
    "Oct-18" (or "Oct-2018"), or as the date "01/10/2018" (day first) or "10/01/2018" (month first): the day is
    always the 1st, so which part is the month is never in doubt. None for anything else."""
    text = text.strip()
    if not text.isascii():
        return None
    name, _, year = text.partition("-")
    if name.lower() in _MONTH_NAMES and year.isdigit() and len(year) in (2, 4):
        return f"{'20' + year if len(year) == 2 else year}-{_MONTH_NAMES.index(name.lower()) + 1:02d}"
    parts = text.split(" ")[0].split("/")  # "01/10/2018 00:00" too
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
        first, second = int(parts[0]), int(parts[1])
        month = second if first == 1 else first if second == 1 else 0
        if 1 <= month <= 12:
            return f"{parts[2]}-{month:02d}"
    return None


def _delimiter(text: str) -> str:
    """',' as data.police.uk writes; ';' or a tab when the header row is split by one of those instead (a file
    saved again by a spreadsheet where the decimal mark is a comma, or as "Unicode Text")."""
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    known = set(STANDARD_HEADER) | set(SNAKE_CASE_HEADER) | set(API_HEADER)

    def hits(delimiter: str) -> int:
        try:
            return sum(1 for c in next(csv.reader([first], delimiter=delimiter), []) if c.strip() in known)
        except csv.Error:
            return 0

    best = max((",", ";", "\t"), key=hits)
    return best if hits(best) > hits(",") else ","


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a field longer than {csv.field_size_limit() // 1024:,} KiB (a damaged or wrong file?)"
    return str(exc)


def _check_header(header: list[str], name: str) -> str:
    if tuple(header) == STANDARD_HEADER:
        return "standard"
    if tuple(header) == SNAKE_CASE_HEADER:
        return "snake_case"
    if sorted(h.strip() for h in header) == sorted(API_HEADER):
        return "api"
    what = "not a data.police.uk street-level crime CSV"
    # The same download holds two other files per month: say which one this is and which one to take instead.
    if "Outcome type" in header:
        _fail(name, f"{what}: this is a data.police.uk outcomes file (it has 'Outcome type'); import the month's "
                    "-street.csv file instead")
    if "Object of search" in header or "Age range" in header:
        _fail(name, f"{what}: this is a data.police.uk stop and search file; import the month's -street.csv file "
                    "instead")
    standard_hits = sum(1 for column in header if column in STANDARD_HEADER)
    snake_hits = sum(1 for column in header if column in SNAKE_CASE_HEADER)
    if not standard_hits and not snake_hits:
        _fail(name, f"{what}: its first row has none of the columns {', '.join(STANDARD_HEADER)}")
    expected = SNAKE_CASE_HEADER if snake_hits > standard_hits else STANDARD_HEADER
    unknown = [column for column in header if column not in expected]
    missing = [column for column in expected if column not in header]
    problems = []
    if unknown:
        problems.append("unknown column(s) " + ", ".join(repr(c) for c in unknown))
    if missing:
        problems.append("missing column(s) " + ", ".join(repr(c) for c in missing))
    if not problems:
        repeated = sorted(c for c, n in Counter(header).items() if n > 1)
        problems.append(
            "repeated column(s) " + ", ".join(repr(c) for c in repeated) if repeated
            else f"columns out of order (expected {','.join(expected)})"
        )
    _fail(name, f"{what}: {'; '.join(problems)}")


def _fail(name: str, message: str) -> NoReturn:
    raise PoliceUkFormatError(f"{name}: {message}")


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        _fail(name, "the file is empty (no header row)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" save: UTF-16 with its BOM
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            _fail(name, "damaged UTF-16 text, not a data.police.uk CSV file")
    encoding = utf16_without_bom(data)  # the same save, or another exporter's, without the BOM
    if encoding is not None:
        return data.decode(encoding)
    if b"\x00" in data:
        _fail(name, "a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    # data.police.uk writes UTF-8; a file opened and saved again in Excel on Windows is Windows-1252, and its
    # header still decides below whether it is a street-level crime file.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        _fail(name, f"neither UTF-8 nor Windows-1252 text (bad byte at offset {utf8_error.start}), not a "
                    "data.police.uk CSV file")


def _check_not_truncated(text: str, name: str, delimiter: str = ",") -> None:
    """A file whose last line has no line end may have been cut short: refuse it if its last row is incomplete.

    So may a file that ends with a line end inside a quoted field (a field may hold line ends): an odd number of
    quotes in the file sends it through the last-row quote check below too.
    """
    ends_with_line_end = text.endswith(("\n", "\r"))
    if ends_with_line_end and not text.count('"') % 2:
        return
    # Rare (most files end with a line end), so read the file again to find where its last row starts.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last_row: list[str] = []
    lines_before_last = lines_read = 0
    for row in reader:
        last_row = row
        lines_before_last, lines_read = lines_read, reader.line_num
    if not ends_with_line_end and lines_before_last and len(last_row) != N_COLUMNS:
        _fail(name, f"ends mid-row: truncated? (line {lines_before_last + 1} has {len(last_row)} of "
                    f"{N_COLUMNS} fields and no line end)")
    # The reader quietly closes a quote left open at the end of the file. Quotes come in pairs in CSV (around
    # a field, and doubled inside one), so an odd number in the last row means it was cut inside a field.
    tail = "".join(list(io.StringIO(text, newline=""))[lines_before_last:])
    if tail.count('"') % 2:
        _fail(name, f"ends mid-row: truncated? (line {lines_before_last + 1} opens a quote that never closes)")


PROJ_SLICE = 5_000


def _quiet(_rows: int) -> None:
    """No one asked how far the parse is."""


def parse_file(path: str | Path | ZipMember, on_rows: Callable[[int], None] | None = None,
               every: int = 0) -> ParsedFile:
    """Read and check one street-level CSV file. Raises PoliceUkFormatError if the file as a whole is wrong.
    `on_rows(rows_read)` is called every `every` rows (a caller's progress; it may raise to stop)."""
    if isinstance(path, ZipMember):
        return parse_bytes(path.read(), str(path), path.archive / path.member, on_rows, every)
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(str(path), f"cannot be read ({exc.strerror or exc})")
    return parse_bytes(data, str(path), path, on_rows, every)


def parse_bytes(data: bytes, name: str, path: Path | None = None, on_rows: Callable[[int], None] | None = None,
                every: int = 0) -> ParsedFile:
    """Parse the contents of one file; `name` is how errors refer to it. `on_rows`, `every`: as parse_file's."""
    text = _decode(data, name)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not header:  # leading blank lines
            header = next(reader)
    except StopIteration:
        _fail(name, "the file is empty (no header row)")
    except csv.Error as exc:
        _fail(name, f"not a CSV file ({_csv_problem(exc)})")
    parsed = ParsedFile(Path(path or name), hashlib.sha256(data).hexdigest(), _check_header(header, name))
    force = force_from_file_name(Path(path or name).name) if parsed.header == "api" else ""

    # This loop runs once per row of a file of ~17,000 rows: it does as little as it can per row.
    lat_min, lat_max = GB_LAT_RANGE
    lon_min, lon_max = GB_LON_RANGE
    months: dict[str, str] = {}  # each month seen, checked once (and held once)
    hashes_seen: dict[str, int] = {}
    mangled_example: tuple[int, str] | None = None  # the first Crime ID a spreadsheet made a number: (line, ID)
    records = parsed.records
    located: list[list[Any]] = []
    lons: list[float] = []
    lats: list[float] = []
    rows_read = 0
    report = on_rows or _quiet
    next_report = every if on_rows is not None and every > 0 else -1  # one comparison per row when not reporting
    # Each row is read as strings, then becomes its record in place: coordinates turn into numbers or None.
    rows: Iterator[list[Any]] = reader if parsed.header != "api" else _api_rows(reader, header, force)
    # A spreadsheet saved with ';' between fields (Excel where the decimal mark is a comma) writes "0,911113".
    decimal_comma = delimiter != ","
    try:
        for row in rows:
            if not row:  # a blank line
                continue
            rows_read += 1
            if rows_read == next_report:
                report(rows_read)
                next_report += every
            if len(row) != N_COLUMNS:
                _reject(parsed, WRONG_FIELD_COUNT, reader.line_num)
                continue
            if row[0] and len(row[0]) < 64 and _MANGLED_ID.fullmatch(row[0].strip()):
                _reject(parsed, MANGLED_CRIME_ID, reader.line_num)
                mangled_example = mangled_example or (reader.line_num, row[0].strip())
                continue
            month = months.get(row[1])
            if month is None:
                month = row[1] if is_month(row[1]) else spreadsheet_month(row[1])
                if month is None:
                    _reject(parsed, BAD_MONTH, reader.line_num)
                    continue
                months[row[1]] = month
            lon_text = row[4]
            lat_text = row[5]
            if decimal_comma:
                lon_text = row[4] = lon_text.replace(",", ".")
                lat_text = row[5] = lat_text.replace(",", ".")
            if lon_text or lat_text:
                try:
                    lon = float(lon_text)
                    lat = float(lat_text)
                    in_gb = lat_min <= lat <= lat_max and lon_min <= lon <= lon_max  # False for NaN too
                except ValueError:
                    in_gb = False
                if in_gb:
                    row[4] = lon
                    row[5] = lat
                elif lon_text.strip() or lat_text.strip():
                    _reject(parsed, BAD_COORDINATES, reader.line_num)
                    continue
                else:  # only spaces: no location
                    lon_text = lat_text = row[4] = row[5] = ""
            if not row[9].strip():
                _reject(parsed, NO_CRIME_TYPE, reader.line_num)
                continue
            # The same few values repeat on most rows: hold each once (a year of rows takes 90 MB less).
            row[1] = month
            row[2] = intern(row[2])
            row[3] = intern(row[3])
            row[6] = intern(row[6])
            row[7] = intern(row[7])
            row[8] = intern(row[8])
            row[9] = intern(row[9])
            row[10] = intern(row[10])
            if row[0]:
                row.append(crime_key(row[0], lon if lon_text or lat_text else None,
                                     lat if lon_text or lat_text else None, row[9]))
            else:
                # The fields as read, but coordinates as numbers: 0.5 and 0.50 are the same place.
                digest = hashlib.sha256("\x00".join(map(str, row)).encode()).hexdigest()
                seen = hashes_seen.get(digest, 0)
                hashes_seen[digest] = seen + 1
                row.append(f"hash:{digest}:{seen}")
            if lon_text or lat_text:
                located.append(row)
                lons.append(lon)
                lats.append(lat)
            else:
                row[4] = row[5] = None
                row.append(None)  # easting
                row.append(None)  # northing
            records.append(row)
    except csv.Error as exc:
        _fail(name, f"unreadable CSV at line {reader.line_num}: {_csv_problem(exc)}")
    _check_not_truncated(text, name, delimiter)
    # Nothing to import is not a success: the wrong file, or a file spoilt on the way (every row refused).
    if not rows_read:
        _fail(name, "has the column names but no rows of crime: nothing to import")
    mangled = parsed.rejected[MANGLED_CRIME_ID]
    if mangled_example and mangled * 2 > rows_read:
        line, shown = mangled_example
        _fail(name, f"{mangled:,} of its {rows_read:,} rows have a Crime ID a spreadsheet turned into a number "
                    f"(line {line}: {shown!r}): import the file as downloaded, not saved again from a spreadsheet")
    if not records:
        reasons = ", ".join(f"{REASON_WORDS[why]} ({n:,})" for why, n in parsed.rejected.most_common())
        first = min(line for lines in parsed.rejected_lines.values() for line in lines)
        _fail(name, f"none of its {rows_read:,} rows could be read: {reasons}; the first is line {first}")

    if located:
        # In slices: PROJ holds the interpreter lock for a whole call, and a window's event loop waits on it.
        eastings: list[float] = []
        northings: list[float] = []
        lat_array, lon_array = np.array(lats), np.array(lons)
        for start in range(0, len(lat_array), PROJ_SLICE):
            e, n = to_bng().transform(lon_array[start:start + PROJ_SLICE], lat_array[start:start + PROJ_SLICE])
            eastings.extend(np.asarray(e).tolist())
            northings.extend(np.asarray(n).tolist())
        for record, easting, northing in zip(located, eastings, northings, strict=True):
            if math.isfinite(easting) and math.isfinite(northing):
                record.append(easting)
                record.append(northing)
            else:
                record.append(None)
                record.append(None)
    parsed.rows_read = rows_read
    parsed.no_location = len(records) - len(located)
    return parsed


def crime_key(crime_id: str, lon: float | None, lat: float | None, crime_type: str) -> str:
    """The dedupe key of a row with a Crime ID: the same crime is the same ID, place and type."""
    place = "|" if lon is None or lat is None else f"{lon:.6f}|{lat:.6f}"
    return f"crime:{crime_id}|{place}|{crime_type}"


def force_from_file_name(file_name: str) -> str:
    """The force a file's name names ("2019-01-north-yorkshire-street.csv" -> "North Yorkshire"), or ""."""
    slug = "".join(c if c.isalnum() else "-" for c in file_name.lower())
    found = [f for f in FORCES if f"-{_slug(f)}-" in f"-{slug}-"]
    return max(found, key=len) if found else ""  # "West Midlands" over "Midlands"-like shorter matches


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _api_rows(reader: Iterator[list[str]], header: list[str], force: str) -> Iterator[list[Any]]:
    """API rows as standard rows (STANDARD_HEADER order). A row of another length passes through unchanged, to
    be rejected with its line number like any other."""
    at = {column.strip(): n for n, column in enumerate(header)}
    width = len(header)
    for row in reader:
        if len(row) != width or not row:
            yield row
            continue
        category = row[at["category"]].strip()
        street = row[at["street_name"]].strip()
        yield [
            row[at["persistent_id"]].strip(), row[at["date"]].strip()[:7], force, force,
            row[at["long"]].strip(), row[at["lat"]].strip(), street and (
                street if street.lower().startswith("on or near") else f"On or near {street}"),
            "", "", API_CATEGORIES.get(category, category.replace("-", " ").capitalize()),
            _api_outcome(row[at["outcome_status"]]), row[at["context"]],
        ]


def _api_outcome(text: str) -> str:
    """`outcome_status` as tools flatten the API's JSON: the category itself, or the object {category, date}
    written as JSON or as a Python dict; null when there is no outcome."""
    text = text.strip()
    if not text.startswith("{"):
        return "" if text.lower() in ("null", "none") else text
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return ""
    return str(value.get("category") or "") if isinstance(value, dict) else ""


def _reject(parsed: ParsedFile, reason: str, line: int) -> None:
    parsed.rejected[reason] += 1
    examples = parsed.rejected_lines.setdefault(reason, [])
    if len(examples) < EXAMPLE_LINES:
        examples.append(line)
