#!/usr/bin/env bash
# MLflow tracking server from PyPI in a virtualenv, with the Postgres driver (backend store)
# and boto3 (S3 artifact store). Same pins as the MLflow image the platform deploys.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

venv="$DRIFT_LOOP_CACHE/mlflow-$MLFLOW_VERSION"
marker="$venv/.drift-loop-installed"
# [auth]: the basic-auth app the platform runs (--app-name basic-auth) needs Flask-WTF.
pins=("mlflow[auth]==$MLFLOW_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION" "boto3==$BOTO3_VERSION")
constraints="$DRIFT_LOOP_ROOT/scripts/mlflow-constraints.txt"
# Every other package is held at the tested version too, unless regenerating that list.
constrain=(-c "$constraints")
if [ "${DRIFT_LOOP_MLFLOW_UNLOCKED:-}" = 1 ]; then constrain=(); fi
[ ${#constrain[@]} -eq 0 ] || [ -f "$constraints" ] || die "missing $constraints"
lock_id="unlocked"
[ ${#constrain[@]} -eq 0 ] || lock_id="$(sha256sum "$constraints" | cut -c1-16)"
want="${pins[*]} constraints:$lock_id"

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -x "$venv/bin/mlflow" ]; then
  log "MLflow $MLFLOW_VERSION already installed: $venv"
  exit 0
fi

python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "python3 is needed for MLflow; install Python >= 3.10 and re-run (or set PYTHON=/path/to/python3)."
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "MLflow $MLFLOW_VERSION needs Python >= 3.10; $python is $("$python" --version 2>&1)"

# A venv whose interpreter no longer runs (interrupted create, removed Python) is rebuilt.
if [ -d "$venv" ] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "removing a broken virtualenv at $venv"
  rm -rf "$venv"
fi
if [ ! -d "$venv" ]; then
  log "creating virtualenv $venv ($("$python" --version 2>&1))"
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if command -v apt-get >/dev/null 2>&1 && [ "$(command -v "$python")" = /usr/bin/python3 ]; then
      log "python3 has no venv module; installing Debian's python3-venv"
      apt_get update -q
      apt_get install -y -q --no-install-recommends python3-venv
      "$python" -m venv "$venv"
    else
      die "'$python -m venv' failed; install the venv module for $python and re-run"
    fi
  fi
fi

rm -f "$marker"
log "installing ${pins[*]} (pip; a few minutes on a cold machine)"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off "${constrain[@]}" "${pins[@]}" 2>&1 \
  | { grep -vE '^\s*(Requirement already satisfied|Using cached|Downloading)' || true; } | sed 's/^/    /'; then
  die "pip install ${pins[*]} failed (see above)"
fi
"$venv/bin/python" - "$MLFLOW_VERSION" <<'PY' || die "the virtualenv at $venv does not import mlflow/psycopg2/boto3 at the pinned versions"
import sys, importlib.metadata as md
import mlflow, psycopg2, boto3, flask_wtf  # noqa: F401
assert md.version("mlflow") == sys.argv[1], md.version("mlflow")
PY
printf '%s' "$want" >"$marker"
log "MLflow $MLFLOW_VERSION installed: $venv"
