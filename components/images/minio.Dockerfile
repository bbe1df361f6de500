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
# The proxy serves the module's .mod and .zip at this pseudo-version but no .info (403), and
# the checksum database has no record of it (as scripts/setup.d/20-minio.sh found): write the
# .info from the commit time, skip the checksum database for this one module, and check the
# zip's hash against the pin instead.
ARG MINIO_COMMIT_TIME
ARG MINIO_ZIP_H1
RUN test -n "$MINIO_MODULE_VERSION" && test -n "$MINIO_COMMIT_TIME" && test -n "$MINIO_ZIP_H1" \
 && dl="$(go env GOMODCACHE)/cache/download/${MINIO_MODULE}/@v" && mkdir -p "$dl" \
 && printf '{"Version":"%s","Time":"%s"}\n' "$MINIO_MODULE_VERSION" "$MINIO_COMMIT_TIME" >"$dl/$MINIO_MODULE_VERSION.info" \
 && export GONOSUMDB="$MINIO_MODULE" \
 && go mod download "$MINIO_MODULE@$MINIO_MODULE_VERSION" \
 && test "$(cat "$dl/$MINIO_MODULE_VERSION.ziphash")" = "$MINIO_ZIP_H1" \
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
