#!/usr/bin/env bash
# Debian's packages for the local single-node cluster (npm run cluster, npm run demo, the e2e
# tests' real node) and for building our images: containerd and its shims (runc itself is
# built by scripts/e2e/build-toolchain.sh: Debian's 1.1.5 fails every pod sandbox here), the
# CNI plugins (bridge, host-local, loopback, portmap), iptables/ipset/conntrack for
# kube-proxy and kube-router, docker.io (a private dockerd builds our Dockerfiles),
# mmdebstrap (the base-image stand-ins), and libseccomp-dev + pkg-config for runc's build.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

# command -> the package that provides it
declare -A NEEDED=(
  [containerd]=containerd
  [containerd-shim-runc-v2]=containerd
  [ctr]=containerd
  [dockerd]=docker.io
  [iptables]=iptables
  [ipset]=ipset
  [conntrack]=conntrack
  [mmdebstrap]=mmdebstrap
  [pkg-config]=pkg-config
)
missing=()
for cmd in "${!NEEDED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
done
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/portmap ] || missing+=(containernetworking-plugins)
[ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)

if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing for the local cluster: ${missing[*]}; apt-get is not available: install them and re-run."
  mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing Debian packages for the local cluster: ${pkgs[*]}"
  apt_get update -q
  # With their recommended packages, as they were tried here (docker.io recommends pigz, xz-utils, git).
  apt_get install -y -q "${pkgs[@]}"
fi
log "local cluster packages: containerd $(containerd --version | awk '{print $3}'), docker $(dockerd --version | awk '{print $3}' | tr -d ,), CNI plugins in /usr/lib/cni, $(iptables --version)"
