#!/usr/bin/env bash
# Build the RuralWatch desktop bundle (PyInstaller, onedir) and smoke-test it:
#   build/build.sh [PYINSTALLER OPTIONS...]     e.g. build/build.sh --clean
# Output: dist/RuralWatch/ (run dist/RuralWatch/RuralWatch); PyInstaller's work folder: build/work/.
# Exits non-zero if the build, `RuralWatch --version`, `RuralWatch self-test` or the CLI smoke fails: build/smoke.sh
# runs every heavy library the app loads from the bundle on small files (SQLCipher, pyproj, openpyxl, pandas, scipy,
# cryptography, icalendar, pyosmium, reportlab, pyogrio/GDAL, shapely, psycopg/libpq), so that the spec's trimming
# cannot break one silently.
# The Debian libraries Qt needs at run time are installed by build/bootstrap.sh (see docs/DEVELOPING.md).
set -euo pipefail
cd "$(dirname "$0")/.."

dist=dist
work=build/work
bundle="$dist/RuralWatch"

# PyInstaller needs objdump (Debian package binutils) on Linux; slim images lack it.
if ! command -v objdump >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "build: installing binutils (PyInstaller needs objdump)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends binutils
fi

# A venv with the build extra (PyInstaller) and the app's own dependencies; installed only when missing.
if [ ! -x .venv/bin/python ]; then
  python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  "$python" -m venv .venv
fi
if ! .venv/bin/python -c 'import PyInstaller, PySide6, ruralwatch' >/dev/null 2>&1; then
  echo "build: installing the build extra into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[build]'
fi

version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' ruralwatch/__init__.py)
echo "build: RuralWatch $version -> $bundle" >&2

start=$(date +%s.%N)
.venv/bin/python -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work" "$@" build/ruralwatch.spec
end=$(date +%s.%N)

size=$(du -sh "$bundle" | cut -f1)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
echo "build: bundle $bundle is $size; PyInstaller took $seconds s" >&2

# Smoke check, headless. The app itself adds --no-sandbox when run as root (ruralwatch.app.prepare_qt_environment).
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:---disable-dev-shm-usage --disable-gpu}"
status=0
got=$("$bundle/RuralWatch" --version) || status=$?
if [ "$status" -ne 0 ] || [ "$got" != "RuralWatch $version" ]; then
  echo "build: FAILED: '$bundle/RuralWatch --version' printed '$got' (exit $status), expected 'RuralWatch $version'" >&2
  exit 1
fi
echo "build: --version ok ($got)" >&2
if ! out=$("$bundle/RuralWatch" self-test 2>"$work/self-test.log"); then
  cat "$work/self-test.log" >&2
  echo "build: FAILED: '$bundle/RuralWatch self-test' (output: $out)" >&2
  exit 1
fi
echo "build: self-test ok" >&2

# CLI smoke in a throw-away folder (HOME and XDG folders too, so nothing lands in the user's data folder).
if ! PYTHON=.venv/bin/python build/smoke.sh "$bundle"; then
  echo "build: FAILED: CLI smoke from the bundle (build/smoke.sh)" >&2
  exit 1
fi
echo "build: CLI smoke ok; bundle ready in $bundle/" >&2
