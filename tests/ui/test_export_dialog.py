"""File ▸ Export incidents…: the dialog checks what was typed (keeping it), exports off the UI thread, and obeys
the role's right to personal data. Real files read back; no sleeps."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt

from ruralwatch.core.errors import CancelledError
from ruralwatch.core.incident import IncidentFilter, IncidentInput
from ruralwatch.core.permissions import Actor
from ruralwatch.io.exports import ExportOptions
from ruralwatch.services.container import Services
from ruralwatch.ui.export_dialog import ExportDialog

INCIDENTS = [
    ("hare_coursing", "2026-10-03T07:10:00Z", "Dogs on stubble, Great Dunmow"),
    ("hare_coursing", "2026-11-02T15:45:00Z", "Two vehicles, lurchers, Thaxted"),
    ("unlawful_encampment", "2026-07-15T20:00:00Z", "Caravans on a field gateway"),
]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Exports go here, apart from the test's database."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def filled(services: Services) -> Services:
    for kind, when, text in INCIDENTS:
        services.incidents.record(IncidentInput(kind=kind, occurred_start=when, lat=51.87, lon=0.36,
                                                description=text, reporter_name="Ann Farmer",
                                                reporter_phone="07700 900123"))
    return services


def _untick_all_but(dialog: ExportDialog, keep: str) -> None:
    for i in range(dialog.kinds.count()):
        item = dialog.kinds.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) == keep
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def test_mistakes_are_shown_and_what_was_typed_is_kept(qtbot, filled: Services, out: Path) -> None:
    dialog = ExportDialog(filled, folder=out)
    qtbot.addWidget(dialog)
    _untick_all_but(dialog, "none")
    assert dialog.start_export() is None
    assert "tick at least one kind" in dialog.error.text()
    _untick_all_but(dialog, "hare_coursing")
    dialog.use_from.setChecked(True)
    dialog.date_from.setDate(QDate(2026, 11, 30))
    dialog.use_to.setChecked(True)
    dialog.date_to.setDate(QDate(2026, 11, 1))
    assert dialog.start_export() is None
    assert "before" in dialog.error.text()
    dialog.date_from.setDate(QDate(2026, 10, 1))
    dialog.path.setText(str(out / "no such folder" / "x.csv"))
    assert dialog.start_export() is None
    assert "does not exist" in dialog.error.text()
    assert dialog.ticked_kinds() == ["hare_coursing"] and dialog.use_from.isChecked()  # still as typed
    assert list(out.iterdir()) == []


def test_a_workbook_of_the_chosen_period_and_kind(qtbot, filled: Services, out: Path) -> None:
    dialog = ExportDialog(filled, IncidentFilter(kinds=("hare_coursing",), start_from=date(2026, 10, 1)),
                          folder=out)
    qtbot.addWidget(dialog)
    assert dialog.use_from.isChecked() and not dialog.use_to.isChecked()
    assert dialog.ticked_kinds() == ["hare_coursing"]  # started from the table's filters
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    assert dialog.path.text().endswith(".xlsx")  # the ending follows the format
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as exported:
        dialog.start_export()
    result = exported.args[0]
    assert result.counts["Incidents"] == 2 and not result.include_personal
    sheet = load_workbook(result.path, read_only=True)["Incidents"]
    text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "Thaxted" in text and "field gateway" not in text and "07700" not in text
    last = filled.store.db.execute("SELECT action, changes FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[0] == "export" and json.loads(last[1])["rows"] == 2


def test_personal_data_only_for_a_role_entitled_to_it(qtbot, filled: Services, out: Path) -> None:
    dialog = ExportDialog(filled, folder=out)
    qtbot.addWidget(dialog)
    dialog.personal.setChecked(True)
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as exported:
        dialog.start_export()
    with exported.args[0].path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and {row["reporter_phone"] for row in rows} == {"07700 900123"}

    filled.store.actor = Actor("sam", "special", "acc-1")
    special = ExportDialog(filled, folder=out)
    qtbot.addWidget(special)
    assert not special.personal.isEnabled()


def test_a_cancelled_export_leaves_the_old_file(filled: Services, out: Path) -> None:
    target = out / "incidents.csv"
    target.write_text("the previous export\n", encoding="utf-8")
    seen: list[tuple[int, int]] = []

    def cancel_at_the_end(done: int, total: int, _note: str = "") -> bool:
        seen.append((done, total))
        return done < total

    with pytest.raises(CancelledError):
        filled.exports.export(ExportOptions(), "csv", target, cancel_at_the_end)
    assert seen == [(1, 2), (2, 2)]
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in out.iterdir()] == ["incidents.csv"]  # no temporary file left
    assert filled.store.db.execute("SELECT count(*) FROM audit_log WHERE action = 'export'").fetchone()[0] == 0


def test_the_window_opens_it_from_the_file_menu_with_its_filters(qtbot, window) -> None:
    window.kind_filter.setCurrentIndex(window.kind_filter.findData("fly_tipping"))
    assert window.export_action.isEnabled() and window.export_action.shortcut().toString() == "Ctrl+Shift+E"
    window.export_action.trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.ticked_kinds() == ["fly_tipping"]
    dialog.close()


def test_the_map_page_export_is_audited_and_a_cancel_keeps_the_old_file(filled: Services, out: Path) -> None:
    target = out / "map.html"
    count = filled.exports.map_page(IncidentFilter(kinds=("hare_coursing",)), target)
    html = target.read_text(encoding="utf-8")
    assert count == 2 and "Two vehicles, lurchers" not in html  # kind, status, time and place; no description
    assert "07700" not in html and "Ann Farmer" not in html
    row = filled.store.db.execute("SELECT changes FROM audit_log WHERE action = 'export' ORDER BY seq DESC").fetchone()
    assert json.loads(row[0])["format"] == "html map" and json.loads(row[0])["rows"] == 2
    with pytest.raises(CancelledError):
        filled.exports.map_page(IncidentFilter(), target, lambda done, total, _note="": done < total)
    assert target.read_text(encoding="utf-8") == html
    assert [p.name for p in out.iterdir()] == ["map.html"]


def test_patrols_and_everything_are_exported_from_the_same_dialog(qtbot, services: Services, out: Path) -> None:
    from datetime import UTC, datetime

    from ruralwatch.services.demo import load_demo
    from ruralwatch.services.demo_roster import load_demo_roster

    demo_now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    load_demo(services.incidents, count=120, now=demo_now)  # patrols are planned on hotspots of incidents
    load_demo_roster(services.people, services.roster, services.patrols, now=demo_now)
    dialog = ExportDialog(services, folder=out)
    qtbot.addWidget(dialog)
    dialog.what_choice.setCurrentIndex(dialog.what_choice.findData("patrols"))
    dialog.format.setCurrentIndex(dialog.format.findData("geojson"))
    assert not dialog.kinds.isEnabled() and "people's names" in dialog.personal.text()
    assert dialog.path.text().endswith(".geojson") and "ruralwatch-patrols-" in dialog.path.text()
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as done:
        dialog.export_button.click()
    features = json.loads(Path(done.args[0].path).read_text(encoding="utf-8"))["features"]
    assert len(features) == len(services.patrols.list()) > 0
    assert {f["geometry"]["type"] for f in features} == {"LineString"}
    # Everything as CSV: a folder of files; the name has no ending and Choose… picks a folder.
    again = ExportDialog(services, folder=out)
    qtbot.addWidget(again)
    again.what_choice.setCurrentIndex(again.what_choice.findData("all"))
    assert again.kinds.isEnabled() and "reporters'" in again.personal.text()
    assert not Path(again.path.text()).suffix
    with qtbot.waitSignal(again.exported, timeout=30_000) as done:
        again.export_button.click()
    folder = Path(done.args[0].path)
    assert folder.is_dir() and (folder / "patrols.csv").exists() and (folder / "hours.csv").exists()


def test_what_is_exported_is_named_for_the_format_chosen(qtbot, services: Services, out: Path) -> None:
    """A walk's Export dialog opened on "Incidents (… in a workbook)" with CSV chosen: the two must agree."""
    dialog = ExportDialog(services, folder=out)
    qtbot.addWidget(dialog)
    assert dialog.fmt() == "csv" and dialog.what() == "incidents"
    assert "workbook" not in dialog.what_choice.currentText() and "sheet" not in dialog.what_choice.currentText()
    assert "one row each" in dialog.what_choice.currentText()
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    assert "a sheet each" in dialog.what_choice.currentText()
    assert dialog.what() == "incidents"
