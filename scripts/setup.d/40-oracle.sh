#!/usr/bin/env bash
# Oracle for the drift statistics tests (tests/stats/): a Python venv with pinned
# Evidently (legacy DataDriftPreset and stattests), numpy, scipy and pandas.
# Idempotent: a marker holds the hash of the pins; a warm run only checks it.
set -euo pipefail

CACHE="${DRIFT_LOOP_CACHE:-$HOME/.cache/drift-loop}"
VENV="$CACHE/oracle-venv"
MARKER="$VENV/.drift-loop-oracle"

# Full pin set (pip freeze of a working install). evidently 0.7.23 still ships the
# legacy API (evidently.legacy.*); it does not import with pandas 3, hence pandas 2.3.3.
PINS="$(cat <<'PINS_EOF'
evidently==0.7.23
numpy==2.4.6
scipy==1.17.1
pandas==2.3.3
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
appdirs==1.4.4
certifi==2026.10.18
cffi==2.1.1
charset-normalizer==3.5.2
click==8.5.1
cloudpickle==3.1.2
cryptography==50.0.2
defusedxml==0.7.1
deprecation==2.1.0
distro==1.9.0
dynaconf==3.3.5
Faker==40.54.0
filelock==4.2.11
formulaic==1.2.2
fsspec==2026.9.0
h11==0.16.0
httpcore==1.0.9
httptools==0.9.0
httpx==0.28.1
idna==3.20
interface_meta==2.0.1
iterative-telemetry==0.0.10
joblib==1.6.0
litestar==2.25.0
litestar-htmx==0.5.0
markdown-it-py==4.3.0
mdurl==0.1.2
msgspec==0.22.0
multidict==7.2.1
multipart==2.0.1
mypy_extensions==1.2.0
narwhals==2.29.0
nltk==3.10.4
opentelemetry-proto==1.45.2
packaging==26.3
patsy==1.0.3
plotly==5.24.1
polyfactory==3.5.0
protobuf==7.36.2
pyarrow==26.0.1
pycparser==3.12
pydantic==2.14.3
pydantic_core==2.50.4
Pygments==2.21.0
python-dateutil==4.0.0
python-dotenv==1.2.4
pytz==2026.6
PyYAML==6.0.3
regex==2026.11.15
requests==2.34.2
rich==15.0.0
rich-click==1.9.9
scikit-learn==1.9.1
shellingham==1.5.4
sniffio==1.3.1
statsmodels==0.15.0
tenacity==9.2.1
threadpoolctl==3.8.0
tqdm==4.70.1
typer==0.29.2
typing-inspect==0.9.0
typing-inspection==0.4.5
typing_extensions==4.16.0
tzdata==2026.6
ujson==6.1.0
urllib3==2.8.0
uuid6==2025.0.1
uvicorn==0.54.0
uvloop==0.23.0
watchdog==7.1.0
watchfiles==1.3.0
websockets==17.4
wrapt==2.5.2
PINS_EOF
)"
HASH="$(printf '%s' "$PINS" | sha256sum | cut -d' ' -f1)"

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$HASH" && -x "$VENV/bin/python" ]]; then
  echo "[40-oracle] oracle venv up to date: $VENV"
  exit 0
fi

PY=""
for cand in python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
    PY="$(command -v "$cand")"
    break
  fi
done
if [[ -z "$PY" ]]; then
  echo "[40-oracle] error: Python 3.11 is needed for the test oracle (python3.11 or python3 on PATH)" >&2
  exit 1
fi

echo "[40-oracle] creating $VENV with $PY (evidently 0.7.23, numpy 2.4.6, scipy 1.17.1, pandas 2.3.3); takes a few minutes cold"
rm -rf "$VENV"
mkdir -p "$CACHE"
"$PY" -m venv "$VENV"
REQ="$(mktemp)"
trap 'rm -f "$REQ"' EXIT
printf '%s\n' "$PINS" >"$REQ"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$REQ"
"$VENV/bin/python" -c 'import evidently.legacy.metric_preset, scipy.stats, numpy, pandas' \
  || { echo "[40-oracle] error: the oracle venv does not import evidently.legacy" >&2; exit 1; }
printf '%s' "$HASH" >"$MARKER"
echo "[40-oracle] oracle venv ready: $VENV"
