"""A refused command names the option the user typed, not the services' field: `ruralwatch evaluate --train-from
2024-13 ...` said 'train_from: ...'. One line, exit code 2, nothing changed."""

from __future__ import annotations

import re

from cli_harness import Cli

CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+:")  # e.g. "train_from:", "collar_number:"


def _refused(result, *expected: str) -> None:
    assert result.code == 2 and result.out == "", result
    assert result.err.count("\n") == 1 and result.err.startswith("ruralwatch: error: "), result.err
    assert not CODE_NAME.search(result.err), result.err
    for text in expected:
        assert text in result.err, result.err


def test_evaluate_names_the_month_options(cli: Cli) -> None:
    _refused(cli("evaluate", "--train-from", "2024-13", "--train-to", "2024-06", "--test-from", "2024-07",
                 "--test-to", "2024-09"), "error: --train-from: '2024-13' is not a month")
    _refused(cli("evaluate", "--train-from", "2024-01", "--train-to", "2024-06", "--test-from", "2024-07",
                 "--test-to", "2024-09"), "error: --train-from: no crimes")


def test_people_and_duties_name_their_options_and_store_nothing(cli: Cli) -> None:
    _refused(cli("people", "add", "--name", "Ann Lee", "--role", "special", "--commitment", "lots"),
             "--commitment: 'lots' is not a number of hours")
    assert cli("people", "add", "--name", "Ann Lee", "--role", "special", "--collar", "SC1").code == 0
    _refused(cli("people", "add", "--name", "Bob Lee", "--role", "special", "--collar", "sc1"),
             "--collar: SC1 is already the collar number of Ann Lee")
    _refused(cli("duty", "add", "--title", "T", "--kind", "joint_patrol", "--start", "2026-12-07 18:00", "--end",
                 "2026-12-07 22:00", "--station", "Maldon", "--needs", "juggling", "--roles", "chief"),
             "--needs: unknown skill 'juggling'", "--roles: choose one or more")
    _refused(cli("duty", "list", "--from", "2026-12-10", "--to", "2026-12-01"), "--to: the period ends")
    assert [p["name"] for p in cli("people", "list", "--json").json()] == ["Ann Lee"]
    assert cli("duty", "list", "--from", "2026-12-01", "--to", "2026-12-31", "--json").json() == []


def test_settings_and_plans_name_their_options(cli: Cli) -> None:
    before = cli("analysis", "zone-settings", "--json").json()
    _refused(cli("analysis", "zone-settings", "--metres", "-1"), "--metres: give 50 to 5000 metres")
    assert cli("analysis", "zone-settings", "--json").json() == before
    _refused(cli("patrol", "plan", "--area", "Uttlesford", "--date", "2026-12-01", "--start", "18:00", "--end",
                 "20:00", "--purpose", "general_rural_patrol", "--speed", "0", "--road-factor", "0.1"),
             "--speed: average speed", "--road-factor: road factor must be at least 1")
    _refused(cli("roster", "hours", "--from", "2026-13"), "--from: '2026-13' is not a month")
    _refused(cli("roster", "rules", "--min-rest-hours", "-1"), "--min-rest-hours: ")


def test_a_positional_is_named_as_its_usage_shows_it(cli: Cli) -> None:
    _refused(cli("grid-ref", "ZZ", "1234"), "REF_OR_LATLON: ZZ is not a square")
