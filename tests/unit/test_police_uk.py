"""The data.police.uk street-level CSV parser, on real excerpts (tests/fixtures/police-uk) and made-up files."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core import geo
from ruralwatch.io.police_uk import (
    RECORD_COLUMNS,
    SNAKE_CASE_HEADER,
    STANDARD_HEADER,
    ParsedFile,
    PoliceUkFormatError,
    crime_key,
    parse_bytes,
    parse_file,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POLICE_UK = FIXTURES / "police-uk"
JAN_SNAKE = POLICE_UK / "2018-01-essex-street-first150.csv"
MARCH_STANDARD = POLICE_UK / "2018-03-essex-street-first150.csv"
APRIL_NO_ID_OR_LOCATION = POLICE_UK / "2018-04-essex-street-no-id-or-location.csv"
MALFORMED = POLICE_UK / "street-report-fixture-malformed.csv"

COL = {name: index for index, name in enumerate(RECORD_COLUMNS)}
GOOD_ROW = ["abc123", "2018-05", "Essex Police", "Essex Police", "0.5", "51.8", "On or near High Street",
            "E01021245", "Basildon 002A", "Burglary", "Under investigation", ""]


def csv_bytes(rows: list[list[str]], header: tuple[str, ...] = STANDARD_HEADER, terminator: str = "\r\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def value(parsed: ParsedFile, index: int, column: str) -> object:
    return parsed.records[index][COL[column]]


def keys(parsed: ParsedFile) -> list[str]:
    return [record[COL["dedupe_key"]] for record in parsed.records]


# --- the real excerpts -------------------------------------------------------------------------------------


def test_snake_case_header_file_parses_with_dedupe_keys() -> None:
    parsed = parse_file(JAN_SNAKE)
    assert parsed.header == "snake_case"
    assert (parsed.rows_read, len(parsed.records), parsed.rejected_count, parsed.no_location) == (150, 150, 0, 0)
    dedupe = keys(parsed)
    assert len(set(dedupe)) == 150
    assert sum(k.startswith("crime:") for k in dedupe) == 115
    # 35 ASB rows without a Crime ID, 4 of them exact repeats of an earlier row: two reports, not one.
    hashed = [k for k in dedupe if k.startswith("hash:")]
    assert len(hashed) == 35
    assert Counter(k.rsplit(":", 1)[1] for k in hashed) == {"0": 31, "1": 4}
    first = parsed.records[0]
    assert first[COL["dedupe_key"]] == crime_key(first[COL["crime_id"]], first[COL["lon"]], first[COL["lat"]],
                                                 first[COL["crime_type"]])
    assert first[COL["dedupe_key"]].startswith(f"crime:{first[COL['crime_id']]}|")
    assert (first[COL["month"]], first[COL["crime_type"]]) == ("2018-01", "Violence and sexual offences")
    assert isinstance(first[COL["lon"]], float) and isinstance(first[COL["easting"]], float)


def test_standard_header_file_parses() -> None:
    parsed = parse_file(MARCH_STANDARD)
    assert parsed.header == "standard"
    assert (parsed.rows_read, len(parsed.records), parsed.rejected_count) == (150, 150, 0)
    assert len(set(keys(parsed))) == 150
    assert {value(parsed, i, "month") for i in range(150)} == {"2018-03"}


def test_both_headers_give_the_same_records() -> None:
    data = MARCH_STANDARD.read_bytes()
    header_line, rest = data.split(b"\r\n", 1)
    assert header_line.decode() == ",".join(STANDARD_HEADER)
    as_snake = ",".join(SNAKE_CASE_HEADER).encode() + b"\r\n" + rest
    standard, snake = parse_bytes(data, "standard.csv"), parse_bytes(as_snake, "snake.csv")
    assert snake.header == "snake_case"
    assert snake.records == standard.records


def test_rows_without_coordinates_are_kept_without_a_location() -> None:
    parsed = parse_file(APRIL_NO_ID_OR_LOCATION)
    assert (parsed.rows_read, len(parsed.records), parsed.rejected_count, parsed.no_location) == (87, 87, 0, 48)
    unlocated = [r for r in parsed.records if r[COL["lon"]] is None]
    assert len(unlocated) == 48
    assert all(r[COL["lat"]] is None and r[COL["easting"]] is None and r[COL["northing"]] is None for r in unlocated)
    assert {r[COL["location"]] for r in unlocated} == {"No Location"}
    assert all(r[COL["dedupe_key"]] == f"crime:{r[COL['crime_id']]}|||{r[COL['crime_type']]}" for r in unlocated)
    # The 39 ASB rows have coordinates but no Crime ID; one row appears five times.
    hashed = Counter(k.rsplit(":", 1)[0] for k in keys(parsed) if k.startswith("hash:"))
    assert sum(hashed.values()) == 39 and len(hashed) == 31 and max(hashed.values()) == 5


def test_malformed_fixture_row_is_rejected_with_its_reason_and_line() -> None:
    parsed = parse_file(MALFORMED)
    assert parsed.rows_read == 4
    assert parsed.rejected == {"wrong_field_count": 1}
    assert parsed.rejected_lines == {"wrong_field_count": [3]}
    assert len(parsed.records) == 3 and parsed.no_location == 3
    assert [k.split(":")[0] for k in keys(parsed)] == ["crime", "hash", "crime"]


def test_parsing_is_stable() -> None:
    for path in (JAN_SNAKE, MARCH_STANDARD, APRIL_NO_ID_OR_LOCATION, MALFORMED):
        assert parse_file(path).records == parse_file(path).records


# --- whole-file problems -----------------------------------------------------------------------------------


def test_unknown_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_bytes(csv_bytes([[*GOOD_ROW, "x"]], header=(*STANDARD_HEADER, "Force ID")))
    with pytest.raises(PoliceUkFormatError) as raised:
        parse_file(path)
    message = str(raised.value)
    assert str(path) in message and "unknown column(s) 'Force ID'" in message
    assert "missing" not in message


def test_missing_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_bytes(csv_bytes([GOOD_ROW[:-1]], header=STANDARD_HEADER[:-1]))
    with pytest.raises(PoliceUkFormatError, match=r"short\.csv: .*missing column\(s\) 'Context'"):
        parse_file(path)


def test_snake_case_header_with_a_renamed_column(tmp_path: Path) -> None:
    header = tuple("outcome" if c == "last_outcome_category" else c for c in SNAKE_CASE_HEADER)
    path = tmp_path / "renamed.csv"
    path.write_bytes(csv_bytes([GOOD_ROW], header=header))
    with pytest.raises(PoliceUkFormatError) as raised:
        parse_file(path)
    assert "unknown column(s) 'outcome'" in str(raised.value)
    assert "missing column(s) 'last_outcome_category'" in str(raised.value)


@pytest.mark.parametrize(
    "header",
    [
        (*STANDARD_HEADER[1:], STANDARD_HEADER[0]),  # right names, wrong order
        SNAKE_CASE_HEADER[:6] + STANDARD_HEADER[6:],  # the two spellings mixed
        tuple(c.upper() for c in STANDARD_HEADER),
    ],
)
def test_other_headers_are_refused(tmp_path: Path, header: tuple[str, ...]) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes([GOOD_ROW], header=header))
    with pytest.raises(PoliceUkFormatError, match="odd.csv: not a data.police.uk street-level crime CSV"):
        parse_file(path)


def png_tile(tmp_path: Path) -> Path:
    """A real PNG: the first tile of the one_tile.mbtiles fixture."""
    conn = sqlite3.connect(FIXTURES / "mbtiles" / "one_tile.mbtiles")
    try:
        data = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    path = tmp_path / "tile.png"
    path.write_bytes(data)
    return path


def test_wrong_kinds_of_file_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    undecodable = tmp_path / "undecodable.csv"  # 0x81 is a byte Windows-1252 leaves undefined
    undecodable.write_bytes(csv_bytes([GOOD_ROW]).replace(b"High Street", b"High \x81Street"))
    cases = {
        png_tile(tmp_path): "binary file",
        FIXTURES / "mbtiles" / "one_tile.mbtiles": "binary file",
        FIXTURES / "mbtiles" / "README.md": "not a data.police.uk street-level crime CSV",
        empty: "empty",
        undecodable: "neither UTF-8 nor Windows-1252 text (bad byte at offset",
        tmp_path / "absent.csv": "cannot be read",
    }
    for path, expected in cases.items():
        with pytest.raises(PoliceUkFormatError) as raised:
            parse_file(path)
        assert str(raised.value).startswith(f"{path}: "), raised.value
        assert expected in str(raised.value)
        assert "\n" not in str(raised.value)


def test_a_file_saved_again_by_excel_in_windows_1252_reads_as_the_utf8_original(tmp_path: Path) -> None:
    row = [*GOOD_ROW[:6], "On or near Caf\u00e9 Lane \u2013 Saffron Walden", *GOOD_ROW[7:]]
    original = tmp_path / "original.csv"
    original.write_bytes(csv_bytes([GOOD_ROW, row]))
    resaved = tmp_path / "resaved.csv"  # Excel on Windows saves "CSV (Comma delimited)" as Windows-1252
    resaved.write_bytes(original.read_bytes().decode("utf-8").encode("cp1252"))
    assert resaved.read_bytes() != original.read_bytes()
    assert parse_file(resaved).records == parse_file(original).records
    assert "Caf\u00e9 Lane \u2013" in parse_file(resaved).records[1][COL["location"]]


def test_a_file_cut_mid_row_is_refused() -> None:
    data = MARCH_STANDARD.read_bytes()
    assert data.endswith(b"\r\n")
    cut = data[: data.rstrip(b"\r\n").rindex(b",")]  # the last row loses its last field and line end
    with pytest.raises(PoliceUkFormatError, match=r"ends mid-row: truncated\? \(line 151 has 11 of 12 fields"):
        parse_bytes(cut, "cut.csv")


def test_a_file_cut_inside_a_quoted_field_is_refused() -> None:
    row = [*GOOD_ROW[:6], 'On or near "The Street", Witham', *GOOD_ROW[7:]]
    data = csv_bytes([GOOD_ROW, row])
    cut = data[: data.index(b"The Street")]  # inside the quoted location; the rest of the row is lost
    with pytest.raises(PoliceUkFormatError, match=r"ends mid-row: truncated\? \(line 3 has 7 of 12 fields"):
        parse_bytes(cut, "cut.csv")
    # Cut inside a quoted last field: all 12 fields are there, only the unclosed quote shows the loss.
    row = [*GOOD_ROW[:11], 'Linked to "Operation Galaxy", see notes']
    data = csv_bytes([GOOD_ROW, row])
    assert len(next(csv.reader([data.decode().splitlines()[2][: -len("see notes")]]))) == 12
    cut = data[: data.index(b"see notes")]
    with pytest.raises(PoliceUkFormatError, match=r"ends mid-row: truncated\? \(line 3 opens a quote that never"):
        parse_bytes(cut, "cut.csv")
    assert len(parse_bytes(data, "whole.csv").records) == 2


def test_a_complete_last_row_without_a_line_end_is_fine() -> None:
    data = MARCH_STANDARD.read_bytes().rstrip(b"\r\n")
    parsed = parse_bytes(data, "no-final-newline.csv")
    assert len(parsed.records) == 150 and parsed.rejected_count == 0
    assert parsed.records == parse_file(MARCH_STANDARD).records


def test_byte_order_mark_and_blank_lines_are_ignored() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([GOOD_ROW], terminator="\n") + b"\n\n"
    parsed = parse_bytes(data, "bom.csv")
    assert parsed.header == "standard" and parsed.rows_read == 1 and len(parsed.records) == 1


# --- row checks --------------------------------------------------------------------------------------------


def with_fields(**changes: str) -> list[str]:
    row = list(GOOD_ROW)
    for name, text in changes.items():
        row[SNAKE_CASE_HEADER.index(name)] = text
    return row


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (GOOD_ROW[:-1], "wrong_field_count"),
        ([*GOOD_ROW, ""], "wrong_field_count"),
        (with_fields(month="2018-13"), "bad_month"),
        (with_fields(month="2018/05"), "bad_month"),
        (with_fields(month="May 2018"), "bad_month"),
        (with_fields(month=""), "bad_month"),
        (with_fields(longitude="2.3522", latitude="48.8566"), "bad_coordinates"),  # Paris
        (with_fields(longitude="51.8", latitude="0.5"), "bad_coordinates"),  # swapped
        (with_fields(longitude="-74.006", latitude="40.7128"), "bad_coordinates"),  # New York
        (with_fields(longitude="0.5", latitude="0"), "bad_coordinates"),  # Null Island's latitude
        (with_fields(longitude="east", latitude="51.8"), "bad_coordinates"),
        (with_fields(longitude="nan", latitude="nan"), "bad_coordinates"),
        (with_fields(longitude="inf", latitude="51.8"), "bad_coordinates"),
        (with_fields(longitude="0.5", latitude=""), "bad_coordinates"),  # half a location
        (with_fields(longitude="", latitude="51.8"), "bad_coordinates"),
        (with_fields(crime_type=""), "no_crime_type"),
        (with_fields(crime_type="   "), "no_crime_type"),
        # A 64-digit Crime ID with one 'e' saved again by a spreadsheet: rounded, no longer this crime's.
        (with_fields(crime_id="1.23457E+63"), "mangled_crime_id"),
        (with_fields(crime_id="9E+63"), "mangled_crime_id"),
        (with_fields(crime_id="1,23457E+63"), "mangled_crime_id"),  # where the decimal mark is a comma
    ],
)
def test_bad_rows_are_rejected_with_a_reason(row: list[str], reason: str) -> None:
    parsed = parse_bytes(csv_bytes([GOOD_ROW, row, GOOD_ROW]), "rows.csv")
    assert parsed.rows_read == 3
    assert parsed.rejected == {reason: 1}
    assert parsed.rejected_lines == {reason: [3]}
    assert len(parsed.records) == 2


def test_an_id_of_digits_and_one_e_as_downloaded_is_kept() -> None:
    """Only the spreadsheet's rounded form is refused: the same ID written out in full is a real Crime ID."""
    whole = "1" * 30 + "e" + "2" * 33
    parsed = parse_bytes(csv_bytes([with_fields(crime_id=whole), with_fields(crime_id="1.23457E+63")]), "ids.csv")
    assert [r[0] for r in parsed.records] == [whole] and parsed.rejected == {"mangled_crime_id": 1}


