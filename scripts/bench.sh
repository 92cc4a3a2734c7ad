#!/usr/bin/env bash
# Throughput benchmark: the worker end to end on the local stack vs the model's own ceiling, in one JVM.
#
#   scripts/bench.sh [options] [-- extra 'bench run' options]
#
# 1. the full-size (ViT-B/32-sized) random-weight model, made once with scripts/clip_model.py (not committed);
# 2. the image set, made once from ../shared/images with Java ImageIO (N camera-sized JPEGs of 1-12 MP, plus a
#    separate set for the light-load pass), kept under .local/bench;
# 3. the local stack (started if it is not running, with a 2 GB heap for the in-memory S3, and stopped again at the
#    end; a stack that is already running must have been started with CIS_S3_HEAP=2g);
# 4. `cis-worker.jar bench run`: ceiling, light-load latency, cache-cold and cache-warm passes, printed, and this
#    run's row written into the README's results table.
#
# Options:
#   --count N          images in the main set (default 500: camera-sized JPEGs of 1-12 MP)
#   --paced-count N    images in the light-load set (default 200; 0 skips that pass)
#   --paced-rate R     images/s offered in the light-load pass (default 10)
#   --phases LIST      any of ceiling,paced,cold,warm (default: all)
#   --precision P      MODEL_PRECISION: auto (default: bf16 on a CPU with native bf16 (AMX or AVX512-BF16), else
#                      fp32), fp32, or bf16. The model is exported once with model.pt in fp32 and model-bf16.pt
#                      beside it (what auto and bf16 load); bf16 on a CPU without native bf16 is allowed but slow
#   --no-readme        do not touch README.md
#   --build            rebuild target/cis-worker.jar first (it is built anyway when missing)
# Worker settings (BATCH_MAX_SIZE, TORCH_NUM_THREADS, DECODE_THREADS, ...) come from the environment, as for the
# daemon. Also read: CIS_BENCH_DIR (default .local/bench), CIS_BENCH_JAVA_OPTS (default -Xmx1g), the local stack's
# CIS_* port and state-dir variables (see scripts/local-stack.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=500
PACED_COUNT=200
PACED_RATE=10
PHASES=ceiling,paced,cold,warm
PRECISION=auto
README_ARGS=(--readme README.md)
BUILD=false
EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --count) COUNT=$2; shift 2 ;;
    --paced-count) PACED_COUNT=$2; shift 2 ;;
    --paced-rate) PACED_RATE=$2; shift 2 ;;
    --phases) PHASES=$2; shift 2 ;;
    --precision) PRECISION=$2; shift 2 ;;
    --no-readme) README_ARGS=(); shift ;;
    --build) BUILD=true; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $PRECISION in
  auto | fp32 | bf16) ;;
  *) echo "bench.sh: --precision must be auto, fp32 or bf16" >&2; exit 2 ;;
esac

BENCH_DIR=$(realpath -m "${CIS_BENCH_DIR:-.local/bench}")
RESULTS_DIR=$BENCH_DIR/results
mkdir -p "$RESULTS_DIR"
PYTHON=/usr/bin/python3   # Debian's python3-torch, not a pyenv python on PATH

# The full-size random model as the export script now writes it: model.pt in fp32, model-bf16.pt beside it.
is_full_size() {
  [ -f "$1/model.pt" ] && [ -f "$1/model.json" ] && [ -f "$1/model-bf16.pt" ] && [ -f "$1/model-bf16.json" ] \
    && grep -q '"source": *"random-full-size"' "$1/model.json" \
    && grep -q '"dtype": *"float32"' "$1/model.json"
}

MODEL_DIR=$BENCH_DIR/model-full
if ! is_full_size "$MODEL_DIR"; then
  if is_full_size /tmp/clip-full; then
    MODEL_DIR=/tmp/clip-full   # made earlier by the fidelity work; same script, same seed
  else
    if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
      # The export needs PyTorch for Python, from Debian's packages (the BLAS library is what torch imports).
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench: installing Debian's python3-torch for the model export ..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread
      else
        echo "bench: exporting the model needs Debian's python3-torch (apt-get install python3-torch libopenblas0-pthread)" >&2
        exit 2
      fi
    fi
    echo "bench: exporting the full-size random model (fp32 and bf16) to $MODEL_DIR ..."
    "$PYTHON" scripts/clip_model.py --full-size-random --out "$MODEL_DIR"
  fi
fi
MODEL_NAME_IN_JSON=$(sed -n 's/.*"model_name": *"\([^"]*\)".*/\1/p' "$MODEL_DIR/model.json")
export MODEL_PATH=$MODEL_DIR/model.pt MODEL_NAME=$MODEL_NAME_IN_JSON MODEL_PRECISION=$PRECISION

if $BUILD || [ ! -f target/cis-worker.jar ]; then
  mvn -q -B package -DskipTests
fi
read -r -a JAVA_OPTS <<<"${CIS_BENCH_JAVA_OPTS:--Xmx1g}"
# (The status listener keeps logback's own start-up chatter off stdout, where the report goes.)
JAVA=(java "${JAVA_OPTS[@]}" -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener
  --enable-native-access=ALL-UNNAMED -jar target/cis-worker.jar)

"${JAVA[@]}" bench images --cache-dir "$BENCH_DIR" --count "$COUNT" --paced-count "$PACED_COUNT" \
  --shared-images ../shared/images

STARTED_STACK=false
stop_stack() { if $STARTED_STACK; then scripts/local-stack.sh down || true; fi; }
trap stop_stack EXIT
if ! scripts/local-stack.sh status >/dev/null 2>&1; then
  # The local S3 keeps objects in memory: the image sets (about 750 MB) need a bigger heap than tests do.
  CIS_S3_HEAP=${CIS_S3_HEAP:-2g} scripts/local-stack.sh up
  STARTED_STACK=true
fi
eval "$(scripts/local-stack.sh env)"

STAMP=$(date +%Y%m%d-%H%M%S)
echo "bench: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); worker log: $RESULTS_DIR/$STAMP.log"
if ! "${JAVA[@]}" bench run --cache-dir "$BENCH_DIR" --count "$COUNT" --paced-count "$PACED_COUNT" \
  --paced-rate "$PACED_RATE" --phases "$PHASES" "${README_ARGS[@]}" --json "$RESULTS_DIR/$STAMP.json" \
  "${EXTRA[@]}" 2>"$RESULTS_DIR/$STAMP.log" | tee "$RESULTS_DIR/$STAMP.txt"; then
  echo "bench: the run failed; the end of its log ($RESULTS_DIR/$STAMP.log):" >&2
  grep -v '^\s*at ' "$RESULTS_DIR/$STAMP.log" | tail -n 5 | cut -c1-400 >&2
  exit 1
fi
