"""A patrol's status and what each status allows: one place for the rules the service, the window and the CLI
apply (planned -> briefed -> in progress -> completed, or cancelled before it starts)."""

from __future__ import annotations

from enum import StrEnum


class PatrolStatus(StrEnum):
    # A StrEnum, so the stored text, JSON output and comparisons with plain strings read as they always did.
    PLANNED = "planned"
    BRIEFED = "briefed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def text(self) -> str:
        """As a message says it: "in progress"."""
        return self.value.replace("_", " ")

    @property
    def is_final(self) -> bool:
        """Over: the patrol itself can no longer change."""
        return self in (PatrolStatus.COMPLETED, PatrolStatus.CANCELLED)

    @property
    def is_open(self) -> bool:
        """Still to happen or happening."""
        return self in (PatrolStatus.PLANNED, PatrolStatus.BRIEFED, PatrolStatus.IN_PROGRESS)

    @property
    def can_edit_plan(self) -> bool:
        """Stops, crew and times may change only before the patrol starts."""
        return self in (PatrolStatus.PLANNED, PatrolStatus.BRIEFED)

    @property
    def can_brief(self) -> bool:
        return self is not PatrolStatus.CANCELLED

    @property
    def can_start(self) -> bool:
        return self in (PatrolStatus.PLANNED, PatrolStatus.BRIEFED)

    @property
    def can_log(self) -> bool:
        return self is PatrolStatus.IN_PROGRESS

    @property
    def can_end(self) -> bool:
        return self is PatrolStatus.IN_PROGRESS

    @property
    def can_cancel(self) -> bool:
        # Cancelling a cancelled patrol is harmless, so only a patrol under way or done is refused.
        return self not in (PatrolStatus.IN_PROGRESS, PatrolStatus.COMPLETED)

    @property
    def has_dose(self) -> bool:
        """Events have been logged that a dose can be measured from."""
        return self in (PatrolStatus.IN_PROGRESS, PatrolStatus.COMPLETED)
