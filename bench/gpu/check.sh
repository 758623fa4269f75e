#!/usr/bin/env bash
# Every GPU check in one command, for a machine with an NVIDIA GPU but no Java or network:
#   1. the native CUDA suite (native/tests/test_cuda.cpp, every op family on the device against the same call on the CPU)
#   2. the JUnit CUDA tests (@Tag("cuda")), failing if no device is found; among them the review's
#      targeted cases: a cuBLAS smoke test over every operand layout with no wait between ops
#      (cublasSmokeTestWithoutWaitsBetweenOps), a failed runtime call not blamed on the next op
#      (aFailedRuntimeCallIsNotReportedByTheNextOp), overlapping in-place writes
#      (overlappingSourcesReadTheirOldValues, selfOverlappingDestinationsAreRefused), bit-identical
#      repeats of sum/argmax over odd unaligned views (reductionsOverUnalignedOddViewsRepeatBitForBit),
#      a bad gather index reported at the next wait, then normal work (badIndicesOnTheDeviceAreExceptions),
#      and findings under four host threads (faultsFoundUnderManyThreadsAreReportedWholeAndOnce)
#   3. the benchmark beside PyTorch (bench/gpu/run.sh)
#   3b. NCCL through jgrad-spark's NcclProcessGroup, a group of one rank (NcclCheck: collectives,
#      DistributedDataParallel on a CUDA model, an all-reduce timed); libnccl.so.2 is looked for in
#      PyTorch's nvidia-nccl wheel, then anywhere on the machine
#   4. the native suite under compute-sanitizer memcheck
#   5. the native suite under compute-sanitizer racecheck (shared-memory races in the block
#      reductions, which the host emulation cannot show)
# The sanitizer runs come last because they are the slowest: the results and timings come back even
# when they are cut short. Each step has its own time limit, shortened to what is left of BUDGET
# seconds (default 540, under the device command's 600), and a step that would get under 20 s is
# skipped and counted as failed. Logs go to $LOG_DIR (default target/gpu-logs); a failing step does
# not stop the later ones, and the exit status says whether all passed.
#
# Prepare on a build machine (which needs nvcc, not a GPU): `bash bench/gpu/prepare.sh BUNDLER` runs
# these steps:
#   mvn -B -q -Pbench -DskipTests -Djgrad.cuda.architectures=90-real install
#       (H100/H200 code only: the library is ~1 MB smaller, which the bundle needs)
#   cmake -S . -B target/native-cuda -DJGRAD_CUDA=ON -DJGRAD_TESTS=ON -DCMAKE_CUDA_ARCHITECTURES=90-real && cmake --build target/native-cuda -j2 --target jgrad_native_cuda_tests
#   GPU_JRE_MODULES=java.base,jdk.unsupported,java.logging <the team's GPU bundling script>
#       (bundles the tree into .gpu/; without the two management modules, which nothing here uses,
#       the bundle stays inside the script's 60 MiB limit)
#   mkdir -p .gpu/native && cp target/native-cuda/jgrad_native_cuda_tests .gpu/native/
#   bash bench/gpu/dry-run.sh       # the bundled tests and benchmark, here, on the CUDA emulation
# (the suite binds to the libjgrad.so that the bundle carries in jgrad's classes; the two come
# from the same sources and CMake options)
# then carry .gpu to the GPU machine and run: LOG_DIR=$OUT bash bench/gpu/check.sh
# with the device command's timeout a little above BUDGET.
set -uo pipefail
cd "$(dirname "$0")/../.."
logs=${LOG_DIR:-target/gpu-logs}
mkdir -p "$logs"
status=0
budget=${BUDGET:-540}
step() {  # step NAME SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  local left=$((budget - SECONDS))
  [ "$limit" -le "$left" ] || limit=$left
  if [ "$limit" -lt 20 ]; then
    echo "== $name: skipped, ${left}s of the ${budget}s budget left"
    status=1
    return
  fi
  echo "== $name (limit ${limit}s)"
  local t0=$SECONDS
  timeout "$limit" "$@" > "$logs/$name.log" 2>&1
  local rc=$?
  tail -25 "$logs/$name.log"
  echo "== $name: exit $rc after $((SECONDS - t0))s"
  [ $rc -eq 0 ] || status=1
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nvidia-smi 2>/dev/null | grep -m1 -o 'CUDA Version: [0-9.]*' || true   # the newest CUDA the driver supports (jgrad's runtime: 13.0)
# where cuBLAS will be found (jgrad's matmul loads it on first use; see CudaBlas)
echo "cuBLAS: $( (ls /usr/local/cuda/lib64/libcublas.so* 2>/dev/null; ldconfig -p 2>/dev/null | grep -o '/[^ ]*libcublas\.so[^ ]*') | head -3 | tr '\n' ' ')"
lib=$(dirname "$(find .gpu/cp -name libjgrad.so | head -1)")
export LD_LIBRARY_PATH=$PWD/$lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
suite=.gpu/native/jgrad_native_cuda_tests
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
if [ -x $suite ]; then
  step native-cuda 90 $suite
else
  echo "== native CUDA suite not bundled ($suite); skipped"
  status=1
fi
step junit-cuda 180 env JAVA_OPTS=-Djgrad.requireCuda=true bash .gpu/run --include-tag cuda
step bench 180 bash bench/gpu/run.sh
nccl_dir=$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "lib"))' 2>/dev/null || true)
[ -n "$nccl_dir" ] && [ -e "$nccl_dir/libnccl.so.2" ] || nccl_dir=$(dirname "$(find / -xdev -name 'libnccl.so.2' 2>/dev/null | head -1)" 2>/dev/null)
echo "NCCL: ${nccl_dir:-not found}"
step nccl 60 env LD_LIBRARY_PATH=${nccl_dir:-}:$LD_LIBRARY_PATH bash .gpu/run --main org.jgrad.distributed.NcclCheck
if [ -x $suite ]; then
  # the suite's deliberate failures (a 2^50-byte cudaMalloc, a device that does not exist) are API
  # errors by design, which the sanitizer would count: only memory and race errors fail these steps
  step native-cuda-memcheck 180 "$sanitizer" --tool memcheck --report-api-errors no --error-exitcode 3 $suite
  step native-cuda-racecheck 120 "$sanitizer" --tool racecheck --report-api-errors no --error-exitcode 3 $suite
fi
exit $status
