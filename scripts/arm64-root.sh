#!/usr/bin/env bash
# A Debian 12 arm64 root file system with a headless JRE 17, run on an x86_64 host under qemu-user emulation, for
# testing the -Plinux-aarch64 jar where no Graviton machine is at hand (src/test/java/io/cis/worker/it/Arm64EmulationIT.java).
#
#   scripts/arm64-root.sh check                         can arm64 programs run here? (sets up emulation if needed)
#   scripts/arm64-root.sh build                         build (once) and print the cached root file system
#   scripts/arm64-root.sh run [--bind DIR]... [--tmp DIR] -- COMMAND [ARG...]
#                                                       run COMMAND inside it: each DIR at the same path, DIR of
#                                                       --tmp as its /tmp; the environment passes through
#
# Exit status 77 means "cannot run here" (not root, no binfmt_misc, Debian's qemu-user-static, binfmt-support or
# debootstrap unavailable, no package download): the reason is on stderr, and the caller skips.
# run execs (unshare, sh, chroot, COMMAND: one process), so a signal sent to it reaches COMMAND itself. COMMAND
# shares the host's network (services on 127.0.0.1) and sees the host's /proc: under qemu-user /proc/cpuinfo is
# the x86 host's.
#
# Settings (environment):
#   CIS_CACHE_DIR   download cache (default ~/.cache/cis-worker); the root file system is kept in its arm64-root/
#                   folder, named by a hash of what goes into it
set -euo pipefail
readonly SCRIPT_NAME=arm64-root
source "$(dirname "${BASH_SOURCE[0]}")/lib/debootstrap.sh"

readonly SUITE=bookworm
readonly ARCH=arm64
readonly PACKAGES=(openjdk-17-jre-headless)
# Bump when the build steps below change in a way the package list does not show.
readonly BUILD_VERSION=1

CACHE_DIR=$(realpath -m "${CIS_CACHE_DIR:-$HOME/.cache/cis-worker}")/arm64-root
readonly CACHE_DIR

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

require_root() {
  [[ $(id -u) -eq 0 ]] || cannot_run "needs root (binfmt_misc, debootstrap, chroot), running as uid $(id -u)"
}

# Debian's qemu-user-static (the emulator, registered with the kernel's "fix binary" flag, so a chroot needs no
# copy of it), binfmt-support (update-binfmts) and debootstrap, installed when missing.
require_tools() {
  local missing=()
  command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  install_host_packages "${missing[@]}"
}

# The kernel runs arm64 ELF files through qemu-aarch64-static: binfmt_misc mounted, the entry enabled.
require_emulation() {
  require_root
  require_tools
  if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null \
      || cannot_run "binfmt_misc is not mounted and cannot be (a container without it?)"
  fi
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    update-binfmts --enable qemu-aarch64 >&2 2>/dev/null \
      || update-binfmts --import qemu-aarch64 >&2 2>/dev/null \
      || cannot_run "update-binfmts could not register qemu-aarch64 with binfmt_misc"
  fi
  grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null \
    || { echo 1 >/proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64; } \
    || cannot_run "the qemu-aarch64 binfmt_misc entry is registered but disabled and cannot be enabled"
}

rootfs_path() {
  local key
  key=$(cache_key "$SUITE" "$ARCH" "${PACKAGES[*]}" "$BUILD_VERSION")
  echo "$CACHE_DIR/rootfs-$SUITE-$ARCH-$key"
}

cmd_check() {
  require_emulation
  # A real arm64 program: the emulator's own test that the kernel hands arm64 ELF files to it.
  local rootfs
  rootfs=$(rootfs_path)
  if root_complete "$rootfs"; then
    chroot "$rootfs" /bin/true || cannot_run "an arm64 program does not run in $rootfs under qemu-user"
  fi
  log "qemu-user emulation of arm64 is set up ($(qemu-aarch64-static --version | head -n 1))"
}

cmd_build() {
  require_emulation
  local rootfs
  rootfs=$(rootfs_path)
  if root_complete "$rootfs"; then
    echo "$rootfs"
    return
  fi
  local tmp
  tmp=$(new_root_dir "$rootfs")
  # debootstrap mounts /proc and /sys in the new root while it runs: unmounted first, and rm stays on this file system.
  trap 'for m in proc sys dev/pts dev; do umount -l "$tmp/$m" 2>/dev/null || true; done
        rm -rf --one-file-system "$tmp" "$tmp.log"' EXIT
  local started=$SECONDS
  log "building $rootfs (Debian $SUITE $ARCH minbase + ${PACKAGES[*]}, under emulation; once, then cached)"
  # One stage: binfmt_misc runs the second stage's arm64 maintainer scripts through qemu-aarch64-static.
  debootstrap_minbase "$SUITE" "$ARCH" "$tmp" "${PACKAGES[@]}"
  (in_root "$tmp" "" -- /usr/bin/java -version) >/dev/null 2>&1 \
    || cannot_run "the arm64 JRE does not start under qemu-user emulation here"
  (cd "$tmp" && rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/*)
  finish_root "$tmp" "$rootfs"
  trap - EXIT
  log "built in $((SECONDS - started)) s: $(du -sh "$rootfs" | cut -f1)"
  echo "$rootfs"
}

cmd_run() {
  local binds=() tmp_dir=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --bind) binds+=("$(realpath "${2:?--bind needs a directory}")"); shift 2 ;;
      --tmp) tmp_dir=$(realpath "${2:?--tmp needs a directory}"); shift 2 ;;
      --) shift; break ;;
      *) die "run: unknown option $1 (see --help)" ;;
    esac
  done
  [[ $# -gt 0 ]] || die "run needs a command after --"
  require_emulation
  local rootfs
  rootfs=$(rootfs_path)
  root_complete "$rootfs" || die "no root file system yet: run $0 build first"
  in_root "$rootfs" "$tmp_dir" "${binds[@]}" -- "$@"
}

# Runs COMMAND in ROOT with /proc, /dev and /sys, TMP (if not empty) as its /tmp and each DIR at the same path, all
# mounted in a mount namespace of its own, gone with the command; the mount points are made in ROOT (empty
# directories, harmless to the next run). It execs (unshare, sh, chroot, COMMAND), so COMMAND keeps the caller's PID.
in_root() { # ROOT TMP [DIR...] -- COMMAND...
  local script='set -e; root=$1; tmp=$2; shift 2
    mount --make-rprivate /
    mount --rbind /proc "$root/proc"; mount --rbind /dev "$root/dev"; mount --rbind /sys "$root/sys"
    [ -z "$tmp" ] || mount --bind "$tmp" "$root/tmp"
    while [ "$1" != -- ]; do mkdir -p "$root$1"; mount --bind "$1" "$root$1"; shift; done; shift
    exec chroot "$root" "$@"'
  exec unshare --mount sh -c "$script" sh "$@"
}

case ${1:-} in
  check) shift; cmd_check "$@" ;;
  build) shift; cmd_build "$@" ;;
  run) shift; cmd_run "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
