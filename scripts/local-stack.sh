#!/usr/bin/env bash
# Local stand-ins for the AWS services cis-worker uses, each a plain process on 127.0.0.1 (there is no Docker here):
#   SQS -> ElasticMQ, S3 -> S3Proxy, DynamoDB -> DynamoDB Local, OpenSearch -> OpenSearch with the k-NN plugin.
# Everything is downloaded from Maven Central by Maven itself (scripts/local-stack/maven) and cached.
# Recipes: ../shared/local-services.md in the project brief.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/local-stack.sh up | down | status | env | stop-service SERVICE | start-service SERVICE

  up      download (once), start and health-check ElasticMQ, S3Proxy, DynamoDB Local and OpenSearch + k-NN,
          then create the queue + dead-letter queue, the bucket and the cache table. Idempotent.
  down    stop what 'up' started (by PID) and check that nothing listens on the stack's ports any more.
  status  one line per service; exit code 0 only if all are healthy.
  env     print export lines for the worker and tools:  eval "$(scripts/local-stack.sh env)"
          (the aws CLI v1 (1.45 checked) ignores AWS_ENDPOINT_URL_SQS: add --endpoint-url "$AWS_ENDPOINT_URL_SQS")
  stop-service SERVICE / start-service SERVICE
          stop or restart one service (opensearch, sqs, s3, dynamodb) of a running stack, for fault tests.
          OpenSearch keeps its data across the restart; the in-memory services come back empty.

Settings (environment):
  CIS_STACK_DIR            state dir: pids, logs, data            (default <repo>/.local/stack)
  CIS_CACHE_DIR            download cache                          (default ~/.cache/cis-worker)
  CIS_SQS_PORT / CIS_S3_PORT / CIS_DYNAMODB_PORT / CIS_OPENSEARCH_PORT   (9324 / 9000 / 8000 / 9200)
  CIS_MAX_RECEIVE_COUNT    redrive maxReceiveCount of the queue   (default 5)
  CIS_STACK_START_TIMEOUT  seconds to wait for health             (default 180)
  CIS_OPENSEARCH_HEAP      OpenSearch heap                         (default 512m)
  CIS_OPENSEARCH_JAVA_OPTS extra JVM options for OpenSearch; e.g. -XX:TieredStopAtLevel=1 halves its start-up
                           CPU (quicker 'up' on a busy 2-core machine, slower steady state: not for benchmarks)
  CIS_OPENSEARCH_JAVA_HOME JDK for OpenSearch (11..23)            (default: the default java, JDK 17 here)
  CIS_OPENSEARCH_USER      user OpenSearch runs as when run as root (default cis-opensearch)
  CIS_S3_HEAP              S3Proxy heap; it keeps the objects in memory (default 256m; the benchmark uses 4g)
EOF
}

# ---------------------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------------------

# Versions: the single source; passed to the Maven download poms.
readonly ELASTICMQ_VERSION=1.7.1
readonly S3PROXY_VERSION=4.1.0
readonly DYNAMODB_LOCAL_VERSION=2.6.1
readonly OPENSEARCH_VERSION=2.19.1
readonly OPENSEARCH_KNN_VERSION=2.19.1.0   # must match OPENSEARCH_VERSION exactly

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly SUPPORT_DIR=$SCRIPT_DIR/local-stack
readonly REPO_DIR=${SCRIPT_DIR%/scripts}

readonly HOST=127.0.0.1
readonly REGION=us-east-1
readonly ACCOUNT_ID=000000000000   # ElasticMQ's account id; it appears in queue URLs and ARNs
readonly QUEUE_NAME=cis-worker-queue
readonly DLQ_NAME=cis-worker-dlq
readonly QUEUE_VISIBILITY_TIMEOUT=60
readonly BUCKET=cis-images
readonly CACHE_TABLE=cis-image-embedding-cache
readonly OPENSEARCH_INDEX=cis-files

SQS_PORT=${CIS_SQS_PORT:-9324}
S3_PORT=${CIS_S3_PORT:-9000}
DYNAMODB_PORT=${CIS_DYNAMODB_PORT:-8000}
OPENSEARCH_PORT=${CIS_OPENSEARCH_PORT:-9200}
MAX_RECEIVE_COUNT=${CIS_MAX_RECEIVE_COUNT:-5}
START_TIMEOUT=${CIS_STACK_START_TIMEOUT:-180}
STOP_TIMEOUT=30
OPENSEARCH_HEAP=${CIS_OPENSEARCH_HEAP:-512m}
OPENSEARCH_EXTRA_JAVA_OPTS=${CIS_OPENSEARCH_JAVA_OPTS:-}
OPENSEARCH_USER=${CIS_OPENSEARCH_USER:-cis-opensearch}
SMALL_JVM_OPTS=(-Xms64m -Xmx256m -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true)
S3_HEAP=${CIS_S3_HEAP:-256m}

