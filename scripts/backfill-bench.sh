#!/usr/bin/env bash
# Backfill throughput on the local stack: indexes N documents (default 1000) whose keys point at photos from
# ../shared/images, runs `cis-worker --backfill` in direct mode over them, and prints images/s from its summary.
#
#   scripts/backfill-bench.sh [--count N] [--model DIR] [--cache on|off]
#
# --model DIR holds model.pt and model.json (default: the small test model; the full-size random model comes from
#   /usr/bin/python3 scripts/clip_model.py --full-size-random --out /tmp/clip-full).
# --cache off (default) embeds every document; the documents share 11 photos, so with the cache on most are hits.
# Needs target/cis-worker.jar and a running local stack with its environment:
#   scripts/local-stack.sh up && eval "$(scripts/local-stack.sh env)"
set -euo pipefail
cd "$(dirname "$0")/.."

count=1000 model_dir=src/test/resources/clip-small cache=off
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --model) model_dir="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    *) echo "usage: $0 [--count N] [--model DIR] [--cache on|off]" >&2; exit 2 ;;
  esac
done
: "${AWS_ENDPOINT_URL_S3:?start the local stack and eval \"\$(scripts/local-stack.sh env)\" first}"
: "${OPENSEARCH_ENDPOINT:?start the local stack and eval \"\$(scripts/local-stack.sh env)\" first}"
[ -f target/cis-worker.jar ] || { echo "build the jar first: mvn -q -B package -DskipTests" >&2; exit 2; }

model_name=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_name"])' "$model_dir/model.json")
dimension=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("dimension", 512))' "$model_dir/model.json")
run_id="backfill-bench-$$"
bucket="$run_id" index="$run_id" table="cis-image-embedding-cache"
photos=(rocket.jpg coffee.png chelsea.png astronaut.png camera.png coins.png horse.png
        formats/rocket-large.jpg formats/astronaut-progressive.jpg formats/coffee.webp formats/chelsea-exif-rotated.jpg)
log=$(mktemp /tmp/backfill-bench.XXXXXX.log)

cleanup() {
  curl -s -o /dev/null -X DELETE "$OPENSEARCH_ENDPOINT/$index" || true
  for p in "${photos[@]}"; do curl -s -o /dev/null -X DELETE "$AWS_ENDPOINT_URL_S3/$bucket/photos/${p//\//-}" || true; done
  curl -s -o /dev/null -X DELETE "$AWS_ENDPOINT_URL_S3/$bucket" || true
}
trap cleanup EXIT

curl -sf -o /dev/null -X PUT "$AWS_ENDPOINT_URL_S3/$bucket"
for p in "${photos[@]}"; do
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary "@../shared/images/$p" "$AWS_ENDPOINT_URL_S3/$bucket/photos/${p//\//-}"
done

export OPENSEARCH_INDEX="$index" MODEL_PATH="$model_dir/model.pt" MODEL_NAME="$model_name" VECTOR_DIMENSION="$dimension"
export S3_FORCE_PATH_STYLE=true METRICS_PORT=0 LOG_FORMAT=json EMBEDDING_CACHE_TABLE="$table"
export EMBEDDING_CACHE_ENABLED=$([ "$cache" = on ] && echo true || echo false)
java -jar target/cis-worker.jar create-index >/dev/null 2>&1
/usr/bin/python3 - "$count" "$bucket" "${photos[@]}" > "$log.ndjson" <<'PY'
import json, sys
count, bucket, photos = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
for n in range(count):
    key = "photos/" + photos[n % len(photos)].replace("/", "-")
    print(json.dumps({"index": {"_id": "bench-%05d" % n}}))
    print(json.dumps({"s3_bucket": bucket, "s3_key": key, "s3_url": "s3://%s/%s" % (bucket, key)}))
PY
curl -sf -o /dev/null -X POST "$OPENSEARCH_ENDPOINT/$index/_bulk?refresh=true" \
  -H 'Content-Type: application/x-ndjson' --data-binary "@$log.ndjson"
rm -f "$log.ndjson"

# CPU time as well as wall time: on a shared machine, images per CPU-second says more than images/s.
TIMEFORMAT='%R %U %S'
set +e
{ time java --enable-native-access=ALL-UNNAMED -jar target/cis-worker.jar --backfill >/dev/null 2>"$log"; } 2>"$log.time"
status=$?
set -e
read -r wall user sys < "$log.time"
rm -f "$log.time"

/usr/bin/python3 - "$log" "$model_name" "$cache" "$wall" "$user" "$sys" "$status" "$(nproc)" <<'PY'
import json, sys
log, model, cache, wall, user, system, status, cores = sys.argv[1:]
wall, cpu = float(wall), float(user) + float(system)
summary = None
for line in open(log):
    if line.startswith("{"):
        d = json.loads(line)
        if d.get("message") == "backfill finished":
            summary = d
if summary is None:
    sys.exit("no summary in " + log)
with open("/proc/loadavg") as f:
    load = f.read().split()[0]
print("model %s, cache %s: %d documents, %d indexed (%d cache hits), %d failed; %.1f s selecting to done, "
      "%.1f images/s; %.1f s wall and %.1f CPU-s with start-up (%.1f images per CPU-second), %s cores, "
      "load average %s at the end; exit %s" % (
          model, cache, summary["selected"], summary["indexed"], summary["cache_hits"],
          sum(summary["failed_permanently"].values()) + sum(summary["failed_transiently"].values()),
          summary["elapsed_seconds"], summary["images_per_second"], wall, cpu, summary["selected"] / cpu, cores,
          load, status))
PY
echo "log: $log"
