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