STATE_DIR=$(realpath -m "${CIS_STACK_DIR:-$REPO_DIR/.local/stack}")
CACHE_DIR=$(realpath -m "${CIS_CACHE_DIR:-$HOME/.cache/cis-worker}")/local-stack
readonly STATE_DIR CACHE_DIR
readonly PID_DIR=$STATE_DIR/pids LOG_DIR=$STATE_DIR/logs CONF_DIR=$STATE_DIR/conf

# Every process we start carries this variable in its environment (inherited through exec, runuser and the
# OpenSearch start script, unlike a command-line flag). Before signalling a PID from a pid file we check it, so a
# recycled PID never gets killed, and two stacks (other state dirs) never touch each other.
STACK_ID=$(printf '%s' "$STATE_DIR" | sha1sum | cut -c1-12)
readonly STACK_ID MARKER="CIS_LOCAL_STACK=$STACK_ID"

# Start order: OpenSearch first, it takes longest.
readonly SERVICES=(opensearch sqs s3 dynamodb)

# OpenSearch refuses to run as root. As root it runs as an unprivileged system user, and that user cannot reach
# root's home (mode 700), so the assembled install and the node's data/logs then live outside it.
if [[ $(id -u) -eq 0 ]]; then
  RUN_AS_ROOT=true
  OPENSEARCH_INSTALL_ROOT=/var/cache/cis-worker
  OPENSEARCH_NODE_DIR=/var/tmp/cis-worker/opensearch-$STACK_ID
else
  RUN_AS_ROOT=false
  OPENSEARCH_INSTALL_ROOT=$CACHE_DIR
  OPENSEARCH_NODE_DIR=$STATE_DIR/opensearch
fi
readonly RUN_AS_ROOT OPENSEARCH_INSTALL_ROOT OPENSEARCH_NODE_DIR
readonly OPENSEARCH_HOME=$OPENSEARCH_INSTALL_ROOT/opensearch-$OPENSEARCH_VERSION-knn-$OPENSEARCH_KNN_VERSION

# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------

log() { printf 'local-stack: %s\n' "$*" >&2; }
die() { printf 'local-stack: ERROR: %s\n' "$*" >&2; exit 1; }

# curl for local endpoints only: never through a proxy from the environment, never hanging.
http() { curl --noproxy '*' -sS --connect-timeout 2 --max-time 10 "$@"; }

port_of() {
  case $1 in
    sqs) echo "$SQS_PORT" ;; s3) echo "$S3_PORT" ;; dynamodb) echo "$DYNAMODB_PORT" ;; opensearch) echo "$OPENSEARCH_PORT" ;;
  esac
}
url_of() { echo "http://$HOST:$(port_of "$1")"; }
port_variable_of() {
  case $1 in
    sqs) echo CIS_SQS_PORT ;; s3) echo CIS_S3_PORT ;; dynamodb) echo CIS_DYNAMODB_PORT ;; opensearch) echo CIS_OPENSEARCH_PORT ;;
  esac
}

validate_settings() {
  local name value
  for name in SQS_PORT S3_PORT DYNAMODB_PORT OPENSEARCH_PORT MAX_RECEIVE_COUNT START_TIMEOUT; do
    value=${!name}
    [[ $value =~ ^[0-9]+$ ]] || die "$name must be a number, got '$value'"
  done
  ((MAX_RECEIVE_COUNT >= 1 && MAX_RECEIVE_COUNT <= 1000)) || die "CIS_MAX_RECEIVE_COUNT must be 1..1000 (SQS limit)"
  local ports="$SQS_PORT $S3_PORT $DYNAMODB_PORT $OPENSEARCH_PORT"
  [[ $(tr ' ' '\n' <<<"$ports" | sort -u | wc -l) -eq 4 ]] || die "the four service ports must differ: $ports"
}

port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "sport = :$1") ]]
  else
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
  fi
}

# True if PID is alive and was started by this stack (it carries our marker). Another user's processes are not
# readable, and are not ours either.
is_ours() {
  local pid=$1 vars var
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/environ ]] || return 1
  mapfile -d '' vars 2>/dev/null </proc/"$pid"/environ || return 1
  for var in "${vars[@]}"; do
    [[ $var == "$MARKER" ]] && return 0
  done
  return 1
}

pid_file() { echo "$PID_DIR/$1.pid"; }

# PIDs to signal for a service, most important first. For OpenSearch: the JVM (from the pid file OpenSearch
# writes itself), then the launcher (runuser when we run as root, which waits for the JVM).
service_pids() {
  local svc=$1 pid file
  local files=("$(pid_file "$svc")")
  [[ $svc == opensearch ]] && files=("$OPENSEARCH_NODE_DIR/opensearch.pid" "${files[@]}")
  local seen=" "
  for file in "${files[@]}"; do
    [[ -r $file ]] || continue
    pid=$(<"$file")
    [[ $seen == *" $pid "* ]] && continue # without runuser, the launcher is the JVM itself
    seen+="$pid "
    is_ours "$pid" && echo "$pid"
  done
  return 0
}
service_pid() {
  local pids
  mapfile -t pids < <(service_pids "$1")
  echo "${pids[0]:-}"
}
is_running() { [[ -n $(service_pid "$1") ]]; }

