"""UK vehicle registration marks: recognition, normalisation, display."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vrm import display_vrm, normalise_vrm, parse_vrm, vrm_format

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"

VALID = [
    ("AB12CDE", "current"),
    ("AB12 CDE", "current"),
    ("YX69 ZZA", "current"),
    ("A123BCD", "prefix"),
    ("A1 BCD", "prefix"),
    ("P45 XYZ", "prefix"),
    ("ABC123D", "suffix"),
    ("ABC 1D", "suffix"),
    ("KGF 45T", "suffix"),
    ("AIZ1234", "northern_ireland"),
    ("AIZ 1234", "northern_ireland"),
    ("LAZ123", "northern_ireland"),
    ("IA 1", "northern_ireland"),
    ("BFZ 9", "northern_ireland"),
    ("1ABC", "dateless"),
    ("1 ABC", "dateless"),
    ("ABC1", "dateless"),
    ("A 1", "dateless"),
    ("9999 XY", "dateless"),
    ("XY 9999", "dateless"),
]

INVALID = [
    "",
    "   ",
    "A",
    "1",
    "AB12CDEF",  # too many letters after the age identifier
    "AB123CDE",  # 9 characters
    "ABCD1234",  # four letters then digits
    "12345ABC",  # five digits
    "AB12C3E",  # digit among the last letters
    "A1234BCD",  # four digits in a prefix plate
    "ABCDEF",  # no digits
    "123456",  # no letters
    "AB!2CDE",
    "AB12_CDE",
    "ÄB12CDE",
    "AB１２CDE",  # full-width digits are not registration digits
]


@pytest.mark.parametrize(("text", "fmt"), VALID)
def test_known_valid_vrms_are_recognised(text: str, fmt: str) -> None:
    assert vrm_format(text) == fmt
    assert parse_vrm(text) == text.replace(" ", "").upper()


@pytest.mark.parametrize("text", INVALID)
def test_invalid_vrms_are_rejected_with_the_field_name(text: str) -> None:
    assert vrm_format(text) is None
    with pytest.raises(ValidationError) as excinfo:
        parse_vrm(text, field="vehicles[0].vrm")
    assert [e.field for e in excinfo.value.errors] == ["vehicles[0].vrm"]


def test_empty_registration_has_its_own_message() -> None:
    with pytest.raises(ValidationError, match="empty"):
        parse_vrm(" - ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab12cde", "AB12CDE"),
        ("  ab12 cde  ", "AB12CDE"),
        ("AB-12-CDE", "AB12CDE"),
        ("a.123.bcd", "A123BCD"),
        ("abc\t123d", "ABC123D"),
        ("Aiz - 1234", "AIZ1234"),
    ],
)
def test_normalisation_removes_case_spaces_hyphens_and_dots(text: str, expected: str) -> None:
    assert normalise_vrm(text) == expected
    assert parse_vrm(text) == expected


@pytest.mark.parametrize(
    ("vrm", "shown"),
    [
        ("AB12CDE", "AB12 CDE"),
        ("ab12cde", "AB12 CDE"),
        ("A123BCD", "A123 BCD"),
        ("A1BCD", "A1 BCD"),
        ("ABC123D", "ABC 123D"),
        ("ABC1D", "ABC 1D"),
        ("AIZ1234", "AIZ 1234"),
        ("LAZ123", "LAZ 123"),
        ("1ABC", "1 ABC"),
        ("ABC1", "ABC 1"),
        ("NOT A PLATE!", "NOTAPLATE!"),
    ],
)
def test_display_vrm(vrm: str, shown: str) -> None:
    assert display_vrm(vrm) == shown


# --- properties --------------------------------------------------------------------------------------------

letters = st.sampled_from(LETTERS)
digits = st.sampled_from(DIGITS)


def _join(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def _run(alphabet: str, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


current_plates = _join(_run(LETTERS, 2, 2), _run(DIGITS, 2, 2), _run(LETTERS, 3, 3))
prefix_plates = _join(letters, _run(DIGITS, 1, 3), _run(LETTERS, 3, 3))
suffix_plates = _join(_run(LETTERS, 3, 3), _run(DIGITS, 1, 3), letters)

generated = st.one_of(
    current_plates.map(lambda p: (p, "current")),
    prefix_plates.map(lambda p: (p, "prefix")),
    suffix_plates.map(lambda p: (p, "suffix")),
)


def _scramble(plate: str, data: st.DataObject) -> str:
    """The same plate as someone might type it: any case, stray spaces and hyphens."""
    out = []
    for char in plate:
        out.append(char.lower() if data.draw(st.booleans()) else char)
        out.append(data.draw(st.sampled_from(["", "", " ", "-", "  "])))
    return "".join(out)


@settings(max_examples=300, database=None)
@given(generated, st.data())
def test_generated_valid_plates_are_accepted_and_parse_is_idempotent(
    plate_and_format: tuple[str, str], data: st.DataObject
) -> None:
    plate, fmt = plate_and_format
    typed = _scramble(plate, data)
    parsed = parse_vrm(typed)
    assert parsed == plate
    assert vrm_format(typed) == fmt
    assert parse_vrm(parsed) == parsed
    assert parse_vrm(display_vrm(parsed)) == parsed


@settings(max_examples=500, database=None)
@given(st.text(max_size=20))
def test_arbitrary_text_only_ever_raises_validation_error(text: str) -> None:
    try:
        parsed = parse_vrm(text)
    except ValidationError as exc:
        assert exc.errors and exc.errors[0].field == "vrm"
    else:
        assert re.fullmatch(r"[A-Z0-9]{2,8}", parsed)
        assert parse_vrm(parsed) == parsed


@settings(max_examples=300, database=None)
@given(st.text(alphabet=LETTERS + DIGITS + " -", max_size=12))
def test_plate_like_text_is_either_accepted_or_rejected_cleanly(text: str) -> None:
    try:
        parsed = parse_vrm(text)
    except ValidationError:
        assert vrm_format(text) is None
    else:
        assert vrm_format(parsed) is not None
        assert parsed == normalise_vrm(text)
