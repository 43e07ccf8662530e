"""IncidentService: record, edit, delete, find, attach; change events; all-or-nothing writes."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ruralwatch.core.errors import NotFoundError, ValidationError
from ruralwatch.core.incident import IncidentFilter, IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.incidents import CancelledError, IncidentService
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def hub() -> ChangeHub:
    return ChangeHub()


@pytest.fixture
def events(hub: ChangeHub) -> Iterator[list[Change]]:
    seen: list[Change] = []
    unsubscribe = hub.subscribe(seen.append)
    yield seen
    unsubscribe()


@pytest.fixture
def service(store: Store, hub: ChangeHub) -> IncidentService:
    return IncidentService(store, hub=hub, clock=lambda: NOW)


def make(**overrides: Any) -> IncidentInput:
    fields: dict[str, Any] = {
        "kind": "fly_tipping", "occurred_start": "2026-11-20 09:30", "lat": 51.9, "lon": 0.3, "place": "Brook Farm",
    }
    fields.update(overrides)
    return IncidentInput(**fields)


def table_counts(store: Store) -> dict[str, int]:
    names = ("incidents", "incident_vehicles", "stolen_items", "attachments", "blobs")
    return {n: store.db.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}


def png_bytes(width: int = 2, height: int = 1, colour: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    """A tiny but genuine PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# --- record / get / update / delete ------------------------------------------------------------------------


def test_record_and_get(service: IncidentService, events: list[Change]) -> None:
    incident = service.record(make(
        kind="equipment_theft", subkind="gps_unit", crime_reference="42/123456/26",
        vehicles=[VehicleInput("ab12 cde", make="Ford")],
        items=[StolenItemInput(category="gps_unit", make="John Deere", value_gbp="7,500")],
    ))
    assert events == [Change("incidents", "created", (incident.id,))]
    again = service.get(incident.id)
    assert again == incident
    assert incident.kind == "equipment_theft" and incident.subkind == "gps_unit"
    assert incident.occurred_start == "2026-11-20T09:30:00Z"
    assert incident.reported_at == "2026-11-25T12:00:00Z"  # the service's clock
    assert incident.vehicles[0]["vrm"] == "AB12CDE" and incident.vehicles[0]["make"] == "Ford"
    assert incident.items[0]["value_pence"] == 750_000
    assert incident.synthetic is False and incident.deleted is False
    assert service.count() == 1


def test_details_read_back_with_their_types(service: IncidentService) -> None:
    incident = service.record(make(
        kind="hare_coursing", details={"hc_people": "4", "hc_landowner_informed": "yes"},
    ))
    assert incident.details == {"hc_people": 4, "hc_landowner_informed": True}


def test_get_unknown_id(service: IncidentService) -> None:
    with pytest.raises(NotFoundError):
        service.get("no-such-id")


def test_failed_validation_writes_nothing(service: IncidentService, store: Store, events: list[Change]) -> None:
    service.record(make())
    before = table_counts(store)
    bad = make(vehicles=[VehicleInput("AB12CDE"), VehicleInput("not a plate")])
    with pytest.raises(ValidationError):
        service.record(bad)
    assert table_counts(store) == before
    assert [e.action for e in events] == ["created"]


def test_update_changes_fields_and_publishes(service: IncidentService, events: list[Change]) -> None:
    incident = service.record(make())
    inp = incident.to_input()
    inp.status = "closed"
    inp.place = "Manor Farm"
    updated = service.update(incident.id, inp)
    assert updated.status == "closed" and updated.place == "Manor Farm"
    assert updated.hlc > incident.hlc
    assert updated.created_at == incident.created_at
    assert events[-1] == Change("incidents", "updated", (incident.id,))


def test_update_with_nothing_changed_is_a_no_op(service: IncidentService, events: list[Change]) -> None:
    incident = service.record(make(
        kind="equipment_theft", subkind="quad_atv", details={},
        vehicles=[VehicleInput("AB12CDE", role="suspect", colour="Red")],
        items=[StolenItemInput(category="quad_atv", value_gbp="1234.56", serial_number="x1", recovered=True)],
    ))
    events.clear()
    same = service.update(incident.id, incident.to_input())
    assert same.hlc == incident.hlc
    assert same == incident
    assert events == []


