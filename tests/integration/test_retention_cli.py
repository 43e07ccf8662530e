"""`ruralwatch retention ...`: settings, preview and apply, on a fresh database each.

Most tests drive the command's module through a small parser of its own on an open store (one database, many
commands, no sign-in per call); the last ones go through the real command line."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cli_harness import Cli, Result

from ruralwatch.cli.commands import retention as cli_retention
from ruralwatch.core.clock import HybridLogicalClock
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.core.people import PersonInput
from ruralwatch.services.container import Services
from ruralwatch.services.retention import PreviewChangedError
from ruralwatch.store import Store
from ruralwatch.store.database import SYNCABLE_TABLES

AS_OF = "2026-06-15"


def _run(store: Store, capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    cli_retention.add_parsers(commands, argparse.ArgumentParser)
    code = cli_retention.run(parser.parse_args(argv), store)
    out, err = capsys.readouterr()
    return Result(code, out, err)


def _at(store: Store, day: str) -> None:
    """Make the store's next changes carry a clock from `day` (a real HLC over a wall clock set back)."""
    millis = int(datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp() * 1000)
    store.clock = HybridLogicalClock(store.device_id, wall_millis=lambda: max(millis, 0))


def _populate(store: Store) -> dict[str, str]:
    """One incident closed 2025-05-10 (due 2026-05-10), one closed 2025-07-10 (due 2026-07-10), one open;
    a volunteer who left 2025-11-10 (due 2026-05-10) and one still active."""
    services = Services.build(store)
    ids: dict[str, str] = {}
    _at(store, "2025-05-10")
    ids["due"] = services.incidents.record(IncidentInput(
        kind="fly_tipping", occurred_start="2025-05-09 09:30", lat=51.9, lon=0.3, status="closed",
        reporter_name="Carol Closed", reporter_phone="07700 900003",
        vehicles=[VehicleInput("EF56GHJ", "victim"), VehicleInput("JK90LMN", "suspect")],
    )).id
    ids["open"] = services.incidents.record(IncidentInput(
        kind="fly_tipping", occurred_start="2025-05-09 10:30", lat=51.9, lon=0.3, reporter_name="Owen Open",
    )).id
    _at(store, "2025-07-10")
    ids["not_yet"] = services.incidents.record(IncidentInput(
        kind="hare_coursing", occurred_start="2025-07-09 06:30", lat=51.9, lon=0.3, status="closed",
        reporter_name="Bob Recent",
    )).id
    ids["leaver"] = services.people.add(PersonInput(name="Lee Leaver", role="volunteer", phone="07700 900010")).id
    ids["active"] = services.people.add(PersonInput(name="Andy Active", role="special", phone="07700 900012")).id
    services.people.mark_left(ids["leaver"], date(2025, 11, 10))
    store.clock = HybridLogicalClock(store.device_id, wall_millis=lambda: time.time_ns() // 1_000_000)
    return ids


def _snapshot(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t, row["id"]): row for t in SYNCABLE_TABLES for row in store.db.query(f"SELECT * FROM [{t}]")}


@pytest.fixture
def ids(store: Store) -> dict[str, str]:
    return _populate(store)


# --- the module on its own --------------------------------------------------------------------------------------