def test_a_file_whose_crime_ids_are_mostly_numbers_is_refused() -> None:
    rows = [with_fields(crime_id=f"{n}.23457E+63") for n in range(1, 4)] + [GOOD_ROW]
    with pytest.raises(PoliceUkFormatError, match=r"3 of its 4 rows have a Crime ID a spreadsheet turned into a "
                                                  r"number \(line 2: '1.23457E\+63'\): import the file as downloaded"):
        parse_bytes(csv_bytes(rows), "resaved.csv")


def test_great_britain_check_uses_the_core_ranges() -> None:
    (lat_min, lat_max), (lon_min, lon_max) = geo.GB_LAT_RANGE, geo.GB_LON_RANGE
    inside = [with_fields(longitude=repr(lon), latitude=repr(lat)) for lon in (lon_min, lon_max)
              for lat in (lat_min, lat_max)]
    outside = [
        with_fields(longitude=repr(lon_min - 0.01), latitude="51.8"),
        with_fields(longitude=repr(lon_max + 0.01), latitude="51.8"),
        with_fields(longitude="0.5", latitude=repr(lat_min - 0.01)),
        with_fields(longitude="0.5", latitude=repr(lat_max + 0.01)),
    ]
    parsed = parse_bytes(csv_bytes(inside + outside), "edges.csv")
    assert len(parsed.records) == 4
    assert parsed.rejected == {"bad_coordinates": 4}


