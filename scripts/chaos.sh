#!/usr/bin/env bash
# Runs the fault scenarios (src/test/java/io/cis/worker/fault/*IT.java) against a local stack it starts and stops
# itself, then prints one summary line per scenario: messages, faults injected, indexed, lost, duplicated
# deliveries, dead-lettered, peak RSS of the worker process(es).
#
#   scripts/chaos.sh                      the default scenarios (the ones scripts/test.sh runs too), ~20 minutes;
#                                         among them the stop/restart runs: RollingRestartIT (1,000 messages, 5
#                                         SIGTERM + start), StopStrandsNothingIT (40 stops), IdleExitIT
#   scripts/chaos.sh --only 'RollingRestartIT,StopStrandsNothingIT,IdleExitIT'   the stop/restart runs alone
#   scripts/chaos.sh --long               plus 10,000 messages with 5% poison, and the backpressure/memory run
#   scripts/chaos.sh --long --full-model /tmp/clip-full --only BackpressureIT
#                                         memory with the full-size random model (scripts/clip_model.py --full-size-random)
#   scripts/chaos.sh --only 'KillAndRestartIT,TwoWorkersIT'   just these
#
# The summary is also written to target/chaos-summary.txt. Exit status: Maven's (non-zero if a scenario failed).
set -euo pipefail
cd "$(dirname "$0")/.."

long=false
full_model=
only='io.cis.worker.fault.*IT'
while (($#)); do
  case $1 in
    --long) long=true ;;
    --full-model) full_model=$(realpath "${2:?--full-model needs a directory with model.pt and model.json}"); shift ;;
    --only) only=${2:?--only needs a test class pattern}; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "chaos.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ -n $full_model && ! -f $full_model/model.pt ]]; then
  echo "chaos.sh: no model.pt in $full_model" >&2
  exit 2
fi

# Its own stack (state dir and ports), so it never touches a developer's stack or a test.sh run.
export CIS_STACK_DIR="${CIS_STACK_DIR:-$PWD/.local/chaos-stack}"
export CIS_SQS_PORT="${CIS_SQS_PORT:-29324}" CIS_S3_PORT="${CIS_S3_PORT:-29000}"
export CIS_DYNAMODB_PORT="${CIS_DYNAMODB_PORT:-28000}" CIS_OPENSEARCH_PORT="${CIS_OPENSEARCH_PORT:-29200}"

cleanup() { scripts/local-stack.sh down || true; }
trap cleanup EXIT
scripts/local-stack.sh up
eval "$(scripts/local-stack.sh env)"

rm -rf target/chaos-summary
args=(-B -ntp verify -DskipITs=false -Dit.test="$only" -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false)
$long && args+=(-Dcis.long=true)
[[ -n $full_model ]] && args+=(-Dcis.backpressure.model="$full_model")
status=0
mvn "${args[@]}" || status=$?

{
  printf '%-22s %8s  %-44s %8s %5s %11s %13s %9s  %s\n' scenario messages "faults injected" indexed lost \
    "dup. deliv." dead-lettered "peak RSS" result
  cat target/chaos-summary/*.txt 2>/dev/null || echo "(no scenario wrote a summary)"
} | tee target/chaos-summary.txt
exit "$status"
