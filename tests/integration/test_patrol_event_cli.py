"""`ruralwatch patrol event correct|withdraw|restore` and `patrol times`: a logged event, and a finished patrol's own
start and end, put right from the command line under the service's rules (bad input: one line, exit 2, nothing
changed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_harness import ADMIN, PASSWORD, Cli, open_db
from fixtures.accounts import add_account

from ruralwatch.core import times

DEMO_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _log(cli: Cli, patrol: str) -> list[dict[str, Any]]:
    shown = cli("--user", ADMIN, "patrol", "show", patrol, "--json")
    assert shown.code == 0, shown.err
    return list(shown.json()["log"])


def _visited(cli: Cli, patrol: str) -> list[bool]:
    return [s["visited"] for s in cli("--user", ADMIN, "patrol", "dose", patrol, "--json").json()["stops"]]


def _arrived(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A patrol 06:00-10:00 crewed by PC7, started at 06:00, Arrived at stop 1 at 06:20: (patrol, event) short ids."""
    monkeypatch.setattr(times, "utc_now", lambda: DEMO_NOW)
    assert cli("demo", "--incidents", "600").code == 0
    monkeypatch.setattr(times, "utc_now", lambda: NOW)
    cli("people", "add", "--name", "Pat Kemp", "--role", "officer", "--collar", "PC7")
    cli("people", "add", "--name", "Sam Reed", "--role", "special", "--collar", "SC101")
    cli("people", "availability", "PC7", "Fri 05:00-11:00")
    created = cli("patrol", "create", "--area", "Uttlesford", "--date", "2026-11-20", "--start", "06:00",
                  "--end", "10:00", "--crew", "PC7", "--json")
    assert created.code == 0, created.err
    patrol = created.json()["id"][:8]
    assert cli("patrol", "start", patrol, "--at", "2026-11-20 06:00").code == 0
    arrived = cli("patrol", "log", patrol, "--kind", "arrived_stop", "--stop", "1", "--at", "2026-11-20 06:20",
                  "--json").json()
    return patrol, arrived["id"][:8]


def test_an_event_is_corrected_and_withdrawn_from_the_command_line(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, encrypted_db: Path) -> None:
    patrol, short = _arrived(cli, monkeypatch)
    assert short in cli("patrol", "show", patrol).out  # the id `patrol event` takes is printed with the log
    assert _visited(cli, patrol)[:2] == [True, False]

    fixed = cli("patrol", "event", "correct", short, "--stop", "2", "--note", "at the second farm")
    assert fixed.code == 0, fixed.err
    assert fixed.out.startswith(f"corrected: {short}") and "[corrected by admin]" in fixed.out
    assert _visited(cli, patrol)[:2] == [False, True]

    before = _log(cli, patrol)
    for bad, said in (
        (("--stop", "99"), "the plan has no stop 99"),
        (("--at", "2026-11-20 05:00"), "before the patrol started"),
        (("--at", "2026-11-20 13:00"), "is in the future"),
        ((), "say what to correct: --stop, --no-stop, --at or --note"),
    ):
        refused = cli("patrol", "event", "correct", short, *bad)
        assert refused.code == 2 and said in refused.err and len(refused.err.strip().splitlines()) == 1, refused.err
    assert cli("patrol", "event", "correct", "ffffffff", "--note", "x").code == 2
    assert cli("patrol", "event", "withdraw", short).code == 2  # --reason is required
    assert cli("patrol", "event", "correct", short, "--stop", "1", "--no-stop").code == 2
    assert _log(cli, patrol) == before

    # A Special not on the patrol may not; after the end, a correction needs a reason.
    store = open_db(encrypted_db)
    try:
        people = {p["name"]: p["id"] for p in cli("people", "list", "--json").json()}
        add_account(store, "sam", "special", PASSWORD, person_id=people["Sam Reed"])
    finally:
        store.close()
    other = cli("--user", "sam", "patrol", "event", "withdraw", short, "--reason", "not mine")
    assert other.code == 2 and "may not correct, withdraw or restore this event" in other.err
    assert cli("--user", ADMIN, "patrol", "end", patrol, "--at", "2026-11-20 09:30").code == 0
    unsaid = cli("--user", ADMIN, "patrol", "event", "correct", short, "--no-stop")
    assert unsaid.code == 2 and "--reason" in unsaid.err and "say why the event is corrected" in unsaid.err
    assert _log(cli, patrol)[1]["stop_key"] is not None

    gone = cli("--user", ADMIN, "patrol", "event", "withdraw", short, "--reason", "pressed Arrived by mistake",
               "--json")
    assert gone.code == 0, gone.err
    assert gone.json()["withdrawn"] and gone.json()["withdrawn_reason"] == "pressed Arrived by mistake"
    assert "[WITHDRAWN by admin: pressed Arrived by mistake]" in cli("--user", ADMIN, "patrol", "show", patrol).out
    assert _visited(cli, patrol)[:2] == [False, False]
    again = cli("--user", ADMIN, "patrol", "event", "correct", short, "--note", "x", "--reason", "y")
    assert again.code == 2 and "it was withdrawn at" in again.err


