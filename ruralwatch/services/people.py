"""Volunteers and officers: who they are, their skills and when they are available. One transaction per write."""

from __future__ import annotations

import builtins  # below the service's own `def list`, `list[...]` in its signatures would name that method
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, NotFoundError, ValidationError
from ruralwatch.core.people import (
    Person,
    PersonInput,
    WeeklySlotInput,
    collar_key,
    format_time_of_day,
    parse_time_of_day,
    validate_exception,
    validate_person,
    validate_weekly,
)
from ruralwatch.rostering.model import AvailabilityException, Volunteer, WeeklySlot
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.geography import GeographyService
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values
from ruralwatch.store.syncable import SyncTable

TOPIC = "people"
MAX_EXCEPTION_DAYS = 183  # dates away or extra given at once: half a year (longer is a leaver, or a typo)


def person_from_row(row: dict[str, Any]) -> Person:
    return Person(
        id=row["id"], name=row["name"], role=row["role"], collar_number=row["collar_number"] or "",
        rank=row["rank"] or "", independent_patrol=bool(row["independent_patrol"]),
        driving_authorised=bool(row["driving_authorised"]), skills=tuple(json.loads(row["skills"] or "[]")),
        station=row["station"] or "", area=row["area"] or "",
        monthly_commitment_hours=float(row["monthly_commitment_hours"] or 0), phone=row["phone"] or "",
        email=row["email"] or "", active=bool(row["active"]), left_on=row["left_on"] or "",
        notes=row["notes"] or "", synthetic=bool(row["synthetic"]),
    )


def _told_apart(person: Person) -> str:
    """What a reader can tell a person by besides the name: role, collar number, station."""
    return ", ".join(part for part in (person.role, person.collar_number or "no collar number", person.station) if part)


