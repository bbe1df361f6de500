#!/usr/bin/env bash
# What the monitoring tests use: the Prometheus Pushgateway (built with `go install` at the
# pinned release, like 20-minio.sh builds MinIO) that the drift job's integration test pushes
# to, and the Prometheus Operator's CRDs (copied out of its Go module) that the unit tests
# validate our ServiceMonitor objects against. Both module hashes are checked against the
# pins in scripts/versions.env before anything is used.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

pgw_dir="$DRIFT_LOOP_CACHE/pushgateway-$PUSHGATEWAY_VERSION"
pgw_bin="$pgw_dir/bin/pushgateway"
pgw_marker="$pgw_dir/.installed"
pgw_want="$PUSHGATEWAY_MODULE $PUSHGATEWAY_VERSION $PUSHGATEWAY_ZIP_H1"
crd_dir="$DRIFT_LOOP_CACHE/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"
crd_marker="$crd_dir/.installed"
crd_want="$PROMETHEUS_OPERATOR_MODULE $PROMETHEUS_OPERATOR_VERSION $PROMETHEUS_OPERATOR_ZIP_H1"

pgw_ok() { [ -x "$pgw_bin" ] && [ -f "$pgw_marker" ] && [ "$(cat "$pgw_marker")" = "$pgw_want" ]; }
crd_ok() { [ -f "$crd_marker" ] && [ "$(cat "$crd_marker")" = "$crd_want" ] && [ -s "$crd_dir/crds/monitoring.coreos.com_servicemonitors.yaml" ]; }

if pgw_ok && crd_ok; then
  log "Pushgateway $PUSHGATEWAY_VERSION already built: $pgw_bin"
  log "Prometheus Operator $PROMETHEUS_OPERATOR_VERSION CRDs already there: $crd_dir/crds"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is needed to build the Pushgateway and fetch the Prometheus Operator CRDs (Go module proxy); install Go >= 1.24 and re-run."
export GOTOOLCHAIN=local GOFLAGS=-trimpath
modcache="$(go env GOMODCACHE)"

# Downloads a module through the proxy (Go checks it against the checksum database) and checks
# its hash against our pin too; prints the module's directory.
fetch_module() {
  local module="$1" version="$2" h1="$3" info got
  info="$(cd /tmp && go mod download -json "$module@$version" 2>&1)" \
    || die "could not download $module@$version from the Go module proxy ($(go env GOPROXY)): $(printf '%s' "$info" | tail -n 3)"
  got="$(cat "$modcache/cache/download/$module/@v/$version.ziphash" 2>/dev/null || true)"
  [ "$got" = "$h1" ] || die "module hash mismatch for $module@$version: got '${got:-nothing}', expected $h1 (pinned in scripts/versions.env); not using it."
  printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

if ! crd_ok; then
  log "fetching the Prometheus Operator $PROMETHEUS_OPERATOR_VERSION module for its CRDs ($PROMETHEUS_OPERATOR_MODULE)"
  src="$(fetch_module "$PROMETHEUS_OPERATOR_MODULE" "$PROMETHEUS_OPERATOR_VERSION" "$PROMETHEUS_OPERATOR_ZIP_H1")"
  [ -d "$src/example/prometheus-operator-crd" ] || die "the module at $src has no example/prometheus-operator-crd/ (layout changed?)"
  rm -rf "$crd_dir"
  mkdir -p "$crd_dir/crds"
  cp "$src"/example/prometheus-operator-crd/*.yaml "$crd_dir/crds/"
  chmod u+w "$crd_dir"/crds/*.yaml
  printf '%s' "$crd_want" >"$crd_marker"
  log "module hash verified; CRDs copied: $crd_dir/crds ($(ls "$crd_dir/crds" | wc -l) files)"
fi

if ! pgw_ok; then
  log "building the Pushgateway $PUSHGATEWAY_VERSION ($PUSHGATEWAY_MODULE) with $(go version | cut -d' ' -f3); about a minute on a cold machine"
  fetch_module "$PUSHGATEWAY_MODULE" "$PUSHGATEWAY_VERSION" "$PUSHGATEWAY_ZIP_H1" >/dev/null
  log "module hash verified: $PUSHGATEWAY_ZIP_H1"
  mkdir -p "$DRIFT_LOOP_CACHE"
  tmpbin="$(mktemp -d "$DRIFT_LOOP_CACHE/.pushgateway-build.XXXXXX")"
  trap 'rm -rf "$tmpbin"' EXIT
  if ! (cd /tmp && GOBIN="$tmpbin" nice -n 10 go install "$PUSHGATEWAY_MODULE@$PUSHGATEWAY_VERSION" >"$tmpbin/build.log" 2>&1); then
    tail -n 40 "$tmpbin/build.log" >&2
    die "go install $PUSHGATEWAY_MODULE@$PUSHGATEWAY_VERSION failed (last lines above)"
  fi
  mkdir -p "$pgw_dir/bin"
  mv -f "$tmpbin/pushgateway" "$pgw_bin"
  printf '%s' "$pgw_want" >"$pgw_marker"
  log "Pushgateway built: $pgw_bin ($("$pgw_bin" --version 2>&1 | head -n 1))"
fi
