"""An easting and northing without letters on the command line: `grid-ref` converts it, `--grid-ref` places an
incident with it, and a pair that is no place either way is one line naming both readings (exit 2)."""

from __future__ import annotations

from cli_harness import Cli


def test_grid_ref_converts_an_easting_and_northing(cli: Cli) -> None:
    for typed in (["558800", "222400"], ["558800,", "222400"], ["558800222400"]):
        result = cli("grid-ref", *typed, "--json", db=None)
        assert result.code == 0, result
        data = result.json()
        assert data["grid_ref"] == "TL 58800 22400"
        assert (data["easting"], data["northing"]) == (558800, 222400)


def test_an_incident_placed_by_easting_and_northing(cli: Cli) -> None:
    result = cli("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00",
                 "--grid-ref", "558800, 222400", "--json")
    assert result.code == 0, result
    assert result.json()["grid_ref"] == "TL 58800 22400"


def test_a_pair_that_is_no_place_is_one_line_with_both_readings(cli: Cli) -> None:
    result = cli("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00",
                 "--grid-ref", "800000, 200000")
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert "is not a place in Great Britain either way it can be read: as latitude 800000 and longitude 200000" \
           in line and "as easting 800000 and northing 200000 in metres, it is off the National Grid" in line
    assert cli("incidents", "list", "--json").json() == []
