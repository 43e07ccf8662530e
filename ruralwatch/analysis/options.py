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


# What a hotspot's value is, in plain words, for the column's tooltip: "Harm days per km²: 367,163" meant nothing to a
# new user.
HARM_DAYS = ("Crime harm is counted in days: the Cambridge Crime Harm Index gives each crime the days of custody a "
             "first offender would be sentenced to for it (a burglary of a home 246 days, a shoplifting 1 day).")


def value_help(method: str, weight: str) -> str:
    """A sentence saying what `value_name` counts (the window's tooltip, the report's note)."""
    per = {"kde": "per km² of the hotspot's neighbourhood, smoothed over the bandwidth",
           "grid": "in the cell", "gistar": "in the cell"}[method]
    if weight == "harm":
        return (f"The crime harm {per}, in days. {HARM_DAYS} For scale: 100 home burglaries make about 24,600 "
                "harm days.")
    return f"The number of crimes {per}, every crime counting one."


def hotspot_value(value: float, weight: str) -> float | int:
    """A hotspot's value as shown: harm in whole days (as Areas gives it), counts to two decimals."""
    return int(round(value)) if weight == "harm" else round(value, 2)
