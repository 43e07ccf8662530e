"""One error for broken rostering rules, whether a duty assignment or a patrol crew place breaks them.

Either may be kept despite the rules only with a reason, which is then recorded; without one the save is refused
with this error, listing every rule broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.rostering.model import RuleBreach
from ruralwatch.rostering.rules import not_free_text

if TYPE_CHECKING:  # only for the annotation: the crew rules build on the rostering rules, not the reverse
    from ruralwatch.patrols.crew import CrewIssue


class RuleBreachError(ValidationError):
    """Rostering rules would be broken and no reason was given to override them. `breaches` lists every rule
    broken (code and message); for a patrol crew, `issues` are the crew issues behind them, in the same order
    (they name the person). A ValidationError on the field a form should point at."""

    def __init__(self, breaches: Sequence[RuleBreach], error: FieldError, issues: Sequence[CrewIssue] = (),
                 headline: str | None = None) -> None:
        self.breaches = list(breaches)
        self.issues = list(issues)
        super().__init__(error)
        if headline is not None:  # shown as it is, without the field's name
            self.args = (headline,)

    @classmethod
    def for_assignment(cls, breaches: Sequence[RuleBreach]) -> RuleBreachError:
        """A person put on a duty: the few words the list of people shows, then every rule's sentence."""
        text = "; ".join(b.message for b in breaches) + " (give a reason to override)"
        if any(b.short for b in breaches):
            text = f"{not_free_text(breaches)}: {text}"
        return cls(breaches, FieldError("person", text), headline=text)

    @classmethod
    def for_crew(cls, issues: Sequence[CrewIssue]) -> RuleBreachError:
        """Crew members of a patrol (the ``override`` issues of ruralwatch.patrols.crew)."""
        text = " ".join(i.message for i in issues)
        return cls([RuleBreach(i.code, i.message) for i in issues],
                   FieldError("crew", f"{text} Give a reason to override."), issues)
