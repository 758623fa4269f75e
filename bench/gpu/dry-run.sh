#!/usr/bin/env bash
# Before spending device time: runs what check.sh runs from the bundle (.gpu/), here, on the host
# emulation of CUDA instead of a GPU: the JUnit CUDA tests with a device required, CudaBench
# at small sizes (batch 1 for the convolutions), and NcclCheck's start. It catches a bundle that lacks a class or a JNI library, which the GPU machine
# would otherwise report after its start-up. Run it after the preparation steps of check.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .gpu/run ] || { echo "no bundle (.gpu/run): prepare it first (see bench/gpu/check.sh)"; exit 1; }
cmake -S . -B target/native-emulation -DJGRAD_CUDA=EMULATE >/dev/null
cmake --build target/native-emulation -j2 --target jgrad >/dev/null
export JAVA_OPTS="-Djgrad.library=$PWD/target/native-emulation/libjgrad.so -Djgrad.requireCuda=true"
bash .gpu/run --include-tag cuda
bash .gpu/run --main org.jgrad.bench.CudaBench 12 64 1
bash .gpu/run --main org.jgrad.distributed.NcclCheck   # on the emulation: says NCCL cannot be used, exits 0
