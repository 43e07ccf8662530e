"""The redaction guarantee of alerts to the community (issue 20), over every incident of the demo data.

For each demo incident an alert is drafted as the window and the CLI draft it, and written as text, HTML and PDF
(the PDF's text extracted as the other PDF tests do). No value of the incident that is personal or finer than the
alert's area may appear in any of them. The values to look for are read from the incident's own rows (incidents,
incident_vehicles, stolen_items: every column except the few named in MAY_APPEAR), plus the forms a location or a
time takes when printed (grid references, eastings and northings, the clock time), so a column added later is
checked without this test changing.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ruralwatch.core import geo, times
from ruralwatch.core.alert import PUBLIC_FIELDS, public_alert
from ruralwatch.core.permissions import Actor
from ruralwatch.core.vrm import display_vrm, normalise_vrm
from ruralwatch.io.alert_export import alert_html, alert_text, write_alert
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import Store, open_store
from ruralwatch.store.protection import open_values

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GENERATED = datetime(2026, 11, 25, 11, 59, 30, tzinfo=UTC)  # the PDF footer's time: no demo incident's minute
# Columns whose values an alert may show (or that are too coarse to matter): vocabulary keys shown by their name,
# a suspect vehicle's description, flags and bookkeeping. Every other column of these tables is checked.
MAY_APPEAR: dict[str, frozenset[str]] = {
    "incidents": frozenset({"kind", "subkind", "status", "synthetic", "deleted", "enc_land_type", "enc_notice"}),
    "incident_vehicles": frozenset({"role", "make", "model", "colour", "deleted"}),
    "stolen_items": frozenset({"category", "marking", "recovered", "deleted"}),
}
MIN_LENGTH = 5  # shorter values ("3" dogs, "s61") cannot be told from ordinary words and numbers


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Services]]:
    store = open_store(tmp_path_factory.mktemp("alerts") / "demo.db")
    services = Services.build(store, clock=lambda: NOW)
    load_demo(services.incidents, now=NOW)
    try:
        yield store, services
    finally:
        store.close()


def _rows(store: Store, table: str, where: str, incident_id: str) -> list[dict[str, Any]]:
    cursor = store.db.execute(f"SELECT * FROM [{table}] WHERE {where} = ?", [incident_id])
    names = [d[0] for d in cursor.description]
    return [open_values(store, table, dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def forbidden_values(store: Store, incident_id: str) -> tuple[set[str], set[str]]:
    """(values that must not appear as written, values that must not appear even with spaces taken out)."""
    plain: set[str] = set()
    squeezed: set[str] = set()
    shown: set[str] = set()  # values of MAY_APPEAR columns: a stolen item's make may also be the suspect van's
    rows = {"incidents": _rows(store, "incidents", "id", incident_id),
            "incident_vehicles": _rows(store, "incident_vehicles", "incident_id", incident_id),
            "stolen_items": _rows(store, "stolen_items", "incident_id", incident_id)}
    for table, found in rows.items():
        for row in found:
            for column, value in row.items():
                if column in MAY_APPEAR[table]:
                    shown.add(str(value))
                    continue
                if value is None or isinstance(value, bytes):
                    continue
                if isinstance(value, float):
                    plain.update({repr(value), f"{value:.4f}", f"{value:.3f}"})
                    continue
                text = str(value).strip()
                if len(text) >= MIN_LENGTH:
                    plain.add(text)
                if column == "place":
                    plain.update(part.strip() for part in text.split(",") if len(part.strip()) >= MIN_LENGTH)
                if column in ("vrm", "reporter_phone", "serial_number", "crime_reference"):
                    squeezed.add(text)
                if column == "vrm" and text:
                    plain.add(display_vrm(text))
    incident = rows["incidents"][0]
    lat, lon = incident["lat"], incident["lon"]
    easting, northing = geo.lat_lon_to_easting_northing(lat, lon)
    plain.update({str(int(easting)), str(int(northing)), str(round(easting)), str(round(northing))})
    for digits in (6, 8, 10):
        squeezed.add(geo.lat_lon_to_grid_ref(lat, lon, digits))
    start = times.to_local(times.from_storage(incident["occurred_start"]))
    plain.add(f"{start:%H:%M}")  # the window is rounded: never the minute
    return {v for v in plain if v and v not in shown}, {v for v in squeezed if v}


def leaks(text: str, plain: set[str], squeezed: set[str]) -> list[str]:
    spaced = " ".join(text.split()).casefold()
    tight = re.sub(r"\s+", "", text).casefold()
    found = [v for v in plain if re.search(rf"(?<!\w){re.escape(' '.join(v.split()).casefold())}(?!\w)", spaced)]
    found += [v for v in squeezed if re.sub(r"\s+", "", v).casefold() in tight]
    return found


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


@pytest.mark.slow  # 1,800 alerts in three formats: about 40 s of CPU
def test_no_export_of_any_demo_incident_carries_personal_or_fine_location_data(
        demo: tuple[Store, Services], tmp_path: Path) -> None:
    store, services = demo
    ids = [row[0] for row in store.db.execute("SELECT id FROM incidents WHERE deleted = 0 ORDER BY rowid")]
    assert len(ids) == 1800
    target = tmp_path / "alert.pdf"
    problems: list[str] = []
    for incident_id in ids:
        draft = services.alerts.draft_for_incident(incident_id)
        exported = services.alerts.preview(draft, reference="demo")
        write_alert(exported, "pdf", target, GENERATED)
        outputs = {"text": alert_text(exported), "html": html.unescape(alert_html(exported)), "pdf": pdf_text(target)}
        plain, squeezed = forbidden_values(store, incident_id)
        for fmt, text in outputs.items():
            assert exported.area.split(" ward")[0] in " ".join(text.split()), f"{fmt} of {incident_id} has no area"
            problems += [f"{incident_id} {fmt}: {value!r}" for value in leaks(text, plain, squeezed)]
    assert not problems, "\n".join(problems[:40])


def test_the_stored_alert_path_redacts_too_and_a_released_registration_is_the_only_one_shown(
        demo: tuple[Store, Services], tmp_path: Path) -> None:
    """Composed, approved and exported through the service as people would: one incident of each kind, and a
    hare coursing incident with two vehicles of which one is released."""
    store, services = demo
    ids = [row[0] for row in store.db.execute(
        "SELECT min(id) FROM incidents WHERE deleted = 0 GROUP BY kind ORDER BY kind")]
    two = store.db.execute(
        "SELECT incident_id FROM incident_vehicles WHERE deleted = 0 GROUP BY incident_id HAVING count(*) = 2 "
        "ORDER BY incident_id LIMIT 1").fetchone()[0]
    officer, sergeant = Actor("pc1", "ret_officer"), Actor("sgt", "administrator")
    saved = store.actor
    try:
        for incident_id in [*ids, two]:
            store.actor = officer
            draft = services.alerts.draft_for_incident(incident_id)
            vehicles = services.alerts.vehicles_of(incident_id)
            released = frozenset({vehicles[0].id}) if incident_id == two else frozenset()
            alert = services.alerts.compose(replace(draft, released_vehicles=released))
            store.actor = sergeant
            services.alerts.approve(alert.id)
            store.actor = Actor("coord", "coordinator")
            plain, squeezed = forbidden_values(store, incident_id)
            for fmt in ("text", "html", "pdf"):
                out = services.alerts.export(alert.id, fmt, tmp_path / f"{alert.reference}.{fmt}")
                text = pdf_text(out) if fmt == "pdf" else html.unescape(out.read_text(encoding="utf-8"))
                if released:
                    shown = normalise_vrm(vehicles[0].vrm)
                    assert display_vrm(shown) in text
                    squeezed.discard(shown)
                    plain.discard(shown)
                    plain.discard(display_vrm(shown))
                    assert normalise_vrm(vehicles[1].vrm) in squeezed
                assert not leaks(text, plain, squeezed), (incident_id, fmt)
    finally:
        store.actor = saved


def test_the_public_fields_are_the_allow_list() -> None:
    """What an export may say is this list; a new field here is a decision, made in core/alert.py and reviewed."""
    assert PUBLIC_FIELDS == ("title", "what", "area", "when", "summary", "vehicles", "advice", "how_to_report",
                             "issued_by", "issued_on", "reference", "lines")
    assert public_alert.__module__ == "ruralwatch.core.alert"
