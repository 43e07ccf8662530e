"""Settings ▸ Import boundaries…: a GeoPackage of wards imported off the UI thread through the geography service,
the summary refreshed; a broken file reported as one message with nothing changed; not for a role without
geography.manage."""

from __future__ import annotations

from pathlib import Path

from ruralwatch.core.permissions import Actor
from ruralwatch.ui.settings_dialog import SettingsDialog

GEO = Path(__file__).resolve().parents[1] / "fixtures" / "geo"


def _dialog(qtbot, services) -> SettingsDialog:
    services.geography.use_force("Suffolk")
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.load()
    return dialog


def test_wards_from_a_geopackage_are_imported_in_the_background(qtbot, services) -> None:
    dialog = _dialog(qtbot, services)
    assert "no wards" in dialog.geography_summary.text()
    button = dialog.import_boundaries
    with qtbot.waitSignal(button.imported, timeout=30_000) as blocker:
        button.start("wards", GEO / "E07000202-ipswich-wards-2013-bng.gpkg")
        assert not button.isEnabled()  # until the worker is done (its result comes through the event loop)
    assert button.isEnabled()
    report = blocker.args[0]
    assert report.kept == 16 and "EPSG:27700" in report.read_as
    assert "16 wards" in dialog.geography_summary.text()
    assert len(services.geography.current().areas.wards()) == 16  # the window's own services see them


def test_a_broken_file_is_one_message_and_changes_nothing(qtbot, services) -> None:
    dialog = _dialog(qtbot, services)
    before = dialog.geography_summary.text()
    task = dialog.import_boundaries.start("wards", GEO / "broken-truncated.gpkg")
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert dialog.error.isVisibleTo(dialog)
    assert "Boundaries not imported" in dialog.error.text() and "not a readable GeoPackage" in dialog.error.text()
    assert dialog.import_boundaries.isEnabled() and dialog.geography_summary.text() == before
    assert not services.geography.current().areas.wards()


def test_only_a_role_that_manages_geography_can_import(qtbot, services) -> None:
    services.store.actor = Actor("sam", "special", "acc-1")
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert not dialog.import_boundaries.isEnabledTo(dialog)


def test_several_ward_files_chosen_at_once_are_all_imported(qtbot, services, monkeypatch, tmp_path) -> None:
    """Wards come one file per district: a walk chose seven in the file dialog and only the first was kept."""
    import json

    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from ruralwatch.ui.boundary_import import LevelDialog

    collection = json.loads((GEO / "E07000202-ipswich-wards-2013.json").read_text(encoding="utf-8"))
    halves = []
    for number, part in enumerate((collection["features"][:9], collection["features"][9:]), start=1):
        half = tmp_path / f"part{number}.json"
        half.write_text(json.dumps(dict(collection, features=part)), encoding="utf-8")
        halves.append(str(half))
    asked: list[int] = []

    def answer(dialog) -> int:
        # As shown, not as asked beforehand: QInputDialog dropped its minimum width once shown (200 px).
        dialog.show()
        qtbot.waitExposed(dialog)
        asked.append(dialog.width())
        dialog.level.setCurrentText("Wards")
        dialog.hide()
        return 1

    monkeypatch.setattr(LevelDialog, "exec", answer)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: ("Wards", True))  # the narrow box
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *args, **kwargs: (halves, ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (halves[0], ""))  # Qt's one-file pick
    dialog = _dialog(qtbot, services)
    with qtbot.waitSignal(dialog.import_boundaries.imported, timeout=30_000) as blocker:
        dialog.import_boundaries.choose()
    assert blocker.args[0].kept == 16
    assert "16 wards (imported from part1.json and part2.json)" in dialog.geography_summary.text()
    # The level question is wide enough for its title ('Impor… daries' in a box of 200 px at 1366x768).
    assert asked and asked[0] >= 2 * dialog.fontMetrics().horizontalAdvance("Import boundaries")


def test_the_import_says_how_many_areas_it_left_out_as_the_command_line_does(qtbot, services, tmp_path) -> None:
    """The command line said '16 wards imported …; 2 left out, (mostly) outside the force'; the window's summary
    said nothing of those left out. Two real Essex wards (Billericay) added to Ipswich's 16, the force Suffolk."""
    import json

    from ruralwatch.paths import resource_path

    ipswich = json.loads((GEO / "E07000202-ipswich-wards-2013.json").read_text(encoding="utf-8"))
    essex = json.loads(resource_path("geo", "essex-wards.geojson").read_text(encoding="utf-8"))
    strays = [{"type": "Feature", "geometry": f["geometry"],
               "properties": {"WD13CD": f["properties"]["code"], "WD13NM": f["properties"]["name"]}}
              for f in essex["features"][:2]]
    mixed = tmp_path / "mixed-wards.json"
    mixed.write_text(json.dumps(dict(ipswich, features=ipswich["features"] + strays)), encoding="utf-8")
    dialog = _dialog(qtbot, services)
    with qtbot.waitSignal(dialog.import_boundaries.imported, timeout=30_000) as blocker:
        dialog.import_boundaries.start("wards", mixed)
    report = blocker.args[0]
    assert (report.kept, len(report.outside)) == (16, 2)
    assert report.summary() == ("16 wards imported from mixed-wards.json (GeoJSON; names from WD13NM); 2 left out, "
                                "(mostly) outside the force")
    assert dialog.geography_summary.text().endswith(f"\nLast import: {report.summary()}.")
