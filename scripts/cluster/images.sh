#!/usr/bin/env bash
# Build drift-loop's container images from our own Dockerfiles with a real Docker engine and
# load them into a Kubernetes node's containerd - on a machine without Docker Hub.
#
# The public base images our Dockerfiles start FROM (node, python, golang, postgres, debian)
# cannot be pulled here, so `base` builds local stand-ins under the exact same names from
# Debian packages and this machine's own Node.js and Go (each labelled
# org.drift-loop.stand-in=true). BuildKit resolves FROM names against the local image store
# first, so our Dockerfiles build unchanged on top of them.
#
# Everything runs against a PRIVATE dockerd (its own data root, socket and containerd) that
# never touches iptables or IP forwarding: a kubelet and kube-proxy share this machine.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# The same cache rule as scripts/e2e/build-toolchain.sh (which also builds $CACHE/bin/pause).
CACHE="${DRIFT_LOOP_E2E_CACHE:-${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop}/e2e}"
# Third-party files (the official postgres image's entrypoint): shared/ beside the repository.
THIRD_PARTY="$(realpath -m "${DRIFT_LOOP_THIRD_PARTY:-$REPO_ROOT/../shared/third_party}")"
DOCKER_DIR="$CACHE/docker"
DOCKER_SOCK="$DOCKER_DIR/docker.sock"
DOCKER_PIDFILE="$DOCKER_DIR/dockerd.pid"
DOCKER_LOG="$DOCKER_DIR/dockerd.log"
export DOCKER_HOST="unix://$DOCKER_SOCK"
# The client of Debian's docker.io, the same release as its dockerd (20.10): a newer client
# earlier on PATH would hand BuildKit builds to a buildx plugin that is not installed.
DOCKER="${DRIFT_LOOP_DOCKER:-/usr/bin/docker}"
DOCKERD="${DRIFT_LOOP_DOCKERD:-/usr/sbin/dockerd}"
# BuildKit: the only builder of 20.10 that reads per-Dockerfile ignore files (<Dockerfile>.dockerignore).
export DOCKER_BUILDKIT=1

usage() {
  cat <<USAGE
Usage: $0 COMMAND [ARGS]

Builds drift-loop's images with a private Docker daemon and loads them into containerd.

Commands:
  daemon start|stop|status|env
        The private dockerd: data, socket and log under $DOCKER_DIR.
        No bridge, no iptables, no IP forwarding. 'env' prints the DOCKER_HOST export.
  base  Build the stand-ins of the public base images our Dockerfiles use (each only when
        missing): debian:12.12-slim, debian:bookworm-slim, node:20.20.2-bookworm-slim,
        python:3.11.13-slim-bookworm, golang:1.24.6-bookworm, postgres:15.14-bookworm, and
        docker/dockerfile:1 (the BuildKit frontend a '# syntax=' line names).
  build [--registry R] [--tag T]
        Build R/drifter:T, R/drift-job:T, R/model-api:T, R/mlflow:<MLFLOW_VERSION> and
        R/minio:<MINIO_RELEASE> (versions from scripts/versions.env), as the Pulumi program
        references them with drift-loop:buildImages=false. Defaults: R=drift-loop, T=0.1.0.
  build-model --tag model-vN [--registry R]
        Build R/model-api:model-vN with the model in model-api/model/model.json.
  node-images
        Build the local cluster node's own images from the toolchain's binaries (each only when
        missing): registry.k8s.io/pause:3.10.1 ($CACHE/bin/pause) and
        drift-loop/coredns:1.14.7 ($CACHE/bin/coredns).
  monitoring-images
        Build what tests/e2e/monitoring.test.ts runs in the cluster, from the toolchain's
        binaries, under the upstream names (each only when missing): ${MONITORING_IMAGES[*]}
  load --containerd SOCKET IMAGE...
        Import the images into that containerd's k8s.io namespace (what the kubelet's CRI
        sees) and check they are listed there under their full names (docker.io/...).

Environment:
  DRIFT_LOOP_E2E_CACHE / DRIFT_LOOP_CACHE   cache root (now $CACHE)
  DRIFT_LOOP_THIRD_PARTY                    third-party files (now $THIRD_PARTY)
  DRIFT_LOOP_EXTRA_CA_DIR                   extra CAs the stand-ins trust (now $EXTRA_CA_DIR)
