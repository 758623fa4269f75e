#!/usr/bin/env bash
# The release build's system: a Debian 11 (bullseye) root with glibc 2.31, g++ 10, cmake 3.18,
# OpenJDK 17 and Maven 3.6, and the AArch64 cross compiler and qemu-user for the linux-arm64
# build. Libraries linked there bind only the glibc symbol versions that
# bullseye has, and native/portable/glibc_compat.h pins the few newer than 2.28 (exp, log, pow, ...)
# to their older versions, so the jar built there loads on glibc 2.28 (RHEL/Rocky/Alma 8) and later.
#
#   build/debian11.sh setup          create the root if missing (debootstrap, ~1 minute, ~1.3 GB)
#   build/debian11.sh run CMD...     run CMD inside it, in this repository, as root
#
# Inside, java-arm64 runs an AArch64 OpenJDK 17 under qemu-user, for the linux-arm64 Java checks.
#
# Inside, the repository is at the same path as outside (CMake caches stay valid), the host's
# ~/.m2 is shared (no second download of the dependencies) and the host's CUDA toolkit
# (JGRAD_CUDA_HOME, default /usr/local/cuda) is bind-mounted read-only, with nvcc on the PATH.
# JGRAD_ROOT chooses the root's folder (default /var/cache/jgrad/debian11). Needs root.
set -euo pipefail

ROOT=${JGRAD_ROOT:-/var/cache/jgrad/debian11}
REPO=$(cd "$(dirname "$0")/.." && pwd)
CUDA_HOME=$(readlink -f "${JGRAD_CUDA_HOME:-/usr/local/cuda}" 2>/dev/null || true)
PACKAGES=g++,cmake,make,openjdk-17-jdk-headless,maven,ca-certificates,binutils,g++-aarch64-linux-gnu,libc6-dev-arm64-cross,binutils-aarch64-linux-gnu,qemu-user-static

setup() {
  if [ -x "$ROOT/usr/bin/aarch64-linux-gnu-g++" ] && [ -x "$ROOT/usr/bin/qemu-aarch64-static" ] && [ -x "$ROOT/usr/bin/mvn" ]; then return; fi
  if [ -x "$ROOT/usr/bin/apt-get" ] && [ -x "$ROOT/usr/bin/g++" ]; then   # an older root: add what it lacks
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      /bin/sh -c "apt-get update -qq && apt-get install -y -qq ${PACKAGES//,/ }" >"$ROOT.log" 2>&1 \
      && return || { tail -20 "$ROOT.log"; exit 1; }
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  fi
  rm -rf "$ROOT"
  mkdir -p "$(dirname "$ROOT")"
  echo "== creating the Debian 11 root in $ROOT"
  debootstrap --variant=minbase --include="$PACKAGES" bullseye "$ROOT" http://deb.debian.org/debian >"$ROOT.log" 2>&1 \
    || { tail -20 "$ROOT.log"; exit 1; }
}

# An AArch64 Java 17 (Debian 11's own OpenJDK package, unpacked, not installed) that runs under
# qemu-user on the cross toolchain's AArch64 glibc 2.31: /usr/local/bin/java-arm64 inside the root.
ARM64_JRE=openjdk-17-jre-headless:arm64
arm64_java() {
  [ -x "$ROOT/usr/local/bin/java-arm64" ] && return
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive /bin/sh -c "
    set -e
    dpkg --add-architecture arm64
    apt-get update -qq
    rm -rf /opt/arm64 /opt/arm64-debs && mkdir -p /opt/arm64 /opt/arm64-debs && cd /opt/arm64-debs
    apt-get download -qq $ARM64_JRE zlib1g:arm64
    for deb in *.deb; do dpkg -x \$deb /opt/arm64; done
    rm -rf /opt/arm64-debs" >"$ROOT.arm64.log" 2>&1 || { tail -20 "$ROOT.arm64.log"; exit 1; }
  cat >"$ROOT/usr/local/bin/java-arm64" <<'EOS'
#!/bin/sh
# java for linux-arm64, under qemu-user: Debian 11's AArch64 OpenJDK 17 on the cross toolchain's glibc
LD_LIBRARY_PATH=/opt/arm64/lib/aarch64-linux-gnu:/opt/arm64/usr/lib/aarch64-linux-gnu \
  exec qemu-aarch64-static -L /usr/aarch64-linux-gnu /opt/arm64/usr/lib/jvm/java-17-openjdk-arm64/bin/java "$@"
EOS
  chmod +x "$ROOT/usr/local/bin/java-arm64"
}

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}

# A run killed before its cleanup (a signal it did not trap, a machine restart) leaves its mounts
# in the root, some on folders deleted since: those are dropped before mounting again.
unmount_stale() {
  if mountpoint -q "$1" 2>/dev/null || ! stat "$1" >/dev/null 2>&1 || grep -q " $1 " /proc/mounts; then
    umount -l "$1" 2>/dev/null || true
  fi
}

bind() {   # bind SRC DST [ro]
  unmount_stale "$2"
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounted+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}

run() {
  setup
  arm64_java
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  unmount_stale "$ROOT/proc"
  mount -t proc proc "$ROOT/proc"; mounted+=("$ROOT/proc")
  bind /dev "$ROOT/dev"
  bind "$REPO" "$ROOT$REPO"
  mkdir -p "$HOME/.m2"
  bind "$HOME/.m2" "$ROOT/root/.m2"
  local path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  if [ -n "$CUDA_HOME" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then
    bind "$CUDA_HOME" "$ROOT$CUDA_HOME" ro
    path="$CUDA_HOME/bin:$path"
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH="$path" LANG=C.UTF-8 TERM=dumb \
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 CI="${CI:-}" \
    /bin/bash -c 'cd "$0" && exec "$@"' "$REPO" "$@"
}

case "${1:-}" in
  setup) setup ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 setup | run CMD..." >&2; exit 2 ;;
esac