def test_update_replaces_child_rows(service: IncidentService, store: Store) -> None:
    incident = service.record(make(vehicles=[VehicleInput("AB12CDE"), VehicleInput("A123BCD")]))
    inp = incident.to_input()
    inp.vehicles = [inp.vehicles[0], VehicleInput("ABC123D", role="witness")]
    updated = service.update(incident.id, inp)
    assert [v["vrm"] for v in updated.vehicles] == ["AB12CDE", "ABC123D"]
    assert updated.vehicles[0]["id"] == incident.vehicles[0]["id"]
    rows = store.db.execute("SELECT vrm, deleted FROM incident_vehicles ORDER BY vrm").fetchall()
    assert rows == [("A123BCD", 1), ("AB12CDE", 0), ("ABC123D", 0)]


def test_update_with_invalid_input_writes_nothing(service: IncidentService) -> None:
    incident = service.record(make())
    inp = incident.to_input()
    inp.status = "lost"
    with pytest.raises(ValidationError):
        service.update(incident.id, inp)
    assert service.get(incident.id) == incident


def test_delete_is_a_tombstone(service: IncidentService, store: Store, events: list[Change]) -> None:
    kept = service.record(make(place="Kept"))
    gone = service.record(make(place="Gone"))
    service.delete(gone.id)
    assert events[-1] == Change("incidents", "deleted", (gone.id,))
    assert store.db.execute("SELECT deleted FROM incidents WHERE id = ?", [gone.id]).fetchone() == (1,)
    assert service.count() == 1
    assert [r.id for r in service.rows(IncidentFilter())] == [kept.id]
    assert [i.id for i in service.list()] == [kept.id]
    assert [p.id for p in service.map_points()] == [kept.id]
    assert service.count(IncidentFilter(include_deleted=True)) == 2
    with pytest.raises(NotFoundError, match="deleted"):
        service.get(gone.id)
    with pytest.raises(NotFoundError):
        service.delete(gone.id)
    with pytest.raises(NotFoundError):
        service.update(gone.id, make())


def test_change_hub_unsubscribe(hub: ChangeHub, service: IncidentService) -> None:
    seen: list[Change] = []
    unsubscribe = hub.subscribe(seen.append)
    service.record(make())
    unsubscribe()
    service.record(make())
    assert len(seen) == 1


# --- filters, sort, paging ---------------------------------------------------------------------------------


@pytest.fixture
def sample(service: IncidentService) -> dict[str, str]:
    specs = {
        "hare": make(kind="hare_coursing", occurred_start="2026-01-15T23:30:00Z", place="Elms Farm",
                     vehicles=[VehicleInput("AB12 CDE")]),
        "tip": make(kind="fly_tipping", occurred_start="2026-07-01T23:30:00Z", place="brook lane",
                    description="Asbestos sheeting", status="closed"),
        "gps": make(kind="equipment_theft", subkind="gps_unit", occurred_start="2026-07-02T10:00:00Z",
                    place="Church Farm", crime_reference="42/555777/26", status="under_investigation"),
        "fuel": make(kind="fuel_theft", occurred_start="2026-10-10T06:00:00Z", place="Airfield"),
    }
    return {name: service.record(inp).id for name, inp in specs.items()}


def ids(service: IncidentService, **filters: Any) -> set[str]:
    return {row.id for row in service.rows(IncidentFilter(**filters))}


def test_filter_by_kind_and_status(service: IncidentService, sample: dict[str, str]) -> None:
    assert ids(service, kinds=("hare_coursing",)) == {sample["hare"]}
    assert ids(service, kinds=("fly_tipping", "fuel_theft")) == {sample["tip"], sample["fuel"]}
    assert ids(service, statuses=("closed", "under_investigation")) == {sample["tip"], sample["gps"]}
    assert ids(service, kinds=("fly_tipping",), statuses=("open",)) == set()
    assert service.count(IncidentFilter(statuses=("open",))) == 2


