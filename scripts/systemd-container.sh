#!/usr/bin/env bash
# A Debian 12 machine with a real systemd, booted with systemd-nspawn, for testing the worker's unit and
# scripts/install.sh as an operator would use them (src/test/java/io/cis/worker/deploy/SystemdNspawnIT.java).
#
#   scripts/systemd-container.sh build                       build (once) and print the cached root file system
#   scripts/systemd-container.sh boot RUN_DIR [NSPAWN_OPTION...]
#                                                            boot a throwaway copy of it in the background
#   scripts/systemd-container.sh exec RUN_DIR COMMAND [ARG...]
#                                                            run a command inside as root (stdin passed through)
#   scripts/systemd-container.sh stop RUN_DIR                power it off, wait, and remove the copy
#
# Exit status 77 means "cannot run here" (not root, Debian's debootstrap or systemd-container unavailable, no
# package download, the container does not boot): the reason is on stderr, and the caller skips.
# Needs root. The host needs no systemd: the container runs unregistered (--register=no --keep-unit), and it
# shares the host's network, so it reaches services on the host's 127.0.0.1.
#
# Settings (environment):
#   CIS_CACHE_DIR               download cache (default ~/.cache/cis-worker); the root file system is kept in
#                               its systemd-container/ folder, named by a hash of what goes into it
#   CIS_CONTAINER_BOOT_TIMEOUT  seconds to wait for the boot to finish (default 120)
#   CIS_CONTAINER_OWNER_PID     boot: power the container off when this process is gone (a test JVM that dies
#                               before its clean-up must not leave a worker running)
set -euo pipefail
readonly SCRIPT_NAME=systemd-container
source "$(dirname "${BASH_SOURCE[0]}")/lib/debootstrap.sh"

readonly SUITE=bookworm
# What the machine has: systemd as PID 1, D-Bus (systemctl and journalctl talk through it) and a headless JRE 17
# (install.sh finds it instead of installing one; Debian 12 on EC2 gets the same from install.sh).
readonly BASE_PACKAGES=(systemd systemd-sysv dbus)
readonly EXTRA_PACKAGES=(openjdk-17-jre-headless)
# Bump when the build steps below change in a way the package lists do not show.
readonly BUILD_VERSION=1

CACHE_DIR=$(realpath -m "${CIS_CACHE_DIR:-$HOME/.cache/cis-worker}")/systemd-container
BOOT_TIMEOUT=${CIS_CONTAINER_BOOT_TIMEOUT:-120}
readonly CACHE_DIR BOOT_TIMEOUT

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

require_root() {
  [[ $(id -u) -eq 0 ]] || cannot_run "needs root (systemd-nspawn and debootstrap), running as uid $(id -u)"
}

# Debian's debootstrap and systemd-container (systemd-nspawn), installed when missing.
require_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  command -v nsenter >/dev/null || missing+=(util-linux)
  install_host_packages "${missing[@]}"
}

rootfs_path() {
  local key
  key=$(cache_key "$SUITE" "${BASE_PACKAGES[*]}" "${EXTRA_PACKAGES[*]}" "$BUILD_VERSION")
  echo "$CACHE_DIR/rootfs-$SUITE-$key"
}

cmd_build() {
  require_root
  local rootfs
  rootfs=$(rootfs_path)
  if root_complete "$rootfs"; then
    echo "$rootfs"
    return
  fi
  require_tools
  local tmp
  tmp=$(new_root_dir "$rootfs")
  trap 'rm -rf "$tmp"' EXIT
  local started=$SECONDS
  log "building $rootfs (Debian $SUITE minbase + ${BASE_PACKAGES[*]} ${EXTRA_PACKAGES[*]}; once, then cached)"
  debootstrap_minbase "$SUITE" "" "$tmp" "${BASE_PACKAGES[@]}"
  # The JRE through apt inside, not debootstrap's --include (see apt_install_in_root).
  apt_install_in_root "$tmp" "" "${EXTRA_PACKAGES[@]}" \
    || cannot_run "installing ${EXTRA_PACKAGES[*]} in the container failed"
  # A machine of its own: a name, and an empty machine-id that nspawn fills in at every boot.
  echo cis-test >"$tmp/etc/hostname"
  : >"$tmp/etc/machine-id"
  finish_root "$tmp" "$rootfs"
  trap - EXIT
  log "built in $((SECONDS - started)) s: $(du -sh "$rootfs" | cut -f1)"
  echo "$rootfs"
}

# --- one booted container: its state lives in RUN_DIR ---

nspawn_pid() { cat "$1/nspawn.pid" 2>/dev/null; }
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# The container's PID 1 as the host sees it: the child of the nspawn process that runs systemd.
leader_of() { # NSPAWN_PID
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    if [[ $(cat /proc/"$child"/comm 2>/dev/null) == systemd ]]; then
      echo "$child"
      return 0
    fi
  done
  return 1
}

