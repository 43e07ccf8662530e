"""The table that names a service's field as the option the user typed (ruralwatch/cli/user_words.py)."""

from __future__ import annotations

import argparse

from ruralwatch.cli.parser import build_parser
from ruralwatch.cli.user_words import FIELD_DESTS, chosen_parser, in_user_words, option_names
from ruralwatch.core.errors import FieldError, ValidationError


def _all_dests(parser: argparse.ArgumentParser) -> set[str]:
    dests = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                dests |= _all_dests(sub)
        else:
            dests.add(action.dest)
    return dests


def test_every_option_the_table_names_is_one_some_command_has() -> None:
    dests = _all_dests(build_parser())
    assert {dest for names in FIELD_DESTS.values() for dest in names} <= dests


def test_the_option_is_named_as_typed_short_or_long() -> None:
    argv = ["patrol", "report", "P1", "-o", "r.pdf"]
    args = build_parser().parse_args(argv)
    path = chosen_parser(build_parser(only="patrol"), args)
    assert path[-1].prog.endswith("patrol report")
    refused = ValidationError([FieldError("out", "the folder is not there"), FieldError("to", "x")])
    assert str(in_user_words(refused, option_names(path, argv))) == "-o: the folder is not there; to: x"
    long = ["patrol", "report", "P1", "--output=r.pdf"]
    assert option_names(path, long)["out"] == "--output"


def test_a_field_no_option_gives_reads_as_plain_words_and_an_option_stays() -> None:
    refused = ValidationError([FieldError("window_to", "the window ends before it starts"),
                               FieldError("dose_radius_m", "too small"), FieldError("--vrm", "not a VRM")])
    assert str(in_user_words(refused, {})) == ("alert window: the window ends before it starts; dose radius: too "
                                               "small; --vrm: not a VRM")
