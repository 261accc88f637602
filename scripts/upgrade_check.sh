#!/usr/bin/env bash
# Upgrade check: build a database with an earlier commit of main (its own code, its own pinned
# dependencies, its demo data, bookings and a door grant), migrate it with this checkout's code,
# and check that the data survived (row counts, bookings, PINs and articles read back the same).
#
#   scripts/upgrade_check.sh                       # every commit listed in .ci/upgrade-from, SQLite
#   scripts/upgrade_check.sh a2d594d add26a8       # these commits
#   DATABASE=postgres scripts/upgrade_check.sh     # on a scratch PostgreSQL database (PG_URL)
#
# Needs git history (a CI clone of main has it), python3 ≥ 3.11 and this checkout's .venv
# (`make test` builds it). Each old commit gets a throwaway venv from its own constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
DATABASE=${DATABASE:-sqlite}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
new_python=${NEW_PYTHON:-$repo/.venv/bin/python}
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ $# -gt 0 ]; then
  commits=("$@")
else
  mapfile -t commits < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' .ci/upgrade-from)
fi

# A shallow CI clone lacks the old commits: fetch the history once.
for commit in "${commits[@]}"; do
  if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
    git fetch --quiet --unshallow 2>/dev/null || git fetch --quiet origin
    break
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/openhall-upgrade.XXXXXX")
databases=()
cleanup() {
  for db in "${databases[@]}"; do
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

check() {
  local commit=$1 dir="$work/$1"
  printf '\n--- upgrade from %s (%s) on %s ---\n' "$commit" \
    "$(git log -1 --format='%cs %s' "$commit" | cut -c1-70)" "$DATABASE"
  mkdir -p "$dir/src" "$dir/var"
  git archive "$commit" | tar -x -C "$dir/src"
  python3 -m venv "$dir/venv"
  # The old commit's own pins: its code runs as it did then. No dev extras: only `openhall`.
  "$dir/venv/bin/pip" install -q -c "$dir/src/constraints.txt" -e "$dir/src" 2>&1 \
    | { grep -v 'is ignored: it is neither' || true; }

  export OPENHALL_VAR_DIR="$dir/var" DEBUG=true HUEY_IMMEDIATE=true
  unset REDIS_URL
  if [ "$DATABASE" = postgres ]; then
    local db="openhall_upgrade_${commit}_$$"
    databases+=("$db")
    psql -q "$PG_URL/postgres" -c "CREATE DATABASE $db"
    export DATABASE_URL="$PG_URL/$db" DB_POOL=false
  else
    export DATABASE_URL="sqlite:///$dir/var/openhall.sqlite3"
  fi

  # Built by the old commit, from its directory so nothing of today's checkout is imported.
  (
    cd "$dir/src"
    "$dir/venv/bin/openhall" migrate --noinput -v0
    "$dir/venv/bin/openhall" demo_data
    "$dir/venv/bin/python" "$repo/scripts/upgrade_data.py" seed
    "$dir/venv/bin/python" "$repo/scripts/upgrade_data.py" snapshot "$dir/before.json"
  )
  # Migrated and read by today's code.
  "$repo/.venv/bin/openhall" migrate --noinput -v1 | { grep -v '^  Applying .* OK$' || true; }
  "$new_python" "$repo/scripts/upgrade_data.py" snapshot "$dir/after.json"
  "$new_python" "$repo/scripts/upgrade_data.py" compare "$dir/before.json" "$dir/after.json"
  "$repo/.venv/bin/openhall" migrate --check -v0 # nothing left unapplied
}

for commit in "${commits[@]}"; do
  check "$commit"
done
printf '\nupgrade check passed: %s on %s\n' "${commits[*]}" "$DATABASE"
