#!/usr/bin/env bash
# Installs what drift-loop's tests and local runs need: runs scripts/setup.d/*.sh in name order.
# Every step is idempotent, installs into ${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop}
# (outside the repository) and returns quickly when its install is already there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  cat <<USAGE
Usage: npm run setup [-- STEP...]
       bash scripts/setup.sh [--list] [STEP...]

Installs the servers and tools drift-loop's tests and local runs use, into
\${DRIFT_LOOP_CACHE:-\$HOME/.cache/drift-loop} (now: ${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop}).
Runs every scripts/setup.d/*.sh in name order; with STEP names (e.g. "postgres"),
only the steps whose file name contains one of them.

Options:
  --list   print the steps and exit
  --help   print this help and exit

Pinned versions: scripts/versions.env. Safe to re-run; a warm run takes seconds.
USAGE
}

want=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --list) for f in "$here"/setup.d/*.sh; do basename "$f"; done; exit 0 ;;
    -*) echo "ERROR: unknown option '$arg' (allowed: --list, --help)" >&2; exit 2 ;;
    *) want+=("$arg") ;;
  esac
done

steps=()
for f in "$here"/setup.d/*.sh; do
  [ -e "$f" ] || continue
  if [ ${#want[@]} -gt 0 ]; then
    keep=0
    for w in "${want[@]}"; do case "$(basename "$f")" in *"$w"*) keep=1 ;; esac; done
    [ $keep = 1 ] || continue
  fi
  steps+=("$f")
done
if [ ${#steps[@]} -eq 0 ]; then
  echo "ERROR: no set-up step matches '${want[*]}' (steps: $(cd "$here/setup.d" && ls ./*.sh | xargs -n1 basename | tr '\n' ' '))" >&2
  exit 2
fi

# Milliseconds since the epoch (bash 5 has EPOCHREALTIME; no bc needed).
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $(( t / 1000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%ds' $(( ms / 1000 )) $(( ms % 1000 / 100 )); }

total_start=$(now_ms)
for f in "${steps[@]}"; do
  name="$(basename "$f")"
  echo "==> $name"
  start=$(now_ms)
  if ! bash "$f"; then
    echo "ERROR: set-up step $name failed (see the output above); fix it and re-run 'npm run setup'." >&2
    exit 1
  fi
  echo "<== $name done in $(secs "$start")"
done
echo "set-up complete in $(secs "$total_start") (cache: ${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop})"