USAGE
}

log() { printf '[images %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found${2:+: $2}"; }

# ---------------------------------------------------------------------------- private daemon

daemon_pid() {
  [[ -f "$DOCKER_PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$DOCKER_PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

daemon_answers() { "$DOCKER" version >/dev/null 2>&1; }

daemon_start() {
  if daemon_pid >/dev/null && daemon_answers; then
    log "dockerd already running (pid $(daemon_pid), $DOCKER_HOST)"
    return 0
  fi
  [[ $EUID -eq 0 ]] || die "dockerd needs root"
  [[ -x "$DOCKERD" ]] || die "$DOCKERD not found (apt-get install docker.io)"
  mkdir -p "$DOCKER_DIR/data" "$DOCKER_DIR/exec"
  # A pid file left by a crash would make dockerd refuse to start.
  rm -f "$DOCKER_PIDFILE"
  log "starting dockerd ($DOCKER_HOST, log $DOCKER_LOG)"
  # --bridge=none and the iptables/forwarding switches: the kubelet's machine keeps its own
  # network rules; builds and test runs use --network host or none. An empty config file of
  # our own: nothing from a system /etc/docker/daemon.json. No --containerd: dockerd runs its
  # own, with its socket under the exec root.
  echo '{}' >"$DOCKER_DIR/daemon.json"
  setsid "$DOCKERD" \
    --config-file "$DOCKER_DIR/daemon.json" \
    --data-root "$DOCKER_DIR/data" \
    --exec-root "$DOCKER_DIR/exec" \
    -H "$DOCKER_HOST" \
    --pidfile "$DOCKER_PIDFILE" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --storage-driver overlay2 \
    >>"$DOCKER_LOG" 2>&1 </dev/null &
  local deadline=$((SECONDS + 60))
  until daemon_answers; do
    if ((SECONDS > deadline)) || ! kill -0 $! 2>/dev/null; then
      log "dockerd did not answer; last lines of $DOCKER_LOG:"
      tail -n 30 "$DOCKER_LOG" >&2
      die "dockerd failed to start"
    fi
    sleep 0.5
  done
  log "dockerd ready (pid $(daemon_pid))"
}

daemon_stop() {
  local pid
  if ! pid="$(daemon_pid)"; then
    log "dockerd not running"
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  # dockerd stops its containers and its containerd first; give it time.
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS > deadline)) && die "dockerd (pid $pid) still running after 30s"
    sleep 0.5
  done
  log "dockerd stopped"
}

daemon_status() {
  if daemon_pid >/dev/null && daemon_answers; then
    echo "running (pid $(daemon_pid), $DOCKER_HOST)"
  else
    echo "not running"
    return 1
  fi
}

# Every build and load needs the private daemon: start it when it is not running.
require_daemon() {
  daemon_answers || daemon_start
}

cmd_daemon() {
  case "${1:-}" in
    start) daemon_start ;;
    stop) daemon_stop ;;
    status) daemon_status ;;
    env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
    *) die "usage: $0 daemon start|stop|status|env" ;;
  esac
}

# ---------------------------------------------------------------------------- build helpers

BASE_DIR="$SCRIPT_DIR/base-images"
LOG_DIR="$DOCKER_DIR/logs"
STAND_IN_LABEL="org.drift-loop.stand-in"
# Where this host keeps its locally added CA certificates (update-ca-certificates' folder).
EXTRA_CA_DIR="${DRIFT_LOOP_EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
# Scratch build contexts of this run, removed on exit. A fixed path per run ($$ is this
# script's pid, also inside the $(...) subshells that create them).
SCRATCH_ROOT="$DOCKER_DIR/tmp/run.$$"
trap 'rm -rf "$SCRATCH_ROOT"' EXIT

