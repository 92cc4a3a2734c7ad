#!/usr/bin/env bash
# The whole job on one machine, with real local stand-ins for SQS, S3, DynamoDB and OpenSearch:
# build -> start the local services -> upload the sample photos under realistic keys -> enqueue their S3
# notifications -> run the worker until the queue is drained -> show each key's outcome and the nearest
# neighbours of one photo, and write an HTML page to judge them by eye.
#
# Uses the small test model bundled in src/test/resources/clip-small unless MODEL_PATH points at a real export
# (scripts/clip_model.py / scripts/export-production-model.sh). The bundled model has RANDOM weights: neighbours
# are not semantic until MODEL_PATH points at the exported openai/clip-vit-base-patch32.
#
# Leaves the local services running for you to explore (scripts/local-stack.sh down stops them).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
images=${CIS_DEMO_IMAGES:-$repo/../shared/images}
out=$repo/.local/demo
mkdir -p "$out"
start_time=$(date +%s)

step() { printf '\n== %s\n' "$*"; }

step "build"
if [ ! -f target/cis-worker.jar ] || [ -n "$(find src pom.xml -newer target/cis-worker.jar -print -quit)" ]; then
  mvn -q -B -ntp package -DskipTests
fi
echo "target/cis-worker.jar"

step "local services"
scripts/local-stack.sh up
eval "$(scripts/local-stack.sh env)"
java -jar target/cis-worker.jar create-index

if [ -z "${MODEL_PATH:-}" ]; then
  export MODEL_PATH=$repo/src/test/resources/clip-small/model.pt
  export MODEL_NAME=cis-test/clip-vit-small-random
  echo "model: bundled small test model with RANDOM weights (set MODEL_PATH/MODEL_NAME for the real CLIP)"
fi

step "upload the photos from $images"
urlencode() {  # percent-encode a key for a path-style URL, keeping '/'
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in [a-zA-Z0-9.~_/-]) out+=$c ;; *) out+=$(printf '%%%02X' "'$c") ;; esac
  done
  printf '%s' "$out"
}
run_id=$(date +%Y%m%d-%H%M%S)
prefix="demo/$run_id/"
count=0
while IFS= read -r -d '' file; do
  name=${file#"$images"/}
  case $name in README.md) continue ;; esac
  # Realistic keys: folders, a space, a non-ASCII letter.
  key="${prefix}Été photos/${name/formats\//odd formats/}"
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$file" \
    "$AWS_ENDPOINT_URL_S3/$S3_BUCKET/$(urlencode "$key")" -o /dev/null
  count=$((count + 1))
done < <(find "$images" -type f -print0 | sort -z)
echo "uploaded $count objects to s3://$S3_BUCKET/$prefix"

step "enqueue their S3 notifications"
scripts/enqueue-s3-events.sh "$S3_BUCKET" --prefix "$prefix"

step "run the worker until the queue is drained"
worker_start=$(date +%s)
EXIT_WHEN_IDLE_SECONDS=5 METRICS_PORT=0 java -Xmx1g --enable-native-access=ALL-UNNAMED -jar target/cis-worker.jar \
  2> "$out/worker.log" || { echo "worker failed, see $out/worker.log"; tail -20 "$out/worker.log"; exit 1; }
echo "worker finished in $(( $(date +%s) - worker_start )) s (log: $out/worker.log)"

step "result"
java -jar target/cis-worker.jar demo-report --log "$out/worker.log" --bucket "$S3_BUCKET" \
  --query-key "${prefix}Été photos/chelsea.png" -k 5 --html "$out/neighbours.html"

printf '\nDone in %s s. The bundled model has random weights, so these neighbours are not semantic.\n' \
  "$(( $(date +%s) - start_time ))"
echo "Local services are still running: scripts/local-stack.sh down"
