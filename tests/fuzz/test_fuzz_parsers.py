"""Fuzz the text parsers and validators: bad input gives one RuralWatchError (or the documented error), never a crash.

Every property has the same shape: feed arbitrary text (unicode, control characters, lone surrogates) or a
valid value with one mutation, then assert the outcome is either the documented error or a result that satisfies
an invariant (a parsed VRM is already normalised, a 10-digit grid reference converts back to itself, a stored
time reads back as the same instant...). Any other exception fails the test.

Budgets: the `ci` profile (default) keeps this module to a few seconds. `RURALWATCH_FUZZ_PROFILE=long` multiplies
every budget by LONG_FACTOR; see docs/FUZZING.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import string
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ruralwatch.cli.commands import incident_options as cli
from ruralwatch.cli.commands import roster as cli_roster
from ruralwatch.cli.commands import sync as cli_sync
from ruralwatch.core import geo, times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput, validate_incident
from ruralwatch.core.kinds import ALL_DETAIL_FIELDS, EQUIPMENT_CATEGORIES, KINDS, PROPERTY_MARKINGS, FieldType
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput, patrol_window, validate_event, validate_patrol
from ruralwatch.core.people import (
    DutyInput,
    PersonInput,
    WeeklySlotInput,
    parse_time_of_day,
    validate_duty,
    validate_exception,
    validate_person,
    validate_weekly,
)
from ruralwatch.core.vocab import (
    AVAILABILITY_EXCEPTION_KINDS,
    DUTY_KINDS,
    DUTY_STATUSES,
    PATROL_EVENT_KINDS,
    PATROL_PURPOSES,
    PERSON_ROLES,
    SKILLS,
    SPECIAL_RANKS,
    STATUSES,
    VEHICLE_ROLES,
)
from ruralwatch.core.vrm import display_vrm, normalise_vrm, parse_vrm, vrm_format

# --- budgets --------------------------------------------------------------------------------------------------

PROFILE = os.environ.get("RURALWATCH_FUZZ_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    raise RuntimeError(f"RURALWATCH_FUZZ_PROFILE must be 'ci' or 'long', not {PROFILE!r}")
LONG_FACTOR = 100
# Registered, never loaded globally: loading would change the settings of every other Hypothesis test in the run.
settings.register_profile("ruralwatch-fuzz-ci", deadline=None, print_blob=True)
settings.register_profile("ruralwatch-fuzz-long", deadline=None, print_blob=True)


def fuzz(examples: int, **extra: object) -> settings:
    """Settings for one fuzz test: `examples` in CI, LONG_FACTOR times as many in the long profile.

    deadline=None throughout: the first call of a parser pays for lazy set-up (pyproj's transformer, sqlite's
    first open), which would otherwise trip Hypothesis's per-example deadline on a slow CI machine.
    """
    parent = settings.get_profile(f"ruralwatch-fuzz-{PROFILE}")
    scale = LONG_FACTOR if PROFILE == "long" else 1
    return settings(parent, max_examples=examples * scale, **extra)  # type: ignore[arg-type]


# --- shared strategies ----------------------------------------------------------------------------------------

# Every code point, including controls, private use, unassigned and lone surrogates.
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
# Characters that matter to the parsers, so mutations hit separators, digits and look-alikes often.
INTERESTING = st.sampled_from(
    list(" \t\n\r\x00\x0b\x0c\x1c\x85\xa0\u2003\u3000-.,:=+Z")
    + ["ſ", "ı", "ß", "ﬀ", "Ⅻ", "٣", "０", "¹", "\ufeff", "\ud800", "\U0001f69c", "I", "i", "O", "0"]
)
MUT_CHAR = st.one_of(ANY_CHAR, INTERESTING)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with one edit: a character deleted, inserted, replaced or doubled, or two swapped."""
    op = draw(st.sampled_from(["delete", "insert", "replace", "double", "swap", "none"]))
    if not text or op == "none":
        return text + draw(st.text(MUT_CHAR, max_size=2))
    i = draw(st.integers(0, len(text) - 1))
    if op == "delete":
        return text[:i] + text[i + 1:]
    if op == "insert":
        return text[:i] + draw(MUT_CHAR) + text[i:]
    if op == "replace":
        return text[:i] + draw(MUT_CHAR) + text[i + 1:]
    if op == "double":
        return text[:i] + text[i] + text[i:]
    j = draw(st.integers(0, len(text) - 1))
    chars = list(text)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def near(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid text, the same with one mutation, or anything at all."""
    return st.one_of(valid, valid.flatmap(mutated), ANY_TEXT)


def _digits(low: int, high: int | None = None) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(string.digits), min_size=low, max_size=low if high is None else high)


def _letters(low: int, high: int | None = None) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(string.ascii_uppercase), min_size=low, max_size=low if high is None else high)


def _join(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def expect_error(exc: BaseException, *allowed: type[BaseException]) -> None:
    """Fail unless `exc` is one of the documented errors with a one-line message."""
    assert isinstance(exc, allowed), f"{type(exc).__name__} escaped: {exc!r}"
    assert str(exc).strip(), "an error with no message"


# --- VRMs -----------------------------------------------------------------------------------------------------

_NI_CODES = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase if ("I" in a + b or "Z" in a + b)]
VALID_VRM = st.one_of(
    _join(_letters(2), _digits(2), _letters(3)),  # current
    _join(_letters(1), _digits(1, 3), _letters(3)),  # prefix
    _join(_letters(3), _digits(1, 3), _letters(1)),  # suffix
    _join(_letters(0, 1), st.sampled_from(_NI_CODES), _digits(1, 4)),  # Northern Ireland
    _join(_letters(1, 3), _digits(1, 4)),  # dateless
    _join(_digits(1, 4), _letters(1, 3)),
)
_VRM_SEPARATORS = st.sampled_from([" ", "  ", "-", ".", "\t", "\xa0", "\u2003", " - "])


@st.composite
def dressed_vrm(draw: st.DrawFn) -> tuple[str, str]:
    """(canonical VRM, the same as a person might type it: any case, separators anywhere)."""
    vrm = draw(VALID_VRM)
    out = []
    for ch in vrm:
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(_VRM_SEPARATORS))
        out.append(ch.lower() if draw(st.booleans()) else ch)
    return vrm, draw(st.sampled_from(["", " ", "\n"])) + "".join(out) + draw(st.sampled_from(["", " ", "\t"]))


def check_vrm(vrm: str) -> None:
    assert re.fullmatch(r"[A-Z0-9]{2,8}", vrm), vrm
    assert normalise_vrm(vrm) == vrm
    assert vrm_format(vrm) is not None
    assert parse_vrm(vrm) == vrm
    shown = display_vrm(vrm)
    assert normalise_vrm(shown) == vrm and parse_vrm(shown) == vrm


@fuzz(200)
@given(near(VALID_VRM))
def test_parse_vrm_any_text(text: str) -> None:
    try:
        vrm = parse_vrm(text, "vrm")
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        assert exc.errors[0].field == "vrm"
        return
    assert vrm == normalise_vrm(text)
    check_vrm(vrm)


@fuzz(100)
@given(dressed_vrm())
def test_parse_vrm_accepts_any_spacing_and_case(pair: tuple[str, str]) -> None:
    vrm, typed = pair
    assert parse_vrm(typed) == vrm
    check_vrm(vrm)


@fuzz(150)
@given(ANY_TEXT)
def test_vrm_helpers_never_raise(text: str) -> None:
    assert isinstance(normalise_vrm(text), str)
    fmt = vrm_format(text)
    assert fmt in (None, "current", "prefix", "suffix", "northern_ireland", "dateless")
    shown = display_vrm(text)
    if fmt is not None:
        assert normalise_vrm(shown) == normalise_vrm(text)


# --- OS grid references and coordinates -----------------------------------------------------------------------

_GRID_SEPARATORS = st.sampled_from(["", " ", "  ", "\t", "\xa0"])


@st.composite
def grid_ref_text(draw: st.DrawFn) -> str:
    """Two letters (any, so some are off the grid or the letter I) and 0-12 digits, spaced in any way."""
    letters = draw(st.sampled_from([
        "TL", "NN", "SV", "HP", "TQ", "SU", "NT", "SH", "OV", "HW", "NA", "JM", "TV", "ZZ", "AA", "IA", "SI",
    ]) | _letters(2))
    letters = "".join(c.lower() if draw(st.booleans()) else c for c in letters)
    half = draw(st.integers(0, 6))
    east, north = draw(_digits(half)), draw(_digits(half))
    if draw(st.integers(0, 5)) == 0:  # uneven halves
        north += draw(_digits(1, 2))
    split = draw(st.booleans())
    return (draw(_GRID_SEPARATORS) + letters + draw(_GRID_SEPARATORS) + east
            + (draw(_GRID_SEPARATORS.filter(bool)) if split else "") + north + draw(_GRID_SEPARATORS))


def canonical_grid_ref(text: str) -> tuple[str, str]:
    letters, *numbers = re.fullmatch(r"\s*([A-Za-z]{2})\s*([0-9]*)\s*([0-9]*)\s*", text).groups()
    return letters.upper(), "".join(numbers)


@fuzz(250)
@given(near(grid_ref_text()))
def test_grid_ref_to_easting_northing(text: str) -> None:
    try:
        easting, northing = geo.grid_ref_to_easting_northing(text, "grid_ref")
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        assert exc.errors[0].field == "grid_ref"
        return
    assert 0 <= easting < geo.GRID_MAX_EASTING and 0 <= northing < geo.GRID_MAX_NORTHING
    letters, digits = canonical_grid_ref(text)
    # Formatting the square's centre at the same precision gives back what was typed (the two directions are
    # separate code, so this checks one against the other).
    again = geo.easting_northing_to_grid_ref(easting, northing, len(digits))
    assert again.replace(" ", "") == letters + digits


@fuzz(150)
@given(near(grid_ref_text()))
def test_grid_ref_to_lat_lon_round_trip(text: str) -> None:
    try:
        point = geo.grid_ref_to_lat_lon(text)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert geo.check_lat_lon(point.lat, point.lon) == point
    easting, northing = geo.grid_ref_to_easting_northing(text)
    back_e, back_n = geo.lat_lon_to_easting_northing(point.lat, point.lon)
    assert abs(back_e - easting) < 1 and abs(back_n - northing) < 1
    letters, digits = canonical_grid_ref(text)
    if len(digits) == 10:
        # A 1 m reference names a square; its centre comes back to the millimetre inside OSTN15's coverage, so the
        # reference written again is the same square. Outside it (the grid's far corners, out at sea, e.g. NA 00000
        # 00000) osgb gives whole metres, so the centre may round into the square beside it: never further.
        again = geo.lat_lon_to_grid_ref(point.lat, point.lon, 10)
        east, north = geo.grid_ref_to_easting_northing(again)
        assert abs(east - easting) <= 1 and abs(north - northing) <= 1, (text, again)


FLOATS = st.floats(allow_nan=True, allow_infinity=True)
GB_LAT = st.floats(geo.GB_LAT_RANGE[0] - 1, geo.GB_LAT_RANGE[1] + 1)
GB_LON = st.floats(geo.GB_LON_RANGE[0] - 1, geo.GB_LON_RANGE[1] + 1)


@fuzz(200)
@given(GB_LAT | FLOATS, GB_LON | FLOATS)
def test_check_lat_lon(lat: float, lon: float) -> None:
    try:
        point = geo.check_lat_lon(lat, lon, "location")
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        assert "\n" not in str(exc)
        return
    assert (point.lat, point.lon) == (lat, lon)
    assert geo.GB_LAT_RANGE[0] <= lat <= geo.GB_LAT_RANGE[1] and geo.GB_LON_RANGE[0] <= lon <= geo.GB_LON_RANGE[1]


GRID_DIGITS = st.sampled_from([2, 4, 6, 8, 10])


@fuzz(200)
@given(st.floats(-1000, 701_000) | FLOATS, st.floats(-1000, 1_301_000) | FLOATS, GRID_DIGITS)
def test_easting_northing_to_grid_ref(easting: float, northing: float, digits: int) -> None:
    try:
        text = geo.easting_northing_to_grid_ref(easting, northing, digits)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert re.fullmatch(rf"[A-HJ-Z]{{2}} [0-9]{{{digits // 2}}} [0-9]{{{digits // 2}}}", text), text
    centre_e, centre_n = geo.grid_ref_to_easting_northing(text)
    half = 10 ** (5 - digits // 2) / 2
    assert abs(centre_e - easting) <= half + 0.1 and abs(centre_n - northing) <= half + 0.1


@fuzz(150)
@given(GB_LAT | FLOATS, GB_LON | FLOATS, GRID_DIGITS)
def test_lat_lon_to_grid_ref(lat: float, lon: float, digits: int) -> None:
    try:
        text = geo.lat_lon_to_grid_ref(lat, lon, digits)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    geo.grid_ref_to_easting_northing(text)  # whatever it writes, it reads


@fuzz(30)
@given(st.integers(-20, 20).filter(lambda n: n % 2 or not 2 <= n <= 10))
def test_bad_digit_count_is_a_programming_error(digits: int) -> None:
    with pytest.raises(ValueError, match="digits must be even"):  # documented: a caller's bug, not user input
        geo.easting_northing_to_grid_ref(500_000, 200_000, digits)


# --- times and dates ------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
_OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
ANY_DATETIME = st.datetimes(timezones=st.none() | _OFFSETS | st.just(UTC) | st.just(times.LOCAL_ZONE))
NEAR_NOW = st.datetimes(datetime(2020, 1, 1), datetime(2027, 1, 1), timezones=st.none() | st.just(UTC))


@st.composite
def moment_text(draw: st.DrawFn, moments: st.SearchStrategy[datetime] = ANY_DATETIME) -> str:
    moment = draw(moments)
    text = moment.isoformat(sep=draw(st.sampled_from(["T", " "])),
                            timespec=draw(st.sampled_from(["auto", "minutes", "seconds", "milliseconds"])))
    if text.endswith("+00:00") and draw(st.booleans()):
        text = text[:-6] + "Z"
    return text


def check_stored(moment: datetime) -> None:
    """A parsed moment is aware UTC and survives storage: the text is ISO 8601 and reads back as the instant."""
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    stored = times.to_storage(moment)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", stored), stored
    assert times.from_storage(stored) == moment.replace(microsecond=0)
    times.format_local(stored)


@fuzz(250)
@given(near(moment_text()))
def test_parse_moment_text(text: str) -> None:
    try:
        moment = times.parse_moment(text, "when")
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        assert exc.errors[0].field == "when"
        return
    check_stored(moment)


@fuzz(150)
@given(ANY_DATETIME)
def test_parse_moment_keeps_the_instant(value: datetime) -> None:
    for given_as in (value, value.isoformat()):
        try:
            moment = times.parse_moment(given_as, "when")
        except RuralWatchError as exc:
            expect_error(exc, ValidationError)
            continue
        check_stored(moment)
        if value.tzinfo is not None:  # timestamps, as == never matches a repeated (fold) hour across zones
            assert moment.timestamp() == value.timestamp()


VALID_DATE_TEXT = st.dates().map(date.isoformat)


@fuzz(200)
@given(near(VALID_DATE_TEXT))
def test_parse_date(text: str) -> None:
    try:
        day = times.parse_date(text, "date")
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert isinstance(day, date) and day == date.fromisoformat(day.isoformat())


TIME_TEXT = st.builds("{}{}:{:02d}{}".format, _GRID_SEPARATORS, st.integers(0, 99), st.integers(0, 99),
                      _GRID_SEPARATORS)


@fuzz(200)
@given(near(TIME_TEXT))
def test_parse_time_of_day(text: str) -> None:
    try:
        moment = parse_time_of_day(text, "start")
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert isinstance(moment, time) and moment.second == 0
    hours, minutes = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text).groups()
    expected = (0, 0) if (int(hours), int(minutes)) == (24, 0) else (int(hours), int(minutes))
    assert (moment.hour, moment.minute) == expected


# --- people, duties, availability -----------------------------------------------------------------------------


def keys_or_text(vocabulary: tuple[tuple[str, str], ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([k for k, _ in vocabulary]) | ANY_TEXT


NUMBER_TEXT = st.one_of(
    st.integers(-10, 300).map(str), st.floats().map(str), st.sampled_from(["", " ", "nan", "inf", "1e999", "½", "٣"]),
    ANY_TEXT,
)


@fuzz(150)
@given(st.builds(
    PersonInput,
    name=ANY_TEXT, role=keys_or_text(PERSON_ROLES), collar_number=ANY_TEXT,
    rank=keys_or_text(SPECIAL_RANKS) | st.just(""),
    independent_patrol=st.booleans(), driving_authorised=st.booleans(),
    skills=st.lists(keys_or_text(SKILLS), max_size=4), station=ANY_TEXT, area=ANY_TEXT,
    monthly_commitment_hours=st.none() | st.floats() | NUMBER_TEXT,
    phone=near(st.just("+44 1245 491491")), email=near(st.just("pc.smith@essex.police.uk")),
    active=st.booleans(), left_on=st.just("") | near(VALID_DATE_TEXT), notes=ANY_TEXT,
))
def test_validate_person(inp: PersonInput) -> None:
    try:
        values = validate_person(inp)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        assert exc.errors
        return
    assert values["name"] and values["role"] in dict(PERSON_ROLES)
    assert 0 <= values["monthly_commitment_hours"] <= 200
    assert set(values["skills"]) <= set(dict(SKILLS))
    assert values["active"] in (0, 1)


DUTY_TIME = st.one_of(ANY_DATETIME, near(moment_text(NEAR_NOW)))


@fuzz(150)
@given(st.builds(
    DutyInput,
    title=ANY_TEXT, kind=keys_or_text(DUTY_KINDS), start=DUTY_TIME, end=DUTY_TIME,
    required_skills=st.dictionaries(keys_or_text(SKILLS), st.integers(-3, 60), max_size=3),
    allowed_roles=st.lists(keys_or_text(PERSON_ROLES), max_size=3),
    min_crew=st.integers(-5, 60) | NUMBER_TEXT, max_crew=st.integers(-5, 60) | NUMBER_TEXT,
    status=keys_or_text(DUTY_STATUSES), notes=ANY_TEXT,
))
def test_validate_duty(inp: DutyInput) -> None:
    try:
        values = validate_duty(inp)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    start, end = times.from_storage(values["starts_at"]), times.from_storage(values["ends_at"])
    assert timedelta(0) < end - start <= timedelta(hours=24, seconds=1)
    assert 1 <= values["min_crew"] <= values["max_crew"] <= 50


@fuzz(150)
@given(st.lists(st.builds(WeeklySlotInput, weekday=st.integers(-2, 9) | st.integers(), start=near(TIME_TEXT),
                          end=near(TIME_TEXT)), max_size=4))
def test_validate_weekly(slots: list[WeeklySlotInput]) -> None:
    try:
        checked = validate_weekly(slots)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert len(checked) == len(slots)
    assert all(0 <= day <= 6 and isinstance(a, time) and isinstance(b, time) for day, a, b in checked)


@fuzz(150)
@given(near(VALID_DATE_TEXT), keys_or_text(AVAILABILITY_EXCEPTION_KINDS), st.just("") | near(TIME_TEXT),
       st.just("") | near(TIME_TEXT))
def test_validate_exception(on: str, kind: str, start: str, end: str) -> None:
    try:
        day, checked_kind, start_t, end_t = validate_exception(on, kind, start, end)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert isinstance(day, date) and checked_kind in dict(AVAILABILITY_EXCEPTION_KINDS)
    assert (start_t is None) == (end_t is None)


# --- patrols --------------------------------------------------------------------------------------------------

PATROL_DAY = st.one_of(st.dates(), near(VALID_DATE_TEXT))


@fuzz(200)
@given(PATROL_DAY, near(TIME_TEXT), near(TIME_TEXT))
def test_patrol_window(day: str | date, start: str, end: str) -> None:
    try:
        begin, finish = patrol_window(day, start, end)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert begin.utcoffset() == finish.utcoffset() == timedelta(0)
    assert timedelta(0) < finish - begin <= timedelta(hours=14)
    check_stored(begin)
    check_stored(finish)


@fuzz(150)
@given(st.builds(
    PatrolInput, day=PATROL_DAY, start=near(TIME_TEXT), end=near(TIME_TEXT), area=ANY_TEXT,
    purpose=keys_or_text(PATROL_PURPOSES), title=ANY_TEXT, vehicle=ANY_TEXT, call_sign=ANY_TEXT,
    crew=st.lists(st.sampled_from(["p1", "p2", "p3"]), max_size=3),
    start_lat=st.none() | GB_LAT | FLOATS, start_lon=st.none() | GB_LON | FLOATS, notes=ANY_TEXT,
))
def test_validate_patrol(inp: PatrolInput) -> None:
    try:
        values = validate_patrol(inp)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    check_stored(times.from_storage(values["starts_at"]))
    assert values["purpose"] in dict(PATROL_PURPOSES) and values["area_name"]


GRID_OR_TEXT = st.just("") | near(grid_ref_text())


@fuzz(150)
@given(st.builds(
    PatrolEventInput, kind=keys_or_text(PATROL_EVENT_KINDS),
    at=st.none() | ANY_DATETIME | near(moment_text(NEAR_NOW)),
    lat=st.none() | GB_LAT | FLOATS, lon=st.none() | GB_LON | FLOATS, grid_ref=GRID_OR_TEXT,
    stop_key=ANY_TEXT, vrm=st.just("") | near(VALID_VRM), detail=ANY_TEXT, incident_id=ANY_TEXT,
))
def test_validate_event(inp: PatrolEventInput) -> None:
    try:
        values = validate_event(inp, NOW)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    at = times.from_storage(values["at"])
    assert at <= NOW + times.FUTURE_TOLERANCE
    if values["lat"] is not None:
        geo.check_lat_lon(values["lat"], values["lon"])
    if values["vrm"]:
        check_vrm(values["vrm"])


# --- incidents ------------------------------------------------------------------------------------------------

_DETAIL_KEYS = [d.key for d in ALL_DETAIL_FIELDS]
_DATE_KEYS = {d.key for d in ALL_DETAIL_FIELDS if d.type is FieldType.DATE}


def _as_given(details: dict[str, object]) -> dict[str, object]:
    """Date details as the form and the store give them: text (or a date), never a number."""
    return {k: str(v) if k in _DATE_KEYS and not isinstance(v, (str, date, type(None))) else v
            for k, v in details.items()}


DETAIL_VALUE = st.one_of(st.none(), st.integers(-10, 6000), st.booleans(), st.dates(), ANY_TEXT, NUMBER_TEXT,
                         near(VALID_DATE_TEXT),
                         st.sampled_from(["yes", "no", "Y", "private", "s61", "council", " true "]))
INCIDENT_TIME = st.one_of(st.none(), ANY_DATETIME, near(moment_text(NEAR_NOW)), near(moment_text()))
MONEY = st.one_of(st.none(), st.decimals(), st.floats(), NUMBER_TEXT,
                  st.sampled_from(["£1,200.50", "£", "-1", "10000000.01", "1e-9999999", "1e999999999", "sNaN"]))


@fuzz(200)
@given(st.builds(
    IncidentInput,
    kind=st.sampled_from([k.key for k in KINDS]) | ANY_TEXT,
    occurred_start=INCIDENT_TIME, occurred_end=INCIDENT_TIME, reported_at=INCIDENT_TIME,
    lat=st.none() | GB_LAT | FLOATS | NUMBER_TEXT, lon=st.none() | GB_LON | FLOATS | NUMBER_TEXT,
    grid_ref=st.none() | GRID_OR_TEXT,
    place=ANY_TEXT, description=ANY_TEXT | st.integers(9_990, 10_010).map("x".__mul__),
    status=keys_or_text(STATUSES), subkind=st.none() | keys_or_text(EQUIPMENT_CATEGORIES),
    crime_reference=ANY_TEXT, reporter_name=ANY_TEXT, reporter_phone=near(st.just("01245 491491")),
    details=st.dictionaries(st.sampled_from(_DETAIL_KEYS) | ANY_TEXT, DETAIL_VALUE, max_size=4).map(_as_given),
    vehicles=st.lists(st.builds(VehicleInput, vrm=near(VALID_VRM), role=keys_or_text(VEHICLE_ROLES),
                                make=ANY_TEXT, model=ANY_TEXT, colour=ANY_TEXT), max_size=3),
    items=st.lists(st.builds(StolenItemInput, category=keys_or_text(EQUIPMENT_CATEGORIES), description=ANY_TEXT,
                             serial_number=ANY_TEXT, marking=keys_or_text(PROPERTY_MARKINGS), value_gbp=MONEY,
                             recovered=st.booleans()), max_size=3),
))
def test_validate_incident(inp: IncidentInput) -> None:
    try:
        valid = validate_incident(inp, NOW)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        assert exc.errors
        return
    values = valid.values
    geo.check_lat_lon(values["lat"], values["lon"])
    for name in ("occurred_start", "occurred_end", "reported_at"):
        if values[name] is not None:
            moment = times.from_storage(values[name])
            check_stored(moment)
            assert moment <= NOW + times.FUTURE_TOLERANCE
    for vehicle in valid.vehicles:
        check_vrm(vehicle["vrm"])
    for item in valid.items:
        assert item["value_pence"] is None or 0 <= item["value_pence"] <= 1_000_000_000


# --- CLI option parsers (pure helpers of ruralwatch/cli/commands) ---------------------------------------------


@st.composite
def key_value_text(draw: st.DrawFn, keys: tuple[str, ...]) -> str:
    pairs = draw(st.lists(st.tuples(st.sampled_from(keys) | st.text(string.ascii_letters + "_-", max_size=6),
                                    st.text(ANY_CHAR, max_size=12)), max_size=5))
    return ",".join(f"{k}={v}" for k, v in pairs)


@fuzz(200)
@given(near(key_value_text(cli.VEHICLE_KEYS)) | near(key_value_text(cli.ITEM_KEYS)))
def test_key_values(text: str) -> None:
    for keys in (cli.VEHICLE_KEYS, cli.ITEM_KEYS):
        try:
            values = cli._key_values(text, "--vehicle", keys)
        except RuralWatchError as exc:
            expect_error(exc, ValidationError)
            assert exc.errors[0].field == "--vehicle"
            continue
        assert set(values) <= set(keys)
        assert all(v == v.strip() for v in values.values())


@fuzz(150)
@given(st.lists(st.tuples(st.sampled_from(cli.ITEM_KEYS),
                          st.text(string.ascii_letters + string.digits + " £.-", max_size=10)),
                max_size=8, unique_by=lambda kv: kv[0]))
def test_key_values_round_trip(pairs: list[tuple[str, str]]) -> None:
    text = ",".join(f"{k}={v}" for k, v in pairs)
    assert cli._key_values(text, "--item", cli.ITEM_KEYS) == {k: v.strip() for k, v in pairs}


@fuzz(200)
@given(near(key_value_text(cli.VEHICLE_KEYS)), near(key_value_text(cli.ITEM_KEYS)),
       near(_join(VALID_VRM, st.sampled_from(["", ":", ":victim", ":Witness", ":x"]))))
def test_vehicle_item_and_vrm_options(vehicle: str, item: str, vrm: str) -> None:
    for parse, text in ((cli._parse_vehicle_option, vehicle), (cli._parse_item_option, item),
                        (cli._parse_vrm_option, vrm)):
        try:
            parsed = parse(text, "--opt")
        except RuralWatchError as exc:
            expect_error(exc, ValidationError)
            continue
        if isinstance(parsed, VehicleInput):
            assert parsed.role in dict(VEHICLE_ROLES)
        else:
            assert parsed.category in dict(EQUIPMENT_CATEGORIES) and parsed.marking in dict(PROPERTY_MARKINGS)
            assert isinstance(parsed.recovered, bool)


@fuzz(150)
@given(near(st.sampled_from(["yes", "no", "1", "0", "true", "n"])), near(st.integers(-5, 99).map(str)),
       near(VALID_DATE_TEXT), near(st.sampled_from(["occurred_start", "vehicles[2].vrm", "items[0].value_gbp",
                                                    "hc_people", "--remove-vrm", "location"])))
def test_small_cli_parsers(answer: str, number: str, day: str, field_name: str) -> None:
    try:
        assert isinstance(cli._yes_no(answer, "--item", "recovered"), bool)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
    try:
        assert cli._positive_int(number) >= 1
    except argparse.ArgumentTypeError as exc:  # documented: argparse turns it into a usage error
        expect_error(exc, argparse.ArgumentTypeError)
    try:
        assert isinstance(cli._date_arg(day), date)
    except argparse.ArgumentTypeError as exc:
        expect_error(exc, argparse.ArgumentTypeError)
    assert isinstance(cli.option_for_field(field_name, cli.Origins(vehicles=["--vrm 1"])), str)


SLOT_TEXT = st.builds("{} {}-{}".format, st.sampled_from(["Mon", "tue", "Wednesday", "Fri", "sun", "Xyz"]),
                      TIME_TEXT, TIME_TEXT)


@fuzz(150)
@given(near(SLOT_TEXT), st.lists(near(st.sampled_from(["drone", "off_road=2", "first_aid=0"])), max_size=3),
       near(st.just("a, b,,c")))
def test_roster_cli_parsers(slot: str, needs: list[str], listed: str) -> None:
    try:
        parsed = cli_roster._slot(slot, 1)
        validate_weekly([parsed])
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
    try:
        assert all(isinstance(n, int) for n in cli_roster._needs(needs).values())
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
    assert all(part and part == part.strip() for part in cli_roster._split(listed))


# `roster ... --from 9999-12-31` without --to overflows: see test_roster_period_at_the_end_of_time.
_PERIOD_DAY = st.none() | near(st.dates(max_value=date(9999, 11, 30)).map(date.isoformat))


@fuzz(150)
@given(_PERIOD_DAY, _PERIOD_DAY)
def test_roster_period(date_from: str | None, date_to: str | None) -> None:
    assume(not (date_from and date_from.strip().startswith("9999-12")))
    try:
        start, end = cli_roster._period(date_from, date_to)
    except RuralWatchError as exc:
        expect_error(exc, ValidationError)
        return
    assert start <= end


def test_roster_period_at_the_end_of_time() -> None:
    with pytest.raises(ValidationError):
        cli_roster._period("9999-12-31", None)


JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(ANY_CHAR))


@fuzz(100)
@given(st.none() | JSON_SCALAR.map(json.dumps) | st.text(ANY_CHAR, max_size=100))
def test_sync_merged_value(text: str | None) -> None:
    # Its input is what SyncService stored: json.dumps of a column value (or, from old rows, plain text).
    value = cli_sync.merged_value(text)
    assert value is None or isinstance(value, (bool, int, float, str, list, dict))


@fuzz(50)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10_000_000))
def test_item_value_in_pounds_round_trips(amount: Decimal) -> None:
    item = cli._parse_item_option(f"category=tools,value=£{amount:,}", "--item")
    valid = validate_incident(IncidentInput(kind="equipment_theft", occurred_start="2026-11-20 09:30", lat=51.9,
                                            lon=0.3, items=[item]), NOW)
    assert valid.items[0]["value_pence"] == int(amount * 100)
