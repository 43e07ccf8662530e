"""NMEA 0183 logs as tracks (ruralwatch.io.nmea): a real receiver's log, checksums, fixes, dates across midnight,
garbage, and the import through the patrol service (told from GPX by content)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.track_tools import NMEA_LOG, in_progress_patrol, logged_fixes, nmea_sentences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.patrol_track import Fix
from ruralwatch.core.people import PersonInput
from ruralwatch.io import nmea
from ruralwatch.io.gpx import GpxError
from ruralwatch.io.nmea import NmeaError, parse_lines, read_log
from ruralwatch.patrols.track import thin
from ruralwatch.services.container import Services
from ruralwatch.store import Store

REAL_LOG = Path(__file__).resolve().parents[1] / "fixtures" / "nmea" / "bu353-glonass.log"  # gpsd's, see README


def _checksum(body: str) -> str:
    value = 0
    for char in body:
        value ^= ord(char)
    return f"{value:02X}"


def _sentence(body: str) -> str:
    return f"${body}*{_checksum(body)}"


def test_a_real_receivers_log_with_mixed_talkers_gives_its_fixes_and_counts_what_it_skipped() -> None:
    # A GlobalSat BU-353 (SiRF III) recorded by the gpsd project: $GNRMC and $GPGGA, GSA/GSV/ZDA between, a
    # comment header, then the fix lost (GGA quality 0, RMC status V) to the end of the log.
    log = read_log(REAL_LOG)
    assert len(log.segments) == 1
    fixes = log.segments[0]
    assert [f.at for f in fixes] == [datetime(2014, 5, 26, 8, 14, s, tzinfo=UTC) for s in range(11, 20)]
    # $GNRMC,081411.000,A,5541.1955,N,03737.2872,E,... ; $GPGGA,081419.000,5541.1973,N,03737.2934,E,1,...
    assert fixes[0].lat == pytest.approx(55 + 41.1955 / 60) and fixes[0].lon == pytest.approx(37 + 37.2872 / 60)
    assert fixes[-1].lat == pytest.approx(55 + 41.1973 / 60) and fixes[-1].lon == pytest.approx(37 + 37.2934 / 60)
    assert log.skipped == {nmea.BAD_CHECKSUM: 0, nmea.NO_FIX: 20, nmea.UNREADABLE: 9}  # 10 epochs x 2; 9 '#' lines


def test_bad_checksums_missing_checksums_no_fix_and_garbage_are_skipped_and_counted() -> None:
    at = datetime(2026, 11, 20, 6, 5, tzinfo=UTC)
    good = nmea_sentences(Fix(at, 51.88, 0.55))
    broken = good[0][:-2] + ("00" if not good[0].endswith("00") else "01")
    bare = good[1].split("*")[0]
    lines = [*good, broken, bare, "garbage \x00\xff", "$GPGGA,nonsense*00", "",
             _sentence("GPGGA,060502.00,,,,,0,00,,,M,,M,,"), _sentence("GPRMC,060502.00,V,,,,,,,201126,,,N"),
             *nmea_sentences(Fix(at + timedelta(seconds=3), 51.881, 0.551))]
    log = parse_lines(lines, "mixed.nmea")
    assert log.skipped == {nmea.BAD_CHECKSUM: 3, nmea.NO_FIX: 2, nmea.UNREADABLE: 1}
    # the fix lost between the two: a new segment, as a live receiver's drop-out
    assert [[f.at for f in s] for s in log.segments] == [[at], [at + timedelta(seconds=3)]]
    assert nmea.skipped_text(log.skipped) == "3 with a bad or missing checksum, 2 without a fix, 1 unreadable"


def test_gga_times_cross_midnight_utc_onto_the_next_day_and_back_from_the_first_rmc() -> None:
    def gga(hms: str, minutes: str) -> str:
        return _sentence(f"GNGGA,{hms},5152.{minutes},N,00033.0000,E,1,08,0.9,45.0,M,47.0,M,,")

    lines = [
        gga("235958.00", "0000"),  # before any date: placed back from the RMC below, on the 20th
        _sentence("GPRMC,235959.00,A,5152.0010,N,00033.0000,E,0.0,0.0,201126,,,A"),
        gga("000000.00", "0020"),  # past midnight with no RMC yet: the 21st
        gga("000001.00", "0030"),
        _sentence("GLRMC,000002.00,A,5152.0040,N,00033.0000,E,0.0,0.0,211126,,,A"),
        gga("235959.50", "0050"),  # a late sentence of the day before stays on the 20th
    ]
    fixes = parse_lines(lines, "midnight.nmea").segments[0]
    day, next_day = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
    assert [f.at for f in fixes] == [
        day + timedelta(hours=23, minutes=59, seconds=58), day + timedelta(hours=23, minutes=59, seconds=59),
        day + timedelta(hours=23, minutes=59, seconds=59.5),
        next_day, next_day + timedelta(seconds=1), next_day + timedelta(seconds=2)]


def _gga_only(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("$") and line[3:6] == "GGA"]


def test_a_gga_only_log_is_dated_from_the_anchor_and_carried_across_midnight() -> None:
    # The real receiver's log with its RMC (and every other) sentence taken out: GGA 08:14:12 to 08:14:19 UTC.
    lines = _gga_only(REAL_LOG.read_text(encoding="ascii").splitlines())
    with pytest.raises(NmeaError, match="has GGA fixes but no RMC or ZDA sentence"):
        parse_lines(lines, "van.nmea")  # no anchor: a time of day fits any day
    window = (datetime(2014, 5, 26, 7, 0, tzinfo=UTC), datetime(2014, 5, 26, 11, 0, tzinfo=UTC))
    log = parse_lines(lines, "van.nmea", window)
    assert log.dated_by_anchor
    assert [f.at for s in log.segments for f in s] == [datetime(2014, 5, 26, 8, 14, s, tzinfo=UTC)
                                                       for s in range(12, 20)]
    # A night shift, 22:00 to 06:00 UTC: a log from 23:59:58 goes on the first night and carries into the next day.
    night = (datetime(2026, 11, 20, 22, 0, tzinfo=UTC), datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    late = [_sentence(f"GPGGA,{hms},5152.0000,N,00033.0000,E,1,08,0.9,45.0,M,47.0,M,,")
            for hms in ("235958.00", "235959.00", "000000.00", "000001.00")]
    fixes = parse_lines(late, "night.nmea", night).segments[0]
    midnight = datetime(2026, 11, 21, tzinfo=UTC)
    assert [f.at for f in fixes] == [midnight + timedelta(seconds=s) for s in (-2, -1, 0, 1)]
    # The same times with a 03:00-05:00 window: nearest to it is the night before it, carried past midnight too.
    early = (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), datetime(2026, 11, 21, 5, 0, tzinfo=UTC))
    assert [f.at for f in parse_lines(late, "night.nmea", early).segments[0]] == [f.at for f in fixes]
    # A log with RMC sentences keeps their dates whatever the anchor says.
    dated = parse_lines(REAL_LOG.read_text(encoding="ascii").splitlines(), "real.log", night)
    assert not dated.dated_by_anchor and dated.segments[0][0].at == datetime(2014, 5, 26, 8, 14, 11, tzinfo=UTC)


ZDA_LOG = REAL_LOG.parent / "mr-350p.log"  # gpsd's too: GGA and ZDA, no RMC (see README)


def test_a_real_log_of_gga_and_zda_without_rmc_takes_its_dates_from_the_zda() -> None:
    """A GlobalSat MR-350p logs GGA, GSA and ZDA and no RMC: its ZDA sentences give the date (4 July 2012), so it
    is not asked for; the same log without them has times of day only and needs one."""
    lines = ZDA_LOG.read_text(encoding="ascii").splitlines()
    log = parse_lines(lines, "mr-350p.log")
    assert not log.dated_by_anchor and len(log.segments) == 1
    fixes = log.segments[0]
    # The first GGA (05:11:33) comes before the first ZDA (05:11:34): placed back from it, on the same day.
    assert [f.at for f in fixes] == [datetime(2012, 7, 4, 5, 11, s, tzinfo=UTC) for s in range(33, 47)]
    assert (round(fixes[0].lat, 6), round(fixes[0].lon, 6)) == (round(47 + 44.6977 / 60, 6),
                                                                round(-(122 + 6.7277 / 60), 6))
    assert log.skipped[nmea.NO_FIX] == 0 and log.skipped[nmea.BAD_CHECKSUM] == 0
    without_zda = [line for line in lines if "ZDA," not in line]
    with pytest.raises(nmea.NoDateError, match="mr-350p.log has GGA fixes but no RMC or ZDA sentence, so no date"):
        parse_lines(without_zda, "mr-350p.log")
    # A damaged or empty ZDA (a receiver without a fix sends `$GPZDA,,,,,,`) dates nothing and is not counted.
    empty = [_sentence("GPZDA,,,,,,"), *without_zda]
    with pytest.raises(nmea.NoDateError):
        parse_lines(empty, "mr-350p.log")


@given(start=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2068, 12, 31)),
       hours=st.integers(min_value=1, max_value=14), lead=st.integers(min_value=-3600, max_value=3600),
       gaps=st.lists(st.integers(min_value=1, max_value=3 * 3600), min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_gga_only_logs_anchored_at_any_patrol_start_keep_their_order_and_span(
        start: datetime, hours: int, lead: int, gaps: list[int]) -> None:
    # A patrol from `start` for `hours`; its unit logs GGA only, from up to an hour either side of the start, fixes
    # up to 3 hours apart (a unit that sleeps when parked), often across midnight UTC. The times come back exactly:
    # the order, the span and the date of each.
    begin = start.replace(microsecond=0, tzinfo=UTC)
    at = [begin + timedelta(seconds=lead)]
    for gap in gaps:
        at.append(at[-1] + timedelta(seconds=gap))
    lines = [nmea_sentences(Fix(moment, 51.88, 0.55))[0] for moment in at]  # the GGA of each: no RMC
    log = parse_lines(lines, "unit.nmea", (begin, begin + timedelta(hours=hours)))
    back = [f.at for s in log.segments for f in s]
    assert back == at
    assert back[-1] - back[0] == at[-1] - at[0]


@pytest.mark.parametrize(("lines", "expected"), [
    ([], r"empty.nmea holds no usable position fix \(GGA or RMC\); nothing was imported"),
    (["$GPRMC,060500.00,A,5152.8013,N,00033.0023,E,0.0,0.0,201126,,,A*00", "hello"],
     r"empty.nmea holds no usable position fix \(GGA or RMC\): skipped 1 with a bad or missing checksum, "
     r"1 unreadable; nothing was imported"),
    ([_sentence("GPGGA,060500.00,5152.8013,N,00033.0023,E,1,08,0.9,45.0,M,47.0,M,,")],
     r"empty.nmea has GGA fixes but no RMC or ZDA sentence, so no date"),
])
def test_a_log_without_a_usable_fix_is_one_clear_error(lines: list[str], expected: str) -> None:
    with pytest.raises(NmeaError, match=expected) as caught:
        parse_lines(lines, "empty.nmea")
    assert "\n" not in str(caught.value)


def test_content_not_the_name_tells_an_nmea_log_from_gpx() -> None:
    assert nmea.looks_like_nmea("\ufeff\r\n" + NMEA_LOG.read_text(encoding="ascii")[:500])
    assert nmea.looks_like_nmea(REAL_LOG.read_text(encoding="ascii")[:nmea.SNIFF_BYTES])  # '#' header first
    assert not nmea.looks_like_nmea('<?xml version="1.0"?><gpx><desc>$GPRMC,</desc></gpx>')
    assert not nmea.looks_like_nmea("lat,lon,time\n51.8,0.5,2026-11-20T06:05:00Z\n")


_FIX = st.builds(
    Fix,
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2068, 12, 31)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)),
    st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-179.9, max_value=179.9))


@given(st.lists(_FIX, min_size=1, max_size=20, unique_by=lambda f: f.at))
@settings(max_examples=150, deadline=None)
def test_valid_sentences_round_trip_to_their_fixes(fixes: list[Fix]) -> None:
    # Sentences a receiver would send for each fix, in time order: the same fixes back (to the 4 decimals of a
    # minute the sentences carry, about 0.2 m).
    ordered = sorted(fixes, key=lambda f: f.at)
    log = parse_lines([s for f in ordered for s in nmea_sentences(f)], "prop.nmea")
    back = [f for s in log.segments for f in s]
    assert [f.at for f in back] == [f.at for f in ordered]
    for got, sent in zip(back, ordered, strict=True):
        assert got.lat == pytest.approx(sent.lat, abs=2e-6) and got.lon == pytest.approx(sent.lon, abs=2e-6)


_SENTENCE_LIKE = st.builds(
    lambda talker, kind, body, star: f"${talker}{kind},{body}" + star,
    st.sampled_from(["GP", "GN", "GL", "XX", "gp"]), st.sampled_from(["GGA", "RMC", "GSA", "ZZZ"]),
    st.text(alphabet="0123456789.,NSEWAV-+*$ \tx", max_size=80), st.sampled_from(["", "*00", "*ZZ", "*7F"]))


@given(st.lists(st.one_of(st.text(max_size=120), _SENTENCE_LIKE), max_size=30))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_garbage_is_either_read_or_refused_with_one_clear_error_never_a_crash(lines: list[str]) -> None:
    real = REAL_LOG.read_text(encoding="ascii").splitlines()[9:20]  # a few good fixes among the garbage
    try:
        log = parse_lines(lines + real, "garbage.nmea")
    except NmeaError as exc:
        assert "\n" not in str(exc)
        return
    assert all(s for s in log.segments) and all(
        a.at < b.at for s in log.segments for a, b in zip(s, s[1:], strict=False))
    assert sum(log.skipped.values()) <= len(lines) + len(real)


# --- through the patrol service ---------------------------------------------------------------------------------

@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


def test_an_nmea_log_named_gpx_or_txt_imports_as_a_track_with_what_was_skipped(
        services: Services, tmp_path: Path) -> None:
    patrol_id = in_progress_patrol(services)
    services.patrols.end(patrol_id)
    raw = NMEA_LOG.read_bytes()
    lines = raw.splitlines(keepends=True)
    path = tmp_path / "from-the-van.gpx"  # the name is wrong: the content decides
    path.write_bytes(b"".join([b"\xef\xbb\xbf", lines[0], b"!!noise\r\n", lines[1][:-5] + b"*00\r\n", *lines[2:]]))
    summary = services.patrols.import_track(patrol_id, path)
    assert summary.file_format == "nmea" and summary.segments == 2  # the log's 60 s drop-out, as when recorded
    assert summary.skipped == {nmea.BAD_CHECKSUM: 1, nmea.NO_FIX: 0, nmea.UNREADABLE: 1}
    assert summary.skipped_note == "1 with a bad or missing checksum, 1 unreadable"
    stored = services.patrols.track_of(patrol_id)
    assert stored == thin(logged_fixes(), "nmea") and {p.source for p in stored} == {"nmea"}


def test_an_nmea_log_from_elsewhere_changes_nothing(services: Services, tmp_path: Path) -> None:
    patrol_id = in_progress_patrol(services)
    services.patrols.end(patrol_id)
    moscow = tmp_path / "track.txt"  # the real log: Moscow, 2014: not this force's, nor the patrol's day
    moscow.write_bytes(REAL_LOG.read_bytes())
    audit_before = services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(GpxError, match="track.txt: 9 of 9 points are more than 20 km outside the force area"):
        services.patrols.import_track(patrol_id, moscow)
    broken = tmp_path / "broken.nmea"
    broken.write_bytes(b"\n".join(line[:-2] + b"00" for line in NMEA_LOG.read_bytes().splitlines()[:50]))
    with pytest.raises(NmeaError, match="broken.nmea holds no usable position fix .*50 with a bad or missing"):
        services.patrols.import_track(patrol_id, broken)
    assert services.patrols.track_count(patrol_id) == 0
    assert services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


def _patrol_on(services: Services, day: str, start: str, end: str, collar: str) -> str:
    services.patrols._now = lambda: datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    officer = services.people.add(PersonInput(name=f"PC {collar}", role="officer", collar_number=collar)).id
    record, _ = services.patrols.create(PatrolInput(day=day, start=start, end=end, area="Braintree",
                                                    purpose="general_rural_patrol", crew=[officer]))
    return record.id


def test_a_gga_only_excerpt_of_the_real_log_imports_on_the_patrols_day_and_not_into_another_days(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The receiver was in Moscow, which no English force's area holds: the area check is another test's.
    monkeypatch.setattr(services.patrols, "_check_area", lambda path, fixes: None)
    excerpt = tmp_path / "van.log"  # the real log's GGA lines only, as a unit that logs nothing else
    excerpt.write_text("\r\n".join(_gga_only(REAL_LOG.read_text(encoding="ascii").splitlines())) + "\r\n",
                       encoding="ascii")
    # 09:00-12:00 on 26 May 2014, British Summer Time: 08:00-11:00 UTC, the log's 08:14 UTC within it.
    right = _patrol_on(services, "2014-05-26", "09:00", "12:00", "PC1")
    # No date given: it was dated from the patrol, so a log of the same hours on another day went in as this one's.
    with pytest.raises(ValidationError) as undated:
        services.patrols.import_track(right, excerpt)
    assert [e.field for e in undated.value.errors] == ["log_date"]
    assert undated.value.errors[0].message == (
        "van.log has GGA sentences only: times of day and no date. Give the date it was recorded (the UK date of its"
        " first fix); nothing was imported")
    with pytest.raises(ValidationError, match="'26/05/2014' is not a date"):
        services.patrols.import_track(right, excerpt, "26/05/2014")
    # The day after: not the patrol's day, whatever its hours.
    with pytest.raises(GpxError, match=r"dated 2014-05-27 as given, its fixes, 2014-05-27 08:14 to 08:14 UTC, do not"
                                       r" fit the patrol's window \(08:00 to 11:00 UTC on 2014-05-26"):
        services.patrols.import_track(right, excerpt, date(2014, 5, 27))
    assert services.patrols.track_count(right) == 0
    summary = services.patrols.import_track(right, excerpt, "2014-05-26")
    assert summary.file_format == "nmea" and summary.segments == 1
    stored = services.patrols.track_of(right)
    assert stored[0].at == datetime(2014, 5, 26, 8, 14, 12, tzinfo=UTC)  # thinned: parked, so a few points
    assert {p.at.date() for p in stored} == {date(2014, 5, 26)} and summary.points == len(stored) >= 2

    # The same log for an evening patrol (18:00-22:00 BST the day after): its hours are not that patrol's.
    wrong = _patrol_on(services, "2014-05-27", "18:00", "22:00", "PC2")
    audit_before = services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(GpxError) as caught:
        services.patrols.import_track(wrong, excerpt, "2014-05-27")
    assert str(caught.value) == (
        "van.log has GGA sentences only (times of day, no date); dated 2014-05-27 as given, its fixes, 2014-05-27"
        " 08:14 to 08:14 UTC, do not fit the patrol's window (17:00 to 21:00 UTC on 2014-05-27, give or take 1 hour):"
        " not this patrol's log, or not that date; nothing was imported")
    assert services.patrols.track_count(wrong) == 0
    assert services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


def test_a_gga_only_log_given_its_date_carries_on_past_midnight_into_the_next_day(
        services: Services, tmp_path: Path) -> None:
    """A night patrol's unit logs GGA only, from 23:55 to 00:05: the date given is the first fix's, and the fixes
    after midnight go on the day after it. In summer the UK date of a fix at 23:30 UTC is the next day's."""
    def gga_log(name: str, start: datetime, minutes: int) -> Path:
        path = tmp_path / name
        path.write_text("".join(nmea_sentences(Fix(start + timedelta(minutes=m), 51.88, 0.55))[0] + "\r\n"
                                for m in range(minutes + 1)), encoding="ascii")
        return path

    night = _patrol_on(services, "2026-11-20", "23:30", "01:00", "PC1")  # winter: UK time is UTC
    services.patrols.import_track(night, gga_log("night.nmea", datetime(2026, 11, 20, 23, 55, tzinfo=UTC), 10),
                                  "2026-11-20")
    stored = [p.at for p in services.patrols.track_of(night)]
    assert stored[0] == datetime(2026, 11, 20, 23, 55, tzinfo=UTC)
    assert stored[-1] == datetime(2026, 11, 21, 0, 5, tzinfo=UTC)  # past midnight: the next day
    # British Summer Time: a first fix at 23:30 UTC on 14 June is 00:30 on the 15th here, the date given.
    summer = _patrol_on(services, "2026-06-15", "00:15", "02:00", "PC2")
    services.patrols.import_track(summer, gga_log("summer.nmea", datetime(2026, 6, 14, 23, 30, tzinfo=UTC), 40),
                                  date(2026, 6, 15))
    stored = [p.at for p in services.patrols.track_of(summer)]
    assert (stored[0], stored[-1]) == (datetime(2026, 6, 14, 23, 30, tzinfo=UTC), datetime(2026, 6, 15, 0, 10,
                                                                                           tzinfo=UTC))


