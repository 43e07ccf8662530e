"""The command registry that lets a command import only its own module (issue 21) says what the specs say, and
parsing with only the named command's group gives what the whole grammar gives."""

from __future__ import annotations

import argparse
import importlib

import pytest

from ruralwatch.cli import build_parser
from ruralwatch.cli.commands import COMMAND_NAMES, REGISTRY, SPECS
from ruralwatch.cli.parser import command_in, parse


def test_the_registry_names_each_spec_and_the_commands_it_owns() -> None:
    for module, attribute, names in REGISTRY:
        spec = getattr(importlib.import_module(f"ruralwatch.cli.commands.{module}"), attribute)
        assert spec.names == names, f"{module}.{attribute}"
    assert [spec.names for spec in SPECS] == [names for _module, _attribute, names in REGISTRY]
    assert len(COMMAND_NAMES) == sum(len(names) for _module, _attribute, names in REGISTRY)


def test_owning_gives_only_that_spec() -> None:
    (spec,) = SPECS.owning("audit")
    assert "audit" in spec.names and "accounts" in spec.names
    assert SPECS.owning("no-such-command") == ()


@pytest.mark.parametrize("argv", [
    ["incidents", "list", "--json"],
    ["--db", "x.db", "--user", "admin", "incidents", "list", "--kind", "fly_tipping", "--limit", "3"],
    ["--db=x.db", "--passphrase-file", "pw", "audit", "verify"],
    ["--pass", "pw", "accounts", "list"],  # an abbreviated global option, as argparse allows
    ["--db", "incidents", "export", "--what", "incidents", "--format", "csv", "--out", "o.csv"],
    ["sync", "resolve", "7", "theirs"],
    ["hotspots", "--method", "kde"],
    ["grid-ref", "TL 5000 2000"],
    ["restore", "--from", "backup.db"],
])
def test_parsing_with_one_group_equals_the_whole_grammar(argv: list[str]) -> None:
    assert command_in(argv) is not None
    assert vars(parse(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [
    [], ["--demo"], ["--help"], ["incidents", "--help"], ["self-test"], ["nonsense"], ["--db"],
    ["--db", "incidents"],  # the file is called "incidents": no command
])
def test_anything_else_gets_the_whole_grammar(argv: list[str]) -> None:
    assert command_in(argv) is None


def test_a_wrong_action_is_reported_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as lazily:
        parse(["incidents", "frobnicate"])
    lazy_err = capsys.readouterr().err
    with pytest.raises(SystemExit) as fully:
        build_parser().parse_args(["incidents", "frobnicate"])
    assert lazily.value.code == fully.value.code == 2
    assert lazy_err == capsys.readouterr().err


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (command path, parser) of the grammar, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _subparsers(child, (*path, name))


def test_every_output_file_option_takes_the_same_three_spellings() -> None:
    # One vocabulary: a user who wrote `-o` for one export should not have to look up `--out` for the next.
    outputs = {}
    for path, parser in _subparsers(build_parser()):
        for action in parser._actions:
            if action.dest in ("out", "output") or "--out" in action.option_strings:
                outputs[" ".join(path)] = action.option_strings
    assert len(outputs) >= 10, outputs
    assert {command: sorted(strings) for command, strings in outputs.items() if
            sorted(strings) != ["--out", "--output", "-o"]} == {}
