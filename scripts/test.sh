#!/usr/bin/env bash
# Runs every test: unit tests, then the integration tests against real local SQS, S3, DynamoDB and OpenSearch,
# which this script starts and always stops again. Usage: scripts/test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
  echo "test.sh: needs java (17+) and maven on PATH" >&2
  exit 2
fi
if [ ! -d ../shared/images ]; then
  echo "test.sh: the test images are expected in ../shared/images (beside this checkout)" >&2
  exit 2
fi

# Two Debian tools some tests use: systemd-analyze (verifies the systemd unit) and jq (scripts/aws-setup.sh).
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
      || echo "test.sh: could not install ${missing[*]}; the tests that need them will be skipped" >&2
  else
    echo "test.sh: ${missing[*]} not installed (and not root to apt-get them): the tests that need them will be skipped" >&2
  fi
fi

# Separate state for the test stack, so it never touches a stack a developer has running.
export CIS_STACK_DIR="${CIS_STACK_DIR:-$PWD/.local/test-stack}"
export CIS_SQS_PORT="${CIS_SQS_PORT:-19324}" CIS_S3_PORT="${CIS_S3_PORT:-19000}"
export CIS_DYNAMODB_PORT="${CIS_DYNAMODB_PORT:-18000}" CIS_OPENSEARCH_PORT="${CIS_OPENSEARCH_PORT:-19200}"

cleanup() { scripts/local-stack.sh down || true; }
trap cleanup EXIT

scripts/local-stack.sh up
eval "$(scripts/local-stack.sh env)"

mvn -B -ntp verify -DskipITs=false "$@"
