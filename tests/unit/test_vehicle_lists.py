"""Reading lists of vehicles of interest: columns found from their headers, registrations in any format, dates
as UK spreadsheets write them, and every row not taken counted with its reason."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vrm import display_vrm, normalise_vrm
from ruralwatch.io.vehicle_lists import guess_mapping, parse_day, parse_list, read_rows

LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
current_vrm = st.builds(lambda a, b, n, c: f"{a}{b}{n:02d}{c}", st.sampled_from(LETTERS), st.sampled_from(LETTERS),
                        st.integers(2, 79), st.text(alphabet=LETTERS, min_size=3, max_size=3))


@st.composite
def written_as_people_do(draw: st.DrawFn, vrm: str) -> str:
    """The same registration with random case, spaces, hyphens and dots between its characters."""
    out = ""
    for ch in vrm:
        out += draw(st.sampled_from([ch.upper(), ch.lower()])) + draw(st.sampled_from(["", "", " ", "-", "."]))
    return draw(st.sampled_from(["", " "])) + out


@given(data=st.data(), vrm=current_vrm)
def test_a_registration_in_any_spacing_or_case_is_one_entry_and_matches(data: st.DataObject, vrm: str) -> None:
    forms = [data.draw(written_as_people_do(vrm)) for _ in range(3)]
    parsed = parse_list(["VRM"], [[form] for form in forms], {"vrm": "VRM"})
    assert [entry.vrm for entry in parsed.entries] == [normalise_vrm(vrm)]
    assert parsed.repeated == 2 and parsed.rejected == {}
    assert normalise_vrm(display_vrm(forms[0])) == parsed.entries[0].vrm


@pytest.mark.parametrize(("headers", "expected"), [
    (["Reg No", "Marker", "Date Added", "Review Date", "Handling Code"],
     {"vrm": "Reg No", "reason": "Marker", "added_on": "Date Added", "expires_on": "Review Date",
      "handling": "Handling Code"}),
    (["VRM", "Reason", "Expiry"], {"vrm": "VRM", "reason": "Reason", "expires_on": "Expiry"}),
    (["vehicle_registration", "notes"], {"vrm": "vehicle_registration", "handling": "notes"}),
    (["Colour", "Make"], {}),
])
def test_columns_are_found_from_their_headers(headers: list[str], expected: dict[str, str]) -> None:
    assert guess_mapping(headers) == expected


def test_rows_that_cannot_be_taken_are_counted_with_their_reason() -> None:
    rows = [["KX19 ABC", "01/10/2026", ""], ["NOT A REG", "", ""], ["", "", ""], ["AB12CDE", "someday", ""],
            ["LN70XYZ", "01/12/2026", "01/11/2026"]]
    parsed = parse_list(["vrm", "added", "until"], rows, {"vrm": "vrm", "added_on": "added", "expires_on": "until"},
                        default_reason="From the test")
    assert [(e.vrm, e.added_on, e.reason) for e in parsed.entries] == [("KX19ABC", date(2026, 10, 1), "From the test")]
    assert parsed.rejected == {"not a registration": 1, "no registration": 1, "a date that does not read": 1,
                               "expires before it was added": 1}
    assert parsed.rows_read == 5


def test_a_file_without_a_registration_column_is_refused_naming_its_columns() -> None:
    with pytest.raises(ValidationError, match="Colour, Make"):
        parse_list(["Colour", "Make"], [["red", "Ford"]], {})


@pytest.mark.parametrize(("text", "day"), [("2026-11-02", date(2026, 11, 2)), ("02/11/2026", date(2026, 11, 2)),
                                           ("2.11.2026", date(2026, 11, 2)), ("2 Nov 2026", date(2026, 11, 2)),
                                           ("", None)])
def test_dates_read_as_uk_spreadsheets_write_them(text: str, day: date | None) -> None:
    assert parse_day(text) == day


def test_a_workbook_saved_as_csv_is_read_as_the_workbook_and_a_binary_file_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Reg No", "Marker"])
    book.active.append(["KX19 ABC", "Hare coursing"])
    misnamed = tmp_path / "hotlist.csv"  # an .xlsx a mail client or a colleague renamed
    book.save(misnamed)
    assert read_rows(misnamed) == (["Reg No", "Marker"], [["KX19 ABC", "Hare coursing"]])
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    with pytest.raises(ValidationError, match="photo.csv is a binary file, not a CSV text file or an Excel workbook"):
        read_rows(binary)


SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "vehicle-lists" / "anpr-hotlist-sample.csv"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_any_line_ending_and_delimiter_reads_the_same_rows(tmp_path: Path, ending: str, delimiter: str) -> None:
    """Lines ended by a lone \\r (Excel for Mac's "CSV (Macintosh)") read as one line: 'no column holds the
    registrations (columns: Reg No;Marker;Date Added;...)'."""
    headers, rows = read_rows(SAMPLE)
    assert len(headers) == 5 and len(rows) == 8
    path = tmp_path / "hotlist.csv"
    with path.open("w", encoding="cp1252", newline="") as out:
        csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows([headers, *rows])
    assert read_rows(path) == (headers, rows)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_reads_as_the_original(tmp_path: Path, encoding: str) -> None:
    # Called "a binary file" for its NUL bytes before; the real sample list saved as UTF-16 with no BOM.
    saved = tmp_path / "hotlist.csv"
    saved.write_bytes(SAMPLE.read_bytes().decode("utf-8-sig").encode(encoding))
    header, rows = read_rows(saved)
    assert (header, rows) == read_rows(SAMPLE) and len(rows) > 0
