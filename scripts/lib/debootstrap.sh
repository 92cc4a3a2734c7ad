# shellcheck shell=bash
# The Debian root file system steps that scripts/systemd-container.sh, scripts/arm64-root.sh and
# scripts/container-image.sh have in common, kept in one place so the three build their roots the same way.
# Sourced, not run, by a script that has set -euo pipefail and SCRIPT_NAME (the prefix of its messages).

# Messages on stderr. die exits 1; cannot_run exits 77, "cannot run here", which the calling test reports as a
# skip with the reason instead of a failure.
readonly EXIT_CANNOT_RUN=77
log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }
cannot_run() { printf '%s: cannot run here: %s\n' "$SCRIPT_NAME" "$*" >&2; exit "$EXIT_CANNOT_RUN"; }

# Installs the host's Debian PACKAGEs a script needs (none: nothing to do); "cannot run here" when it cannot.
install_host_packages() { # PACKAGE...
  [[ $# -eq 0 ]] && return
  command -v apt-get >/dev/null || cannot_run "$* missing and no apt-get to install them"
  log "installing $*"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >&2 \
    || cannot_run "could not install $* from Debian's packages"
}

# The host's Debian mirror (from its apt sources), so a new root downloads from where the host does; empty =
# debootstrap's default.
host_mirror() {
  local files=(/etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  local file
  for file in "${files[@]}"; do
    [[ -f $file ]] || continue
    # deb822 "URIs: URL" or one-line "deb [options] URL suite ...", for the main archive (not -security, -updates).
    sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
      -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]*\).*/\2/p' "$file" \
      | grep -E '/debian/?$' | head -n 1
  done | head -n 1
}

# debootstrap of a Debian SUITE minbase into TARGET from the host's mirror, for ARCH (empty: the host's) with
# PACKAGEs included. Its output goes to TARGET.log, shown (the last 20 lines) only when it fails, which is
# "cannot run here": no access to Debian's packages is the usual reason.
debootstrap_minbase() { # SUITE ARCH TARGET [PACKAGE...]
  local suite=$1 arch=$2 target=$3
  shift 3
  local mirror include
  mirror=$(host_mirror)
  include=$(IFS=,; echo "$*")
  debootstrap ${arch:+--arch="$arch"} --variant=minbase ${include:+--include="$include"} "$suite" "$target" \
    ${mirror:+"$mirror"} >"$target.log" 2>&1 \
    || { tail -n 20 "$target.log" >&2; rm -f "$target.log"; cannot_run "debootstrap ${arch:+--arch=$arch }$suite failed (no access to Debian's packages?)"; }
  rm -f "$target.log"
}

# Installs PACKAGEs in ROOT with apt inside it (its resolver and maintainer scripts handle ca-certificates-java,
# which debootstrap's simple ordering does not), then runs the shell command THEN there (empty: none), under
# systemd-nspawn, which gives the maintainer scripts /proc and /dev. ROOT gets the host's resolv.conf for the
# download. Returns apt's failure for the caller to report in its own words.
apt_install_in_root() { # ROOT THEN PACKAGE...
  local root=$1 then=$2
  shift 2
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  systemd-nspawn --quiet --register=no --keep-unit --console=pipe -D "$root" /bin/sh -c "
      echo 'APT::Sandbox::User \"root\";' >/etc/apt/apt.conf.d/00sandbox-root &&
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* >/dev/null &&
      apt-get clean && rm -rf /var/lib/apt/lists/* /etc/apt/apt.conf.d/00sandbox-root${then:+ &&
      $then}" >&2
}

# The name part of a cached root that changes with what goes into it: a short hash of the VALUEs (suite, packages,
# build version, ...).
cache_key() { # VALUE...
  printf '%s\n' "$@" | sha256sum | cut -c1-16
}

# Whether ROOT is a finished build (finish_root marks it so; a half-built one never is).
root_complete() { # ROOT
  [[ -f $1/.complete ]]
}

# A root is built in a new directory beside its final place ROOT (new_root_dir prints it), then marked complete
# and renamed to ROOT (finish_root): an interrupted build never looks like a cached one.
new_root_dir() { # ROOT
  mkdir -p "$(dirname "$1")"
  mktemp -d "$1.tmp.XXXXXX"
}

# Another build may have finished first (two test runs at once): that one is kept and TMP removed (not past a
# file system still mounted in it).
finish_root() { # TMP ROOT
  local tmp=$1 root=$2
  touch "$tmp/.complete"
  if ! mv -T "$tmp" "$root" 2>/dev/null; then
    root_complete "$root" || die "could not move the new root file system to $root"
    rm -rf --one-file-system "$tmp"
  fi
}
