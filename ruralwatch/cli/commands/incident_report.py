"""How `incidents show` and `list` print an incident: the report an officer reads, a list line, and the JSON."""

from __future__ import annotations

from typing import Any

from ruralwatch.core import times
from ruralwatch.core.geo import lat_lon_to_grid_ref
from ruralwatch.core.incident import Incident
from ruralwatch.core.kinds import (
    EQUIPMENT_CATEGORIES,
    KINDS,
    PROPERTY_MARKINGS,
    DetailField,
    FieldType,
    kind_by_key,
    kind_name,
)
from ruralwatch.core.vocab import STATUS_NAMES, VEHICLE_ROLES, label
from ruralwatch.core.vrm import display_vrm


def incident_json(incident: Incident) -> dict[str, Any]:
    """Incident.to_dict with every flag a JSON boolean (stolen items' `recovered` is stored as 0/1)."""
    data = incident.to_dict()
    for item in data["items"]:
        item["recovered"] = bool(item["recovered"])
    return data


def summary_line(row: Any) -> str:
    return (
        f"{times.format_local(row.occurred_start):16}  {kind_name(row.kind):26.26}  "
        f"{STATUS_NAMES.get(row.status, row.status):19.19}  "
        f"{lat_lon_to_grid_ref(row.lat, row.lon, 6):11}  {row.place[:30]:30}  {row.id}"
    )


def _size_text(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def _detail_text(spec: DetailField, value: Any) -> str:
    if spec.type is FieldType.BOOLEAN:
        return "Yes" if value else "No"
    if spec.type is FieldType.CHOICE:
        return label(spec.choices, value)
    return str(value)


def _pounds(pence: int | None) -> str:
    if pence is None:
        return "not known"
    return f"£{pence / 100:,.2f}".removesuffix(".00")


def report(incident: Incident) -> list[str]:
    """`incidents show`: the incident as an officer reads it, times in UK local time."""
    kind = kind_name(incident.kind)
    subkinds = kind_by_key(incident.kind).subkinds if incident.kind in {k.key for k in KINDS} else ()
    title = f"{kind} ({label(subkinds, incident.subkind)})" if incident.subkind else kind
    lines = [title, "=" * len(title)]
    if incident.synthetic:
        lines.append("DEMO DATA: synthetic, not a real report")

    def row(name: str, value: str) -> None:
        if value:
            text_lines = value.splitlines() or [""]
            lines.append(f"{name:17}{text_lines[0]}")
            lines.extend(" " * 17 + more for more in text_lines[1:])

    when = times.format_local(incident.occurred_start)
    if incident.occurred_end:
        when += f" to {times.format_local(incident.occurred_end)}"
    row("ID", incident.id)
    row("Status", STATUS_NAMES.get(incident.status, incident.status))
    row("Happened", when)
    row("Reported", times.format_local(incident.reported_at))
    row("Place", incident.place)
    row("Grid reference", incident.grid_ref)
    row("Lat/lon", f"{incident.lat:.6f}, {incident.lon:.6f}")
    row("Crime reference", incident.crime_reference)
    row("Reporter", ", ".join(p for p in (incident.reporter_name, incident.reporter_phone) if p))
    row("Description", incident.description)

    kind_details = kind_by_key(incident.kind).details if incident.kind in {k.key for k in KINDS} else ()
    shown = [(spec, incident.details[spec.key]) for spec in kind_details if spec.key in incident.details]
    if shown:
        lines.extend(["", "Details"])
        width = max(len(spec.label) for spec, _ in shown) + 2
        lines.extend(f"  {spec.label:{width}}{_detail_text(spec, value)}" for spec, value in shown)
    if incident.vehicles:
        lines.extend(["", "Vehicles"])
        for vehicle in incident.vehicles:
            described = " ".join(p for p in (vehicle.get("colour"), vehicle.get("make"), vehicle.get("model")) if p)
            lines.append(f"  {display_vrm(vehicle['vrm']):9} {label(VEHICLE_ROLES, vehicle['role']):8} {described}"
                         .rstrip())
    if incident.items:
        lines.extend(["", "Stolen items"])
        for number, item in enumerate(incident.items, start=1):
            what = " ".join(p for p in (item.get("make"), item.get("model")) if p)
            lines.append(f"  {number}. {label(EQUIPMENT_CATEGORIES, item['category'])}" + (f": {what}" if what else ""))
            if item.get("description") and item["description"] != what:
                lines.append(f"     {item['description']}")
            facts = [
                f"serial {item['serial_number']}" if item.get("serial_number") else "no serial number",
                *([f"registration {display_vrm(item['vrm'])}"] if item.get("vrm") else []),
                "no marking" if item["marking"] == "none" else f"marking {label(PROPERTY_MARKINGS, item['marking'])}",
                f"value {_pounds(item.get('value_pence'))}",
                f"recovered {'yes' if item.get('recovered') else 'no'}",
            ]
            lines.append("     " + ", ".join(facts))
    if incident.attachments:
        lines.extend(["", "Attachments"])
        for attachment in incident.attachments:
            caption = f"  {attachment.caption}" if attachment.caption else ""
            lines.append(f"  {attachment.filename} ({_size_text(attachment.size)}){caption}")
    lines.append("")
    row("Created", times.format_local(incident.created_at))
    row("Updated", times.format_local(incident.updated_at))
    lines.append("Times are UK local time.")
    return lines
