#!/usr/bin/env bash
# Prepares everything check.sh needs, on a build machine with nvcc (no GPU needed), then checks it
# on the host emulation (dry-run.sh). Usage: bash bench/gpu/prepare.sh BUNDLER
# where BUNDLER is the team's GPU bundling script (it writes .gpu/). The library is built with
# H100/H200 code only (sm_90), which keeps the bundle inside the bundler's size limit.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash bench/gpu/prepare.sh BUNDLER"; exit 2; }
bundler=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
mvn -B -q -Pbench -DskipTests -Djgrad.cuda.architectures=90-real install
cmake -S . -B target/native-cuda -DJGRAD_CUDA=ON -DJGRAD_TESTS=ON -DCMAKE_CUDA_ARCHITECTURES=90-real >/dev/null
cmake --build target/native-cuda -j2 --target jgrad_native_cuda_tests >/dev/null
GPU_JRE_MODULES=java.base,jdk.unsupported,java.logging "$bundler"
mkdir -p .gpu/native && cp target/native-cuda/jgrad_native_cuda_tests .gpu/native/
du -sm .gpu
bash bench/gpu/dry-run.sh
# The library in java/target now holds sm_90 code only: a plain `mvn install` rebuilds the full one.
