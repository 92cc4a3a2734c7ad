#!/usr/bin/env bash
# Builds the project's Dockerfile, unchanged, with Debian's buildah (no Docker engine and no OCI runtime needed:
# --isolation chroot), for src/test/java/io/cis/worker/deploy/ContainerImageIT.java. No base image is pulled: the
# two the Dockerfile names are stood in for by local images made offline from Debian's packages.
#
#   scripts/container-image.sh base-images     make (once, then cached) the stand-in base images
#   scripts/container-image.sh build TAG       base-images, then `buildah bud` the Dockerfile as TAG, the host's
#                                              Maven repository mounted (as an overlay) for the build stage
#   scripts/container-image.sh buildah ARG...  buildah on this script's storage (inspect, from, run, mount, rm ...)
#
# The stand-ins (Debian 12 minbase from debootstrap, tagged under the names the Dockerfile's FROM lines use):
#   build stage    openjdk-17-jdk-headless + maven: java, javac and mvn on PATH, bash, root as the user
#   runtime        openjdk-17-jre-headless: java on PATH, bash, groupadd/useradd (passwd), coreutils, grep
# Both link /opt/java/openjdk to Debian's JDK/JRE and set JAVA_HOME there, as the Temurin images do.
#
# Exit status 77 means "cannot run here" (not root, buildah or debootstrap unavailable, no Debian packages, no mvn
# on the host or no Maven Central for it): the reason is on stderr, and the caller skips.
#
# Settings (environment):
#   CIS_CACHE_DIR     cache (default ~/.cache/cis-worker); the stand-in root file systems and buildah's storage are
#                     kept in its container-image/ folder
#   CIS_M2_DIR        the host's Maven directory the build stage reads (default ~/.m2; never written by the build)
set -euo pipefail
readonly SCRIPT_NAME=container-image
source "$(dirname "${BASH_SOURCE[0]}")/lib/debootstrap.sh"
cd "$(dirname "$0")/.."

readonly SUITE=bookworm
readonly BUILD_FROM=maven:3-eclipse-temurin-17
readonly BUILD_PACKAGES=(openjdk-17-jdk-headless maven)
readonly RUNTIME_FROM=eclipse-temurin:17-jre
readonly RUNTIME_PACKAGES=(openjdk-17-jre-headless)
# Bump when the steps below change in a way the package lists do not show.
readonly BUILD_VERSION=1

CACHE_DIR=$(realpath -m "${CIS_CACHE_DIR:-$HOME/.cache/cis-worker}")/container-image
M2_DIR=$(realpath -m "${CIS_M2_DIR:-$HOME/.m2}")
readonly CACHE_DIR M2_DIR

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

# Its own storage, so the images here never mix with (or wait on the locks of) anything else buildah does.
bah() { buildah --root "$CACHE_DIR/storage" --runroot "$CACHE_DIR/run" --storage-driver overlay "$@"; }

require_root() {
  [[ $(id -u) -eq 0 ]] || cannot_run "needs root (buildah's chroot isolation and debootstrap), running as uid $(id -u)"
}

# Debian's buildah, debootstrap and systemd-container (nspawn runs apt's maintainer scripts in the new roots),
# installed when missing.
require_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  install_host_packages "${missing[@]}"
}

key_of() { # PACKAGE...
  cache_key "$SUITE" "$*" "$BUILD_VERSION"
}

# A minbase root with PACKAGES, built once per package list and kept; prints its path.
make_root() { # NAME PACKAGE...
  local name=$1
  shift
  local root
  root=$CACHE_DIR/rootfs-$name-$SUITE-$(key_of "$@")
  if root_complete "$root"; then
    echo "$root"
    return
  fi
  local tmp started=$SECONDS
  tmp=$(new_root_dir "$root")
  trap 'rm -rf "$tmp" "$tmp.log"' EXIT
  log "building $root (Debian $SUITE minbase + $*; once, then cached)"
  debootstrap_minbase "$SUITE" "" "$tmp"
  # The JDK through apt inside, not debootstrap's --include (see apt_install_in_root); then the link the Temurin
  # images have.
  # shellcheck disable=SC2016 # expanded by the shell inside the root
  apt_install_in_root "$tmp" 'mkdir -p /opt/java && ln -s $(dirname $(dirname $(readlink -f /usr/bin/java))) /opt/java/openjdk' "$@" \
    || cannot_run "installing $* in the stand-in root failed"
  # The image's resolver comes from the host at build and run time, as with any container.
  rm -f "$tmp/etc/resolv.conf" "$tmp/etc/hostname"
  finish_root "$tmp" "$root"
  trap - EXIT
  log "built in $((SECONDS - started)) s: $(du -sh "$root" | cut -f1)"
  echo "$root"
}

