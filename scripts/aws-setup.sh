#!/usr/bin/env bash
# Creates (or brings up to date) what cis-worker needs in an AWS account, with the aws CLI (v1 or v2) and jq:
#   - the work queue with a dead-letter queue (redrive policy, visibility timeout) and a queue policy statement
#     that lets the bucket send to it, merged into the queue's policy (other senders' statements are kept);
#   - the bucket's notifications: s3:ObjectCreated:* for each image suffix (and an optional key prefix) to the queue,
#     keeping the bucket's other notification configurations;
#   - the DynamoDB embedding cache table (partition key image_hash, on-demand, TTL on ttl);
#   - the OpenSearch index, through the worker's own `create-index` (SigV4), when --opensearch-endpoint is given;
#   - the worker's least-privilege IAM policy (config/iam-policy.json filled in), attached to --role if given;
#   - the worker settings that follow from them (SQS_QUEUE_URL, SQS_VISIBILITY_TIMEOUT_SECONDS, S3_BUCKETS,
#     S3_EXPECTED_BUCKET_OWNER) in --out/cis-worker.env, to copy into /etc/cis-worker/cis-worker.env.
# Every step checks first and changes only what is missing or different, so it is safe to run again.
# --dry-run makes no AWS call at all: it prints every command it would run (as if nothing existed yet) and writes
# the JSON documents those commands use to --out, for review.
#
#   scripts/aws-setup.sh --bucket my-images --region eu-west-1 [--prefix uploads/] [--role cis-worker-instance] \
#       [--opensearch-endpoint https://search-x.eu-west-1.es.amazonaws.com --opensearch-domain x] [--dry-run]
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --bucket NAME               bucket whose uploads are embedded (required; it must exist)
  --region REGION             default: $AWS_REGION, else the CLI's configured region
  --queue NAME                work queue (default cis-worker); its dead-letter queue is NAME-dlq
  --table NAME                cache table (default cis-image-embedding-cache, shared with the old Lambda)
  --prefix PREFIX             only keys under PREFIX notify the queue (default: the whole bucket)
  --suffixes LIST             image suffixes (default jpg,jpeg,png,gif,bmp,tif,tiff,webp); each is also added in
                              upper case, since S3 filters are case-sensitive
  --no-bucket-notifications   leave the bucket's notifications alone (events reach the queue another way, e.g.
                              SNS or EventBridge, whose wrapped bodies the worker also accepts)
  --max-receive-count N       deliveries before a message goes to the dead-letter queue (default 5)
  --visibility-timeout S      queue visibility timeout in seconds (default 60; the worker extends it as needed). The
                              worker asks for SQS_VISIBILITY_TIMEOUT_SECONDS on every receive, which overrides the
                              queue's: set it to the same value (written to OUT/cis-worker.env)
  --opensearch-endpoint URL   create the index there with the worker's create-index command (SigV4)
  --opensearch-service S      es (OpenSearch Service domain, default) or aoss (Serverless)
  --opensearch-domain NAME    domain name, for the IAM policy (es)
  --aoss-collection-id ID     collection id, for the IAM policy (aoss)
  --config FILE               worker env file for create-index (VECTOR_DIMENSION, OPENSEARCH_INDEX, k-NN engine...)
  --jar PATH                  worker jar for create-index (default target/cis-worker.jar or /opt/cis-worker/cis-worker.jar)
  --cloudwatch-namespace NS   allow cloudwatch:PutMetricData in NS (only if you set CLOUDWATCH_ENABLED=true)
  --allow-enqueue             allow sqs:SendMessage on the queue (only for backfill --enqueue / enqueue on workers)
  --role NAME                 put the policy on this IAM role (inline policy "cis-worker")
  --account-id ID             account for the ARNs (default: asked from STS; ACCOUNT_ID in a dry run)
  --bucket-owner ID           account that owns --bucket (default: --account-id / the STS account; a real run
                              checks it with s3api head-bucket --expected-bucket-owner and stops if it differs)
  --out DIR                   where the generated JSON documents go (default build/aws-setup)
  --dry-run                   print the commands, call nothing
EOF
}

