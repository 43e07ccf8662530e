"""The window reads files through the same services as the command line, so it accepts and refuses the same
variants (tests/fixtures/broken_inputs.py) with the same one message, and a refused file changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import broken_inputs as bi

from ruralwatch.ui.settings_dialog import SettingsDialog


def _import(qtbot, window, path: Path) -> None:
    assert window.import_published([path]) is True
    qtbot.waitUntil(lambda: not window.ops.running, timeout=60_000)


def test_the_download_zip_imports_from_the_window_and_says_what_it_left_out(qtbot, window, services,
                                                                            tmp_path: Path) -> None:
    _import(qtbot, window, bi.download_zip(tmp_path / "2018-10.zip"))
    qtbot.waitUntil(lambda: window.last_import_box is not None and window.last_import_box.isVisible(), timeout=30_000)
    box = window.last_import_box
    assert services.published.count() == bi.ROWS and window.problems == []
    assert "2 outcomes or stop and search files left out" in box.text()
    assert f"2018-10-suffolk-street.csv: {bi.ROWS} read, {bi.ROWS} imported" in box.detailedText()


@pytest.mark.parametrize("variant", ["outcomes-file", "header-only", "xlsx-named-csv", "zip-without-street-files"])
def test_a_refused_file_is_one_message_in_the_window_and_changes_nothing(qtbot, window, services, tmp_path: Path,
                                                                         variant: str) -> None:
    _import(qtbot, window, bi.POLICE_ACCEPTED["plain"](tmp_path))
    window.last_import_box.close()
    make, words = bi.POLICE_REFUSED[variant]
    path = make(tmp_path)
    _import(qtbot, window, path)
    assert len(window.problems) == 1
    assert window.problems[0].startswith(f"Published crime not imported: {path}") and words in window.problems[0]
    assert services.published.count() == bi.ROWS


def test_geojson_on_the_national_grid_imports_from_settings(qtbot, services, tmp_path: Path) -> None:
    services.geography.use_force("Suffolk")
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.load()
    button = dialog.import_boundaries
    with qtbot.waitSignal(button.imported, timeout=30_000) as blocker:
        button.start("wards", bi.BOUNDARY_ACCEPTED["geojson-crs-27700"](tmp_path))
    assert blocker.args[0].kept == 16 and "EPSG:27700 reprojected" in blocker.args[0].read_as
    (tmp_path / "other").mkdir()
    refused = bi.BOUNDARY_REFUSED["national-grid-without-crs"][0](tmp_path / "other")
    task = button.start("districts", refused)
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert "Boundaries not imported" in dialog.error.text() and "British National Grid" in dialog.error.text()
    assert len(services.geography.current().areas.wards()) == 16
