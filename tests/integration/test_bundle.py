"""The PyInstaller bundle: build it from build/ruralwatch.spec into a temporary folder, then run it.

Slow (about 40 s to build on two cores), still run in CI. The bundle never lands inside the repository: both
PyInstaller's dist and work folders are under pytest's tmp_path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ruralwatch import __version__
from ruralwatch.core.geo import grid_ref_to_lat_lon

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEC = PROJECT_ROOT / "build" / "ruralwatch.spec"
BUILD_TIMEOUT_S = 900
RUN_TIMEOUT_S = 180
GRID_REF = "TL 61234 32456"


def bundle_env(tmp: Path) -> dict[str, str]:
    """Headless, with the Chromium flags the rest of the suite uses, and no way to reach outside the bundle."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox --disable-dev-shm-usage --disable-gpu"
    for name in ("RURALWATCH_DB", "PYTHONPATH", "PYTHONHOME", "PROJ_DATA", "PROJ_LIB", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["HOME"] = str(tmp / "home")
    env["XDG_DATA_HOME"] = str(tmp / "xdg-data")
    env["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip("PyInstaller is not installed (pip install -e '.[build]')")
    out = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "work"), str(SPEC)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
    )
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    folder = out / "dist" / "RuralWatch"
    assert (folder / "RuralWatch").is_file()
    return folder


def run(bundle: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / "RuralWatch"), *args], cwd=tmp_path, env=bundle_env(tmp_path),
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False,
    )


def internal(bundle: Path) -> Path:
    """The folder sys._MEIPASS points at (PyInstaller >= 6 puts everything but the executable in _internal)."""
    return bundle / "_internal" if (bundle / "_internal").is_dir() else bundle


def test_version(bundle: Path, tmp_path: Path) -> None:
    result = run(bundle, tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"RuralWatch {__version__}"


def test_self_test_opens_the_window_and_the_offline_map(bundle: Path, tmp_path: Path) -> None:
    result = run(bundle, tmp_path, "self-test")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-4000:]}"
    assert "self-test ok" in result.stdout


def test_grid_reference_is_resolved_with_the_bundled_proj_data(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "bundle.db"
    password = tmp_path / "password.txt"
    password.write_text("a bundle test password\n")
    password.chmod(0o600)  # owner only, or the sign-in warns on stderr
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(password))
    # Creating the encrypted database proves SQLCipher and Argon2 made it into the bundle.
    created = run(bundle, tmp_path, "--db", str(db), "init", "--admin", "admin")
    assert created.returncode == 0, created.stderr
    assert not db.read_bytes().startswith(b"SQLite format 3")
    added = run(bundle, tmp_path, "--db", str(db), "incidents", "add", "--kind", "fly_tipping",
                "--when", "2026-01-01 10:00", "--grid-ref", GRID_REF)
    assert added.returncode == 0, added.stderr
    listed = run(bundle, tmp_path, "--db", str(db), "incidents", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [incident] = json.loads(listed.stdout)
    assert incident["kind"] == "fly_tipping"
    assert incident["grid_ref"] == GRID_REF
    expected = grid_ref_to_lat_lon(GRID_REF)  # the same conversion, through the venv's pyproj
    assert incident["lat"] == pytest.approx(expected.lat, abs=1e-5)
    assert incident["lon"] == pytest.approx(expected.lon, abs=1e-5)


def test_bundle_holds_resources_and_proj_data_and_leaves_out_what_the_spec_excludes(bundle: Path) -> None:
    root = internal(bundle)
    source = PROJECT_ROOT / "resources"
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    bundled = {p.relative_to(root / "resources") for p in (root / "resources").rglob("*") if p.is_file()}
    assert wanted <= bundled, f"missing from the bundle: {sorted(map(str, wanted - bundled))}"
    assert list(root.rglob("proj.db")), "pyproj's proj.db is not in the bundle"
    locales = root / "PySide6" / "Qt" / "translations" / "qtwebengine_locales"
    assert sorted(p.name for p in locales.iterdir()) == ["en-US.pak"]
    assert list(root.rglob("QtWebEngineProcess")), "QtWebEngineProcess is not in the bundle"
    for module in ("QtQuick", "QtQml", "QtQuickWidgets"):
        assert not list((root / "PySide6").glob(f"{module}.*")), f"PySide6.{module} should be excluded"


def test_cli_smoke_runs_every_heavy_library_from_the_bundle(bundle: Path, tmp_path: Path) -> None:
    """build/smoke.sh, as build/build.sh runs it: roads (pyosmium, scipy), boundary files (pyogrio, shapely), the
    PostgreSQL client, PDFs, workbooks, sync packages... each from the bundle, so a trim in the spec that breaks one
    fails here (a bundle without pyogrio._geometry could not import a GeoPackage)."""
    env = bundle_env(tmp_path)
    env["PYTHON"] = sys.executable  # writes the OSM fixtures
    result = subprocess.run(
        ["bash", str(PROJECT_ROOT / "build" / "smoke.sh"), str(bundle)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S * 3, check=False,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-6000:]}"
    assert "smoke: ok" in result.stderr


def test_bundle_leaves_out_the_scipy_and_gdal_parts_the_app_never_loads(bundle: Path) -> None:
    root = internal(bundle)
    scipy = {p.name for p in (root / "scipy").iterdir()}
    assert {"sparse", "spatial", "linalg", "special"} <= scipy  # roads and near repeats load these
    assert not scipy & {"optimize", "stats", "interpolate", "integrate", "fft", "ndimage"}
    assert not list((root / "scipy" / "special").glob("cython_special*"))
    # numpy.libs' libgfortran and libquadmath are loaded first; scipy.libs' identical copies were never opened.
    numpy_libs = {p.name for p in (root / "numpy.libs").iterdir()}
    assert numpy_libs and not numpy_libs & {p.name for p in (root / "scipy.libs").iterdir()}
    assert sorted(p.name for p in (root / "pyogrio" / "gdal_data").iterdir()) == ["header.dxf"]
    assert (root / "pyogrio" / "proj_data" / "proj.db").is_file()
