"""Who may do what: the one table of account roles x actions, checked by the services.

The window and the command line call the same services, so both obey this table. docs/PERMISSIONS.md is
generated from it (`python -m ruralwatch.core.permissions`), and tests/unit/test_permissions.py tries
every cell through the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruralwatch.core.errors import RuralWatchError

ACCOUNT_ROLES: tuple[tuple[str, str], ...] = (
    ("ret_officer", "RET officer"),
    ("special", "Special Constable"),
    ("coordinator", "Specials coordinator"),
    ("analyst", "Analyst"),
    ("administrator", "Administrator"),
)
ACCOUNT_ROLE_NAMES = dict(ACCOUNT_ROLES)

ALL = frozenset(ACCOUNT_ROLE_NAMES)
# Roles whose accounts are people on the roster who may not edit it: such an account gives its own availability
# and sees its own duties only once linked to its person there (Actor.person_id).
ROSTER_LINKED_ROLES = frozenset({"ret_officer", "special"})
OFFICERS = frozenset({"ret_officer", "administrator"})

# action -> (description, roles allowed). Keys are stable: tests and docs refer to them.
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "incident.view": ("See incidents (without personal data)", ALL),
    "incident.record": ("Record and edit incidents", frozenset({"ret_officer", "special", "administrator"})),
    "incident.delete": ("Delete incidents", OFFICERS),
    "personal.reporters": ("See and export reporters' names and phone numbers, and premises contacts", OFFICERS),
    "personal.volunteers": ("See volunteers' phone numbers and emails",
                            frozenset({"ret_officer", "coordinator", "administrator"})),
    # Registrations are intelligence: the crews who look out for and stop-check vehicles, not the analysts.
    "vehicles.view": ("See vehicle registrations (VRMs) on incidents, briefings and stop-checks",
                      frozenset({"ret_officer", "special", "coordinator", "administrator"})),
    # Lists of vehicles of interest (force systems, ANPR hotlists) are intelligence brought in by the RET.
    "vehicles.manage": ("Import and withdraw lists of vehicles of interest",
                        frozenset({"ret_officer", "administrator"})),
    # The premises register: everyone sees where premises are, what is registered there and its visits (the
    # contact details only with personal.reporters); the crews who visit and the Specials coordinators who run the
    # watch schemes keep it up to date.
    "premises.view": ("See premises, their registered property and visits; check serial numbers", ALL),
    "premises.edit": ("Add and edit premises, their property and prevention visits",
                      frozenset({"ret_officer", "special", "coordinator", "administrator"})),
    # Alerts to the community: whoever records incidents drafts them; a second officer (the RET, who supervise the
    # Specials' work) or an administrator checks one before it leaves; the coordinator who runs the watch schemes
    # sends it (so do officers and administrators). No one approves their own alert but an administrator.
    "alerts.compose": ("Compose and edit alerts to the community (drafts)",
                       frozenset({"ret_officer", "special", "administrator"})),
    "alerts.approve": ("Approve another's alert to the community for release",
                       frozenset({"ret_officer", "administrator"})),
    "alerts.issue": ("Export (issue) approved alerts and see the scheme members to send them to",
                     frozenset({"ret_officer", "coordinator", "administrator"})),
    "patrol.view": ("See patrols, plans and logs", ALL),
    "patrol.plan": ("Create and plan patrols, write briefings",
                    frozenset({"ret_officer", "coordinator", "administrator"})),
    # Targeting patrols by crime harm is analysis: an analyst previews where and when a patrol would do most good
    # and hands the plan pack to the officer (an inspector signs in as an RET officer) who plans, crews and briefs.
    "patrol.preview": ("Preview a harm-targeted patrol plan and export it as a plan pack (nothing saved)",
                       frozenset({"ret_officer", "coordinator", "analyst", "administrator"})),
    "patrol.log": ("Start, log and end patrols", frozenset({"ret_officer", "special", "administrator"})),
    # The officer who logged an event, and the crew while the patrol runs, put their own log right (patrol.log);
    # those who supervise the log (the RET, the Specials coordinators) correct any event, also after the patrol.
    "patrol.correct_log": ("Correct, withdraw or restore any logged patrol event and correct a patrol's start and "
                           "end, also after it ended",
                           frozenset({"ret_officer", "coordinator", "administrator"})),
    # A Special rostered on a joint-patrol duty that nobody has planned as a patrol yet makes it one to log it; a
    # duty they are not on stays the planners' (patrol.plan, which also covers this).
    "patrol.from_own_duty": ("Make a joint-patrol duty one is on into its patrol (its day, times, area and crew)",
                             frozenset({"ret_officer", "special", "coordinator", "administrator"})),
    "roster.view": ("See people and duties, and one's own hours", ALL),
    "roster.edit": ("Edit people, duties and assignments; auto-fill", frozenset({"coordinator", "administrator"})),
    "roster.own_availability": ("Give one's own availability", ALL),
    # Hours against a commitment are a volunteer's own business and their managers': a Special sees their own
    # (a walk found colleagues listed in red "below" to every Special); those who run or report on the roster, all.
    "roster.all_hours": ("See everyone's hours against their commitment (others see only their own)",
                         frozenset({"ret_officer", "coordinator", "analyst", "administrator"})),
    "analysis.run": ("Run hotspots, accuracy, harm and near-repeat (Knox) analyses; set the near-repeat zone",
                     frozenset({"ret_officer", "coordinator", "analyst", "administrator"})),
    "harm.edit": ("Change crime harm weights", frozenset({"analyst", "administrator"})),
    "import.published": ("Import published crime (data.police.uk)",
                         frozenset({"ret_officer", "analyst", "administrator"})),
    "export.data": ("Export incidents, duties and hours (crew names, no contact details)",
                    frozenset({"ret_officer", "coordinator", "analyst", "administrator"})),
    # Packages carry whole rows, contact details included: only roles entitled to them exchange packages.
    "sync.exchange": ("Export and import sync packages", OFFICERS),
    "sync.trust": ("Trust other devices, see and resolve sync conflicts", OFFICERS),
    "basemap.manage": ("Add and remove offline basemaps", ALL),
    "accounts.manage": ("List and create accounts, reset passwords, change roles", frozenset({"administrator"})),
    "audit.view": ("See and verify the audit log", frozenset({"analyst", "administrator"})),
    # A backup is the whole database (contact details included) under the same key: copies stay with the admins.
    "data.backup": ("Make and list backups, copy the database elsewhere", frozenset({"administrator"})),
    "geography.manage": ("Choose the police force and import its district and ward boundaries",
                         frozenset({"administrator"})),
    "data.purge": ("Load or remove demo data, set and apply retention, restore backups, move the data folder",
                   frozenset({"administrator"})),
}


class PermissionDeniedError(RuralWatchError):
    """The signed-in account's role may not do this. Nothing was changed."""