@pytest.mark.parametrize("variant", ["utf-16", "time-stamped", "port-and-time-stamped"])
def test_a_log_saved_in_utf16_or_with_a_loggers_time_stamps_imports_as_the_plain_log(
        services: Services, tmp_path: Path, variant: str) -> None:
    """Both were taken for GPX: 'is not a readable GPX file (cut short or damaged?): Error parsing XML ...'."""
    patrol_id = in_progress_patrol(services)
    services.patrols.end(patrol_id)
    lines = NMEA_LOG.read_text(encoding="ascii").splitlines()
    path = tmp_path / "serial capture.log"
    if variant == "utf-16":  # a Windows tool's "Unicode" text
        path.write_bytes("\r\n".join(lines).encode("utf-16"))
    else:
        prefix = "2026-11-20 06:05:00.123 " if variant == "time-stamped" else "[COM3 06:05:00.123] "
        path.write_text("".join(f"{prefix}{line}\r\n" for line in lines), encoding="ascii")
    summary = services.patrols.import_track(patrol_id, path)
    assert summary.file_format == "nmea" and summary.segments == 2
    assert sum(summary.skipped.values()) == 0
    assert services.patrols.track_of(patrol_id) == thin(logged_fixes(), "nmea")


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "track.nmea is empty: neither a GPX file nor an NMEA log"),
    (b"\xef\xbb\xbf\r\n  \r\n", "track.nmea is empty: neither a GPX file nor an NMEA log"),
    (b"lat,lon,time\r\n51.88,0.55,2026-11-20T06:05:00Z\r\n",
     r"track.nmea is neither a GPX file \(XML\) nor an NMEA log \(lines of \$GPRMC, \$GNGGA ...\)"),
])
def test_a_file_that_is_neither_says_so_not_that_it_is_a_damaged_gpx(
        services: Services, tmp_path: Path, content: bytes, expected: str) -> None:
    """It said 'track.nmea is not a readable GPX file (cut short or damaged?): Error parsing XML: no element found'."""
    patrol_id = in_progress_patrol(services)
    path = tmp_path / "track.nmea"
    path.write_bytes(content)
    with pytest.raises(GpxError, match=expected):
        services.patrols.import_track(patrol_id, path)
    assert services.patrols.track_count(patrol_id) == 0


def test_a_gga_log_past_midnight_imports_onto_a_patrol_that_ended_after_midnight(
        services: Services, tmp_path: Path) -> None:
    """Planned 20:00-23:00 but ended at 00:30: the fixes after midnight were refused as "not on the patrol's day",
    which was read from the plan alone while the GGA window already took the logged end."""
    patrol_id = _patrol_on(services, "2026-11-18", "20:00", "23:00", "PC1")
    services.patrols.start(patrol_id, at=datetime(2026, 11, 18, 20, 0, tzinfo=UTC))
    services.patrols.end(patrol_id, at=datetime(2026, 11, 19, 0, 30, tzinfo=UTC))
    log = tmp_path / "late.nmea"
    log.write_text("".join(nmea_sentences(Fix(datetime(2026, 11, 18, 23, 50, tzinfo=UTC) + timedelta(minutes=m),
                                              51.88, 0.55))[0] + "\r\n" for m in range(21)), encoding="ascii")
    services.patrols.import_track(patrol_id, log, "2026-11-18")
    stored = [p.at for p in services.patrols.track_of(patrol_id)]
    assert stored[-1] == datetime(2026, 11, 19, 0, 10, tzinfo=UTC)
