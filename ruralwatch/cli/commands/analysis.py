"""Headless analysis commands: hotspots, forecast accuracy, harm weights and harm by area."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from ruralwatch.analysis.options import DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, METHODS, SOURCES, WEIGHTS
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    hotspots = commands.add_parser("hotspots", help="rank crime hotspots (grid counts, kernel density or Gi*)")
    hotspots.add_argument("--method", choices=METHODS, default="kde")
    hotspots.add_argument("--weight", choices=WEIGHTS, default="harm", help="count, or crime harm (CCHI days)")
    hotspots.add_argument("--source", choices=SOURCES, default="published",
                          help="published crime (data.police.uk), our incidents, or all")
    hotspots.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    hotspots.add_argument("--to", dest="month_to", metavar="YYYY-MM")
    hotspots.add_argument("--top", type=int, default=20, metavar="N")
    hotspots.add_argument("--cell-m", type=float, default=DEFAULT_CELL_M, help="cell size in metres")
    hotspots.add_argument("--bandwidth-m", type=float, default=DEFAULT_BANDWIDTH_M,
                          help="KDE bandwidth and Gi* neighbourhood radius in metres")
    hotspots.add_argument("--area", help="only crimes in this district or ward (e.g. Uttlesford)")
    hotspots.add_argument("--geojson", action="store_true", help="print the hotspot cells as GeoJSON")
    hotspots.add_argument("--json", action="store_true")

    evaluate = commands.add_parser("evaluate", help="forecast accuracy (PAI, PEI) of each hotspot method")
    for name in ("train-from", "train-to", "test-from", "test-to"):
        evaluate.add_argument(f"--{name}", required=True, metavar="YYYY-MM")
    evaluate.add_argument("--cell-m", type=float, default=DEFAULT_CELL_M)
    evaluate.add_argument("--bandwidth-m", type=float, default=DEFAULT_BANDWIDTH_M)
    evaluate.add_argument("--weight", choices=WEIGHTS, default="count")
    evaluate.add_argument("--source", choices=SOURCES, default="published")
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
    areas.add_argument("--source", choices=SOURCES, default="published")
    areas.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    areas.add_argument("--to", dest="month_to", metavar="YYYY-MM")
    areas.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.analysis import AnalysisService, HotspotQuery
    from ruralwatch.services.harm import HarmService

    harm = HarmService(store)
    analysis = AnalysisService(store, harm)
    if args.command == "hotspots":
        run_result = analysis.hotspots(HotspotQuery(
            method=args.method, weight=args.weight, source=args.source, month_from=args.month_from,
            month_to=args.month_to, top_n=args.top, cell_m=args.cell_m, bandwidth_m=args.bandwidth_m,
            radius_m=args.bandwidth_m, area=args.area,
        ))
        if run_result.warning and not args.json and not args.geojson:
            print(f"warning: {run_result.warning}")
        if args.geojson:
            print_json(run_result.geojson())
        elif args.json:
            print_json(run_result.to_dict())
        else:
            scope = " (force-wide: they cannot be placed in an area)" if args.area else ""
            print(f"{len(run_result.hotspots)} hotspots ({args.method}, {args.weight}) from {run_result.points:,} "
                  f"crimes over {run_result.study_area}; {run_result.no_location:,} without a location left out"
                  f"{scope}")
            for hotspot, area in zip(run_result.hotspots, run_result.areas, strict=True):
                z = f"  z={hotspot.z:.2f}" if hotspot.z is not None else ""
                print(f"{hotspot.rank:3}  {hotspot.value:12,.1f}{z}  {hotspot.centre_lat:.5f},{hotspot.centre_lon:.5f}"
                      f"  {area}")
    elif args.command == "evaluate":
        result = analysis.evaluate(args.train_from, args.train_to, args.test_from, args.test_to, args.cell_m,
                                   args.weight, args.source, args.bandwidth_m, args.bandwidth_m)
        if args.json:
            print_json(result)
        else:
            if result["warning"]:
                print(f"warning: {result['warning']}")
            print(f"train {args.train_from}..{args.train_to} ({result['train']['crimes']:,} crimes), test "
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
        frame = analysis.by_area(args.level, args.source, args.month_from, args.month_to)
        if args.json:
            # Strict JSON: a missing figure (the "outside every district" row has no area) is null, never NaN.
            print_json([{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
                        for row in frame.astype(object).to_dict(orient="records")])
        else:
            print(frame.to_string(index=False))
    return ExitCode.OK


SPEC = SignedInCommand(("hotspots", "evaluate", "harm", "areas"), add_parsers, run)
