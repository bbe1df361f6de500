# The pod sandbox image registry.k8s.io/pause:3.10.1 (registry.k8s.io is unreachable here):
# the static pause binary scripts/e2e/build-toolchain.sh builds from k8s.io/kubernetes,
# laid out as upstream's image (build/pause/Dockerfile): FROM scratch, non-root.
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
