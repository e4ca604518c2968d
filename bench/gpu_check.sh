#!/usr/bin/env bash
# One command for a GPU machine: environment, GPU tests, parity, scale, extraction speed.
#
#   bench/gpu_check.sh [--device cuda|cpu] [--small] [--wheel-dir DIR]
#
# Writes $OUT/gpu_check.json (one summary; default OUT=./gpu_check_out) and one log per step,
# $OUT/<step>.log (7 files: what a device run can bring back). Steps:
#   setup       geneb importable? (else, with --wheel-dir, pip-installs it and its dependencies
#               from the wheels there, offline)
#   env         GPU, CUDA, torch, library versions, cuML (installed from --wheel-dir if there)
#   pytest_gpu  pytest -m gpu on the test files that have GPU tests
#   parity      geneb-mini: --backend torch on the device and --backend cuml vs --exact-reference
#   scale       bench_probe_scale.py --full: 4 widths x the 100 GENEB task shapes, cuML vs torch
#   extract     extraction seq/s of random-init BERT-base, a 500M decoder, Mamba (if mamba_ssm)
# Each step runs under its own time limit (together 465 s, within 8 minutes) and fails soft:
# a failed or timed-out step is recorded as failed with the reason, and the next one runs.
# --device cpu --small runs everything end to end on a CPU in about a minute; parts that need
# a GPU are recorded as skipped with the reason. PYTHON overrides the interpreter (default
# .venv/bin/python when present, else python3).
set -u

die() { echo "geneb: error: $*" >&2; exit 2; }

DEVICE=cuda
SMALL=""
WHEELS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --device) [ $# -ge 2 ] || die "--device needs a value: cpu or cuda"; DEVICE=$2; shift 2 ;;
        --small) SMALL=--small; shift ;;
        --wheel-dir) [ $# -ge 2 ] || die "--wheel-dir needs a folder"; WHEELS=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die "unknown option '$1'; use --device cpu|cuda, --small, --wheel-dir DIR" ;;
    esac
done
case "$DEVICE" in cpu|cuda) ;; *) die "--device '$DEVICE': use cpu or cuda" ;; esac
if [ -n "$WHEELS" ]; then
    [ -d "$WHEELS" ] || die "--wheel-dir '$WHEELS' is not a folder"
    WHEELS=$(cd "$WHEELS" && pwd)
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-./gpu_check_out}
mkdir -p "$OUT" || die "cannot create OUT folder '$OUT'"
OUT=$(cd "$OUT" && pwd)
cd "$ROOT"
if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -x .venv/bin/python ]; then PY=$ROOT/.venv/bin/python
else PY=python3; fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX") || die "cannot create a temporary folder"
trap 'rm -rf "$WORK"' EXIT
export PYTHONUNBUFFERED=1 TQDM_DISABLE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export GENEB_BENCH_DIR=$WORK/bench
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# step NAME SECONDS COMMAND...: run under a time limit, log to $OUT/NAME.log, keep the status
step() {
    local name=$1 limit=$2
    shift 2
    echo "== $name (limit ${limit} s)"
    timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    echo "$rc" >"$WORK/$name.rc"
    echo "$limit" >"$WORK/$name.limit"
    echo "   exit status $rc"
}

setup() {  # geneb importable, or installed offline from the wheel folder
    if "$PY" -c "import geneb.probe, geneb.extract"; then
        printf '{"status": "ok", "installed": false}\n' >"$WORK/setup.json"
    elif [ -n "$WHEELS" ]; then
        timeout 35 "$PY" -m pip install --no-index --find-links "$WHEELS" \
            --no-build-isolation -e . \
            && printf '{"status": "ok", "installed": true}\n' >"$WORK/setup.json"
    else
        local why="geneb does not import with $PY; give --wheel-dir with its dependencies' wheels"
        printf '{"status": "failed", "reason": "%s"}\n' "$why" >"$WORK/setup.json"
        return 1
    fi
}

scale_args() {
    if [ -n "$SMALL" ]; then echo "--small --literal-per-regime 1 --compare-width 96"
    elif [ "$DEVICE" = cuda ]; then
        echo "--full --widths 256 768 1024 2560 --literal-per-regime 0 --compare-width 768"
    else echo "--full"; fi
}

echo "== setup"
setup >"$OUT/setup.log" 2>&1
echo $? >"$WORK/setup.rc"
echo 40 >"$WORK/setup.limit"
WHEEL_ARGS=()
[ -n "$WHEELS" ] && WHEEL_ARGS=(--wheel-dir "$WHEELS")
step env 30 "$PY" bench/gpu_env.py --device "$DEVICE" --json "$WORK/env.json" "${WHEEL_ARGS[@]}"
mapfile -t GPU_TESTS < <(grep -rl --include='test_*.py' 'mark.gpu' tests | sort)
step pytest_gpu 75 "$PY" -m pytest -m gpu -q -p no:cacheprovider \
    --junitxml="$WORK/pytest_gpu.xml" "${GPU_TESTS[@]}"
step parity 90 "$PY" bench/gpu_parity.py --device "$DEVICE" $SMALL --json "$WORK/parity.json"
# shellcheck disable=SC2046
step scale 155 "$PY" bench/bench_probe_scale.py --device "$DEVICE" $(scale_args) \
    --json "$WORK/scale.json" --workdir "$WORK/scale"
step extract 75 "$PY" bench/gpu_extract.py --device "$DEVICE" $SMALL --json "$WORK/extract.json"

COMMIT=$(git rev-parse HEAD 2>/dev/null || true)
"$PY" bench/gpu_check_summary.py --work "$WORK" --out "$OUT" --device "$DEVICE" $SMALL \
    --started "$STARTED" --commit "$COMMIT" || die "could not write $OUT/gpu_check.json"
echo "wrote $OUT/gpu_check.json"
