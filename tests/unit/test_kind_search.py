"""The kind box finds a kind by any word of its name or by the words an officer types for it (the one catalogue's
synonyms): a walk typed "Theft" and found nothing, the kind being "Equipment theft"."""

from __future__ import annotations

import pytest

from ruralwatch.core.kinds import KINDS, find_kinds


def _found(text: str) -> list[tuple[str, str | None]]:
    return [(c.kind, c.subkind) for c in find_kinds(text)]


@pytest.mark.parametrize(("typed", "first"), [
    ("Theft", ("equipment_theft", None)), ("theft", ("equipment_theft", None)),
    ("stolen", ("equipment_theft", None)), ("quad", ("equipment_theft", "quad_atv")),
    ("ATV", ("equipment_theft", "quad_atv")), ("GPS", ("equipment_theft", "gps_unit")),
    ("stolen quad", ("equipment_theft", "quad_atv")), ("tractor", ("equipment_theft", "plant_machinery")),
    ("hare", ("hare_coursing", None)), ("coursing", ("hare_coursing", None)),
    ("poaching", ("poaching_wildlife", None)), ("encampment", ("unlawful_encampment", None)),
    ("traveller", ("unlawful_encampment", None)), ("Travellers", ("unlawful_encampment", None)),
    ("fly", ("fly_tipping", None)), ("red diesel", ("fuel_theft", None)),
])
def test_a_word_an_officer_types_finds_its_kind_first(typed: str, first: tuple[str, str | None]) -> None:
    assert _found(typed)[0] == first


def test_theft_lists_every_theft_and_no_sub_kinds_and_nothing_names_no_kind() -> None:
    assert _found("theft") == [("equipment_theft", None), ("fuel_theft", None), ("farm_burglary", None)]
    assert find_kinds("zzz") == []
    assert [c.kind for c in find_kinds("")] == [k.key for k in KINDS]  # every kind, as the list shows them
    assert find_kinds("quad")[0].label == "Equipment theft (Quad bike / ATV)"
