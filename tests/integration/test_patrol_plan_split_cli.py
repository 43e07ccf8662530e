"""`patrol plan --source all` takes each month from one source and says which; `patrol show` prints what a saved
plan said when it was saved, whatever published crime is imported after."""

from __future__ import annotations

from pathlib import Path

from cli_harness import Cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
SUFFOLK = [FIXTURES / f"2018-{month}-suffolk-street-every12th.csv" for month in (10, 11, 12)]
WINDOW = ("--area", "Ipswich", "--date", "2019-01-20", "--start", "18:00", "--end", "22:00")
SAVED_SPLIT = "(published crime 2018-10 to 2018-11; our incidents 2018-02 to 2018-09 and 2018-12 to 2019-01)"
LATER_SPLIT = "(published crime 2018-10 to 2018-12; our incidents 2018-02 to 2018-09 and 2019-01)"


def _import(cli: Cli, *files: Path) -> None:
    imported = cli("import", "police-uk", *map(str, files))
    assert imported.code == 0, imported.err


def test_a_saved_plan_from_both_shows_the_split_it_was_saved_with(cli: Cli) -> None:
    _import(cli, *SUFFOLK[:2])
    assert cli("geography", "use-force", "suffolk").code == 0
    assert cli("people", "add", "--name", "Pat Kemp", "--role", "officer", "--collar", "PC7").code == 0
    created = cli("patrol", "create", *WINDOW, "--crew", "PC7", "--override-reason", "Covering", "--source", "all",
                  "--json")
    assert created.code == 0, created.err
    patrol = created.json()["id"]
    shown = cli("patrol", "show", patrol)
    assert shown.code == 0 and SAVED_SPLIT in shown.out and "counts once" in shown.out

    _import(cli, SUFFOLK[2])  # December comes out after the plan was saved
    again = cli("patrol", "show", patrol)
    assert again.code == 0 and SAVED_SPLIT in again.out and LATER_SPLIT not in again.out
    shown_json = cli("patrol", "show", patrol, "--json").json()
    assert SAVED_SPLIT in shown_json["source_note"]
    # The split as a field, as `patrol plan --json` and the analysis commands give it (it was only in the note).
    assert shown_json["months"] == {"published": ["2018-10", "2018-11"],
                                    "incidents": [f"2018-{m:02d}" for m in range(2, 10)] + ["2018-12", "2019-01"]}
    fresh = cli("patrol", "plan", *WINDOW, "--source", "all")
    assert fresh.code == 0 and LATER_SPLIT in fresh.out  # a new plan is made from what is held now


def test_a_crime_of_ours_in_a_published_month_is_not_counted_twice(cli: Cli) -> None:
    _import(cli, *SUFFOLK)
    assert cli("geography", "use-force", "suffolk").code == 0
    added = cli("incidents", "add", "--kind", "farm_burglary", "--when", "2018-11-15 02:00", "--lat", "52.0567",
                "--lon", "1.1482", "--place=Test Farm")
    assert added.code == 0, added.err
    published = cli("patrol", "plan", *WINDOW, "--source", "published", "--json").json()
    both = cli("patrol", "plan", *WINDOW, "--source", "all", "--json").json()
    assert both["source"] == "all" and LATER_SPLIT in both["source_note"]
    # November is published crime's: the burglary we recorded then is in it once, not added again.
    assert sorted((s["key"], s["harm"]) for s in both["stops"]) == sorted(
        (s["key"], s["harm"]) for s in published["stops"])


def test_a_plan_from_both_gives_its_months_as_a_field(cli: Cli) -> None:
    _import(cli, *SUFFOLK)
    assert cli("geography", "use-force", "suffolk").code == 0
    both = cli("patrol", "plan", *WINDOW, "--source", "all", "--json").json()
    assert both["months"] == {"published": ["2018-10", "2018-11", "2018-12"],
                              "incidents": [f"2018-{m:02d}" for m in range(2, 10)] + ["2019-01"]}
    assert cli("patrol", "plan", *WINDOW, "--source", "published", "--json").json()["months"] is None
    assert cli("people", "add", "--name", "Pat Kemp", "--role", "officer", "--collar", "PC7").code == 0
    one_source = cli("patrol", "create", *WINDOW, "--crew", "PC7", "--override-reason", "Covering", "--source",
                     "published", "--json").json()["id"]
    assert cli("patrol", "show", one_source, "--json").json()["months"] is None


def test_patrol_plan_leaves_out_the_crime_types_given_and_says_so(cli: Cli) -> None:
    _import(cli, *SUFFOLK)
    assert cli("geography", "use-force", "suffolk").code == 0
    text = cli("patrol", "plan", *WINDOW, "--source", "published", "--exclude-types", "Shoplifting,anti-social "
               "behaviour")
    assert text.code == 0, text.err
    assert "Crime types: all but Shoplifting, Anti-social behaviour." in text.out
    data = cli("patrol", "plan", *WINDOW, "--source", "published", "--exclude-types", "Shoplifting", "--json").json()
    assert data["source_note"].endswith("Crime types: all but Shoplifting.")
    refused = cli("patrol", "plan", *WINDOW, "--exclude-types", "Shoplifing")
    assert refused.code == 2 and "--exclude-types: 'Shoplifing' is not a type" in refused.err
    assert "did you mean Shoplifting?" in refused.err and refused.out == ""
