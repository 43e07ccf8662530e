"""The window on a real X display (Xvfb with openbox, the xcb platform) at police laptops' screen sizes, and the
end-to-end scenarios driven as a person would. Each runs a scenario module in a pytest subprocess on its own X
server (the rest of the suite's QApplication is offscreen); a missing Xvfb or openbox fails, it never skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from xserver import XServer, XServerError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def run_scenarios(module: str, width: int, height: int, scale: float | None = None,
                  extra: tuple[str, ...] = ()) -> None:
    try:
        server = XServer.start(width, height)
    except XServerError as exc:
        pytest.fail(f"no X display for the xcb tests: {exc}", pytrace=False)
    try:
        env = server.env(scale)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", str(HERE / module), *extra],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    finally:
        server.stop()
    if result.returncode != 0:
        pytest.fail(f"{module} on {width}x{height} (scale {scale or 1}) failed:\n{result.stdout[-6000:]}\n"
                    f"{result.stderr[-2000:]}", pytrace=False)


@pytest.mark.xcb
@pytest.mark.parametrize(("width", "height", "scale"), [(1366, 768, None), (1920, 1080, None), (1920, 1080, 1.5)],
                         ids=["1366x768", "1920x1080", "1920x1080@150%"])
def test_the_window_fits_police_laptop_screens(width: int, height: int, scale: float | None) -> None:
    run_scenarios("xcb_screen.py", width, height, scale)


@pytest.mark.xcb
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_a_patrol_plan_is_fitted_into_the_map_beside_its_panel(width: int, height: int) -> None:
    run_scenarios("xcb_map.py", width, height)


@pytest.mark.xcb
def test_a_person_drives_the_app_at_1366x768() -> None:
    """First start, an incident, published crime, a patrol planned, briefed and logged, auto-fill, a sync export
    and the lock, each driven by keys and clicks only (xcb_person.py)."""
    run_scenarios("xcb_person.py", 1366, 768)
