"""Small vocabularies shared by every layer: incident statuses and vehicle roles."""

from __future__ import annotations

STATUSES: tuple[tuple[str, str], ...] = (
    ("open", "Open"),
    ("under_investigation", "Under investigation"),
    ("closed", "Closed"),
    ("no_further_action", "No further action"),
)

VEHICLE_ROLES: tuple[tuple[str, str], ...] = (
    ("suspect", "Suspect"),
    ("victim", "Victim"),
    ("witness", "Witness"),
)

STATUS_NAMES = dict(STATUSES)
VEHICLE_ROLE_NAMES = dict(VEHICLE_ROLES)


def label(vocabulary: tuple[tuple[str, str], ...], key: str | None) -> str:
    """Display name for a key of a (key, label) vocabulary; the key itself when unknown."""
    if key is None:
        return ""
    return dict(vocabulary).get(key, key)


# --- people, rostering and patrols (one catalogue each; keys are stored and synced, labels may change) ---

PERSON_ROLES: tuple[tuple[str, str], ...] = (
    ("officer", "Police officer (RET)"),
    ("special", "Special Constable"),
    ("volunteer", "Community volunteer"),
)

# Ranks of the Special Constabulary, lowest first.
SPECIAL_RANKS: tuple[tuple[str, str], ...] = (
    ("sc", "Special Constable"),
    ("ssgt", "Special Sergeant"),
    ("sinsp", "Special Inspector"),
    ("sci", "Special Chief Inspector"),
)

SKILLS: tuple[tuple[str, str], ...] = (
    ("rural_crime", "Rural crime trained"),
    ("off_road", "Off-road / 4x4 driving"),
    ("drone", "Drone pilot"),
    ("first_aid", "First aid"),
    ("wildlife_crime", "Wildlife crime"),
)

DUTY_KINDS: tuple[tuple[str, str], ...] = (
    ("joint_patrol", "Joint patrol"),
    ("event", "Event"),
    ("training", "Training"),
    ("operation", "Operation"),
)

DUTY_STATUSES: tuple[tuple[str, str], ...] = (
    ("planned", "Planned"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
)

AVAILABILITY_EXCEPTION_KINDS: tuple[tuple[str, str], ...] = (
    ("away", "Away"),
    ("extra", "Extra availability"),
)

PATROL_STATUSES: tuple[tuple[str, str], ...] = (
    ("planned", "Planned"),
    ("briefed", "Briefed"),
    ("in_progress", "In progress"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
)

PATROL_PURPOSES: tuple[tuple[str, str], ...] = (
    ("hare_coursing_operation", "Hare coursing operation"),
    ("equipment_theft_prevention", "Equipment theft prevention"),
    ("encampment_visit", "Encampment visit"),
    ("farm_watch_engagement", "Farm Watch engagement"),
    ("general_rural_patrol", "General rural patrol"),
)

# Skills a patrol purpose needs at least one crew member to hold (warned about, not refused).
PURPOSE_SKILLS: dict[str, tuple[str, ...]] = {
    "hare_coursing_operation": ("off_road", "rural_crime"),
    "equipment_theft_prevention": ("rural_crime",),
    "encampment_visit": (),
    "farm_watch_engagement": (),
    "general_rural_patrol": (),
}

# Incident kinds each purpose targets when a plan is suggested (keys of ruralwatch.core.kinds).
PURPOSE_INCIDENT_KINDS: dict[str, tuple[str, ...]] = {
    "hare_coursing_operation": ("hare_coursing",),
    "equipment_theft_prevention": ("equipment_theft",),
    "encampment_visit": ("unlawful_encampment",),
    "farm_watch_engagement": (),
    "general_rural_patrol": (),
}

PATROL_EVENT_KINDS: tuple[tuple[str, str], ...] = (
    ("patrol_started", "Patrol started"),
    ("arrived_stop", "Arrived at hotspot"),
    ("left_stop", "Left hotspot"),
    ("stop_check", "Vehicle stop-check"),
    ("person_spoken", "Person spoken to"),
    ("premises_visit", "Farm or premises visit"),
    ("intelligence", "Intelligence submitted"),
    ("warning", "Warning or notice given"),
    ("seizure", "Seizure"),
    ("arrest", "Arrest"),
    ("new_incident", "New incident"),
    ("note", "Note"),
    ("patrol_ended", "Patrol ended"),
)

# How a person's month stands against their monthly commitment (services.hours.month_status decides which);
# the word is what the Hours tab, the PDF, the CSV and the CLI print for it ("" for a month simply met).
HOURS_STATUSES: tuple[tuple[str, str], ...] = (
    ("below", "below"),  # a finished month with fewer hours given than committed
    ("over", "over"),  # given and planned together pass the commitment
    ("so_far", "so far"),  # the month still running: hours may still come, never "below" yet
    ("to_come", "to come"),  # a month not started yet
    ("met", ""),  # a finished month at or above the commitment (or no commitment)
    ("not_applicable", "n/a"),  # before the person was added: no commitment that month
)

PERSON_ROLE_NAMES = dict(PERSON_ROLES)
HOURS_STATUS_NAMES = dict(HOURS_STATUSES)
SKILL_NAMES = dict(SKILLS)
DUTY_KIND_NAMES = dict(DUTY_KINDS)
PATROL_PURPOSE_NAMES = dict(PATROL_PURPOSES)
PATROL_STATUS_NAMES = dict(PATROL_STATUSES)
PATROL_EVENT_NAMES = dict(PATROL_EVENT_KINDS)
