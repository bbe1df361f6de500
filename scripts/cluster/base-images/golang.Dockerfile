# Stand-in for the official golang:1.24.6-bookworm (Docker Hub is unreachable here): the
# debian:bookworm-slim stand-in plus ca-certificates, git and this machine's Go toolchain
# (a newer Go than the name says; GOTOOLCHAIN=local keeps it from downloading another).
# Built by scripts/cluster/images.sh base, which puts the host's GOROOT in the context as go/.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOTOOLCHAIN=local \
    GOPATH=/go \
    PATH=/usr/local/go/bin:/go/bin:$PATH
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go
