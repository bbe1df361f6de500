#!/usr/bin/env bash
# PostgreSQL server binaries from Debian (initdb, postgres). Tests start their own throwaway
# cluster on loopback; no system cluster is created or started by this step.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

# Newest installed major that is at least POSTGRES_MAJOR.
find_bin() {
  local d best="" bestv=0 v
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] || continue
    v="$(basename "$(dirname "$d")")"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if [ "$v" -ge "$POSTGRES_MAJOR" ] && [ "$v" -gt "$bestv" ]; then best="$d"; bestv="$v"; fi
  done
  printf '%s' "$best"
}

bin="$(find_bin)"
if [ -z "$bin" ]; then
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL >= $POSTGRES_MAJOR is not installed and apt-get is not available; install it and re-run."
  log "PostgreSQL >= $POSTGRES_MAJOR not found; installing Debian's 'postgresql' package"
  # Do not let the package create and start a system cluster on port 5432: tests start their own.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    printf 'create_main_cluster = false\n' | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  apt_get update -q
  apt_get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold postgresql
  bin="$(find_bin)"
  [ -n "$bin" ] || die "installed 'postgresql' but found no initdb under /usr/lib/postgresql/*/bin"
fi
log "PostgreSQL: $("$bin/postgres" --version) ($bin)"

# Postgres refuses to run as root: the services helper runs it as this unprivileged user.
if [ "$(id -u)" = 0 ]; then
  if id -u postgres >/dev/null 2>&1; then log "runs as system user 'postgres'"
  else die "running as root but there is no 'postgres' system user to run the server as (it comes with Debian's postgresql-common)"
  fi
  command -v setpriv >/dev/null 2>&1 || die "'setpriv' (util-linux) is needed to drop root for postgres"
fi
