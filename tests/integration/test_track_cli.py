"""`ruralwatch patrol track import|export`, `patrol dose --json` and `patrol report` with a track, end to end on an
encrypted file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_harness import Cli
from fixtures.track_tools import NMEA_LOG, drive, offset, seconds_within, write_gpx
from pypdf import PdfReader

from ruralwatch.core import times

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

    # A receiver's NMEA log named .gpx: said to be one, with what to do, not "not a readable GPX file".
    nmea = tmp_path / "patrol.gpx"
    nmea.write_bytes(NMEA_LOG.read_bytes())
    refused = cli("patrol", "track", "import", patrol["id"][:8], str(nmea))
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert "patrol.gpx looks like an NMEA log" in refused.err and "convert the log to GPX" in refused.err
    assert "not a readable GPX" not in refused.err

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
