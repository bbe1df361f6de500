#!/usr/bin/env bash
# actionlint (the GitHub Actions workflow linter) and shellcheck (which actionlint runs on
# every `run:` script when it is on PATH), for tests/unit/github-workflows.test.ts.
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail

ACTIONLINT_VERSION="v1.7.12"
CACHE="${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop}"
BIN="$CACHE/bin"
mkdir -p "$BIN"

if [ -x "$BIN/actionlint" ] && "$BIN/actionlint" -version 2>/dev/null | head -n1 | grep -qx "${ACTIONLINT_VERSION#v}"; then
  echo "[actionlint] $ACTIONLINT_VERSION already in $BIN"
else
  command -v go >/dev/null || { echo "[actionlint] Go is required (go install from the Go module proxy)" >&2; exit 1; }
  echo "[actionlint] go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION -> $BIN"
  GOBIN="$BIN" nice -n 10 go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  "$BIN/actionlint" -version | head -n1
fi

if command -v shellcheck >/dev/null; then
  echo "[actionlint] shellcheck $(shellcheck --version | sed -n 's/^version: //p') already installed"
else
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "[actionlint] shellcheck is missing and apt-get needs root (install Debian's shellcheck package)" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "[actionlint] apt-get install shellcheck (retrying while another apt/dpkg holds the lock)"
  for attempt in $(seq 1 40); do
    if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends shellcheck; then
      break
    fi
    if [ "$attempt" = 40 ]; then
      echo "[actionlint] could not install shellcheck after $attempt attempts" >&2; exit 1
    fi
    echo "[actionlint] apt-get failed (lock held or index stale), attempt $attempt/40; retrying in 15s"
    [ "$attempt" = 2 ] && $SUDO apt-get update -q || true
    sleep 15
  done
fi