def test_date_range_is_in_uk_local_days(service: IncidentService, sample: dict[str, str]) -> None:
    # 2026-07-01 23:30 UTC is 00:30 on 2 July in British Summer Time.
    assert ids(service, start_from=date(2026, 7, 2), start_to=date(2026, 7, 2)) == {sample["tip"], sample["gps"]}
    assert ids(service, start_from=date(2026, 7, 1), start_to=date(2026, 7, 1)) == set()
    # In January UK time is UTC: 23:30 on the 15th stays on the 15th.
    assert ids(service, start_from=date(2026, 1, 15), start_to=date(2026, 1, 15)) == {sample["hare"]}
    assert ids(service, start_from=date(2026, 7, 3)) == {sample["fuel"]}
    assert ids(service, start_to=date(2026, 7, 1)) == {sample["hare"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("elms", {"hare"}),  # place, any case
        ("ASBESTOS", {"tip"}),  # description
        ("555777", {"gps"}),  # crime reference
        ("ab12cde", {"hare"}),  # VRM
        ("AB12 CDE", {"hare"}),  # VRM as typed with a space
        ("farm", {"hare", "gps"}),
        ("  ", {"hare", "tip", "gps", "fuel"}),
        ("zebra", set()),
    ],
)
def test_text_search(service: IncidentService, sample: dict[str, str], text: str, expected: set[str]) -> None:
    assert ids(service, text=text) == {sample[name] for name in expected}


def test_text_search_finds_what_was_taken_and_the_kind(service: IncidentService, sample: dict[str, str]) -> None:
    """A walk searched "quad" and "StarFire" for a quad bike and a GPS unit theft it had just recorded: nothing."""
    quad = service.record(make(kind="equipment_theft", subkind="quad_atv", place="Home Farm yard",
                               items=[StolenItemInput(category="quad_atv", description="red quad",
                                                      make="Honda", model="TRX 420")])).id
    gps = service.record(make(kind="equipment_theft", subkind="gps_unit", place="Brook Farm",
                              items=[StolenItemInput(category="gps_unit", description="StarFire receiver",
                                                     make="John Deere")])).id
    assert ids(service, text="quad") == {quad}  # the equipment's name and the item's description
    # StarFire is a GPS unit by the kind catalogue's synonyms (as in the kind box): every GPS unit theft is found.
    assert ids(service, text="starfire") == {sample["gps"], gps}
    assert ids(service, text="honda") == {quad} and ids(service, text="TRX") == {quad}
    assert ids(service, text="GPS") == {sample["gps"], gps}
    assert ids(service, text="hare cours") == {sample["hare"]}  # the kind's name
    assert ids(service, text="100%") == set()


def test_text_search_ignores_removed_vehicles(service: IncidentService, sample: dict[str, str]) -> None:
    incident = service.get(sample["hare"])
    inp = incident.to_input()
    inp.vehicles = []
    service.update(incident.id, inp)
    assert ids(service, text="AB12CDE") == set()


def test_sort_and_direction(service: IncidentService, sample: dict[str, str]) -> None:
    newest_first = [r.id for r in service.rows(IncidentFilter())]
    assert newest_first == [sample["fuel"], sample["gps"], sample["tip"], sample["hare"]]
    oldest_first = [r.id for r in service.rows(IncidentFilter(), descending=False)]
    assert oldest_first == newest_first[::-1]
    by_place = [r.place for r in service.rows(IncidentFilter(), sort="place", descending=False)]
    assert by_place == ["Airfield", "brook lane", "Church Farm", "Elms Farm"]
    by_kind = [r.kind for r in service.rows(IncidentFilter(), sort="kind", descending=False)]
    assert by_kind == sorted(by_kind)
    by_vrms = [r.vrms for r in service.rows(IncidentFilter(), sort="vrms", descending=True)]
    assert by_vrms[0] == "AB12CDE"
    # An unknown sort key falls back to the time order rather than reaching the SQL.
    assert [r.id for r in service.rows(IncidentFilter(), sort="place; DROP TABLE incidents")] == newest_first


def test_paging(service: IncidentService, sample: dict[str, str]) -> None:
    everything = [r.id for r in service.rows(IncidentFilter())]
    pages = [[r.id for r in service.rows(IncidentFilter(), offset=o, limit=3)] for o in (0, 3, 6)]
    assert pages == [everything[:3], everything[3:], []]


def test_rows_show_vrms_and_synthetic_flag(service: IncidentService, sample: dict[str, str]) -> None:
    row = next(r for r in service.rows(IncidentFilter()) if r.id == sample["hare"])
    assert row.vrms == "AB12CDE"
    assert row.synthetic is False
    assert row.place == "Elms Farm"


