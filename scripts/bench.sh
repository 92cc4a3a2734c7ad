#!/usr/bin/env bash
# Throughput benchmark: the worker end to end on the local stack vs the model's own ceiling, in one JVM.
#
#   scripts/bench.sh [options] [-- extra 'bench run' options]
#
# 1. the full-size (ViT-B/32-sized) random-weight model, made once with scripts/clip_model.py (not committed);
# 2. the image set, made once from ../shared/images (N camera-sized JPEGs of 1-12 MP, every tenth image a 1080p-4K
#    PNG render instead; plus a separate set for the light-load pass), kept under .local/bench;
# 3. the local stack (started if it is not running, with a 4 GB heap for the in-memory S3, and stopped again at the
#    end; a stack that is already running must have been started with CIS_S3_HEAP=4g);
# 4. `cis-worker.jar bench run`: ceiling, light-load latency, cache-cold and cache-warm passes, printed, and this
#    run's row written into the README's results table;
# 5. on the same stack and the same objects, two Python legs (scripts/python_pipeline.py, Debian's python3-torch,
#    python3-pil and python3-boto3, installed when run as root, else skipped): "python", a pipeline as a skilled
#    engineer would write it (Pillow draft mode, a 2-process pool, TorchScript at batch 8 on the model file the
#    worker chose, one _bulk per batch, DeleteMessageBatch), and "seed", the seed design (one image at a time, every
#    pixel decoded, model.pt in fp32, one update per document); then the worker's cold pass against each.
#
# Options:
#   --count N          images in the main set (default 500: camera-sized JPEGs of 1-12 MP, 10% PNG renders)
#   --paced-count N    images in the light-load set (default 200; 0 skips that pass)
#   --paced-rate R     images/s offered in the light-load pass (default 10)
#   --phases LIST      any of ceiling,paced,cold,warm,python,seed,fidelity (default: all)
#   --fidelity-count N images of the set (the first N) that the fidelity phase compares, with ../shared/images
#                      (default 40)
#   --s3-latency MS    put a delay line in front of the local S3 for the worker and the Python legs alike: a TCP
#                      proxy on 127.0.0.1 (scripts/delay_proxy.py) that holds each direction back by MS/2, so every
#                      request costs MS more (S3 in the same region: about 30); default 0, loopback
#   --precision P      MODEL_PRECISION: auto (default: bf16 on a CPU with native bf16 (AMX or AVX512-BF16), else
#                      fp32), fp32, or bf16. The model is exported once with model.pt in fp32 and model-bf16.pt
#                      beside it (what auto and bf16 load); bf16 on a CPU without native bf16 is allowed but slow
#   --profile          profile the worker's cold pass with async-profiler (every thread, Java and native frames):
#                      print its CPU per image by stage and by the work inside decode+preprocess (JPEG, PNG, resize),
#                      fetch (MD5) and the JVM (JIT, GC), and write a flame graph to results/STAMP-cold.html
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
PHASES=ceiling,paced,cold,warm,python,seed,fidelity
FIDELITY_COUNT=40
S3_LATENCY=0
PRECISION=auto
README_ARGS=(--readme README.md)
BUILD=false
PROFILE=false
EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --count) COUNT=$2; shift 2 ;;
    --paced-count) PACED_COUNT=$2; shift 2 ;;
    --paced-rate) PACED_RATE=$2; shift 2 ;;
    --phases) PHASES=$2; shift 2 ;;
    --fidelity-count) FIDELITY_COUNT=$2; shift 2 ;;
    --precision) PRECISION=$2; shift 2 ;;
    --s3-latency) S3_LATENCY=$2; shift 2 ;;
    --profile) PROFILE=true; shift ;;
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
[[ $S3_LATENCY =~ ^[0-9]+$ ]] || { echo "bench.sh: --s3-latency takes whole milliseconds" >&2; exit 2; }
# The worker's phases go to `bench run`; python and seed are the Python legs this script runs after it.
JAVA_PHASES=()
PY_LEGS=()
FIDELITY=false
for phase in ${PHASES//,/ }; do
  case $phase in
    ceiling | paced | cold | warm) JAVA_PHASES+=("$phase") ;;
    python | seed) PY_LEGS+=("$phase") ;;
    fidelity) FIDELITY=true ;;
    *) echo "bench.sh: unknown phase $phase (see --help)" >&2; exit 2 ;;
  esac
