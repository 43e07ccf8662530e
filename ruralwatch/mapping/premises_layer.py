"""The map's registered-premises layer as GeoJSON (no Qt, no store): a point per premises with a place, with what
its popup says (name, kind, watch schemes) and whether it was victimised within the repeat window, which the page
marks with a red outline (ruralwatch.mapping.symbols PREMISES and PREMISES_REPEAT). Never the contact: the map
is shown to every role, on a laptop screen in a farmyard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ruralwatch.core.premises import Premises


def premises_geojson(items: Iterable[tuple[Premises, int]], window_days: int) -> dict[str, Any]:
    """A FeatureCollection of the premises with a place; each item is (premises, incidents there within the
    repeat window of `window_days`). Premises without coordinates are left out."""
    features = []
    for premises, incidents in items:
        if premises.lat is None or premises.lon is None:
            continue
        point = [round(float(premises.lon), 6), round(float(premises.lat), 6)]
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": point},
            "properties": {"id": premises.id, "name": premises.name, "kind": premises.kind_name,
                           "schemes": premises.scheme_names, "repeat": incidents > 0, "incidents": int(incidents),
                           "window_days": int(window_days)},
        })
    return {"type": "FeatureCollection", "features": features}
