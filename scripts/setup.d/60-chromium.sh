#!/usr/bin/env bash
# Debian's Chromium, which the browser test drives with playwright-core (no browser download:
# playwright's own browser builds cannot be fetched here, and need not be).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

if [ -x /usr/bin/chromium ]; then
  log "Chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1) (/usr/bin/chromium)"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || die "/usr/bin/chromium is missing and apt-get is not available; install Chromium and re-run."
log "installing Debian's 'chromium' package"
apt_get update -q
apt_get install -y -q --no-install-recommends chromium fonts-dejavu-core
[ -x /usr/bin/chromium ] || die "installed 'chromium' but /usr/bin/chromium is not there"
log "Chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