# --- attachments -------------------------------------------------------------------------------------------


def test_attachments(service: IncidentService, store: Store, tmp_path: Path, events: list[Change]) -> None:
    incident = service.record(make())
    photo = tmp_path / "gate.png"
    photo.write_bytes(png_bytes())
    copy = tmp_path / "same-gate.png"
    copy.write_bytes(png_bytes())
    other = tmp_path / "tracks.png"
    other.write_bytes(png_bytes(colour=(0, 0, 255)))

    first = service.add_attachment(incident.id, photo, caption="Forced gate")
    second = service.add_attachment(incident.id, copy)
    third = service.add_attachment(incident.id, other)

    assert first.media_type == "image/png"
    assert first.size == len(png_bytes())
    assert first.sha256 == second.sha256 != third.sha256
    assert store.db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 2
    assert service.attachment_data(first.sha256) == png_bytes()
    stored = service.get(incident.id).attachments
    assert [(a.filename, a.caption) for a in stored] == [
        ("gate.png", "Forced gate"), ("same-gate.png", ""), ("tracks.png", ""),
    ]
    assert events[-1] == Change("incidents", "updated", (incident.id,))

    service.remove_attachment(second.id)
    assert [a.id for a in service.get(incident.id).attachments] == [first.id, third.id]
    assert store.db.execute("SELECT deleted FROM attachments WHERE id = ?", [second.id]).fetchone() == (1,)
    assert service.attachment_data(second.sha256) == png_bytes()  # still used by the first


def test_attachment_errors(service: IncidentService, tmp_path: Path) -> None:
    incident = service.record(make())
    with pytest.raises(ValidationError) as excinfo:
        service.add_attachment(incident.id, tmp_path / "missing.png")
    assert excinfo.value.errors[0].field == "attachments"
    with pytest.raises(ValidationError):
        service.add_attachment(incident.id, tmp_path)  # a folder
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes())
    with pytest.raises(NotFoundError):
        service.add_attachment("no-such-incident", photo)
    with pytest.raises(NotFoundError):
        service.remove_attachment("no-such-attachment")
    with pytest.raises(NotFoundError):
        service.attachment_data("0" * 64)


def test_unknown_file_types_are_octet_stream(service: IncidentService, tmp_path: Path) -> None:
    incident = service.record(make())
    notes = tmp_path / "notes.zzz-unknown"
    notes.write_bytes(b"\x00\x01")
    assert service.add_attachment(incident.id, notes).media_type == "application/octet-stream"


# --- bulk --------------------------------------------------------------------------------------------------


def many(count: int) -> Iterator[tuple[str, IncidentInput]]:
    for index in range(count):
        yield f"bulk-{index:04d}", make(place=f"Farm {index}", vehicles=[VehicleInput("AB12CDE")])


def test_record_many_adds_and_skips_known_ids(service: IncidentService, events: list[Change]) -> None:
    assert service.record_many(many(5), synthetic=True) == 5
    assert events == [Change("incidents", "bulk")]
    assert service.record_many(many(7)) == 2
    assert service.count() == 7
    assert service.get("bulk-0000").synthetic is True
    assert service.get("bulk-0006").synthetic is False
    events.clear()
    assert service.record_many(many(7)) == 0
    assert events == []


def test_record_many_cancel_rolls_everything_back(
    service: IncidentService, store: Store, events: list[Change]
) -> None:
    before = table_counts(store)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int, note: str = "") -> bool:  # the one ProgressCallback shape
        calls.append((done, total))
        return done < 400

    with pytest.raises(CancelledError):
        service.record_many(many(500), progress=progress, total=500)
    assert calls == [(200, 500), (400, 500)]
    assert table_counts(store) == before
    assert service.count() == 0
    assert events == []


def test_record_many_with_an_invalid_input_stores_nothing(service: IncidentService, store: Store) -> None:
    def inputs() -> Iterator[tuple[str, IncidentInput]]:
        yield from many(10)
        yield "bad", make(kind="not_a_kind")

    with pytest.raises(ValidationError):
        service.record_many(inputs())
    assert table_counts(store)["incidents"] == 0
    assert table_counts(store)["incident_vehicles"] == 0
