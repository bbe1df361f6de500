# MinIO stopped publishing container images in late 2025. This builds the server from source
# at the pinned module version of its last open-source release (scripts/versions.env), the
# same way the local test services install it (`go install`, MinIO's documented source build).
ARG GO_IMAGE=golang:1.24.6-bookworm
ARG RUNTIME_IMAGE=debian:12.12-slim
FROM ${GO_IMAGE} AS build
ARG MINIO_MODULE=github.com/minio/minio
ARG MINIO_MODULE_VERSION
ARG MINIO_RELEASE
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
RUN test -n "$MINIO_MODULE_VERSION" \
 && go install -ldflags "-s -w -X github.com/minio/minio/cmd.ReleaseTag=${MINIO_RELEASE}" "${MINIO_MODULE}@${MINIO_MODULE_VERSION}"

FROM ${RUNTIME_IMAGE}
COPY --from=build /go/bin/minio /usr/local/bin/minio
RUN groupadd --gid 10002 minio \
 && useradd --uid 10002 --gid 10002 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin minio \
 && mkdir -p /data && chown 10002:10002 /data
USER 10002:10002
EXPOSE 9000 9001
ENTRYPOINT ["minio"]
CMD ["server", "/data", "--console-address", ":9001"]
