"""`hotspots`, `areas` and `evaluate --source all` take each month from one source, as `patrol plan --source all`
does, and say which: in words, and as `months` in --json. Summed, a crime we recorded that data.police.uk later
published counted twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import Cli

from ruralwatch.core.month_split import MonthSplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
SUFFOLK = [FIXTURES / f"2018-{month}-suffolk-street-every12th.csv" for month in (10, 11, 12)]
SPLIT = "Months: published crime 2018-10 to 2018-12; our incidents 2019-01 (each month from one source"
MONTHS = {"published": ["2018-10", "2018-11", "2018-12"], "incidents": ["2019-01"]}


def _suffolk_and_two_of_ours(cli: Cli) -> None:
    """Suffolk's published October-December 2018, and two burglaries of ours at the same Ipswich farm: one in
    November (in November's published crime already) and one in January 2019 (not published yet)."""
    imported = cli("import", "police-uk", *map(str, SUFFOLK))
    assert imported.code == 0, imported.err
    assert cli("geography", "use-force", "suffolk").code == 0
    for when in ("2018-11-15 02:00", "2019-01-10 02:00"):
        added = cli("incidents", "add", "--kind", "farm_burglary", "--when", when, "--lat", "52.0567", "--lon",
                    "1.1482", "--place=Test Farm")
        assert added.code == 0, added.err


def test_hotspots_from_both_count_each_month_from_one_source(cli: Cli) -> None:
    _suffolk_and_two_of_ours(cli)
    published = cli("hotspots", "--source", "published", "--json").json()
    both = cli("hotspots", "--source", "all", "--json").json()
    assert both["points"] == published["points"] + 1  # January's of ours; November's is November's published
    assert both["months"] == MONTHS
    assert published["months"] is None
    text = cli("hotspots", "--source", "all")
    assert text.code == 0 and SPLIT in text.out


def test_areas_from_both_say_the_split(cli: Cli) -> None:
    _suffolk_and_two_of_ours(cli)
    published = sum(row["count"] for row in cli("areas", "--source", "published", "--json").json()["areas"])
    answer = cli("areas", "--source", "all", "--json").json()
    assert sum(row["count"] for row in answer["areas"]) == published + 1
    assert answer["months"] == MONTHS  # which months came from which source, as hotspots --json says
    text = cli("areas", "--source", "all")
    assert text.code == 0 and SPLIT in " ".join(text.out.split())


def test_areas_from_both_work_out_the_split_once(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table, the concentration and the JSON's months each worked it out again: three lookups per run."""
    from ruralwatch.services.analysis import AnalysisService

    _suffolk_and_two_of_ours(cli)
    asked: list[tuple[str | None, str | None]] = []
    real = AnalysisService.month_split

    def spy(self: AnalysisService, month_from: str | None, month_to: str | None) -> MonthSplit:
        asked.append((month_from, month_to))
        return real(self, month_from, month_to)

    monkeypatch.setattr(AnalysisService, "month_split", spy)
    answer = cli("areas", "--source", "all", "--json").json()
    assert asked == [(None, None)] and answer["months"] == MONTHS
    assert answer["concentration"]["months"] == MONTHS
    asked.clear()
    assert SPLIT in " ".join(cli("areas", "--source", "all").out.split()) and len(asked) == 1


def test_forecast_accuracy_from_both_will_not_mix_the_sources(cli: Cli) -> None:
    _suffolk_and_two_of_ours(cli)
    mixed = cli("evaluate", "--train-from", "2018-10", "--train-to", "2018-11", "--test-from", "2019-01",
                "--test-to", "2019-01", "--source", "all")
    assert mixed.code == 2 and mixed.out == ""
    assert "--source" in mixed.err and "training (published crime 2018-10 to 2018-11), test (our incidents 2019-01)" \
        in mixed.err and len(mixed.err.strip().splitlines()) == 1
    one = cli("evaluate", "--train-from", "2018-10", "--train-to", "2018-11", "--test-from", "2018-12",
              "--test-to", "2018-12", "--source", "all", "--json")
    assert one.code == 0, one.err
    assert one.json()["months"] == {"published": MONTHS["published"], "incidents": []}
    text = cli("evaluate", "--train-from", "2018-10", "--train-to", "2018-11", "--test-from", "2018-12",
               "--test-to", "2018-12", "--source", "all")
    assert "every training and test month is published crime's" in text.out
