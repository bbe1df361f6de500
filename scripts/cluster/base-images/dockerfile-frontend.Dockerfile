# Stand-in for docker/dockerfile:1, the BuildKit Dockerfile frontend that a
# `# syntax=docker/dockerfile:1` line makes BuildKit fetch (Docker Hub is unreachable here).
# BuildKit looks the frontend image up in the local image store first, so this one is used.
# Built from the BuildKit module on the Go module proxy, laid out as upstream's image
# (frontend/dockerfile/cmd/dockerfile-frontend/Dockerfile): one static binary, FROM scratch.
# Build arg BUILDKIT_VERSION: the github.com/moby/buildkit module version.
FROM golang:1.24.6-bookworm AS build
ARG BUILDKIT_VERSION
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
# Built inside the downloaded module, as its main module: `go install pkg@version` refuses
# BuildKit because its go.mod has exclude directives. Its go.sum pins every dependency.
RUN test -n "$BUILDKIT_VERSION" \
 && go mod download -json "github.com/moby/buildkit@${BUILDKIT_VERSION}" >/tmp/buildkit.json \
 && cd "$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' /tmp/buildkit.json)" \
 && go build -tags "netgo static_build osusergo" -ldflags "-s -w" \
      -o /out/bin/dockerfile-frontend ./frontend/dockerfile/cmd/dockerfile-frontend

FROM scratch
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
COPY --from=build /out/bin/dockerfile-frontend /bin/dockerfile-frontend
ENTRYPOINT ["/bin/dockerfile-frontend"]