class PeopleService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock,
                 geography: GeographyService | None = None) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock
        # A person's area is one of the force's districts (geography.find_district), as a patrol's area is.
        self.geography = geography or GeographyService(store, self.hub)
        # Rows' created_at/updated_at (a person's created_at starts their hours), read when written: tests set _now.
        self.people = SyncTable(store, "people", lambda: self._now())
        self.weekly = SyncTable(store, "availability", lambda: self._now())
        self.exceptions = SyncTable(store, "availability_exceptions", lambda: self._now())

    # --- people -------------------------------------------------------------------------------------------

    def add(self, inp: PersonInput, synthetic: bool = False) -> Person:
        self.store.actor.require("roster.edit")
        values = self._validated(inp)
        self._check_distinct(values)
        with self.store.transaction():
            person_id = self.people.insert({**_encode(values), "synthetic": int(synthetic)})
        self.hub.publish(Change(TOPIC, "created", (person_id,)))
        return self.get(person_id)

    def update(self, person_id: str, inp: PersonInput) -> Person:
        self.store.actor.require("roster.edit")
        stored = self.get(person_id)
        values = self._validated(inp, stored.area)
        self._check_distinct(values, person_id)
        if not self.store.actor.can("personal.volunteers"):
            for hidden in ("phone", "email", "notes"):  # shown blank to this role: blank is not an edit
                values.pop(hidden, None)
        with self.store.transaction():
            self.people.update(person_id, _encode(values))
        self.hub.publish(Change(TOPIC, "updated", (person_id,)))
        return self.get(person_id)

    def _validated(self, inp: PersonInput, stored_area: str = "") -> dict[str, Any]:
        """validate_person's values with the area made the district it stands for (geography.checked_district:
        "uttles" is Uttlesford, an old area left unchanged stays); every bad field named at once."""
        return self.geography.with_checked_district(lambda: validate_person(inp), inp.area, stored_area)

    def _check_distinct(self, values: dict[str, Any], person_id: str = "") -> None:
        """Each person can be told apart: a collar number belongs to one person, and a second person of the same
        name needs a collar number. `people add` run twice made two 'Dev Hughes' that no command could then name.

        Only a clash this write makes is refused: two people stored alike before the rule (same name, no collar
        number) could otherwise not be edited at all, not even to give one of them a collar number."""
        errors: builtins.list[FieldError] = []
        stored = self._stored_identity(person_id)
        collar = str(values.get("collar_number") or "").strip()
        name = str(values["name"])
        if collar:
            holder = self._collar_holder(collar, person_id)
            if holder and (stored is None or collar_key(stored[1]) != collar_key(collar)):
                demo = " (a demo person: remove the demo data to free it)" if holder[2] else ""
                taken = collar if holder[1] == collar else f"{collar} (stored as {holder[1]})"
                errors.append(FieldError("collar_number",
                                         f"{taken} is already the collar number of {holder[0]}{demo}"))
        else:
            twins = self.store.db.execute(
                "SELECT COUNT(*) FROM people WHERE deleted = 0 AND id <> ? AND lower(name) = lower(?)",
                [person_id, name]).fetchone()[0]
            already = stored is not None and not stored[1] and stored[0].lower() == name.lower()
            if twins and not already:
                errors.append(FieldError("name", f"there is already a person called {name}: give this "
                                                 "one a collar number to tell them apart, or edit that person"))
        if errors:
            raise ValidationError(errors)

    def _collar_holder(self, collar: str, person_id: str = "") -> tuple[str, str, bool] | None:
        """(name, collar as stored, synthetic) of another person with this collar number by `collar_key`. Compared
        here rather than in SQL, so rows stored with spaces before the rule ("SC 4125") match by the same rule."""
        key = collar_key(collar)
        for name, stored, synthetic in self.store.db.execute(
                "SELECT name, collar_number, synthetic FROM people WHERE deleted = 0 AND id <> ?"
                " AND collar_number IS NOT NULL AND collar_number <> '' ORDER BY created_at, id",
                [person_id]).fetchall():
            if collar_key(stored) == key:
                return str(name), str(stored), bool(synthetic)
        return None

    def _collar_ids(self, collar: str) -> builtins.list[str]:
        """Ids of the people whose collar number is `collar` by `collar_key` (more than one only in data stored
        before the rule, or merged from two laptops)."""
        key = collar_key(collar)
        if not key:
            return []
        return [str(row_id) for row_id, stored in self.store.db.execute(
            "SELECT id, collar_number FROM people WHERE deleted = 0 AND collar_number IS NOT NULL"
            " AND collar_number <> ''").fetchall() if collar_key(stored) == key]

    def _stored_identity(self, person_id: str) -> tuple[str, str] | None:
        """(name, collar number) as stored, for an edit; None for a new person."""
        if not person_id:
            return None
        row = self.store.db.execute("SELECT name, collar_number FROM people WHERE id = ?", [person_id]).fetchone()
        return (str(row[0]), str(row[1] or "").strip()) if row else None

    def mark_left(self, person_id: str, on: date) -> Person:
        """Someone who leaves stays on record (their hours still count) but is never rostered again."""
        self.store.actor.require("roster.edit")
        self.get(person_id)
        with self.store.transaction():
            self.people.update(person_id, {"active": 0, "left_on": on.isoformat()})
        self.hub.publish(Change(TOPIC, "updated", (person_id,)))
        return self.get(person_id)

    def remove(self, person_id: str) -> None:
        """Delete a person recorded in error. Refused while they are on a duty or patrol: mark them left."""
        self.store.actor.require("roster.edit")
        self.get(person_id)
        on_duty = self.store.db.execute(
            "SELECT (SELECT COUNT(*) FROM duty_assignments WHERE person_id = ? AND deleted = 0)"
            " + (SELECT COUNT(*) FROM patrol_crew WHERE person_id = ? AND deleted = 0)",
            [person_id, person_id],
        ).fetchone()[0]
        if on_duty:
            raise ValidationError.single(
                "person", "they are on duties or patrols; mark them as left instead so their hours stay counted"
            )
        with self.store.transaction():
            self.people.tombstone(person_id)
            for table, rows in (("availability", self.weekly), ("availability_exceptions", self.exceptions)):
                for (row_id,) in self.store.db.execute(
                    f"SELECT id FROM {table} WHERE person_id = ? AND deleted = 0", [person_id]
                ).fetchall():
                    rows.tombstone(row_id)
        self.hub.publish(Change(TOPIC, "deleted", (person_id,)))

    def get(self, person_id: str) -> Person:
        rows = list(self.store.db.query("SELECT * FROM people WHERE id = ? AND deleted = 0", [person_id]))
        if not rows:
            raise NotFoundError(f"no person with id {person_id}")
        return self._person(rows[0])

    def _person(self, row: dict[str, Any]) -> Person:
        return self._visible(person_from_row(open_values(self.store, "people", row)))

    def _visible(self, person: Person) -> Person:
        """Contact details only for roles entitled to them, and to the person themself."""
        actor = self.store.actor
        if actor.can("personal.volunteers") or actor.person_id == person.id:
            return person
        return replace(person, phone="", email="", notes="")

    def find(self, text: str) -> Person:
        """A person by id, collar number or (unique) name, for the CLI and quick search."""
        needle = text.strip()
        collar_ids = self._collar_ids(needle)
        marks = ", ".join("?" * len(collar_ids))
        by_collar = f" OR id IN ({marks})" if collar_ids else ""
        rows = list(
            self.store.db.query(
                f"SELECT * FROM people WHERE deleted = 0 AND (id = ? OR lower(name) = lower(?){by_collar})",
                [needle, needle, *collar_ids],
            )
        )
        if len(rows) == 1:
            return self._person(rows[0])
        if not rows:
            raise NotFoundError(f"no person called {needle!r} (give a name, collar number or id)")
        people = [self._person(row) for row in rows]
        choices = "; ".join(f"{p.id} ({_told_apart(p)})" for p in people)
        if sum(not p.collar_number for p in people) > 1:
            # People stored alike before duplicates were refused: say how to tell them apart for good.
            raise ValidationError.single(
                "person", f"{len(people)} people are called {people[0].name} and have no collar number to tell "
                          f"them apart: name one by its id ({choices}), and give each a collar number "
                          "(Team ▸ Roster ▸ Edit person… in the window, `ruralwatch people edit ID --collar …` "
                          "on the command line)")
        raise ValidationError.single("person", f"{len(people)} people match {needle!r}: give a collar number or id "
                                               f"({choices})")

    def list(self, active_only: bool = False, role: str | None = None) -> list[Person]:
        where, params = ["deleted = 0"], []
        if active_only:
            where.append("active = 1")
        if role:
            where.append("role = ?")
            params.append(role)
        query = f"SELECT * FROM people WHERE {' AND '.join(where)} ORDER BY name COLLATE NOCASE"
        return [self._person(row) for row in self.store.db.query(query, params)]

    # --- availability -------------------------------------------------------------------------------------

    def _require_availability(self, person_id: str) -> None:
        """Coordinators edit anyone's availability; everyone may give their own."""
        if not self.may_edit_availability(person_id):
            self.store.actor.require("roster.edit")

    def may_edit_availability(self, person_id: str) -> bool:
        """Whether the signed-in account may change this person's availability (the window greys what it may not)."""
        actor = self.store.actor
        return (actor.person_id == person_id and actor.can("roster.own_availability")) or actor.can("roster.edit")

    def may_edit_people(self) -> bool:
        """Whether the signed-in account may add, edit and mark people as left."""
        return self.store.actor.can("roster.edit")

    def own_person_id(self) -> str | None:
        """The roster entry the signed-in account is linked to, if any."""
        return self.store.actor.person_id

    def needs_own_person(self) -> bool:
        """The signed-in account is someone on the roster but not linked to their person there: until an
        administrator links it, it cannot give its own availability."""
        return self.store.actor.needs_person

    def set_weekly(self, person_id: str, slots: builtins.list[WeeklySlotInput]) -> None:
        """Replace a person's weekly pattern (the old slots are tombstoned, so the change syncs)."""
        self._require_availability(person_id)
        checked = validate_weekly(slots)
        self.get(person_id)
        with self.store.transaction():
            for (row_id,) in self.store.db.execute(
                "SELECT id FROM availability WHERE person_id = ? AND deleted = 0", [person_id]
            ).fetchall():
                self.weekly.tombstone(row_id)
            for weekday, start, end in checked:
                self.weekly.insert(
                    {"person_id": person_id, "weekday": weekday, "start_time": format_time_of_day(start),
                     "end_time": format_time_of_day(end)}
                )
        self.hub.publish(Change(TOPIC, "updated", (person_id,)))

    def weekly_pattern(self, person_id: str) -> builtins.list[WeeklySlot]:
        return self._weekly_by_person([person_id]).get(person_id, [])

    def add_exception(self, person_id: str, on: str, kind: str, start: str = "", end: str = "", note: str = "") -> str:
        return self.add_exceptions(person_id, on, on, kind, start, end, note, skip_same=False)[0]

    def add_exceptions(self, person_id: str, first: str, last: str, kind: str, start: str = "", end: str = "",
                       note: str = "", skip_same: bool = True) -> builtins.list[str]:
        """Every date from `first` to `last` (inclusive), one row a date as the roster reads them, in one
        transaction: a fortnight's holiday is one entry, not fourteen. Dates that already say the same are
        left as they are."""
        self._require_availability(person_id)
        on_date, kind, start_t, end_t = validate_exception(first, kind, start, end)
        try:
            last_date = times.parse_date(last, "to")
        except ValidationError:
            raise ValidationError.single("to", f"{last!r} is not a date (use YYYY-MM-DD)") from None
        if last_date < on_date:
            raise ValidationError.single("to", f"the last day ({last_date}) is before the first ({on_date})")
        days = (last_date - on_date).days + 1
        if days > MAX_EXCEPTION_DAYS:
            raise ValidationError.single("to", f"{days} days is more than {MAX_EXCEPTION_DAYS} at once; "
                                               "a person gone for longer can be marked as left")
        self.get(person_id)
        start_text = format_time_of_day(start_t) if start_t else None
        end_text = format_time_of_day(end_t) if end_t else None
        already = {(e.on, e.kind, e.start, e.end) for _, e, _ in self.exceptions_of(person_id)} if skip_same else set()
        ids: builtins.list[str] = []
        with self.store.transaction():
            for n in range(days):
                day = on_date + timedelta(days=n)
                if (day, kind, start_t, end_t) in already:
                    continue
                ids.append(self.exceptions.insert(
                    {"person_id": person_id, "on_date": day.isoformat(), "kind": kind, "start_time": start_text,
                     "end_time": end_text, "note": note.strip()}
                ))
        if ids:
            self.hub.publish(Change(TOPIC, "updated", (person_id,)))
        return ids

    def remove_exception(self, exception_id: str) -> None:
        row = self.exceptions.get_raw(exception_id)
        self._require_availability(row["person_id"])
        with self.store.transaction():
            self.exceptions.tombstone(exception_id)
        self.hub.publish(Change(TOPIC, "updated", (row["person_id"],)))

    def exceptions_of(self, person_id: str) -> builtins.list[tuple[str, AvailabilityException, str]]:
        """(id, exception, note) of a person, by date."""
        rows = self.store.db.query(
            "SELECT * FROM availability_exceptions WHERE person_id = ? AND deleted = 0 ORDER BY on_date",
            [person_id],
        )
        return [(row["id"], exception_from_row(row), row["note"] or "") for row in rows]

    # --- for the rostering engine -------------------------------------------------------------------------

    def volunteers(self, person_ids: Iterable[str] | None = None) -> builtins.list[Volunteer]:
        """People with their availability, as the rostering engine sees them (left people included)."""
        people = self.list() if person_ids is None else [self.get(p) for p in person_ids]
        ids = [p.id for p in people]
        weekly = self._weekly_by_person(ids)
        exceptions: dict[str, list[AvailabilityException]] = defaultdict(list)
        for row in self.store.db.query(
            "SELECT * FROM availability_exceptions WHERE deleted = 0 ORDER BY on_date"
        ):
            exceptions[row["person_id"]].append(exception_from_row(row))
        # An area typed before areas were checked ("Uttles") counts as the district it stands for, so its person
        # is still local to that district's duties; one standing for none is matched as written.
        home = {area: self.geography.district_named(area) or area for area in {p.area for p in people} if area}
        return [
            Volunteer(
                id=p.id, name=p.name, role=p.role, skills=frozenset(p.skills),
                independent_patrol=p.independent_patrol, monthly_commitment_hours=p.monthly_commitment_hours,
                active=p.active, weekly=tuple(weekly.get(p.id, ())), exceptions=tuple(exceptions.get(p.id, ())),
                station=p.station, area=home.get(p.area, p.area),
            )
            for p in people
        ]

    def _weekly_by_person(self, person_ids: builtins.list[str]) -> dict[str, builtins.list[WeeklySlot]]:
        wanted = set(person_ids)
        slots: dict[str, list[WeeklySlot]] = defaultdict(list)
        for row in self.store.db.query(
            "SELECT person_id, weekday, start_time, end_time FROM availability WHERE deleted = 0"
            " ORDER BY weekday, start_time"
        ):
            if row["person_id"] in wanted:
                slots[row["person_id"]].append(
                    WeeklySlot(row["weekday"], parse_time_of_day(row["start_time"], "start"),
                               parse_time_of_day(row["end_time"], "end"))
                )
        return slots


def exception_from_row(row: dict[str, Any]) -> AvailabilityException:
    start: time | None = parse_time_of_day(row["start_time"], "start") if row["start_time"] else None
    end: time | None = parse_time_of_day(row["end_time"], "end") if row["end_time"] else None
    return AvailabilityException(times.parse_date(row["on_date"], "on_date"), row["kind"], start, end)


def _encode(values: dict[str, object]) -> dict[str, object]:
    return {**values, "skills": json.dumps(values["skills"])}
