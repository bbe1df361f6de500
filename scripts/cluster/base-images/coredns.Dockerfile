# CoreDNS for the local cluster's node (registry.k8s.io is unreachable here): the static
# binary scripts/e2e/build-toolchain.sh builds (CoreDNS with kubeadm's plugins), laid out as
# upstream's image: FROM scratch, non-root (the pod binds port 53 through the
# net.ipv4.ip_unprivileged_port_start sysctl, not a capability).
FROM scratch
COPY coredns /coredns
USER 65532:65532
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