def test_coordinates_are_projected_to_the_national_grid() -> None:
    big_ben = with_fields(longitude="-0.1246", latitude="51.5007")
    parsed = parse_bytes(csv_bytes([big_ben, with_fields(longitude="", latitude="")]), "points.csv")
    easting, northing = value(parsed, 0, "easting"), value(parsed, 0, "northing")
    assert isinstance(easting, float) and isinstance(northing, float)
    # TQ 30269 79640 (see test_geo): within a few metres, as PROJ's Helmert fallback promises.
    assert abs(easting - 530_269) < 10 and abs(northing - 179_640) < 10
    assert (value(parsed, 1, "easting"), value(parsed, 1, "northing")) == (None, None)
    # The bulk projection matches the one-point conversion the rest of the app uses.
    real = parse_file(JAN_SNAKE)
    for record in real.records[:20]:
        expected = geo.to_bng().transform(record[COL["lon"]], record[COL["lat"]])  # bulk: the Helmert step
        assert (record[COL["easting"]], record[COL["northing"]]) == pytest.approx(expected, abs=0.001)


def test_blank_coordinates_and_spaces_mean_no_location() -> None:
    rows = [with_fields(longitude="", latitude=""), with_fields(longitude=" ", latitude="  ")]
    parsed = parse_bytes(csv_bytes(rows), "blank.csv")
    assert parsed.no_location == 2 and parsed.rejected_count == 0
    assert [value(parsed, i, "lon") for i in (0, 1)] == [None, None]