bucket="" region="${AWS_REGION:-}" queue=cis-worker table=cis-image-embedding-cache prefix=""
suffixes="jpg,jpeg,png,gif,bmp,tif,tiff,webp" max_receive=5 visibility=60
os_endpoint="" os_service=es os_domain="" aoss_collection="" config="" jar="" cw_namespace="" allow_enqueue=0
role="" account_id="" bucket_owner="" out="$REPO/build/aws-setup" dry_run=0 notifications=1
while [ $# -gt 0 ]; do
  case "$1" in
    --bucket) bucket="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --queue) queue="$2"; shift 2 ;;
    --table) table="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --suffixes) suffixes="$2"; shift 2 ;;
    --no-bucket-notifications) notifications=0; shift ;;
    --max-receive-count) max_receive="$2"; shift 2 ;;
    --visibility-timeout) visibility="$2"; shift 2 ;;
    --opensearch-endpoint) os_endpoint="$2"; shift 2 ;;
    --opensearch-service) os_service="$2"; shift 2 ;;
    --opensearch-domain) os_domain="$2"; shift 2 ;;
    --aoss-collection-id) aoss_collection="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --cloudwatch-namespace) cw_namespace="$2"; shift 2 ;;
    --allow-enqueue) allow_enqueue=1; shift ;;
    --role) role="$2"; shift 2 ;;
    --account-id) account_id="$2"; shift 2 ;;
    --bucket-owner) bucket_owner="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "aws-setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "aws-setup.sh: $*" >&2; exit 2; }
say() { echo "# $*"; }
[ -n "$bucket" ] || fail "--bucket is required"
if ! [[ "$max_receive" =~ ^[0-9]+$ ]] || [ "$max_receive" -lt 1 ] || [ "$max_receive" -gt 1000 ]; then
  fail "--max-receive-count must be 1-1000"
fi
if ! [[ "$visibility" =~ ^[0-9]+$ ]] || [ "$visibility" -gt 43200 ]; then
  fail "--visibility-timeout must be 0-43200"
fi
case "$os_service" in es|aoss) ;; *) fail "--opensearch-service must be es or aoss" ;; esac
if [ -n "$bucket_owner" ] && ! [[ "$bucket_owner" =~ ^[0-9]{12}$ ]]; then
  fail "--bucket-owner must be a 12-digit AWS account id"
fi
command -v jq >/dev/null || fail "needs jq (dnf install jq / apt-get install jq)"
if [ "$dry_run" = 0 ]; then
  command -v aws >/dev/null || fail "needs the aws CLI"
  [ -n "$region" ] || region="$(aws configure get region || true)"
fi
[ -n "$region" ] || fail "no region: pass --region or set AWS_REGION"

