"""`incidents list --search` (or `--text`) finds kinds by the window's rule: any word or synonym of the one kind
catalogue (core.kinds.search_kinds), where only a substring of a kind's name matched."""

from __future__ import annotations

from cli_harness import Cli

ADD = ("incidents", "add", "--when", "2026-11-20 07:00", "--grid-ref", "TL 61234 32456", "--place", "Plot 7",
       "--json")


def test_search_finds_a_kind_by_a_synonym(cli: Cli) -> None:
    camp = cli(*ADD, "--kind", "unlawful_encampment").json()["id"]
    quad = cli(*ADD, "--kind", "equipment_theft", "--subkind", "quad_atv").json()["id"]
    cli(*ADD, "--kind", "equipment_theft", "--subkind", "tools")
    cli(*ADD, "--kind", "fly_tipping")

    def listed(option: str, text: str) -> list[str]:
        result = cli("incidents", "list", option, text, "--json")
        assert result.code == 0, result.err
        return [item["id"] for item in result.json()]

    assert listed("--search", "traveller") == listed("--text", "Travellers") == [camp]
    assert listed("--search", "quad") == [quad]