# ---------------------------------------------------------------------------------------------------------------
# Health checks and API calls
# ---------------------------------------------------------------------------------------------------------------

healthy_sqs() { http -f -o /dev/null --max-time 3 "$(url_of sqs)/?Action=ListQueues"; }
healthy_s3() { http -f -o /dev/null --max-time 3 "$(url_of s3)/"; }
healthy_dynamodb() { dynamodb_call ListTables '{}' >/dev/null; }
healthy_opensearch() {
  http -f --max-time 3 "$(url_of opensearch)/_cluster/health" | grep -E '"status":"(green|yellow)"' >/dev/null
}
is_healthy() { "healthy_$1" 2>/dev/null; }

# ElasticMQ accepts unsigned SQS query-API calls. Prints the XML answer; fails on an HTTP error.
sqs_call() {
  local action=$1
  shift
  local args=(--data-urlencode "Action=$action") param
  for param in "$@"; do args+=(--data-urlencode "$param"); done
  http -f -X POST "${args[@]}" "$(url_of sqs)/"
}

sqs_create_queue() {
  sqs_call CreateQueue "QueueName=$1" | sed -n 's:.*<QueueUrl>\([^<]*\)</QueueUrl>.*:\1:p'
}

sqs_queue_attribute() {
  sqs_call GetQueueAttributes "QueueUrl=$1" "AttributeName.1=$2" | tr -d '\n' |
    sed -n "s:.*<Name>$2</Name>[[:space:]]*<Value>\([^<]*\)</Value>.*:\1:p"
}

# DynamoDB Local reads the access key and region from a SigV4-shaped Authorization header but does not check
# the signature, so a fixed one is enough. Prints the JSON answer; fails unless HTTP 200.
dynamodb_call() {
  local operation=$1 body=$2 out
  out=$(http -X POST "$(url_of dynamodb)/" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H "X-Amz-Target: DynamoDB_20120810.$operation" \
    -H 'X-Amz-Date: 20240101T000000Z' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/$REGION/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=$(printf '0%.0s' {1..64})" \
    --data "$body" -w '\n%{http_code}') || return 1
  printf '%s\n' "${out%$'\n'*}"
  [[ ${out##*$'\n'} == 200 ]]
}

# ---------------------------------------------------------------------------------------------------------------
# Downloads (Maven) and one-time assembly
# ---------------------------------------------------------------------------------------------------------------

# Download directory of each Maven module (scripts/local-stack/maven/<module>), named by version.
download_dir_of() {
  case $1 in
    elasticmq) echo "$CACHE_DIR/elasticmq-$ELASTICMQ_VERSION" ;;
    s3proxy) echo "$CACHE_DIR/s3proxy-$S3PROXY_VERSION" ;;
    dynamodb-local) echo "$CACHE_DIR/dynamodb-local-$DYNAMODB_LOCAL_VERSION" ;;
    opensearch) echo "$CACHE_DIR/opensearch-downloads-$OPENSEARCH_VERSION-knn-$OPENSEARCH_KNN_VERSION" ;;
  esac
}
module_of() {
  case $1 in
    sqs) echo elasticmq ;; s3) echo s3proxy ;; dynamodb) echo dynamodb-local ;; opensearch) echo opensearch ;;
  esac
}

