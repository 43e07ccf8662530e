"""The place boxes' examples follow the force: a North Yorkshire walk read "e.g. TL 81234 23456" and "latitude, e.g.
51.88021" (Essex, the demo's force) in the incident form, the premises form and the patrol log."""

from __future__ import annotations

import pytest

from ruralwatch.core import geo
from ruralwatch.services.container import Services
from ruralwatch.store import Store


@pytest.mark.parametrize(("force", "letters"), [("Essex", "TL"), ("North Yorkshire", "SE"),
                                                 ("Cambridgeshire", "TL"), ("Dyfed-Powys", "SN")])
def test_the_examples_lie_inside_the_chosen_force(store: Store, force: str, letters: str) -> None:
    services = Services.build(store)
    if force != "Essex":  # Essex until another is chosen
        services.geography.use_force(force)
    examples = services.geography.place_examples()
    assert examples.grid_ref.startswith(f"{letters} ") and len(examples.grid_ref.replace(" ", "")) == 12
    assert examples.grid_ref_8.startswith(f"{letters} ") and len(examples.grid_ref_8.replace(" ", "")) == 10
    # Each reads back as a place in one of the force's districts, as the boxes would read it.
    for text in (examples.grid_ref, examples.grid_ref_8, f"{examples.lat}, {examples.lon}"):
        point = geo.typed_point(text)
        assert services.geography.where(point.lat, point.lon).inside, (force, text)
    # One path: the incident and premises services keep no copy of their own (the window asks geography).
    assert not hasattr(services.incidents, "place_examples") and not hasattr(services.premises, "place_examples")
