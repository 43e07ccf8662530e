"""The incident search finds kinds by the kind box's rule (core.kinds.search_kinds over the one catalogue): any word
of a kind's name or a synonym ("traveller", "stolen", "quad"), where it matched only a substring of a kind's name and
"traveller" found no encampment."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.incident import IncidentFilter, IncidentInput
from ruralwatch.core.kinds import KINDS, _words, search_kinds
from ruralwatch.services.container import Services
from ruralwatch.store import Store

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
_NAME_WORDS = [(kind.key, word) for kind in KINDS for word in _words(kind.name)]


def _incident(kind: str, subkind: str | None = None) -> IncidentInput:
    # Place and description name no kind: only the kind itself can make the search find it.
    return IncidentInput(kind=kind, subkind=subkind, occurred_start="2026-11-20 07:00", lat=51.95, lon=0.3,
                         place="Plot 7", description="reported by phone")


def _one_of_each(store: Store) -> tuple[Services, dict[tuple[str, str | None], str]]:
    services = Services.build(store, clock=lambda: NOW)
    made = {(k.key, None): services.incidents.record(_incident(k.key)).id for k in KINDS}
    for sub in ("quad_atv", "gps_unit"):
        made[("equipment_theft", sub)] = services.incidents.record(_incident("equipment_theft", sub)).id
    return services, made


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_NAME_WORDS), st.data())
def test_every_kind_is_found_by_each_word_of_its_own_name(pair: tuple[str, str], data: st.DataObject) -> None:
    kind, word = pair
    cut = data.draw(st.integers(min_value=1, max_value=len(word)))  # a word's start, as typed so far
    typed = data.draw(st.sampled_from([word[:cut], word[:cut].upper(), word[:cut].title()]))
    assert kind in search_kinds(typed).kinds


def test_each_word_of_a_kinds_name_finds_its_incidents(store: Store) -> None:
    services, made = _one_of_each(store)
    for kind, word in _NAME_WORDS:
        found = {i.id for i in services.incidents.list(IncidentFilter(text=word))}
        assert made[(kind, None)] in found, (kind, word)


def test_a_synonym_finds_the_incidents_of_its_kinds(store: Store) -> None:
    services, made = _one_of_each(store)

    def found(text: str) -> set[tuple[str, str | None]]:
        ids = {i.id for i in services.incidents.list(IncidentFilter(text=text))}
        return {key for key, incident_id in made.items() if incident_id in ids}

    encampment = {("unlawful_encampment", None)}
    assert found("traveller") == found("Travellers") == found("caravans") == encampment
    assert found("hare") == found("lurchers") == {("hare_coursing", None)}
    thefts = {("equipment_theft", None), ("equipment_theft", "quad_atv"), ("equipment_theft", "gps_unit"),
              ("fuel_theft", None), ("farm_burglary", None)}
    assert found("theft") == found("stolen") == thefts
    # A word of one kind of equipment finds those thefts, not every equipment theft.
    assert found("quad") == found("ATV") == found("stolen quad") == {("equipment_theft", "quad_atv")}
    assert found("red diesel") == {("fuel_theft", None)}
    assert found("plot") == set(made)  # the place still matches as before
    assert found("church lane") == set()  # every word must name the kind: "lane" names none


def test_no_kind_for_text_that_names_none() -> None:
    assert not search_kinds("") and not search_kinds("AB12 CDE") and not search_kinds("zebra")
    assert search_kinds("quad").subkinds == (("equipment_theft", "quad_atv"),)
    assert search_kinds("equipment theft quad").kinds == ()  # the sub-kind narrows a kind named by a synonym's word