def test_dedupe_keys_count_identical_rows_without_a_crime_id() -> None:
    asb = with_fields(crime_id="", crime_type="Anti-social behaviour")
    other = with_fields(crime_id="", crime_type="Anti-social behaviour", location="On or near Mill Lane")
    parsed = parse_bytes(csv_bytes([asb, other, asb, asb, GOOD_ROW, GOOD_ROW]), "asb.csv")
    dedupe = keys(parsed)
    assert dedupe[4] == dedupe[5]  # one crime listed twice (same ID, place and type): the store keeps one
    assert dedupe[4].startswith("crime:abc123|")
    digest = dedupe[0].split(":")[1]
    assert len(digest) == 64
    assert [dedupe[0], dedupe[2], dedupe[3]] == [f"hash:{digest}:{n}" for n in range(3)]
    assert dedupe[1].startswith("hash:") and dedupe[1].split(":")[1] != digest
    # Coordinates count as numbers: 0.50 is the same place as 0.5.
    padded = with_fields(crime_id="", crime_type="Anti-social behaviour", longitude="0.50", latitude="51.80")
    assert keys(parse_bytes(csv_bytes([padded]), "padded.csv"))[0] == dedupe[0]


# --- property: dedupe keys are stable and unique per distinct row ------------------------------------------

