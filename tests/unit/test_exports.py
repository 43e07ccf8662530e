"""Analyst exports (CSV, GeoJSON, XLSX): every format reads back to the same values; failures leave no file."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from fixtures.read_only import refuse_root_in

from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.io import exports
from ruralwatch.io.exports import ExportData, ExportOptions, export, resolve_format
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GENERATED = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
PERSONAL = ("reporter_name", "reporter_phone")


@pytest.fixture
def service(store: Store) -> IncidentService:
    return IncidentService(store, clock=lambda: NOW)


@pytest.fixture
def ids(service: IncidentService, tmp_path: Path) -> dict[str, str]:
    """One incident per kind with details, vehicles and stolen items; one deleted; one synthetic."""
    hare = service.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-10-25T00:30:00Z", occurred_end="2026-10-25T01:30:00Z",
        reported_at="2026-10-25T09:00:00Z", grid_ref="TL 81234 23456", place="Long Field, Brook Farm",
        description="Three dogs on the stubble.", status="under_investigation", crime_reference="42/123456/26",
        reporter_name="Jane Farmer", reporter_phone="01632 960123",
        details={"hc_people": "4", "hc_dogs": "3", "hc_landowner_informed": "yes"},
        vehicles=[
            VehicleInput(vrm="ab12cde", role="suspect", make="Subaru", model="Forester", colour="Green"),
            VehicleInput(vrm="A123BCD", role="witness"),
        ],
    ))
    photo = tmp_path / "gate.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    theft = service.record(IncidentInput(
        kind="equipment_theft", subkind="gps_unit", occurred_start="2026-03-29T00:30:00Z",
        reported_at="2026-03-29T01:30:00Z", lat=51.95, lon=0.35, place="Yard",
        description='=HYPERLINK("http://example.invalid","click")', reporter_name="Sam Owner",
        items=[
            StolenItemInput(category="gps_unit", make="John Deere", model="StarFire 7000", serial_number="ab123",
                            marking="cesar", value_gbp="1250.50", recovered=True),
            StolenItemInput(category="tools", description="Socket set", value_gbp="£99.99"),
            StolenItemInput(category="tools", description="Grinder"),
        ],
    ), attach=[photo])
    camp = service.record(IncidentInput(
        kind="unlawful_encampment", occurred_start="2026-06-30T23:30:00Z", lat=51.8, lon=0.6,
        place="Café Green", description="Caravans on the recreation ground.\nGate forced.",
        details={"enc_caravans": 6, "enc_vehicles": 8, "enc_people": 20, "enc_land_type": "council",
                 "enc_notice": "s61", "enc_date_left": "2026-07-10"},
    ))
    gone = service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-07-01T10:00:00Z", lat=51.9,
                                        lon=0.3, place="Deleted Lane"))
    service.delete(gone.id)
    service.record_many([("synthetic-1", IncidentInput(
        kind="fuel_theft", occurred_start="2026-08-01T12:00:00Z", lat=51.7, lon=0.5, place="Demo Farm",
    ))], synthetic=True)
    return {"hare": hare.id, "theft": theft.id, "camp": camp.id, "gone": gone.id, "synthetic": "synthetic-1"}


def data(service: IncidentService, options: ExportOptions | None = None) -> ExportData:
    options = options or ExportOptions()
    return ExportData(service.list(options.incident_filter()), options, GENERATED)


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def read_geojson(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    return collection, {f["id"]: f for f in collection["features"]}


# --- CSV ----------------------------------------------------------------------------------------------------


def test_csv_round_trips(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    result = export(data(service), "csv", out)

    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,kind,kind_name,")  # BOM, then one header row
    rows = read_csv(out)
    assert set(rows) == {ids["hare"], ids["theft"], ids["camp"], ids["synthetic"]}  # the deleted one is absent
    assert result.counts == {"Incidents": 4}
    assert result.summary() == f"exported 4 incidents to {out} (CSV)"

    hare = rows[ids["hare"]]
    assert (hare["kind"], hare["kind_name"], hare["subkind"]) == ("hare_coursing", "Hare coursing", "")
    assert (hare["status"], hare["status_name"]) == ("under_investigation", "Under investigation")
    assert hare["grid_ref"] == "TL 81234 23456"
    assert hare["crime_reference"] == "42/123456/26"
    assert hare["place"] == "Long Field, Brook Farm"
    assert hare["Hare coursing: People involved"] == "4"
    assert hare["Hare coursing: Dogs"] == "3"
    assert hare["Hare coursing: Landowner informed"] == "yes"
    assert hare["Unlawful encampment: Caravans"] == ""
    assert hare["vrms"] == "AB12 CDE; A123 BCD"
    assert hare["vehicle_count"] == "2"
    assert (hare["stolen_item_count"], hare["stolen_value_gbp"], hare["recovered_item_count"]) == ("0", "", "0")
    assert hare["synthetic"] == "no"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", hare["created_at"])  # the store's own clock
    assert hare["updated_at"] == hare["created_at"]
    assert hare["device_id"]

    theft = rows[ids["theft"]]
    assert (theft["subkind"], theft["subkind_name"]) == ("gps_unit", "GPS unit")
    assert (theft["stolen_item_count"], theft["stolen_value_gbp"], theft["recovered_item_count"]) == ("3", "1350.49",
                                                                                                      "1")
    assert theft["attachment_count"] == "1"
    assert theft["description"] == '\'=HYPERLINK("http://example.invalid","click")'  # not run as a formula
    assert (float(theft["lat"]), float(theft["lon"])) == (51.95, 0.35)

    camp = rows[ids["camp"]]
    assert camp["place"] == "Café Green"
    assert camp["description"] == "Caravans on the recreation ground.\nGate forced."
    assert camp["Unlawful encampment: Land type"] == "Council land"
    assert camp["Unlawful encampment: Notice served"] == "s61 CJPOA 1994"
    assert camp["Unlawful encampment: Date left"] == "2026-07-10"
    assert camp["Unlawful encampment: People"] == "20"
    assert camp["reported_at_utc"] == "2026-11-25T12:00:00Z"  # defaulted to the service clock

    assert rows[ids["synthetic"]]["synthetic"] == "yes"
    assert [r["id"] for r in rows.values()] == [ids["theft"], ids["camp"], ids["synthetic"], ids["hare"]]


def test_csv_reads_with_pandas(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    export(data(service), "csv", out)
    frame = pd.read_csv(out, encoding="utf-8-sig").set_index("id")
    assert len(frame) == 4
    assert frame.loc[ids["theft"], "stolen_value_gbp"] == pytest.approx(1350.49)
    assert frame.loc[ids["hare"], "Hare coursing: Dogs"] == 3
    assert frame.columns[0] == "kind"  # the BOM did not leak into the first header


# --- GeoJSON ------------------------------------------------------------------------------------------------


def test_geojson_round_trips(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.geojson"
    result = export(data(service), "geojson", out)
    collection, features = read_geojson(out)

    assert collection["type"] == "FeatureCollection"
    assert "RuralWatch" in collection["attribution"]
    assert collection["generated"] == "2026-11-25T12:30:00Z"
    assert collection["filters"] == {"what": "incidents", "from": None, "to": None, "kinds": [],
                                     "personal_data": False}
    assert set(features) == {ids["hare"], ids["theft"], ids["camp"], ids["synthetic"]}
    assert result.summary() == f"exported 4 incidents to {out} (GeoJSON)"

    theft = features[ids["theft"]]
    assert theft["type"] == "Feature"
    assert theft["geometry"] == {"type": "Point", "coordinates": [0.35, 51.95]}  # lon, lat
    props = theft["properties"]
    assert props["stolen_value_gbp"] == 1350.49
    assert props["stolen_item_count"] == 3
    assert props["description"] == '=HYPERLINK("http://example.invalid","click")'  # JSON needs no guard
    assert props["synthetic"] is False
    assert props["occurred_end_utc"] is None

    hare = features[ids["hare"]]["properties"]
    assert hare["Hare coursing: Landowner informed"] is True
    assert hare["Hare coursing: Dogs"] == 3
    assert hare["vrms"] == "AB12 CDE; A123 BCD"
    assert hare["grid_ref"] == "TL 81234 23456"
    camp = features[ids["camp"]]["properties"]
    assert camp["Unlawful encampment: Date left"] == "2026-07-10"
    assert camp["place"] == "Café Green"
    assert features[ids["synthetic"]]["properties"]["synthetic"] is True


# --- XLSX ---------------------------------------------------------------------------------------------------


def test_xlsx_round_trips(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.xlsx"
    result = export(data(service), "xlsx", out)
    assert result.counts == {"Incidents": 4, "Vehicles": 2, "Stolen items": 3}
    assert result.summary() == f"exported 4 incidents, 2 vehicles, 3 stolen items to {out} (XLSX)"

    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["Incidents", "Vehicles", "Stolen items"]
    incidents = sheets["Incidents"].set_index("id")
    assert set(incidents.index) == {ids["hare"], ids["theft"], ids["camp"], ids["synthetic"]}
    assert incidents.loc[ids["theft"], "stolen_value_gbp"] == pytest.approx(1350.49)
    assert incidents.loc[ids["theft"], "description"] == '=HYPERLINK("http://example.invalid","click")'
    assert incidents.loc[ids["hare"], "vrms"] == "AB12 CDE; A123 BCD"
    assert incidents.loc[ids["hare"], "Hare coursing: People involved"] == 4
    assert bool(incidents.loc[ids["hare"], "Hare coursing: Landowner informed"]) is True
    assert incidents.loc[ids["camp"], "Unlawful encampment: Land type"] == "Council land"
    assert incidents.loc[ids["camp"], "occurred_start_local"] == pd.Timestamp("2026-07-01 00:30")
    assert bool(incidents.loc[ids["synthetic"], "synthetic"]) is True
    assert "reporter_name" not in incidents.columns

    vehicles = sheets["Vehicles"]
    assert list(vehicles.columns) == ["incident_id", "vrm", "role", "make", "model", "colour"]
    assert vehicles.fillna("").values.tolist() == [
        [ids["hare"], "AB12 CDE", "suspect", "Subaru", "Forester", "Green"],
        [ids["hare"], "A123 BCD", "witness", "", "", ""],
    ]
    items = sheets["Stolen items"]
    assert list(items.columns) == [
        "incident_id", "category", "category_name", "description", "make", "model", "serial", "marking",
        "marking_name", "value_gbp", "recovered",
    ]
    first = items.iloc[0]
    assert (first["incident_id"], first["category"], first["make"], first["serial"], first["marking"]) == (
        ids["theft"], "gps_unit", "John Deere", "AB123", "cesar")
    assert first["value_gbp"] == pytest.approx(1250.5)
    assert items["recovered"].tolist() == [True, False, False]
    assert pd.isna(items.iloc[2]["value_gbp"])


def test_xlsx_layout(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.xlsx"
    export(data(service), "xlsx", out)
    book = openpyxl.load_workbook(out)
    sheet = book["Incidents"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    headers = [cell.value for cell in sheet[1]]
    width = {h: sheet.column_dimensions[openpyxl.utils.get_column_letter(n)].width for n, h in enumerate(headers, 1)}
    assert width["id"] >= 36  # a whole UUID shows
    assert 8 <= width["kind"] < width["description"] <= 52
    by_id = {row[0].value: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    theft = by_id[ids["theft"]]
    assert theft["description"].data_type == "s"  # formula-looking text stays text
    assert theft["stolen_value_gbp"].number_format == '"£"#,##0.00'
    assert theft["occurred_start_local"].value == datetime(2026, 3, 29, 0, 30)
    assert theft["occurred_start_local"].number_format == "yyyy-mm-dd hh:mm"
    for name in ("Vehicles", "Stolen items"):
        assert book[name].freeze_panes == "A2"


def test_xlsx_drops_characters_a_workbook_cannot_hold(service: IncidentService, tmp_path: Path) -> None:
    service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-05-01 10:00", lat=51.9, lon=0.3,
                                 description="bell\x07 and tab\tstay"))
    out = tmp_path / "x.xlsx"
    export(data(service), "xlsx", out)
    assert pd.read_excel(out).loc[0, "description"] == "bell and tab\tstay"


# --- personal data, filters, times --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "geojson", "xlsx"])
def test_personal_data_only_when_asked(
    service: IncidentService, ids: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    def columns_and_hare(options: ExportOptions, name: str) -> tuple[list[str], dict[str, Any]]:
        out = tmp_path / f"{name}.{fmt}"
        export(data(service, options), fmt, out)
        if fmt == "csv":
            rows = read_csv(out)
            return list(rows[ids["hare"]]), rows[ids["hare"]]
        if fmt == "geojson":
            props = read_geojson(out)[1][ids["hare"]]["properties"]
            return list(props), props
        frame = pd.read_excel(out).set_index("id")
        return list(frame.columns), frame.loc[ids["hare"]].to_dict()

    columns, _ = columns_and_hare(ExportOptions(), "default")
    assert not set(PERSONAL) & set(columns)
    columns, hare = columns_and_hare(ExportOptions(include_personal=True), "personal")
    assert (hare["reporter_name"], hare["reporter_phone"]) == ("Jane Farmer", "01632 960123")


def test_personal_flag_is_recorded_in_geojson_and_summary(
    service: IncidentService, ids: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "p.geojson"
    result = export(data(service, ExportOptions(include_personal=True)), "geojson", out)
    assert read_geojson(out)[0]["filters"]["personal_data"] is True
    assert result.summary().endswith("(GeoJSON, personal data included)")


def test_date_filter_uses_uk_local_days(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    # The encampment started 2026-06-30 23:30 UTC, which is 00:30 on 1 July in BST.
    out = tmp_path / "july.csv"
    export(data(service, ExportOptions.parse("2026-07-01", "2026-07-31")), "csv", out)
    assert set(read_csv(out)) == {ids["camp"]}  # the deleted fly-tipping of 1 July is not there either
    export(data(service, ExportOptions.parse(None, "2026-06-30")), "csv", out)
    assert set(read_csv(out)) == {ids["theft"]}
    export(data(service, ExportOptions.parse("2026-08-01", None)), "csv", out)
    assert set(read_csv(out)) == {ids["synthetic"], ids["hare"]}


def test_kind_filter(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "kinds.geojson"
    options = ExportOptions.parse(kinds=["hare_coursing", "fuel_theft", "hare_coursing"])
    assert options.kinds == ("hare_coursing", "fuel_theft")
    export(data(service, options), "geojson", out)
    collection, features = read_geojson(out)
    assert set(features) == {ids["hare"], ids["synthetic"]}
    assert collection["filters"]["kinds"] == ["hare_coursing", "fuel_theft"]
    export(data(service, ExportOptions.parse(kinds=["fly_tipping"])), "geojson", out)  # only a deleted one
    assert read_geojson(out)[0]["features"] == []


def test_local_time_across_clock_changes(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "times.csv"
    export(data(service), "csv", out)
    rows = read_csv(out)
    hare, theft = rows[ids["hare"]], rows[ids["theft"]]
    # 25 October 2026, clocks go back at 02:00 BST: 00:30 and 01:30 UTC are both 01:30 on the wall.
    assert (hare["occurred_start_utc"], hare["occurred_start_local"]) == ("2026-10-25T00:30:00Z", "2026-10-25 01:30")
    assert (hare["occurred_end_utc"], hare["occurred_end_local"]) == ("2026-10-25T01:30:00Z", "2026-10-25 01:30")
    assert hare["reported_at_local"] == "2026-10-25 09:00"  # GMT: UTC and local agree
    # 29 March 2026, clocks go forward at 01:00 GMT: 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST.
    assert (theft["occurred_start_utc"], theft["occurred_start_local"]) == ("2026-03-29T00:30:00Z", "2026-03-29 00:30")
    assert (theft["reported_at_utc"], theft["reported_at_local"]) == ("2026-03-29T01:30:00Z", "2026-03-29 02:30")
    assert theft["occurred_end_utc"] == theft["occurred_end_local"] == ""

    xlsx = tmp_path / "times.xlsx"
    export(data(service), "xlsx", xlsx)
    frame = pd.read_excel(xlsx).set_index("id")
    assert frame.loc[ids["theft"], "reported_at_local"] == pd.Timestamp("2026-03-29 02:30")
    assert frame.loc[ids["hare"], "occurred_end_local"] == pd.Timestamp("2026-10-25 01:30")


def test_empty_export_still_has_headers(service: IncidentService, tmp_path: Path) -> None:
    for fmt in ("csv", "geojson", "xlsx"):
        out = tmp_path / f"empty.{fmt}"
        result = export(data(service), fmt, out)
        assert result.counts["Incidents"] == 0
        assert result.summary().startswith("exported 0 incidents")
    assert read_csv(tmp_path / "empty.csv") == {}
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8-sig").startswith("id,kind,")
    assert read_geojson(tmp_path / "empty.geojson")[0]["features"] == []
    assert list(pd.read_excel(tmp_path / "empty.xlsx").columns[:2]) == ["id", "kind"]


def test_every_format_has_the_same_columns(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    expected = [c.name for c in exports.incident_columns()]
    export(data(service), "csv", tmp_path / "a.csv")
    export(data(service), "geojson", tmp_path / "a.geojson")
    export(data(service), "xlsx", tmp_path / "a.xlsx")
    assert list(next(iter(read_csv(tmp_path / "a.csv").values()))) == expected
    assert list(read_geojson(tmp_path / "a.geojson")[0]["features"][0]["properties"]) == expected
    assert list(pd.read_excel(tmp_path / "a.xlsx").columns) == expected


# --- options and failures -------------------------------------------------------------------------------------


def test_options_report_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        ExportOptions.parse("2026-13-01", "yesterday", ["hare_coursing", "hare"])
    fields = [e.field for e in caught.value.errors]
    assert fields == ["from", "to", "kind"]
    assert "'hare' is not an incident kind" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(ValidationError, match="to: 2026-01-01 is before the first day, 2026-02-01"):
        ExportOptions.parse("2026-02-01", "2026-01-01")
    parsed = ExportOptions.parse(" 2026-02-01 ", "", [], True)
    assert parsed == ExportOptions(date(2026, 2, 1), None, (), True)


def test_format_from_option_or_file_name() -> None:
    assert resolve_format("xlsx", "out.csv") == "xlsx"
    assert resolve_format(None, "Out.CSV") == "csv"
    assert resolve_format(None, "a/b.json") == "geojson"
    assert resolve_format(None, "a.geojson") == "geojson"
    assert resolve_format(None, "a.xlsx") == "xlsx"
    with pytest.raises(ValidationError, match="cannot tell the format"):
        resolve_format(None, "report.txt")
    with pytest.raises(ValidationError, match="'pdf' is not an export format"):
        resolve_format("pdf", "x.pdf")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_missing_folder_or_folder_target_fails_cleanly(service: IncidentService, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(RuralWatchError, match="does not exist"):
        export(data(service), "csv", out_dir / "no-such-folder" / "x.csv")
    folder = out_dir / "exports.csv"
    folder.mkdir()
    with pytest.raises(RuralWatchError, match="it is a folder"):
        export(data(service), "csv", folder)
    assert leftovers(out_dir) == ["exports.csv"]
    assert leftovers(folder) == []


@pytest.mark.parametrize("fmt", ["csv", "geojson", "xlsx"])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), RuntimeError("bug")])
def test_failed_write_leaves_no_file(
    service: IncidentService, ids: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fmt: str, error: Exception,
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    real = {"csv": exports.write_csv, "geojson": exports.write_geojson, "xlsx": exports.write_xlsx}[fmt]

    def half_then_fail(*args: Any) -> None:
        real(*args)  # the whole file is written to the temporary path, then the disk "fills"
        raise error

    monkeypatch.setattr(exports, f"write_{fmt}", half_then_fail)
    new = out_dir / f"new.{fmt}"
    expected = RuralWatchError if isinstance(error, OSError) else RuntimeError
    with pytest.raises(expected) as caught:
        export(data(service), fmt, new)
    if isinstance(error, OSError):
        assert str(caught.value) == f"cannot write {new}: No space left on device"
    assert leftovers(out_dir) == []

    old = out_dir / f"old.{fmt}"
    old.write_bytes(b"an earlier export")
    with pytest.raises(expected):
        export(data(service), fmt, old)
    assert leftovers(out_dir) == [f"old.{fmt}"]
    assert old.read_bytes() == b"an earlier export"


def test_export_replaces_an_earlier_file(service: IncidentService, ids: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "incidents.csv"
    out.write_text("stale", encoding="utf-8")
    heard: list[tuple[int, int, str]] = []
    export(data(service), "csv", out, lambda done, total, note="": heard.append((done, total, note)) or True)
    assert heard == [(1, 2, "Writing incidents.csv"), (2, 2, "")]  # the progress dialog says what it waits for
    assert len(read_csv(out)) == 4
    assert leftovers(out.parent) == ["incidents.csv"]


def test_sheets_are_one_function_each(service: IncidentService, ids: dict[str, str]) -> None:
    tables = [make(data(service)) for make in exports.SHEETS]
    assert [t.name for t in tables] == ["Incidents", "Vehicles", "Stolen items"]
    for table in tables:
        assert len(table.name) <= 31
        names = [c.name for c in table.columns]
        assert len(set(names)) == len(names)
        assert all(set(row) >= set(names) for row in table.rows)


def test_read_only_folder_fails_cleanly(service: IncidentService, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    refuse_root_in(folder, monkeypatch)
    try:
        with pytest.raises(RuralWatchError, match="is not writable"):
            export(data(service), "csv", folder / "x.csv")
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o700)
