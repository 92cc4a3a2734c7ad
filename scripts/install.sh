#!/usr/bin/env bash
# Installs cis-worker as a systemd service on an EC2 host (Amazon Linux 2023, Debian or Ubuntu), or removes it.
# Safe to run again: it upgrades the jar, the units (the daemon's and the backfill template) and the model, and
# never touches an existing /etc/cis-worker/cis-worker.env (the operator's configuration).
#
#   sudo scripts/install.sh [--jar PATH] [--model PATH]      install or upgrade
#   sudo scripts/install.sh --uninstall [--purge]            remove (--purge: also config, state and the user)
#   scripts/install.sh --dry-run ...                         print every step, change nothing
#   scripts/install.sh --root DIR ...                        lay the files out under DIR (packaging, tests): no
#                                                            packages, users, ownership or systemctl
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SERVICE=cis-worker
SERVICE_USER=cis-worker

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --jar PATH     the worker jar (default: target/cis-worker.jar of this checkout, or on arm64 (Graviton)
                 target/cis-worker-linux-aarch64.jar; build them with mvn package [-Plinux-aarch64]); refused
                 when its natives are not for this machine's architecture (uname -m)
  --model PATH   TorchScript model to install as /var/lib/cis-worker/model/model.pt, with the model.json
                 beside it if there is one (else an earlier model's model.json is removed), and the bf16 export beside it (model-bf16.pt + model-bf16.json,
                 which MODEL_PRECISION=auto loads on CPUs with AMX) if there is one
                 (scripts/export-production-model.sh makes all four); their SHA-256s are printed for MODEL_SHA256
  --uninstall    stop and disable the service (and any running backfill), remove the jar and both units; keep
                 config, model and user
  --purge        with --uninstall: also remove /etc/cis-worker, /var/lib/cis-worker, the units' drop-in
                 directories and the user
  --dry-run      print what would be done, change nothing
  --root DIR     install below DIR instead of /
EOF
}

# The build's name for this machine's platform (pom.xml: cis.platform), from uname -m; empty for one with no build.
machine="$(uname -m)"
case "$machine" in
  x86_64|amd64) host_platform=linux-x86_64 ;;
  aarch64|arm64) host_platform=linux-aarch64 ;;
  *) host_platform="" ;;
esac
if [ "$host_platform" = linux-aarch64 ]; then
  jar="$REPO/target/cis-worker-linux-aarch64.jar"
else
  jar="$REPO/target/cis-worker.jar"
fi
model=""
mode=install
purge=0
dry_run=0
root=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar="${2:?--jar needs a path}"; shift 2 ;;
    --model) model="${2:?--model needs a path}"; shift 2 ;;
    --uninstall) mode=uninstall; shift ;;
    --purge) purge=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    --root) root="$(cd "${2:?--root needs a directory}" && pwd)"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$purge" = 1 ] && [ "$mode" != uninstall ]; then
  echo "install.sh: --purge only goes with --uninstall" >&2
  exit 2
fi

opt_dir="$root/opt/cis-worker"
etc_dir="$root/etc/cis-worker"
state_dir="$root/var/lib/cis-worker"
unit_file="$root/etc/systemd/system/$SERVICE.service"
# The one-off backfill, a template unit started per slice (cis-worker-backfill@0-4); never enabled.
backfill_unit_file="$root/etc/systemd/system/$SERVICE-backfill@.service"
env_file="$etc_dir/cis-worker.env"

# Every change to the system goes through run: printed in a dry run, executed otherwise.
run() {
  if [ "$dry_run" = 1 ]; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}