# A command as a person would type it: words quoted only when the shell needs it.
show() {
  local word out=""
  for word in "$@"; do
    if [[ "$word" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=" $word"; else out+=" '${word//\'/\'\\\'\'}'"; fi
  done
  echo "${out# }"
}
# A dry run prints the commands that change something and skips the ones that only look; a real run does both.
# Looks report "missing" in a dry run, so it shows the full set of commands a new account needs.
change() {
  echo "+ $(show "$@")"
  [ "$dry_run" = 1 ] || "$@"
}
look() {
  if [ "$dry_run" = 1 ]; then
    echo "# would check: $(show "$@")" >&2
    return 1
  fi
  "$@" 2>/dev/null
}
AWS=(aws --region "$region" --output json)

# --- account and partition ---------------------------------------------------------------------------------------
partition=aws
if [ "$dry_run" = 1 ] || [ -n "$account_id" ]; then
  account_id="${account_id:-ACCOUNT_ID}"
else
  caller_arn="$("${AWS[@]}" sts get-caller-identity --query Arn --output text)"
  partition="$(cut -d: -f2 <<<"$caller_arn")"
  account_id="$(cut -d: -f5 <<<"$caller_arn")"
fi
queue_arn="arn:$partition:sqs:$region:$account_id:$queue"
dlq="$queue-dlq"
dlq_arn="arn:$partition:sqs:$region:$account_id:$dlq"
bucket_arn="arn:$partition:s3:::$bucket"
mkdir -p "$out"
say "account $account_id, region $region; documents in $out"

# --- bucket owner ----------------------------------------------------------------------------------------------------
# A bucket name is global and can change hands: the worker sends the owner's account id with every S3 call
# (S3_EXPECTED_BUCKET_OWNER) and the IAM policy lets it read buckets of that account only (s3:ResourceAccount).
# The owner is this account unless told otherwise, and S3 confirms it before anything depends on it.
bucket_owner="${bucket_owner:-$account_id}"
say "bucket $bucket is expected to belong to account $bucket_owner"
if ! look "${AWS[@]}" s3api head-bucket --bucket "$bucket" --expected-bucket-owner "$bucket_owner" >/dev/null \
    && [ "$dry_run" = 0 ]; then
  fail "bucket $bucket does not exist, cannot be read, or is not owned by account $bucket_owner (S3 answers all" \
    "three alike): check the name, or pass --bucket-owner with the owner's account id"
fi

# --- queues --------------------------------------------------------------------------------------------------------

say "dead-letter queue $dlq (keeps failed messages 14 days)"
if ! look "${AWS[@]}" sqs get-queue-url --queue-name "$dlq" >/dev/null; then
  change "${AWS[@]}" sqs create-queue --queue-name "$dlq" --attributes MessageRetentionPeriod=1209600
fi

# The queue policy lets this bucket, in this account, send to the queue. It is merged into the queue's current
# policy: only our own statement (by its Sid) is replaced, so statements that let SNS, EventBridge or another
# bucket deliver survive a re-run. With --no-bucket-notifications the policy is not touched at all.
sid="CisWorkerS3$(tr -cd 'A-Za-z0-9' <<<"$bucket")"
jq -n --arg queue "$queue_arn" --arg bucket "$bucket_arn" --arg account "$account_id" --arg sid "$sid" '{
  Sid: $sid, Effect: "Allow",
  Principal: {Service: "s3.amazonaws.com"}, Action: "sqs:SendMessage", Resource: $queue,
  Condition: {ArnLike: {"aws:SourceArn": $bucket}, StringEquals: {"aws:SourceAccount": $account}}
  }' > "$out/queue-policy-statement.json"
current_policy='{}'
if queue_url="$(look "${AWS[@]}" sqs get-queue-url --queue-name "$queue" --query QueueUrl --output text)"; then
  current_policy="$(look "${AWS[@]}" sqs get-queue-attributes --queue-url "$queue_url" --attribute-names Policy \
    | jq -r '.Attributes.Policy // "{}"')" || current_policy='{}'
  [ -n "$current_policy" ] || current_policy='{}'
else
  queue_url=""
fi
# "S3ObjectCreatedNotifications" is the Sid earlier versions of this script wrote (as the whole policy).
jq --arg sid "$sid" --slurpfile ours "$out/queue-policy-statement.json" '
  {Version: (.Version // "2012-10-17"), Statement: ([(.Statement // [])
     | if type == "array" then .[] else . end
     | select(.Sid != $sid and .Sid != "S3ObjectCreatedNotifications")] + $ours)}
  + (if .Id then {Id: .Id} else {} end)' <<<"$current_policy" > "$out/queue-policy.json"
kept="$(jq '.Statement | length - 1' "$out/queue-policy.json")"
if [ "$notifications" = 1 ]; then
  policy_attribute='{Policy: ($policy[0] | tojson)}'
else
  policy_attribute='{}'
fi
jq -n --arg visibility "$visibility" --arg dlq "$dlq_arn" --arg max "$max_receive" \
  --slurpfile policy "$out/queue-policy.json" "{
  VisibilityTimeout: \$visibility,
  RedrivePolicy: ({deadLetterTargetArn: \$dlq, maxReceiveCount: (\$max | tonumber)} | tojson)} + $policy_attribute" \
  > "$out/queue-attributes.json"

if [ "$notifications" = 1 ]; then
  say "work queue $queue (visibility ${visibility}s, dead-letter after $max_receive receives, S3 may send from $bucket;" \
    "$kept other policy statements kept)"
else
  say "work queue $queue (visibility ${visibility}s, dead-letter after $max_receive receives; its access policy is left" \
    "as it is: let your SNS topic or EventBridge rule send to it)"
fi
if [ -n "$queue_url" ]; then
  change "${AWS[@]}" sqs set-queue-attributes --queue-url "$queue_url" --attributes "file://$out/queue-attributes.json"
else
  change "${AWS[@]}" sqs create-queue --queue-name "$queue" --attributes "file://$out/queue-attributes.json"
fi