# A fresh directory on the cache's filesystem (so contexts can hard-link big trees such as
# GOROOT instead of copying them).
scratch_dir() {
  mkdir -p "$SCRATCH_ROOT"
  mktemp -d "$SCRATCH_ROOT/ctx.XXXXXX"
}

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# docker_build NAME LOGNAME [docker build args...]: one BuildKit build, niced, on the host
# network (the daemon has no bridge). The full log goes to $LOG_DIR/LOGNAME.log; on failure
# its tail (the failing step and its output) is shown and the script exits non-zero.
docker_build() {
  local name="$1" logname="$2"
  shift 2
  mkdir -p "$LOG_DIR"
  local logfile="$LOG_DIR/$logname.log" start=$SECONDS
  log "building $name (log $logfile)"
  if ! nice -n 10 "$DOCKER" build --network host --progress plain -t "$name" "$@" >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "build of $name failed (last lines above; full log $logfile)"
  fi
  log "built $name in $((SECONDS - start))s"
}

# Labels of a stand-in: what it is really made of, so nobody mistakes it for the original.
stand_in_labels() {
  printf -- '--label\n%s=true\n--label\n%s.contents=%s\n' "$STAND_IN_LABEL" "$STAND_IN_LABEL" "$1"
}

# ---------------------------------------------------------------------------- base-image stand-ins

DEBIAN_NAMES=(debian:12.12-slim debian:bookworm-slim)
NODE_IMAGE=node:20.20.2-bookworm-slim
NODE_VERSION=v20.20.2
PYTHON_IMAGE=python:3.11.13-slim-bookworm
GOLANG_IMAGE=golang:1.24.6-bookworm
POSTGRES_IMAGE=postgres:15.14-bookworm
# The node's images (scripts/cluster/node.ts NODE_IMAGES names the same two).
PAUSE_IMAGE=registry.k8s.io/pause:3.10.1
COREDNS_IMAGE=drift-loop/coredns:1.14.7
FRONTEND_IMAGE=docker/dockerfile:1
# Monitoring as kube-prometheus-stack runs it: image=binary (scripts/e2e/build-toolchain.sh
# builds each binary at the version its tag names; tests/e2e/helpers/monitoring.ts names the same).
MONITORING_IMAGES=(
  quay.io/prometheus/prometheus:v3.5.0=prometheus
  quay.io/prometheus-operator/prometheus-operator:v0.85.0=operator
  quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0=prometheus-config-reloader
  quay.io/prometheus/pushgateway:v1.11.5=pushgateway
)
# The BuildKit module (Go module proxy) the Dockerfile frontend stand-in is built from; its
# frontend still supports the BuildKit of dockerd 20.10 (checked: drifter/Dockerfile builds).
BUILDKIT_VERSION=v0.35.0

# The Debian sources this machine uses (deb822 or one-line), handed to mmdebstrap as is: the
# image gets the same mirror and suites, so `apt-get update` works inside builds.
host_apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -s "$f" ]] && grep -qE '(^URIs:|^deb ).*debian' "$f" && { echo "$f"; return 0; }
  done
  die "no Debian apt source found in /etc/apt/sources.list*"
}