@dataclass(frozen=True)
class Actor:
    """Who is doing something: an account, or the system itself (tests, first set-up, background jobs)."""

    username: str
    role: str
    account_id: str = ""
    person_id: str | None = None  # the volunteer or officer record this account belongs to

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    @property
    def needs_person(self) -> bool:
        """An account of a role on the roster, not linked to its person there: it cannot give its availability."""
        return needs_person(self.role, self.person_id) and not self.can("roster.edit")

    def can(self, action: str) -> bool:
        if action not in ACTIONS:
            raise KeyError(f"unknown action {action!r}")
        return self.is_system or self.role in ACTIONS[action][1]

    def require(self, action: str) -> None:
        if not self.can(action):
            role = ACCOUNT_ROLE_NAMES.get(self.role, self.role)
            raise PermissionDeniedError(f"{self.username} ({role}) {may_not(action)}")


SYSTEM = Actor("system", "system")


def may_not(action: str) -> str:
    """What a role without `action` may not do, in the catalogue's words: the services' refusal ("sc-sam
    (Special) may not: …") and a greyed button's tooltip ("Your role may not: …") say it alike."""
    return f"may not: {ACTIONS[action][0].lower()}"


def role_may_not(action: str) -> str:
    """A greyed button's tooltip: what the role may not do and who may, both from the table the services check."""
    return f"Your role {may_not(action)}; {who_may(action)} may"


def who_may(action: str) -> str:
    """The roles allowed an action, in words ("RET officers, Specials coordinators and administrators"): what a
    greyed button says, from the same table the services check."""
    names = [ACCOUNT_ROLE_NAMES[role] for role, _ in ACCOUNT_ROLES if role in ACTIONS[action][1]]
    plural = [name if name.endswith("s") else f"{name}s" for name in names]
    # Names that are titles keep their capitals ("RET officers", "Specials coordinators"); the others read lower.
    words = [plural[0], *(n if n.startswith(("RET", "Special")) else n.lower() for n in plural[1:])]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def needs_person(role: str, person_id: str | None) -> bool:
    """Whether an account of `role` linked to `person_id` still has to be linked to its person in the roster."""
    return role in ROSTER_LINKED_ROLES and not person_id


def markdown_table() -> str:
    """The roles x actions table for docs/PERMISSIONS.md."""
    roles = [key for key, _ in ACCOUNT_ROLES]
    lines = [
        "| Action | " + " | ".join(ACCOUNT_ROLE_NAMES[r] for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for key, (text, allowed) in ACTIONS.items():
        cells = " | ".join("yes" if r in allowed else "-" for r in roles)
        lines.append(f"| {text} (`{key}`) | {cells} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