in_container() { # RUN_DIR COMMAND...
  local run_dir=$1
  shift
  local leader
  leader=$(cat "$run_dir/leader.pid" 2>/dev/null) || die "no container booted in $run_dir"
  alive "$leader" || die "the container of $run_dir is not running (see $run_dir/console.log)"
  # All of PID 1's namespaces, a clean environment, the root directory of the container.
  nsenter --target "$leader" --mount --uts --ipc --net --pid --cgroup --root --wd \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 \
    SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

cmd_boot() {
  local run_dir=${1:?boot needs a run directory}
  shift
  require_root
  local rootfs
  rootfs=$(cmd_build)
  mkdir -p "$run_dir"
  run_dir=$(realpath "$run_dir")
  if alive "$(nspawn_pid "$run_dir")"; then
    die "a container of $run_dir is already running (stop it first)"
  fi
  # A throwaway copy: an overlay on the cached tree where the kernel has one, else a full copy.
  local root=$run_dir/root
  mkdir -p "$root" "$run_dir/upper" "$run_dir/work"
  if mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$run_dir/upper,workdir=$run_dir/work" "$root" 2>/dev/null; then
    echo overlay >"$run_dir/root.kind"
  else
    cp -a "$rootfs/." "$root/"
    echo copy >"$run_dir/root.kind"
  fi
  local name
  name=cis-test-$(basename "$run_dir" | tr -c 'a-zA-Z0-9-\n' - | cut -c1-40)
  # Not registered with (and not needing) a host systemd; the host's network; the console to a file.
  setsid systemd-nspawn --quiet --register=no --keep-unit --boot --machine="$name" --console=read-only \
    -D "$root" "$@" </dev/null >"$run_dir/console.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$run_dir/nspawn.pid"
  local deadline=$((SECONDS + BOOT_TIMEOUT)) leader=""
  until leader=$(leader_of "$pid"); do
    if ! alive "$pid" || ((SECONDS > deadline)); then
      tail -n 20 "$run_dir/console.log" >&2 || true
      cmd_stop "$run_dir" >&2 || true
      cannot_run "systemd-nspawn did not start the container (console above)"
    fi
    sleep 0.2
  done
  echo "$leader" >"$run_dir/leader.pid"
  # Booted: systemd reached its default target (degraded = some unit failed; still usable, the list says which).
  # Asked again until systemd answers: just after its exec it has no bus socket yet (the answer is then empty
  # or "offline").
  local state=""
  while ((SECONDS < deadline)); do
    state=$(timeout $((deadline - SECONDS + 1)) "$0" exec "$run_dir" systemctl is-system-running --wait 2>/dev/null) || true
    case $state in
      running | degraded | maintenance | stopping) break ;;
    esac
    alive "$pid" || break
    sleep 0.5
  done
  case $state in
    running) ;;
    degraded) log "booted degraded; failed units: $("$0" exec "$run_dir" systemctl --failed --plain --no-legend | tr '\n' ' ')" ;;
    *)
      tail -n 30 "$run_dir/console.log" >&2 || true
      cmd_stop "$run_dir" >&2 || true
      cannot_run "the container did not finish booting within $BOOT_TIMEOUT s (state: ${state:-none}; console above)"
      ;;
  esac
  if [[ -n ${CIS_CONTAINER_OWNER_PID:-} ]]; then
    local owner=$CIS_CONTAINER_OWNER_PID
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 5; done
                    kill -0 "$2" 2>/dev/null && exec "$0" stop "$3"' "$0" "$owner" "$pid" "$run_dir" \
      </dev/null >>"$run_dir/watchdog.log" 2>&1 &
  fi
  log "booted $name (nspawn PID $pid, PID 1 = host PID $leader, root: $(cat "$run_dir/root.kind") in $root)"
}

cmd_exec() {
  local run_dir=${1:?exec needs a run directory}
  shift
  [[ $# -gt 0 ]] || die "exec needs a command"
  in_container "$run_dir" "$@"
}

cmd_stop() {
  local run_dir=${1:?stop needs a run directory}
  local pid leader
  pid=$(nspawn_pid "$run_dir") || true
  leader=$(cat "$run_dir/leader.pid" 2>/dev/null) || true
  if alive "$pid"; then
    # SIGRTMIN+4 asks systemd (PID 1) for a clean poweroff; nspawn exits when it is done.
    if alive "$leader"; then
      kill -s RTMIN+4 "$leader" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
    local deadline=$((SECONDS + 60))
    while alive "$pid" && ((SECONDS < deadline)); do
      sleep 0.5
    done
    if alive "$pid"; then
      log "the container did not power off within 60 s: killing systemd-nspawn (PID $pid)"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
    fi
  fi
  if [[ -d $run_dir/root ]] && mountpoint -q "$run_dir/root"; then
    umount "$run_dir/root" || umount -l "$run_dir/root"
  fi
  rm -rf "$run_dir/root" "$run_dir/upper" "$run_dir/work" "$run_dir/nspawn.pid" "$run_dir/leader.pid"
}

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  boot) shift; cmd_boot "$@" ;;
  exec) shift; cmd_exec "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
