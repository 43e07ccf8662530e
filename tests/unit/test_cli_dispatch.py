"""The command line's dispatch: every command has one spec, domain errors are one line, bugs keep their traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ruralwatch.cli import SELF_TEST, build_parser, dispatch, main_cli
from ruralwatch.cli.commands import SPECS
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.spec import FileCommand, Phase, RunOnFile
from ruralwatch.core.errors import NotFoundError


def _parser_commands() -> set[str]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(commands.choices)


def test_every_command_belongs_to_exactly_one_spec() -> None:
    owned = [name for spec in SPECS for name in spec.names]
    assert len(owned) == len(set(owned)), "a command is claimed by two specs"
    assert set(owned) == _parser_commands() - {SELF_TEST}


def test_the_exit_codes_scripts_rely_on() -> None:
    assert (ExitCode.OK, ExitCode.BAD_INPUT, ExitCode.USAGE, ExitCode.NOT_DONE) == (0, 2, 2, 2)


def _only(run: RunOnFile, monkeypatch: pytest.MonkeyPatch) -> argparse.Namespace:
    spec = FileCommand(("probe",), Phase.SET_UP, lambda commands, parser_class: None, run)
    monkeypatch.setattr(dispatch, "SPECS", (spec,))
    monkeypatch.delenv("RURALWATCH_DB", raising=False)
    return argparse.Namespace(command="probe", db="given.db")


def test_a_domain_error_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    def run(args: argparse.Namespace, db_path: Path) -> int:
        raise NotFoundError("no incident with id x")

    assert main_cli(_only(run, monkeypatch), tmp_path / "given.db") == 2
    assert capsys.readouterr().err == "ruralwatch: error: no incident with id x\n"


def test_a_key_error_is_a_bug_and_propagates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def run(args: argparse.Namespace, db_path: Path) -> int:
        return {}["missing"]

    with pytest.raises(KeyError, match="missing"):
        main_cli(_only(run, monkeypatch), tmp_path / "given.db")
