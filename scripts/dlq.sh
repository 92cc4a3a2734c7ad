#!/usr/bin/env bash
# The dead-letter queue tool: list what is in it, move messages back to the worker queue once the cause is fixed.
#   scripts/dlq.sh list [--max N] [--json]
#   scripts/dlq.sh redrive [--max N]
# Options of both: --queue-url URL (default SQS_QUEUE_URL), --dlq-url URL (default SQS_DLQ_URL, else the target of
# the queue's RedrivePolicy), --config FILE (KEY=VALUE lines).
# Run it with your own operator credentials, passing the queue URLs: the worker's /etc/cis-worker/cis-worker.env is
# readable only by root and the service (0640 root:cis-worker), and under sudo the SDK falls back to the instance
# role, whose policy has no rights on the dead-letter queue. For example:
#   scripts/dlq.sh list --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/cis-worker
# A thin wrapper around `java -jar cis-worker.jar dlq ...`: no aws CLI needed, credentials and region come from the
# AWS SDK's default chains (AWS_PROFILE, AWS_REGION; AWS_ENDPOINT_URL_SQS works for local queues).
set -euo pipefail

repo_jar="$(cd "$(dirname "$0")/.." && pwd)/target/cis-worker.jar"
jar=${CIS_WORKER_JAR:-}
if [[ -z $jar ]]; then
  for candidate in "$repo_jar" /opt/cis-worker/cis-worker.jar; do
    if [[ -f $candidate ]]; then
      jar=$candidate
      break
    fi
  done
fi
if [[ -z $jar || ! -f $jar ]]; then
  echo "dlq.sh: cis-worker.jar not found (build it with 'mvn package', or set CIS_WORKER_JAR)" >&2
  exit 2
fi
if [[ $# -eq 0 ]]; then
  set -- --help
fi
exec "${JAVA:-java}" -jar "$jar" dlq "$@"
