#!/usr/bin/env bash
# Compares worker settings with short benchmark runs: for each combination of settings, the model-only ceiling and a
# cache-cold pass over the first N images of the benchmark set, then one line per combination. This is how the
# thread and batch defaults were chosen (README, benchmark section).
#
#   scripts/bench-matrix.sh [--limit N] [--precision auto|fp32|bf16] "SETTING=VALUE ..." ["SETTING=VALUE ..." ...]
#
# e.g. scripts/bench-matrix.sh --limit 300 "TORCH_NUM_THREADS=2 DECODE_THREADS=2" "INFERENCE_THREADS=2 TORCH_NUM_THREADS=1"
# Settings not named keep their defaults (or whatever the environment sets). Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."

LIMIT=300
PRECISION=auto
while [ $# -gt 0 ]; do
  case $1 in
    --limit) LIMIT=$2; shift 2 ;;
    --precision) PRECISION=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "bench-matrix.sh: give at least one combination of settings (see --help)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench-matrix.sh: needs jq (apt-get install jq)" >&2; exit 2; }

RESULTS_DIR=$(realpath -m "${CIS_BENCH_DIR:-.local/bench}")/results
STARTED_STACK=false
stop_stack() { if $STARTED_STACK; then scripts/local-stack.sh down || true; fi; }
trap stop_stack EXIT
if ! scripts/local-stack.sh status >/dev/null 2>&1; then
  CIS_S3_HEAP=${CIS_S3_HEAP:-4g} scripts/local-stack.sh up
  STARTED_STACK=true
fi

LINES=()
for combo in "$@"; do
  echo "== $combo (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  before=$(ls "$RESULTS_DIR"/*.json 2>/dev/null | tail -1 || true)
  # shellcheck disable=SC2086 # the combination is a list of NAME=VALUE words on purpose
  env $combo scripts/bench.sh --no-readme --precision "$PRECISION" --phases ceiling,cold --paced-count 0 \
    -- --limit "$LIMIT" --ceiling-seconds 15 >/dev/null
  json=$(ls "$RESULTS_DIR"/*.json | tail -1)
  [ "$json" != "$before" ] || { echo "bench-matrix.sh: no result for $combo" >&2; exit 1; }
  LINES+=("$(jq -r --arg combo "$combo" '.cold.indexed as $indexed | [ $combo,
      (.ceiling.imagesPerSecond | . * 10 | round / 10),
      (.cold.images_per_second | . * 10 | round / 10),
      ((.cold.images_per_second / .ceiling.imagesPerSecond * 100) | round | tostring + "%"),
      (.cold.stage_cpu_seconds | to_entries | map(.key + " " + ((.value / $indexed * 1000) | round | tostring)) | join(", ")),
      ((.peak_rss_bytes / 1048576) | round | tostring + " MB") ] | join(" | ")' "$json")")
  echo "${LINES[-1]}"
done
echo
echo "settings | ceiling img/s | end-to-end img/s | ratio | CPU ms per image by stage | peak RSS"
printf '%s\n' "${LINES[@]}"
