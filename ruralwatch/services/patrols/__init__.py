"""Joint patrols: plan from harm hotspots, brief the crew, log the patrol as it happens, measure the dose.

One service, `PatrolService`, split by what it does into one module each, every part building on the ones it
needs (so each module reads on its own and the class is still one object with one clock):

- ``base``: the collaborators, the repository (ruralwatch.store.patrols: every SQL statement), reading patrols;
- ``places``: hotspots and recent incidents worth a visit, vehicles of interest;
- ``crew``: crew rules and rostering rules, overrides recorded with the crew place;
- ``planning``: recording, updating, cancelling a patrol; suggesting and editing its plan; planning defaults;
- ``duties``: a joint-patrol duty on the roster made into its patrol, the two linked as one commitment;
- ``briefing``: the briefing pack;
- ``log``: start, events, end;
- ``corrections``: a logged event corrected (stop, time, note), withdrawn or restored, and a finished patrol's
  start and end corrected, with who and why;
- ``dose``: minutes at each stop against the plan, and per place over a period;
- ``after_action``: the after-action summary PDF (the dose, stops never reached, the track's figures).
"""

from __future__ import annotations

from typing import Any

from ruralwatch.core.patrol import LoggedEvent, PatrolRecord
from ruralwatch.core.patrol_plan import PlanStop
from ruralwatch.patrols.plan import candidate_of
from ruralwatch.services.patrols.after_action import PatrolAfterAction
from ruralwatch.services.patrols.base import TOPIC
from ruralwatch.services.patrols.briefing import PatrolBriefing
from ruralwatch.services.patrols.corrections import EventCorrection, PatrolLogCorrections, PatrolTimesCorrection
from ruralwatch.services.patrols.dose import HotspotDosage, PatrolDose, StopDose, UnplannedTime
from ruralwatch.services.patrols.duties import PatrolFromDuty


class PatrolService(PatrolFromDuty, PatrolBriefing, PatrolAfterAction, PatrolLogCorrections):
    """Plans, crews, briefs, logs, doses and sums up joint patrols (see the modules of this package)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Crew put on a duty reaches its patrol: the roster asks the patrol's crew rules first.
        self.roster.patrol_crew_errors = self.duty_crew_errors


__all__ = [
    "TOPIC", "EventCorrection", "HotspotDosage", "LoggedEvent", "PatrolDose", "PatrolRecord", "PatrolService",
    "PatrolTimesCorrection", "PlanStop", "StopDose", "UnplannedTime", "candidate_of",
]
