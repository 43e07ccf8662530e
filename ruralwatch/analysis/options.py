"""The analysis choices the command line and the window offer, without the numerics (no numpy or pandas here):
`ruralwatch analysis --help` is built from these, and building the parser must not load pandas (issue 21)."""

from __future__ import annotations

METHODS = ("grid", "kde", "gistar")
WEIGHTS = ("count", "harm")
SOURCES = ("published", "incidents", "all")
# What "all" means wherever a source is chosen (core.month_split): never the two added.
SOURCE_HELP = ("published crime (data.police.uk), our incidents, or all: both, each month from one (published crime "
               "for the months it holds, ours for the rest), so a crime of ours later published counts once")
DEFAULT_CELL_M = 250.0
DEFAULT_BANDWIDTH_M = 750.0  # three cells: wide enough to join a farm's fields, narrow enough to tell villages apart


def value_name(method: str, weight: str) -> str:
    """What a hotspot's value is, for the window's column and the command line's summary: a kernel density is per
    km² (of harm days when ranking by harm, of crimes when counting), a grid or Gi* cell's value is not."""
    if method == "kde":
        return "Harm days per km²" if weight == "harm" else "Crimes per km²"
    return "Harm (days)" if weight == "harm" else "Crimes"