# debian:12.12-slim and debian:bookworm-slim: one minbase bootstrap imported under both names.
# Made to look like the official slim image where our builds notice: docs, man pages and
# translations excluded via /etc/dpkg/dpkg.cfg.d/docker (the file upstream's postgres image
# edits), apt lists removed, PATH set, CMD bash.
base_debian() {
  local name missing=() have=""
  for name in "${DEBIAN_NAMES[@]}"; do
    if have_image "$name"; then have="$name"; else missing+=("$name"); fi
  done
  ((${#missing[@]})) || { log "debian stand-ins present"; return 0; }
  if [[ -n "$have" ]]; then
    for name in "${missing[@]}"; do "$DOCKER" tag "$have" "$name"; done
    log "tagged ${missing[*]} from $have"
    return 0
  fi
  need mmdebstrap "apt-get install mmdebstrap"
  local sources start=$SECONDS
  sources="$(host_apt_sources)"
  log "bootstrapping Debian bookworm minbase with mmdebstrap (sources: $sources)"
  mkdir -p "$LOG_DIR"
  local work
  work="$(scratch_dir)"
  # The official image's apt settings (debuerreotype's slim defaults): no .deb files or
  # package caches left in layers after an install, no translations, compressed lists.
  mkdir "$work/apt.conf.d"
  cat >"$work/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  echo 'Acquire::Languages "none";' >"$work/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$work/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$work/apt.conf.d/docker-autoremove-suggests"
  # This host's locally added CAs (e.g. of a TLS-intercepting egress proxy): builds on top of
  # the stand-ins download from npm, PyPI and the Go proxy over the same network, so the
  # images trust what the host trusts. Images that install ca-certificates get them in the
  # system bundle; the node stand-in points NODE_EXTRA_CA_CERTS at them.
  mkdir "$work/ca"
  local cas=("$EXTRA_CA_DIR"/*.crt)
  [[ -e "${cas[0]}" ]] && cp "${cas[@]}" "$work/ca/"
  local tarball="$work/rootfs.tar"
  # The sources file as mirror argument: mmdebstrap copies it into the image's
  # /etc/apt/sources.list.d/. The customize hooks move the dpkg excludes to the official
  # image's file name and add the apt settings; with those, mmdebstrap's own clean-up no
  # longer finds apt's package caches, hence the rm.
  # shellcheck disable=SC2016  # "$1" in a hook is the chroot, expanded by mmdebstrap's shell
  if ! nice -n 10 mmdebstrap --variant=minbase --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/overrides/*' \
    --customize-hook='mv "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$1/etc/dpkg/dpkg.cfg.d/docker"' \
    --customize-hook="cp '$work/apt.conf.d/'* \"\$1/etc/apt/apt.conf.d/\"" \
    --customize-hook='rm -f "$1"/var/cache/apt/*.bin' \
    --customize-hook="mkdir -p \"\$1/usr/local/share/ca-certificates\" && cp -r '$work/ca/.' \"\$1/usr/local/share/ca-certificates/\"" \
    bookworm "$tarball" "$sources" >"$LOG_DIR/debian.log" 2>&1; then
    tail -n 30 "$LOG_DIR/debian.log" >&2
    die "mmdebstrap failed (full log $LOG_DIR/debian.log)"
  fi
  local version
  version="$(tar -xOf "$tarball" ./etc/debian_version)"
  "$DOCKER" import \
    --change "LABEL $STAND_IN_LABEL=true" \
    --change "LABEL $STAND_IN_LABEL.contents=\"mmdebstrap --variant=minbase bookworm (Debian $version) from $(awk '/^URIs:|^deb /{print $2; exit}' "$sources"); extra CAs of the build host: $(cd "$work/ca" && echo * | sed 's/^\*$/none/')\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    "$tarball" "${DEBIAN_NAMES[0]}" >/dev/null
  for name in "${DEBIAN_NAMES[@]:1}"; do "$DOCKER" tag "${DEBIAN_NAMES[0]}" "$name"; done
  # What builds on top of it need first: apt-get update against the mirror.
  "$DOCKER" run --rm --network host "${DEBIAN_NAMES[0]}" apt-get update -qq \
    || die "apt-get update fails in the debian stand-in"
  log "built ${DEBIAN_NAMES[*]} (Debian $version) in $((SECONDS - start))s"
}

# node:20.20.2-bookworm-slim: this machine's node binary and its npm/corepack. The name
# promises an exact Node.js version, so any other version is refused.
base_node() {
  have_image "$NODE_IMAGE" && { log "$NODE_IMAGE present"; return 0; }
  need node "Node.js $NODE_VERSION is copied into the image"
  local node version prefix ctx
  node="$(readlink -f "$(command -v node)")"
  version="$("$node" --version)"
  [[ "$version" == "$NODE_VERSION" ]] \
    || die "$node is Node.js $version; $NODE_IMAGE must contain exactly $NODE_VERSION (install it, or put it first on PATH)"
  # npm and corepack live in <prefix>/lib/node_modules next to <prefix>/bin/node.
  prefix="$(dirname "$(dirname "$node")")"
  [[ -f "$prefix/lib/node_modules/npm/bin/npm-cli.js" ]] || die "npm not found in $prefix/lib/node_modules"
  ctx="$(scratch_dir)"
  cp "$node" "$ctx/node"
  mkdir "$ctx/node_modules"
  cp -a "$prefix/lib/node_modules/npm" "$ctx/node_modules/"
  [[ -d "$prefix/lib/node_modules/corepack" ]] && cp -a "$prefix/lib/node_modules/corepack" "$ctx/node_modules/"
  local labels
  mapfile -t labels < <(stand_in_labels "debian:bookworm-slim stand-in + this machine's Node.js $version ($node) and npm $("$node" "$prefix/lib/node_modules/npm/bin/npm-cli.js" --version)")
  docker_build "$NODE_IMAGE" node -f "$BASE_DIR/node.Dockerfile" "${labels[@]}" "$ctx"
  "$DOCKER" run --rm --network none "$NODE_IMAGE" node -e 'if (process.version !== "'"$NODE_VERSION"'") process.exit(1)' \
    || die "$NODE_IMAGE does not run node $NODE_VERSION"
}

# python:3.11.13-slim-bookworm: Debian's Python 3.11 (3.11.2), pip via a venv at /usr/local.
base_python() {
  have_image "$PYTHON_IMAGE" && { log "$PYTHON_IMAGE present"; return 0; }
  local ctx
  ctx="$(scratch_dir)"
  local labels
  mapfile -t labels < <(stand_in_labels "debian:bookworm-slim stand-in + Debian bookworm python3 (3.11.2) with a venv at /usr/local for pip")
  docker_build "$PYTHON_IMAGE" python -f "$BASE_DIR/python.Dockerfile" "${labels[@]}" "$ctx"
  "$DOCKER" run --rm --network none "$PYTHON_IMAGE" sh -c 'python -m pip --version && python3 -c "import ssl, sqlite3" && command -v useradd && command -v groupadd' >/dev/null \
    || die "$PYTHON_IMAGE: python/pip check failed"
}

# golang:1.24.6-bookworm: this machine's Go toolchain (`go env GOROOT`) in /usr/local/go.
base_golang() {
  have_image "$GOLANG_IMAGE" && { log "$GOLANG_IMAGE present"; return 0; }
  need go "its toolchain (go env GOROOT) is copied into the image"
  local goroot goversion ctx
  goroot="$(go env GOROOT)"
  goversion="$(go env GOVERSION)"
  ctx="$(scratch_dir)"
  # Hard links: GOROOT is ~300 MB and the context is only read.
  # Hard links when GOROOT is on the cache's filesystem; else a copy (of the tree's contents,
  # so a half-made link tree is completed, not nested).
  cp -al "$goroot" "$ctx/go" 2>/dev/null || { mkdir -p "$ctx/go" && cp -a "$goroot/." "$ctx/go/"; }
  local labels
  mapfile -t labels < <(stand_in_labels "debian:bookworm-slim stand-in + ca-certificates, git and this machine's Go $goversion (not 1.24.6)")
  docker_build "$GOLANG_IMAGE" golang -f "$BASE_DIR/golang.Dockerfile" "${labels[@]}" "$ctx"
  "$DOCKER" run --rm --network none "$GOLANG_IMAGE" go version >/dev/null || die "$GOLANG_IMAGE: go does not run"
}

# postgres:15.14-bookworm: upstream's Dockerfile on Debian's postgresql-15, with upstream's
# entrypoint scripts (third-party files, copied into the context at build time only).
base_postgres() {
  have_image "$POSTGRES_IMAGE" && { log "$POSTGRES_IMAGE present"; return 0; }
  local upstream="$THIRD_PARTY/postgres-image-15-bookworm" ctx f
  ctx="$(scratch_dir)"
  for f in docker-entrypoint.sh docker-ensure-initdb.sh; do
    [[ -f "$upstream/$f" ]] || die "$upstream/$f not found (set DRIFT_LOOP_THIRD_PARTY)"
    install -m 0755 "$upstream/$f" "$ctx/$f"
  done
  local labels
  mapfile -t labels < <(stand_in_labels "debian:bookworm-slim stand-in + Debian bookworm postgresql-15 and gosu, entrypoint of docker-library/postgres 15/bookworm")
  docker_build "$POSTGRES_IMAGE" postgres -f "$BASE_DIR/postgres.Dockerfile" "${labels[@]}" "$ctx"
  check_postgres "--user 999:999"
  check_postgres ""
}

# Start the postgres stand-in (host network, port 55432 to stay clear of a local server) and
# wait for the server to accept connections; as root the entrypoint must step down via gosu.
check_postgres() {
  local user_args="$1" id deadline=$((SECONDS + 90))
  # shellcheck disable=SC2086  # user_args is empty or two words
  id="$("$DOCKER" run -d --network host -e POSTGRES_PASSWORD=check $user_args "$POSTGRES_IMAGE" -c port=55432)"
  # grep without -q: with -q it may exit before `docker logs` is done, and pipefail fails on the SIGPIPE.
  until "$DOCKER" logs "$id" 2>&1 | grep 'database system is ready to accept connections' >/dev/null; do
    if ((SECONDS > deadline)) || [[ "$("$DOCKER" inspect -f '{{.State.Running}}' "$id")" != true ]]; then
      "$DOCKER" logs "$id" 2>&1 | tail -n 30 >&2
      "$DOCKER" rm -f "$id" >/dev/null
      die "$POSTGRES_IMAGE did not become ready (${user_args:-as root})"
    fi
    sleep 1
  done
  "$DOCKER" rm -f "$id" >/dev/null
  log "$POSTGRES_IMAGE accepts connections (${user_args:-as root})"
}

# docker/dockerfile:1: the Dockerfile frontend that `# syntax=docker/dockerfile:1` (first line
# of drifter/Dockerfile) names. Without a local image of that name BuildKit asks Docker Hub
# and the build fails; with one, BuildKit runs it (local images are preferred).
base_dockerfile_frontend() {
  have_image "$FRONTEND_IMAGE" && { log "$FRONTEND_IMAGE present"; return 0; }
  local ctx
  ctx="$(scratch_dir)"
  local labels
  mapfile -t labels < <(stand_in_labels "dockerfile-frontend built from github.com/moby/buildkit $BUILDKIT_VERSION (Go module proxy) with the golang stand-in")
  docker_build "$FRONTEND_IMAGE" dockerfile-frontend -f "$BASE_DIR/dockerfile-frontend.Dockerfile" \
    --build-arg "BUILDKIT_VERSION=$BUILDKIT_VERSION" "${labels[@]}" "$ctx"
}

cmd_base() {
  (($# == 0)) || die "usage: $0 base"
  require_daemon
  base_debian
  base_node
  base_python
  base_golang
  base_postgres
  base_dockerfile_frontend
}

# ---------------------------------------------------------------------------- our images

# One value of scripts/versions.env (plain KEY=value lines; read, not sourced).
version_of() {
  local value
  value="$(sed -n "s/^$1=//p" "$REPO_ROOT/scripts/versions.env" | tail -n 1)"
  [[ -n "$value" ]] || die "$1 missing from scripts/versions.env"
  echo "$value"
}

# Images built by this run, for the summary.
BUILT=()

# build_ours NAME DOCKERFILE [BUILD_ARG=VALUE...]: a build from the repository root, as the
# Pulumi program builds them; BuildKit sends only what <Dockerfile>.dockerignore lets through.
build_ours() {
  local name="$1" dockerfile="$2" arg args=()
  shift 2
  [[ -f "$REPO_ROOT/$dockerfile" ]] || die "$dockerfile not found in $REPO_ROOT"
  [[ -f "$REPO_ROOT/$dockerfile.dockerignore" ]] \
    || die "$dockerfile.dockerignore not found: the whole repository would be the build context"
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  local logname="${name##*/}"
  docker_build "$name" "${logname//:/_}" -f "$REPO_ROOT/$dockerfile" "${args[@]}" "$REPO_ROOT"
  BUILT+=("$name")
}

build_drifter() { build_ours "$REGISTRY/drifter:$TAG" drifter/Dockerfile; }
build_drift_job() { build_ours "$REGISTRY/drift-job:$TAG" drift-job/Dockerfile; }
# The platform model-api image; with model-api/model/model.json present that model is baked
# in, otherwise the build trains the initial one.
build_model_api() { build_ours "$REGISTRY/model-api:$TAG" model-api/Dockerfile; }

build_mlflow() {
  build_ours "$REGISTRY/mlflow:$(version_of MLFLOW_VERSION)" components/images/mlflow.Dockerfile \
    "MLFLOW_VERSION=$(version_of MLFLOW_VERSION)" \
    "PSYCOPG2_VERSION=$(version_of PSYCOPG2_VERSION)" \
    "BOTO3_VERSION=$(version_of BOTO3_VERSION)"
}

build_minio() {
  build_ours "$REGISTRY/minio:$(version_of MINIO_RELEASE)" components/images/minio.Dockerfile \
    "MINIO_MODULE=$(version_of MINIO_MODULE)" \
    "MINIO_MODULE_VERSION=$(version_of MINIO_MODULE_VERSION)" \
    "MINIO_COMMIT_TIME=$(version_of MINIO_COMMIT_TIME)" \
    "MINIO_ZIP_H1=$(version_of MINIO_ZIP_H1)" \
    "MINIO_RELEASE=$(version_of MINIO_RELEASE)"
}

# The model image of a retrain: model-api/Dockerfile checks that the baked model is MODEL_TAG.
build_model() {
  build_ours "$REGISTRY/model-api:$MODEL_TAG" model-api/Dockerfile "MODEL_IMAGE_TAG=$MODEL_TAG"
}

# Names and sizes of what this run built.
print_summary() {
  local name
  log "images:"
  for name in "${BUILT[@]}"; do
    printf '  %-60s %s\n' "$name" "$("$DOCKER" image inspect -f '{{.Size}}' "$name" | numfmt --to=si --suffix=B)"
  done
}

# Missing stand-ins would make BuildKit try Docker Hub (and fail with a less clear error).
require_base() {
  local name
  for name in "$@"; do
    have_image "$name" || die "base image $name missing: run $0 base first"
  done
}

REGISTRY=drift-loop
TAG=0.1.0
MODEL_TAG=""

cmd_build() {
  while (($#)); do
    case "$1" in
      --registry) REGISTRY="${2:?--registry needs a value}"; shift 2 ;;
      --tag) TAG="${2:?--tag needs a value}"; shift 2 ;;
      *) die "unknown argument '$1' (usage: $0 build [--registry R] [--tag T])" ;;
    esac
  done
  require_daemon
  require_base "$NODE_IMAGE" "$PYTHON_IMAGE" "$GOLANG_IMAGE" "${DEBIAN_NAMES[0]}" "$FRONTEND_IMAGE"
  build_drifter
  build_drift_job
  build_model_api
  build_mlflow
  build_minio
  print_summary
}

cmd_build_model() {
  while (($#)); do
    case "$1" in
      --registry) REGISTRY="${2:?--registry needs a value}"; shift 2 ;;
      --tag) MODEL_TAG="${2:?--tag needs a value}"; shift 2 ;;
      *) die "unknown argument '$1' (usage: $0 build-model --tag model-vN [--registry R])" ;;
    esac
  done
  [[ -n "$MODEL_TAG" ]] || die "usage: $0 build-model --tag model-vN [--registry R]"
  [[ -f "$REPO_ROOT/model-api/model/model.json" ]] \
    || die "model-api/model/model.json not found: a retrain writes it before the model image is built"
  require_daemon
  require_base "$NODE_IMAGE"
  build_model
  print_summary
}

# ---------------------------------------------------------------------------- pause and load

# An image of one static binary the toolchain builds (scripts/e2e/build-toolchain.sh): the
# kubelet's pod sandbox image and CoreDNS. Built only when missing (the tags carry the versions).
build_binary_image() { # image binary dockerfile
  have_image "$1" && { log "$1 present"; return 0; }
  local bin="$CACHE/bin/$2" ctx
  [[ -x "$bin" ]] || die "$bin not found: scripts/e2e/build-toolchain.sh $2 builds it"
  ctx="$(scratch_dir)"
  cp "$bin" "$ctx/$2"
  docker_build "$1" "$2" -f "$BASE_DIR/$3" "$ctx"
}

# An image of one static binary as upstream lays it out: /bin/<binary> as the entrypoint,
# run as nobody; the Dockerfile is written here (one line differs per image).
build_upstream_binary_image() { # image binary
  have_image "$1" && { log "$1 present"; return 0; }
  local bin="$CACHE/bin/$2" ctx
  [[ -x "$bin" ]] || die "$bin not found: scripts/e2e/build-toolchain.sh builds it"
  ctx="$(scratch_dir)"
  cp "$bin" "$ctx/$2"
  printf 'FROM scratch\nCOPY %s /bin/%s\nUSER 65534:65534\nENTRYPOINT ["/bin/%s"]\n' "$2" "$2" "$2" >"$ctx/Dockerfile"
  local labels
  mapfile -t labels < <(stand_in_labels "$2 built from the Go module proxy by scripts/e2e/build-toolchain.sh, FROM scratch")
  docker_build "$1" "$2" "${labels[@]}" -f "$ctx/Dockerfile" "$ctx"
}

cmd_monitoring_images() {
  (($# == 0)) || die "usage: $0 monitoring-images"
  require_daemon
  local entry
  for entry in "${MONITORING_IMAGES[@]}"; do
    build_upstream_binary_image "${entry%%=*}" "${entry#*=}"
  done
}

cmd_node_images() {
  (($# == 0)) || die "usage: $0 node-images"
  require_daemon
  build_binary_image "$PAUSE_IMAGE" pause pause.Dockerfile
  build_binary_image "$COREDNS_IMAGE" coredns coredns.Dockerfile
}

# The name containerd (and so the kubelet's CRI) stores an image under: Docker's short names
# normalized, e.g. drift-loop/drifter:0.1.0 -> docker.io/drift-loop/drifter:0.1.0 and
# node:20 -> docker.io/library/node:20. A Pod spec's short name resolves the same way.
full_ref() {
  local ref="$1" first="${1%%/*}"
  if [[ "$ref" != */* ]]; then
    echo "docker.io/library/$ref"
  elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then
    echo "$ref"
  else
    echo "docker.io/$ref"
  fi
}

# Import into the k8s.io namespace (the CRI plugin's); ctr unpacks into the default snapshotter.
load_image() {
  local socket="$1" image="$2" start=$SECONDS
  have_image "$image" || die "image $image not found in the private dockerd (build it first)"
  log "loading $image into $socket"
  if ! "$DOCKER" save "$image" | ctr --address "$socket" -n k8s.io images import --all-platforms - >/dev/null; then
    die "import of $image into $socket failed"
  fi
  local want
  want="$(full_ref "$image")"
  # The list first, then the search: `ctr ... | grep -q` under pipefail fails whenever grep
  # exits at its match before ctr has written everything (SIGPIPE).
  local listed
  listed="$(ctr --address "$socket" -n k8s.io images ls -q)"
  grep -qxF "$want" <<<"$listed" || die "$want not listed by ctr -n k8s.io images ls after the import"
  log "loaded $want in $((SECONDS - start))s"
}

cmd_load() {
  local socket="" images=()
  while (($#)); do
    case "$1" in
      --containerd) socket="${2:?--containerd needs a socket path}"; shift 2 ;;
      -*) die "unknown option '$1' (usage: $0 load --containerd SOCKET IMAGE...)" ;;
      *) images+=("$1"); shift ;;
    esac
  done
  [[ -n "$socket" && ${#images[@]} -gt 0 ]] || die "usage: $0 load --containerd SOCKET IMAGE..."
  [[ -S "$socket" ]] || die "$socket is not a socket (is containerd running?)"
  need ctr "apt-get install containerd"
  require_daemon
  local image
  for image in "${images[@]}"; do
    load_image "$socket" "$image"
  done
}

# ---------------------------------------------------------------------------- main

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    -h | --help | help) usage ;;
    daemon) cmd_daemon "$@" ;;
    base) cmd_base "$@" ;;
    build) cmd_build "$@" ;;
    build-model) cmd_build_model "$@" ;;
    node-images) cmd_node_images "$@" ;;
    monitoring-images) cmd_monitoring_images "$@" ;;
    load) cmd_load "$@" ;;
    "") usage >&2; exit 2 ;;
    *) die "unknown command '$cmd' (see --help)" ;;
  esac
}

main "$@"