# --- bucket notifications ------------------------------------------------------------------------------------------
if [ "$notifications" = 1 ]; then
  # One configuration per suffix (S3 allows one suffix rule each), in lower and upper case. Ours are those with a
  # cis-worker- Id that deliver to this queue, and are replaced; everything else the bucket notifies stays, including
  # another queue's cis-worker configurations (a second worker fleet on another prefix). The Id names the queue,
  # since Ids must be unique per bucket.
  ours="$(tr ',' '\n' <<<"$suffixes" | sed '/^$/d; s/^\.//' | while read -r ext; do
    lower="$(tr '[:upper:]' '[:lower:]' <<<"$ext")"
    upper="$(tr '[:lower:]' '[:upper:]' <<<"$ext")"
    for variant in "$lower" "$upper"; do
      id="cis-worker-$queue-$lower"; [ "$variant" = "$lower" ] || id="cis-worker-$queue-upper-$lower"
      jq -n --arg id "$id" --arg queue "$queue_arn" --arg prefix "$prefix" --arg suffix ".$variant" '{
        Id: $id, QueueArn: $queue, Events: ["s3:ObjectCreated:*"],
        Filter: {Key: {FilterRules: ((if $prefix == "" then [] else [{Name: "prefix", Value: $prefix}] end)
                                     + [{Name: "suffix", Value: $suffix}])}}}'
    done
  done | jq -s .)"
  if ! existing="$(look "${AWS[@]}" s3api get-bucket-notification-configuration --bucket "$bucket")" || [ -z "$existing" ]; then
    existing='{}'
    [ "$dry_run" = 0 ] || say "(a real run keeps the bucket's other notification configurations)"
  fi
  jq --argjson ours "$ours" --arg queue "$queue_arn" 'del(.ResponseMetadata)
    | .QueueConfigurations = ([(.QueueConfigurations // [])[] | select((.Id // "" | startswith("cis-worker-")) and .QueueArn == $queue | not)] + $ours)' \
    <<<"$existing" > "$out/bucket-notification.json"
  say "bucket $bucket: s3:ObjectCreated:* for $(jq length <<<"$ours") suffix filters${prefix:+ under $prefix} -> $queue"
  say "(S3 refuses overlapping filters for the same event: remove the old Lambda's trigger first, or fan out via SNS)"
  change "${AWS[@]}" s3api put-bucket-notification-configuration --bucket "$bucket" \
    --notification-configuration "file://$out/bucket-notification.json"
else
  say "--no-bucket-notifications: the bucket's notifications are left as they are"
fi

# --- DynamoDB cache ------------------------------------------------------------------------------------------------
say "cache table $table (image_hash, on-demand, TTL on ttl)"
if ! look "${AWS[@]}" dynamodb describe-table --table-name "$table" >/dev/null; then
  change "${AWS[@]}" dynamodb create-table --table-name "$table" \
    --attribute-definitions AttributeName=image_hash,AttributeType=S \
    --key-schema AttributeName=image_hash,KeyType=HASH --billing-mode PAY_PER_REQUEST
  change "${AWS[@]}" dynamodb wait table-exists --table-name "$table"
fi
ttl_status="$(look "${AWS[@]}" dynamodb describe-time-to-live --table-name "$table" \
  --query TimeToLiveDescription.TimeToLiveStatus --output text || true)"
case "$ttl_status" in
  ENABLED|ENABLING) say "TTL already on" ;;
  *) change "${AWS[@]}" dynamodb update-time-to-live --table-name "$table" \
       --time-to-live-specification Enabled=true,AttributeName=ttl ;;
esac

# --- OpenSearch index ----------------------------------------------------------------------------------------------
if [ -n "$os_endpoint" ]; then
  if [ -z "$jar" ]; then
    jar="$REPO/target/cis-worker.jar"
    [ -f "$jar" ] || [ "$dry_run" = 1 ] || jar=/opt/cis-worker/cis-worker.jar
  fi
  say "index via the worker (SigV4, service $os_service); the role running this needs write access to the index"
  create_index=(env "OPENSEARCH_ENDPOINT=$os_endpoint" OPENSEARCH_AUTH=sigv4 "OPENSEARCH_SIGV4_SERVICE=$os_service"
    "AWS_REGION=$region" java -Dai.djl.offline=true -jar "$jar" create-index)
  [ -z "$config" ] || create_index+=(--config "$config")
  change "${create_index[@]}"
else
  say "no --opensearch-endpoint: create the index later with: java -jar cis-worker.jar create-index"
fi

# --- IAM policy ----------------------------------------------------------------------------------------------------
export PARTITION="$partition" REGION="$region" ACCOUNT_ID="$account_id" QUEUE_NAME="$queue" BUCKET="$bucket" \
  KEY_PREFIX="$prefix" TABLE="$table" OPENSEARCH_DOMAIN="$os_domain" CLOUDWATCH_NAMESPACE="$cw_namespace" \
  BUCKET_OWNER="$bucket_owner"
# Fill the placeholders (only ours: ${NAME} with NAME in the list above), then drop what this setup does not use.
policy="$(jq 'walk(if type == "string" then gsub("\\$\\{(?<name>PARTITION|REGION|ACCOUNT_ID|QUEUE_NAME|BUCKET_OWNER|BUCKET|KEY_PREFIX|TABLE|OPENSEARCH_DOMAIN|CLOUDWATCH_NAMESPACE)\\}"; $ENV[.name]) else . end)' \
  "$REPO/config/iam-policy.json")"
if [ "$os_service" = aoss ]; then
  if [ -n "$aoss_collection" ]; then
    policy="$(jq --arg arn "arn:$partition:aoss:$region:$account_id:collection/$aoss_collection" '
      .Statement |= ([.[] | select(.Sid | startswith("OpenSearch") | not)]
        + [{Sid: "OpenSearchServerless", Effect: "Allow", Action: "aoss:APIAccessAll", Resource: $arn}])' <<<"$policy")"
    say "Serverless also needs a data access policy granting this role the collection and index (aoss:*)"
  else
    policy="$(jq '.Statement |= [.[] | select(.Sid | startswith("OpenSearch") | not)]' <<<"$policy")"
    say "no --aoss-collection-id: the policy has no OpenSearch statement"
  fi
elif [ -z "$os_domain" ]; then
  policy="$(jq '.Statement |= [.[] | select(.Sid | startswith("OpenSearch") | not)]' <<<"$policy")"
  say "no --opensearch-domain: the policy has no OpenSearch statement (add one, or use basic auth)"
fi
[ -n "$cw_namespace" ] || policy="$(jq '.Statement |= [.[] | select(.Sid != "CloudWatchMetrics")]' <<<"$policy")"
[ "$allow_enqueue" = 0 ] || policy="$(jq '(.Statement[] | select(.Sid == "WorkQueue") | .Action) += ["sqs:SendMessage"]' <<<"$policy")"
jq . <<<"$policy" > "$out/iam-policy.json"
if grep -q '[$][{]' "$out/iam-policy.json"; then
  fail "unfilled placeholder in $out/iam-policy.json"
fi
say "worker policy: $out/iam-policy.json"
if [ -n "$role" ]; then
  change "${AWS[@]}" iam put-role-policy --role-name "$role" --policy-name cis-worker \
    --policy-document "file://$out/iam-policy.json"
else
  say "no --role: attach it to the instance role yourself (aws iam put-role-policy ... --policy-document file://$out/iam-policy.json)"
fi

# --- worker settings -----------------------------------------------------------------------------------------------
# The worker asks for its own visibility timeout on every receive (SQS_VISIBILITY_TIMEOUT_SECONDS), which overrides
# the queue's: --visibility-timeout only takes effect once the worker's configuration carries the same value.
[ -n "$queue_url" ] || queue_url="https://sqs.$region.amazonaws.com/$account_id/$queue"
cat > "$out/cis-worker.env" <<EOF
SQS_QUEUE_URL=$queue_url
SQS_VISIBILITY_TIMEOUT_SECONDS=$visibility
S3_BUCKETS=$bucket
S3_EXPECTED_BUCKET_OWNER=$bucket_owner
EOF
say "worker settings, to add to /etc/cis-worker/cis-worker.env: $out/cis-worker.env (the queue's visibility timeout"
say "of ${visibility}s applies only through SQS_VISIBILITY_TIMEOUT_SECONDS, which the worker asks for on every receive)"
sed 's/^/#   /' "$out/cis-worker.env"
if [ -n "$config" ] && [ -r "$config" ]; then
  configured="$(sed -n 's/^[[:space:]]*SQS_VISIBILITY_TIMEOUT_SECONDS=["'\'']\{0,1\}\([0-9]*\).*/\1/p' "$config" | tail -n 1)"
  if [ -n "$configured" ] && [ "$configured" != "$visibility" ]; then
    say "WARNING: $config has SQS_VISIBILITY_TIMEOUT_SECONDS=$configured, the queue ${visibility}s: the worker uses $configured"
  fi
fi
say "done$([ "$dry_run" = 1 ] && echo ' (dry run: no AWS call was made)')"
