"""The place boxes' examples in the window follow the force (a North Yorkshire walk read Essex's "TL 81234 23456"
and "latitude, e.g. 51.88021" in the incident form, "TL 61234 35678" in the premises form)."""

from __future__ import annotations

from ruralwatch.services.container import Services
from ruralwatch.ui.incident_form import IncidentDialog
from ruralwatch.ui.premises_panel import PremisesDialog


def test_incident_and_premises_forms_give_examples_inside_the_force(qtbot, services: Services) -> None:
    services.geography.use_force("North Yorkshire")
    examples = services.geography.place_examples()
    form = IncidentDialog(services.incidents)
    qtbot.addWidget(form)
    assert form.grid_ref.placeholderText() == f"e.g. {examples.grid_ref}" and examples.grid_ref.startswith("SE ")
    assert form.lat.placeholderText() == f"latitude, e.g. {examples.lat}" and examples.lat.startswith("54.")
    assert form.lon.placeholderText() == f"longitude, e.g. {examples.lon}" and examples.lon.startswith("-1.")
    premises = PremisesDialog(services.premises)
    qtbot.addWidget(premises)
    assert premises.grid_ref.placeholderText() == f"e.g. {examples.grid_ref}"
