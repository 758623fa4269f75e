#!/usr/bin/env bash
# Checks that every native library in the given jars loads on glibc 2.28 without a libstdc++:
# no symbol bound to a GLIBC_ version above 2.28, none to GLIBCXX_/CXXABI_/GCC_ (the C++ and
# gcc runtimes are linked statically with their symbols hidden), no libstdc++/libgcc_s among
# the libraries it needs, and no run path but $ORIGIN. Prints each library's newest glibc version.
# JGRAD_PLATFORMS (say "linux-x86_64 linux-arm64") names the platform folders each jar must carry.
#   build/check-glibc.sh java/target/jgrad-*.jar
set -euo pipefail
MAX=${JGRAD_MAX_GLIBC:-2.28}
[ $# -gt 0 ] || { echo "usage: $0 JAR..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0 count=0
for jar in "$@"; do
  dir="$tmp/$(basename "$jar")"
  mkdir -p "$dir"
  abs=$(readlink -f "$jar")
  (cd "$dir" && unzip -q -o "$abs" '*.so' '*.so.*' 2>/dev/null) || true
  for platform in ${JGRAD_PLATFORMS:-}; do
    if ! find "$dir" -path "*/$platform/libjgrad.so" | grep -q .; then echo "$(basename "$jar") has no $platform/libjgrad.so"; bad=1; fi
  done
  while IFS= read -r so; do
    count=$((count + 1))
    name=${so#"$dir"/}
    versions=$(objdump -T "$so" | grep -oE '\b(GLIBC|GLIBCXX|CXXABI|GCC)_[0-9.]+' | sort -u -V || true)
    newest=$(echo "$versions" | grep '^GLIBC_' | sed 's/GLIBC_//' | sort -V | tail -1)
    foreign=$(echo "$versions" | grep -E '^(GLIBCXX|CXXABI|GCC)_' | tr '\n' ' ' || true)
    needed=$(objdump -p "$so" | awk '$1 == "NEEDED" {print $2}' | tr '\n' ' ')
    echo "$(basename "$jar")!/$name: newest GLIBC_${newest:-none}; needs: $needed"
    if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$MAX" | sort -V | tail -1)" != "$MAX" ]; then
      echo "  binds GLIBC_$newest, above GLIBC_$MAX:"; objdump -T "$so" | grep -E "GLIBC_($newest)\b" | sed 's/^/    /'
      bad=1
    fi
    if [ -n "$foreign" ]; then echo "  binds the C++/gcc runtime: $foreign"; bad=1; fi
    if echo "$needed" | grep -qE 'libstdc\+\+|libgcc_s'; then echo "  needs a shared C++/gcc runtime"; bad=1; fi
    runpath=$(objdump -p "$so" | awk '$1 == "RPATH" || $1 == "RUNPATH" {print $2}' | tr ':' '\n' | grep -v '^\$ORIGIN/\?$' || true)
    if [ -n "$runpath" ]; then echo "  searches a build machine's folder at run time: $runpath"; bad=1; fi
  done < <(find "$dir" -name '*.so' -o -name '*.so.*' | sort)
done
[ "$count" -gt 0 ] || { echo "no native library found in $*"; exit 1; }
if [ "$bad" -ne 0 ]; then echo "FAILED: a library above needs more than glibc $MAX"; exit 1; fi
echo "all $count native libraries need at most glibc $MAX and no C++ runtime"
