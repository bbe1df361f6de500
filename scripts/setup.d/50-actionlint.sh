#!/usr/bin/env bash
# actionlint (the GitHub Actions workflow linter) from the Go module proxy, and Debian's
# ShellCheck: actionlint runs it on every run: script when it is on PATH. Used by
# tests/unit/github-workflows.test.ts on the generated workflows. Idempotent.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

ACTIONLINT_VERSION="v1.7.12"
BIN="$DRIFT_LOOP_CACHE/bin"
mkdir -p "$BIN"

if [ -x "$BIN/actionlint" ] && [ "$("$BIN/actionlint" -version 2>/dev/null | head -n1)" = "$ACTIONLINT_VERSION" ]; then
  log "actionlint $ACTIONLINT_VERSION already in $BIN"
else
  command -v go >/dev/null 2>&1 || die "Go is needed to build actionlint (go install from the Go module proxy); install Go and re-run."
  log "building actionlint $ACTIONLINT_VERSION with go install into $BIN"
  GOBIN="$BIN" nice -n 10 go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  log "actionlint $("$BIN/actionlint" -version | head -n1)"
fi

if command -v shellcheck >/dev/null 2>&1; then
  log "shellcheck $(shellcheck --version | sed -n 's/^version: //p') already installed"
else
  command -v apt-get >/dev/null 2>&1 || die "shellcheck is missing and apt-get is not available; install shellcheck and re-run."
  log "installing Debian's shellcheck (actionlint checks the run: scripts with it)"
  apt_get install -y -q --no-install-recommends shellcheck || { apt_get update -q && apt_get install -y -q --no-install-recommends shellcheck; }
  log "shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
fi