# Commits ROOT as an image tagged NAME, unless the image of this root is already in the storage.
make_image() { # NAME ROOT
  local name=$1 root=$2 ref
  # buildah (like Docker) reads a short name as one from Docker Hub: tag it so, and the FROM line finds it locally.
  ref=docker.io/library/$name
  local marker=$CACHE_DIR/images/$(echo "$name" | tr ':/' '__')
  if [[ $(cat "$marker" 2>/dev/null) == "$(basename "$root")" ]] && bah inspect --type image "$ref" >/dev/null 2>&1; then
    return
  fi
  log "committing $root as the stand-in for $name"
  local ctr mnt
  ctr=$(bah from --quiet scratch)
  mnt=$(bah mount "$ctr")
  tar -C "$root" --exclude=./.complete -cf - . | tar -C "$mnt" -xpf -
  bah umount "$ctr" >/dev/null
  # What the Dockerfile relies on from the real images: java (and mvn) on PATH, JAVA_HOME, root as the user.
  bah config --env JAVA_HOME=/opt/java/openjdk \
    --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --cmd bash --label io.cis.worker.standin="Debian $SUITE minbase, $(basename "$root")" "$ctr"
  bah commit --quiet --rm "$ctr" "$ref" >/dev/null
  mkdir -p "$(dirname "$marker")"
  basename "$root" >"$marker"
}

cmd_base_images() {
  require_root
  require_tools
  local build_root runtime_root
  build_root=$(make_root build "${BUILD_PACKAGES[@]}")
  runtime_root=$(make_root runtime "${RUNTIME_PACKAGES[@]}")
  make_image "$BUILD_FROM" "$build_root"
  make_image "$RUNTIME_FROM" "$runtime_root"
  # The names must be what the Dockerfile uses, or the build would try to pull.
  local from
  for from in $(sed -n 's/^FROM\([[:space:]]\+--[^[:space:]]*\)*[[:space:]]\+\([^[:space:]]*\).*/\2/p' Dockerfile); do
    [[ $from == "$BUILD_FROM" || $from == "$RUNTIME_FROM" ]] \
      || die "the Dockerfile's FROM $from has no stand-in here (this script makes $BUILD_FROM and $RUNTIME_FROM)"
  done
}

# The build stage's Maven runs with the host's repository ($M2_DIR) mounted as an overlay at /root/.m2: it reads
# what the host has and its writes are thrown away with the build. What is missing it would fetch from Maven Central
# with the stand-in's own trust store, which is not the host's: where the host reaches Maven Central only through a
# proxy whose CA the host alone trusts (as where this was written), the build stage cannot. So the Dockerfile's own
# dependency goal runs on the host first (same Maven 3.8 as the stand-in's, so the same plugin versions), and the
# build stage then finds everything locally.
prefill_maven_repository() {
  command -v mvn >/dev/null || cannot_run "no mvn on the host to fill the Maven repository the build stage reads"
  mvn -B -ntp -q -Dmaven.repo.local="$M2_DIR/repository" dependency:go-offline >&2 \
    || cannot_run "the build stage's dependencies could not be fetched from Maven Central on the host"
}

cmd_build() {
  local tag=${1:?build needs a tag}
  cmd_base_images
  prefill_maven_repository
  local started=$SECONDS previous
  previous=$(bah images --quiet --no-trunc "$tag" 2>/dev/null || true)
  # --pull-never: the stand-ins or nothing. --format docker keeps HEALTHCHECK (the OCI format has none).
  # --layers: the dependency step is reused while pom.xml does not change; --force-rm: a failed build leaves no
  # working container behind.
  bah bud --isolation chroot --pull-never --format docker --layers --force-rm --volume "$M2_DIR:/root/.m2:O" \
    -t "$tag" -f Dockerfile . >&2
  # The image this tag named before (another source tree) is only disk space now; one still in use is kept.
  if [[ -n $previous && $previous != "$(bah images --quiet --no-trunc "$tag")" ]]; then
    bah rmi "$previous" >/dev/null 2>&1 || true
  fi
  log "built $tag in $((SECONDS - started)) s: $(bah images --format '{{.Size}}' "$tag")"
}

case ${1:-} in
  base-images) shift; cmd_base_images "$@" ;;
  build) shift; cmd_build "$@" ;;
  buildah) shift; bah "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