def test_show_and_set(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    shown = _run(store, capsys, "retention", "show")
    assert shown.code == 0
    assert "12 months after the incident closes" in shown.out and "6 months after the person leaves" in shown.out
    assert "kept for ever" in shown.out and "never applied" in shown.out
    assert "Recorded tracks of patrols" in shown.out and "12 months after the patrol ends" in shown.out
    assert _run(store, capsys, "retention", "set", "--reporter-months", "24", "--suspect-vrm-months", "36",
                "--track-months", "3").code == 0
    assert _run(store, capsys, "retention", "show", "--json").json()["settings"] == {
        "reporter_months": 24, "volunteer_months": 6, "victim_vrm_months": 12, "suspect_vrm_months": 36,
        "track_months": 3, "premises_months": 12}


def test_set_refuses_nothing_to_set_and_bad_months(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(cli_retention.RetentionOptionError):
        _run(store, capsys, "retention", "set")
    with pytest.raises(ValidationError) as caught:
        _run(store, capsys, "retention", "set", "--volunteer-months", "-1")
    assert [e.field for e in caught.value.errors] == ["--volunteer-months"]  # named as typed
    with pytest.raises(ValidationError):
        _run(store, capsys, "retention", "preview", "--as-of", "15/06/2026")


def test_preview_json_lists_what_is_due(store: Store, capsys: pytest.CaptureFixture[str],
                                        ids: dict[str, str]) -> None:
    result = _run(store, capsys, "retention", "preview", "--as-of", AS_OF, "--json")
    assert result.code == 0
    body = result.json()
    found = {c["key"]: [r["id"] for r in c["records"]] for c in body["categories"]}
    assert found["reporter_contacts"] == [ids["due"]]
    assert found["volunteer_contacts"] == [ids["leaver"]]
    assert len(found["victim_witness_vrms"]) == 1 and found["suspect_vrms"] == []
    assert body["total"] == 3 and "Carol" not in result.out and "EF56" not in result.out
    text = _run(store, capsys, "retention", "preview", "--as-of", AS_OF)
    assert "3 records due" in text.out and f"--token {body['token']} --yes" in text.out


def test_apply_without_yes_exits_2_and_changes_nothing(store: Store, capsys: pytest.CaptureFixture[str],
                                                       ids: dict[str, str]) -> None:
    before = _snapshot(store)
    result = _run(store, capsys, "retention", "apply", "--as-of", AS_OF)
    assert result.code == 2
    assert "nothing was changed" in result.err and "--yes" in result.err
    assert "3 records due" in result.out and ids["due"] in result.out
    assert _snapshot(store) == before


def test_apply_with_yes_anonymises_then_finds_nothing(store: Store, capsys: pytest.CaptureFixture[str],
                                                      ids: dict[str, str]) -> None:
    result = _run(store, capsys, "retention", "apply", "--as-of", AS_OF, "--yes")
    assert result.code == 0 and "3 records anonymised" in result.out
    row = store.db.execute("SELECT reporter_name, reporter_phone, kind, status FROM incidents WHERE id = ?",
                           [ids["due"]]).fetchone()
    assert row == (None, None, "fly_tipping", "closed")
    names = dict(store.db.execute("SELECT id, name FROM people").fetchall())
    assert names[ids["active"]] == "Andy Active" and names[ids["leaver"]].startswith("Former volunteer ")
    untouched = store.db.execute(  # sealed in the file: read as the signed-in account reads it
        "SELECT rw_open(reporter_name, 'incidents', 'reporter_name', id) FROM incidents WHERE id = ?",
        [ids["not_yet"]]).fetchone()
    assert untouched == ("Bob Recent",)
    again = _run(store, capsys, "retention", "apply", "--as-of", AS_OF, "--yes", "--json")
    assert again.json()["total"] == 0
    shown = _run(store, capsys, "retention", "show", "--json").json()
    assert shown["last_run"]["total"] == 3 and shown["last_run"]["as_of"] == AS_OF


def test_apply_with_a_stale_token_or_a_future_date_is_refused(
    store: Store, capsys: pytest.CaptureFixture[str], ids: dict[str, str]
) -> None:
    before = _snapshot(store)
    with pytest.raises(PreviewChangedError):
        _run(store, capsys, "retention", "apply", "--as-of", AS_OF, "--token", "0000000000000000", "--yes")
    tomorrow = date.fromordinal(datetime.now(UTC).date().toordinal() + 2).isoformat()
    with pytest.raises(ValidationError):
        _run(store, capsys, "retention", "apply", "--as-of", tomorrow, "--yes")
    assert _snapshot(store) == before


# --- through `ruralwatch ...` -------------------------------------------------------------------------------------


def test_the_command_line_refuses_without_yes_then_applies(cli: Cli, store: Store) -> None:
    ids = _populate(store)
    before = _snapshot(store)
    refused = cli("retention", "apply", "--as-of", AS_OF)
    assert refused.code == 2 and "nothing was changed" in refused.err
    assert _snapshot(store) == before
    preview = cli("retention", "preview", "--as-of", AS_OF, "--json")
    assert preview.code == 0 and preview.json()["total"] == 3
    applied = cli("retention", "apply", "--as-of", AS_OF, "--token", preview.json()["token"], "--yes")
    assert applied.code == 0 and "3 records anonymised" in applied.out
    shown = cli("incidents", "show", ids["due"], "--json")
    assert shown.code == 0 and shown.json()["reporter_name"] == ""
    bad = cli("retention", "set", "--reporter-months", "-1")
    assert bad.code == 2 and len(bad.err.strip().splitlines()) == 1
    assert "error: --reporter-months: months are 0 (keep for ever)" in bad.err  # the option typed, not a field name
