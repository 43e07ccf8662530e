"""Any force (issue 17): the force is a setting, and analysis, areas, harm and patrol areas follow it.

Real data: excerpts of Suffolk's and Norfolk's data.police.uk files
(tests/fixtures/police-uk-other-forces/README.md) and Ipswich's 2013 wards (tests/fixtures/geo/README.md).
Expected figures are computed here independently of the service: the force's area on the ellipsoid
(pyproj.Geod), and the prior-period grid's PAI with a plain even-odd point-in-polygon test and a sort.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_harness import Cli, open_db
from pyproj import Geod, Transformer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SUFFOLK_FILES = [FIXTURES / "police-uk-other-forces" / f"{month}-suffolk-street-every12th.csv"
                 for month in ("2018-10", "2018-11", "2018-12")]
NORFOLK_FILE = FIXTURES / "police-uk-other-forces" / "2018-10-norfolk-street-every30th.csv"
IPSWICH_WARDS = FIXTURES / "geo" / "E07000202-ipswich-wards-2013.json"
SUFFOLK_DISTRICTS = {"Babergh", "Forest Heath", "Ipswich", "Mid Suffolk", "St Edmundsbury", "Suffolk Coastal",
                     "Waveney"}
CELL_M = 500.0
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _force_feature(name: str) -> dict[str, Any]:
    collection = json.loads((ROOT / "resources" / "geo" / "police-force-areas.geojson").read_text(encoding="utf-8"))
    return next(f for f in collection["features"] if f["properties"]["name"] == name)


def _rings_bng(geometry: dict[str, Any]) -> list[np.ndarray]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    rings = []
    for polygon in polygons:
        for ring in polygon:
            lonlat = np.asarray(ring, dtype=float)
            east, north = _TO_BNG.transform(lonlat[:, 0], lonlat[:, 1])
            rings.append(np.column_stack([east, north]))
    return rings


def _inside(x: np.ndarray, y: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """Even-odd ray casting over every ring (holes and parts alike), one point at a time per edge."""
    inside = np.zeros(len(x), dtype=bool)
    for ring in rings:
        x1, y1 = ring[:-1, 0], ring[:-1, 1]
        x2, y2 = ring[1:, 0], ring[1:, 1]
        for k in range(len(x1)):
            if y1[k] == y2[k]:
                continue
            crosses = ((y1[k] > y) != (y2[k] > y)) & (x < x1[k] + (y - y1[k]) * (x2[k] - x1[k]) / (y2[k] - y1[k]))
            inside ^= crosses
    return inside


def _geodesic_km2(geometry: dict[str, Any]) -> float:
    geod = Geod(ellps="WGS84")
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    total = 0.0
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            lons, lats = zip(*[(p[0], p[1]) for p in ring], strict=True)
            area = abs(geod.polygon_area_perimeter(lons, lats)[0])
            total += area if k == 0 else -area
    return total / 1e6


def _published(db_path: Path, falls_within: str, month_from: str, month_to: str) -> np.ndarray:
    store = open_db(db_path)
    try:
        rows = store.db.execute(
            "SELECT easting, northing FROM published_crimes WHERE easting IS NOT NULL AND falls_within = ? "
            "AND month BETWEEN ? AND ?", [falls_within, month_from, month_to]).fetchall()
    finally:
        store.close()
    return np.asarray(rows, dtype=float).reshape(-1, 2)


def _rows(db_path: Path, falls_within: str, month_from: str, month_to: str) -> int:
    """Every published row of the force in the months, with a location or without."""
    store = open_db(db_path)
    try:
        return int(store.db.execute("SELECT COUNT(*) FROM published_crimes WHERE falls_within = ? AND month BETWEEN "
                                    "? AND ?", [falls_within, month_from, month_to]).fetchone()[0])
    finally:
        store.close()


@pytest.fixture
def suffolk(cli: Cli, db_path: Path) -> Path:
    imported = cli("import", "police-uk", *map(str, SUFFOLK_FILES), str(NORFOLK_FILE), "--json")
    assert imported.code == 0, imported.err
    used = cli("geography", "use-force", "suffolk")
    assert used.code == 0, used.err
    assert "Suffolk" in used.out
    return db_path


def test_default_force_is_essex_with_its_districts_and_wards(cli: Cli) -> None:
    shown = cli("geography", "show", "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert (data["force"], data["code"]) == ("Essex", "E23000028")
    assert len(data["districts"]) == 14 and len(data["wards"]) > 250
    forces = cli("geography", "forces", "--json").json()
    assert len(forces) == 43 and [f["name"] for f in forces if f["chosen"]] == ["Essex"]


def test_use_force_matches_names_case_insensitively_and_refuses_unknown_ones(cli: Cli) -> None:
    assert cli("geography", "use-force", "DEVON", "and", "cornwall").code == 0
    assert cli("geography", "show", "--json").json()["force"] == "Devon & Cornwall"
    unknown = cli("geography", "use-force", "Sufolk")
    assert unknown.code == 2 and unknown.out == ""
    lines = unknown.err.strip().splitlines()
    assert len(lines) == 1 and "Sufolk" in lines[0] and "Suffolk" in lines[0]
    assert cli("geography", "show", "--json").json()["force"] == "Devon & Cornwall"  # unchanged
    assert cli("audit", "verify").code == 0  # the setting is covered by the audit log


def test_suffolk_evaluate_reports_the_force_area_and_the_naive_pai(cli: Cli, suffolk: Path) -> None:
    result = cli("evaluate", "--train-from", "2018-10", "--train-to", "2018-11", "--test-from", "2018-12",
                 "--test-to", "2018-12", "--cell-m", str(CELL_M), "--json")
    assert result.code == 0, result.err
    data = _strict_json(result.out)
    feature = _force_feature("Suffolk")
    assert data["force"] == "Suffolk" and data["study_area"] == "Suffolk Police force area"
    assert data["area_km2"] == pytest.approx(_geodesic_km2(feature["geometry"]), rel=0.01)
    assert data["warning"] == ""

    # Independently: the prior-period grid's PAI at 1% of the Suffolk cells.
    rings = _rings_bng(feature["geometry"])
    train = _published(suffolk, "Suffolk Constabulary", "2018-10", "2018-11")
    test = _published(suffolk, "Suffolk Constabulary", "2018-12", "2018-12")
    train = train[_inside(train[:, 0], train[:, 1], rings)]
    test = test[_inside(test[:, 0], test[:, 1], rings)]
    assert data["train"]["crimes"] == len(train) and data["test"]["crimes"] == len(test)
    # Norfolk's rows are in the same database: counted, never mixed in.
    assert data["train"]["other_forces"] == _rows(suffolk, "Norfolk Constabulary", "2018-10", "2018-11")
    points = np.concatenate([ring for ring in rings])
    west, south = (math.floor(points[:, 0].min() / CELL_M) * CELL_M, math.floor(points[:, 1].min() / CELL_M) * CELL_M)
    nx = math.floor(points[:, 0].max() / CELL_M) - round(west / CELL_M) + 1
    ny = math.floor(points[:, 1].max() / CELL_M) - round(south / CELL_M) + 1
    cx, cy = np.meshgrid(west + (np.arange(nx) + 0.5) * CELL_M, south + (np.arange(ny) + 0.5) * CELL_M)
    study = _inside(cx.ravel(), cy.ravel(), rings).reshape(ny, nx)
    assert data["area_km2"] == pytest.approx(study.sum() * CELL_M ** 2 / 1e6, abs=0.05)

    def counts(xy: np.ndarray) -> dict[tuple[int, int], int]:
        found: dict[tuple[int, int], int] = {}
        for ix, iy in zip(((xy[:, 0] - west) // CELL_M).astype(int), ((xy[:, 1] - south) // CELL_M).astype(int),
                          strict=True):
            found[(iy, ix)] = found.get((iy, ix), 0) + 1
        return found

    train_counts, test_counts = counts(train), counts(test)
    cells = [(iy, ix) for iy, ix in zip(*np.nonzero(study), strict=True)]
    # Highest training count first; ties to the southernmost row, then the westernmost cell.
    ranked = sorted(cells, key=lambda c: (-train_counts.get(c, 0), c[0], c[1]))
    k = math.ceil(round(0.01 * len(cells), 9))
    captured = sum(test_counts.get(c, 0) for c in ranked[:k])
    in_study = sum(n for c, n in test_counts.items() if 0 <= c[0] < ny and 0 <= c[1] < nx and study[c])
    expected_pai = (captured / in_study) / (k / len(cells))
    assert data["methods"]["naive"]["cells"]["0.01"] == k
    assert data["methods"]["naive"]["pai"]["0.01"] == pytest.approx(expected_pai, rel=1e-9)


def test_evaluate_reports_the_blend_harm_captured_and_the_oracle(cli: Cli, suffolk: Path) -> None:
    """Issue 17: per method and coverage, PAI, PEI and harm captured, the oracle beside them, and a blend chosen on
    the training months (the chosen mix is what forecast.choose gives from those months alone)."""
    from ruralwatch.analysis import forecast

    result = cli("evaluate", "--train-from", "2018-10", "--train-to", "2018-11", "--test-from", "2018-12",
                 "--test-to", "2018-12", "--cell-m", str(CELL_M), "--json")
    assert result.code == 0, result.err
    data = _strict_json(result.out)
    assert set(data["methods"]) == {"naive", "grid", "kde", "gistar", "blend"}
    for method in data["methods"].values():
        shares = method["harm_captured"]
        assert set(shares) == {"0.01", "0.03", "0.05"} and all(0 <= v <= 1 for v in shares.values())
        assert shares["0.01"] <= shares["0.03"] <= shares["0.05"]
    oracle = data["oracle"]["pai"]
    assert all(m["pai"][f] <= oracle[f] + 1e-9 for m in data["methods"].values() for f in oracle)
    assert data["blend"]["chosen_on"] == ["2018-11"]  # forecast from 2018-10: the test month is never seen
    blend = data["blend"]
    chosen = forecast.Blend(blend["half_life_months"] or math.inf, blend["bandwidth_m"], blend["prior_months"],
                            blend["near_repeat"])
    assert chosen in forecast.CANDIDATES


def test_the_blend_on_real_suffolk_months_is_chosen_on_the_training_months_alone(cli: Cli, suffolk: Path) -> None:
    """Recomputed here from the fixture's rows on an independent grid: forecast.choose given 2018-10 and 2018-11
    only picks the candidate evaluate reports, and that candidate's PAI is the reported one; the test month does
    not enter the choice (evaluating a different test month gives the same choice)."""
    from ruralwatch.analysis import accuracy, forecast

    def evaluate(test_to: str) -> Any:
        result = cli("evaluate", "--train-from", "2018-10", "--train-to", "2018-11", "--test-from", "2018-12",
                     "--test-to", test_to, "--cell-m", str(CELL_M), "--json")
        assert result.code == 0, result.err
        return _strict_json(result.out)

    data = evaluate("2018-12")
    rings = _rings_bng(_force_feature("Suffolk")["geometry"])
    points = np.concatenate(rings)
    west = math.floor(points[:, 0].min() / CELL_M) * CELL_M
    south = math.floor(points[:, 1].min() / CELL_M) * CELL_M
    nx = math.floor(points[:, 0].max() / CELL_M) - round(west / CELL_M) + 1
    ny = math.floor(points[:, 1].max() / CELL_M) - round(south / CELL_M) + 1
    cx, cy = np.meshgrid(west + (np.arange(nx) + 0.5) * CELL_M, south + (np.arange(ny) + 0.5) * CELL_M)
    study = _inside(cx.ravel(), cy.ravel(), rings).reshape(ny, nx)

    def grid(month: str) -> np.ndarray:
        xy = _published(suffolk, "Suffolk Constabulary", month, month)
        xy = xy[_inside(xy[:, 0], xy[:, 1], rings)]
        counts = np.zeros((ny, nx))
        np.add.at(counts, (((xy[:, 1] - south) // CELL_M).astype(int), ((xy[:, 0] - west) // CELL_M).astype(int)), 1)
        return counts

    monthly = [grid("2018-10"), grid("2018-11")]
    choice = forecast.choose(monthly, ["2018-10", "2018-11"], study, CELL_M)
    assert data["blend"]["chosen"] == choice.blend.describe() and data["blend"]["chosen_on"] == ["2018-11"]
    surface = forecast.blend(monthly, choice.blend, CELL_M)
    expected = accuracy.pai_pei(surface, grid("2018-12"), study)["pai"]["0.01"]
    assert data["methods"]["blend"]["pai"]["0.01"] == pytest.approx(expected, rel=1e-9)
    # A longer test period (2018-12..2019-02; the fixture has no crimes after 2018-12): the same choice.
    assert evaluate("2019-02")["blend"] == data["blend"]


def test_suffolk_areas_list_its_districts_with_crime_and_harm(cli: Cli, suffolk: Path) -> None:
    result = cli("areas", "--json")
    assert result.code == 0, result.err
    rows = _strict_json(result.out)["areas"]
    districts = {row["area"]: row for row in rows if not row["area"].startswith("(")}
    assert set(districts) == SUFFOLK_DISTRICTS
    assert all(row["count"] > 0 and row["harm"] > 0 for row in districts.values())
    total = sum(row["count"] for row in rows)
    assert total == len(_published(suffolk, "Suffolk Constabulary", "2018-10", "2018-12"))
    # Harm with Suffolk's CCHI weights, not Essex's.
    weights = {w["key"]: w for w in cli("harm", "list", "--json").json()}
    assert weights["police_uk:Burglary"]["note"].startswith("Suffolk weight")


def test_suffolk_wards_import_then_patrol_areas(cli: Cli, suffolk: Path, tmp_path: Path) -> None:
    imported = cli("geography", "import", "--wards", str(IPSWICH_WARDS), "--json")
    assert imported.code == 0, imported.err
    report = imported.json()
    assert (report["read"], report["kept"], report["name_field"]) == (16, 16, "WD13NM")
    shown = cli("geography", "show", "--json").json()
    assert {w["district"] for w in shown["wards"]} == {"Ipswich"} and len(shown["wards"]) == 16
    wards = _strict_json(cli("areas", "--level", "ward", "--json").out)["areas"]
    assert "Westgate, Ipswich" in {row["area"] for row in wards}

    plan = cli("patrol", "plan", "--area", "mid suffolk", "--date", "2026-12-05", "--start", "06:00",
               "--end", "10:00", "--json")
    assert plan.code == 0, plan.err
    assert cli("patrol", "plan", "--area", "Gipping", "--date", "2026-12-05", "--start", "06:00",
               "--end", "10:00").code == 0
    refused = cli("patrol", "plan", "--area", "Uttlesford", "--date", "2026-12-05", "--start", "06:00",
                  "--end", "10:00")
    assert refused.code == 2 and "Uttlesford" in refused.err  # an Essex district, not Suffolk's


def test_wards_published_one_file_per_district_are_imported_together(cli: Cli, suffolk: Path,
                                                                      tmp_path: Path) -> None:
    """A walk chose Norfolk's seven ward files (one per district, as they are published) in one import: the first
    file's 36 wards were kept and the rest dropped without a word, and importing them one by one kept only the
    last. Several files now import together as one level; a name used in two files is refused, nothing changed."""
    collection = json.loads(IPSWICH_WARDS.read_text(encoding="utf-8"))
    halves = []
    for number, part in enumerate((collection["features"][:9], collection["features"][9:]), start=1):
        half = tmp_path / f"ipswich-part{number}.json"
        half.write_text(json.dumps(dict(collection, features=part)), encoding="utf-8")
        halves.append(half)
    imported = cli("geography", "import", "--wards", *map(str, halves))
    assert imported.code == 0, imported.err
    assert imported.out.startswith("16 wards imported from ipswich-part1.json and ipswich-part2.json")
    shown = cli("geography", "show", "--json").json()
    assert len(shown["wards"]) == 16
    assert shown["wards_source"] == "imported from ipswich-part1.json and ipswich-part2.json"

    refused = cli("geography", "import", "--wards", str(halves[0]), str(halves[0]))
    assert refused.code == 2 and "more than one" in refused.err and "ipswich-part1.json and ipswich-part1.json" \
        in refused.err
    assert len(cli("geography", "show", "--json").json()["wards"]) == 16  # as before the refused import


def test_a_plan_over_published_crime_only_plans_from_it_and_says_so(cli: Cli, suffolk: Path) -> None:
    """A Norfolk walk with published crime only got no plan at all: plans now weigh published crime when we have
    no incidents in the area, and say so, with how far to trust its places and months."""
    args = ("patrol", "plan", "--area", "Ipswich", "--date", "2019-01-20", "--start", "18:00", "--end", "22:00")
    plan = cli(*args)
    assert plan.code == 0, plan.err
    assert "harm hotspot of published crime, 2018-10 to 2018-12" in plan.out
    assert "so: Stops from published crime" in plan.out and "anonymised map points" in plan.out
    data = cli(*args, "--json").json()
    assert data["source"] == "published" and data["stops"] and "1-2 months late" in data["source_note"]
    ours = cli(*args, "--source", "incidents")
    assert ours.code == 0 and ours.out.startswith("No incidents of our own are recorded yet. Choose published crime")
    refused = cli(*args, "--source", "guesswork")
    assert refused.code == 2 and "--source" in refused.err


@pytest.mark.parametrize("command", [("hotspots",), ("patrol", "plan"), ("patrol", "create"), ("people", "add")])
def test_area_options_name_no_essex_district_in_their_help(cli: Cli, command: tuple[str, ...]) -> None:
    """'--area AREA  a district or ward, e.g. Uttlesford' told a Norfolk walk to type a district Norfolk refuses."""
    shown = cli(*command, "--help")
    assert shown.code == 0 and "--area" in shown.out
    assert "Uttles" not in shown.out and "geography show" in shown.out


def test_import_refuses_a_file_outside_the_force_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    # Ipswich wards while the force is still Essex.
    refused = cli("geography", "import", "--wards", str(IPSWICH_WARDS))
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1
    assert "inside the Essex Police force area" in refused.err
    duplicate = json.loads(IPSWICH_WARDS.read_text(encoding="utf-8"))
    duplicate["features"][1]["properties"]["WD13NM"] = duplicate["features"][0]["properties"]["WD13NM"]
    bad = tmp_path / "duplicate.geojson"
    bad.write_text(json.dumps(duplicate), encoding="utf-8")
    assert cli("geography", "use-force", "Suffolk").code == 0
    refused = cli("geography", "import", "--wards", str(bad))
    assert refused.code == 2 and "more than one" in refused.err and "alexandra, ipswich" in refused.err
    crossing = json.loads(IPSWICH_WARDS.read_text(encoding="utf-8"))
    ring = crossing["features"][0]["geometry"]["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]  # swap two positions: the outline crosses itself
    bad.write_text(json.dumps(crossing), encoding="utf-8")
    refused = cli("geography", "import", "--wards", str(bad))
    assert refused.code == 2 and "crosses itself" in refused.err
    gpkg = tmp_path / "wards.gpkg"
    gpkg.write_bytes(b"SQLite format 3\x00")
    refused = cli("geography", "import", "--wards", str(gpkg))
    assert refused.code == 2 and "not a readable GeoPackage" in refused.err
    assert cli("geography", "show", "--json").json()["wards"] == []


def test_forces_in_one_database_do_not_mix(cli: Cli, suffolk: Path) -> None:
    args = ("hotspots", "--method", "grid", "--weight", "count", "--from", "2018-10", "--to", "2018-10", "--json")
    suffolk_run = cli(*args).json()
    norfolk_rows = len(_published(suffolk, "Norfolk Constabulary", "2018-10", "2018-10"))
    suffolk_rows = len(_published(suffolk, "Suffolk Constabulary", "2018-10", "2018-10"))
    # Other forces' rows are all counted, those without a location too (a Norfolk walk's warning left out 99).
    assert suffolk_run["other_forces"] == _rows(suffolk, "Norfolk Constabulary", "2018-10", "2018-10") == 220
    assert norfolk_rows == 215  # the fixture's 5 rows without a location are not among the located
    assert suffolk_run["points"] + suffolk_run["outside_force"] == suffolk_rows
    assert cli("geography", "use-force", "norfolk").code == 0
    norfolk_run = cli(*args).json()
    assert norfolk_run["study_area"] == "Norfolk Police force area"
    assert norfolk_run["other_forces"] == _rows(suffolk, "Suffolk Constabulary", "2018-10", "2018-10")
    assert norfolk_run["points"] + norfolk_run["outside_force"] == norfolk_rows