# Any text but NUL (never in a text file) and a lone CR, which csv.writer leaves unquoted when its line end is
# "\n" (so no reader could get it back); newlines, quotes and commas inside fields are all in play.
field_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12)
months = st.builds("{:04d}-{:02d}".format, st.integers(2010, 2030), st.integers(1, 12))
coordinates = st.one_of(
    st.just(("", "")),
    st.tuples(
        st.floats(*geo.GB_LON_RANGE).map(repr),
        st.floats(*geo.GB_LAT_RANGE).map(repr),
    ),
)
rows = st.builds(
    lambda crime_id, month, texts, coords, crime_type: [
        crime_id, month, texts[0], texts[1], coords[0], coords[1], texts[2], texts[3], texts[4], crime_type,
        texts[5], texts[6],
    ],
    st.sampled_from(["", "", "c1", "c2", "9f8e7d"]),
    months,
    st.lists(field_text, min_size=7, max_size=7),
    coordinates,
    field_text.filter(lambda t: t.strip() != ""),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(rows, min_size=1, max_size=25),  # a file without rows is refused (test_broken_inputs)
    st.sampled_from(["\r\n", "\n"]),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    st.booleans(),
)
def test_dedupe_keys_are_stable_and_unique_per_distinct_row(
    data_rows: list[list[str]], terminator: str, quoting: int, snake: bool
) -> None:
    data_rows = data_rows + data_rows[: len(data_rows) // 2]  # make sure some rows repeat exactly
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=terminator, quoting=quoting)
    writer.writerow(SNAKE_CASE_HEADER if snake else STANDARD_HEADER)
    writer.writerows(data_rows)
    written = out.getvalue().encode("utf-8")

    parsed = parse_bytes(written, "random.csv")
    assert parsed.rejected_count == 0 and len(parsed.records) == len(data_rows)
    dedupe = keys(parsed)
    # Stable: the same rows give the same keys however the file was written.
    plain = io.StringIO()
    csv.writer(plain, lineterminator="\n").writerows([STANDARD_HEADER, *data_rows])
    assert keys(parse_bytes(plain.getvalue().encode("utf-8-sig"), "again.csv")) == dedupe
    # Unique: rows share a key only when they carry the same Crime ID at the same place with the same type;
    # repeats of a row without one are numbered in order.
    expected: list[str] = []
    seen: dict[tuple[str, ...], int] = {}
    by_row: dict[tuple[str, ...], str] = {}
    for row, key in zip(data_rows, dedupe, strict=True):
        if row[0]:
            place = f"{float(row[4]):.6f}|{float(row[5]):.6f}" if row[4] else "|"
            expected.append(f"crime:{row[0]}|{place}|{row[9]}")
            continue
        identity = (*row[:4], str(float(row[4])) if row[4] else "", str(float(row[5])) if row[5] else "", *row[6:])
        n = seen.get(identity, 0)
        seen[identity] = n + 1
        prefix = by_row.setdefault(identity, key.rsplit(":", 1)[0])
        expected.append(f"{prefix}:{n}")
    assert dedupe == expected
    # The place as the key holds it: to 6 decimals (0.0 and 1e-240 are the same place, as `expected` above has it).
    distinct_ids = {(row[0], row[4] and f"{float(row[4]):.6f}", row[5] and f"{float(row[5]):.6f}", row[9])
                    for row in data_rows if row[0]}
    assert len(set(dedupe)) == len(distinct_ids) + sum(1 for row in data_rows if not row[0])
    assert len({key.rsplit(":", 1)[0] for key in dedupe if key.startswith("hash:")}) == len(seen)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_reads_as_the_utf8_original(tmp_path: Path, encoding: str) -> None:
    # Some exporters write UTF-16 with no BOM: NUL in every other byte, which was refused as "a binary file".
    text = MARCH_STANDARD.read_bytes().decode("utf-8-sig")
    saved = tmp_path / "2018-03-essex-street.csv"
    saved.write_bytes(text.encode(encoding))
    assert not saved.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
    parsed = parse_file(saved)
    assert parsed.records == parse_file(MARCH_STANDARD).records and len(parsed.records) == 150


def test_a_binary_file_with_scattered_nul_bytes_is_still_refused(tmp_path: Path) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    with pytest.raises(PoliceUkFormatError, match="a binary file, not a CSV text file"):
        parse_file(binary)
