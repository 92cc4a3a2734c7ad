#!/usr/bin/env bash
# Sends S3 "ObjectCreated:Put" notifications (the same JSON S3 sends) for objects that already exist, for when S3
# cannot send them itself: local emulators, objects fed by hand, re-processing a folder.
#
#   scripts/enqueue-s3-events.sh BUCKET KEY...            # these keys
#   scripts/enqueue-s3-events.sh BUCKET --prefix PREFIX   # every object under PREFIX
#
# Queue: $SQS_QUEUE_URL (or --queue-url URL). AWS endpoints, region and credentials come from the usual AWS
# variables (eval "$(scripts/local-stack.sh env)" for the local stack).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
bucket=$1
shift
[ -f target/cis-worker.jar ] || mvn -q -B -ntp package -DskipTests
exec java -jar target/cis-worker.jar enqueue --bucket "$bucket" "$@"