# One Maven run for everything missing (modules resolve in parallel); a '.complete' stamp marks a finished copy,
# so an interrupted download is simply redone.
ensure_downloads() {
  local modules=() svc module
  for svc in "$@"; do
    module=$(module_of "$svc")
    [[ -f $(download_dir_of "$module")/.complete ]] || modules+=("$module")
  done
  ((${#modules[@]})) || return 0

  command -v mvn >/dev/null || die "Maven is needed to download the local services (Debian package 'maven')"
  log "downloading from Maven Central: ${modules[*]}"
  mkdir -p "$CACHE_DIR"
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/.download.XXXXXX")
  if ! mvn -q -B -T 4 -f "$SUPPORT_DIR/maven/pom.xml" -pl "$(IFS=,; echo "${modules[*]}")" \
      -Dcis.download.dir="$tmp" \
      -Delasticmq.version="$ELASTICMQ_VERSION" -Ds3proxy.version="$S3PROXY_VERSION" \
      -Ddynamodb-local.version="$DYNAMODB_LOCAL_VERSION" -Dopensearch.version="$OPENSEARCH_VERSION" \
      -Dopensearch-knn.version="$OPENSEARCH_KNN_VERSION" \
      dependency:copy-dependencies >&2; then
    rm -rf "$tmp"
    die "Maven could not download ${modules[*]} (see its output above)"
  fi
  for module in "${modules[@]}"; do
    local target
    target=$(download_dir_of "$module")
    rm -rf "$target"
    mv "$tmp/$module" "$target"
    touch "$target/.complete"
  done
  rm -rf "$tmp"
}

# DynamoDB Local's stock launcher binds all interfaces; ours binds one host. Compiled once per source version.
dynamodb_launcher_dir() {
  echo "$CACHE_DIR/dynamodb-launcher-$(sha1sum <"$SUPPORT_DIR/DynamoDbLocalLauncher.java" | cut -c1-12)"
}
ensure_dynamodb_launcher() {
  local dir
  dir=$(dynamodb_launcher_dir)
  [[ -f $dir/DynamoDbLocalLauncher.class ]] && return 0
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/.launcher.XXXXXX")
  javac -nowarn -d "$tmp" -cp "$(download_dir_of dynamodb-local)/*" "$SUPPORT_DIR/DynamoDbLocalLauncher.java" >&2 ||
    die "could not compile $SUPPORT_DIR/DynamoDbLocalLauncher.java"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# The JDK OpenSearch runs on, found once into OPENSEARCH_JAVA_HOME_FOUND. OpenSearch 2.x needs the Java
# security manager, which JDK 24 and later removed.
OPENSEARCH_JAVA_HOME_FOUND=
find_opensearch_java_home() {
  [[ -n $OPENSEARCH_JAVA_HOME_FOUND ]] && return 0
  local home=${CIS_OPENSEARCH_JAVA_HOME:-}
  if [[ -z $home ]]; then
    local java
    java=$(readlink -f "$(command -v java)") || die "no 'java' on PATH"
    home=${java%/bin/java}
  fi
  [[ -x $home/bin/java ]] || die "no JDK at '$home' (set CIS_OPENSEARCH_JAVA_HOME)"
  local major
  major=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  ((major >= 11 && major <= 23)) ||
    die "OpenSearch $OPENSEARCH_VERSION needs JDK 11..23, '$home' is $major (set CIS_OPENSEARCH_JAVA_HOME, e.g. a JDK 17)"
  OPENSEARCH_JAVA_HOME_FOUND=$home
}

# A root-owned, non-symlink directory: as root we write into shared places (/var/cache, /var/tmp), where another
# user could have prepared a trap.
make_root_dir() {
  local dir=$1
  [[ -L $dir ]] && die "$dir is a symlink; refusing to use it"
  if [[ -e $dir && $(stat -c %u "$dir") != 0 ]]; then die "$dir is not owned by root; refusing to use it"; fi
  install -d -m 755 -o root -g root "$dir"
}

opensearch_installed() {
  [[ -f $OPENSEARCH_HOME/.complete && -x $OPENSEARCH_HOME/bin/opensearch && -d $OPENSEARCH_HOME/plugins/opensearch-knn ]]
}

# The integ-test distribution + lang-painless assembled as a module + the k-NN plugin installed: done once.
ensure_opensearch_install() {
  opensearch_installed && return 0
  log "assembling OpenSearch $OPENSEARCH_VERSION with lang-painless and k-NN $OPENSEARCH_KNN_VERSION in $OPENSEARCH_HOME"
  # As root the install is shared by every root stack, whatever its cache dir: a lock of its own (fd 7).
  if $RUN_AS_ROOT; then make_root_dir "$OPENSEARCH_INSTALL_ROOT"; else mkdir -p "$OPENSEARCH_INSTALL_ROOT"; fi
  exec 7>"$OPENSEARCH_INSTALL_ROOT/.opensearch-install.lock"
  flock -w 900 7 || die "another local-stack.sh has been assembling OpenSearch in $OPENSEARCH_INSTALL_ROOT for 15 minutes"
  if opensearch_installed; then # assembled while we waited
    exec 7>&-
    return 0
  fi
  local downloads tmp home
  downloads=$(download_dir_of opensearch)
  tmp=$(mktemp -d "$OPENSEARCH_INSTALL_ROOT/.assemble.XXXXXX")
  home=$tmp/opensearch-$OPENSEARCH_VERSION

  if command -v unzip >/dev/null; then
    unzip -q "$downloads/opensearch-$OPENSEARCH_VERSION.zip" -d "$tmp"
  else # the JDK's jar tool works too, but drops the executable bits
    (cd "$tmp" && jar xf "$downloads/opensearch-$OPENSEARCH_VERSION.zip")
    chmod +x "$home"/bin/*
  fi

  local painless=$home/modules/lang-painless
  mkdir -p "$painless"
  cp "$downloads"/*.jar "$painless/"
  cat >"$painless/plugin-descriptor.properties" <<EOF
description=An easy, safe and fast scripting language for OpenSearch
version=$OPENSEARCH_VERSION
name=lang-painless
classname=org.opensearch.painless.PainlessPlugin
java.version=11
opensearch.version=$OPENSEARCH_VERSION
custom.foldername=
extended.plugins=
has.native.controller=false
EOF
  cat >"$painless/plugin-security.policy" <<'EOF'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load allowlisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF

  find_opensearch_java_home
  OPENSEARCH_JAVA_HOME=$OPENSEARCH_JAVA_HOME_FOUND OPENSEARCH_PATH_CONF="$home/config" \
    "$home/bin/opensearch-plugin" install --batch "file://$downloads/opensearch-knn-$OPENSEARCH_KNN_VERSION.zip" >&2 ||
    die "could not install the k-NN plugin into $home"
  chmod -R a+rX "$home" # the unprivileged OpenSearch user must read it when we run as root
  touch "$home/.complete"
  rm -rf "$OPENSEARCH_HOME"
  mv "$home" "$OPENSEARCH_HOME"
  rm -rf "$tmp"
  exec 7>&-
}

# Downloads and one-time assembly. Several stacks (state dirs) may share the cache, hence the lock (fd 8).
install_servers() {
  mkdir -p "$CACHE_DIR"
  exec 8>"$CACHE_DIR/.lock"
  flock -w 900 8 || die "another local-stack.sh has been filling $CACHE_DIR for 15 minutes"
  ensure_downloads "$@"
  local svc
  for svc in "$@"; do
    case $svc in
      opensearch) find_opensearch_java_home && ensure_opensearch_install ;;
      dynamodb) ensure_dynamodb_launcher ;;
    esac
  done
  exec 8>&-
}

ensure_opensearch_user() {
  id -u "$OPENSEARCH_USER" >/dev/null 2>&1 && return 0
  log "creating system user $OPENSEARCH_USER to run OpenSearch (it refuses to run as root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OPENSEARCH_USER"
}

# ---------------------------------------------------------------------------------------------------------------
# Starting the services (each in its own session, so a terminal's Ctrl-C or hang-up does not reach them)
# ---------------------------------------------------------------------------------------------------------------

# launch <service> <working dir> <command...>: background it, log to logs/<service>.log, record its PID.
launch() {
  local svc=$1 dir=$2
  shift 2
  # In this subshell setsid does not need to fork, so $! is the PID of the server (or of its launcher).
  # 9>&-: the server must not inherit the state dir lock, or it would hold it for as long as it runs.
  (cd "$dir" && export CIS_LOCAL_STACK="$STACK_ID" && exec setsid "$@" >"$LOG_DIR/$svc.log" 2>&1 </dev/null 9>&-) &
  echo $! >"$(pid_file "$svc")"
}

start_sqs() {
  local port=$SQS_PORT conf=$CONF_DIR/elasticmq.conf
  # Defaults would bind 0.0.0.0, put 'localhost' into queue URLs and use region 'elasticmq'.
  # -Dconfig.file replaces ElasticMQ's own application.conf, hence the include. Its HTTP request timeout (21 s)
  # is raised: at pekko's default of 20 s a 20 s long poll answers 503 instead of an empty receive, the SDK retries
  # it, and a retry open at the server when a worker exits would take the next message (it stays in flight).
  cat >"$conf" <<EOF
include classpath("application.conf")
pekko.http.server.request-timeout = 30 s
node-address { protocol = "http", host = "$HOST", port = $port, context-path = "" }
rest-sqs { enabled = true, bind-hostname = "$HOST", bind-port = $port, sqs-limits = strict }
generate-node-address = false
aws { region = "$REGION", accountId = "$ACCOUNT_ID" }
EOF
  launch sqs "$STATE_DIR" java "${SMALL_JVM_OPTS[@]}" -Djava.io.tmpdir="$STATE_DIR/tmp" \
    -Dconfig.file="$conf" -Dlogback.configurationFile="$SUPPORT_DIR/elasticmq-logback.xml" \
    -cp "$(download_dir_of elasticmq)/*" org.elasticmq.server.Main
}

start_s3() {
  local conf=$CONF_DIR/s3proxy.properties
  # transient-nio2 keeps the objects in memory: a fresh, empty S3 on every start, like the other services.
  cat >"$conf" <<EOF
s3proxy.endpoint=http://$HOST:$S3_PORT
s3proxy.authorization=none
jclouds.provider=transient-nio2
jclouds.identity=local
jclouds.credential=local
EOF
  launch s3 "$STATE_DIR" java "${SMALL_JVM_OPTS[@]}" -Xmx"$S3_HEAP" -Djava.io.tmpdir="$STATE_DIR/tmp" \
    -jar "$(download_dir_of s3proxy)/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar" --properties "$conf"
}

start_dynamodb() {
  # Its own process: DynamoDB Local drags AWS SDK v1 and an old SDK v2 onto its classpath.
  # -sharedDb: one database whatever the access key and region (otherwise tables are per key and region).
  launch dynamodb "$STATE_DIR" java "${SMALL_JVM_OPTS[@]}" -Djava.io.tmpdir="$STATE_DIR/tmp" \
    -cp "$(dynamodb_launcher_dir):$(download_dir_of dynamodb-local)/*" DynamoDbLocalLauncher \
    "$HOST" -inMemory -sharedDb -disableTelemetry -port "$DYNAMODB_PORT"
}

# start_opensearch [--keep-data]: a fresh node, or (start-service) the stopped node with its data.
start_opensearch() {
  local node=$OPENSEARCH_NODE_DIR
  find_opensearch_java_home
  if [[ ${1:-} == --keep-data && -d $node/data ]]; then
    launch_opensearch
    return
  fi
  if $RUN_AS_ROOT; then
    ensure_opensearch_user
    make_root_dir "$(dirname "$node")"
    ln -sfn "$node" "$STATE_DIR/opensearch" # the node's own logs, next to the others
  fi

  # A fresh node on every start, as empty as the in-memory services next to it.
  rm -rf "$node"
  mkdir -p "$node/data" "$node/logs" "$node/tmp"
  cp -r "$OPENSEARCH_HOME/config" "$node/config"
  # The stock jvm.options write GC logs and heap dumps relative to the (read-only) install.
  sed -i -e "s/^-Xms.*/-Xms$OPENSEARCH_HEAP/" -e "s/^-Xmx.*/-Xmx$OPENSEARCH_HEAP/" \
    -e "s#file=logs/#file=$node/logs/#" -e "s#ErrorFile=logs/#ErrorFile=$node/logs/#" \
    -e "s#HeapDumpPath=data#HeapDumpPath=$node/data#" "$node/config/jvm.options"
  $RUN_AS_ROOT && chown -R "$OPENSEARCH_USER:" "$node"
  launch_opensearch
}

launch_opensearch() {
  local node=$OPENSEARCH_NODE_DIR
  find_opensearch_java_home
  local command=(env -u OPENSEARCH_HOME -u JAVA_HOME
    OPENSEARCH_JAVA_HOME="$OPENSEARCH_JAVA_HOME_FOUND" OPENSEARCH_PATH_CONF="$node/config" OPENSEARCH_TMPDIR="$node/tmp"
    OPENSEARCH_JAVA_OPTS="$OPENSEARCH_EXTRA_JAVA_OPTS"
    "$OPENSEARCH_HOME/bin/opensearch" -p "$node/opensearch.pid"
    -E cluster.name=cis-local -E node.name=cis-local
    -E discovery.type=single-node -E network.host="$HOST" -E http.port="$OPENSEARCH_PORT"
    -E path.data="$node/data" -E path.logs="$node/logs"
    # A nearly full disk would otherwise make the indices read-only in the middle of a test.
    -E cluster.routing.allocation.disk.threshold_enabled=false)
  if $RUN_AS_ROOT; then
    command=(runuser -u "$OPENSEARCH_USER" -- "${command[@]}")
  fi
  launch opensearch "$node" "${command[@]}"
}

# ---------------------------------------------------------------------------------------------------------------
# Waiting, resources, stopping
# ---------------------------------------------------------------------------------------------------------------

fail_start() {
  local svc=$1 reason=$2
  log "$svc: $reason; last lines of $LOG_DIR/$svc.log:"
  tail -n 30 "$LOG_DIR/$svc.log" >&2 || true
  if [[ $svc == opensearch && -r $OPENSEARCH_NODE_DIR/logs/cis-local.log ]]; then
    log "last lines of $OPENSEARCH_NODE_DIR/logs/cis-local.log:"
    tail -n 30 "$OPENSEARCH_NODE_DIR/logs/cis-local.log" >&2 || true
  fi
  die "$svc did not become healthy; run 'scripts/local-stack.sh down' to stop the rest"
}

wait_until_healthy() {
  local pending=("$@") started=$SECONDS svc
  while ((${#pending[@]})); do
    local still=()
    for svc in "${pending[@]}"; do
      if is_healthy "$svc"; then
        log "$svc healthy after $((SECONDS - started)) s at $(url_of "$svc")"
      elif ! is_running "$svc"; then
        fail_start "$svc" "the process exited"
      else
        still+=("$svc")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    ((SECONDS - started < START_TIMEOUT)) || fail_start "${pending[0]}" "not healthy after $START_TIMEOUT s"
    sleep 1
  done
}

# Idempotent: safe on every 'up'; attributes are (re)applied, so a changed CIS_MAX_RECEIVE_COUNT takes effect.
ensure_queues() {
  local dlq_url dlq_arn queue_url policy
  dlq_url=$(sqs_create_queue "$DLQ_NAME")
  dlq_arn=$(sqs_queue_attribute "$dlq_url" QueueArn)
  [[ -n $dlq_url && -n $dlq_arn ]] || die "could not create the dead-letter queue $DLQ_NAME"
  queue_url=$(sqs_create_queue "$QUEUE_NAME")
  [[ -n $queue_url ]] || die "could not create the queue $QUEUE_NAME"
  policy="{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":$MAX_RECEIVE_COUNT}"
  sqs_call SetQueueAttributes "QueueUrl=$queue_url" \
    Attribute.1.Name=VisibilityTimeout "Attribute.1.Value=$QUEUE_VISIBILITY_TIMEOUT" \
    Attribute.2.Name=RedrivePolicy "Attribute.2.Value=$policy" >/dev/null ||
    die "could not set the redrive policy of $QUEUE_NAME"
  sqs_queue_attribute "$queue_url" RedrivePolicy | sed 's/&quot;/"/g' | grep -E "\"maxReceiveCount\":\"?$MAX_RECEIVE_COUNT\"?[,}]" >/dev/null ||
    die "the redrive policy of $QUEUE_NAME did not take"
  log "queue $queue_url (visibility ${QUEUE_VISIBILITY_TIMEOUT}s, dead letters to $DLQ_NAME after $MAX_RECEIVE_COUNT receives)"
}

ensure_bucket() {
  local url
  url=$(url_of s3)/$BUCKET
  http -f -o /dev/null -I "$url" 2>/dev/null || http -f -o /dev/null -X PUT "$url" ||
    die "could not create the bucket $BUCKET"
  log "bucket $url"
}

ensure_cache_table() {
  local table="\"TableName\":\"$CACHE_TABLE\""
  if ! dynamodb_call DescribeTable "{$table}" >/dev/null 2>&1; then
    dynamodb_call CreateTable "{$table,
      \"AttributeDefinitions\":[{\"AttributeName\":\"image_hash\",\"AttributeType\":\"S\"}],
      \"KeySchema\":[{\"AttributeName\":\"image_hash\",\"KeyType\":\"HASH\"}],
      \"BillingMode\":\"PAY_PER_REQUEST\"}" >/dev/null || die "could not create the table $CACHE_TABLE"
  fi
  # Enabling TTL twice is an error in DynamoDB, so look first.
  if ! dynamodb_call DescribeTimeToLive "{$table}" | grep '"TimeToLiveStatus":"ENABLED"' >/dev/null; then
    dynamodb_call UpdateTimeToLive "{$table,\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"ttl\"}}" \
      >/dev/null || die "could not enable TTL on $CACHE_TABLE"
  fi
  log "table $CACHE_TABLE (hash key image_hash, TTL on ttl)"
}

# TERM, wait up to STOP_TIMEOUT, then KILL. Callers pass only PIDs that carry our marker.
stop_pids() {
  (($#)) || return 0
  local pid deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$@" 2>/dev/null || true
  for pid in "$@"; do
    while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.5; done
    if is_ours "$pid"; then
      log "PID $pid did not stop within $STOP_TIMEOUT s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  deadline=$((SECONDS + 10))
  for pid in "$@"; do
    while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  done
}

# Processes with our marker that no pid file knows about (e.g. a pid file deleted by hand).
stray_pids() {
  local dir
  for dir in /proc/[0-9]*; do
    is_ours "${dir#/proc/}" && echo "${dir#/proc/}"
  done
  return 0
}

# One 'up' or 'down' at a time per state dir (fd 9, held until the script exits).
lock_state_dir() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock -w 600 9 || die "another local-stack.sh is busy with $STATE_DIR"
}

# ---------------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------------

cmd_up() {
  validate_settings
  command -v java >/dev/null || die "java is needed (JDK 17)"
  command -v curl >/dev/null || die "curl is needed"
  lock_state_dir
  mkdir -p "$PID_DIR" "$LOG_DIR" "$CONF_DIR" "$STATE_DIR/tmp"

  # Which services must start? A port held by a process that is not ours is an error, before anything starts.
  local to_start=() svc
  for svc in "${SERVICES[@]}"; do
    if is_running "$svc"; then
      continue
    fi
    rm -f "$(pid_file "$svc")"
    if port_in_use "$(port_of "$svc")"; then
      die "port $(port_of "$svc") ($svc) is already in use by a process this stack did not start; stop it or set $(port_variable_of "$svc")"
    fi
    to_start+=("$svc")
  done

  if ((${#to_start[@]})); then
    install_servers "${to_start[@]}"
    for svc in "${to_start[@]}"; do
      log "starting $svc on $(url_of "$svc")"
      "start_$svc"
    done
  fi

  local to_wait=()
  for svc in "${SERVICES[@]}"; do
    if [[ " ${to_start[*]-} " == *" $svc "* ]] || ! is_healthy "$svc"; then to_wait+=("$svc"); fi
  done
  if ((${#to_wait[@]})); then
    wait_until_healthy "${to_wait[@]}"
  else
    log "all services already running and healthy"
  fi
  ensure_queues
  ensure_bucket
  ensure_cache_table
  cmd_status
}

cmd_down() {
  validate_settings
  lock_state_dir
  local svc pids=() launchers=()
  for svc in "${SERVICES[@]}"; do
    local ids
    mapfile -t ids < <(service_pids "$svc")
    ((${#ids[@]})) || continue
    log "stopping $svc (PID ${ids[*]})"
    pids+=("${ids[0]}")
    launchers+=("${ids[@]:1}")
  done
  # The servers first: a launcher (runuser) exits by itself once its server has gone.
  stop_pids "${pids[@]+"${pids[@]}"}"
  stop_pids "${launchers[@]+"${launchers[@]}"}"

  local strays
  mapfile -t strays < <(stray_pids)
  if ((${#strays[@]})); then
    log "stopping leftover processes of this stack: PID ${strays[*]}"
    stop_pids "${strays[@]}"
  fi
  rm -f "$PID_DIR"/*.pid
  rm -rf "${STATE_DIR:?}/tmp" # e.g. DynamoDB Local unpacks its sqlite library there on every start

  local busy=()
  for svc in "${SERVICES[@]}"; do
    port_in_use "$(port_of "$svc")" && busy+=("$(port_of "$svc") ($svc)")
  done
  ((${#busy[@]} == 0)) || die "still listening after stop, not a process of this stack: ${busy[*]}"
  log "stopped; nothing listens on ports $SQS_PORT, $S3_PORT, $DYNAMODB_PORT, $OPENSEARCH_PORT"
}

cmd_stop_service() {
  local svc=${1:-}
  [[ " ${SERVICES[*]} " == *" $svc "* ]] || die "stop-service needs one of: ${SERVICES[*]}"
  validate_settings
  lock_state_dir
  local ids
  mapfile -t ids < <(service_pids "$svc")
  ((${#ids[@]})) || die "$svc is not running in this stack ($STATE_DIR)"
  log "stopping $svc (PID ${ids[*]})"
  stop_pids "${ids[0]}"
  stop_pids "${ids[@]:1}"
  rm -f "$(pid_file "$svc")"
  port_in_use "$(port_of "$svc")" && die "port $(port_of "$svc") ($svc) still in use after stopping it"
  log "$svc stopped"
}

cmd_start_service() {
  local svc=${1:-}
  [[ " ${SERVICES[*]} " == *" $svc "* ]] || die "start-service needs one of: ${SERVICES[*]}"
  validate_settings
  lock_state_dir
  is_running "$svc" && { log "$svc already running"; return 0; }
  port_in_use "$(port_of "$svc")" && die "port $(port_of "$svc") ($svc) is in use by a process this stack did not start"
  log "starting $svc on $(url_of "$svc")"
  if [[ $svc == opensearch ]]; then start_opensearch --keep-data; else "start_$svc"; fi
  wait_until_healthy "$svc"
}

cmd_status() {
  validate_settings
  local svc pid state note all_healthy=true
  for svc in "${SERVICES[@]}"; do
    pid=$(service_pid "$svc") note=
    if [[ -n $pid ]]; then
      if is_healthy "$svc"; then state=healthy; else state=unhealthy; all_healthy=false; fi
    else
      all_healthy=false pid=- state=stopped
      port_in_use "$(port_of "$svc")" && note=" (port in use by a process this stack did not start)"
    fi
    printf '%-10s %-9s pid %-7s %s%s\n' "$svc" "$state" "$pid" "$(url_of "$svc")" "$note"
  done
  $all_healthy
}

cmd_env() {
  validate_settings
  local sqs_url
  sqs_url=$(url_of sqs)
  local vars=(
    AWS_REGION="$REGION"
    AWS_DEFAULT_REGION="$REGION"
    AWS_ACCESS_KEY_ID=local
    AWS_SECRET_ACCESS_KEY=local
    AWS_ENDPOINT_URL_SQS="$sqs_url"
    AWS_ENDPOINT_URL_S3="$(url_of s3)"
    AWS_ENDPOINT_URL_DYNAMODB="$(url_of dynamodb)"
    SQS_QUEUE_URL="$sqs_url/$ACCOUNT_ID/$QUEUE_NAME"
    SQS_DLQ_URL="$sqs_url/$ACCOUNT_ID/$DLQ_NAME"
    S3_BUCKET="$BUCKET"
    S3_FORCE_PATH_STYLE=true
    EMBEDDING_CACHE_TABLE="$CACHE_TABLE"
    OPENSEARCH_ENDPOINT="$(url_of opensearch)"
    OPENSEARCH_INDEX="$OPENSEARCH_INDEX"
    OPENSEARCH_AUTH=none
    # The Maven k-NN zip has no native libraries: faiss and nmslib crash the node, lucene works.
    OPENSEARCH_KNN_ENGINE=lucene
    OPENSEARCH_KNN_SPACE_TYPE=cosinesimil
  )
  local var
  for var in "${vars[@]}"; do
    printf 'export %s=%q\n' "${var%%=*}" "${var#*=}"
  done
}

main() {
  case ${1:-} in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    stop-service) cmd_stop_service "${2:-}" ;;
    start-service) cmd_start_service "${2:-}" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
