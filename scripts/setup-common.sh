# Shared helpers for scripts/setup.d/*.sh (sourced, not run).
# shellcheck shell=bash

DRIFT_LOOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DRIFT_LOOP_CACHE="${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop}"
export DRIFT_LOOP_ROOT DRIFT_LOOP_CACHE

# Pinned versions (KEY=value lines).
# shellcheck source=versions.env
set -a
. "$DRIFT_LOOP_ROOT/scripts/versions.env"
set +a

log() { printf '  %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# apt-get that waits while another apt/dpkg holds the lock instead of failing (up to 20 min).
apt_get() {
  local deadline=$(( $(date +%s) + 1200 )) out rc
  while :; do
    set +e
    out="$(as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1)"
    rc=$?
    set -e
    if [ $rc = 0 ]; then printf '%s\n' "$out" | tail -n 3 | sed 's/^/    /'; return 0; fi
    if printf '%s' "$out" | grep -iE 'could not get lock|unable to lock|is another process using it' >/dev/null && [ "$(date +%s)" -lt $deadline ]; then
      log "apt/dpkg is busy (another install is running); waiting..."
      sleep 10
      continue
    fi
    printf '%s\n' "$out" | tail -n 30 >&2
    die "apt-get $* failed (exit $rc)"
  done
}
