"""`ruralwatch roads import|show`: an OSM extract in, described; a corrupt one refused with one message, exit 2,
the previous network kept."""

from __future__ import annotations

from pathlib import Path

import osm_fixture as town
import pytest
from cli_harness import Cli
from fixtures.broken_inputs import FullDiskOs


def test_import_show_and_a_corrupt_extract_refused(cli: Cli, tmp_path: Path) -> None:
    shown = cli("roads", "show", "--json")
    assert shown.code == 0 and shown.json() is None
    assert "straight line" in cli("roads", "show").out

    done = cli("roads", "import", str(town.write_river_town(tmp_path / "river.osm")))
    assert done.code == 0, done.err
    assert "imported 4 roads from river.osm" in done.out and "OpenStreetMap contributors" in done.out
    info = cli("roads", "show", "--json").json()
    assert info["source"] == "river.osm" and info["nodes"] > 0 and info["edges"] > 0 and info["ways"] == 4
    assert info["file"] == str(cli.db_path) + ".roads"
    south, west, north, east = info["extent"]
    assert south <= town.LOOP_LAT and north >= town.NORTH_LAT and west <= town.WEST_LON and east >= town.BRIDGE_LON
    text = cli("roads", "show").out
    assert "river.osm" in text and "junctions" in text

    for bad in (town.write_corrupt_pbf(tmp_path / "essex-latest.osm.pbf"),
                town.write_truncated_osm(tmp_path / "cut.osm")):
        refused = cli("roads", "import", str(bad))
        assert refused.code == 2
        lines = [line for line in refused.err.splitlines() if line.strip()]
        assert len(lines) == 1 and bad.name in lines[0] and "not changed" in lines[0], refused.err
        assert cli("roads", "show", "--json").json() == info  # the previous network stays


def test_a_full_disk_beside_the_database_is_one_message_and_keeps_the_network(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was a traceback (OSError: No space left on device) and exit 1."""
    assert cli("roads", "import", str(town.write_river_town(tmp_path / "river.osm"))).code == 0
    info = cli("roads", "show", "--json").json()

    monkeypatch.setattr("ruralwatch.io.osm_roads.os", FullDiskOs())
    refused = cli("roads", "import", str(town.write_river_town(tmp_path / "other.osm")))
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert (f"the road network could not be written to {cli.db_path.parent}: No space left on device; the road "
            "network was not changed") in refused.err
    assert cli("roads", "show", "--json").json() == info
    assert sorted(p.name for p in cli.db_path.parent.iterdir() if p.name.endswith(".part")) == []
