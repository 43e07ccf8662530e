"""Both sources, each month from one: the one rule every use of "both" (source "all") follows — the Hotspots,
Areas, Accuracy and Time tabs, the analysis report, `hotspots`/`areas`/`evaluate --source all` and a patrol plan
from both.

A crime our officers recorded is, a month or two later, also in data.police.uk's published crime for the force; the
two cannot be matched one by one (published places are snapped to anonymised points, its dates are months), so
adding the two sources counted it twice. Instead each month is counted from one source: published crime for the
months the force's published crime holds (data.police.uk publishes a force's whole month at once), our incidents
for the rest (the months not out yet, and any month never imported). No I/O here: AnalysisService.month_split
looks up which months are held and calls `split_months`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COUNTED_ONCE = "each month from one source, so a crime we recorded that was later published counts once"


@dataclass(frozen=True)
class MonthSplit:
    """Which source each month of a period from both ("all") is counted from: never both, none left out."""

    published: tuple[str, ...]  # 'YYYY-MM', in order: months the force's published crime holds
    ours: tuple[str, ...]  # the rest of the period: after the latest published month, and any month not published

    def text(self) -> str:
        """'published crime 2026-01 to 2026-10; our incidents 2026-11 to 2026-12' (a source with no month left
        out)."""
        parts = ([f"published crime {months_text(self.published)}"] if self.published else []) + (
            [f"our incidents {months_text(self.ours)}"] if self.ours else [])
        return "; ".join(parts)

    def sentence(self) -> str:
        """The line an analysis from both shows under its result (window, command line, report)."""
        if not self.published and not self.ours:
            return "Months: none held by either source in the period."
        return f"Months: {self.text()} ({COUNTED_ONCE})."

    def to_dict(self) -> dict[str, list[str]]:
        """The `months` field of a --json result: {"published": [...], "incidents": [...]}."""
        return {"published": list(self.published), "incidents": list(self.ours)}

    @property
    def mixed(self) -> bool:
        return bool(self.published and self.ours)


def split_months(window: Sequence[str], published_held: Iterable[str]) -> MonthSplit:
    """Each month of `window` from published crime when the force's published crime holds it, else from our
    incidents. Published data comes out per force and month, so a month held is the whole force's crime that month
    (a ward with none had none); a month not held (not out yet, or never imported) is ours rather than lost."""
    held = set(published_held)
    return MonthSplit(tuple(m for m in window if m in held), tuple(m for m in window if m not in held))


def months_text(months: Sequence[str]) -> str:
    """Months in order as runs: ('2026-01', '2026-02', '2026-03', '2026-05') -> '2026-01 to 2026-03 and 2026-05'."""
    runs: list[list[str]] = []
    for month in months:
        if runs and month_index(month) == month_index(runs[-1][-1]) + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    words = [span_text(run[0], run[-1]) for run in runs]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def month_index(month: str) -> int:
    """'YYYY-MM' as a count of months (year * 12 + month - 1)."""
    return int(month[:4]) * 12 + int(month[5:]) - 1


def month_at(index: int) -> str:
    """`month_index`'s inverse: the count of months as 'YYYY-MM'."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_from_to(first: str, last: str) -> tuple[str, ...]:
    """Every calendar month from `first` to `last`, both included (none when `last` comes first)."""
    return tuple(month_at(i) for i in range(month_index(first), month_index(last) + 1))


def span_text(first: str, last: str) -> str:
    """'2018-01 to 2019-02', or the one month when they are the same."""
    return first if first == last else f"{first} to {last}"


def missing_months(held: Iterable[str]) -> tuple[str, ...]:
    """The months between the first and last of `held` that are not held: a gap in published data (Essex's files
    lack 2018-08 and 2018-09), not months without crime."""
    months = sorted(set(held))
    if not months:
        return ()
    have = set(months)
    return tuple(m for m in months_from_to(months[0], months[-1]) if m not in have)


def held_text(held: Iterable[str]) -> str:
    """'2018-01 to 2019-02, no data for 2018-08 and 2018-09' ('' when none is held): the span alone read as if
    every month in it were there."""
    months = sorted(set(held))
    if not months:
        return ""
    gaps = missing_months(months)
    return span_text(months[0], months[-1]) + (f", no data for {gaps_text(gaps)}" if gaps else "")


def gaps_text(months: Sequence[str]) -> str:
    """Missing months in words: a few named one by one ('2018-08 and 2018-09'), more as runs (`months_text`)."""
    if len(months) > 3:
        return months_text(months)
    return " and ".join(months) if len(months) < 3 else f"{months[0]}, {months[1]} and {months[2]}"
