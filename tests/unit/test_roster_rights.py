"""What the roster offers a role is asked of the services: who must be linked to a person, whose availability an
account may change, who may edit people."""

from __future__ import annotations

from ruralwatch.core.people import PersonInput
from ruralwatch.core.permissions import Actor
from ruralwatch.services.accounts import AccountService
from ruralwatch.services.people import PeopleService


def test_an_account_on_the_roster_needs_its_person_and_others_do_not() -> None:
    assert AccountService.needs_person("special", None)
    assert AccountService.needs_person("ret_officer", "")
    assert not AccountService.needs_person("special", "p1")
    assert not AccountService.needs_person("analyst", None)
    assert not AccountService.needs_person("coordinator", None)  # edits the whole roster, linked or not
    assert Actor("sc1", "special").needs_person and not Actor("sc1", "special", person_id="p1").needs_person


def test_a_special_may_change_only_their_own_availability_and_no_one_else(store) -> None:
    people = PeopleService(store)
    mine = people.add(PersonInput(name="Sam Lee", role="special", collar_number="SC1"))
    theirs = people.add(PersonInput(name="Jo Bell", role="special", collar_number="SC2"))
    assert people.may_edit_people() and people.may_edit_availability(theirs.id)  # the system: anything
    store.actor = Actor("sc1", "special", person_id=mine.id)
    assert people.may_edit_availability(mine.id) and not people.may_edit_availability(theirs.id)
    assert not people.may_edit_people() and not people.needs_own_person()
    store.actor = Actor("sc1", "special")
    assert people.needs_own_person() and not people.may_edit_availability(mine.id)
    store.actor = Actor("coord", "coordinator")
    assert people.may_edit_people() and people.may_edit_availability(theirs.id) and not people.needs_own_person()
