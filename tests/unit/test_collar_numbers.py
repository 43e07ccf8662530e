"""One collar number is one person's, however it is spaced or cased ("SC 4125", "sc4125"): core.people.collar_key,
used by the people service (unique check, find), the demo's clash check and so the command line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.people import PersonInput, collar_key, person_matches, tidy_collar
from ruralwatch.services.container import Services
from ruralwatch.store import Store, open_store

# Collar numbers as forces write them: letters and digits, perhaps a slash or dash.
collars = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-", min_size=1, max_size=8)


@st.composite
def spellings(draw: st.DrawFn, collar: str) -> str:
    """`collar` with each letter in either case and spaces (or a tab) anywhere, as someone might type it."""
    out = []
    for ch in collar:
        out.append(draw(st.sampled_from(["", " ", "  ", "\t"])))
        out.append(ch.upper() if draw(st.booleans()) else ch.lower())
    out.append(draw(st.sampled_from(["", " "])))
    return "".join(out)


@given(data=st.data(), collar=collars)
def test_every_spelling_of_a_collar_number_has_one_key(data: st.DataObject, collar: str) -> None:
    one, other = data.draw(spellings(collar)), data.draw(spellings(collar))
    assert collar_key(one) == collar_key(other) == collar.upper()
    assert collar_key(collar_key(one)) == collar_key(one)  # the key is its own key
    assert collar_key(tidy_collar(one)) == collar_key(one)  # what is stored keeps its key
    assert " " not in collar_key(one) and "  " not in tidy_collar(one)


@given(one=collars, other=collars)
def test_different_collar_numbers_keep_different_keys(one: str, other: str) -> None:
    assert (collar_key(one) == collar_key(other)) == (one.upper() == other.upper())


@given(data=st.data(), collar=collars)
def test_a_people_filter_finds_a_collar_number_typed_in_any_spelling(data: st.DataObject, collar: str) -> None:
    """The patrol crew filter found "SC 4125" only when typed with its space."""
    stored, typed = tidy_collar(data.draw(spellings(collar))), data.draw(spellings(collar))
    shown = f"Dev Hughes — Special Constable, {stored}"
    assert person_matches(typed, shown, stored)
    assert person_matches(typed[: len(typed) // 2], shown, stored)  # a beginning too
    assert person_matches("", shown, stored) and person_matches("  dev   hughes ", shown, stored)


def test_a_people_filter_finds_no_one_for_another_collar_number() -> None:
    shown = "Dev Hughes — Special Constable, SC 4125"
    for typed in ("SC4126", "PC4125", "sc 41255", "4 1 2 6"):
        assert not person_matches(typed, shown, "SC 4125"), typed
    assert not person_matches("SC4125", "Ann Lee — Community volunteer", "")  # no collar number: only the words


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), collar=collars)
def test_a_second_person_with_another_spelling_is_refused(data: st.DataObject, collar: str) -> None:
    first_spelling, second_spelling = data.draw(spellings(collar)), data.draw(spellings(collar))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "rw.db")
        try:
            services = Services.build(store)
            first = services.people.add(PersonInput(name="Dev Hughes", role="special",
                                                    collar_number=first_spelling))
            with pytest.raises(ValidationError, match="is already the collar number of Dev Hughes"):
                services.people.add(PersonInput(name="Ann Lee", role="special", collar_number=second_spelling))
            assert [p.id for p in services.people.list()] == [first.id]
            assert services.people.find(second_spelling).id == first.id
        finally:
            store.close()


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


def _stored_before_the_rule(services: Services, name: str, collar: str) -> str:
    """A person whose collar number was written before the rule, spaced and cased as it was typed."""
    from ruralwatch.services.people import _encode

    values = {"name": name, "role": "special", "collar_number": collar, "rank": "sc", "independent_patrol": 0,
              "driving_authorised": 0, "skills": [], "station": "", "area": "", "monthly_commitment_hours": 16.0,
              "phone": "", "email": "", "active": 1, "left_on": "", "notes": ""}
    with services.store.transaction():
        return services.people.people.insert(_encode(values))


def test_a_collar_number_stored_with_spaces_is_found_and_kept_as_typed(services: Services) -> None:
    dev = _stored_before_the_rule(services, "Dev Hughes", "sc 4125")
    for typed in ("SC4125", "sc4125", "SC 4125", " s c 4 1 2 5 "):
        assert services.people.find(typed).id == dev
    assert services.people.get(dev).collar_number == "sc 4125"  # reading it rewrites nothing
    with pytest.raises(ValidationError, match=r"SC4125 \(stored as sc 4125\) is already the collar number of Dev"):
        services.people.add(PersonInput(name="Ann Lee", role="special", collar_number="SC4125"))
    # An edit that keeps the collar number is no clash; it is stored tidied, as the form showed it.
    edited = services.people.update(dev, PersonInput(name="Dev Hughes", role="special", collar_number="sc 4125",
                                                     station="Maldon"))
    assert (edited.station, edited.collar_number) == ("Maldon", "SC 4125")
    with pytest.raises(NotFoundError):
        services.people.find("SC412")


def test_two_people_stored_with_one_collar_number_before_the_rule_stay_editable(services: Services) -> None:
    """'SC 4125' and 'SC4125' were two people before; now they clash, but editing either is no new clash, and
    naming them by collar number asks which one."""
    one = _stored_before_the_rule(services, "Dev Hughes", "SC 4125")
    two = _stored_before_the_rule(services, "Dave Hughes", "SC4125")
    with pytest.raises(ValidationError, match="2 people match 'sc4125'") as caught:
        services.people.find("sc4125")
    assert one in str(caught.value) and two in str(caught.value)
    kept = services.people.update(two, PersonInput(name="Dave Hughes", role="special", collar_number="SC4125",
                                                   station="Witham"))
    assert kept.station == "Witham"
    # Giving one of them a new collar number tells them apart for good.
    services.people.update(two, PersonInput(name="Dave Hughes", role="special", collar_number="SC4126"))
    assert services.people.find("sc 4125").id == one and services.people.find("SC 4126").id == two

