#!/usr/bin/env bash
# One entry point for a fresh Debian machine with Python 3.11:
#   build/bootstrap.sh run  [ARGS...]  install what is missing, then start RuralWatch (ARGS go to the app)
#   build/bootstrap.sh test [ARGS...]  install what is missing, then run the whole test suite headless
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
shift || true

# Libraries the PyPI Qt wheels (QtWebEngine included) load at run time; see docs/DEVELOPING.md.
debian_packages=(
  libgl1 libegl1 libgbm1 libxkbcommon0 libxkbcommon-x11-0 libglib2.0-0 libfontconfig1 libfreetype6
  libdbus-1-3 libx11-6 libx11-xcb1 libxkbfile1 libxcb1 libxcb-dri3-0 libxcb-cursor0 libnss3 libnspr4
  libgssapi-krb5-2 libasound2 libxtst6 libxrandr2 libxfixes3 libxext6 libxdamage1 libxcomposite1
  libxshmfence1 fonts-dejavu-core
  # The xcb platform plugin (the window on an X desktop), from `ldd Qt/plugins/platforms/libqxcb.so` and
  # libQt6XcbQpa: without icccm4 and keysyms1 the window does not start (Qt's message blames libxcb-cursor0).
  # PySide6 6.12 links no libxcb-xinerama0.
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-render0 libxcb-xkb1 libxcb-shape0
  libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-util1 libxcb-glx0 libxrender1
  # tests/display: the window on a real X display (Xvfb) with a window manager (openbox)
  xvfb openbox
  binutils  # objdump, which PyInstaller needs for the bundle test
  # The central store's second engine: the tests start their own throwaway server (tests/pg_cluster.py).
  postgresql postgresql-15-postgis-3
)

install_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "bootstrap: not root and no sudo; install these by hand: ${missing[*]}" >&2; return 0
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The driver moved from `sqlcipher3-binary` (its SQLite compiled without optimisation) to `sqlcipher3-wheels`
# (docs/DEVELOPING.md, "Store"). Both install the module `sqlcipher3`: in a venv made before the switch, installing
# the new one would overwrite the old one's files and leave both distributions claiming them (uninstalling either
# later deletes the module). So the old one goes first, and the new one with it if both are there, to be installed
# afresh by the install below.
replace_old_driver() {
  if .venv/bin/python -m pip show -q sqlcipher3-binary >/dev/null 2>&1; then
    echo "bootstrap: replacing sqlcipher3-binary with sqlcipher3-wheels (same module, optimised build)" >&2
    # (pip skips the second name with a warning when it is not installed)
    .venv/bin/python -m pip uninstall -q -y --disable-pip-version-check sqlcipher3-binary sqlcipher3-wheels
  fi
}

ensure_venv() {
  local python="${PYTHON:-}"
  if [ -z "$python" ]; then
    python=$(command -v python3.11 || command -v python3)
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  # Reinstall only when the dependency list changed.
  local stamp=.venv/.ruralwatch-installed
  local want
  local extras="test,build"
  want=$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    replace_old_driver
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
    echo "$want" > "$stamp"
  fi
}

install_debian_packages
ensure_venv

case "$mode" in
  run)
    exec .venv/bin/ruralwatch "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:---no-sandbox --disable-dev-shm-usage --disable-gpu}"
    exec .venv/bin/python -m pytest -q "$@"
    ;;
  *)
    echo "usage: build/bootstrap.sh run|test [ARGS...]" >&2
    exit 2
    ;;
esac
