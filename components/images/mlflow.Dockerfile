# The MLflow tracking server with the Postgres driver and the S3 client it needs.
# Build args come from scripts/versions.env (the same pins the local test services use);
# the Images component (components/images/index.ts) passes them. Build context: the project root;
# every other package is held at the version the tests ran (scripts/mlflow-constraints.txt),
# so a dependency's new release cannot change the server (SQLAlchemy 2.1 once did).
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm
FROM ${PYTHON_IMAGE}
ARG MLFLOW_VERSION
ARG PSYCOPG2_VERSION
ARG BOTO3_VERSION
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY scripts/mlflow-constraints.txt /tmp/mlflow-constraints.txt
RUN test -n "$MLFLOW_VERSION" && test -n "$PSYCOPG2_VERSION" && test -n "$BOTO3_VERSION" \
 && pip install -c /tmp/mlflow-constraints.txt "mlflow[auth]==${MLFLOW_VERSION}" "psycopg2-binary==${PSYCOPG2_VERSION}" "boto3==${BOTO3_VERSION}" \
 && rm /tmp/mlflow-constraints.txt \
 && groupadd --gid 10001 mlflow \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin mlflow
# Runs as a numeric non-root user with a read-only root filesystem; /tmp is an emptyDir.
USER 10001:10001
WORKDIR /tmp
EXPOSE 5000
ENTRYPOINT ["mlflow"]
CMD ["server", "--host", "0.0.0.0", "--port", "5000"]
