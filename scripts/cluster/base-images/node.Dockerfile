# Stand-in for the official node:20.20.2-bookworm-slim (Docker Hub is unreachable here):
# the debian:bookworm-slim stand-in plus this machine's Node.js binary and its npm and
# corepack, in the official image's layout (/usr/local/bin, /usr/local/lib/node_modules).
# Built by scripts/cluster/images.sh base, which assembles the context:
#   node        the node binary (checked to be v20.20.2 before the build)
#   node_modules/{npm,corepack}
FROM debian:bookworm-slim
# The official image's user: uid/gid 1000, home /home/node (our Dockerfiles run USER 1000).
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack \
 && node --version && npm --version
ENV NODE_VERSION=20.20.2
# The build host's extra CAs, which the debian stand-in carries in /usr/local/share/ca-certificates
# (none: an empty file). Node.js has its own CA list and ignores the system's, so npm ci in
# our builds would not trust a TLS-intercepting egress proxy without this.
RUN cat /usr/local/share/ca-certificates/*.crt >/usr/local/share/node-extra-ca-certs.pem 2>/dev/null || true
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/node-extra-ca-certs.pem
CMD ["node"]
