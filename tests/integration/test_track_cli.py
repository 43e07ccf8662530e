"""`ruralwatch patrol track import|export` (GPX, and NMEA logs told by their content), `patrol dose --json` and
`patrol report` with a track, end to end on an encrypted file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_harness import Cli, open_db, raw_connection
from fixtures.track_tools import NMEA_LOG, drive, in_progress_patrol, logged_fixes, offset, seconds_within, write_gpx
from pypdf import PdfReader

from ruralwatch.core import times
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.patrols.track import thin
from ruralwatch.services.container import Services

DEMO_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 6, 5, tzinfo=UTC)


def test_a_gpx_track_imports_doses_and_exports_and_a_bad_one_exits_2(cli: Cli, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as pinned:
        pinned.setattr(times, "utc_now", lambda: DEMO_NOW)
        assert cli("demo", "--incidents", "600").code == 0
    cli("people", "add", "--name", "Pat Kemp", "--role", "officer", "--collar", "PC7")
    assert cli("people", "availability", "PC7", "Fri 05:00-11:00").code == 0
    created = cli("patrol", "create", "--area", "Uttlesford", "--date", "2026-11-20", "--start", "06:00",
                  "--end", "10:00", "--crew", "PC7", "--json")
    assert created.code == 0, created.err
    patrol = created.json()
    stops = [(s["lat"], s["lon"]) for s in patrol["stops"]]
    dwell = [0, *(s["dwell_minutes"] * 60 for s in patrol["stops"]), 0]
    path = [offset(*stops[0], -1500, 0), *stops, offset(*stops[-1], 1500, 0)]
    noisy, exact = drive(START, path, dwell, 13.0, noise_m=8.0, seed=7), drive(START, path, dwell, 13.0)

    bad = tmp_path / "bad.gpx"
    write_gpx(bad, noisy[:300], times=False)
    refused = cli("patrol", "track", "import", patrol["id"][:8], str(bad))
    assert refused.code == 2 and "without a time" in refused.err and refused.err.count("\n") == 1

    phone = tmp_path / "phone.gpx"
    write_gpx(phone, noisy)
    imported = cli("patrol", "track", "import", patrol["id"][:8], str(phone), "--json")
    assert imported.code == 0, imported.err
    assert imported.json()["segments"] == 1

    dose = cli("patrol", "dose", patrol["id"][:8], "--json")
    assert dose.code == 0, dose.err
    body = dose.json()
    assert body["tracked"] and body["radius_m"] == 200.0 and body["never_reached"] == []
    for stop, (lat, lon) in zip(body["stops"], stops, strict=True):
        assert abs(stop["measured_minutes"] - seconds_within(exact, lat, lon, 200.0) / 60) < 1.0
        assert stop["visits"] >= 1

    others = cli("patrol", "dose", patrol["id"][:8], "--other-hotspots", "--json")
    assert others.code == 0 and isinstance(others.json()["other_hotspots"], list)
    assert "logged" in cli("patrol", "dose", patrol["id"][:8]).out

    report = tmp_path / "after-action.pdf"
    written = cli("patrol", "report", patrol["id"][:8], "--out", str(report))
    assert written.code == 0, written.err
    text = "\n".join(page.extract_text() for page in PdfReader(report).pages)
    assert "After action:" in text and "Every planned stop was reached by the track" in text
    for stop in body["stops"]:
        assert f"{stop['measured_minutes']:.1f}" in text

    out = tmp_path / "back.gpx"
    exported = cli("patrol", "track", "export", patrol["id"][:8], "--out", str(out))
    assert exported.code == 0, exported.err
    assert str(imported.json()["points"]) in exported.out
    again = cli("patrol", "track", "import", patrol["id"][:8], str(out))
    assert again.code == 2 and "already has a track" in again.err


def _nmea_patrol(db: Path) -> str:
    store = open_db(db)
    try:
        return in_progress_patrol(Services.build(store))
    finally:
        store.close()


def _written(db: Path) -> tuple[int, int]:
    connection = raw_connection(db)
    try:
        return (connection.execute("SELECT count(*) FROM patrol_track_points").fetchone()[0],
                connection.execute("SELECT count(*) FROM audit_log WHERE action != 'login'").fetchone()[0])
    finally:
        connection.close()


def test_an_nmea_log_imports_by_its_content_and_a_broken_one_exits_2_writing_nothing(
        cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    patrol_id = _nmea_patrol(encrypted_db)
    broken = tmp_path / "van.nmea"  # every checksum wrong: no usable fix
    broken.write_bytes(b"\r\n".join(line[:-2] + b"00" for line in NMEA_LOG.read_bytes().splitlines()[:40]))
    before = _written(encrypted_db)
    refused = cli("patrol", "track", "import", patrol_id[:8], str(broken))
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert ("van.nmea holds no usable position fix (GGA or RMC): skipped 40 with a bad or missing checksum"
            in refused.err)
    assert _written(encrypted_db) == before == (0, before[1])

    log = tmp_path / "van.txt"
    log.write_bytes(b"# exported by a phone app\r\n" + NMEA_LOG.read_bytes())
    imported = cli("patrol", "track", "import", patrol_id[:8], str(log))
    assert imported.code == 0, imported.err
    assert imported.out.startswith("imported ") and "from van.txt (NMEA lines skipped: 1 unreadable)" in imported.out
    as_json = tmp_path / "van.log"
    as_json.write_bytes(NMEA_LOG.read_bytes())
    again = cli("patrol", "track", "import", patrol_id[:8], str(as_json), "--json")
    assert again.code == 2 and "already has a track" in again.err
    points, _ = _written(encrypted_db)
    assert points == len(thin(logged_fixes(), "nmea")) and str(points) in imported.out


def test_a_gga_only_log_needs_its_date_and_one_from_other_hours_exits_2_writing_nothing(
        cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    # A vehicle unit that logs $GPGGA only: the 20-minute patrol log (06:05-06:25 UTC) without its RMC sentences.
    van = tmp_path / "unit.nmea"
    van.write_bytes(b"".join(line for line in NMEA_LOG.read_bytes().splitlines(keepends=True)
                             if line.startswith(b"$GPGGA")))
    store = open_db(encrypted_db)
    try:
        services = Services.build(store)
        morning = in_progress_patrol(services)  # 06:00-10:00 on 20 November 2026
        evening, _ = services.patrols.create(PatrolInput(  # 18:00-22:00 the day after: not the log's hours
            day="2026-11-21", start="18:00", end="22:00", area="Braintree", purpose="general_rural_patrol",
            crew=[services.people.add(PersonInput(name="PC Two", role="officer", collar_number="PC2")).id]))
    finally:
        store.close()
    before = _written(encrypted_db)
    # No date: it was dated from the patrol, so the same hours another day went in as this patrol's. Now asked for.
    undated = cli("patrol", "track", "import", morning[:8], str(van))
    assert undated.code == 2 and undated.err.count("\n") == 1, undated.err
    assert ("--log-date: unit.nmea has GGA sentences only: times of day and no date. Give the date it was recorded"
            " (the UK date of its first fix); nothing was imported") in undated.err, undated.err
    bad = cli("patrol", "track", "import", morning[:8], str(van), "--log-date", "20 Nov")
    assert bad.code == 2 and "--log-date: '20 Nov' is not a date (YYYY-MM-DD)" in bad.err, bad.err
    refused = cli("patrol", "track", "import", evening.id[:8], str(van), "--log-date", "2026-11-21")
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert ("unit.nmea has GGA sentences only (times of day, no date); dated 2026-11-21 as given, its fixes,"
            " 2026-11-21 06:05 to 06:24 UTC, do not fit the patrol's window (18:00 to 22:00 UTC on 2026-11-21"
            in refused.err), refused.err
    assert _written(encrypted_db) == before

    imported = cli("patrol", "track", "import", morning[:8], str(van), "--log-date", "2026-11-20", "--json")
    assert imported.code == 0, imported.err
    body = imported.json()
    assert body["first"].startswith("2026-11-20T06:05") and body["last"].startswith("2026-11-20T06:24")
    points, _ = _written(encrypted_db)
    assert points == body["points"] == len(thin(logged_fixes(), "nmea"))
