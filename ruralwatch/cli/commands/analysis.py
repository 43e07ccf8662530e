"""Headless analysis commands: hotspots, forecast accuracy, harm weights, harm by area, and near repeats
(`analysis near-repeat`: the Knox test; `analysis zones` / `zone` / `zone-settings`: the near-repeat risk zones)."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from ruralwatch.analysis.options import (
    DEFAULT_BANDWIDTH_M,
    DEFAULT_CELL_M,
    METHODS,
    SOURCE_HELP,
    SOURCES,
    WEIGHTS,
    value_name,
)
from ruralwatch.cli.errors import OptionError
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import times
from ruralwatch.core.crime_types import split_names
from ruralwatch.core.kinds import kind_name
from ruralwatch.store.syncable import resolve_id

if TYPE_CHECKING:
    from ruralwatch.services.near_repeat import NearRepeatZone
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    hotspots = commands.add_parser("hotspots", help="rank crime hotspots (grid counts, kernel density or Gi*)")
    hotspots.add_argument("--method", choices=METHODS, default="kde")
    hotspots.add_argument("--weight", choices=WEIGHTS, default="harm", help="count, or crime harm (CCHI days)")
    hotspots.add_argument("--source", choices=SOURCES, default="published", help=SOURCE_HELP)
    hotspots.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    hotspots.add_argument("--to", dest="month_to", metavar="YYYY-MM")
    hotspots.add_argument("--top", type=int, default=20, metavar="N")
    hotspots.add_argument("--cell-m", type=float, default=DEFAULT_CELL_M, help="cell size in metres")
    hotspots.add_argument("--bandwidth-m", type=float, default=DEFAULT_BANDWIDTH_M,
                          help="KDE bandwidth and Gi* neighbourhood radius in metres")
    hotspots.add_argument("--area", help="only crimes in this district or ward of the force (`geography show` lists "
                          "them)")
    _type_options(hotspots)
    hotspots.add_argument("--each-cell", action="store_true",
                          help="rank every cell, a place's neighbouring cells too (marked 'next to N'); by default "
                          "one cell per place, as the window lists them")
    hotspots.add_argument("--geojson", action="store_true", help="print the hotspot cells as GeoJSON")
    hotspots.add_argument("--json", action="store_true")

    evaluate = commands.add_parser("evaluate", help="forecast accuracy (PAI, PEI) of each hotspot method")
    for name in ("train-from", "train-to", "test-from", "test-to"):
        evaluate.add_argument(f"--{name}", required=True, metavar="YYYY-MM")
    evaluate.add_argument("--cell-m", type=float, default=DEFAULT_CELL_M)
    evaluate.add_argument("--bandwidth-m", type=float, default=DEFAULT_BANDWIDTH_M)
    evaluate.add_argument("--weight", choices=WEIGHTS, default="count")
    evaluate.add_argument("--source", choices=SOURCES, default="published",
                          help=SOURCE_HELP + "; for forecast accuracy every month must then be from one source")
    _type_options(evaluate)
    evaluate.add_argument("--json", action="store_true")

    harm = commands.add_parser("harm", help="crime harm weights (CCHI days)")
    actions = harm.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    listing = actions.add_parser("list", help="every weight with its source")
    listing.add_argument("--json", action="store_true")
    setting = actions.add_parser("set", help="change a weight, with the reason")
    setting.add_argument("key")
    setting.add_argument("days", type=float)
    setting.add_argument("--note", required=True, help="why (kept with the weight)")
    resetting = actions.add_parser("reset", help="back to the default weight")
    resetting.add_argument("key")

    areas = commands.add_parser("areas", help="count, harm and harm per km2 by district or ward")
    areas.add_argument("--level", choices=("district", "ward"), default="district")
    areas.add_argument("--source", choices=SOURCES, default="published", help=SOURCE_HELP)
    areas.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    areas.add_argument("--to", dest="month_to", metavar="YYYY-MM")
    _type_options(areas)
    areas.add_argument("--json", action="store_true")

    group = commands.add_parser("analysis", help="near repeats: the Knox test and the near-repeat risk zones")
    near = group.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    knox = near.add_parser("near-repeat", help="Knox test: pairs of incidents close in space and time, against "
                                               "chance (Monte Carlo)")
    knox.add_argument("--kinds", "--types", nargs="+", default=[], metavar="KIND",
                      help="incident kinds, by name or key, spaces or commas between them (default: all)")
    knox.add_argument("--exclude-kinds", "--exclude-types", nargs="+", default=[], metavar="KIND",
                      help="leave these incident kinds out (e.g. \"Fly-tipping\")")
    knox.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (UK), inclusive")
    knox.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (UK), inclusive")
    knox.add_argument("--iterations", type=int, default=99, metavar="N", help="permutations of the dates (99)")
    knox.add_argument("--seed", type=int, default=20, help="random seed (the same seed gives the same figures)")
    knox.add_argument("--distance-bands", default="200,400,800,1600", metavar="M,M,...",
                      help="upper edges of the distance bands in metres")
    knox.add_argument("--day-bands", default="7,14,28,56", metavar="D,D,...",
                      help="upper edges of the time bands in days")
    knox.add_argument("--save", action="store_true",
                      help="keep the zone the result justifies as the default near-repeat zone")
    knox.add_argument("--json", action="store_true")
    zones = near.add_parser("zones", help="near-repeat risk zones live now (or at --at)")
    zones.add_argument("--at", metavar="YYYY-MM-DDTHH:MM", help="the moment (UK time; default now)")
    zones.add_argument("--json", action="store_true")
    zone = near.add_parser("zone", help="the near-repeat zone round one incident and earlier incidents in it")
    zone.add_argument("incident_id")
    zone.add_argument("--json", action="store_true")
    settings = near.add_parser("zone-settings", help="show or set the zone's metres and days")
    settings.add_argument("--metres", type=float)
    settings.add_argument("--days", type=int)
    settings.add_argument("--clear", action="store_true", help="back to the saved Knox zone (or the default)")
    settings.add_argument("--json", action="store_true")


def _type_options(parser: argparse.ArgumentParser, what: str = "crime types") -> None:
    """--types and --exclude-types: the crime type choice of every analysis (core.crime_types)."""
    parser.add_argument("--types", nargs="+", default=[], metavar="TYPE",
                        help=f"only these {what} (published: e.g. \"Burglary,Vehicle crime\"; ours: incident "
                        "kinds, e.g. \"Farm burglary\"), commas or spaces between them, quoted when a name has a "
                        "space (default: all)")
    parser.add_argument("--exclude-types", nargs="+", default=[], metavar="TYPE",
                        help=f"leave these {what} out (e.g. \"Shoplifting,Anti-social behaviour\")")


def _edges(text: str, option: str, kind: type[float] | type[int]) -> tuple[Any, ...]:
    try:
        return tuple(kind(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise OptionError(f"{option}: {text!r} is not a comma-separated list of numbers") from None


def _print_zone(zone: NearRepeatZone) -> None:
    print(f"{zone.incident_id}  {kind_name(zone.kind)} at {zone.place or '-'} ({zone.lat:.5f},{zone.lon:.5f}), "
          f"{times.format_local(zone.occurred_start)}: {zone.radius_m:g} m until {times.format_local(zone.until)}; "
          f"{len(zone.earlier)} earlier incident(s) inside")
    for earlier in zone.earlier:
        print(f"    {earlier.id}  {kind_name(earlier.kind)} at {earlier.place or '-'}, "
              f"{times.format_local(earlier.occurred_start)} ({earlier.distance_m:.0f} m, {earlier.days_before} "
              "days before)")


def run_near_repeat(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.near_repeat import KnoxQuery, NearRepeatService

    service = NearRepeatService(store)
    if args.action == "near-repeat":
        query = KnoxQuery(
            kinds=split_names(args.kinds, "kinds"), exclude_kinds=split_names(args.exclude_kinds, "exclude_kinds"),
            date_from=times.parse_date(args.date_from, "from") if args.date_from else None,
            date_to=times.parse_date(args.date_to, "to") if args.date_to else None,
            iterations=args.iterations, seed=args.seed,
            distance_m=_edges(args.distance_bands, "--distance-bands", float),
            days=_edges(args.day_bands, "--day-bands", int),
        )
        result = service.knox(query)
        saved = service.save_knox_zone(result) if args.save else None
        if args.json:
            data = result.to_dict()
            data["saved"] = saved is not None
            print_json(data)
            return ExitCode.OK
        knox = result.result
        print(f"Knox test: {knox.incidents:,} incidents ({result.first} to {result.last}; kinds: "
              f"{result.query.types_words()}), {knox.pairs:,} pairs, "
              f"{knox.iterations} permutations (seed {knox.seed}), {knox.seconds:.1f} s")
        width = max(len(label) for label in knox.bands.distance_labels)
        print(" " * width + "".join(f"{label:>16}" for label in knox.bands.time_labels))
        ratios, raised = knox.ratios, knox.raised
        for i, label in enumerate(knox.bands.distance_labels):
            cells = []
            for j in range(len(knox.bands.time_labels)):
                ratio = "-" if math.isnan(ratios[i, j]) else f"{ratios[i, j]:.2f}"
                mark = "*" if raised[i, j] else " "
                cells.append(f"{ratio}{mark} p={knox.p_values[i, j]:.2f}")
            print(f"{label:>{width}}" + "".join(f"{cell:>16}" for cell in cells))
        print("Knox ratio (observed / expected pairs) and pseudo p-value; * risk significantly raised")
        print(knox.summary())
        if saved is not None:
            print(f"Saved: near-repeat zones default to {saved.metres:g} m and {saved.days} days.")
    elif args.action == "zones":
        moment = times.parse_moment(args.at, "at") if args.at else None
        found = service.active_zones(moment)
        if args.json:
            print_json([z.to_dict() for z in found])
        else:
            settings = service.zone_settings()
            print(f"{len(found)} near-repeat risk zone(s) live ({settings.metres:g} m, {settings.days} days; "
                  f"from the {settings.source})")
            for item in found:
                _print_zone(item)
    elif args.action == "zone":
        item = service.zone_for(resolve_id(store, "incidents", args.incident_id, "incident"))
        if args.json:
            print_json(item.to_dict())
        else:
            _print_zone(item)
    else:
        if args.clear:
            if args.metres is not None or args.days is not None:
                raise OptionError("--clear takes no --metres or --days")
            settings = service.set_zone_settings(None, None)
        elif args.metres is not None or args.days is not None:
            current = service.zone_settings()
            settings = service.set_zone_settings(
                args.metres if args.metres is not None else current.metres,
                args.days if args.days is not None else current.days)
        else:
            settings = service.zone_settings()
        if args.json:
            print_json({"metres": settings.metres, "days": settings.days, "source": settings.source,
                        "knox": None if settings.knox is None else settings.knox.__dict__})
        else:
            print(f"near-repeat zone: {settings.metres:g} m, {settings.days} days (from the {settings.source})")
    return ExitCode.OK


def run(args: argparse.Namespace, store: Store) -> int:
    if args.command == "analysis":
        return run_near_repeat(args, store)
    from ruralwatch.services.analysis import AnalysisService, HotspotQuery
    from ruralwatch.services.harm import HarmService

    harm = HarmService(store)
    analysis = AnalysisService(store, harm)
    if args.command == "hotspots":
        run_result = analysis.hotspots(HotspotQuery(
            method=args.method, weight=args.weight, source=args.source, month_from=args.month_from,
            month_to=args.month_to, top_n=args.top, cell_m=args.cell_m, bandwidth_m=args.bandwidth_m,
            radius_m=args.bandwidth_m, area=args.area, places=not args.each_cell,
            kinds=split_names(args.types, "types"), exclude_kinds=split_names(args.exclude_types, "exclude_types"),
        ))
        if run_result.warning and not args.json and not args.geojson:
            print(f"warning: {run_result.warning}")
        if args.geojson:
            print_json(run_result.geojson())
        elif args.json:
            print_json(run_result.to_dict())
        else:
            print(f"{len(run_result.hotspots)} hotspots ({args.method}, {args.weight}; the value is "
                  f"{value_name(args.method, args.weight).lower()}) from {run_result.points:,} "
                  f"crimes{'' if run_result.types_words() == 'all' else f' ({run_result.types_words()})'}"
                  f" over {run_result.study_area}"
                  + (f"; {run_result.places_note()}" if run_result.places_note() else ""))
            for hotspot, area in zip(run_result.hotspots, run_result.labels(), strict=True):
                z = f"  z={hotspot.z:.2f}" if hotspot.z is not None else ""
                print(f"{hotspot.rank:3}  {hotspot.value:12,.1f}{z}  {hotspot.centre_lat:.5f},{hotspot.centre_lon:.5f}"
                      f"  {area}")
            print(run_result.counted())
            if run_result.months:
                print(run_result.months_note())
    elif args.command == "evaluate":
        result = analysis.evaluate(args.train_from, args.train_to, args.test_from, args.test_to, args.cell_m,
                                   args.weight, args.source, args.bandwidth_m, args.bandwidth_m,
                                   kinds=split_names(args.types, "types"),
                                   exclude_kinds=split_names(args.exclude_types, "exclude_types"))
        if args.json:
            print_json(result)
        else:
            if result["warning"]:
                print(f"warning: {result['warning']}")
            print(f"train {args.train_from}..{args.train_to} ({result['train']['crimes']:,} crimes"
                  + ("" if result["types"] == "all" else f" of {result['types']}") + "), test "
                  f"{args.test_from}..{args.test_to} ({result['test']['crimes']:,}); {result['cell_m']:.0f} m cells "
                  f"over {result['study_area']} ({result['area_km2']:,} km2)")
            print(f"{'method':8} {'PAI 1%':>8} {'PAI 3%':>8} {'PAI 5%':>8} {'PEI 1%':>8} {'PEI 3%':>8} {'PEI 5%':>8}"
                  f" {'harm 1%':>8}")
            shares = ("0.01", "0.03", "0.05")
            for name, figures in result["methods"].items():
                values = [figures["pai"][f] for f in shares] + [figures["pei"][f] for f in shares]
                values.append(figures["harm_captured"]["0.01"])
                print(f"{name:8} " + " ".join(f"{v:8.2f}" if v is not None else f"{'-':>8}" for v in values))
            oracle = [result["oracle"]["pai"][f] for f in shares]
            print(f"{'(best)':8} " + " ".join(f"{v:8.2f}" if v is not None else f"{'-':>8}" for v in oracle))
            print(f"blend: {result['blend']['chosen']} (chosen on {', '.join(result['blend']['chosen_on']) or '-'}); "
                  "harm 1%: share of the test period's harm in the top 1% of cells")
            if result["months_note"]:
                print(result["months_note"])
            print(result["counted"])
    elif args.command == "harm":
        if args.action == "list":
            weights = sorted(harm.weights().values(), key=lambda w: w.key)
            if args.json:
                print_json([w.__dict__ for w in weights])
            else:
                for w in weights:
                    changed = "  (changed)" if w.overridden else ""
                    print(f"{w.key:40} {w.days:9.2f}{changed}")
        elif args.action == "set":
            weight = harm.set_weight(args.key, args.days, args.note)
            print(f"{weight.key} = {weight.days:g} days (default {weight.default_days:g})")
        else:
            weight = harm.reset_weight(args.key)
            print(f"{weight.key} = {weight.days:g} days (default)")
    elif args.command == "areas":
        from ruralwatch.analysis.figures import concentration_text

        # Source "all": the month split worked out once for the run (it was three times: areas, concentration, JSON).
        split = analysis.month_split(args.month_from, args.month_to) if args.source == "all" else None
        kinds, exclude_kinds = split_names(args.types, "types"), split_names(args.exclude_types, "exclude_types")
        frame, counted = analysis.by_area_counted(args.level, args.source, args.month_from, args.month_to, split,
                                                  kinds=kinds, exclude_kinds=exclude_kinds)
        concentration = analysis.concentration(args.source, args.month_from, args.month_to, split=split, kinds=kinds,
                                               exclude_kinds=exclude_kinds)
        if args.json:
            # Strict JSON: a missing figure (the "outside every district" row has no area) is null, never NaN.
            # An object, not the bare list of areas: the concentration and what was counted are part of the answer.
            print_json({
                "level": args.level, "source": args.source, "from": args.month_from, "to": args.month_to,
                "types": concentration["types"],
                "areas": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
                          for row in frame.astype(object).to_dict(orient="records")],
                "concentration": concentration, "counted": counted,
                # Source "all": which months came from which source (null for one source), as hotspots gives.
                "months": split.to_dict() if split else None,
            })
        else:
            # All zeros and no word why: say whose crime was left out, as hotspots does.
            note = analysis.other_forces_note() if not frame["count"].sum() else ""
            if note:
                print(f"warning: {note}")
            print(_area_table(frame, args.level))
            print(concentration_text(concentration))
            print(counted)
    return ExitCode.OK


def _area_table(frame: Any, level: str) -> str:
    """The areas as the Analysis panel's Areas tab reads them, with its figures (analysis/figures.py): a heading in
    words, crimes with thousands commas, harm in whole days, blank where there is no figure."""
    from ruralwatch.analysis.figures import area_table

    heading, rows = area_table(frame.to_dict(orient="records"), level)
    widths = [max(len(cell) for cell in column) for column in zip(heading, *rows, strict=True)]
    lines = []
    for cells in (heading, *rows):
        lines.append("  ".join([cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                                          strict=True))]).rstrip())
    return "\n".join(lines)


SPEC = SignedInCommand(("hotspots", "evaluate", "harm", "areas", "analysis"), add_parsers, run)
