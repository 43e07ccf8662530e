"""cli.option_for_field: the one translation from service field names to the options a user typed."""

from __future__ import annotations

import argparse

import pytest

from ruralwatch.cli import build_parser
from ruralwatch.cli.commands.incident_options import FIELD_OPTIONS, Origins, option_for_field
from ruralwatch.core.kinds import ALL_DETAIL_FIELDS


def add_options() -> set[str]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    incidents = commands.choices["incidents"]
    actions = next(a for a in incidents._actions if isinstance(a, argparse._SubParsersAction))
    return {option for action in actions.choices["add"]._actions for option in action.option_strings}


@pytest.mark.parametrize(
    ("field", "option"),
    [
        ("occurred_start", "--when"), ("occurred_end", "--end"), ("reported_at", "--reported"),
        ("grid_ref", "--grid-ref"), ("lat", "--lat"), ("lon", "--lon"), ("crime_reference", "--crime-ref"),
        ("hc_people", "--people"), ("enc_people", "--people"), ("hc_landowner_informed", "--landowner-informed"),
        ("enc_date_left", "--date-left"), ("items", "--item"), ("attachments", "--attach"),
    ],
)
def test_fields_map_to_options(field: str, option: str) -> None:
    assert option_for_field(field) == option


def test_every_mapped_option_exists() -> None:
    options = add_options()
    assert set(FIELD_OPTIONS.values()) <= options
    assert {option_for_field(spec.key) for spec in ALL_DETAIL_FIELDS} <= options


def test_children_are_named_by_the_option_that_gave_them() -> None:
    origins = Origins(vehicles=["vehicle AB12 CDE already on the incident", "--vrm 1", "--vehicle 1"],
                      items=["--item 1", "--item 2"])
    assert option_for_field("vehicles[0].vrm", origins) == "vehicle AB12 CDE already on the incident"
    assert option_for_field("vehicles[1].role", origins) == "--vrm 1"
    assert option_for_field("vehicles[2].vrm", origins) == "--vehicle 1"
    assert option_for_field("items[1].value_gbp", origins) == "--item 2"
    assert option_for_field("items[5].category", origins) == "stolen item 6"


def test_location_names_what_was_given() -> None:
    assert option_for_field("location", Origins(location="--grid-ref")) == "--grid-ref"
    assert option_for_field("location") == "--lat/--lon or --grid-ref"


def test_options_and_unknown_fields_pass_through() -> None:
    assert option_for_field("--remove-vrm") == "--remove-vrm"
    assert option_for_field("something_else") == "something_else"