say() { echo "install.sh: $*"; }
# What a step did, or in a dry run would have done.
did() { if [ "$dry_run" = 1 ]; then say "(dry run) would have: $*"; else say "$*"; fi; }
# The real host (not --root): packages, the service user, ownership and systemctl are ours to manage.
on_host() { [ -z "$root" ]; }
systemd_running() { on_host && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

# The Java major version of /usr/bin/java (the unit's ExecStart), or 0.
java_major() {
  [ -x /usr/bin/java ] || { echo 0; return; }
  /usr/bin/java -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1 | grep . || echo 0
}

ensure_java() {
  local major
  major="$(java_major)"
  if [ "$major" -ge 17 ]; then
    say "java $major found at /usr/bin/java"
    return
  fi
  say "no Java 17+ at /usr/bin/java (found: $major); installing a headless JRE"
  if command -v dnf >/dev/null; then
    # Amazon Linux 2023 ships Corretto; RHEL-like systems have OpenJDK. `dnf list --available` leaves out what is
    # installed already, so an installed Corretto 17 (just not /usr/bin/java) is asked of rpm first.
    if rpm -q java-17-amazon-corretto-headless >/dev/null 2>&1 \
        || dnf list --available java-17-amazon-corretto-headless >/dev/null 2>&1; then
      run dnf install -y java-17-amazon-corretto-headless
    else
      run dnf install -y java-17-openjdk-headless
    fi
    # Installed is not yet the default: when another Java owns /usr/bin/java, point the java alternative at 17.
    if [ "$dry_run" = 0 ] && [ "$(java_major)" -lt 17 ]; then
      local java17
      java17="$(ls -d /usr/lib/jvm/java-17-*/bin/java 2>/dev/null | head -n 1 || true)"
      if [ -n "$java17" ] && command -v alternatives >/dev/null; then
        run alternatives --set java "$java17"
        say "/usr/bin/java now points at $java17 (alternatives --config java switches it back)"
      fi
    fi
  elif command -v apt-get >/dev/null; then
    run apt-get update -q
    # Debian 12 and Ubuntu 22.04/24.04 have 17; newer Debian releases only 21.
    if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
      run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless
    else
      run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-21-jre-headless
    fi
  else
    echo "install.sh: neither dnf nor apt-get found: install a Java 17+ runtime as /usr/bin/java yourself" >&2
    exit 1
  fi
  if [ "$dry_run" = 0 ] && [ "$(java_major)" -lt 17 ]; then
    echo "install.sh: /usr/bin/java is still older than 17; point it at the new JRE (update-alternatives --config java)" >&2
    exit 1
  fi
}

ensure_user() {
  if getent passwd "$SERVICE_USER" >/dev/null; then
    say "user $SERVICE_USER exists"
    return
  fi
  local nologin
  nologin="$(command -v nologin || echo /usr/sbin/nologin)"
  run useradd --system --user-group --home-dir /var/lib/cis-worker --no-create-home --shell "$nologin" \
    --comment "cis-worker service" "$SERVICE_USER"
}

# Replaces a file in one step (a running worker keeps the old jar's inode until it restarts).
put_file() { # SOURCE TARGET MODE
  run install -m "$3" "$1" "$2.new"
  run mv -f "$2.new" "$2"
}

# The platforms of the natives a jar carries (libtorch's and JavaCPP's, one a line, in the build's naming). Zip
# archives store entry names uncompressed, so grep finds them without unzip (which minimal images lack).
jar_platforms() {
  LC_ALL=C grep -a -o -E 'pytorch/[a-z0-9]+/linux-(x86_64|aarch64)/libtorch_cpu\.so|org/bytedeco/javacpp/linux-(x86_64|arm64)/' "$1" 2>/dev/null \
    | sed -E 's#.*/linux-(x86_64|aarch64|arm64)/.*#linux-\1#; s#linux-arm64#linux-aarch64#' | sort -u || true
}

# A jar whose natives are for another CPU would only fail when the model loads; refuse it here, naming both.
check_jar_platform() {
  local platforms
  platforms="$(jar_platforms "$jar" | paste -sd' ' -)"
  if [ -z "$platforms" ]; then
    say "WARNING: found no libtorch or JavaCPP natives in $jar: is it the worker jar?"
    return
  fi
  if [ "$platforms" != "$host_platform" ]; then
    echo "install.sh: $jar has natives for $platforms but this machine is $machine (uname -m)$([ -n "$host_platform" ] \
      && echo ", which needs $host_platform: build it with mvn -B -DskipTests package$([ "$host_platform" = linux-aarch64 ] \
      && echo ' -Plinux-aarch64')" || echo ", for which there is no build")" >&2
    exit 1
  fi
  say "jar natives: $platforms, matching this machine ($machine)"
}

install_worker() {
  [ -f "$jar" ] || { echo "install.sh: jar not found: $jar (build it with: mvn -B package -DskipTests$([ "$host_platform" = linux-aarch64 ] && echo ' -Plinux-aarch64'))" >&2; exit 1; }
  check_jar_platform
  [ -z "$model" ] || [ -f "$model" ] || { echo "install.sh: model not found: $model" >&2; exit 1; }
  if on_host && [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo), or use --dry-run / --root DIR" >&2
    exit 1
  fi

  if on_host; then
    ensure_java
    ensure_user
  else
    say "--root $root: skipping Java, the service user, file ownership and systemctl"
  fi

  run install -d -m 0755 "$opt_dir" "$root/etc/systemd/system"
  run install -d -m 0750 "$etc_dir" "$state_dir" "$state_dir/model" "$state_dir/djl" "$state_dir/javacpp"
  if on_host; then
    run chown root:"$SERVICE_USER" "$etc_dir"
    run chown "$SERVICE_USER:$SERVICE_USER" "$state_dir" "$state_dir/model" "$state_dir/djl" "$state_dir/javacpp"
  fi

  put_file "$jar" "$opt_dir/cis-worker.jar" 0644
  put_file "$REPO/README.md" "$opt_dir/README.md" 0644

  if [ -n "$model" ]; then
    put_file "$model" "$state_dir/model/model.pt" 0640
    if on_host; then run chown "$SERVICE_USER:$SERVICE_USER" "$state_dir/model/model.pt"; fi
    # The exporter's model.json (model name, dimension) travels with the model; the worker checks it when present.
    # Without one, the previous model's is removed: start-up would check the new model against its name and dtype.
    if [ -f "$(dirname "$model")/model.json" ]; then
      put_file "$(dirname "$model")/model.json" "$state_dir/model/model.json" 0640
      if on_host; then run chown "$SERVICE_USER:$SERVICE_USER" "$state_dir/model/model.json"; fi
    elif [ -e "$state_dir/model/model.json" ]; then
      run rm -f "$state_dir/model/model.json"
      did "removed the previous model's model.json (none beside $model)"
    fi
    # The bf16 export of the same weights (X.pt -> X-bf16.pt, with X-bf16.json), installed as model-bf16.pt.
    # Without one, a bf16 export left by an earlier install is removed: it holds other weights.
    local bf16_model="${model%.pt}-bf16.pt"
    local sha256s
    sha256s="$(sha256sum "$model" | cut -d' ' -f1)"
    if [ -f "$bf16_model" ] && [ -f "${model%.pt}-bf16.json" ]; then
      put_file "$bf16_model" "$state_dir/model/model-bf16.pt" 0640
      put_file "${model%.pt}-bf16.json" "$state_dir/model/model-bf16.json" 0640
      if on_host; then
        run chown "$SERVICE_USER:$SERVICE_USER" "$state_dir/model/model-bf16.pt" "$state_dir/model/model-bf16.json"
      fi
      sha256s="$sha256s,$(sha256sum "$bf16_model" | cut -d' ' -f1)"
    elif [ -e "$state_dir/model/model-bf16.pt" ] || [ -e "$state_dir/model/model-bf16.json" ]; then
      run rm -f "$state_dir/model/model-bf16.pt" "$state_dir/model/model-bf16.json"
      did "removed the bf16 export of the previous model (none beside $model)"
    fi
    did "installed the model; to have the worker check it at start-up, set in $env_file:"
    echo "  MODEL_SHA256=$sha256s"
  elif [ ! -f "$state_dir/model/model.pt" ]; then
    say "WARNING: no model at $state_dir/model/model.pt yet: install one with --model PATH"
  fi

  # The example is refreshed on every install (it lists new settings); the operator's file is never overwritten.
  put_file "$REPO/config/cis-worker.env.example" "$etc_dir/cis-worker.env.example" 0644
  if [ -e "$env_file" ]; then
    say "kept your configuration $env_file (compare with cis-worker.env.example beside it for new settings)"
  else
    run install -m 0640 "$REPO/config/cis-worker.env.example" "$env_file"
    if on_host; then run chown root:"$SERVICE_USER" "$env_file"; fi
    did "created $env_file from the example: set SQS_QUEUE_URL, OPENSEARCH_ENDPOINT and OPENSEARCH_AUTH there"
  fi

  put_file "$REPO/systemd/cis-worker.service" "$unit_file" 0644
  put_file "$REPO/systemd/cis-worker-backfill@.service" "$backfill_unit_file" 0644
  # The GPU drop-in is shipped, not enabled: copying it is the operator's choice (README, "GPU").
  put_file "$REPO/systemd/gpu.conf" "$opt_dir/gpu.conf" 0644
  if systemd_running; then
    run systemctl daemon-reload
    if systemctl is-active --quiet "$SERVICE"; then
      say "$SERVICE is running the previous version: sudo systemctl restart $SERVICE"
    else
      say "next: edit $env_file, then: sudo systemctl enable --now $SERVICE && journalctl -u $SERVICE -f"
    fi
  elif on_host; then
    say "systemd is not running here: no daemon-reload"
  fi
  say "installed$([ "$dry_run" = 1 ] && echo ' (dry run: nothing was changed)')"
}

uninstall_worker() {
  if on_host && [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo), or use --dry-run / --root DIR" >&2
    exit 1
  fi
  if systemd_running && [ -e "$unit_file" ]; then
    run systemctl disable --now "$SERVICE"
  fi
  if systemd_running && [ -e "$backfill_unit_file" ]; then
    run systemctl stop "$SERVICE-backfill@*.service"
  fi
  run rm -f "$unit_file" "$backfill_unit_file"
  run rm -rf "$opt_dir"
  if systemd_running; then
    run systemctl daemon-reload
  fi
  if [ "$purge" = 1 ]; then
    # The operator's drop-ins (systemctl edit, the GPU drop-in) are configuration too.
    run rm -rf "$etc_dir" "$state_dir" "$unit_file.d" "$backfill_unit_file.d"
    if on_host && getent passwd "$SERVICE_USER" >/dev/null; then
      run userdel "$SERVICE_USER"
    fi
  else
    say "kept $etc_dir, $state_dir and the user $SERVICE_USER (--purge removes them)"
  fi
  say "uninstalled$([ "$dry_run" = 1 ] && echo ' (dry run: nothing was changed)')"
}

if [ "$mode" = install ]; then
  install_worker
else
  uninstall_worker
fi