done
JAVA_PHASES_ARG=$(IFS=,; echo "${JAVA_PHASES[*]}")
# Only the Python legs: nothing of the worker's to put in the README's table.
[ -n "$JAVA_PHASES_ARG" ] || README_ARGS=()

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
# The Python legs need Debian's python3-torch, python3-pil and python3-boto3 (numpy and urllib3 come with them).
if ((${#PY_LEGS[@]})) && ! "$PYTHON" -c 'import torch, PIL, boto3, numpy, urllib3' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing Debian's python3-torch, python3-pil and python3-boto3 for the Python legs ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch python3-pil \
      python3-boto3 libopenblas0-pthread
  else
    echo "bench: skipping the Python legs (${PY_LEGS[*]}): they need Debian's python3-torch, python3-pil and" \
      "python3-boto3 (apt-get install python3-torch python3-pil python3-boto3 libopenblas0-pthread)" >&2
    PY_LEGS=()
  fi
fi

# Debian's torch does its fp32 matrix products through whatever libblas.so.3 the system selects; without OpenBLAS
# that is the reference BLAS, which made the model 12x slower in Python (4.0 s instead of 0.35 s per image at batch
# 8 on a 2-core Zen 3) and every Python figure meaningless. So the Python legs run only on OpenBLAS.
blas_is_openblas() {
  readlink -f "/usr/lib/$(uname -m)-linux-gnu/libblas.so.3" 2>/dev/null | grep -q openblas
}
if ((${#PY_LEGS[@]})) && ! blas_is_openblas; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing Debian's libopenblas0-pthread (the system BLAS is the slow reference one) ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenblas0-pthread
  fi
  if ! blas_is_openblas; then
    echo "bench: skipping the Python legs (${PY_LEGS[*]}): libblas.so.3 is not OpenBLAS, so Debian's torch would run" \
      "its fp32 model on the reference BLAS (apt-get install libopenblas0-pthread)" >&2
    PY_LEGS=()
  fi
fi

# The set's 16-bit 4K renders weigh up to ~41 MB, over the worker's default MAX_OBJECT_BYTES (10 MB), which an
# operator whose bucket holds such renders raises the same way.
export MAX_OBJECT_BYTES=${MAX_OBJECT_BYTES:-67108864}

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

# The default path's fidelity on this run's own images: IMAGE_DOWNSCALE=dct against the exact decode, and the bf16
# export against fp32 (what MODEL_PRECISION=auto runs on a CPU with native bf16), on the first FIDELITY_COUNT images
# of the set and ../shared/images, with the full-size model. Last, so that it does not load the machine before the
# timed phases.
run_fidelity() {
  local set_dir files
  set_dir=$(ls -d "$BENCH_DIR"/images-v*-n"$COUNT"-seed1 2>/dev/null | sort -V | tail -n 1)
  mapfile -t files < <(find "$set_dir" -name 'img-*' | sort | head -n "$FIDELITY_COUNT")
  echo "fidelity: ${#files[@]} images of the set and ../shared/images ..." | tee -a "$RESULTS_DIR/$STAMP.txt"
  "${JAVA[@]}" bench fidelity --downscale dct --other-model "$MODEL_DIR/model-bf16.pt" --speed-batches 0 \
    "${files[@]}" ../shared/images 2>>"$RESULTS_DIR/$STAMP.log" \
    | grep -E '^(decode\+preprocess \(one thread\)|.* vs .*: [0-9]+ images, min cosine|  [A-Za-z]+: [0-9]+ images)' \
    | tee -a "$RESULTS_DIR/$STAMP.txt" || echo "bench: the fidelity phase failed; see $RESULTS_DIR/$STAMP.log" >&2
}
STAMP=$(date +%Y%m%d-%H%M%S)
if [ -z "$JAVA_PHASES_ARG" ] && ((${#PY_LEGS[@]} == 0)); then
  $FIDELITY && run_fidelity   # nothing else asked for: no stack, no worker run
  exit 0
fi

STARTED_STACK=false
PROXY_PID=
stop_stack() {
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; fi
  if $STARTED_STACK; then scripts/local-stack.sh down || true; fi
}
trap stop_stack EXIT
if ! scripts/local-stack.sh status >/dev/null 2>&1; then
  # The local S3 keeps objects in memory: the image sets (about 2 GB with the PNG renders) need a bigger heap than tests do.
  CIS_S3_HEAP=${CIS_S3_HEAP:-4g} scripts/local-stack.sh up
  STARTED_STACK=true
fi
eval "$(scripts/local-stack.sh env)"

S3_PATH="loopback"
if [ "$S3_LATENCY" -gt 0 ]; then
  # The delay line between everything in this run (the worker, its uploads, the Python legs) and the local S3.
  "$PYTHON" scripts/delay_proxy.py --target "${AWS_ENDPOINT_URL_S3#*://}" --delay-ms "$S3_LATENCY" \
    >"$RESULTS_DIR/$STAMP.proxy" 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 50); do grep -q '^port ' "$RESULTS_DIR/$STAMP.proxy" && break; sleep 0.2; done
  PROXY_PORT=$(sed -n 's/^port //p' "$RESULTS_DIR/$STAMP.proxy")
  [ -n "$PROXY_PORT" ] || { echo "bench: the S3 delay line did not start: $(cat "$RESULTS_DIR/$STAMP.proxy")" >&2; exit 1; }
  export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PROXY_PORT
  S3_PATH="behind a delay line of $S3_LATENCY ms per round trip"
  echo "bench: S3 $S3_PATH (127.0.0.1:$PROXY_PORT)"
fi
PROFILE_ARGS=()
if $PROFILE; then
  PROFILE_ARGS=(--profile "$RESULTS_DIR/$STAMP-cold.html")
fi
echo "bench: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); worker log: $RESULTS_DIR/$STAMP.log"
if ! "${JAVA[@]}" bench run --cache-dir "$BENCH_DIR" --count "$COUNT" --paced-count "$PACED_COUNT" \
  --paced-rate "$PACED_RATE" --phases "$JAVA_PHASES_ARG" "${README_ARGS[@]}" --json "$RESULTS_DIR/$STAMP.json" \
  "${PROFILE_ARGS[@]}" "${EXTRA[@]}" 2>"$RESULTS_DIR/$STAMP.log" | tee "$RESULTS_DIR/$STAMP.txt"; then
  echo "bench: the run failed; the end of its log ($RESULTS_DIR/$STAMP.log):" >&2
  grep -v '^\s*at ' "$RESULTS_DIR/$STAMP.log" | tail -n 5 | cut -c1-400 >&2
  exit 1
fi

# The Python legs, on the same stack and objects, each on its own queue and fresh index (the worker's mapping, made
# by its own create-index), then the worker's cold pass against each.
json_field() { "$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$@"; }
for leg in "${PY_LEGS[@]}"; do
  if [ "$leg" = seed ]; then
    LEG_ARGS=(--seed --model "$MODEL_DIR/model.pt")   # the Lambda the worker replaced ran fp32
  else
    LEG_ARGS=(--model "$(json_field "$RESULTS_DIR/$STAMP.json" model_file)")   # the worker's own choice
  fi
  INDEX=cis-bench-$leg-$(date +%m%d%H%M%S)
  echo "$leg: $(json_field "$RESULTS_DIR/$STAMP.json" images) images sent at once ..." | tee -a "$RESULTS_DIR/$STAMP.txt"
  if ! OPENSEARCH_INDEX=$INDEX "${JAVA[@]}" create-index >>"$RESULTS_DIR/$STAMP.log" 2>&1 \
    || ! "$PYTHON" scripts/python_pipeline.py --bench-json "$RESULTS_DIR/$STAMP.json" --index "$INDEX" \
      --json "$RESULTS_DIR/$STAMP-$leg.json" "${LEG_ARGS[@]}" 2>>"$RESULTS_DIR/$STAMP.log" | tee -a "$RESULTS_DIR/$STAMP.txt"; then
    echo "bench: the $leg leg failed; see $RESULTS_DIR/$STAMP.log" >&2
  fi
done
if ((${#PY_LEGS[@]})); then
  "$PYTHON" - "$RESULTS_DIR/$STAMP" "$S3_PATH" <<'PY' | tee -a "$RESULTS_DIR/$STAMP.txt"
import json, os, sys
stem, s3_path = sys.argv[1], sys.argv[2]
def load(path):
    return json.load(open(path)) if os.path.exists(path) else {}
run = load(stem + ".json")
worker = run.get("cold", {}).get("images_per_second")
print(f"\ncomparison: {run.get('images', '?')} images ({run.get('mean_megapixels', 0):.2f} MP mean), the same stack, S3 {s3_path}")
if worker:
    print(f"  cis-worker, cold pass  {worker:6.1f} images/s  ({os.path.basename(run['model_file'])}, cache on)")
for leg, label in (("python", "Python pipeline"), ("seed", "seed design")):
    r = load(f"{stem}-{leg}.json")
    if r:
        ratio = f"  worker {worker / r['images_per_second']:.2f}x" if worker and r["images_per_second"] else ""
        print(f"  {label:<21}  {r['images_per_second']:6.1f} images/s  ({os.path.basename(r['model_file'])}, "
              f"{r['processes']} process(es) x batch {r['batch']}){ratio}")
PY
fi

if $FIDELITY; then
  run_fidelity
fi
