"""The incident form's grid reference box takes an easting and northing without letters, typed key by key as an
officer reads it off a radio, then Enter: the latitude and longitude fill in at that point."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ruralwatch.core import geo
from ruralwatch.services.container import Services


@pytest.mark.parametrize("typed", ["558800 222400", "558800, 222400", "558800222400"])
def test_an_easting_and_northing_typed_in_the_grid_reference_box_places_the_incident(qtbot, services: Services,
                                                                                     typed: str) -> None:
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.grid_ref, typed)
    qtbot.keyClick(dialog.grid_ref, Qt.Key.Key_Return)  # the box is read when its editing finishes
    assert dialog.grid_ref.text() == typed  # left as typed (not taken for a latitude and longitude)
    point = geo.typed_point("558800 222400")
    assert float(dialog.lat.text()) == pytest.approx(point.lat, abs=1e-6)
    assert float(dialog.lon.text()) == pytest.approx(point.lon, abs=1e-6)
    assert not dialog.location_note.isHidden()
    assert geo.lat_lon_to_grid_ref(float(dialog.lat.text()), float(dialog.lon.text())) == "TL 58800 22400"