def test_a_withdrawn_event_is_restored_and_a_patrol_s_times_corrected_from_the_command_line(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, encrypted_db: Path) -> None:
    patrol, short = _arrived(cli, monkeypatch)
    note = cli("patrol", "log", patrol, "--kind", "note", "--detail", "Gate shut", "--at", "2026-11-20 08:40",
               "--json").json()["id"][:8]
    assert cli("patrol", "event", "withdraw", short, "--reason", "wrong button").code == 0
    assert cli("patrol", "end", patrol, "--at", "2026-11-20 11:50").code == 0  # pressed back at the station
    assert _visited(cli, patrol)[0] is False

    before = _log(cli, patrol)
    unsaid = cli("patrol", "event", "restore", short)
    assert unsaid.code == 2 and "say why the event is restored" in unsaid.err and "--reason" in unsaid.err
    assert cli("patrol", "event", "restore", note, "--reason", "x").code == 2  # not withdrawn
    assert _log(cli, patrol) == before
    back = cli("patrol", "event", "restore", short, "--reason", "withdrew the wrong row")
    assert back.code == 0, back.err
    assert back.out.startswith(f"restored: {short}") and "[restored by admin: withdrew the wrong row]" in back.out
    assert _visited(cli, patrol)[0] is True

    shown = cli("patrol", "show", patrol, "--json").json()
    for bad, said in (
        (("--ended", "2026-11-20 08:00"), f"1 logged event would fall after the end (2026-11-20 08:40 Note {note}"),
        (("--started", "2026-11-20 06:30"),
         f"would fall before the start (2026-11-20 06:20 Arrived at hotspot {short}"),
        (("--ended", "2026-11-20 05:00"), "the end (2026-11-20 05:00) must be after the start (2026-11-20 06:00)"),
        (("--ended", "2026-11-20 12:30"), "is in the future"),
        (("--ended", "yesterday"), "--ended"),
        ((), "say what to correct: --started and/or --ended"),
    ):
        refused = cli("patrol", "times", patrol, *bad, "--reason", "End pressed late")
        assert refused.code == 2 and said in refused.err and len(refused.err.strip().splitlines()) == 1, refused.err
    assert cli("patrol", "times", patrol, "--ended", "2026-11-20 09:00").code == 2  # --reason is required
    assert cli("patrol", "show", patrol, "--json").json() == shown

    fixed = cli("patrol", "times", patrol, "--ended", "2026-11-20 09:00", "--reason",
                "End pressed back at the station")
    assert fixed.code == 0, fixed.err
    assert "ran 2026-11-20 06:00 to 2026-11-20 09:00 (was 2026-11-20 06:00 to 2026-11-20 11:50)" in fixed.out
    record = cli("patrol", "show", patrol, "--json").json()
    assert record["ended_at"] == "2026-11-20T09:00:00Z" and record["log"][-1]["at"] == "2026-11-20T09:00:00Z"


def test_a_misleading_reason_or_a_time_the_clocks_skip_is_one_line_and_changes_nothing(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, encrypted_db: Path) -> None:
    patrol, short = _arrived(cli, monkeypatch)
    assert cli("patrol", "end", patrol, "--at", "2026-11-20 09:00").code == 0
    before = _log(cli, patrol)
    for args, said in [
        (("event", "correct", short, "--note", "x", "--reason", "restored: typo"), "--reason: a correction's reason "
                                                                                  "cannot start 'restored'"),
        (("event", "correct", short, "--note", "x\x1b[2J", "--reason", "typo"), "--note: it holds control characters"
                                                                               " (U+001B)"),
        (("times", patrol, "--ended", "2026-03-29 01:30", "--reason", "late"), "--ended: 2026-03-29 01:30 does not "
                                                                             "exist in UK time"),
    ]:
        refused = cli("patrol", *args)
        assert refused.code == 2 and refused.out == "" and "Traceback" not in refused.err
        assert refused.err.splitlines() == [refused.err.strip()] and said in refused.err, refused.err
    assert _log(cli, patrol) == before


def test_times_of_a_patrol_still_running_are_refused_for_the_patrol_not_for_started(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, encrypted_db: Path) -> None:
    # Only --ended was given, and the refusal began "--started: the patrol is in progress".
    patrol, _ = _arrived(cli, monkeypatch)
    refused = cli("patrol", "times", patrol, "--ended", "2026-11-20 09:00", "--reason", "late")
    assert refused.code == 2 and "Traceback" not in refused.err
    assert refused.err.strip() == ("ruralwatch: error: patrol: the patrol is in progress: only a finished patrol's "
                                   "start and end are corrected (end it first)")
